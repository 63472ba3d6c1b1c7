// SPDX-License-Identifier: LGPL-2.1-or-later
/* base64 and base64url (RFC 4648 sections 4 and 5) on OpenSSL's block coder. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "util.h"

char *aael_b64_encode(const uint8_t *p, size_t n, bool url)
{
	char *out;

	if (n > (size_t)INT_MAX / 4 * 3)
		return NULL;
	out = malloc(4 * ((n + 2) / 3) + 1);
	if (!out)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	if (url) {
		char *w = out;

		for (char *r = out; *r; r++) {
			if (*r == '=')
				continue;
			*w++ = *r == '+' ? '-' : *r == '/' ? '_' : *r;
		}
		*w = 0;
	}
	return out;
}

static bool b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/*
 * EVP_DecodeBlock alone takes '=' anywhere and needs the padding, so the
 * input is checked and re-padded first; it also counts padding as decoded
 * zero bytes, which are taken off again.
 */
int aael_b64_decode(const char *s, uint8_t **out, size_t *len)
{
	size_t n = strlen(s), data = n, pad;
	char *t;
	int rc;

	*out = NULL;
	while (data && s[data - 1] == '=')
		data--;
	pad = n - data;
	if (pad > 2 || (pad && n % 4) || data % 4 == 1 || n > (size_t)INT_MAX / 2)
		return -EINVAL;
	t = malloc(data + 4);
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < data; i++) {
		char c = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];

		if (!b64_char(c)) {
			free(t);
			return -EINVAL;
		}
		t[i] = c;
	}
	n = data;
	while (n % 4)
		t[n++] = '=';
	t[n] = 0;
	pad = n - data;
	*out = malloc(n / 4 * 3 + 1);
	if (!*out) {
		free(t);
		return -ENOMEM;
	}
	rc = EVP_DecodeBlock(*out, (unsigned char *)t, (int)n);
	free(t);
	if (rc < 0 || (size_t)rc < pad) {
		free(*out);
		*out = NULL;
		return -EINVAL;
	}
	*len = (size_t)rc - pad;
	(*out)[*len] = 0;
	return 0;
}

static int b64url_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '-' ? 62 : c == '_' ? 63 : -1;
}

int aael_b64url_decode(const char *s, uint8_t **out, size_t *len)
{
	size_t n = strlen(s);

	*out = NULL;
	for (size_t i = 0; i < n; i++)
		if (b64url_value(s[i]) < 0)
			return -EINVAL;
	/* 2 symbols carry 8 bits (4 unused), 3 carry 16 (2 unused) */
	if (n % 4 == 2 && b64url_value(s[n - 1]) & 0x0f)
		return -EINVAL;
	if (n % 4 == 3 && b64url_value(s[n - 1]) & 0x03)
		return -EINVAL;
	return aael_b64_decode(s, out, len);
}
