// SPDX-License-Identifier: GPL-2.0
/*
 * aaeld's KBS client as the attestation agent behaves (issue 10 item 3),
 * without the network: the hash negotiation, the runtime-data digest, the
 * KBS URL and where it comes from, and the tee key and its JWK. The
 * expected values are the agent's and Trustee's (paths in each test), not
 * aaeld's output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "unit.h"
#include "../../userspace/aaeld/aaeld.h"

/* The cases of rcar_client.rs test_get_hash_algorithm, plus Trustee's
 * extra-params "" (kbs/src/attestation/mod.rs) and sm3, which the agent
 * knows and aaeld does not offer. */
static void test_hash_selected(void **state)
{
	static const struct {
		const char *challenge;
		const char *md;		/* NULL: refused */
	} cases[] = {
		{ "{\"nonce\":\"n\"}", "SHA384" },
		{ "{\"nonce\":\"n\",\"extra-params\":\"\"}", "SHA384" },
		{ "{\"nonce\":\"n\",\"extra-params\":{}}", "SHA384" },
		{ "{\"extra-params\":{\"selected-hash-algorithm\":\"sha256\"}}", "SHA256" },
		{ "{\"extra-params\":{\"selected-hash-algorithm\":\"SHA256\"}}", "SHA256" },
		{ "{\"extra-params\":{\"selected-hash-algorithm\":\"sha384\"}}", "SHA384" },
		{ "{\"extra-params\":{\"selected-hash-algorithm\":\"SHA384\"}}", "SHA384" },
		{ "{\"extra-params\":{\"selected-hash-algorithm\":\"sha512\"}}", "SHA512" },
		{ "{\"extra-params\":{\"selected-hash-algorithm\":\"Sha512\"}}", "SHA512" },
		{ "{\"extra-params\":{\"selected-hash-algorithm\":\"\"}}", NULL },
		{ "{\"extra-params\":{\"selected-hash-algorithm\":\"foo\"}}", NULL },
		{ "{\"extra-params\":{\"selected-hash-algorithm\":\"sm3\"}}", NULL },
		{ "{\"extra-params\":{\"selected-hash-algorithm\":\"sha2\"}}", NULL },
		{ "{\"extra-params\":{\"selected-hash-algorithm\":\"sha5120\"}}", NULL },
		{ "{\"extra-params\":{\"selected-hash-algorithm\":[]}}", NULL },
		{ "{\"extra-params\":{\"selected-hash-algorithm\":{}}}", NULL },
		{ "{\"extra-params\":{\"selected-hash-algorithm\":true}}", NULL },
		{ "{\"extra-params\":{\"selected-hash-algorithm\":99999}}", NULL },
		{ "{\"extra-params\":{\"selected-hash-algorithm\":42.141}}", NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *ch = json_tokener_parse(cases[i].challenge);
		struct kbs_error e = { 0 };
		const EVP_MD *md = NULL;
		int rc;

		assert_non_null(ch);
		rc = kbs_hash_selected(ch, &md, &e);
		if (cases[i].md) {
			if (rc)
				fail_msg("%s refused: %s", cases[i].challenge, e.detail);
			assert_string_equal(EVP_MD_get0_name(md), cases[i].md);
		} else {
			if (!rc)
				fail_msg("%s accepted (%s)", cases[i].challenge, EVP_MD_get0_name(md));
			assert_int_equal(e.status, 502);
			assert_non_null(strstr(e.detail, "selected-hash-algorithm"));
		}
		json_object_put(ch);
	}
}

/* rcar_client.rs get_request_extra_params: an object with the list. */
static void test_request_extra_params(void **state)
{
	struct json_object *o = kbs_request_extra_params();

	(void)state;
	assert_non_null(o);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			    "{\"supported-hash-algorithms\":[\"sha256\",\"sha384\",\"sha512\"]}");
	json_object_put(o);
}

/* The digest is over RFC 8785 text written out here by hand: members
 * sorted, no spaces, '/' and '+' unescaped. */
