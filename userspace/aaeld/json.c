// SPDX-License-Identifier: GPL-2.0-or-later
/* Building JSON replies and evidence with json-c, one check per chain. */
#include <math.h>
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

/* The code unit of a \uXXXX escape at p (n bytes left), or -1. */
static long u_escape(const char *p, size_t n)
{
	char hex[5];
	char *end;
	long v;

	if (n < 6 || p[0] != '\\' || p[1] != 'u')
		return -1;
	memcpy(hex, p + 2, 4);
	hex[4] = 0;
	v = strtol(hex, &end, 16);
	return *end ? -1 : v;
}

/*
 * What json-c's strict mode still takes and JSON (and serde_json) does
 * not: a ' outside a string ('single-quoted' strings), a control character
 * inside one, and a \u escape of half a surrogate pair (json-c makes it
 * U+FFFD; serde_json refuses it).
 */
static bool not_json_lexically(const char *p, size_t n)
{
	bool in = false;

	for (size_t i = 0; i < n; i++) {
		long u;

		if (in && (unsigned char)p[i] < 0x20)
			return true;
		if (in && p[i] == '\\') {
			u = u_escape(p + i, n - i);
			if (u >= 0xdc00 && u <= 0xdfff)
				return true;
			if (u >= 0xd800 && u <= 0xdbff) {
				long lo = u_escape(p + i + 6, n - i - 6);

				if (lo < 0xdc00 || lo > 0xdfff)
					return true;
				i += 6;
			}
			i++;
		} else if (p[i] == '"') {
			in = !in;
		} else if (!in && p[i] == '\'') {
			return true;
		}
	}
	return false;
}

/* NaN, Infinity and numbers past a double's range (1e400): json-c takes
 * them as non-finite doubles, serde_json refuses them. */
static bool all_finite(struct json_object *o)
{
	switch (json_object_get_type(o)) {
	case json_type_double:
		return isfinite(json_object_get_double(o));
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(o); i++)
			if (!all_finite(json_object_array_get_idx(o, i)))
				return false;
		return true;
	case json_type_object: {
		json_object_object_foreach(o, k, v) {
			(void)k;
			if (!all_finite(v))
				return false;
		}
		return true;
	}
	default:
		return true;
	}
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
		     not_json_lexically(text, len) || !all_finite(root))) {
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
