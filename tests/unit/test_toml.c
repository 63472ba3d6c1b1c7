// SPDX-License-Identifier: GPL-2.0
/* aaeld's TOML reader, aa.toml and Init-Data handling. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "unit.h"
#include "../../userspace/aaeld/aaeld.h"

static struct json_object *parse_ok(const char *text)
{
	char err[AAEL_ERRLEN] = "";
	struct json_object *o = toml_parse(text, strlen(text), err);

	if (!o)
		fail_msg("unexpected error: %s", err);
	return o;
}

static void parse_err(const char *text, const char *want)
{
	char err[AAEL_ERRLEN] = "";
	struct json_object *o = toml_parse(text, strlen(text), err);

	if (o || !strstr(err, want))
		fail_msg("%s: got \"%s\", want \"%s\"", text, err, want);
	json_object_put(o);
}

static void test_toml_values(void **state)
{
	struct json_object *o = parse_ok(
		"# comment\n"
		"version = \"0.1.0\"\n"
		"n = -17\n"
		"big = 1_000\n"
		"yes = true # trailing comment\n"
		"list = [1, \"two\", [true],\n  ]\n"
		"lit = 'C:\\no\\escape'\n"
		"esc = \"tab\\tnl\\nq\\\"u\\u00e9\\U0001F600\"\n"
		"[data]\n"
		"\"aa.toml\" = '''\n[x]\ny = 1\n'''\n"
		"ml = \"\"\"\nline \\\n   joined\"\"\"\n"
		"[a.b]\n"
		"c.d = 1\n");
	const char *want =
		"{\"version\":\"0.1.0\",\"n\":-17,\"big\":1000,\"yes\":true,"
		"\"list\":[1,\"two\",[true]],\"lit\":\"C:\\\\no\\\\escape\","
		"\"esc\":\"tab\\tnl\\nq\\\"u\xc3\xa9\xf0\x9f\x98\x80\","
		"\"data\":{\"aa.toml\":\"[x]\\ny = 1\\n\",\"ml\":\"line joined\"},"
		"\"a\":{\"b\":{\"c\":{\"d\":1}}}}";

	(void)state;
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE), want);
	json_object_put(o);
}

static void test_toml_errors(void **state)
{
	(void)state;
	parse_err("a = 1\na = 2\n", "line 2: key \"a\" defined twice");
	parse_err("[t]\n[t]\n", "line 2: table [t] defined twice");
	parse_err("a = \"open\n", "line 1: unterminated string");
	parse_err("a = 1.\n", "line 1: bad number");
	parse_err("a = 01\n", "bad number");
	parse_err("a = 0x8000_0000_0000_0000\n", "integer out of range");
	parse_err("a = 2023-02-29\n", "line 1: date out of range");
	parse_err("a = 07:32\n", "HH:MM:SS expected");
	parse_err("\n\na\n", "line 3: expected '='");
	parse_err("a = \n", "line 1: missing value");
	parse_err("a = 1 b = 2\n", "line 1: unexpected 'b'");
	parse_err("[[arr]]\n[arr]\n", "line 2: table [arr] defined twice");
	parse_err("arr = []\n[[arr]]\n", "not an array of tables");
	parse_err("t = {a = 1}\n[t.b]\n", "\"t\" is a value, not a table");
	parse_err("t = {a = 1}\nt.b = 2\n", "dotted keys cannot add to it");
	parse_err("[a.b.c]\n[a]\nb.d = 1\n", "line 3: key \"b\" is already defined");
	parse_err("a = \"\\q\"\n", "unknown escape");
	parse_err("a = \"\\uD800\"\n", "not a Unicode scalar value");
	parse_err("a = \"\"\"x\\ y\"\"\"\n", "line-ending backslash");
	parse_err("a = 1\nb.c = 2\nb = 3\n", "line 3: key \"b\" defined twice");
	parse_err("a = [1, 2\n", "line 2:");
	parse_err("a = \"tab\x01\"\n", "control character 0x01 in a string");
	parse_err("# \x7f\n", "control character 0x7f in a comment");
	parse_err("a = 1\r\nb = 2\r", "line 2: carriage return");
	parse_err("a = \"\xc3\x28\"\n", "line 1: invalid UTF-8");
	parse_err("a = \"\xed\xa0\x80\"\n", "invalid UTF-8");	/* a surrogate */
	parse_err("a = \"\xc0\xaf\"\n", "invalid UTF-8");		/* overlong '/' */
	parse_err("\"\\u0000\" = 1\n", "keys holding U+0000");
}

