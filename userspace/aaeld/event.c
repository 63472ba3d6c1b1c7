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
	struct json_object *x;

	if (!json_object_object_get_ex(o, k, &x) ||
	    !json_object_is_type(x, json_type_string))
		return false;
	*v = json_object_get_string(x);
	/* json-c keeps embedded NULs: the kernel would refuse them anyway. */
	return strlen(*v) == (size_t)json_object_get_string_len(x);
}

/* serde_json takes whitespace after the value */
static bool only_space(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++, n--;
	return !n;
}

/*
 * json-c's strict mode still takes 'single-quoted' strings; JSON (and
 * serde_json) never has a ' outside a string.
 */
static bool quote_outside_strings(const char *p, size_t n)
{
	bool in = false;

	for (size_t i = 0; i < n; i++) {
		if (in && p[i] == '\\')
			i++;
		else if (p[i] == '"')
			in = !in;
		else if (!in && p[i] == '\'')
			return true;
	}
	return false;
}

int event_req_parse(const char *body, size_t len, struct event_req *ev,
		    const char **why)
{
	struct json_tokener *tok = json_tokener_new();

	memset(ev, 0, sizeof(*ev));
	if (!tok || len > (size_t)INT32_MAX) {
		json_tokener_free(tok);
		*why = "cannot parse the body";
		return -1;
	}
	/* serde_json's grammar: no comments, trailing commas or single quotes */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	ev->root = json_tokener_parse_ex(tok, body ? body : "", (int)len);
	if (ev->root && (!only_space(body + json_tokener_get_parse_end(tok),
				     len - json_tokener_get_parse_end(tok)) ||
			 quote_outside_strings(body, len))) {
		json_object_put(ev->root);
		ev->root = NULL;
	}
	if (!ev->root) {
		json_tokener_free(tok);
		event_req_free(ev);
		*why = "the body is not one JSON document";
		return -1;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(ev->root, json_type_object) ||
	    !get_string(ev->root, "domain", &ev->domain) ||
	    !get_string(ev->root, "operation", &ev->operation) ||
	    !get_string(ev->root, "content", &ev->content)) {
		event_req_free(ev);
		*why = "expected {\"domain\": string, \"operation\": string, \"content\": string}";
		return -1;
	}
	/* the agent's rule (attestation-agent/src/eventlog/mod.rs
	 * Content::try_from): one event, one line */
	if (strchr(ev->content, '\n')) {
		event_req_free(ev);
		*why = "content contains newline";
		return -1;
	}
	return 0;
}

void event_req_free(struct event_req *ev)
{
	json_object_put(ev->root);
	memset(ev, 0, sizeof(*ev));
}
