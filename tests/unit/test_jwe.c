// SPDX-License-Identifier: GPL-2.0
/*
 * jwe.c against replies built by another implementation: tests/data/jwe/
 * holds keys and Trustee-form JWEs made by tests/kbs/trustee_jwe.py
 * (python3-cryptography; tests/data/jwe/generate). Each must open to
 * plaintext.bin with its key, and every alteration, wrong key and
 * algorithm Trustee would not use must be refused with nothing returned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "unit.h"
#include "../../userspace/aaeld/aaeld.h"
#include "../../userspace/aaeld/jwe.h"

static const char *const vectors[] = { "p256", "p521", "rsa" };

static char *data_path(const char *name, const char *ext)
{
	static char path[1024];

	snprintf(path, sizeof(path), "%s/jwe/%s%s", getenv("AAEL_TESTDATA"), name, ext);
	return path;
}

static EVP_PKEY *load_key(const char *name)
{
	FILE *f = fopen(data_path(name, ".pem"), "r");
	EVP_PKEY *key;

	assert_non_null(f);
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(key);
	return key;
}

static char *load_jwe(const char *name, size_t *len)
{
	uint8_t *p = read_file(data_path(name, ".json"), len);
	char *s = realloc(p, *len + 1);

	assert_non_null(s);
	s[*len] = 0;
	return s;
}

/* Refused: -1, nothing returned, and err names the reason. */
static void refused(const char *json, EVP_PKEY *key, const char *why)
{
	uint8_t *out = (uint8_t *)1;
	size_t len = 1;
	char err[JWE_ERRLEN] = "";

	assert_int_equal(jwe_decrypt(json, strlen(json), key, &out, &len, err), -1);
	assert_null(out);
	assert_int_equal(len, 0);
	if (!strstr(err, why))
		fail_msg("error \"%s\" does not say \"%s\"", err, why);
}

static void test_jwe_opens_vectors(void **state)
{
	size_t plen, len, n;
	uint8_t *plain = read_file(data_path("plaintext", ".bin"), &plen), *out;
	char err[JWE_ERRLEN];

	(void)state;
	assert_true(plen > 256);
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		EVP_PKEY *key = load_key(vectors[i]);
		char *json = load_jwe(vectors[i], &n);

		if (jwe_decrypt(json, n, key, &out, &len, err))
			fail_msg("%s: %s", vectors[i], err);
		assert_int_equal(len, plen);
		assert_memory_equal(out, plain, plen);
		assert_int_equal(out[len], 0);
		jwe_free(out, len);
		free(json);
		EVP_PKEY_free(key);
	}
	free(plain);
}

static void test_jwe_empty_resource(void **state)
{
	EVP_PKEY *key = load_key("p256");
	size_t n, len = 1;
	char *json = load_jwe("p256-empty", &n), err[JWE_ERRLEN];
	uint8_t *out = NULL;

	(void)state;
	assert_int_equal(jwe_decrypt(json, n, key, &out, &len, err), 0);
	assert_non_null(out);
	assert_int_equal(len, 0);
	jwe_free(out, len);
	free(json);
	EVP_PKEY_free(key);
}

/* The reply with one member replaced; the result is json-c's, to free. */
static char *with_member(const char *json, const char *key, const char *value)
{
	struct json_object *o = json_tokener_parse(json);
	char *s;

	assert_non_null(o);
	if (value)
		json_object_object_add(o, key, json_object_new_string(value));
	else
		json_object_object_del(o, key);
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						  JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	assert_non_null(s);
	return s;
}

static const char *member_of(const char *json, const char *key, char *buf, size_t max)
{
	struct json_object *o = json_tokener_parse(json), *v;

	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, key, &v));
	assert_true((size_t)json_object_get_string_len(v) < max);
	strcpy(buf, json_object_get_string(v));
	json_object_put(o);
	return buf;
}

/* One base64url character changed in the middle of a member: whole bits
 * of the decoded bytes change (the last character may carry unused bits). */
static char *flipped(const char *json, const char *key)
{
	static char buf[8192];
	size_t n;

	member_of(json, key, buf, sizeof(buf));
	n = strlen(buf);
	assert_true(n >= 2);
	buf[n / 2] = buf[n / 2] == 'A' ? 'B' : 'A';
	return with_member(json, key, buf);
}

