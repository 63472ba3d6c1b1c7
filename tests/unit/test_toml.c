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
	parse_err("a = 1.5\n", "line 1: only decimal integers");
	parse_err("a = 01\n", "bad integer");
	parse_err("a = 2024-01-01\n", "line 1:");
	parse_err("\n\na\n", "line 3: expected '='");
	parse_err("a = \n", "line 1: missing value");
	parse_err("a = 1 b = 2\n", "line 1: unexpected 'b'");
	parse_err("[[arr]]\n", "arrays of tables are not supported");
	parse_err("a = \"\\q\"\n", "unknown escape");
	parse_err("a = \"\\uD800\"\n", "not a Unicode scalar value");
	parse_err("a = 1\nb.c = 2\nb = 3\n", "line 3: key \"b\" defined twice");
	parse_err("a = [1, 2\n", "line 2:");
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
	free(c.kbs_url);
	free(c.kbs_cert);
	free(c.tee_key_algorithm);
}

static void test_cmdline(void **state)
{
	(void)state;
	assert_true(cmdline_enables_aa("quiet agent.guest_components_rest_api=attestation\n"));
	assert_true(cmdline_enables_aa("agent.guest_components_rest_api=all"));
	assert_false(cmdline_enables_aa("agent.guest_components_rest_api=resource"));
	assert_false(cmdline_enables_aa("agent.guest_components_rest_api=attestationx"));
	assert_false(cmdline_enables_aa("xagent.guest_components_rest_api=all"));
	assert_false(cmdline_enables_aa("agent.guest_components_rest_api=all agent.guest_components_rest_api=none"));
	assert_false(cmdline_enables_aa(""));
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
		cmocka_unit_test(test_aa_toml),
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_initdata_gzip),
		cmocka_unit_test(test_initdata_staged),
	};

	return cmocka_run_group_tests_name("toml", tests, NULL, NULL);
}
