// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where a log comes from: a file, stdin, or the kernel. The kernel's log is
 * rebuilt as a TCG2 log (Spec ID header + records) so that every verb reads
 * one format through one parser.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "aaelctl.h"
#include "record.h"
#include "../lib/util.h"

int open_client(struct aael_client **c)
{
	char err[AAEL_ERRLEN];

	if (aael_client_open(c, err)) {
		fprintf(stderr, "aaelctl: %s\n", err);
		return -1;
	}
	return 0;
}

void source_free(struct log_source *src)
{
	aael_eventlog_free(&src->log);
	free(src->buf);
	memset(src, 0, sizeof(*src));
}

static int parse(struct log_source *src, const char *what)
{
	char err[AAEL_ERRLEN];

	if (aael_eventlog_parse(src->buf, src->len, &src->log, err)) {
		fprintf(stderr, "aaelctl: %s: %s\n", what, err);
		source_free(src);
		return -1;
	}
	return 0;
}

int source_load_file(struct log_source *src, const char *path)
{
	char err[AAEL_ERRLEN];

	memset(src, 0, sizeof(*src));
	src->buf = strcmp(path, "-") ? aael_read_file(path, 0, &src->len, err)
				     : aael_read_stream(stdin, path, 0, &src->len, err);
	if (!src->buf) {
		fprintf(stderr, "aaelctl: %s\n", err);
		return -1;
	}
	return parse(src, path);
}

struct collect {
	struct aael_buf buf;
	uint64_t until;
};

static int collect_record(uint64_t seq, const uint8_t *rec, size_t len,
			  void *arg)
{
	struct collect *c = arg;

	if (seq >= c->until)
		return 1;	/* past the snapshot: stop */
	return aael_buf_append(&c->buf, rec, len);
}

/*
 * The records [from, count) of the status snapshot: their replay from
 * record 0 is what the snapshot's register values must equal.
 */
int source_load_live(struct log_source *src, struct aael_client *client,
		     uint64_t from)
{
	struct collect c = { 0 };
	size_t hdr_len;
	struct aael_alg algs[AAEL_MAX_BANKS];
	char err[AAEL_ERRLEN] = "";
	int rc;

	memset(src, 0, sizeof(*src));
	src->live = true;
	src->first_seq = from;
	if (aael_client_status(client, &src->status, err)) {
		fprintf(stderr, "aaelctl: status: %s\n", err);
		return -1;
	}
	for (unsigned int i = 0; i < src->status.nr_banks; i++) {
		algs[i].alg_id = src->status.value[i].alg;
		algs[i].digest_size = src->status.value[i].size;
	}
	hdr_len = aael_spec_id_size(src->status.nr_banks);
	rc = aael_buf_reserve(&c.buf, hdr_len);
	if (rc)
		return -1;
	aael_spec_id_encode(c.buf.data, algs, src->status.nr_banks);
	c.buf.len = hdr_len;
	c.buf.data[hdr_len] = 0;
	c.until = src->status.count;
	rc = from < c.until ? aael_client_dump(client, from, collect_record, &c,
					       err) : 0;
	src->buf = c.buf.data;
	src->len = c.buf.len;
	if (rc < 0) {
		fprintf(stderr, "aaelctl: reading the log: %s\n",
			*err ? err : strerror(-rc));
		source_free(src);
		return -1;
	}
	return parse(src, "kernel log");
}
