// SPDX-License-Identifier: GPL-2.0
/*
 * A small, strict TOML reader for aa.toml and Init-Data documents (Debian
 * has no C TOML library). It reads what those files use -- tables, dotted
 * and quoted keys, basic/literal strings (multi-line too), integers,
 * booleans, arrays of those -- into a json-c tree, and refuses anything
 * else with "line N: why". Duplicate keys and tables are errors, as in TOML.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "aaeld.h"

struct reader {
	const char *s;
	size_t len;
	size_t pos;
	int line;
	char *err;
};

static int fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(r->err, AAEL_ERRLEN, "line %d: ", r->line);
	va_start(ap, fmt);
	vsnprintf(r->err + n, AAEL_ERRLEN - n, fmt, ap);
	va_end(ap);
	return -1;
}

static int peek(struct reader *r)
{
	return r->pos < r->len ? (unsigned char)r->s[r->pos] : -1;
}

static bool starts(struct reader *r, const char *p)
{
	size_t n = strlen(p);

	return r->len - r->pos >= n && !memcmp(r->s + r->pos, p, n);
}

static void skip_blank(struct reader *r)
{
	while (peek(r) == ' ' || peek(r) == '\t')
		r->pos++;
}

/* Blank, then an optional comment, then the end of the line or file. */
static int end_of_line(struct reader *r)
{
	skip_blank(r);
	if (peek(r) == '#')
		while (peek(r) != -1 && peek(r) != '\n')
			r->pos++;
	if (peek(r) == '\r')
		r->pos++;
	if (peek(r) == '\n') {
		r->pos++;
		r->line++;
		return 0;
	}
	return peek(r) == -1 ? 0 : fail(r, "unexpected '%c'", peek(r));
}

static int put_utf8(char *out, unsigned long cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* "..." or """...""" (escapes) and '...' or '''...''' (none). */
static struct json_object *string(struct reader *r)
{
	char q = (char)peek(r);
	bool multi = starts(r, q == '"' ? "\"\"\"" : "'''");
	char *out = malloc(r->len - r->pos + 1);
	size_t n = 0;
	struct json_object *o;

	if (!out)
		return NULL;
	r->pos += multi ? 3 : 1;
	/* A newline right after the opening quotes is not content. */
	if (multi && starts(r, "\n")) {
		r->pos++;
		r->line++;
	} else if (multi && starts(r, "\r\n")) {
		r->pos += 2;
		r->line++;
	}
	for (;;) {
		int c = peek(r);

		if (c == -1 || (!multi && c == '\n')) {
			free(out);
			fail(r, "unterminated string");
			return NULL;
		}
		if (multi ? starts(r, q == '"' ? "\"\"\"" : "'''") : c == q) {
			r->pos += multi ? 3 : 1;
			break;
		}
		r->pos++;
		if (c == '\n')
			r->line++;
		if (c != '\\' || q == '\'') {
			out[n++] = (char)c;
			continue;
		}
		c = peek(r);
		r->pos++;
		switch (c) {
		case 'n': out[n++] = '\n'; break;
		case 't': out[n++] = '\t'; break;
		case 'r': out[n++] = '\r'; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case '"': out[n++] = '"'; break;
		case '\\': out[n++] = '\\'; break;
		case 'u':
		case 'U': {
			int digits = c == 'u' ? 4 : 8;
			unsigned long cp = 0;

			for (int i = 0; i < digits; i++, r->pos++) {
				if (!isxdigit(peek(r))) {
					free(out);
					fail(r, "bad \\%c escape", c);
					return NULL;
				}
				cp = cp * 16 + (unsigned long)(isdigit(peek(r)) ?
					peek(r) - '0' : (tolower(peek(r)) - 'a' + 10));
			}
			if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
				free(out);
				fail(r, "escape is not a Unicode scalar value");
				return NULL;
			}
			n += (size_t)put_utf8(out + n, cp);
			break;
		}
		case '\n':
			if (multi) {	/* line-ending backslash: trim */
				r->line++;
				while (isspace(peek(r))) {
					if (peek(r) == '\n')
						r->line++;
					r->pos++;
				}
				break;
			}
			/* fall through */
		default:
			free(out);
			fail(r, "unknown escape \\%c", c == -1 ? ' ' : c);
			return NULL;
		}
	}
	o = json_object_new_string_len(out, (int)n);
	free(out);
	return o;
}

static bool bare_char(int c)
{
	return isalnum(c) || c == '_' || c == '-';
}

/* One key part: bare or quoted. Returns a malloc'd string. */
static char *key_part(struct reader *r)
{
	struct json_object *s;
	char *k;

	skip_blank(r);
	if (peek(r) == '"' || peek(r) == '\'') {
		if (starts(r, "\"\"\"") || starts(r, "'''")) {
			fail(r, "multi-line strings cannot be keys");
			return NULL;
		}
		s = string(r);
		if (!s)
			return NULL;
		k = strdup(json_object_get_string(s));
		json_object_put(s);
		return k;
	}
	size_t start = r->pos;

	while (bare_char(peek(r)))
		r->pos++;
	if (r->pos == start) {
		fail(r, "expected a key");
		return NULL;
	}
	return strndup(r->s + start, r->pos - start);
}

static struct json_object *value(struct reader *r, int depth);

static struct json_object *array(struct reader *r, int depth)
{
	struct json_object *a = json_object_new_array();

