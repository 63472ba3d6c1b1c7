// SPDX-License-Identifier: GPL-2.0
/*
 * The KBS client's pure parts, apart from its network I/O so that the unit
 * tests can drive them: a reply's status and body to a parsed reply or an
 * error, the exp claim of a token, and the {token, tee_keypair} result.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "aaeld.h"

int kbs_seterr(struct kbs_error *e, int status, const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	va_start(ap, fmt);
	vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
	va_end(ap);
	return -1;
}

int kbs_reply_parse(long status, const char *body, const char *path,
		    struct json_object **reply, struct kbs_error *e)
{
	*reply = body ? json_tokener_parse(body) : NULL;
	if (status != 200) {
		struct json_object *d;
		const char *detail = body ? body : "";

		if (*reply && json_object_object_get_ex(*reply, "detail", &d))
			detail = json_object_get_string(d);
		kbs_seterr(e, 502, "KBS %s: HTTP %ld: %.180s", path, status, detail);
		json_object_put(*reply);
		return -1;
	}
	if (!*reply)
		return kbs_seterr(e, 502, "KBS %s: reply is not JSON", path);
	return 0;
}

static char *private_pem(EVP_PKEY *key)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *out = NULL;
	long n;

	if (bio && PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL)) {
		n = BIO_get_mem_data(bio, &data);
		out = strndup(data, (size_t)n);
	}
	BIO_free(bio);
	return out;
}

struct json_object *kbs_token_result(struct json_object *token, EVP_PKEY *key,
				     struct kbs_error *e)
{
	char *pem = private_pem(key);
	struct json_object *out = json_object_new_object();

	(void)e;
	json_object_object_add(out, "token", json_object_get(token));
	json_object_object_add(out, "tee_keypair", json_object_new_string(pem ? pem : ""));
	free(pem);
	return out;
}

/* exp of a JWT, or 0 */
long jwt_exp(const char *token)
{
	const char *p = strchr(token, '.'), *q;
	struct json_object *claims, *exp;
	uint8_t *payload;
	size_t len;
	long v = 0;
	char *seg;

	if (!p || !(q = strchr(p + 1, '.')))
		return 0;
	seg = strndup(p + 1, (size_t)(q - p - 1));
	if (seg && !b64_decode(seg, &payload, &len)) {
		claims = json_tokener_parse((char *)payload);
		if (claims && json_object_object_get_ex(claims, "exp", &exp))
			v = (long)json_object_get_int64(exp);
		json_object_put(claims);
		free(payload);
	}
	free(seg);
	return v;
}
