// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * aaelctl verify [--log FILE|-] [--against live|INDEX:ALG:HEX ...] [--claims]
 *
 * Replays every register the log touches, in every bank it carries, checks
 * each AAEL record's digests against its event, and compares the replay
 * with the live register (the default for the kernel's log) or with given
 * values. Firmware events whose digest covers something other than their
 * event data (a firmware volume, say) are listed, not failed.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "aaelctl.h"

#define MAX_EXPECT 64

struct expect {
	uint32_t index;
	uint16_t alg;
	uint8_t value[AAEL_MAX_DIGEST];
	size_t size;
};

static int parse_expect(const char *s, struct expect *e)
{
	char alg[16];
	int idx, n = 0;
	const char *hex;

	if (sscanf(s, "%d:%15[^:]:%n", &idx, alg, &n) != 2 || !n || idx < 0)
		return -1;
	e->index = (uint32_t)idx;
	e->alg = aael_alg_by_name(alg);
	hex = s + n;
	e->size = strlen(hex) / 2;
	if (!e->alg || strlen(hex) % 2 || e->size != aael_alg_digest_size(e->alg))
		return -1;
	for (size_t i = 0; i < e->size; i++) {
		unsigned int b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return -1;
		e->value[i] = (uint8_t)b;
	}
	return 0;
}

static void print_hex(FILE *out, const uint8_t *p, size_t n)
{
	char hex[2 * AAEL_MAX_DIGEST + 1];

	fputs(aael_hex(hex, p, n), out);
}

static bool seen(const struct aael_eventlog *log, size_t upto, uint32_t pcr,
		 uint16_t alg)
{
	for (size_t i = 0; i < upto; i++)
		for (unsigned int k = 0; k < log->events[i].nr_digests; k++)
			if (log->events[i].pcr == pcr &&
			    log->events[i].digests[k].alg == alg &&
			    log->events[i].type != AAEL_EV_NO_ACTION)
				return true;
	return false;
}

/* One line per (register, bank) the log extends. */
static void print_replays(FILE *out, const struct aael_eventlog *log)
{
	uint8_t value[AAEL_MAX_DIGEST];

	for (size_t i = 0; i < log->nr_events; i++) {
		const struct aael_log_event *ev = &log->events[i];

		if (ev->type == AAEL_EV_NO_ACTION)
			continue;
		for (unsigned int k = 0; k < ev->nr_digests; k++) {
			uint16_t alg = ev->digests[k].alg;
			long n;

			if (seen(log, i, ev->pcr, alg))
				continue;
			n = aael_replay(log, ev->pcr, alg, value);
			if (n < 0)
				continue;
			fprintf(out, "replay %u %s ", ev->pcr, aael_alg_name(alg));
			print_hex(out, value, aael_alg_digest_size(alg));
			fprintf(out, " (%ld events)\n", n);
		}
	}
}

static int compare(FILE *out, const struct aael_eventlog *log,
		   const struct expect *e, const char *what)
{
	uint8_t value[AAEL_MAX_DIGEST];
	long n = aael_replay(log, e->index, e->alg, value);

	if (n < 0) {
		fprintf(out, "MISMATCH register %u %s: the log has no %s digests\n",
			e->index, aael_alg_name(e->alg), aael_alg_name(e->alg));
		return 1;
	}
	if (memcmp(value, e->value, e->size)) {
		fprintf(out, "MISMATCH register %u %s: replay ", e->index,
			aael_alg_name(e->alg));
		print_hex(out, value, e->size);
		fprintf(out, " != %s ", what);
		print_hex(out, e->value, e->size);
		fprintf(out, "\n");
		return 1;
	}
	fprintf(out, "match register %u %s = %s\n", e->index,
		aael_alg_name(e->alg), what);
	return 0;
}

static int check_records(FILE *out, const struct log_source *src)
{
	int bad = 0;

	for (size_t i = 0; i < src->log.nr_events; i++) {
		const struct aael_log_event *ev = &src->log.events[i];
		const char *text;
		uint32_t n;

		if (aael_event_is_aael(ev, &text, &n) &&
		    !aael_event_digests_match(ev)) {
			fprintf(out, "MISMATCH record %llu: digest does not match its event\n",
				(unsigned long long)(src->first_seq + i));
			bad++;
		}
	}
	return bad;
}

static void print_claims(const struct log_source *src)
{
	struct json_object *root = json_object_new_object();
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < src->log.nr_events; i++)
		json_object_array_add(arr, aael_event_to_json(&src->log.events[i]));
	json_object_object_add(root, "uefi_event_logs", arr);
	printf("%s\n", json_object_to_json_string_ext(root,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "log", required_argument, NULL, 'l' },
		{ "against", required_argument, NULL, 'a' },
		{ "claims", no_argument, NULL, 'c' },
		{ 0 }
	};
	struct expect expect[MAX_EXPECT];
	bool live = false, claims = false, against_set = false;
	const char *file = NULL;
	struct aael_client *c = NULL;
	struct log_source src;
	size_t nexpect = 0;
	int o, bad = 0;
	FILE *out;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 'l') {
			file = optarg;
		} else if (o == 'c') {
			claims = true;
		} else if (o == 'a' && !strcmp(optarg, "live")) {
			live = against_set = true;
		} else if (o == 'a' && nexpect < MAX_EXPECT &&
			   !parse_expect(optarg, &expect[nexpect])) {
			nexpect++;
			against_set = true;
		} else {
			if (o == 'a')
				fprintf(stderr, "aaelctl: --against %s: expected live or INDEX:ALG:HEX\n",
					optarg);
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;
	if (!file || live) {
		if (open_client(&c))
			return EXIT_ERROR;
	}
	if (file ? source_load_file(&src, file) : source_load_live(&src, c, 0)) {
		aael_client_close(c);
		return EXIT_ERROR;
	}
	if (!file && !against_set)
		live = true;
	if (live && file) {
		char err[AAEL_ERRLEN];

		if (aael_client_status(c, &src.status, err)) {
			fprintf(stderr, "aaelctl: status: %s\n", err);
			aael_client_close(c);
			source_free(&src);
			return EXIT_ERROR;
		}
	}
	aael_client_close(c);

	/* With --claims the JSON goes to stdout and the report to stderr. */
	out = claims ? stderr : stdout;
	if (claims)
		print_claims(&src);
	bad += check_records(out, &src);
	print_replays(out, &src.log);
	if (live && !src.status.nr_banks) {
		fprintf(out, "verify: the register's value was not sent (reading it needs CAP_SYS_ADMIN)\n");
		bad++;
	}
	if (live) {
		for (unsigned int i = 0; i < src.status.nr_banks; i++) {
			struct expect e = { .index = src.status.index,
					    .alg = src.status.value[i].alg,
					    .size = src.status.value[i].size };

			memcpy(e.value, src.status.value[i].bytes, e.size);
			bad += compare(out, &src.log, &e, "live");
		}
	}
	for (size_t i = 0; i < nexpect; i++)
		bad += compare(out, &src.log, &expect[i], "expected");
	if (bad)
		fprintf(out, "verify: FAILED (%d problem%s, %zu records)\n", bad,
			bad == 1 ? "" : "s", src.log.nr_events);
	else
		fprintf(out, "verify: OK (%zu records)\n", src.log.nr_events);
	source_free(&src);
	return bad ? EXIT_MISMATCH : EXIT_VERIFIED;
usage:
	fprintf(stderr, "usage: aaelctl verify [--log FILE|-] [--against live|INDEX:ALG:HEX ...] [--claims]\n");
	return EXIT_USAGE;
}
