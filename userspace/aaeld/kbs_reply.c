// SPDX-License-Identifier: GPL-2.0
/*
 * The KBS client's pure parts, apart from its network I/O so that the unit
 * tests can drive them: a reply's status and body to a parsed reply or an
 * error, the exp claim of a token, and the {token, tee_keypair} result.
 */
#include <limits.h>
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

int jadd(struct json_object *o, const char *key, struct json_object *v)
{
	if (!o || !v || json_object_object_add(o, key, v)) {
		json_object_put(v);
		return -1;
	}
	return 0;
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
		/* cleared: the caller puts whatever is left here (it was
		 * freed twice, and json-c aborted, on every refusal) */
		json_object_put(*reply);
		*reply = NULL;
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
		if (n > 0)
			out = strndup(data, (size_t)n);
	}
	BIO_free(bio);
	return out;
}

/* Without its private key the caller cannot open what the KBS encrypts to
 * the tee key: an export failure is an error, never an empty tee_keypair. */
struct json_object *kbs_token_result(struct json_object *token, EVP_PKEY *key,
				     struct kbs_error *e)
{
	char *pem = private_pem(key);
	struct json_object *out = NULL, *t = NULL, *k = NULL;

	if (!pem) {
		kbs_seterr(e, 500, "cannot export the tee key (PEM)");
		return NULL;
	}
	out = json_object_new_object();
	t = json_object_get(token);
	k = json_object_new_string(pem);
	free(pem);
	if (!out || !t || !k || json_object_object_add(out, "token", t)) {
		json_object_put(k);
		json_object_put(t);
		goto fail;
	}
	if (json_object_object_add(out, "tee_keypair", k)) {
		json_object_put(k);
		goto fail;
	}
	return out;
fail:
	json_object_put(out);
	kbs_seterr(e, 500, "out of memory for the token reply");
	return NULL;
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
		/* by length, not up to a NUL: the payload is data, not a string */
		struct json_tokener *tok = json_tokener_new();

		claims = tok && len <= INT_MAX ?
			json_tokener_parse_ex(tok, (char *)payload, (int)len) : NULL;
		if (claims && json_tokener_get_error(tok) != json_tokener_success) {
			json_object_put(claims);
			claims = NULL;
		}
		json_tokener_free(tok);
		if (claims && json_object_object_get_ex(claims, "exp", &exp))
			v = (long)json_object_get_int64(exp);
		json_object_put(claims);
		free(payload);
	}
	free(seg);
	return v;
}
