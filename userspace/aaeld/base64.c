// SPDX-License-Identifier: GPL-2.0
/* base64 and base64url (JWT, JWK) on OpenSSL's block coder. */
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "aaeld.h"

char *b64_encode(const uint8_t *p, size_t n, bool url)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);

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

/* Standard or URL-safe base64, padded or not. */
int b64_decode(const char *s, uint8_t **out, size_t *len)
{
	size_t n = strlen(s), pad = 0;
	char *t = malloc(n + 4);
	int rc;

	if (!t)
		return -1;
	for (size_t i = 0; i < n; i++)
		t[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	while (n % 4)
		t[n++] = '=';
	t[n] = 0;
	while (pad < n && t[n - 1 - pad] == '=')
		pad++;
	*out = malloc(n / 4 * 3 + 1);
	rc = *out ? EVP_DecodeBlock(*out, (unsigned char *)t, (int)n) : -1;
	free(t);
	if (rc < 0 || pad > 2) {
		free(*out);
		*out = NULL;
		return -1;
	}
	*len = (size_t)rc - pad;
	return 0;
}
