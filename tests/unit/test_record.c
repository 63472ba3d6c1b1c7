// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's record encoding (kmod/record.c, compiled here unchanged)
 * against the vectors of WIRE-FORMATS section 1, byte for byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "aael.h"
#include "record.h"

/*
 * Every expected value here is a constant, none computed by libaael, so a
 * wrong aael_hash() or aael_extend() fails. Re-derive them with hashlib:
 *   digests: python3 -c 'import hashlib, struct, sys; t = sys.argv[1].encode();
 *     e = b"LEAA" + struct.pack("<I", len(t)) + t
 *     print(e.hex(), hashlib.sha256(e).hexdigest(), hashlib.sha384(e).hexdigest())' TEXT
 *   registers: r = bytes(48); r = hashlib.sha384(r + d).digest() per digest d
 *     (TEST_RTMR after the first record, BOTH_RTMR after both).
 */
#define TEST_EVENT_HEX "4c4541410e0000007465737420746573742074657374"
#define TEST_EVENT_B64 "TEVBQQ4AAAB0ZXN0IHRlc3QgdGVzdA=="
#define TEST_SHA384 "dcaaab29cf031c5727ce9ecf5c0ab288ae773b9a322ab14e" \
		    "2efd4d8e21fe9db041f02a49a83a5df0ad763a94a19029bf"
#define TEST_SHA256 "2f4df022a4fc81f8991677a2345a50e1" \
		    "cc636a2ac6a37b2840e806baf25b91ae"
#define TEST_RECORD_B64 "BAAAAAYAAAABAAAADADcqqspzwMcVyfOns9cCrKIrnc7mjIqsU4u" \
			"/U2OIf6dsEHwKkmoOl3wrXY6lKGQKb8WAAAATEVBQQ4AAAB0ZXN0" \
			"IHRlc3QgdGVzdA=="
#define TEST_RTMR "e91d39fefcd2b098b77910a9f6156ad66c58ef65b86424f4" \
		  "fa4bc1d81b9ae2bc7c04d84966e486704c9a2eb2043c05c5"
#define DOMAIN_EVENT_HEX "4c45414118000000646f6d61696e206f706572617469" \
			 "6f6e20636f6e74656e74"
#define DOMAIN_SHA256 "46df8dacf00a07d34a83cdf56d797869" \
		      "7790787cf2ba1432ef7c38f22cd96351"
#define DOMAIN_SHA384 "dad5f0e226318ffa9839b75a472c6aa7fdb5834949d0a0a2" \
		      "2990cf04d5692440fb00f3aa0609db7e49cd8d793f670d02"
#define BOTH_RTMR "2b836d2c4c37a8d15b4d392a1cb043244ccb91ebd3f45ca5" \
		  "c3e6830eefe600a680d35115afc7a408138112313f22150f"

static const struct aael_alg sha384_only[] = { { AAEL_ALG_SHA384, 48 } };

static void assert_tagged_event(const char *text, const char *hex)
{
	uint8_t want[256], got[256];
	size_t n = unhex(hex, want, sizeof(want));

	assert_int_equal(aael_tagged_event_size(strlen(text)), n);
	aael_tagged_event_encode(got, text, (uint32_t)strlen(text));
	assert_memory_equal(got, want, n);
}

static void assert_hash(uint16_t alg, const char *text, const char *hex)
{
	uint8_t ev[256], want[64], got[64];
	size_t n = unhex(hex, want, sizeof(want));

	aael_tagged_event_encode(ev, text, (uint32_t)strlen(text));
	assert_int_equal(aael_hash(alg, ev, aael_tagged_event_size(strlen(text)),
				   got), n);
	assert_memory_equal(got, want, n);
}

static void test_tagged_events(void **state)
{
	uint8_t b64[64];

	(void)state;
	assert_tagged_event("test test test", TEST_EVENT_HEX);
	assert_tagged_event("domain operation content", DOMAIN_EVENT_HEX);
	assert_int_equal(unbase64(TEST_EVENT_B64, b64, sizeof(b64)), 22);
	{
		uint8_t ev[32];

		aael_tagged_event_encode(ev, "test test test", 14);
		assert_memory_equal(ev, b64, 22);
	}
}

