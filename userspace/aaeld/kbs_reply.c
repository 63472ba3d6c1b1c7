// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The KBS client's pure parts, apart from its network I/O so that the unit
 * tests can drive them: a reply's status and body to a parsed reply or an
 * error, the exp claim of a token, the {token, tee_keypair} result, the
 * hash algorithm negotiation, the runtime-data digest and the KBS URL.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "aaeld.h"
#include "kbs.h"

int kbs_seterr(struct kbs_error *e, int status, const char *fmt, ...)
{
	va_list ap;

	e->status = status;
	va_start(ap, fmt);
	aael_vseterr(e->detail, -1, fmt, ap);
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

/* As the agent's TeeKeyPair::to_pem: PKCS#1 for RSA, PKCS#8 for EC
 * (kbs_protocol/src/keypair.rs), so that its from_pem reads it back. */
/*
 * s as a JSON string (quotes included) onto a secret buffer, escaped as
 * serde_json writes it (the agent's reply): the short escapes where JSON
 * has one, \u00XX for the other control characters.
 */
static int append_json_string(struct aael_buf *b, const char *s, size_t n)
{
	static const char shorts[] = "\"\"\\\\\bb\ff\nn\rr\tt";
	int rc = aael_buf_append(b, "\"", 1);

	for (size_t i = 0; !rc && i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *sh = c ? memchr(shorts, c, sizeof(shorts) - 1) : NULL;
		char esc[8];

		/* shorts: pairs of (character, its escape letter) */
		if (sh && (sh - shorts) % 2 == 0) {
			esc[0] = '\\';
			esc[1] = sh[1];
			rc = aael_buf_append(b, esc, 2);
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			rc = aael_buf_append(b, esc, 6);
		} else {
			rc = aael_buf_append(b, &s[i], 1);
		}
	}
	return rc ? rc : aael_buf_append(b, "\"", 1);
}

/*
 * The private key as keypair.rs to_pem writes it, straight into out: a
 * secure-memory BIO (wiped when freed) and no copy in json-c's buffers,
 * which are freed without wiping.
 */
static int append_private_pem(struct aael_buf *out, EVP_PKEY *key)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	char *data;
	int ok = 0;
	long n;

	if (bio && EVP_PKEY_is_a(key, "RSA"))
		ok = PEM_write_bio_PrivateKey_traditional(bio, key, NULL, NULL, 0, NULL, NULL);
	else if (bio)
		ok = PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL);
	n = ok ? BIO_get_mem_data(bio, &data) : 0;
	ok = n > 0 && !append_json_string(out, data, (size_t)n);
	BIO_free(bio);
	return ok ? 0 : -1;
}

/* Without its private key the caller cannot open what the KBS encrypts to
 * the tee key: an export failure is an error, never an empty tee_keypair. */
int kbs_token_result(struct json_object *token, EVP_PKEY *key,
		     struct aael_buf *out, struct kbs_error *e)
{
	const char *t = json_object_get_string(token);

	out->secret = true;
	if (!t || aael_buf_append(out, "{\"token\":", 9) ||
	    append_json_string(out, t, strlen(t)) ||
	    aael_buf_append(out, ",\"tee_keypair\":", 15)) {
		aael_buf_free(out);
		return kbs_seterr(e, 500, "out of memory for the token reply");
	}
	if (append_private_pem(out, key) || aael_buf_append(out, "}", 1)) {
		aael_buf_free(out);
		return kbs_seterr(e, 500, "cannot export the tee key (PEM)");
	}
	return 0;
}

/*
 * The hash algorithms a KBS may select, advertised in the auth request's
 * extra-params as {"supported-hash-algorithms": [...]} (guest-components
 * attestation-agent/kbs_protocol/src/client/rcar_client.rs
 * get_request_extra_params). The agent lists kbs_types'
 * HashAlgorithm::list_all(), sm3 included; aaeld offers what it implements.
 */
static const char *const hash_names[] = { "sha256", "sha384", "sha512" };