/*
 * The document shapes the reference's configurations use (the confidential
 * data hub's example config: [[credentials]], a """ certificate) and the
 * rest of TOML 1.0 a hand-written file may hold.
 */
static void test_toml_shapes(void **state)
{
	struct json_object *o = parse_ok(
		"\xef\xbb\xbfsocket = \"unix:///run/cdh.sock\"\r\n"
		"[kbc]\nname = \"cc_kbc\"\nurl = \"http://kbs:8080\"\n"
		"kbs_cert = \"\"\"\n-----BEGIN-----\nAB\\\n   CD\n-----END-----\n\"\"\"\n"
		"[[credentials]]\npath = \"/run/a\"\n[[credentials]]\npath = \"/run/b\"\n"
		"[credentials.x]\ny = 1\n"
		"[image]\nmax = 3\nlit = '''it's'''\nq = \"\"\"\"quoted\"\"\"\"\n"
		"[nums]\nhex = 0xdead_BEEF\noct = 0o17\nzero = -0\n"
		"min = -9_223_372_036_854_775_808\nf = 25e-2\ninf = -inf\n"
		"[when]\nodt = 1979-05-27 07:32:00.5-07:00\nld = 1979-05-27\nlt = 00:32:00\n"
		"[inl]\npoint = { x = 1, y.z = 'two', e = {} }\narr = [ { a = 1 }, [], # c\n ]\n");
	struct json_object *v;
	const char *want =
		"{\"socket\":\"unix:///run/cdh.sock\","
		"\"kbc\":{\"name\":\"cc_kbc\",\"url\":\"http://kbs:8080\","
		"\"kbs_cert\":\"-----BEGIN-----\\nABCD\\n-----END-----\\n\"},"
		"\"credentials\":[{\"path\":\"/run/a\"},{\"path\":\"/run/b\",\"x\":{\"y\":1}}],"
		"\"image\":{\"max\":3,\"lit\":\"it's\",\"q\":\"\\\"quoted\\\"\"},"
		"\"nums\":{\"hex\":3735928559,\"oct\":15,\"zero\":0,"
		"\"min\":-9223372036854775808,\"f\":0.25,\"inf\":-Infinity},"
		"\"when\":{\"odt\":\"1979-05-27T07:32:00.5-07:00\",\"ld\":\"1979-05-27\","
		"\"lt\":\"00:32:00\"},"
		"\"inl\":{\"point\":{\"x\":1,\"y\":{\"z\":\"two\"},\"e\":{}},"
		"\"arr\":[{\"a\":1},[]]}}";

	(void)state;
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE), want);
	assert_true(json_object_object_get_ex(o, "when", &v));
	assert_true(json_object_object_get_ex(v, "odt", &v));
	assert_string_equal(toml_datetime_kind(v), "datetime");
	assert_true(json_object_object_get_ex(o, "socket", &v));
	assert_null(toml_datetime_kind(v));
	json_object_put(o);
}