static void test_digests(void **state)
{
	(void)state;
	assert_hash(AAEL_ALG_SHA384, "test test test", TEST_SHA384);
	assert_hash(AAEL_ALG_SHA256, "test test test", TEST_SHA256);
	assert_hash(AAEL_ALG_SHA384, "domain operation content", DOMAIN_SHA384);
	assert_hash(AAEL_ALG_SHA256, "domain operation content", DOMAIN_SHA256);
}

/* Encode a record as the module does: encode, then hash into the slots. */
static size_t make_record(uint8_t *rec, uint32_t index,
			  const struct aael_alg *algs, unsigned int n,
			  const char *text)
{
	size_t len = aael_record_size(algs, n, strlen(text));
	size_t off = aael_record_encode(rec, index, algs, n, text,
					(uint32_t)strlen(text));

	for (unsigned int i = 0; i < n; i++)
		assert_int_equal(aael_hash(algs[i].alg_id, rec + off, len - off,
					   aael_record_digest(rec, algs, i)),
				 algs[i].digest_size);
	return len;
}

static void test_full_record(void **state)
{
	uint8_t want[256], rec[256];
	size_t n = unbase64(TEST_RECORD_B64, want, sizeof(want));
	uint32_t text_len;
	const char *text;

	(void)state;
	assert_int_equal(make_record(rec, 4, sha384_only, 1, "test test test"),
			 n);
	assert_memory_equal(rec, want, n);
	assert_int_equal(aael_record_length(rec, aael_digests_size(sha384_only, 1)),
			 n);
	text = aael_record_text(rec, sha384_only, 1, &text_len);
	assert_int_equal(text_len, 14);
	assert_memory_equal(text, "test test test", 14);
}

/*
 * "abc" in every bank: the published examples of FIPS 180-2 (SHA-1, -256,
 * -384, -512) and GB/T 32905-2016 (SM3). A register extended once from zero
 * with that digest, H(zeros || H("abc")), was computed with
 *   python3 -c 'import hashlib; d = hashlib.new("sm3", b"abc").digest();
 *     print(hashlib.new("sm3", bytes(len(d)) + d).hexdigest())'
 */
static const struct {
	uint16_t alg;
	const char *abc;
	const char *extended;
} published[] = {
	{ AAEL_ALG_SHA1, "a9993e364706816aba3e25717850c26c9cd0d89d",
	  "ccd5bd41458de644ac34a2478b58ff819bef5acf" },
	{ AAEL_ALG_SHA256,
	  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	  "589f9ffed4c477966bfb8d41f37895b08c69047df8f911d6f3b57fbe08faee8d" },
	{ AAEL_ALG_SHA384,
	  "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded163"
	  "1a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
	  "93732e3733514a841c982cfa75ea76ab55fe011acb9cd980"
	  "ef4523913c65be1b0998e04d77f8c174f81a82151619ca40" },
	{ AAEL_ALG_SHA512,
	  "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	  "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
	  "6b9e946755055542adba95a1588a7eaed86323b3bed97d602ee06839d734048e"
	  "02c63f37892d3adde0d25b5a9d89162e8804ab9ec0ac4a263545c4faecfdf53b" },
	{ AAEL_ALG_SM3_256,
	  "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0",
	  "ee1ade12bac480c9bc7aff12f344bf9cdd92324fc83f7d79386f3c5426185506" },
};

static void test_published_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(published) / sizeof(published[0]); i++) {
		uint8_t want[64], got[64], reg[64] = { 0 };
		size_t n = unhex(published[i].abc, want, sizeof(want));

		assert_int_equal(aael_hash(published[i].alg, "abc", 3, got), n);
		assert_memory_equal(got, want, n);
		/* extend from the constant, not from what aael_hash() gave */
		assert_int_equal(aael_extend(published[i].alg, reg, want), 0);
		unhex(published[i].extended, want, sizeof(want));
		assert_memory_equal(reg, want, n);
	}
}

