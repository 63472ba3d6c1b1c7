// SPDX-License-Identifier: GPL-2.0
/* libaael's TCG2 log parser and replay, on built logs and firmware data. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "unit.h"
#include "aael.h"
#include "record.h"

static const struct aael_alg two_banks[] = {
	{ AAEL_ALG_SHA256, 32 }, { AAEL_ALG_SHA384, 48 },
};

static const char *const texts[] = {
	"test test test", "domain operation content", "a b  spaced\ncontent",
};

#define NTEXTS (sizeof(texts) / sizeof(texts[0]))

/* Spec ID header + one record per text, digests filled as the module does. */
static size_t build_log(uint8_t *buf, bool header, size_t *ends)
{
	size_t len = 0;

	if (header) {
		aael_spec_id_encode(buf, two_banks, 2);
		len = aael_spec_id_size(2);
	}
	for (size_t i = 0; i < NTEXTS; i++) {
		size_t n = strlen(texts[i]);
		size_t rlen = aael_record_size(two_banks, 2, n);
		size_t off = aael_record_encode(buf + len, 23, two_banks, 2,
						texts[i], (uint32_t)n);

		for (unsigned int b = 0; b < 2; b++)
			aael_hash(two_banks[b].alg_id, buf + len + off, rlen - off,
				  aael_record_digest(buf + len, two_banks, b));
		len += rlen;
		if (ends)
			ends[i] = len;
	}
	return len;
}

static void test_parse_built_log(void **state)
{
	uint8_t buf[2048], value[64], want[64] = { 0 };
	struct aael_eventlog log;
	char err[AAEL_ERRLEN];
	size_t len = build_log(buf, true, NULL);

	(void)state;
	assert_int_equal(aael_eventlog_parse(buf, len, &log, err), 0);
	assert_true(log.has_spec_id);
	assert_int_equal(log.nr_algs, 2);
	assert_int_equal(log.algs[1], AAEL_ALG_SHA384);
	assert_int_equal(log.nr_events, NTEXTS);
	assert_int_equal(log.end, len);
	for (size_t i = 0; i < NTEXTS; i++) {
		const struct aael_log_event *ev = &log.events[i];
		const char *text;
		uint32_t n;

		assert_int_equal(ev->pcr, 23);
		assert_int_equal(ev->type, AAEL_EV_EVENT_TAG);
		assert_true(aael_event_is_aael(ev, &text, &n));
		assert_int_equal(n, strlen(texts[i]));
		assert_memory_equal(text, texts[i], n);
		assert_true(aael_event_digests_match(ev));
		assert_int_equal(aael_extend(AAEL_ALG_SHA384, want,
					     ev->digests[1].bytes), 0);
	}
	assert_int_equal(aael_replay(&log, 23, AAEL_ALG_SHA384, value), NTEXTS);
	assert_memory_equal(value, want, 48);
	assert_int_equal(aael_replay(&log, 4, AAEL_ALG_SHA384, value), 0);
	assert_int_equal(aael_replay(&log, 23, AAEL_ALG_SHA1, value), -1);

	/* A flipped content byte is caught by the digest check. */
	buf[len - 1] ^= 1;
	assert_false(aael_event_digests_match(&log.events[NTEXTS - 1]));
	aael_eventlog_free(&log);
}

/* Every prefix parses to the records it holds whole, or fails cleanly. */
static void test_truncated_logs(void **state)
{
	uint8_t buf[2048];
	size_t ends[NTEXTS];
	size_t len = build_log(buf, true, ends);
	size_t hdr = aael_spec_id_size(2);

	(void)state;
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);
		struct aael_eventlog log;
		char err[AAEL_ERRLEN];
		size_t whole = 0;
		bool boundary = cut == 0 || cut == hdr;
		int rc;

		memcpy(copy, buf, cut);
		for (size_t i = 0; i < NTEXTS; i++) {
			if (ends[i] <= cut)
				whole = i + 1;
			if (ends[i] == cut)
				boundary = true;
		}
		rc = aael_eventlog_parse(copy, cut, &log, err);
		if (boundary) {
			assert_int_equal(rc, 0);
			assert_int_equal(log.nr_events, whole);
			aael_eventlog_free(&log);
		} else if (cut > hdr) {
			if (rc == 0)
				fail_msg("prefix of %zu bytes parsed", cut);
			assert_true(strlen(err) > 0);
		} else if (rc == 0) {
			/* a cut header is read as a header-less log */
			aael_eventlog_free(&log);
		}
		free(copy);
	}
}

