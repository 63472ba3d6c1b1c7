// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A TOML 1.0.0 reader for aa.toml, cdh.toml and Init-Data documents, into
 * a json-c tree; anything that is not TOML is refused with "line N: why".
 *
 * Written here rather than taken from Debian because bookworm packages no
 * C TOML library. Its C++ readers (toml++ 3.3.0, toml11, cpptoml) would
 * bring libstdc++, exceptions and one more library into the guest for a
 * shim to json-c, the tree the callers read; and toml++ 3.3.0, which passes
 * the toml-test cases, dies of a stack overflow on one dotted key of 50,000
 * parts, so a shim would still have to scan the TOML itself to bound it.
 * This reader is checked against the whole public toml-test suite
 * (tests/toml/run-toml-test, in make host) and fuzzed (tests/fuzz).
 *
 * Mapping: tables are json objects, arrays json arrays, integers int64,
 * floats doubles (inf and nan too), booleans booleans; date-times are
 * strings carrying their kind (toml_datetime_kind()), written in RFC 3339
 * form with 'T' and 'Z' upper case. Keys holding U+0000 are refused: a
 * json-c key is a C string.
 *
 * How each table came to be decides what may still be added to it (TOML
 * 1.0 "Table" and "Array of Tables"); that is kept in the json object's
 * userdata, which json-c leaves to its user.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "aaeld.h"

/* Bounds: nothing in a configuration nests this deep, and json-c frees
 * and prints trees recursively, so a hostile document must not nest more.
 */
#define MAX_KEY_PARTS	32
#define MAX_DEPTH	32

/* Table origins (userdata of a json object). */
#define T_IMPLICIT	1u	/* created on the way to a [header]'s table */
#define T_HEADER	2u	/* defined by its own [header] or [[header]] */
#define T_DOTTED	4u	/* created by a dotted key = value */
#define T_INLINE	8u	/* an inline table: closed once written */

/* Userdata of a json array made by [[header]]s (others can't grow). */
static char array_of_tables;
#define A_TABLES	((void *)&array_of_tables)

struct reader {
	const char *s;
	size_t len;
	size_t pos;
	char *err;
};

static int fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;
	size_t end = r->pos < r->len ? r->pos : r->len;
	int line = 1, n;

	for (size_t i = 0; i < end; i++)
		line += r->s[i] == '\n';
	n = snprintf(r->err, AAEL_ERRLEN, "line %d: ", line);
	va_start(ap, fmt);
	vsnprintf(r->err + n, AAEL_ERRLEN - n, fmt, ap);
	va_end(ap);
	return -1;
}

static int peek(const struct reader *r)
{
	return r->pos < r->len ? (unsigned char)r->s[r->pos] : -1;
}

static int peek_at(const struct reader *r, size_t off)
{
	return r->pos + off < r->len ? (unsigned char)r->s[r->pos + off] : -1;
}

