// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * KBS attestation protocol client (Trustee, protocol 0.4.0) as the
 * attestation agent's (guest-components attestation-agent/kbs_protocol/
 * src/client/rcar_client.rs; attestation-agent/src/token/kbs.rs): every
 * token request makes a new tee key and a new session (auth, then attest
 * with fresh evidence bound to the KBS nonce and that key); the handshake
 * is tried up to 5 times. No token is kept: one issued earlier would not
 * cover the events recorded since, and a key shared between callers would
 * let each open what the KBS sends the others.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "aaeld.h"
#include "jwe.h"
#include "kbs.h"

#define KBS_PROTOCOL	"0.4.0"
#define KBS_MAX_REPLY	(64 << 20)	/* tokens list every record */
/* rcar_client.rs RCAR_MAX_ATTEMPT, RCAR_RETRY_TIMEOUT_SECOND: any failure
 * of a handshake (unreachable, refused, bad reply, no evidence) is retried */
#define KBS_ATTEMPTS	5
#define KBS_RETRY_SECONDS 1
/* kbs_protocol/src/builder.rs KBS_REQ_TIMEOUT_SEC, per request */
#define KBS_TIMEOUT	60L

/* Replies carry tokens and, for resources, what is opened into secrets:
 * held in a buffer that wipes what it gives back. */
#define REPLY_BUF { .max = KBS_MAX_REPLY, .secret = true }

static size_t collect(char *data, size_t size, size_t nmemb, void *arg)
{
	size_t n = size * nmemb;

	return aael_buf_append(arg, data, n) ? 0 : n;
}

/* POST a JSON body; the reply is parsed into *reply. */
static int post(CURL *h, const char *url, const char *path,
		struct json_object *body, struct json_object **reply,
		struct kbs_error *e)
{
	char full[2048];
	struct aael_buf b = REPLY_BUF;
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
		aael_buf_free(&b);
		return kbs_seterr(e, 503, "KBS %s unreachable: %s", full,
			      curl_easy_strerror(rc));
	}
	ret = kbs_reply_parse(status, b.text, path, reply, e);
	aael_buf_free(&b);
	return ret;
}

/* The key and where the handshake goes: one token request's. */
struct session {
	const struct aaeld_config *c;
	const struct tee_provider *tee;
	const char *url;		/* without trailing '/' */
	struct json_object *jwk;	/* the tee key's public half */
	CURL *h;
};

/* One handshake; the token string, or NULL with e set. */
static struct json_object *attest(struct session *s, struct kbs_error *e)
{
	struct json_object *req, *rep = NULL, *v, *ev = NULL, *token = NULL;
	const EVP_MD *md;
	char err[AAEL_ERRLEN];
	char nonce[256];
	uint8_t rd[64];
	size_t rd_len;