static void test_jwe_tampered(void **state)
{
	static const struct {
		const char *member, *why;
	} cases[] = {
		{ "ciphertext", "authentication failed" },
		{ "tag", "authentication failed" },
		{ "iv", "authentication failed" },
		{ "encrypted_key", "CEK does not" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		EVP_PKEY *key = load_key(vectors[i]);
		size_t n;
		char *json = load_jwe(vectors[i], &n), *bad;

		for (size_t j = 0; j < sizeof(cases) / sizeof(cases[0]); j++) {
			bad = flipped(json, cases[j].member);
			refused(bad, key, cases[j].why);
			free(bad);
		}
		/* a bit of the header: no longer JSON, or another AAD */
		bad = flipped(json, "protected");
		refused(bad, key, "JWE: ");
		free(bad);
		free(json);
		EVP_PKEY_free(key);
	}
}

/* The header re-encoded with its meaning kept: only the AAD differs, so
 * the AAD must be the "protected" text itself. */
static char *with_header(const char *json, const char *old, const char *new)
{
	char buf[4096], *hdr, *pos, *b64, *out;
	uint8_t *raw;
	size_t len;

	member_of(json, "protected", buf, sizeof(buf));
	assert_int_equal(aael_b64_decode(buf, &raw, &len), 0);
	pos = strstr((char *)raw, old);
	assert_non_null(pos);
	hdr = malloc(len + strlen(new) + 1);
	assert_non_null(hdr);
	sprintf(hdr, "%.*s%s%s", (int)(pos - (char *)raw), (char *)raw, new, pos + strlen(old));
	b64 = aael_b64_encode((uint8_t *)hdr, strlen(hdr), true);
	assert_non_null(b64);
	out = with_member(json, "protected", b64);
	free(b64);
	free(hdr);
	free(raw);
	return out;
}

static void test_jwe_header_is_aad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		EVP_PKEY *key = load_key(vectors[i]);
		size_t n;
		char *json = load_jwe(vectors[i], &n), *bad;

		bad = with_header(json, "\"enc\"", " \"enc\"");
		refused(bad, key, "authentication failed");
		free(bad);
		free(json);
		EVP_PKEY_free(key);
	}
}

static void test_jwe_wrong_key(void **state)
{
	EVP_PKEY *p256 = load_key("p256"), *p521 = load_key("p521"), *rsa = load_key("rsa");
	EVP_PKEY *other256 = tee_key_new(TEE_KEY_P256), *other521 = tee_key_new(TEE_KEY_P521);
	EVP_PKEY *other_rsa = tee_key_new(TEE_KEY_RSA);
	size_t n;
	char *j256 = load_jwe("p256", &n), *j521 = load_jwe("p521", &n);
	char *jrsa = load_jwe("rsa", &n);

	(void)state;
	assert_non_null(other256);
	assert_non_null(other521);
	assert_non_null(other_rsa);
	refused(j256, other256, "CEK does not unwrap");
	refused(j521, other521, "CEK does not unwrap");
	refused(jrsa, other_rsa, "CEK does not decrypt");
	refused(j256, p521, "epk is not an EC key on P-521");
	refused(j521, p256, "epk is not an EC key on P-256");
	refused(j256, rsa, "needs a P-256 or P-521 tee key");
	refused(jrsa, p256, "needs an RSA tee key");
	free(j256);
	free(j521);
	free(jrsa);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p521);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(other256);
	EVP_PKEY_free(other521);
	EVP_PKEY_free(other_rsa);
}

static void test_jwe_unsupported(void **state)
{
	EVP_PKEY *p256 = load_key("p256"), *rsa = load_key("rsa");
	size_t n;
	char *j256 = load_jwe("p256", &n), *jrsa = load_jwe("rsa", &n), *bad;

	(void)state;
	/* what the agent also takes, but Trustee sends only for a JWK that
	 * asks for it, which aaeld's never does */
	bad = with_header(jrsa, "RSA-OAEP-256", "RSA1_5");
	refused(bad, rsa, "alg RSA1_5 is not supported");
	free(bad);
	bad = with_header(jrsa, "RSA-OAEP-256", "RSA-OAEP");
	refused(bad, rsa, "alg RSA-OAEP is not supported");
	free(bad);
	bad = with_header(j256, "ECDH-ES+A256KW", "ECDH-ES");
	refused(bad, p256, "alg ECDH-ES is not supported");
	free(bad);
	bad = with_header(j256, "ECDH-ES+A256KW", "dir");
	refused(bad, p256, "alg dir is not supported");
	free(bad);
	bad = with_header(j256, "A256GCM", "A128GCM");
	refused(bad, p256, "enc A128GCM is not supported");
	free(bad);
	bad = with_header(jrsa, "A256GCM", "A256CBC-HS512");
	refused(bad, rsa, "enc A256CBC-HS512 is not supported");
	free(bad);
	bad = with_header(jrsa, "\"enc\":\"A256GCM\"", "\"x\":1");
	refused(bad, rsa, "lacks alg or enc");
	free(bad);
	/* members that change how to open it, which Trustee never sends */
	bad = with_header(jrsa, "\"enc\":\"A256GCM\"", "\"enc\":\"A256GCM\",\"zip\":\"DEF\"");
	refused(bad, rsa, "has \"zip\"");
	free(bad);
	bad = with_header(jrsa, "\"enc\":\"A256GCM\"", "\"enc\":\"A256GCM\",\"crit\":[\"exp\"]");
	refused(bad, rsa, "has \"crit\"");
	free(bad);
	bad = with_header(j256, "\"enc\":\"A256GCM\"", "\"enc\":\"A256GCM\",\"apu\":\"QQ\"");
	refused(bad, p256, "has \"apu\"");
	free(bad);
	bad = with_header(j256, "\"enc\":\"A256GCM\"", "\"enc\":\"A256GCM\",\"apv\":\"QQ\"");
	refused(bad, p256, "has \"apv\"");
	free(bad);
	free(j256);
	free(jrsa);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(rsa);
}

