/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef AAELCTL_H
#define AAELCTL_H

#include <stdio.h>
#include "aael.h"

/* Exit codes (documented in aaelctl(8)). */
enum {
	EXIT_VERIFIED = 0,
	EXIT_MISMATCH = 1,
	EXIT_USAGE = 2,
	EXIT_ERROR = 3,
};

/* A TCG2 log in memory: from a file, stdin, or the kernel. */
struct log_source {
	uint8_t *buf;
	size_t len;
	struct aael_eventlog log;
	uint64_t first_seq;		/* sequence number of events[0] */
	bool live;
	struct aael_status status;	/* live only */
};

int source_load_file(struct log_source *src, const char *path);
int source_load_live(struct log_source *src, struct aael_client *c,
		     uint64_t from);
void source_free(struct log_source *src);
int open_client(struct aael_client **c);

void print_text_record(FILE *out, uint64_t seq,
		       const struct aael_log_event *ev);
int print_json_record(FILE *out, uint64_t seq,
		      const struct aael_log_event *ev, bool pretty);

int cmd_record(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_follow(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_verify(int argc, char **argv);

#endif
