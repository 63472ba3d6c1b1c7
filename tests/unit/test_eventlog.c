// SPDX-License-Identifier: GPL-2.0
/* libaael's TCG2 log parser and replay, on built logs and firmware data. */
#include <stdarg.h>
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

/*
 * Expected values come from Python's hashlib, not from libaael, so that a
 * wrong aael_hash() or aael_extend() fails these tests. Each digest is of
 * the tagged event "LEAA" || le32(len) || text:
 *   python3 -c 'import hashlib, struct, sys; t = sys.argv[1].encode();
 *     print(hashlib.sha384(b"LEAA" + struct.pack("<I", len(t)) + t).hexdigest())' TEXT
 * and a register is r = bytes(n); r = H(r + digest) for each record in turn.
 */
static const struct {
	const char *text;
	const char *sha256;
	const char *sha384;
} texts[] = {
	{ "test test test",
	  "2f4df022a4fc81f8991677a2345a50e1cc636a2ac6a37b2840e806baf25b91ae",
	  "dcaaab29cf031c5727ce9ecf5c0ab288ae773b9a322ab14e"
	  "2efd4d8e21fe9db041f02a49a83a5df0ad763a94a19029bf" },
	{ "domain operation content",
	  "46df8dacf00a07d34a83cdf56d7978697790787cf2ba1432ef7c38f22cd96351",
	  "dad5f0e226318ffa9839b75a472c6aa7fdb5834949d0a0a2"
	  "2990cf04d5692440fb00f3aa0609db7e49cd8d793f670d02" },
	{ "a b  spaced\ncontent",
	  "2496b9fd74b90fdc8a770eab454638136e3596066f8851cbd683d6040b4349c9",
	  "3e600dbc51fea35392a3f4f92d8ceb89b1475d4d11caae71"
	  "c6b7823e059e4a31fea469feb257a32fcf2743426121a4cc" },
};

#define NTEXTS (sizeof(texts) / sizeof(texts[0]))

/* The three records above replayed into a zeroed register, per bank. */
#define REPLAY_SHA256 "2d5f07aa45c04b76c0a99cdff071f32cf8a4ae594a6e0c79646d4f4d8620a0de"
#define REPLAY_SHA384 "8b71756477b703fee631aaea9af2fd861a79afd9f3ad8e41" \
		      "f32729d58cec3c1ff677587383ffa22304fe047f5e450db2"

/*
 * Spec ID header (if asked) + one record per text, encoded by the module's
 * own code with the digests written from the constants above; ends[i] is
 * where record i ends.
 */
static size_t build_log(uint8_t *buf, bool header, size_t *ends)
{
	size_t len = 0;

	if (header) {
		aael_spec_id_encode(buf, two_banks, 2);
		len = aael_spec_id_size(2);
	}
	for (size_t i = 0; i < NTEXTS; i++) {
		size_t n = strlen(texts[i].text);

		aael_record_encode(buf + len, 23, two_banks, 2, texts[i].text,
				   (uint32_t)n);
		unhex(texts[i].sha256, aael_record_digest(buf + len, two_banks, 0),
		      32);
		unhex(texts[i].sha384, aael_record_digest(buf + len, two_banks, 1),
		      48);
		len += aael_record_size(two_banks, 2, n);
		if (ends)
			ends[i] = len;
	}
	return len;
}

static void test_parse_built_log(void **state)
{
	uint8_t buf[2048], value[64], want[64];
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
		assert_int_equal(n, strlen(texts[i].text));
		assert_memory_equal(text, texts[i].text, n);
		assert_int_equal(ev->nr_digests, 2);
		assert_int_equal(ev->digests[1].alg, AAEL_ALG_SHA384);
		unhex(texts[i].sha384, want, sizeof(want));
		assert_memory_equal(ev->digests[1].bytes, want, 48);
		/* aael_hash() of the event against hashlib's digests */
		assert_true(aael_event_digests_match(ev));
	}
	assert_int_equal(aael_replay(&log, 23, AAEL_ALG_SHA384, value), NTEXTS);
	unhex(REPLAY_SHA384, want, sizeof(want));
	assert_memory_equal(value, want, 48);
	assert_int_equal(aael_replay(&log, 23, AAEL_ALG_SHA256, value), NTEXTS);
	unhex(REPLAY_SHA256, want, sizeof(want));
	assert_memory_equal(value, want, 32);
	assert_int_equal(aael_replay(&log, 4, AAEL_ALG_SHA384, value), 0);
	assert_memory_equal(value, (uint8_t[48]){ 0 }, 48);
	assert_int_equal(aael_replay(&log, 23, AAEL_ALG_SHA1, value), -1);

	/* A flipped content byte is caught by the digest check. */
	buf[len - 1] ^= 1;
	assert_false(aael_event_digests_match(&log.events[NTEXTS - 1]));
	aael_eventlog_free(&log);
}

static bool all_ff(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0xff)
			return false;
	return true;
}