static void test_jwe_malformed(void **state)
{
	EVP_PKEY *p256 = load_key("p256");
	size_t n;
	char *json = load_jwe("p256", &n), *bad, buf[4096];
	static const char *const members[] = {
		"protected", "encrypted_key", "iv", "ciphertext", "tag",
	};

	(void)state;
	refused("", p256, "not a JSON object");
	refused("[]", p256, "not a JSON object");
	refused("{\"protected\":", p256, "not a JSON object");
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		char want[64];

		bad = with_member(json, members[i], NULL);
		snprintf(want, sizeof(want), "no string \"%s\"", members[i]);
		refused(bad, p256, want);
		free(bad);
		/* padding and the standard alphabet: not URL_SAFE_NO_PAD */
		member_of(json, members[i], buf, sizeof(buf) - 4);
		strcat(buf, "=");
		bad = with_member(json, members[i], buf);
		refused(bad, p256, "not base64url without padding");
		free(bad);
		member_of(json, members[i], buf, sizeof(buf));
		buf[1] = '+';
		bad = with_member(json, members[i], buf);
		refused(bad, p256, "not base64url without padding");
		free(bad);
	}
	bad = with_member(json, "aad", "eA");
	refused(bad, p256, "\"aad\"");
	free(bad);
	bad = with_member(json, "iv", "AAAAAAAAAAAAAAAA");	/* 12 bytes... */
	refused(bad, p256, "authentication failed");
	free(bad);
	bad = with_member(json, "iv", "AAAAAAAAAAAAAAAAAAAA");	/* 15 */
	refused(bad, p256, "iv of 15 bytes");
	free(bad);
	bad = with_member(json, "tag", "AAAAAAAAAAAAAAAAAAAA");
	refused(bad, p256, "tag of 15");
	free(bad);
	bad = with_member(json, "encrypted_key", "AAAA");
	refused(bad, p256, "encrypted_key of 3 bytes");
	free(bad);
	bad = with_header(json, "\"epk\"", "\"EPK\"");
	refused(bad, p256, "without an epk");
	free(bad);
	bad = with_header(json, "\"kty\":\"EC\"", "\"kty\":\"OKP\"");
	refused(bad, p256, "epk is not an EC key");
	free(bad);
	/* a coordinate cut to 31 bytes (42 characters of 43) */
	member_of(json, "protected", buf, sizeof(buf));
	{
		uint8_t *raw;
		size_t len;
		char *x;

		assert_int_equal(aael_b64_decode(buf, &raw, &len), 0);
		x = strstr((char *)raw, "\"x\":\"");
		assert_non_null(x);
		x += 5;
		memmove(x + 42, x + 43, strlen(x + 43) + 1);
		/* 42 symbols: 31 bytes once the last has its 4 unused bits
		 * zero, as a canonical encoder writes it */
		x[41] = 'A';
		x = aael_b64_encode(raw, strlen((char *)raw), true);
		bad = with_member(json, "protected", x);
		free(x);
		refused(bad, p256, "epk coordinates of 31 and 32 bytes");
		free(bad);
		free(raw);
	}
	/* a point off the curve: y + 1 */
	member_of(json, "protected", buf, sizeof(buf));
	{
		uint8_t *raw, *y;
		size_t len, ylen;
		char *yp, *end, save, *b64;

		assert_int_equal(aael_b64_decode(buf, &raw, &len), 0);
		yp = strstr((char *)raw, "\"y\":\"") + 5;
		end = strchr(yp, '"');
		save = *end;
		*end = 0;
		assert_int_equal(aael_b64_decode(yp, &y, &ylen), 0);
		y[ylen - 1] ^= 1;
		b64 = aael_b64_encode(y, ylen, true);
		assert_int_equal(strlen(b64), (size_t)(end - yp));
		memcpy(yp, b64, strlen(b64));
		*end = save;
		free(b64);
		b64 = aael_b64_encode(raw, strlen((char *)raw), true);
		bad = with_member(json, "protected", b64);
		refused(bad, p256, "epk is not a point on P-256");
		free(bad);
		free(b64);
		free(y);
		free(raw);
	}
	free(json);
	EVP_PKEY_free(p256);
}

int run_jwe_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jwe_opens_vectors),
		cmocka_unit_test(test_jwe_empty_resource),
		cmocka_unit_test(test_jwe_tampered),
		cmocka_unit_test(test_jwe_header_is_aad),
		cmocka_unit_test(test_jwe_wrong_key),
		cmocka_unit_test(test_jwe_unsupported),
		cmocka_unit_test(test_jwe_malformed),
	};

	return cmocka_run_group_tests_name("jwe", tests, NULL, NULL);
}