static void test_register_vectors(void **state)
{
	uint8_t reg[64] = { 0 }, want[48], digest[48], rec[256];

	(void)state;
	/* aael_extend() alone, from the vectors' digests */
	unhex(TEST_SHA384, digest, sizeof(digest));
	assert_int_equal(aael_extend(AAEL_ALG_SHA384, reg, digest), 0);
	unhex(TEST_RTMR, want, sizeof(want));
	assert_memory_equal(reg, want, 48);
	unhex(DOMAIN_SHA384, digest, sizeof(digest));
	assert_int_equal(aael_extend(AAEL_ALG_SHA384, reg, digest), 0);
	unhex(BOTH_RTMR, want, sizeof(want));
	assert_memory_equal(reg, want, 48);

	/* and from the records as the module encodes and hashes them */
	memset(reg, 0, sizeof(reg));
	make_record(rec, 4, sha384_only, 1, "test test test");
	assert_int_equal(aael_extend(AAEL_ALG_SHA384, reg,
				     aael_record_digest(rec, sha384_only, 0)), 0);
	unhex(TEST_RTMR, want, sizeof(want));
	assert_memory_equal(reg, want, 48);
	make_record(rec, 4, sha384_only, 1, "domain operation content");
	assert_int_equal(aael_extend(AAEL_ALG_SHA384, reg,
				     aael_record_digest(rec, sha384_only, 0)), 0);
	unhex(BOTH_RTMR, want, sizeof(want));
	assert_memory_equal(reg, want, 48);
}

struct parse_case {
	const char *text;
	size_t len;
	int rc;
};

#define CASE(s, rc) { s, sizeof(s) - 1, rc }

static void test_event_parse_errors(void **state)
{
	static const struct parse_case cases[] = {
		CASE("", -EINVAL),
		CASE("test", -EINVAL),
		CASE("test test", -EINVAL),		/* no content separator */
		CASE(" test test", -EINVAL),		/* empty domain */
		CASE("test  test", -EINVAL),		/* empty operation */
		CASE("te\tst op c", -EINVAL),
		CASE("dom op\ner c", -EINVAL),
		CASE("dom\x7f op c", -EINVAL),
		CASE("dom op con\0tent", -EINVAL),
		CASE("dom op \xff", -EILSEQ),
		CASE("dom op \xc0\xaf", -EILSEQ),	/* overlong '/' */
		CASE("dom op \xed\xa0\x80", -EILSEQ),	/* surrogate */
		CASE("dom op \xf4\x90\x80\x80", -EILSEQ), /* > U+10FFFF */
		CASE("dom op \xe2\x82", -EILSEQ),	/* truncated */
		/* C1 controls, as the C0 ones */
		CASE("dom\xc2\x80 op c", -EINVAL),
		CASE("dom op\xc2\x9f c", -EINVAL),
		/* a truncated sequence is bad UTF-8, not whitespace */
		CASE("dom op\xe2\x80 c", -EILSEQ),
		CASE("dom\xc2 op c", -EILSEQ),
	};
	struct aael_event_fields f;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = aael_event_parse(cases[i].text, cases[i].len, &f);

		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, want %d", i, rc, cases[i].rc);
	}
}

/*
 * Every non-ASCII Unicode White_Space character (PropList.txt), in the
 * domain and in the operation: refused. In the content, where spaces
 * belong: accepted.
 */