/* Hostile shapes are refused, not followed into a crash (json-c frees recursively). */
static void test_toml_bounds(void **state)
{
	size_t n = 300000;
	char *doc = malloc(2 * n + 8), err[AAEL_ERRLEN];

	(void)state;
	assert_non_null(doc);
	for (size_t i = 0; i < n; i++)
		memcpy(doc + 2 * i, "a.", 2);
	memcpy(doc + 2 * n, "a = 1\n", 6);
	assert_null(toml_parse(doc, 2 * n + 6, err));
	assert_non_null(strstr(err, "line 1: a key of more than"));
	memset(doc, '[', 2 * n);
	memcpy(doc, "a = ", 4);
	assert_null(toml_parse(doc, 2 * n, err));
	assert_non_null(strstr(err, "nested more than"));
	for (size_t i = 0; i < 2 * n / 3; i++)
		memcpy(doc + 3 * i, "a={", 3);
	assert_null(toml_parse(doc, 2 * n / 3 * 3, err));
	assert_non_null(strstr(err, "nested more than"));
	free(doc);
}

static void test_aa_toml(void **state)
{
	struct aaeld_config c;
	char err[AAEL_ERRLEN];
	const char *t =
		"[eventlog_config]\ninit_pcr = 23\nenable_eventlog = true\n"
		"[token_configs.kbs]\nurl = \"https://kbs.example:8080\"\n"
		"cert = \"\"\"\n-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n\"\"\"\n";

	(void)state;
	config_defaults(&c);
	assert_int_equal(c.init_pcr, 17);
	assert_false(c.enable_eventlog);
	assert_string_equal(c.tee_key_algorithm, "ECDH-ES+A256KW-P256");
	assert_int_equal(config_parse_aa_toml(&c, t, strlen(t), err), 0);
	assert_int_equal(c.init_pcr, 23);
	assert_true(c.enable_eventlog);
	assert_string_equal(c.kbs_url, "https://kbs.example:8080");
	assert_non_null(strstr(c.kbs_cert, "BEGIN CERTIFICATE"));
	t = "[eventlog_config]\ninit_pcr = 24\n";
	assert_int_equal(config_parse_aa_toml(&c, t, strlen(t), err), -1);
	assert_non_null(strstr(err, "expected 0..23"));
	t = "[token_configs.kbs]\nurl = 8080\n";
	assert_int_equal(config_parse_aa_toml(&c, t, strlen(t), err), -1);
	assert_non_null(strstr(err, "must be strings"));
	t = "[token_configs.kbs]\nurl = 1979-05-27\n";
	assert_int_equal(config_parse_aa_toml(&c, t, strlen(t), err), -1);
	assert_non_null(strstr(err, "must be strings"));
	t = "[eventlog_config]\ninit_pcr = 17.0\n";
	assert_int_equal(config_parse_aa_toml(&c, t, strlen(t), err), -1);
	assert_non_null(strstr(err, "wrong type"));
	free(c.kbs_url);
	free(c.kbs_cert);
	free(c.tee_key_algorithm);
}

/* The kata agent's reading (src/agent/src/config.rs
 * get_guest_components_features_value): default resource, last one wins,
 * the key only at a word's start, an unknown value an error. */
static unsigned int features_of(const char *cmdline, int *rc)
{
	char err[AAEL_ERRLEN] = "";
	unsigned int f = 99;

	*rc = cmdline_features(cmdline, &f, err);
	if (*rc)
		assert_non_null(strstr(err, "expected all, attestation or resource"));
	return f;
}

