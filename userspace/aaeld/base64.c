// SPDX-License-Identifier: GPL-2.0-or-later
/* base64 and base64url (JWT, JWK) on OpenSSL's block coder. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "aaeld.h"

char *b64_encode(const uint8_t *p, size_t n, bool url)
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

/*
 * Standard or URL-safe base64, padded or not. '=' is accepted only as the
 * padding at the very end (EVP_DecodeBlock alone would take it anywhere),
 * and the output is NUL-terminated after *len bytes because callers parse
 * JSON out of it. On error *out is NULL.
 */
int b64_decode(const char *s, uint8_t **out, size_t *len)
{
	size_t n = strlen(s), data = n, pad;
	char *t;
	int rc;

	*out = NULL;
	while (data && s[data - 1] == '=')
		data--;
	pad = n - data;
	if (pad > 2 || (pad && n % 4) || data % 4 == 1 || n > (size_t)INT_MAX / 2)
		return -1;
	t = malloc(data + 4);
	if (!t)
		return -1;
	for (size_t i = 0; i < data; i++) {
		char c = s[i];

		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			   (c >= '0' && c <= '9') || c == '+' || c == '/')) {
			free(t);
			return -1;
		}
		t[i] = c;
	}
	n = data;
	while (n % 4)
		t[n++] = '=';
	t[n] = 0;
	pad = n - data;
	*out = malloc(n / 4 * 3 + 1);
	rc = *out ? EVP_DecodeBlock(*out, (unsigned char *)t, (int)n) : -1;
	free(t);
	if (rc < 0 || (size_t)rc < pad) {
		free(*out);
		*out = NULL;
		return -1;
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

/*
 * What the REST server's decoder takes (the base64 crate's URL_SAFE_NO_PAD:
 * its default is to refuse padding and a last symbol whose unused bits are
 * not zero): only the URL-safe alphabet, no '=', and canonical.
 */
bool b64url_nopad_valid(const char *s)
{
	size_t n = strlen(s);
	int last;

	if (n % 4 == 1)
		return false;
	for (size_t i = 0; i < n; i++)
		if (b64url_value(s[i]) < 0)
			return false;
	if (!n || !(n % 4))
		return true;
	last = b64url_value(s[n - 1]);
	return !(last & (n % 4 == 2 ? 0x0f : 0x03));
}