struct json_object *kbs_request_extra_params(void)
{
	struct json_object *o = json_object_new_object();
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < sizeof(hash_names) / sizeof(hash_names[0]); i++) {
		struct json_object *s = json_object_new_string(hash_names[i]);

		if (!s || json_object_array_add(a, s)) {
			json_object_put(s);
			json_object_put(a);
			a = NULL;
		}
	}
	if (jadd(o, "supported-hash-algorithms", a)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/*
 * The challenge's extra-params may hold "selected-hash-algorithm", a
 * string matched case-insensitively; without it (Trustee's built-in
 * attestation service sends extra-params "" for every TEE but se) the
 * agent's default, sha384, binds the runtime data (rcar_client.rs
 * get_hash_algorithm, DEFAULT_HASH_ALGORITHM). Anything else is refused.
 */
int kbs_hash_selected(struct json_object *challenge, const EVP_MD **md,
		      struct kbs_error *e)
{
	struct json_object *params, *sel;
	const char *name;

	*md = EVP_sha384();
	if (!json_object_object_get_ex(challenge, "extra-params", &params) ||
	    !json_object_is_type(params, json_type_object) ||
	    !json_object_object_get_ex(params, "selected-hash-algorithm", &sel))
		return 0;
	if (!json_object_is_type(sel, json_type_string))
		return kbs_seterr(e, 502, "KBS auth: selected-hash-algorithm is not a string: %.80s",
				  json_object_to_json_string(sel));
	name = json_object_get_string(sel);
	for (size_t i = 0; i < sizeof(hash_names) / sizeof(hash_names[0]); i++) {
		if (!strcasecmp(name, hash_names[i])) {
			*md = EVP_get_digestbyname(hash_names[i]);
			return *md ? 0 : kbs_seterr(e, 500, "no %s in OpenSSL", hash_names[i]);
		}
	}
	return kbs_seterr(e, 502, "KBS auth: selected-hash-algorithm \"%.40s\" is not one aaeld offered (sha256, sha384, sha512)",
			  name);
}

/*
 * The runtime-data binding: the selected hash of the RFC 8785 canonical
 * JSON of {"additional-evidence": "", "nonce", "tee-pubkey"}
 * (rcar_client.rs get_composite_evidence: aaeld attaches no additional
 * device evidence). Every member name is ASCII and every object is built in
 * sorted order, so json-c's compact output with '/' unescaped is the
 * canonical form.
 */
int kbs_runtime_digest(const char *nonce, struct json_object *jwk,
		       const EVP_MD *md, uint8_t out[64],
		       size_t *len)
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
	if (s && EVP_Digest(s, strlen(s), out, &n, md, NULL)) {
		*len = n;
		rc = 0;
	}
	json_object_put(o);
	return rc;
}

/* Every trailing '/' goes, as the agent's KbsClientBuilder trims the URL
 * (kbs_protocol/src/builder.rs: trim_end_matches('/')). */
char *kbs_url_base(const char *url)
{
	size_t n = strlen(url);

	while (n && url[n - 1] == '/')
		n--;
	return strndup(url, n);
}

/*
 * Trustee's resource plugin takes exactly repo/type/tag, each matching
 * [a-zA-Z0-9_-]+[a-zA-Z0-9_.-]* (kbs/src/plugins/implementations/resource/
 * backend.rs ResourceDesc::try_from), and refuses anything else only after
 * the token and policy checks, as a 401 the client would take for a stale
 * session; so a path it cannot serve is refused here, before any handshake.
 */
int kbs_resource_path_check(const char *path, char *err)
{
	static const char head[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
	const char *p = path;

	for (int i = 0; i < 3; i++) {
		size_t n = strspn(p, head);

		if (!n)
			break;
		n += strspn(p + n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.");
		p += n;
		if (i < 2 && *p++ != '/')
			break;
		if (i == 2 && !*p)
			return 0;
	}
	snprintf(err, AAEL_ERRLEN, "resource path \"%.100s\": expected repo/type/tag, each of A-Z a-z 0-9 _ - . (not starting with .)",
		 path);
	return -1;
}
