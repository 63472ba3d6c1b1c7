// SPDX-License-Identifier: GPL-2.0
/*
 * KBS attestation protocol client (Trustee, protocol 0.4.0): auth, then
 * attest with fresh evidence bound to the KBS nonce and an ephemeral EC
 * P-256 key, then the token. Tokens are cached until they expire.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "aaeld.h"

#define KBS_PROTOCOL	"0.4.0"
#define KBS_MAX_REPLY	(64 << 20)	/* tokens list every record */

struct buf {
	char *p;
	size_t n;
};

static size_t collect(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf *b = arg;
	size_t n = size * nmemb;
	char *p;

	if (b->n + n > KBS_MAX_REPLY)
		return 0;
	p = realloc(b->p, b->n + n + 1);
	if (!p)
		return 0;
	memcpy(p + b->n, data, n);
	b->p = p;
	b->n += n;
	b->p[b->n] = 0;
	return n;
}

/* POST a JSON body; the reply is parsed into *reply. */
static int post(CURL *h, const char *url, const char *path,
		struct json_object *body, struct json_object **reply,
		struct kbs_error *e)
{
	char full[2048];
	struct buf b = { 0 };
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
	const char *text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	long status = 0;
	CURLcode rc;
	int ret;

	*reply = NULL;
	if (!hdr || !text) {
		curl_slist_free_all(hdr);
		return kbs_seterr(e, 500, "out of memory for the KBS request");
	}
	snprintf(full, sizeof(full), "%s%s", url, path);
	curl_easy_setopt(h, CURLOPT_URL, full);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	rc = curl_easy_perform(h);
	curl_slist_free_all(hdr);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		free(b.p);
		return kbs_seterr(e, 503, "KBS %s unreachable: %s", full,
			      curl_easy_strerror(rc));
	}
	ret = kbs_reply_parse(status, b.p, path, reply, e);
	free(b.p);
	return ret;
}

/* {"kty","crv","alg","x","y"} of an EC P-256 public key. */
static struct json_object *jwk_of(EVP_PKEY *key)
{
	BIGNUM *x = NULL, *y = NULL;
	uint8_t bx[32], by[32];
	struct json_object *jwk = NULL;
	char *sx = NULL, *sy = NULL;

	if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_X, &x) ||
	    !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, &y) ||
	    BN_bn2binpad(x, bx, 32) != 32 || BN_bn2binpad(y, by, 32) != 32)
		goto out;
	sx = b64_encode(bx, 32, true);
	sy = b64_encode(by, 32, true);
	jwk = json_object_new_object();
	if (!sx || !sy ||
	    jadd(jwk, "alg", json_object_new_string("ECDH-ES+A256KW")) ||
	    jadd(jwk, "crv", json_object_new_string("P-256")) ||
	    jadd(jwk, "kty", json_object_new_string("EC")) ||
	    jadd(jwk, "x", json_object_new_string(sx)) ||
	    jadd(jwk, "y", json_object_new_string(sy))) {
		json_object_put(jwk);
		jwk = NULL;
	}
out:
	free(sx);
	free(sy);
	BN_free(x);
	BN_free(y);
	return jwk;
}

/*
 * SHA-384 of the RFC 8785 canonical JSON of
 * {"additional-evidence": "", "nonce": nonce, "tee-pubkey": jwk}. Every
 * member name is ASCII and the objects are built in sorted order, so
 * json-c's compact output with unescaped '/' is the canonical form.
 */
static int report_data(const char *nonce, struct json_object *jwk,
		       uint8_t out[48])
{
	struct json_object *o = json_object_new_object();
	const char *s = NULL;
	unsigned int n;
	int rc = -1;

	if (!jadd(o, "additional-evidence", json_object_new_string("")) &&
	    !jadd(o, "nonce", json_object_new_string(nonce)) &&
	    !jadd(o, "tee-pubkey", json_object_get(jwk)))
		s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						   JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s && EVP_Digest(s, strlen(s), out, &n, EVP_sha384(), NULL))
		rc = 0;
	json_object_put(o);
	return rc;
}