	r->pos++;
	for (;;) {
		while (isspace(peek(r)) || peek(r) == '#') {
			if (peek(r) == '#')
				while (peek(r) != -1 && peek(r) != '\n')
					r->pos++;
			else if (peek(r) == '\n')
				r->line++, r->pos++;
			else
				r->pos++;
		}
		if (peek(r) == ']') {
			r->pos++;
			return a;
		}
		struct json_object *v = value(r, depth + 1);

		if (!v) {
			json_object_put(a);
			return NULL;
		}
		json_object_array_add(a, v);
		while (isspace(peek(r))) {
			if (peek(r) == '\n')
				r->line++;
			r->pos++;
		}
		if (peek(r) == ',')
			r->pos++;
		else if (peek(r) != ']') {
			json_object_put(a);
			fail(r, "expected ',' or ']' in array");
			return NULL;
		}
	}
}

static struct json_object *value(struct reader *r, int depth)
{
	int c;

	skip_blank(r);
	c = peek(r);
	if (depth > 16) {
		fail(r, "arrays nested too deeply");
		return NULL;
	}
	if (c == '"' || c == '\'')
		return string(r);
	if (c == '[')
		return array(r, depth);
	if (starts(r, "true") && !bare_char(r->pos + 4 < r->len ? r->s[r->pos + 4] : 0)) {
		r->pos += 4;
		return json_object_new_boolean(1);
	}
	if (starts(r, "false") && !bare_char(r->pos + 5 < r->len ? r->s[r->pos + 5] : 0)) {
		r->pos += 5;
		return json_object_new_boolean(0);
	}
	if (c == '+' || c == '-' || isdigit(c)) {
		size_t start = r->pos;
		char buf[32];
		char *end;
		long long v;

		r->pos++;
		while (isdigit(peek(r)) || peek(r) == '_')
			r->pos++;
		if (r->pos - start >= sizeof(buf) || bare_char(peek(r)) || peek(r) == '.') {
			fail(r, "only decimal integers are supported");
			return NULL;
		}
		size_t n = 0;

		for (size_t i = start; i < r->pos; i++)
			if (r->s[i] != '_')
				buf[n++] = r->s[i];
		buf[n] = 0;
		v = strtoll(buf, &end, 10);
		if (*end || (n > 1 && (buf[0] == '0' || ((buf[0] == '+' || buf[0] == '-') && buf[1] == '0')))) {
			fail(r, "bad integer");
			return NULL;
		}
		return json_object_new_int64(v);
	}
	fail(r, c == -1 || c == '\n' ? "missing value" : "unsupported value");
	return NULL;
}

/* Walk (creating) the tables of a dotted key; the last part is left in *last. */
static struct json_object *walk(struct reader *r, struct json_object *t,
				char **last, bool header)
{
	char *k = key_part(r);

	while (k) {
		skip_blank(r);
		if (peek(r) != '.') {
			*last = k;
			return t;
		}
		r->pos++;
		struct json_object *next;

		if (json_object_object_get_ex(t, k, &next)) {
			if (!json_object_is_type(next, json_type_object)) {
				fail(r, "\"%s\" is not a table", k);
				free(k);
				return NULL;
			}
		} else {
			next = json_object_new_object();
			json_object_object_add(t, k, next);
		}
		free(k);
		t = next;
		k = key_part(r);
	}
	(void)header;
	return NULL;
}

struct json_object *toml_parse(const char *text, size_t len, char *err)
{
	struct reader r = { .s = text, .len = len, .line = 1, .err = err };
	struct json_object *root = json_object_new_object();
	struct json_object *defined = json_object_new_object();
	struct json_object *table = root;

	if (memchr(text, 0, len)) {
		fail(&r, "NUL byte in document");
		goto bad;
	}
	while (r.pos < r.len) {
		skip_blank(&r);
		if (peek(&r) == '#' || peek(&r) == '\n' || peek(&r) == '\r') {
			if (end_of_line(&r))
				goto bad;
			continue;
		}
		if (peek(&r) == '[') {
			char *last, path[512];
			struct json_object *t, *x;

			r.pos++;
			if (peek(&r) == '[') {
				fail(&r, "arrays of tables are not supported");
				goto bad;
			}
			size_t start = r.pos;

			t = walk(&r, root, &last, true);
			if (!t)
				goto bad;
			snprintf(path, sizeof(path), "%.*s", (int)(r.pos - start), text + start);
			skip_blank(&r);
			if (peek(&r) != ']') {
				free(last);
				fail(&r, "expected ']'");
				goto bad;
			}
			r.pos++;
			if (json_object_object_get_ex(t, last, &x)) {
				if (!json_object_is_type(x, json_type_object) ||
				    json_object_object_get_ex(defined, path, NULL)) {
					fail(&r, "table [%s] defined twice", path);
					free(last);
					goto bad;
				}
			} else {
				x = json_object_new_object();
				json_object_object_add(t, last, x);
			}
			json_object_object_add(defined, path, NULL);
			free(last);
			table = x;
			if (end_of_line(&r))
				goto bad;
			continue;
		}
		char *last;
		struct json_object *t = walk(&r, table, &last, false), *v;

		if (!t)
			goto bad;
		skip_blank(&r);
		if (peek(&r) != '=') {
			free(last);
			fail(&r, "expected '=' after a key");
			goto bad;
		}
		r.pos++;
		if (json_object_object_get_ex(t, last, NULL)) {
			fail(&r, "key \"%s\" defined twice", last);
			free(last);
			goto bad;
		}
		v = value(&r, 0);
		if (!v) {
			free(last);
			goto bad;
		}
		json_object_object_add(t, last, v);
		free(last);
		if (end_of_line(&r))
			goto bad;
	}
	json_object_put(defined);
	return root;
bad:
	json_object_put(defined);
	json_object_put(root);
	return NULL;
}
