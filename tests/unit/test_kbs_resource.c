// SPDX-License-Identifier: GPL-2.0
/*
 * Where GET /cdh/resource goes: cdh.toml's [kbc] (from the Init-Data,
 * applied only once bound), else aa.toml's KBS or agent.aa_kbc_params; and
 * the resource paths Trustee's resource plugin serves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "../../userspace/aaeld/aaeld.h"
#include "../../userspace/aaeld/kbs.h"

static int cdh(struct aaeld_config *c, const char *text, char *err)
{
	return config_parse_cdh_toml(c, text, strlen(text), err);
}

static void test_cdh_toml(void **state)
{
	static const struct {
		const char *text, *why;	/* why: NULL when accepted */
	} cases[] = {
		{ "[kbc]\nname = \"cc_kbc\"\nurl = \"http://kbs:8080\"\n", NULL },
		{ "socket = \"x\"\n[kbc]\nname = \"cc_kbc\"\nurl = \"https://kbs\"\n"
		  "kbs_cert = \"-----BEGIN CERTIFICATE-----\\n\"\n[image]\nx = 1\n", NULL },
		{ "[kbc]\nname = \"offline_fs_kbc\"\n", NULL },
		{ "[kbc]\nname = \"offline_fs_kbc\"\nurl = \"\"\nkbs_cert = \"\"\n", NULL },
		{ "", "no [kbc] table" },
		{ "kbc = 1\n", "no [kbc] table" },
		{ "[kbc]\nurl = \"http://kbs\"\n", "[kbc] name must be a string" },
		{ "[kbc]\nname = 1\n", "[kbc] name must be a string" },
		{ "[kbc]\nname = \"cc_kbc\"\nurl = 8080\n", "must be strings" },
		{ "[kbc]\nname = \"cc_kbc\"\nurl = \"http://k\"\nkbs_cert = []\n", "must be strings" },
		{ "[kbc]\nname = \"sample_kbc\"\nurl = \"http://k\"\n", "expected cc_kbc or offline_fs_kbc" },
		{ "[kbc]\nname = \"cc_kbc\"\n", "needs a url" },
		{ "[kbc]\nname = \"cc_kbc\"\nurl = \"\"\n", "needs a url" },
		{ "[kbc]\nname = \"cc_kbc\"\nurl = \"http://k\"\nkbs_cert = \"\"\n", "kbs_cert is empty" },
		{ "[kbc\nname = \"cc_kbc\"\n", "" },	/* the TOML reader's error */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct aaeld_config c = { 0 };
		char err[AAEL_ERRLEN] = "";

		c.cdh_kbc = strdup("before");
		assert_non_null(c.cdh_kbc);
		if (!cases[i].why) {
			if (cdh(&c, cases[i].text, err))
				fail_msg("case %zu refused: %s", i, err);
			assert_string_not_equal(c.cdh_kbc, "before");
		} else {
			assert_int_equal(cdh(&c, cases[i].text, err), -1);
			if (!strstr(err, cases[i].why) || !err[0])
				fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err, cases[i].why);
			/* a refusal changes nothing */
			assert_string_equal(c.cdh_kbc, "before");
			assert_null(c.cdh_url);
		}
		config_free(&c);
	}
}

static void expect_kbs(const struct aaeld_config *c, const char *url, const char *cert)
{
	const char *u, *k;
	char err[AAEL_ERRLEN];

	assert_int_equal(config_resource_kbs(c, &u, &k, err), 0);
	assert_string_equal(u, url);
	if (cert)
		assert_string_equal(k, cert);
	else
		assert_null(k);
}