static void test_end_marker_and_headerless(void **state)
{
	uint8_t buf[2048];
	struct aael_eventlog log;
	char err[AAEL_ERRLEN];
	size_t len = build_log(buf, true, NULL);

	(void)state;
	memset(buf + len, 0xff, 8);
	memcpy(buf + len + 8, "garbage after the end marker", 28);
	assert_int_equal(aael_eventlog_parse(buf, len + 36, &log, err), 0);
	assert_int_equal(log.nr_events, NTEXTS);
	assert_int_equal(log.end, len);
	aael_eventlog_free(&log);

	len = build_log(buf, false, NULL);
	memset(buf + len, 0, 8);
	assert_int_equal(aael_eventlog_parse(buf, len + 8, &log, err), 0);
	assert_false(log.has_spec_id);
	assert_int_equal(log.nr_events, NTEXTS);
	aael_eventlog_free(&log);

	/* An algorithm the Spec ID header does not list is an error. */
	len = build_log(buf, true, NULL);
	buf[aael_spec_id_size(2) + 12] = 0x04;	/* sha256 -> sha1 */
	assert_int_equal(aael_eventlog_parse(buf, len, &log, err), -1);
	assert_non_null(strstr(err, "unknown algorithm 0x0004"));
}

static void hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static char *base64(const uint8_t *p, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

/*
 * A real TDX firmware log (OVMF CCEL) against the verifier's listing of it:
 * same events, indexes, digests, event bytes and digest verdicts.
 */
static void test_firmware_ccel(void **state)
{
	char path[4096], digest[129];
	struct json_object *root, *events;
	struct aael_eventlog log;
	char err[AAEL_ERRLEN];
	uint8_t *ccel;
	size_t len;

	(void)state;
	snprintf(path, sizeof(path), "%s/CCEL_data_ovmf", getenv("AAEL_TESTDATA"));
	ccel = read_file(path, &len);
	snprintf(path, sizeof(path), "%s/CCEL_data_ovmf_out.json",
		 getenv("AAEL_TESTDATA"));
	root = json_object_from_file(path);
	assert_non_null(root);
	assert_true(json_object_object_get_ex(root, "uefi_event_logs", &events));

	assert_int_equal(aael_eventlog_parse(ccel, len, &log, err), 0);
	assert_true(log.has_spec_id);
	assert_int_equal(log.nr_events, json_object_array_length(events));
	for (size_t i = 0; i < log.nr_events; i++) {
		struct json_object *e = json_object_array_get_idx(events, i);
		struct aael_log_event *ev = &log.events[i];
		struct json_object *v, *d;
		char *b64;

		json_object_object_get_ex(e, "index", &v);
		assert_int_equal(ev->pcr, json_object_get_int(v));
		json_object_object_get_ex(e, "digests", &v);
		assert_int_equal(ev->nr_digests, json_object_array_length(v));
		d = json_object_array_get_idx(v, 0);
		json_object_object_get_ex(d, "digest", &v);
		hex(ev->digests[0].bytes, ev->digests[0].size, digest);
		assert_string_equal(digest, json_object_get_string(v));
		json_object_object_get_ex(e, "event", &v);
		b64 = base64(ev->data, ev->data_len);
		assert_string_equal(b64, json_object_get_string(v));
		free(b64);
		json_object_object_get_ex(e, "digest_matches_event", &v);
		assert_int_equal(aael_event_digests_match(ev),
				 json_object_get_boolean(v));
	}
	aael_eventlog_free(&log);
	json_object_put(root);
	free(ccel);
}

int run_eventlog_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_built_log),
		cmocka_unit_test(test_truncated_logs),
		cmocka_unit_test(test_end_marker_and_headerless),
		cmocka_unit_test(test_firmware_ccel),
	};

	return cmocka_run_group_tests_name("eventlog", tests, NULL, NULL);
}