static struct json_object *attest(const struct aaeld_config *c, enum tee tee,
				  CURL *h, struct kbs_error *e)
{
	struct json_object *req, *rep = NULL, *v, *jwk = NULL, *ev = NULL;
	struct json_object *out = NULL;
	EVP_PKEY *key = NULL;
	char err[AAEL_ERRLEN];
	char nonce[256];
	uint8_t rd[48];

	req = json_object_new_object();
	if (jadd(req, "version", json_object_new_string(KBS_PROTOCOL)) ||
	    jadd(req, "tee", json_object_new_string(tee_name(tee))) ||
	    jadd(req, "extra-params", json_object_new_string(""))) {
		kbs_seterr(e, 500, "out of memory for the KBS request");
		goto out;
	}
	if (post(h, c->kbs_url, "/kbs/v0/auth", req, &rep, e))
		goto out;
	if (!json_object_object_get_ex(rep, "nonce", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) >= (int)sizeof(nonce)) {
		kbs_seterr(e, 502, "KBS auth: no nonce in the reply");
		goto out;
	}
	snprintf(nonce, sizeof(nonce), "%s", json_object_get_string(v));

	key = EVP_EC_gen("P-256");
	jwk = key ? jwk_of(key) : NULL;
	if (!jwk) {
		kbs_seterr(e, 500, "cannot make an EC P-256 key");
		goto out;
	}
	if (report_data(nonce, jwk, rd)) {
		kbs_seterr(e, 500, "cannot hash the runtime data");
		goto out;
	}
	ev = evidence_get(tee, rd, sizeof(rd), err);
	if (!ev) {
		/* as GET /aa/evidence answers it (aaeld(8)) */
		kbs_seterr(e, 503, "evidence: %s", err);
		goto out;
	}
	json_object_put(req);
	json_object_put(rep);
	rep = NULL;
	req = json_object_new_object();
	if (!req)
		goto nomem;
	if (c->initdata) {
		struct json_object *id = json_object_new_object();

		if (jadd(id, "format", json_object_new_string("toml")) ||
		    jadd(id, "body", json_object_new_string(c->initdata))) {
			json_object_put(id);
			goto nomem;
		}
		if (jadd(req, "init-data", id))	/* id released */
			goto nomem;
	}
	v = json_object_new_object();
	if (jadd(v, "nonce", json_object_new_string(nonce)) ||
	    jadd(v, "tee-pubkey", json_object_get(jwk))) {
		json_object_put(v);
		goto nomem;
	}
	if (jadd(req, "runtime-data", v))
		goto nomem;
	v = json_object_new_object();
	if (jadd(v, "primary_evidence", ev)) {	/* ev released */
		ev = NULL;
		json_object_put(v);
		goto nomem;
	}
	ev = NULL;
	if (jadd(v, "additional_evidence", json_object_new_string(""))) {
		json_object_put(v);
		goto nomem;
	}
	if (jadd(req, "tee-evidence", v))
		goto nomem;
	if (post(h, c->kbs_url, "/kbs/v0/attest", req, &rep, e))
		goto out;
	if (!json_object_object_get_ex(rep, "token", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		kbs_seterr(e, 502, "KBS attest: no token in the reply");
		goto out;
	}
	out = kbs_token_result(v, key, e);
	goto out;
nomem:
	kbs_seterr(e, 500, "out of memory for the KBS request");
out:
	json_object_put(req);
	json_object_put(rep);
	json_object_put(jwk);
	json_object_put(ev);
	EVP_PKEY_free(key);
	return out;
}

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct json_object *cached;
static long cached_exp;

struct json_object *kbs_token(const struct aaeld_config *c, enum tee tee,
			      struct kbs_error *e)
{
	struct json_object *out, *t;
	CURL *h;

	if (!c->kbs_url) {
		kbs_seterr(e, 503, "no KBS configured ([token_configs.kbs] url in aa.toml)");
		return NULL;
	}
	pthread_mutex_lock(&cache_lock);
	/*
	 * A token is reused until a minute before it expires. Each caller
	 * gets a copy, and the cache keeps one of its own: json-c objects are
	 * not thread-safe (reference counts, the serialisation buffer), and
	 * callers serialise theirs on several threads at once.
	 */
	if (cached && time(NULL) + 60 < cached_exp) {
		out = NULL;
		if (json_object_deep_copy(cached, &out, NULL)) {
			json_object_put(out);
			out = NULL;
			kbs_seterr(e, 500, "out of memory for the token");
		}
		pthread_mutex_unlock(&cache_lock);
		return out;
	}
	h = curl_easy_init();
	if (!h) {
		pthread_mutex_unlock(&cache_lock);
		kbs_seterr(e, 500, "cannot start a KBS connection (curl)");
		return NULL;
	}
	curl_easy_setopt(h, CURLOPT_COOKIEFILE, "");
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (c->kbs_cert) {
		struct curl_blob ca = { .data = c->kbs_cert,
					.len = strlen(c->kbs_cert),
					.flags = CURL_BLOB_COPY };

		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
	}
	out = attest(c, tee, h, e);
	curl_easy_cleanup(h);
	if (out && json_object_object_get_ex(out, "token", &t)) {
		struct json_object *copy = NULL;

		if (!json_object_deep_copy(out, &copy, NULL)) {
			json_object_put(cached);
			cached = copy;
			cached_exp = jwt_exp(json_object_get_string(t));
		} else {
			json_object_put(copy);
		}
	}
	pthread_mutex_unlock(&cache_lock);
	return out;
}
