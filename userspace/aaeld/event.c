// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The body of POST /aa/aael: exactly one JSON object with string members
 * domain, operation and content (others are ignored, as the agent does).
 * Kept apart from the HTTP code so that the fuzzer reaches it.
 */
#include <string.h>
#include <json-c/json.h>

#include "aaeld.h"

static bool get_string(struct json_object *o, const char *k, const char **v)
{
	/* json-c keeps embedded NULs: the kernel would refuse them anyway. */
	*v = json_string_member(o, k);
	return *v;
}

int event_req_parse(const char *body, size_t len, struct event_req *ev,
		    const char **why)
{
	memset(ev, 0, sizeof(*ev));
	ev->root = json_parse_strict(body, len);
	if (!ev->root) {
		*why = "the body is not one JSON document";
		return -1;
	}
	if (!json_object_is_type(ev->root, json_type_object) ||
	    !get_string(ev->root, "domain", &ev->domain) ||
	    !get_string(ev->root, "operation", &ev->operation) ||
	    !get_string(ev->root, "content", &ev->content)) {
		event_req_free(ev);
		*why = "expected {\"domain\": string, \"operation\": string, \"content\": string}";
		return -1;
	}
	return 0;
}

void event_req_free(struct event_req *ev)
{
	json_object_put(ev->root);
	memset(ev, 0, sizeof(*ev));
}
