// SPDX-License-Identifier: GPL-2.0-or-later
/* Building JSON replies and evidence with json-c, one check per chain. */
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "aaeld.h"

int jadd(struct json_object *o, const char *key, struct json_object *v)
{
	if (!o || !v || json_object_object_add(o, key, v)) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

int jadd_b64(struct json_object *o, const char *key, const uint8_t *p,
	     size_t n)
{
	char *b64 = aael_b64_encode(p, n, false);
	int rc = b64 ? jadd(o, key, json_object_new_string(b64)) : -1;

	free(b64);
	return rc;
}

/* serde_json takes whitespace after the value */
static bool only_space(const char *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++, n--;
	return !n;
}

/*
 * What json-c's strict mode still takes and JSON (and serde_json) does
 * not: a ' outside a string ('single-quoted' strings), and a control
 * character inside one.
 */
static bool not_json_lexically(const char *p, size_t n)
{
	bool in = false;

	for (size_t i = 0; i < n; i++) {
		if (in && (unsigned char)p[i] < 0x20)
			return true;
		if (in && p[i] == '\\')
			i++;
		else if (p[i] == '"')
			in = !in;
		else if (!in && p[i] == '\'')
			return true;
	}
	return false;
}

struct json_object *json_parse_strict(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root = NULL;

	if (!tok || len > (size_t)INT32_MAX) {
		json_tokener_free(tok);
		return NULL;
	}
	/* serde_json's grammar: no comments, trailing commas, bad UTF-8 */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, text ? text : "", (int)len);
	if (root && (!only_space(text + json_tokener_get_parse_end(tok),
				 len - json_tokener_get_parse_end(tok)) ||
		     not_json_lexically(text, len))) {
		json_object_put(root);
		root = NULL;
	}
	json_tokener_free(tok);
	return root;
}

const char *json_string_member(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return NULL;
	return json_object_get_string(v);
}
