// SPDX-License-Identifier: GPL-2.0-or-later
/* aaelctl log and aaelctl follow */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include "aaelctl.h"

enum format { TEXT, JSON, TCG2 };

static int parse_format(const char *s, enum format *f, bool tcg2_ok)
{
	if (!strcmp(s, "text"))
		*f = TEXT;
	else if (!strcmp(s, "json"))
		*f = JSON;
	else if (tcg2_ok && !strcmp(s, "tcg2"))
		*f = TCG2;
	else
		return -1;
	return 0;
}

static int parse_seq(const char *s, uint64_t *out)
{
	char *end;

	*out = strtoull(s, &end, 10);
	return *s && !*end && *s != '-' ? 0 : -1;
}

int cmd_log(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "format", required_argument, NULL, 'F' },
		{ "log", required_argument, NULL, 'l' },
		{ 0 }
	};
	const char *file = NULL;
	enum format fmt = TEXT;
	struct log_source src;
	struct aael_client *c;
	uint64_t from = 0;
	int o, rc;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if ((o == 'f' && parse_seq(optarg, &from)) ||
		    (o == 'F' && parse_format(optarg, &fmt, true)) || o == '?')
			goto usage;
		if (o == 'l')
			file = optarg;
	}
	if (optind != argc)
		goto usage;
	if (file) {
		rc = source_load_file(&src, file);
	} else {
		if (open_client(&c))
			return EXIT_ERROR;
		rc = source_load_live(&src, c, from);
		aael_client_close(c);
	}
	if (rc)
		return EXIT_ERROR;
	if (fmt == TCG2) {
		fwrite(src.buf, 1, src.len, stdout);
	} else {
		size_t skip = file ? (size_t)from : 0;

		if (fmt == JSON)
			printf("[");
		for (size_t i = skip; i < src.log.nr_events; i++) {
			uint64_t seq = src.first_seq + i;

			if (fmt == TEXT) {
				print_text_record(stdout, seq, &src.log.events[i]);
				continue;
			}
			printf(i > skip ? ",\n" : "\n");
			print_json_record(stdout, seq, &src.log.events[i], false);
		}
		if (fmt == JSON)
			printf("\n]\n");
	}
	source_free(&src);
	return fflush(stdout) ? EXIT_ERROR : 0;
usage:
	fprintf(stderr, "usage: aaelctl log [--from N] [--format text|json|tcg2] [--log FILE|-]\n");
	return EXIT_USAGE;
}

struct follow {
	enum format fmt;
};

static int follow_one(uint64_t seq, const uint8_t *rec, size_t len, void *arg)
{
	struct follow *f = arg;
	struct aael_log_event ev;
	struct aael_log_digest ds[AAEL_MAX_BANKS];
	char err[AAEL_ERRLEN];

	if (aael_event_decode(rec, len, &ev, ds, err)) {
		fprintf(stderr, "aaelctl: record %llu: %s\n",
			(unsigned long long)seq, err);
		return EXIT_ERROR;
	}
	if (f->fmt == TEXT) {
		print_text_record(stdout, seq, &ev);
	} else {
		print_json_record(stdout, seq, &ev, false);
		putchar('\n');
	}
	/* A reader on a pipe sees each record as it is made. */
	return fflush(stdout) ? EXIT_ERROR : 0;
}

int cmd_follow(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "format", required_argument, NULL, 'F' },
		{ 0 }
	};
	struct follow f = { .fmt = TEXT };
	char err[AAEL_ERRLEN] = "";
	struct aael_client *c;
	bool from_set = false;
	uint64_t from = 0;
	int o, rc;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if ((o == 'f' && parse_seq(optarg, &from)) ||
		    (o == 'F' && parse_format(optarg, &f.fmt, false)) || o == '?')
			goto usage;
		if (o == 'f')
			from_set = true;
	}
	if (optind != argc)
		goto usage;
	if (open_client(&c))
		return EXIT_ERROR;
	if (!from_set) {
		struct aael_status st;

		/* Like tail -f: what is already there is not repeated. */
		if (aael_client_status(c, &st, err)) {
			fprintf(stderr, "aaelctl: status: %s\n", err);
			aael_client_close(c);
			return EXIT_ERROR;
		}
		from = st.count;
	}
	rc = aael_client_follow(c, from, follow_one, &f, err);
	aael_client_close(c);
	if (rc < 0)
		fprintf(stderr, "aaelctl: follow: %s\n", err);
	return EXIT_ERROR;
usage:
	fprintf(stderr, "usage: aaelctl follow [--from N] [--format text|json]\n");
	return EXIT_USAGE;
}