	req = json_object_new_object();
	if (jadd(req, "version", json_object_new_string(KBS_PROTOCOL)) ||
	    jadd(req, "tee", json_object_new_string(s->tee->name)) ||
	    jadd(req, "extra-params", kbs_request_extra_params())) {
		kbs_seterr(e, 500, "out of memory for the KBS request");
		goto out;
	}
	if (post(s->h, s->url, "/kbs/v0/auth", req, &rep, e))
		goto out;
	if (!json_object_object_get_ex(rep, "nonce", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    json_object_get_string_len(v) >= (int)sizeof(nonce)) {
		kbs_seterr(e, 502, "KBS auth: no nonce in the reply");
		goto out;
	}
	snprintf(nonce, sizeof(nonce), "%s", json_object_get_string(v));
	if (kbs_hash_selected(rep, &md, e))
		goto out;
	if (kbs_runtime_digest(nonce, s->jwk, md, rd, &rd_len)) {
		kbs_seterr(e, 500, "cannot hash the runtime data");
		goto out;
	}
	ev = evidence_get(s->tee, rd, rd_len, err);
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
	if (s->c->initdata) {
		struct json_object *id = json_object_new_object();

		if (jadd(id, "format", json_object_new_string("toml")) ||
		    jadd(id, "body", json_object_new_string(s->c->initdata))) {
			json_object_put(id);
			goto nomem;
		}
		if (jadd(req, "init-data", id))	/* id released */
			goto nomem;
	}
	v = json_object_new_object();
	if (jadd(v, "nonce", json_object_new_string(nonce)) ||
	    jadd(v, "tee-pubkey", json_object_get(s->jwk))) {
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
	if (post(s->h, s->url, "/kbs/v0/attest", req, &rep, e))
		goto out;
	if (!json_object_object_get_ex(rep, "token", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		kbs_seterr(e, 502, "KBS attest: no token in the reply");
		goto out;
	}
	token = json_object_get(v);
	goto out;
nomem:
	kbs_seterr(e, 500, "out of memory for the KBS request");
out:
	json_object_put(req);
	json_object_put(rep);
	json_object_put(ev);
	return token;
}

static CURL *connection(const char *cert)
{
	CURL *h = curl_easy_init();

	if (!h)
		return NULL;
	/* the session cookie of /auth goes back with /attest */
	/* a KBS is http(s): a file:// or other URL from aa.toml is refused */
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_COOKIEFILE, "");
	curl_easy_setopt(h, CURLOPT_TIMEOUT, KBS_TIMEOUT);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	if (cert) {
		struct curl_blob ca = { .data = (void *)cert,
					.len = strlen(cert),
					.flags = CURL_BLOB_COPY };

		/*
		 * The cert is then the only trust anchor: stricter than the
		 * agent, whose reqwest add_root_certificate() adds it to the
		 * system roots (kbs_protocol/src/builder.rs); a KBS named with
		 * its own CA is not also trusted on any public CA's word.
		 */
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
	}
	return h;
}

/* rcar_client.rs repeat_rcar_handshake: the token, or NULL with e set. */
static struct json_object *handshake(struct session *s, struct kbs_error *e)
{
	struct json_object *token = NULL;

	for (int i = 1; i <= KBS_ATTEMPTS; i++) {
		token = attest(s, e);
		if (token)
			return token;
		fprintf(stderr, "aaeld: KBS handshake %d of %d failed: %s\n",
			i, KBS_ATTEMPTS, e->detail);
		if (i < KBS_ATTEMPTS)
			sleep(KBS_RETRY_SECONDS);
	}
	char last[sizeof(e->detail)];

	memcpy(last, e->detail, sizeof(last));
	kbs_seterr(e, e->status, "no token after %d attempts; the last: %.200s",
		   KBS_ATTEMPTS, last);
	return NULL;
}

/*
 * Nothing here is shared between calls: each caller gets its own key,
 * connection and token, so calls may run on any number of threads.
 */
int kbs_token(const struct aaeld_config *c, const struct tee_provider *tee,
	      struct aael_buf *out, struct kbs_error *e)
{
	struct session s = { .c = c, .tee = tee };
	struct json_object *token = NULL;
	int rc = -1;
	enum tee_key_alg alg;
	EVP_PKEY *key = NULL;
	char *url = NULL;

	if (!c->kbs_url)
		return kbs_seterr(e, 503, "no KBS configured ([token_configs.kbs] url in aa.toml; without aa.toml AA_KBC_PARAMS or agent.aa_kbc_params=cc_kbc::URL)");
	if (tee_key_algorithm(c->tee_key_algorithm, &alg))
		return kbs_seterr(e, 500, "tee_key_algorithm %s is not supported",
				  c->tee_key_algorithm);
	/* A key for this request, used by each of its attempts, as the agent
	 * builds one KbsClient (and TeeKeyPair) per get_token. */
	key = tee_key_new(alg);
	s.jwk = key ? tee_key_jwk(key, alg) : NULL;
	s.url = url = kbs_url_base(c->kbs_url);
	s.h = connection(c->kbs_cert);
	if (!s.jwk || !url || !s.h) {
		kbs_seterr(e, 500, "cannot make the tee key (%s) or a KBS connection",
			   c->tee_key_algorithm);
		goto out;
	}
	token = handshake(&s, e);
	if (!token)
		goto out;
	rc = kbs_token_result(token, key, out, e);
out:
	json_object_put(token);
	json_object_put(s.jwk);
	if (s.h)
		curl_easy_cleanup(s.h);
	free(url);
	EVP_PKEY_free(key);
	return rc;
}

/* kbs_protocol/src/client/mod.rs KBS_GET_RESOURCE_MAX_ATTEMPT */
#define KBS_RESOURCE_ATTEMPTS 3

#define BEARER_MAX	(8 << 10)	/* nginx's default header buffer */

/* One GET of the resource; the HTTP status, the body in b. */
static int get_resource(struct session *s, const char *url, const char *token,
			struct aael_buf *b, long *status, struct kbs_error *e)
{
	struct curl_slist *hdr = NULL;
	size_t n = strlen("Authorization: Bearer ") + strlen(token) + 1;
	char *auth = NULL;
	CURLcode rc;

	/*
	 * The token lists every record of the log, so it grows with it; HTTP
	 * servers and proxies refuse header lines past 8 to 64 KiB (Python's
	 * http.server answers 431). The session cookie alone names the same
	 * token to Trustee; the bearer is added while it is small enough to
	 * pass anywhere, for a KBS that lost the session (another replica).
	 */
	if (n <= BEARER_MAX) {
		auth = malloc(n);
		if (!auth)
			return kbs_seterr(e, 500, "out of memory for the KBS request");
		snprintf(auth, n, "Authorization: Bearer %s", token);
		hdr = curl_slist_append(NULL, auth);
		free(auth);
		if (!hdr)
			return kbs_seterr(e, 500, "out of memory for the KBS request");
	}
	aael_buf_free(b);
	curl_easy_setopt(s->h, CURLOPT_URL, url);
	curl_easy_setopt(s->h, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(s->h, CURLOPT_WRITEDATA, b);
	rc = curl_easy_perform(s->h);
	curl_slist_free_all(hdr);
	curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, NULL);
	*status = 0;
	curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, status);
	if (rc != CURLE_OK) {
		aael_buf_free(b);
		return kbs_seterr(e, 503, "KBS %s unreachable: %s", url, curl_easy_strerror(rc));
	}
	return 0;
}

/*
 * As the hub's cc_kbc (guest-components confidential-data-hub/kms/src/
 * plugins/kbs/cc_kbc.rs) with the agent behind it: a token from a
 * handshake with a new tee key (attestation-agent/src/token/kbs.rs, tried
 * up to 5 times), then at most 3 GETs (kbs_protocol/src/client/
 * token_client.rs get_resource): 200 is opened with the key, 401 means a
 * new handshake and another try, 404 and anything else end it. Each GET
 * carries the session cookie, as the agent's own rcar_client.rs
 * get_resource, and -- while it is under BEARER_MAX -- the token as a
 * bearer, as the hub's token client:
 * Trustee takes the session's token first and the bearer when the session
 * is gone (kbs/src/api_server.rs get_attestation_token), e.g. after a
 * restart of a KBS that keeps sessions in memory.
 */
int kbs_resource(const struct aaeld_config *c, const struct tee_provider *tee,
		 const char *path, uint8_t **out, size_t *len,
		 struct kbs_error *e)
{
	struct session s = { .c = c, .tee = tee };
	struct json_object *token = NULL;
	const char *kbs, *cert;
	char err[AAEL_ERRLEN], jerr[JWE_ERRLEN], *full = NULL, *base = NULL;
	enum tee_key_alg alg;
	EVP_PKEY *key = NULL;
	struct aael_buf b = REPLY_BUF;
	long status;
	int rc = -1;

