// SPDX-License-Identifier: LGPL-2.1-or-later
/* A growable byte buffer with a bound, that can hold secrets. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

#include "util.h"

/* Small replies and records stay small; logs double from here. */
#define BUF_FIRST	256

int aael_buf_reserve(struct aael_buf *b, size_t n)
{
	size_t max = b->max ? b->max : SIZE_MAX - 1;
	size_t cap = b->cap ? b->cap : BUF_FIRST;
	uint8_t *p;

	if (n > max || b->len > max - n)
		return -E2BIG;
	if (b->data && b->cap - b->len >= n)
		return 0;
	while (cap < b->len + n)
		cap = cap > max / 2 ? max : 2 * cap;
	if (cap > max)
		cap = max;
	if (!b->secret) {
		p = realloc(b->data, cap + 1);
	} else {
		/* realloc could leave a copy of the secret in freed memory */
		p = malloc(cap + 1);
		if (p && b->data) {
			memcpy(p, b->data, b->len + 1);
			OPENSSL_cleanse(b->data, b->cap + 1);
			free(b->data);
		}
	}
	if (!p)
		return -ENOMEM;
	if (!b->data)
		p[0] = 0;
	b->data = p;
	b->cap = cap;
	return 0;
}

int aael_buf_append(struct aael_buf *b, const void *p, size_t n)
{
	int rc = aael_buf_reserve(b, n);

	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
	return 0;
}

void aael_buf_free(struct aael_buf *b)
{
	if (b->secret && b->data)
		OPENSSL_cleanse(b->data, b->cap + 1);
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}