static void test_resource_precedence(void **state)
{
	static const char aa[] = "[token_configs.kbs]\nurl = \"http://aa\"\ncert = \"AA\"\n";
	struct aaeld_config c;
	const char *u, *k;
	char err[AAEL_ERRLEN];

	(void)state;
	config_defaults(&c);
	assert_int_equal(config_resource_kbs(&c, &u, &k, err), -1);
	assert_non_null(strstr(err, "no KBS configured"));
	/* aa.toml's (or agent.aa_kbc_params, which main.c puts there) */
	assert_int_equal(config_parse_aa_toml(&c, aa, strlen(aa), err), 0);
	expect_kbs(&c, "http://aa", "AA");
	/* cdh.toml's wins, its cert with it: none is none, not aa.toml's */
	assert_int_equal(cdh(&c, "[kbc]\nname = \"cc_kbc\"\nurl = \"http://cdh\"\n", err), 0);
	expect_kbs(&c, "http://cdh", NULL);
	assert_int_equal(cdh(&c, "[kbc]\nname = \"cc_kbc\"\nurl = \"http://cdh2\"\nkbs_cert = \"C\"\n", err), 0);
	expect_kbs(&c, "http://cdh2", "C");
	/* a hub reading resources from its own store: aaeld has none */
	assert_int_equal(cdh(&c, "[kbc]\nname = \"offline_fs_kbc\"\n", err), 0);
	assert_int_equal(config_resource_kbs(&c, &u, &k, err), -1);
	assert_non_null(strstr(err, "offline_fs_kbc"));
	config_free(&c);
}

static char *write_doc(const char *doc)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/aael-unit-cdh-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, doc, strlen(doc)), (ssize_t)strlen(doc));
	close(fd);
	return path;
}

/* The Init-Data's cdh.toml is checked when read and used only once
 * initdata_apply() runs (after the binding), over aa.toml's KBS. */
static void test_initdata_cdh(void **state)
{
	static const char doc[] =
		"version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n"
		"\"aa.toml\" = '''\n[token_configs.kbs]\nurl = \"http://aa\"\n'''\n"
		"\"cdh.toml\" = '''\n[kbc]\nname = \"cc_kbc\"\nurl = \"http://cdh\"\nkbs_cert = \"PEM\"\n'''\n";
	static const char bad[] =
		"version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n"
		"\"cdh.toml\" = '''\n[kbc]\nname = \"cc_kbc\"\n'''\n";
	static const char not_text[] =
		"version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n\"cdh.toml\" = 1\n";
	struct aaeld_config c;
	char err[AAEL_ERRLEN], *path;
	const char *u, *k;

	(void)state;
	config_defaults(&c);
	path = write_doc(doc);
	assert_int_equal(initdata_load(&c, path, err), 0);
	unlink(path);
	assert_null(c.cdh_kbc);
	assert_null(c.cdh_url);
	assert_int_equal(config_resource_kbs(&c, &u, &k, err), -1);
	assert_int_equal(initdata_apply(&c, err), 0);
	assert_string_equal(c.kbs_url, "http://aa");
	expect_kbs(&c, "http://cdh", "PEM");
	config_free(&c);

	config_defaults(&c);
	path = write_doc(bad);
	assert_int_equal(initdata_load(&c, path, err), -1);
	unlink(path);
	assert_non_null(strstr(err, "cdh.toml inside: [kbc] name = \"cc_kbc\" needs a url"));
	assert_null(c.initdata);
	assert_null(c.initdata_cdh);
	path = write_doc(not_text);
	assert_int_equal(initdata_load(&c, path, err), -1);
	unlink(path);
	assert_non_null(strstr(err, "\"cdh.toml\" must be a string"));
	config_free(&c);
}

static void test_resource_path_check(void **state)
{
	static const char *const good[] = {
		"default/key/1", "a/b/c", "repo_1/type-2/tag.3", "-/_/x..",
		"default/security-policy/test",
	};
	static const char *const bad[] = {
		"", "a", "a/b", "a/b/", "a/b/c/", "a/b/c/d", "/a/b/c", "a//c",
		".a/b/c", "a/.b/c", "a/b/.c", "../b/c", "a/b/c?x=1", "a/b/c d",
		"a/b/c%2f", "a/b\\/c", "a/b/c\n", "a/b/\xc3\xa9",
	};
	char err[AAEL_ERRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (kbs_resource_path_check(good[i], err))
			fail_msg("\"%s\" refused: %s", good[i], err);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!kbs_resource_path_check(bad[i], err))
			fail_msg("\"%s\" accepted", bad[i]);
		assert_non_null(strstr(err, "expected repo/type/tag"));
	}
}

int run_kbs_resource_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cdh_toml),
		cmocka_unit_test(test_resource_precedence),
		cmocka_unit_test(test_initdata_cdh),
		cmocka_unit_test(test_resource_path_check),
	};

	return cmocka_run_group_tests_name("kbs_resource", tests, NULL, NULL);
}
