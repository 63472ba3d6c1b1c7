/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libaael's private helpers, shared with aaelctl and aaeld (which link
 * libaael.a) and the unit tests; not installed, not exported by libaael.so
 * (its version script lists only what aael.h declares). The aael_ prefix
 * keeps them out of the way of a program that links libaael.a.
 *
 * Errors follow docs/ARCHITECTURE.md "Errors in userspace".
 */
#ifndef AAEL_UTIL_H
#define AAEL_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Write one line (AAEL_ERRLEN bytes at most, truncated) into err and return
 * rc, so that a failure is reported and returned in one statement:
 *	return aael_seterr(err, -EINVAL, "bad %s", what);
 * err may be NULL (the message is then dropped).
 */
int aael_seterr(char *err, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* ... with the arguments as a va_list, for a caller's own wrapper */
int aael_vseterr(char *err, int rc, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/*
 * base64 of n bytes, NUL-terminated and malloc'd: standard alphabet and
 * padded, or with url the URL-safe alphabet unpadded (JWT, JWK). NULL when
 * out of memory or n is too large for OpenSSL's coder.
 */
char *aael_b64_encode(const uint8_t *p, size_t n, bool url);

/*
 * Decode standard or URL-safe base64, padded or not. '=' only as the
 * padding at the very end, at most 2 and only to a multiple of 4; no
 * whitespace. *out is malloc'd and NUL-terminated after *len bytes (callers
 * parse JSON out of it). Returns 0, or -EINVAL (-ENOMEM) with *out NULL.
 */
int aael_b64_decode(const char *s, uint8_t **out, size_t *len);

/*
 * Decode base64url without padding as the Rust base64 crate's
 * URL_SAFE_NO_PAD engine does (the REST server's runtime_data, kbs_types'
 * JWE members): only the URL-safe alphabet, no '=', and canonical -- the
 * unused low bits of the last symbol zero. Otherwise as aael_b64_decode.
 */
int aael_b64url_decode(const char *s, uint8_t **out, size_t *len);

/*
 * A growable buffer. Zero-initialise it, optionally setting max (the most
 * bytes it may hold; 0 means no bound) and secret (it will hold keys or
 * tokens: growing copies and wipes the old block instead of realloc'ing,
 * and aael_buf_free wipes it). While data is not NULL, data[len] is a NUL
 * byte, so text can be parsed in place. Take data as the result (it is
 * malloc'd) or release it with aael_buf_free.
 */
struct aael_buf {
	union {
		uint8_t *data;
		char *text;
	};
	size_t len;
	size_t cap;			/* bytes data can hold before the NUL */
	size_t max;
	bool secret;
};

/*
 * Room for n more bytes at data + len (and the NUL after them): a caller
 * writing there itself (inflate, fread) then adds what it wrote to len and
 * writes data[len] = 0. Returns 0, -E2BIG when len + n would pass max, or
 * -ENOMEM; the buffer is unchanged on error.
 */
int aael_buf_reserve(struct aael_buf *b, size_t n);
/* Append n bytes; same returns, nothing appended on error. */
int aael_buf_append(struct aael_buf *b, const void *p, size_t n);
/* Free data (wiped first if secret) and zero everything but max, secret. */
void aael_buf_free(struct aael_buf *b);

/*
 * A whole file, malloc'd, NUL-terminated after *len bytes (so text files
 * can be parsed in place). max bounds it (0: no bound). Returns NULL with
 * err set to "PATH: why" (strerror, or "larger than MAX bytes").
 * aael_read_stream reads an open stream to its end, named name in errors
 * (aaelctl reads "-" as stdin with it); the stream is not closed.
 */
void *aael_read_file(const char *path, size_t max, size_t *len, char *err);
void *aael_read_stream(FILE *f, const char *name, size_t max, size_t *len,
		       char *err);

#endif