static bool starts(const struct reader *r, const char *p)
{
	size_t n = strlen(p);

	return r->len - r->pos >= n && !memcmp(r->s + r->pos, p, n);
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_newline(const struct reader *r)
{
	return peek(r) == '\n' || (peek(r) == '\r' && peek_at(r, 1) == '\n');
}

static void skip_newline(struct reader *r)
{
	r->pos += peek(r) == '\r' ? 2 : 1;
}

static void skip_blank(struct reader *r)
{
	while (peek(r) == ' ' || peek(r) == '\t')
		r->pos++;
}

/* Control characters TOML allows nowhere but as escapes (tab aside). */
static bool is_control(int c)
{
	return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
}

static int check_byte(struct reader *r, const char *where)
{
	int c = peek(r);

	if (c == '\r')
		return fail(r, "carriage return without a line feed %s", where);
	if (is_control(c))
		return fail(r, "control character 0x%02x %s", c, where);
	return 0;
}

/* '#' to the end of the line (not consumed). */
static int comment(struct reader *r)
{
	if (peek(r) != '#')
		return 0;
	r->pos++;
	while (peek(r) != -1 && !is_newline(r)) {
		if (check_byte(r, "in a comment"))
			return -1;
		r->pos++;
	}
	return 0;
}

/* Blank, an optional comment, then the end of the line or document. */
static int end_of_line(struct reader *r)
{
	skip_blank(r);
	if (comment(r))
		return -1;
	if (peek(r) == -1)
		return 0;
	if (is_newline(r)) {
		skip_newline(r);
		return 0;
	}
	if (peek(r) == '\r')
		return fail(r, "carriage return without a line feed");
	return fail(r, isprint(peek(r)) ? "unexpected '%c'" : "unexpected byte 0x%02x",
		    peek(r));
}

/* Strict UTF-8 (no overlong forms, surrogates or values past U+10FFFF). */
static int check_utf8(struct reader *r)
{
	const unsigned char *s = (const unsigned char *)r->s;

	while (r->pos < r->len) {
		unsigned char c = s[r->pos];
		size_t need, i;
		unsigned long cp;

		if (c < 0x80) {
			r->pos++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, cp = c & 0x07;
		else
			return fail(r, "invalid UTF-8");
		if (r->len - r->pos <= need)
			return fail(r, "invalid UTF-8");
		for (i = 1; i <= need; i++) {
			if ((s[r->pos + i] & 0xc0) != 0x80)
				return fail(r, "invalid UTF-8");
			cp = cp << 6 | (s[r->pos + i] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return fail(r, "invalid UTF-8");
		r->pos += need + 1;
	}
	r->pos = 0;
	return 0;
}

static int buf_add(struct reader *r, struct aael_buf *b, const char *p, size_t n)
{
	return aael_buf_append(b, p, n) ? fail(r, "out of memory") : 0;
}

static int put_utf8(struct reader *r, struct aael_buf *b, unsigned long cp)
{
	char out[4];
	size_t n;

	if (cp < 0x80) {
		out[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		out[0] = (char)(0xf0 | cp >> 18);
		out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_add(r, b, out, n);
}

static int hex_value(int c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* After a backslash in a basic string. */
static int escape(struct reader *r, struct aael_buf *b, bool multi)
{
	static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
	int c = peek(r);
	const char *e;

	if (multi && (c == ' ' || c == '\t' || is_newline(r))) {
		/* Line-ending backslash: blanks, then a newline, are required. */
		skip_blank(r);
		if (!is_newline(r))
			return fail(r, "a line-ending backslash must end its line");
		while (peek(r) == ' ' || peek(r) == '\t' || is_newline(r))
			if (is_newline(r))
				skip_newline(r);
			else
				r->pos++;
		return 0;
	}
	if (c == 'u' || c == 'U') {
		int digits = c == 'u' ? 4 : 8;
		unsigned long cp = 0;

		r->pos++;
		for (int i = 0; i < digits; i++, r->pos++) {
			int h = hex_value(peek(r));

			if (h < 0)
				return fail(r, "\\%c needs %d hex digits", c, digits);
			cp = cp << 4 | (unsigned long)h;
		}
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return fail(r, "escape is not a Unicode scalar value");
		return put_utf8(r, b, cp);
	}
	e = c > 0 ? strchr(from, c) : NULL;
	if (!e)
		return fail(r, isprint(c) ? "unknown escape \\%c" : "unknown escape", c);
	r->pos++;
	return buf_add(r, b, to + (e - from), 1);
}

/*
 * "...", '...', """...""" and '''...''' into *b. A multi-line string may
 * end in up to two of its quotes right before the closing three.
 */
static int string_into(struct reader *r, struct aael_buf *b, bool key)
{
	char q = (char)peek(r);
	char delim[4] = { q, q, q, 0 };
	bool multi = starts(r, delim);

	if (multi && key)
		return fail(r, "a multi-line string cannot be a key");
	r->pos += multi ? 3 : 1;
	if (multi && is_newline(r))
		skip_newline(r);
	for (;;) {
		int c = peek(r);

		if (c == -1 || (!multi && (c == '\n' || is_newline(r))))
			return fail(r, "unterminated string");
		if (c == q) {
			size_t run = 0;

			if (!multi) {
				r->pos++;
				return 0;
			}
			while (peek_at(r, run) == q)
				run++;
			if (run > 5)
				return fail(r, "too many quotes at the end of a string");
			if (run < 3) {
				if (buf_add(r, b, r->s + r->pos, run))
					return -1;
				r->pos += run;
				continue;
			}
			if (buf_add(r, b, r->s + r->pos, run - 3))
				return -1;
			r->pos += run;
			return 0;
		}
		if (multi && is_newline(r)) {
			if (buf_add(r, b, r->s + r->pos, c == '\r' ? 2 : 1))
				return -1;
			skip_newline(r);
			continue;
		}
		if (check_byte(r, "in a string"))
			return -1;
		r->pos++;
		if (c == '\\' && q == '"') {
			if (escape(r, b, multi))
				return -1;
			continue;
		}
		if (buf_add(r, b, r->s + r->pos - 1, 1))
			return -1;
	}
}

static struct json_object *string(struct reader *r)
{
	struct aael_buf b = { 0 };
	struct json_object *o = NULL;

	if (!string_into(r, &b, false)) {
		if (b.len > INT32_MAX)
			fail(r, "string too long");
		else if (!(o = json_object_new_string_len(b.text ? b.text : "", (int)b.len)))
			fail(r, "out of memory");
	}
	aael_buf_free(&b);
	return o;
}

static bool bare_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) ||
	       c == '_' || c == '-';
}

struct key {
	char *part[MAX_KEY_PARTS];
	int n;
};

static void key_free(struct key *k)
{
	for (int i = 0; i < k->n; i++)
		free(k->part[i]);
	k->n = 0;
}

/* A key: bare or quoted parts joined by dots, blanks around the dots. */
static int key(struct reader *r, struct key *k)
{
	k->n = 0;
	for (;;) {
		struct aael_buf b = { 0 };

		skip_blank(r);
		if (k->n == MAX_KEY_PARTS) {
			key_free(k);
			return fail(r, "a key of more than %d parts", MAX_KEY_PARTS);
		}
		if (peek(r) == '"' || peek(r) == '\'') {
			if (string_into(r, &b, true))
				goto bad;
			if (memchr(b.text ? b.text : "", 0, b.len)) {
				fail(r, "keys holding U+0000 are not supported");
				goto bad;
			}
		} else {
			size_t start = r->pos;

			while (bare_char(peek(r)))
				r->pos++;
			if (r->pos == start) {
				fail(r, "expected a key");
				goto bad;
			}
			if (buf_add(r, &b, r->s + start, r->pos - start))
				goto bad;
		}
		if (buf_add(r, &b, "", 1))
			goto bad;
		k->part[k->n++] = b.text;
		skip_blank(r);
		if (peek(r) != '.')
			return 0;
		r->pos++;
		continue;
bad:
		aael_buf_free(&b);
		key_free(k);
		return -1;
	}
}

static unsigned int flags_of(struct json_object *o)
{
	return (unsigned int)(uintptr_t)json_object_get_userdata(o);
}

static void set_flags(struct json_object *o, unsigned int f)
{
	json_object_set_userdata(o, (void *)(uintptr_t)f, NULL);
}

static struct json_object *new_table(struct reader *r, struct json_object *in,
				     const char *k, unsigned int flags)
{
	struct json_object *t = json_object_new_object();

	if (!t || json_object_object_add(in, k, t)) {
		json_object_put(t);
		fail(r, "out of memory");
		return NULL;
	}
	set_flags(t, flags);
	return t;
}

static struct json_object *value(struct reader *r, int depth);

/*
 * key = value into table t. Dotted keys may create tables and go on into
 * tables that dotted keys created, never into one a [header] or an inline
 * table made (TOML 1.0: "Table", "Inline Table").
 */
static int keyval(struct reader *r, struct json_object *t, int depth)
{
	struct key k;
	struct json_object *x, *v;
	int i;

	if (key(r, &k))
		return -1;
	for (i = 0; i < k.n - 1; i++) {
		if (!json_object_object_get_ex(t, k.part[i], &x)) {
			t = new_table(r, t, k.part[i], T_DOTTED);
			if (!t)
				goto bad;
			continue;
		}
		if (!json_object_is_type(x, json_type_object) ||
		    flags_of(x) != T_DOTTED) {
			fail(r, "key \"%s\" is already defined: dotted keys cannot add to it",
			     k.part[i]);
			goto bad;
		}
		t = x;
	}
	if (peek(r) != '=') {
		fail(r, "expected '=' after a key");
		goto bad;
	}
	r->pos++;
	if (json_object_object_get_ex(t, k.part[i], NULL)) {
		fail(r, "key \"%s\" defined twice", k.part[i]);
		goto bad;
	}
	skip_blank(r);
	v = value(r, depth);
	if (!v)
		goto bad;
	if (json_object_object_add(t, k.part[i], v)) {
		json_object_put(v);
		fail(r, "out of memory");
		goto bad;
	}
	key_free(&k);
	return 0;
bad:
	key_free(&k);
	return -1;
}

/* Blanks, newlines and comments between array elements. */
static int array_space(struct reader *r)
{
	for (;;) {
		skip_blank(r);
		if (comment(r))
			return -1;
		if (!is_newline(r))
			return 0;
		skip_newline(r);
	}
}

static struct json_object *array(struct reader *r, int depth)
{
	struct json_object *a = json_object_new_array(), *v;

	if (!a) {
		fail(r, "out of memory");
		return NULL;
	}
	r->pos++;
	for (;;) {
		if (array_space(r))
			goto bad;
		if (peek(r) == ']')
			break;
		v = value(r, depth + 1);
		if (!v)
			goto bad;
		if (json_object_array_add(a, v)) {
			json_object_put(v);
			fail(r, "out of memory");
			goto bad;
		}
		if (array_space(r))
			goto bad;
		if (peek(r) == ',') {
			r->pos++;
			continue;
		}
		if (peek(r) != ']') {
			fail(r, "expected ',' or ']' in an array");
			goto bad;
		}
		break;
	}
	r->pos++;
	return a;
bad:
	json_object_put(a);
	return NULL;
}

/* { k = v, ... } on one line, no trailing comma (TOML 1.0). */
static struct json_object *inline_table(struct reader *r, int depth)
{
	struct json_object *t = json_object_new_object();

	if (!t) {
		fail(r, "out of memory");
		return NULL;
	}
	r->pos++;
	skip_blank(r);
	if (peek(r) != '}') {
		for (;;) {
			if (keyval(r, t, depth + 1))
				goto bad;
			skip_blank(r);
			if (peek(r) == '}')
				break;
			if (peek(r) != ',') {
				fail(r, "expected ',' or '}' in an inline table");
				goto bad;
			}
			r->pos++;
			skip_blank(r);
		}
	}
	r->pos++;
	set_flags(t, T_INLINE);
	return t;
bad:
	json_object_put(t);
	return NULL;
}

/* n digits at the reader into *v. */
static bool digits(struct reader *r, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!is_digit(peek(r)))
			return false;
		*v = *v * 10 + (peek(r) - '0');
		r->pos++;
	}
	return true;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* HH:MM:SS[.fraction]; seconds are required in TOML 1.0. */
static int time_of_day(struct reader *r)
{
	int h, m, s;

	if (!digits(r, 2, &h) || peek(r) != ':' || (r->pos++, !digits(r, 2, &m)) ||
	    peek(r) != ':' || (r->pos++, !digits(r, 2, &s)))
		return fail(r, "bad time: HH:MM:SS expected");
	if (h > 23 || m > 59 || s > 60)
		return fail(r, "time out of range");
	if (peek(r) == '.') {
		r->pos++;
		if (!is_digit(peek(r)))
			return fail(r, "bad time: digits expected after '.'");
		while (is_digit(peek(r)))
			r->pos++;
	}
	return 0;
}

/* Offset date-time, local date-time, local date or local time (RFC 3339). */
static struct json_object *datetime(struct reader *r)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	size_t start = r->pos;
	const char *kind;
	struct aael_buf b = { 0 };
	struct json_object *o = NULL;
	int y, mo, d;

	if (peek_at(r, 2) == ':') {
		if (time_of_day(r))
			return NULL;
		kind = "time-local";
		if (buf_add(r, &b, r->s + start, r->pos - start))
			return NULL;
		goto done;
	}
	if (!digits(r, 4, &y) || peek(r) != '-' || (r->pos++, !digits(r, 2, &mo)) ||
	    peek(r) != '-' || (r->pos++, !digits(r, 2, &d))) {
		fail(r, "bad date: YYYY-MM-DD expected");
		return NULL;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap(y))) {
		fail(r, "date out of range");
		return NULL;
	}
	if (buf_add(r, &b, r->s + start, r->pos - start))
		return NULL;
	kind = "date-local";
	if (peek(r) == 'T' || peek(r) == 't' ||
	    (peek(r) == ' ' && is_digit(peek_at(r, 1)))) {
		size_t t;

		r->pos++;
		t = r->pos;
		if (time_of_day(r) || buf_add(r, &b, "T", 1) ||
		    buf_add(r, &b, r->s + t, r->pos - t))
			goto bad;
		kind = "datetime-local";
		if (peek(r) == 'Z' || peek(r) == 'z') {
			r->pos++;
			kind = "datetime";
			if (buf_add(r, &b, "Z", 1))
				goto bad;
		} else if (peek(r) == '+' || peek(r) == '-') {
			int oh, om;

			t = r->pos++;
			if (!digits(r, 2, &oh) || peek(r) != ':' ||
			    (r->pos++, !digits(r, 2, &om))) {
				fail(r, "bad offset: +HH:MM expected");
				goto bad;
			}
			if (oh > 23 || om > 59) {
				fail(r, "offset out of range");
				goto bad;
			}
			kind = "datetime";
			if (buf_add(r, &b, r->s + t, r->pos - t))
				goto bad;
		}
	}
done:
	if (buf_add(r, &b, "", 1))
		goto bad;
	o = json_object_new_string(b.text);
	if (!o)
		fail(r, "out of memory");
	else
		json_object_set_userdata(o, (void *)kind, NULL);
bad:
	aael_buf_free(&b);
	return o;
}

const char *toml_datetime_kind(struct json_object *v)
{
	if (!json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_userdata(v);
}

/* Digits of the given base with single underscores between them. */
static bool digit_run(const char **p, const char *end, int base)
{
	const char *s = *p;

	for (;;) {
		if (s == end || (base == 16 ? hex_value(*s) : *s - '0') < 0 ||
		    (base == 16 ? hex_value(*s) : *s - '0') >= base)
			return false;
		s++;
		if (s < end && *s == '_') {
			s++;
			continue;
		}
		if (s < end && (base == 16 ? hex_value(*s) >= 0 :
				(*s >= '0' && *s - '0' < base)))
			continue;
		*p = s;
		return true;
	}
}

static struct json_object *number(struct reader *r)
{
	const char *s = r->s + r->pos, *p = s, *end = s;
	bool neg = false, is_float = false;
	char clean[128];
	size_t n = 0;
	int base = 10;

	while (end < r->s + r->len && (bare_char(*end) || *end == '+' || *end == '.'))
		end++;
	if (end - s >= (ptrdiff_t)sizeof(clean)) {
		fail(r, "number too long");
		return NULL;
	}
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (end - p == 3 && (!memcmp(p, "inf", 3) || !memcmp(p, "nan", 3))) {
		double d = *p == 'i' ? INFINITY : NAN;

		r->pos += (size_t)(end - s);
		return json_object_new_double(neg ? -d : d);
	}
	if (end - p > 2 && *p == '0' && (p[1] == 'x' || p[1] == 'o' || p[1] == 'b')) {
		if (p != s)
			goto bad;	/* no sign on hex, octal or binary */
		base = p[1] == 'x' ? 16 : p[1] == 'o' ? 8 : 2;
		p += 2;
		if (!digit_run(&p, end, base) || p != end)
			goto bad;
	} else {
		if (p < end && *p == '0')
			p++;
		else if (!digit_run(&p, end, 10))
			goto bad;
		if (p < end && *p == '.') {
			p++;
			is_float = true;
			if (!digit_run(&p, end, 10))
				goto bad;
		}
		if (p < end && (*p == 'e' || *p == 'E')) {
			p++;
			is_float = true;
			if (p < end && (*p == '+' || *p == '-'))
				p++;
			if (!digit_run(&p, end, 10))
				goto bad;
		}
		if (p != end)
			goto bad;
	}
	for (p = s + (base != 10 ? 2 : 0); p < end; p++)
		if (*p != '_')
			clean[n++] = *p;
	clean[n] = 0;
	r->pos += (size_t)(end - s);
	errno = 0;
	if (is_float) {
		double d = strtod(clean, NULL);

		if (errno == ERANGE && isinf(d)) {
			fail(r, "float out of range");
			return NULL;
		}
		return json_object_new_double(d);
	}
	long long v = strtoll(clean, NULL, base);

	if (errno == ERANGE) {
		fail(r, "integer out of range");
		return NULL;
	}
	return json_object_new_int64(v);
bad:
	fail(r, "bad number");
	return NULL;
}

static struct json_object *value(struct reader *r, int depth)
{
	int c = peek(r);
	struct json_object *o = NULL;

	if (depth > MAX_DEPTH) {
		fail(r, "arrays or inline tables nested more than %d deep", MAX_DEPTH);
		return NULL;
	}
	if (c == '"' || c == '\'')
		return string(r);
	if (c == '[')
		return array(r, depth);
	if (c == '{')
		return inline_table(r, depth);
	if (starts(r, "true") && !bare_char(peek_at(r, 4))) {
		r->pos += 4;
		o = json_object_new_boolean(1);
	} else if (starts(r, "false") && !bare_char(peek_at(r, 5))) {
		r->pos += 5;
		o = json_object_new_boolean(0);
	} else if (is_digit(c) && is_digit(peek_at(r, 1)) &&
		   ((is_digit(peek_at(r, 2)) && is_digit(peek_at(r, 3)) &&
		     peek_at(r, 4) == '-') || peek_at(r, 2) == ':')) {
		return datetime(r);
	} else if (c == '+' || c == '-' || is_digit(c) || c == 'i' || c == 'n') {
		return number(r);
	} else {
		fail(r, c == -1 || c == '\n' || c == '\r' || c == '#' ?
		     "missing value" : "unsupported value");
		return NULL;
	}
	if (!o)
		fail(r, "out of memory");
	return o;
}

/*
 * [a.b.c] or [[a.b.c]]: the table that key/value lines after it go to.
 * On the way, missing tables are made, arrays of tables lead into their
 * last table, and inline tables and other values are closed.
 */
static struct json_object *header(struct reader *r, struct json_object *root)
{
	bool aot = starts(r, "[[");
	struct json_object *t = root, *x;
	struct key k;
	char path[256] = "";
	int i;

	r->pos += aot ? 2 : 1;
	if (key(r, &k))
		return NULL;
	for (i = 0; i < k.n; i++)
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "%s%s",
			 i ? "." : "", k.part[i]);
	if (aot ? !starts(r, "]]") : peek(r) != ']') {
		fail(r, "expected '%s' after a table name", aot ? "]]" : "]");
		goto bad;
	}
	r->pos += aot ? 2 : 1;
	for (i = 0; i < k.n - 1; i++) {
		if (!json_object_object_get_ex(t, k.part[i], &x)) {
			t = new_table(r, t, k.part[i], T_IMPLICIT);
			if (!t)
				goto bad;
			continue;
		}
		if (json_object_is_type(x, json_type_array) &&
		    json_object_get_userdata(x) == A_TABLES) {
			t = json_object_array_get_idx(x, json_object_array_length(x) - 1);
			continue;
		}
		if (!json_object_is_type(x, json_type_object) || flags_of(x) & T_INLINE) {
			fail(r, "[%s]: \"%s\" is a value, not a table", path, k.part[i]);
			goto bad;
		}
		t = x;
	}
	if (!json_object_object_get_ex(t, k.part[i], &x)) {
		if (!aot) {
			t = new_table(r, t, k.part[i], T_HEADER);
			goto out;
		}
		x = json_object_new_array();
		if (!x || json_object_object_add(t, k.part[i], x)) {
			json_object_put(x);
			fail(r, "out of memory");
			goto bad;
		}
		json_object_set_userdata(x, A_TABLES, NULL);
	} else if (!aot) {
		if (!json_object_is_type(x, json_type_object) || flags_of(x) != T_IMPLICIT) {
			fail(r, "table [%s] defined twice", path);
			goto bad;
		}
		set_flags(x, T_HEADER);
		t = x;
		goto out;
	} else if (!json_object_is_type(x, json_type_array) ||
		   json_object_get_userdata(x) != A_TABLES) {
		fail(r, "[[%s]]: \"%s\" is already defined and not an array of tables",
		     path, k.part[i]);
		goto bad;
	}
	t = json_object_new_object();
	if (!t || json_object_array_add(x, t)) {
		json_object_put(t);
		fail(r, "out of memory");
		goto bad;
	}
	set_flags(t, T_HEADER);
out:
	key_free(&k);
	return t;
bad:
	key_free(&k);
	return NULL;
}

struct json_object *toml_parse(const char *text, size_t len, char *err)
{
	struct reader r = { .s = text, .len = len, .err = err };
	struct json_object *root = json_object_new_object();
	struct json_object *table = root;

	if (!root) {
		fail(&r, "out of memory");
		return NULL;
	}
	if (check_utf8(&r))
		goto bad;
	if (starts(&r, "\xef\xbb\xbf"))
		r.pos += 3;
	while (r.pos < r.len) {
		skip_blank(&r);
		if (peek(&r) == '[') {
			table = header(&r, root);
			if (!table)
				goto bad;
		} else if (peek(&r) != '#' && peek(&r) != -1 && !is_newline(&r)) {
			if (keyval(&r, table, 0))
				goto bad;
		}
		if (end_of_line(&r))
			goto bad;
	}
	return root;
bad:
	json_object_put(root);
	return NULL;
}
