// SPDX-License-Identifier: GPL-2.0
/*
 * The POST /aa/aael body, as the REST server reads it: serde_json into
 * AaelEvent {domain, operation, content} (guest-components
 * api-server-rest/src/client/aa.rs) -- JSON's grammar and nothing more,
 * whitespace around the value, extra members ignored -- and the agent's
 * one rule on it (attestation-agent/src/eventlog/mod.rs Content::try_from:
 * no newline in content).
 */
#include <string.h>

#include "unit.h"
#include "../../userspace/aaeld/aaeld.h"

static int parse(const char *body, const char **why)
{
	struct event_req ev;
	int rc;

	*why = "";
	rc = event_req_parse(body, strlen(body), &ev, why);
	if (!rc) {
		assert_string_equal(ev.domain, "d");
		assert_string_equal(ev.operation, "o");
		event_req_free(&ev);
	}
	return rc;
}

static void test_event_accepted(void **state)
{
	static const char *const ok_bodies[] = {
		"{\"domain\":\"d\",\"operation\":\"o\",\"content\":\"c\"}",
		" \n{\"domain\":\"d\",\"operation\":\"o\",\"content\":\"c\"}\r\n\t ",
		"{\"content\":\"c\",\"operation\":\"o\",\"domain\":\"d\",\"extra\":[1,{\"a\":null}]}",
		"{\"domain\":\"d\",\"operation\":\"o\",\"content\":\"it's \\\"quoted\\\"\"}",
		/* an escaped newline is JSON; the agent's newline rule is aa.c's */
		"{\"domain\":\"d\",\"operation\":\"o\",\"content\":\"a\\nb \\u00e9 \xc3\xa9\"}",
		/* a surrogate pair, a double in range */
		"{\"domain\":\"d\",\"operation\":\"o\",\"content\":\"\\ud83d\\ude00\",\"x\":-1.5e300}",
	};
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(ok_bodies) / sizeof(ok_bodies[0]); i++)
		assert_int_equal(parse(ok_bodies[i], &why), 0);
}

static void test_event_refused(void **state)
{
	static const struct {
		const char *body, *why;
	} bad[] = {
		{ "", "not one JSON document" },
		{ "{\"domain\":\"d\",\"operation\":\"o\",\"content\":\"c\",}", "not one JSON document" },
		{ "/* c */{\"domain\":\"d\",\"operation\":\"o\",\"content\":\"c\"}", "not one JSON document" },
		{ "{'domain':\"d\",\"operation\":\"o\",\"content\":\"c\"}", "not one JSON document" },
		{ "{\"domain\":\"d\",\"operation\":\"o\",\"content\":'c'}", "not one JSON document" },
		{ "{\"domain\":\"d\",\"operation\":\"o\",\"content\":\"c\"} {}", "not one JSON document" },
		{ "{\"domain\":\"d\",\"operation\":\"o\"}", "expected" },
		{ "{\"domain\":\"d\",\"operation\":\"o\",\"content\":1}", "expected" },
		{ "[\"d\",\"o\",\"c\"]", "expected" },
		{ "{\"domain\":\"d\",\"operation\":\"o\",\"content\":\"a\x01b\"}", "not one JSON document" },
		{ "{\"domain\":\"d\",\"operation\":\"o\",\"content\":\"a\nb\"}", "not one JSON document" },
		{ "{\"domain\":\"d\",\"operation\":\"o\",\"content\":\"\xff\"}", "not one JSON document" },
		{ "{\"domain\":\"d\",\"operation\":\"o\",\"content\":\"x\\u0000y\"}", "expected" },
		/* serde_json: lone surrogates, NaN, numbers past a double */
		{ "{\"domain\":\"d\",\"operation\":\"o\",\"content\":\"\\ud800\"}", "not one JSON document" },
		{ "{\"domain\":\"d\",\"operation\":\"o\",\"content\":\"\\udc00x\"}", "not one JSON document" },
		{ "{\"domain\":\"d\",\"operation\":\"o\",\"content\":\"c\",\"x\":NaN}", "not one JSON document" },
		{ "{\"domain\":\"d\",\"operation\":\"o\",\"content\":\"c\",\"x\":[1e400]}", "not one JSON document" },
	};
	const char *why;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i].body, &why), -1);
		assert_non_null(strstr(why, bad[i].why));
	}
}

int run_event_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_accepted),
		cmocka_unit_test(test_event_refused),
	};

	return cmocka_run_group_tests_name("event", tests, NULL, NULL);
}