	*out = NULL;
	*len = 0;
	if (kbs_resource_path_check(path, err))
		return kbs_seterr(e, 400, "%s", err);
	if (config_resource_kbs(c, &kbs, &cert, err))
		return kbs_seterr(e, 503, "%s", err);
	if (tee_key_algorithm(c->tee_key_algorithm, &alg))
		return kbs_seterr(e, 500, "tee_key_algorithm %s is not supported",
				  c->tee_key_algorithm);
	key = tee_key_new(alg);
	s.jwk = key ? tee_key_jwk(key, alg) : NULL;
	s.url = base = kbs_url_base(kbs);
	s.h = connection(cert);
	if (base && asprintf(&full, "%s/kbs/v0/resource/%s", base, path) < 0)
		full = NULL;
	if (!s.jwk || !base || !s.h || !full) {
		kbs_seterr(e, 500, "cannot make the tee key (%s) or a KBS connection",
			   c->tee_key_algorithm);
		goto out;
	}
	for (int i = 1; i <= KBS_RESOURCE_ATTEMPTS; i++) {
		struct json_object *reply;

		if (!token && !(token = handshake(&s, e)))
			goto out;
		if (get_resource(&s, full, json_object_get_string(token), &b, &status, e))
			goto out;
		if (status == 200) {
			if (jwe_decrypt(b.text ? b.text : "", b.len, key, out, len, jerr)) {
				kbs_seterr(e, 502, "KBS resource %s: %s", path, jerr);
				goto out;
			}
			rc = 0;
			goto out;
		}
		/* the ErrorInformation's detail (or the body's start) into e */
		kbs_reply_parse(status, b.text, "resource", &reply, e);
		aael_buf_free(&b);
		if (status == 404) {
			e->status = 404;
			goto out;
		}
		if (status != 401)
			goto out;
		fprintf(stderr, "aaeld: KBS refused resource %s (try %d of %d): %s\n",
			path, i, KBS_RESOURCE_ATTEMPTS, e->detail);
		json_object_put(token);
		token = NULL;
	}
	/* token_client.rs: Error::UnAuthorized after the last 401 (the hub
	 * fetches one more token first, which it never uses); Trustee also
	 * answers a missing resource so (kbs/src/error.rs) */
	memcpy(err, e->detail, sizeof(err));
	kbs_seterr(e, 502, "KBS refused resource %s %d times (missing, or not allowed by its policy); the last: %.200s",
		   path, KBS_RESOURCE_ATTEMPTS, err);
out:
	aael_buf_free(&b);
	json_object_put(token);
	json_object_put(s.jwk);
	if (s.h)
		curl_easy_cleanup(s.h);
	free(base);
	free(full);
	EVP_PKEY_free(key);
	return rc;
}