static void test_cmdline(void **state)
{
	int rc;

	(void)state;
	assert_int_equal(features_of("quiet agent.guest_components_rest_api=attestation\n", &rc),
			 FEATURE_ATTESTATION);
	assert_int_equal(rc, 0);
	assert_int_equal(features_of("agent.guest_components_rest_api=all", &rc),
			 FEATURE_ATTESTATION | FEATURE_RESOURCE);
	assert_int_equal(features_of("agent.guest_components_rest_api=resource", &rc),
			 FEATURE_RESOURCE);
	assert_int_equal(features_of("", &rc), FEATURE_RESOURCE);
	assert_int_equal(rc, 0);
	assert_int_equal(features_of("xagent.guest_components_rest_api=all", &rc),
			 FEATURE_RESOURCE);
	assert_int_equal(rc, 0);
	assert_int_equal(features_of("agent.guest_components_rest_api=all\tagent.guest_components_rest_api=attestation", &rc),
			 FEATURE_ATTESTATION);
	features_of("agent.guest_components_rest_api=attestationx", &rc);
	assert_int_equal(rc, -1);
	features_of("agent.guest_components_rest_api=All", &rc);
	assert_int_equal(rc, -1);
	features_of("agent.guest_components_rest_api=", &rc);
	assert_int_equal(rc, -1);
	features_of("agent.guest_components_rest_api=all agent.guest_components_rest_api=none", &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(features_name(FEATURE_RESOURCE), "resource");
	assert_string_equal(features_name(FEATURE_ATTESTATION), "attestation");
	assert_string_equal(features_name(FEATURE_ATTESTATION | FEATURE_RESOURCE), "all");
}

/* gzip+base64 Init-Data, made by the system's gzip and base64 (via a shell). */
static void test_initdata_gzip(void **state)
{
	char err[AAEL_ERRLEN], *toml;
	size_t len, n;
	FILE *p = popen("printf 'version = \"0.1.0\"\\n' | gzip -c | base64 -w0", "r");
	char b64[256];

	(void)state;
	assert_non_null(p);
	n = fread(b64, 1, sizeof(b64) - 1, p);
	pclose(p);
	b64[n] = 0;
	assert_int_equal(initdata_decode(b64, n, &toml, &len, err), 0);
	assert_string_equal(toml, "version = \"0.1.0\"\n");
	free(toml);
	assert_int_equal(initdata_decode("H4sIAAAA", 8, &toml, &len, err), -1);
	assert_non_null(strstr(err, "Init-Data"));
	/* regression (libFuzzer): a NUL after the gzip magic, data beyond it */
	assert_int_equal(initdata_decode("H4sI\0AAAAAAAAAAAAAAAA \n", 23, &toml, &len, err), -1);
}

/*
 * Nothing of an Init-Data document is applied when it is read (its KBS URL
 * waits for the binding), and its digest is the algorithm over the TOML
 * text as sent (as Trustee's attestation-service parse_init_data and the
 * agent's initdata.rs compute it).
 */
static void test_initdata_staged(void **state)
{
	static const char doc[] =
		"version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n"
		"\"aa.toml\" = '''\n[token_configs.kbs]\nurl = \"http://kbs.example\"\n'''\n";
	char path[] = "/tmp/aael-unit-initdata-XXXXXX", err[AAEL_ERRLEN];
	uint8_t digest[64], want[32];
	struct aaeld_config c;
	unsigned int n;
	size_t len;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, doc, strlen(doc)), (ssize_t)strlen(doc));
	close(fd);
	config_defaults(&c);
	assert_int_equal(initdata_load(&c, path, err), 0);
	unlink(path);
	assert_null(c.kbs_url);
	assert_string_equal(c.initdata, doc);
	assert_string_equal(c.initdata_alg, "sha256");
	assert_int_equal(initdata_digest(&c, digest, &len, err), 0);
	assert_int_equal(len, 32);
	EVP_Digest(doc, strlen(doc), want, &n, EVP_sha256(), NULL);
	assert_memory_equal(digest, want, 32);
	assert_int_equal(initdata_apply(&c, err), 0);
	assert_string_equal(c.kbs_url, "http://kbs.example");
	config_free(&c);
}

int run_toml_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_toml_values),
		cmocka_unit_test(test_toml_errors),
		cmocka_unit_test(test_toml_shapes),
		cmocka_unit_test(test_toml_bounds),
		cmocka_unit_test(test_aa_toml),
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_initdata_gzip),
		cmocka_unit_test(test_initdata_staged),
	};

	return cmocka_run_group_tests_name("toml", tests, NULL, NULL);
}