static void test_event_unicode_space(void **state)
{
	static const char *const spaces[] = {
		"\xc2\x85", "\xc2\xa0", "\xe1\x9a\x80",
		"\xe2\x80\x80", "\xe2\x80\x81", "\xe2\x80\x82",
		"\xe2\x80\x83", "\xe2\x80\x84", "\xe2\x80\x85",
		"\xe2\x80\x86", "\xe2\x80\x87", "\xe2\x80\x88",
		"\xe2\x80\x89", "\xe2\x80\x8a", "\xe2\x80\xa8",
		"\xe2\x80\xa9", "\xe2\x80\xaf", "\xe2\x81\x9f",
		"\xe3\x80\x80",
	};
	/* Their neighbours are no whitespace and stay allowed in names. */
	static const char *const near[] = {
		"\xc2\xa1", "\xe1\x9a\x81", "\xe2\x80\x8b",
		"\xe2\x80\xa7", "\xe2\x80\xb0", "\xe2\x81\x9e",
		"\xe2\x81\xa0", "\xe3\x80\x81", "\xc3\xa9",
	};
	struct aael_event_fields f;
	char text[64];

	(void)state;
	for (size_t i = 0; i < sizeof(spaces) / sizeof(spaces[0]); i++) {
		snprintf(text, sizeof(text), "d%sx op c", spaces[i]);
		if (aael_event_parse(text, strlen(text), &f) != -EINVAL)
			fail_msg("space %zu in the domain accepted", i);
		snprintf(text, sizeof(text), "dom %sop c", spaces[i]);
		if (aael_event_parse(text, strlen(text), &f) != -EINVAL)
			fail_msg("space %zu in the operation accepted", i);
		snprintf(text, sizeof(text), "dom op%s c", spaces[i]);
		if (aael_event_parse(text, strlen(text), &f) != -EINVAL)
			fail_msg("space %zu ending the operation accepted", i);
		snprintf(text, sizeof(text), "dom op c%sc", spaces[i]);
		if (aael_event_parse(text, strlen(text), &f) != 0)
			fail_msg("space %zu in the content refused", i);
	}
	for (size_t i = 0; i < sizeof(near) / sizeof(near[0]); i++) {
		snprintf(text, sizeof(text), "d%s o%s c", near[i], near[i]);
		if (aael_event_parse(text, strlen(text), &f) != 0)
			fail_msg("non-space %zu refused in a name", i);
	}
}

static void assert_fields(const char *text, const char *d, const char *o,
			  const char *c)
{
	struct aael_event_fields f;

	assert_int_equal(aael_event_parse(text, strlen(text), &f), 0);
	assert_int_equal(f.domain_len, strlen(d));
	assert_memory_equal(f.domain, d, f.domain_len);
	assert_int_equal(f.operation_len, strlen(o));
	assert_memory_equal(f.operation, o, f.operation_len);
	assert_int_equal(f.content_len, strlen(c));
	assert_memory_equal(f.content, c, f.content_len);
}

static void test_event_parse_fields(void **state)
{
	(void)state;
	assert_fields("test test test", "test", "test", "test");
	assert_fields("a b ", "a", "b", "");
	assert_fields("a b  lead", "a", "b", " lead");
	assert_fields("a b c d  e\n", "a", "b", "c d  e\n");
	assert_fields("k8s pod.create {\"x\": [1, 2]}", "k8s", "pod.create",
		      "{\"x\": [1, 2]}");
	assert_fields("d\xc3\xbc op \xe2\x82\xac \xf0\x9f\x98\x80", "d\xc3\xbc",
		      "op", "\xe2\x82\xac \xf0\x9f\x98\x80");
}

/* The header equals the one OVMF writes into a TDX CCEL, pcrIndex aside. */
static void test_spec_id_matches_firmware(void **state)
{
	char path[4096];
	uint8_t hdr[128];
	uint8_t *ccel;
	size_t len;

	(void)state;
	snprintf(path, sizeof(path), "%s/CCEL_data_ovmf",
		 getenv("AAEL_TESTDATA"));
	ccel = read_file(path, &len);
	assert_int_equal(aael_spec_id_size(1), 65);
	aael_spec_id_encode(hdr, sha384_only, 1);
	assert_memory_equal(hdr + 4, ccel + 4, 65 - 4);
	free(ccel);
}

/* WIRE-FORMATS section 3: PCR 1,7 -> 1; 2..6 -> 2; 8..15 -> 3; else 4. */
static void test_tdx_ccmr(void **state)
{
	static const u32 want[24] = { 4, 1, 2, 2, 2, 2, 2, 1, 3, 3, 3, 3,
				      3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4 };

	(void)state;
	for (u32 pcr = 0; pcr < 24; pcr++)
		assert_int_equal(aael_tdx_ccmr(pcr), want[pcr]);
}

int run_record_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tagged_events),
		cmocka_unit_test(test_digests),
		cmocka_unit_test(test_published_vectors),
		cmocka_unit_test(test_full_record),
		cmocka_unit_test(test_register_vectors),
		cmocka_unit_test(test_event_parse_errors),
		cmocka_unit_test(test_event_parse_fields),
		cmocka_unit_test(test_event_unicode_space),
		cmocka_unit_test(test_spec_id_matches_firmware),
		cmocka_unit_test(test_tdx_ccmr),
	};

	return cmocka_run_group_tests_name("record", tests, NULL, NULL);
}
