// SPDX-License-Identifier: GPL-2.0
/*
 * toml-test's decoder interface over aaeld's TOML reader: a TOML document
 * on stdin, its tagged JSON on stdout ({"type": ..., "value": "..."} for
 * every scalar; tables and arrays as JSON objects and arrays); a refused
 * document exits 1 with the reader's "line N: why" on stderr.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "aaeld.h"

static struct json_object *tagged(const char *type, const char *value)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "value", json_object_new_string(value));
	return o;
}

static struct json_object *convert(struct json_object *v)
{
	struct json_object *o;
	char num[64];
	double d;

	switch (json_object_get_type(v)) {
	case json_type_object:
		o = json_object_new_object();
		json_object_object_foreach(v, k, x)
			json_object_object_add(o, k, convert(x));
		return o;
	case json_type_array:
		o = json_object_new_array();
		for (size_t i = 0; i < json_object_array_length(v); i++)
			json_object_array_add(o, convert(json_object_array_get_idx(v, i)));
		return o;
	case json_type_string:
		if (toml_datetime_kind(v))
			return tagged(toml_datetime_kind(v), json_object_get_string(v));
		o = tagged("string", "");
		json_object_object_add(o, "value",
				       json_object_new_string_len(json_object_get_string(v),
								  json_object_get_string_len(v)));
		return o;
	case json_type_int:
		snprintf(num, sizeof(num), "%lld", (long long)json_object_get_int64(v));
		return tagged("integer", num);
	case json_type_double:
		d = json_object_get_double(v);
		if (isnan(d))
			snprintf(num, sizeof(num), "nan");
		else if (isinf(d))
			snprintf(num, sizeof(num), "%sinf", d < 0 ? "-" : "");
		else
			snprintf(num, sizeof(num), "%.17g", d);
		return tagged("float", num);
	case json_type_boolean:
		return tagged("bool", json_object_get_boolean(v) ? "true" : "false");
	default:
		return NULL;
	}
}

int main(void)
{
	size_t cap = 65536, n = 0, got;
	char *text = malloc(cap), err[AAEL_ERRLEN];
	struct json_object *doc, *out;

	while (text && (got = fread(text + n, 1, cap - n, stdin)) > 0) {
		n += got;
		if (n == cap)
			text = realloc(text, cap *= 2);
	}
	if (!text || ferror(stdin)) {
		fprintf(stderr, "toml-decoder: cannot read stdin\n");
		return 2;
	}
	doc = toml_parse(text, n, err);
	free(text);
	if (!doc) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	out = convert(doc);
	puts(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(out);
	json_object_put(doc);
	return 0;
}
