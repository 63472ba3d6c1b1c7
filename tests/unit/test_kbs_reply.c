// SPDX-License-Identifier: GPL-2.0
/*
 * aaeld's KBS client without the network (kbs_reply.c) and its base64
 * helper: one test per defect of issue 10 item 4, each failing on the code
 * before the fix (see the commit message for the runs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "unit.h"
#include "../../userspace/aaeld/aaeld.h"

/*
 * A refusal (any non-200) must leave *reply NULL: attest() puts whatever
 * post() left there, so a reply freed here and left dangling was freed a
 * second time and json-c aborted the daemon.
 */
static void test_refusal_leaves_no_reply(void **state)
{
	const char *body = "{\"type\":\"https://github.com/confidential-containers/kbs/errors/AttestationError\","
			   "\"detail\":\"Attestation error: RCAR handshake Attest failed\"}";
	struct json_object *rep = NULL;
	struct kbs_error e = { 0 };

	(void)state;
	assert_int_equal(kbs_reply_parse(401, body, "/kbs/v0/attest", &rep, &e), -1);
	assert_null(rep);
	json_object_put(rep);	/* what attest() does on its way out */
	assert_int_equal(e.status, 502);
	assert_non_null(strstr(e.detail, "HTTP 401: Attestation error: RCAR handshake Attest failed"));

	assert_int_equal(kbs_reply_parse(500, "not json", "/kbs/v0/auth", &rep, &e), -1);
	assert_null(rep);
	assert_non_null(strstr(e.detail, "HTTP 500: not json"));
	assert_int_equal(kbs_reply_parse(404, NULL, "/kbs/v0/auth", &rep, &e), -1);
	assert_null(rep);

	assert_int_equal(kbs_reply_parse(200, "{\"nonce\":\"n\"}", "/kbs/v0/auth", &rep, &e), 0);
	assert_non_null(rep);
	json_object_put(rep);
	rep = NULL;
	assert_int_equal(kbs_reply_parse(200, "{\"nonce\"", "/kbs/v0/auth", &rep, &e), -1);
	assert_null(rep);
	assert_non_null(strstr(e.detail, "not JSON"));
}

/*
 * The decoded bytes are followed by a NUL, for callers that read them as a
 * string (the JWT exp check did, and over-read the heap).
 * 18 bytes of JSON are 24 base64 characters without padding, the case in
 * which nothing after the data was zero (under ASan the byte after is
 * 0xbe and strlen runs off the heap block).
 */
static void test_b64_decode_terminated(void **state)
{
	uint8_t *out = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(aael_b64_decode("eyJleHAiOjEyMzQ1Njc4OTB9", &out, &len), 0);
	assert_int_equal(len, 18);
	assert_memory_equal(out, "{\"exp\":1234567890}", 18);
	assert_int_equal(out[len], 0);
	free(out);
}

/* '=' is padding at the end only; inside the data it is an error. */
static void test_b64_decode_padding(void **state)
{
	static const char *const bad[] = {
		"YQ==YQ==", "YQ=a", "Y=Q=", "=", "====", "a", "YQ===", "YWJj=", "Y Q==",
		"YW\nJj",
	};
	static const struct { const char *in, *out; } good[] = {
		{ "YQ==", "a" }, { "YQ", "a" }, { "YWI=", "ab" }, { "YWI", "ab" },
		{ "YWJj", "abc" }, { "", "" }, { "-_-_", "\xfb\xff\xbf" },
		{ "+/+/", "\xfb\xff\xbf" },
	};
	uint8_t *out;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		out = (uint8_t *)"untouched";
		if (!aael_b64_decode(bad[i], &out, &len)) {
			free(out);
			fail_msg("\"%s\" was accepted", bad[i]);
		}
		assert_null(out);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (aael_b64_decode(good[i].in, &out, &len))
			fail_msg("\"%s\" was refused", good[i].in);
		assert_int_equal(len, strlen(good[i].out));
		assert_memory_equal(out, good[i].out, len);
		assert_int_equal(out[len], 0);
		free(out);
	}
}

/*
 * A tee key that cannot be exported is an error, not a token with an empty
 * tee_keypair (the caller could never decrypt what the KBS sends it).
 */
static void test_token_result_export_failure(void **state)
{
	EVP_PKEY *full = EVP_EC_gen("P-256"), *pub = NULL;
	struct json_object *token = json_object_new_string("h.p.s"), *out, *v;
	struct aael_buf buf = { 0 };
	struct kbs_error e = { 0 };
	unsigned char *der = NULL;
	const unsigned char *p;
	int n;

	(void)state;
	assert_non_null(full);
	n = i2d_PUBKEY(full, &der);
	assert_true(n > 0);
	p = der;
	pub = d2i_PUBKEY(NULL, &p, n);
	assert_non_null(pub);

	assert_int_equal(kbs_token_result(token, full, &buf, &e), 0);
	assert_true(buf.secret);
	/* serde_json's escapes, as the agent's reply: \n, not \u000a */
	assert_non_null(strstr(buf.text, "-----BEGIN PRIVATE KEY-----\\n"));
	assert_null(strstr(buf.text, "\\u000a"));
	out = json_tokener_parse(buf.text);
	assert_non_null(out);
	assert_int_equal(json_object_object_length(out), 2);
	assert_true(json_object_object_get_ex(out, "token", &v));
	assert_string_equal(json_object_get_string(v), json_object_get_string(token));
	assert_true(json_object_object_get_ex(out, "tee_keypair", &v));
	assert_non_null(strstr(json_object_get_string(v), "BEGIN PRIVATE KEY"));
	json_object_put(out);
	aael_buf_free(&buf);

	if (!kbs_token_result(token, pub, &buf, &e))
		fail_msg("a public-only key gave a result: %s", buf.text);
	assert_null(buf.data);
	assert_int_equal(e.status, 500);
	assert_non_null(strstr(e.detail, "tee key"));
	json_object_put(token);
	OPENSSL_free(der);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(full);
}

int run_kbs_reply_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusal_leaves_no_reply),
		cmocka_unit_test(test_b64_decode_terminated),
		cmocka_unit_test(test_b64_decode_padding),
		cmocka_unit_test(test_token_result_export_failure),
	};

	return cmocka_run_group_tests_name("kbs_reply", tests, NULL, NULL);
}