static void test_runtime_digest(void **state)
{
	static const char canon[] =
		"{\"additional-evidence\":\"\",\"nonce\":\"ab/+c=\","
		"\"tee-pubkey\":{\"alg\":\"ECDH-ES+A256KW\",\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"X_-\",\"y\":\"Y\"}}";
	const char *names[] = { "SHA256", "SHA384", "SHA512" };
	struct json_object *jwk = json_object_new_object();

	(void)state;
	json_object_object_add(jwk, "alg", json_object_new_string("ECDH-ES+A256KW"));
	json_object_object_add(jwk, "crv", json_object_new_string("P-256"));
	json_object_object_add(jwk, "kty", json_object_new_string("EC"));
	json_object_object_add(jwk, "x", json_object_new_string("X_-"));
	json_object_object_add(jwk, "y", json_object_new_string("Y"));
	for (size_t i = 0; i < 3; i++) {
		const EVP_MD *md = EVP_get_digestbyname(names[i]);
		uint8_t got[64], want[64];
		unsigned int wn;
		size_t n = 0;

		assert_non_null(md);
		assert_int_equal(kbs_runtime_digest("ab/+c=", jwk, md, got, &n), 0);
		assert_true(EVP_Digest(canon, strlen(canon), want, &wn, md, NULL));
		assert_int_equal(n, wn);
		assert_int_equal(n, 32 + 16 * i);
		assert_memory_equal(got, want, n);
	}
	json_object_put(jwk);
}