/* A place a log may end, and the records it then holds. */
struct boundary {
	size_t at;
	size_t records;
};

/* Reports the first few wrong cuts; the caller fails on the count. */
static void wrong_cut(size_t *wrong, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if ((*wrong)++ >= 5)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	print_error("%s\n", msg);
}

/*
 * Parse buf cut at every offset from 0 to len - 1, each prefix copied to the
 * end of one allocation (ASan then catches a read past the cut; one
 * allocation because 64K of them cost seconds under ASan): a cut at one of
 * bounds[] parses to that many records ending there; from `whole` on (a
 * complete end marker) the log is all there and ends at `last`; any other
 * cut is inside a structure and must be refused with a message saying so.
 * Fails on any wrong cut, else returns how many cuts parsed.
 */
static size_t check_every_cut(const char *what, const uint8_t *buf,
			      size_t len, const struct boundary *bounds,
			      size_t nbounds, size_t whole, size_t last)
{
	uint8_t *area = malloc(len);
	size_t parsed = 0, b = 0, wrong = 0;

	assert_non_null(area);
	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *copy = area + len - cut;
		struct aael_eventlog log;
		char err[AAEL_ERRLEN] = "";
		size_t want = 0, end = cut;
		bool ok = false;
		int rc;

		memcpy(copy, buf, cut);
		while (b < nbounds && bounds[b].at < cut)
			b++;
		if (b < nbounds && bounds[b].at == cut) {
			ok = true;
			want = bounds[b].records;
		} else if (cut >= whole) {
			ok = true;
			want = bounds[nbounds - 1].records;
			end = last;
		}
		rc = aael_eventlog_parse(copy, cut, &log, err);
		if (ok && rc) {
			wrong_cut(&wrong, "%s cut at %zu (a boundary): %s", what,
				  cut, err);
		} else if (ok) {
			if (log.nr_events != want || log.end != end)
				wrong_cut(&wrong, "%s cut at %zu: %zu records ending at %zu, want %zu ending at %zu",
					  what, cut, log.nr_events, log.end,
					  want, end);
			aael_eventlog_free(&log);
			parsed++;
		} else if (rc == 0) {
			wrong_cut(&wrong, "%s cut at %zu (inside a structure) parsed: %zu records",
				  what, cut, log.nr_events);
			aael_eventlog_free(&log);
		} else if (!strstr(err, "truncated") &&
			   !(cut == 0 && strstr(err, "empty"))) {
			wrong_cut(&wrong, "%s cut at %zu: message \"%s\"", what,
				  cut, err);
		}
	}
	free(area);
	if (wrong)
		fail_msg("%s: %zu of %zu cuts wrong", what, wrong, len);
	return parsed;
}

/*
 * aael's own formats cut at every offset: the kernel's binary log (Spec ID
 * header, records, nothing after), the same framed as cc_eventlog (8 x 0xFF
 * after it) and the header-less form libaael also reads.
 */
static void test_truncated_logs(void **state)
{
	uint8_t buf[2048];
	size_t ends[NTEXTS];
	size_t hdr = aael_spec_id_size(2);
	size_t len = build_log(buf, true, ends);
	struct boundary bounds[NTEXTS + 1] = { { hdr, 0 } };

	(void)state;
	for (size_t i = 0; i < NTEXTS; i++)
		bounds[i + 1] = (struct boundary){ ends[i], i + 1 };
	/* header end and each record end; no marker, so never whole early */
	assert_int_equal(check_every_cut("binary log", buf, len, bounds,
					 NTEXTS + 1, SIZE_MAX, 0), NTEXTS);

	memset(buf + len, 0xff, 8);
	assert_int_equal(check_every_cut("cc_eventlog", buf, len + 8, bounds,
					 NTEXTS + 1, SIZE_MAX, 0), NTEXTS + 1);

	len = build_log(buf, false, ends);
	for (size_t i = 0; i < NTEXTS; i++)
		bounds[i] = (struct boundary){ ends[i], i + 1 };
	assert_int_equal(check_every_cut("header-less log", buf, len, bounds,
					 NTEXTS, SIZE_MAX, 0), NTEXTS - 1);
}

/*
 * Where the OVMF CCEL's records end (the first after its 65-byte Spec ID
 * event), walked in Python independently of libaael:
 *   python3 -c 'import struct; b = open("tests/data/CCEL_data_ovmf", "rb").read()
 *   p = 32 + struct.unpack_from("<I", b, 28)[0]; e = [p]
 *   while b[p:p + 8] != b"\xff" * 8:
 *       q = p + 12 + 50 * struct.unpack_from("<I", b, p + 8)[0]
 *       p = q + 4 + struct.unpack_from("<I", b, q)[0]; e.append(p)
 *   print(e)'
 * (every record has one sha384 digest: 2 + 48 bytes each). The table is
 * 64 KiB: the end marker at 2120, then 0xFF padding to the end.
 */
static const size_t ccel_ends[] = {
	65, 173, 297, 415, 517, 621, 723, 827, 897, 972, 1047,
	1122, 1262, 1380, 1556, 1662, 1732, 1832, 1919, 2014, 2120,
};

#define CCEL_RECORDS (sizeof(ccel_ends) / sizeof(ccel_ends[0]) - 1)

static void test_truncated_firmware_ccel(void **state)
{
	struct boundary bounds[CCEL_RECORDS + 1];
	struct aael_eventlog log;
	char path[4096], err[AAEL_ERRLEN];
	size_t len, end = ccel_ends[CCEL_RECORDS];
	uint8_t *ccel;

	(void)state;
	snprintf(path, sizeof(path), "%s/CCEL_data_ovmf", getenv("AAEL_TESTDATA"));
	ccel = read_file(path, &len);
	assert_int_equal(len, 65536);
	assert_true(all_ff(ccel + end, len - end));
	for (size_t i = 0; i <= CCEL_RECORDS; i++)
		bounds[i] = (struct boundary){ ccel_ends[i], i };
	/* every boundary, and every cut from the whole marker to the end */
	assert_int_equal(check_every_cut("OVMF CCEL", ccel, len, bounds,
					 CCEL_RECORDS + 1, end + 8, end),
			 CCEL_RECORDS + 1 + (len - end - 8));
	assert_int_equal(aael_eventlog_parse(ccel, len, &log, err), 0);
	assert_int_equal(log.nr_events, CCEL_RECORDS);
	aael_eventlog_free(&log);
	free(ccel);
}

static void test_end_marker_and_headerless(void **state)
{
	uint8_t buf[2048];
	struct aael_eventlog log;
	char err[AAEL_ERRLEN];
	size_t len = build_log(buf, true, NULL);

	(void)state;
	/* After a whole marker, anything is padding. */
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
	assert_int_equal(log.end, len);
	aael_eventlog_free(&log);
}

struct malformed {
	const char *what;
	size_t at;		/* offset to patch, from the log's start */
	uint8_t byte;		/* its new value */
	const char *error;	/* in the parser's message */
};

/* Logs that are whole but wrong: each refused with its reason. */
static void test_malformed_logs(void **state)
{
	size_t hdr = aael_spec_id_size(2);
	const struct malformed cases[] = {
		{ "Spec ID signature", 32, 'X', "not a Spec ID Event03" },
		{ "no algorithm", 32 + 24, 0, "lists 0 algorithms" },
		{ "vendorInfoSize past the event", hdr - 1, 1,
		  "Spec ID event of 37 bytes holds 38" },
		{ "algorithm of size 0", 32 + 28 + 2, 0, "has size 0" },
		{ "255 digests", hdr + 8, 0xff, "has 255 digests" },
		{ "an algorithm the header lacks", hdr + 12, 0x04,
		  "unknown algorithm 0x0004" },
		/* the first record's text length: 14, at its event + 4 */
		{ "AAEL text shorter than its event", hdr + 104, 13,
		  "AAEL event of 22 bytes declares 13 of text" },
		{ "tagged event longer than its event", hdr + 104, 15,
		  "tagged event truncated" },
	};
	uint8_t buf[2048];
	struct aael_eventlog log;
	char err[AAEL_ERRLEN];
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		len = build_log(buf, true, NULL);
		buf[cases[i].at] = cases[i].byte;
		err[0] = 0;
		if (aael_eventlog_parse(buf, len, &log, err) == 0)
			fail_msg("%s: parsed", cases[i].what);
		if (!strstr(err, cases[i].error))
			fail_msg("%s: \"%s\"", cases[i].what, err);
	}

	/* Bytes after the last record that are not a marker are a record. */
	len = build_log(buf, true, NULL);
	memset(buf + len, 0x01, 20);
	assert_int_equal(aael_eventlog_parse(buf, len + 20, &log, err), -1);
	assert_non_null(strstr(err, "digests"));

	/* Firmware's empty CCEL table: no header, no record. */
	memset(buf, 0xff, 64);
	assert_int_equal(aael_eventlog_parse(buf, 64, &log, err), -1);
	assert_non_null(strstr(err, "no Spec ID header and no record"));

	/*
	 * A header-less log cannot start with an EV_NO_ACTION record without
	 * digests: that is how a legacy header starts, so it is read as one.
	 */
	len = build_log(buf + 16, false, NULL);
	memcpy(buf, "\0\0\0\0\3\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_int_equal(aael_eventlog_parse(buf, len + 16, &log, err), -1);
	assert_non_null(strstr(err, "Spec ID"));
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
		cmocka_unit_test(test_truncated_firmware_ccel),
		cmocka_unit_test(test_end_marker_and_headerless),
		cmocka_unit_test(test_malformed_logs),
		cmocka_unit_test(test_firmware_ccel),
	};

	return cmocka_run_group_tests_name("eventlog", tests, NULL, NULL);
}