/* builder.rs: kbs_host_url.trim_end_matches('/') */
static void test_url_base(void **state)
{
	static const char *const cases[][2] = {
		{ "http://kbs:8080/", "http://kbs:8080" },
		{ "https://kbs.example//", "https://kbs.example" },
		{ "http://kbs:8080", "http://kbs:8080" },
		{ "http://kbs/prefix/", "http://kbs/prefix" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *u = kbs_url_base(cases[i][0]);

		assert_non_null(u);
		assert_string_equal(u, cases[i][1]);
		free(u);
	}
}

/* aa_kbc_params.rs: the environment first, else the first
 * agent.aa_kbc_params= word of the command line; KBC::URI in exactly two
 * parts; kbs.rs KbsConfig::new: only cc_kbc names a KBS. */
static void test_kbc_params(void **state)
{
	static const struct {
		const char *env, *cmdline;
		int rc;
		const char *url;
	} cases[] = {
		{ NULL, "console=ttyS0 agent.aa_kbc_params=cc_kbc::http://10.0.2.2:8080 quiet\n", 0, "http://10.0.2.2:8080" },
		{ NULL, "agent.aa_kbc_params=cc_kbc::https://kbs/\n", 0, "https://kbs/" },
		{ "cc_kbc::http://env:1", "agent.aa_kbc_params=cc_kbc::http://cmdline:2", 0, "http://env:1" },
		{ NULL, "a=1 agent.aa_kbc_params=cc_kbc::http://first agent.aa_kbc_params=cc_kbc::http://second", 0, "http://first" },
		{ NULL, "console=ttyS0 quiet\n", 0, NULL },
		{ NULL, "xagent.aa_kbc_params=cc_kbc::http://not-a-word", 0, NULL },
		{ NULL, "", 0, NULL },
		{ "", "agent.aa_kbc_params=cc_kbc::http://cmdline", -1, NULL },
		{ NULL, "agent.aa_kbc_params=cc_kbc", -1, NULL },
		{ NULL, "agent.aa_kbc_params=cc_kbc::http://a::b", -1, NULL },
		{ NULL, "agent.aa_kbc_params=offline_fs_kbc::null", -1, NULL },
		{ "offline_fs_kbc::null", NULL, -1, NULL },
		{ NULL, "agent.aa_kbc_params=cc_kbc::", -1, NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[AAEL_ERRLEN] = "", *url = (char *)1;
		int rc = kbc_params_url(cases[i].env, cases[i].cmdline, &url, err);

		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d (%s)", i, rc, err);
		if (rc)
			assert_true(err[0]);
		if (cases[i].url) {
			assert_non_null(url);
			assert_string_equal(url, cases[i].url);
		} else {
			assert_null(url);
		}
		free(url);
	}
}

static uint8_t *b64u(const char *s, size_t *len)
{
	uint8_t *out = NULL;

	assert_null(strchr(s, '='));
	assert_null(strchr(s, '+'));
	assert_null(strchr(s, '/'));
	assert_int_equal(aael_b64_decode(s, &out, len), 0);
	return out;
}

static void check_param(EVP_PKEY *key, const char *param, struct json_object *jwk,
			const char *member, size_t size)
{
	struct json_object *v;
	BIGNUM *bn = NULL;
	uint8_t want[600], *got;
	size_t len;
	int n;

	assert_true(json_object_object_get_ex(jwk, member, &v));
	got = b64u(json_object_get_string(v), &len);
	assert_true(EVP_PKEY_get_bn_param(key, param, &bn));
	n = size ? BN_bn2binpad(bn, want, (int)size) : BN_bn2bin(bn, want);
	assert_int_equal(len, (size_t)n);
	if (size)
		assert_int_equal(len, size);
	assert_memory_equal(got, want, len);
	BN_free(bn);
	free(got);
}

/* keypair.rs export_pubkey, kbs_types TeePubKey, Trustee's jwe(). */
static void test_tee_key_jwk(void **state)
{
	static const struct {
		const char *name, *json_prefix;
		size_t coord;
	} cases[] = {
		{ "ECDH-ES+A256KW-P256", "{\"alg\":\"ECDH-ES+A256KW\",\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"", 32 },
		{ "ECDH-ES+A256KW-P521", "{\"alg\":\"ECDH-ES+A256KW\",\"crv\":\"P-521\",\"kty\":\"EC\",\"x\":\"", 66 },
		{ "RSA-OAEP-256", "{\"alg\":\"RSA-OAEP-256\",\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"", 0 },
	};
	enum tee_key_alg alg;
	struct aael_buf buf = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *jwk;
		struct kbs_error e = { 0 };
		struct json_object *tok = json_object_new_string("h.p.s"), *out, *v;
		EVP_PKEY *key;

		assert_int_equal(tee_key_algorithm(cases[i].name, &alg), 0);
		key = tee_key_new(alg);
		assert_non_null(key);
		jwk = tee_key_jwk(key, alg);
		assert_non_null(jwk);
		if (strncmp(json_object_to_json_string_ext(jwk, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE),
			    cases[i].json_prefix, strlen(cases[i].json_prefix)))
			fail_msg("%s: %s", cases[i].name, json_object_to_json_string(jwk));
		if (cases[i].coord) {
			assert_int_equal(json_object_object_length(jwk), 5);
			check_param(key, OSSL_PKEY_PARAM_EC_PUB_X, jwk, "x", cases[i].coord);
			check_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, jwk, "y", cases[i].coord);
		} else {
			assert_int_equal(json_object_object_length(jwk), 4);
			assert_int_equal(EVP_PKEY_get_bits(key), 2048);
			check_param(key, OSSL_PKEY_PARAM_RSA_N, jwk, "n", 0);
			check_param(key, OSSL_PKEY_PARAM_RSA_E, jwk, "e", 0);
		}
		/* keypair.rs to_pem: PKCS#1 for RSA, PKCS#8 for EC */
		assert_int_equal(kbs_token_result(tok, key, &buf, &e), 0);
		out = json_tokener_parse(buf.text);
		aael_buf_free(&buf);
		assert_non_null(out);
		assert_true(json_object_object_get_ex(out, "tee_keypair", &v));
		assert_non_null(strstr(json_object_get_string(v), cases[i].coord ?
				       "-----BEGIN PRIVATE KEY-----" : "-----BEGIN RSA PRIVATE KEY-----"));
		json_object_put(out);
		json_object_put(tok);
		json_object_put(jwk);
		EVP_PKEY_free(key);
	}
	assert_int_equal(tee_key_algorithm("ECDH-ES+A256KW", &alg), -1);
	assert_int_equal(tee_key_algorithm("RSA1_5", &alg), -1);
	assert_int_equal(tee_key_algorithm("ecdh-es+a256kw-p256", &alg), -1);
}

/* aa.toml: an unknown tee_key_algorithm stops the start, as the agent's
 * serde does; the three it knows are taken. */
static void test_config_tee_key_algorithm(void **state)
{
	static const char *const good[] = { "ECDH-ES+A256KW-P256", "ECDH-ES+A256KW-P521", "RSA-OAEP-256" };
	char text[256], err[AAEL_ERRLEN];
	struct aaeld_config c;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		config_defaults(&c);
		snprintf(text, sizeof(text), "[token_configs.kbs]\nurl = \"http://k\"\ntee_key_algorithm = \"%s\"\n", good[i]);
		if (config_parse_aa_toml(&c, text, strlen(text), err))
			fail_msg("%s refused: %s", good[i], err);
		assert_string_equal(c.tee_key_algorithm, good[i]);
		config_free(&c);
	}
	config_defaults(&c);
	assert_string_equal(c.tee_key_algorithm, "ECDH-ES+A256KW-P256");
	snprintf(text, sizeof(text), "[token_configs.kbs]\nurl = \"http://k\"\ntee_key_algorithm = \"RSA1_5\"\n");
	assert_int_equal(config_parse_aa_toml(&c, text, strlen(text), err), -1);
	assert_non_null(strstr(err, "RSA1_5"));
	assert_string_equal(c.tee_key_algorithm, "ECDH-ES+A256KW-P256");
	config_free(&c);
}

int run_kbs_client_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_selected),
		cmocka_unit_test(test_request_extra_params),
		cmocka_unit_test(test_runtime_digest),
		cmocka_unit_test(test_url_base),
		cmocka_unit_test(test_kbc_params),
		cmocka_unit_test(test_tee_key_jwk),
		cmocka_unit_test(test_config_tee_key_algorithm),
	};

	return cmocka_run_group_tests_name("kbs_client", tests, NULL, NULL);
}
