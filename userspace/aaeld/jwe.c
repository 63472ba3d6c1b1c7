// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The KBS's resource reply opened with the tee key: the JWE JSON object
 * Trustee builds in kbs/src/jwe/mod.rs jwe() and serialises as kbs_types'
 * Response ({protected, encrypted_key, iv, ciphertext, tag}, each
 * base64url without padding; "protected" is the header JSON so encoded).
 * Trustee encrypts to the key exactly as the tee-pubkey names it, and
 * aaeld names only these (tee_key.c), so only these are opened:
 *
 *  - ECDH-ES+A256KW on P-256 or P-521: the header's epk is Trustee's
 *    ephemeral key; Z from ECDH, the key-wrapping key from the Concat KDF
 *    of RFC 7518 4.6.2 (SHA-256, AlgorithmID "ECDH-ES+A256KW", empty
 *    PartyUInfo and PartyVInfo, 256 bits: concat_kdf() there), the CEK
 *    unwrapped with AES-256 key wrap (RFC 3394);
 *  - RSA-OAEP-256: the CEK under RSAES-OAEP, SHA-256 and MGF1-SHA-256;
 *
 * then the payload with A256GCM, 12-byte IV, 16-byte tag, the AAD the
 * ASCII of the "protected" member (ProtectedHeader::generate_aad: base64url
 * of the header's JSON, the same text Trustee sends). The agent
 * (guest-components kbs_protocol/src/keypair.rs decrypt_response) also
 * takes RSA1_5, which Trustee uses only for a key whose JWK asks for it;
 * aaeld's never does, so it is refused like any other algorithm.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rsa.h>

#include "aaeld.h"
#include "jwe.h"

#define CEK_LEN		32	/* A256GCM */
#define WRAPPED_LEN	(CEK_LEN + 8)
#define IV_LEN		12
#define TAG_LEN		16
#define ALG_ECDH	"ECDH-ES+A256KW"
#define ALG_RSA		"RSA-OAEP-256"

void jwe_free(uint8_t *p, size_t len)
{
	if (p)
		OPENSSL_clear_free(p, len + 1);
}

/*
 * base64url without padding, as kbs_types decodes (URL_SAFE_NO_PAD).
 */
static int b64url(struct json_object *o, const char *key, uint8_t **out,
		  size_t *len, char *err)
{
	const char *s = json_string_member(o, key);

	*out = NULL;
	if (!s)
		return aael_seterr(err, -1, "JWE: no string \"%s\"", key);
	if (aael_b64url_decode(s, out, len))
		return aael_seterr(err, -1, "JWE: \"%s\" is not base64url without padding", key);
	return 0;
}

/* The key's curve as a JWK crv ("P-256", "P-521"), or NULL. */
static const char *key_curve(EVP_PKEY *key)
{
	char group[64];

	if (!EVP_PKEY_is_a(key, "EC") ||
	    !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME,
					    group, sizeof(group), NULL))
		return NULL;
	if (!strcmp(group, "prime256v1") || !strcmp(group, "P-256"))
		return "P-256";
	if (!strcmp(group, "secp521r1") || !strcmp(group, "P-521"))
		return "P-521";
	return NULL;
}

/* The header's epk (Trustee's ephemeral public key) on the key's curve. */
static EVP_PKEY *epk_key(struct json_object *hdr, const char *crv, char *err)
{
	struct json_object *epk;
	const char *group = !strcmp(crv, "P-256") ? "prime256v1" : "secp521r1";
	size_t size = !strcmp(crv, "P-256") ? 32 : 66, xl = 0, yl = 0;
	uint8_t *x = NULL, *y = NULL, point[1 + 2 * 66];
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *peer = NULL;
	OSSL_PARAM params[3];

	if (!json_object_object_get_ex(hdr, "epk", &epk) ||
	    !json_object_is_type(epk, json_type_object)) {
		aael_seterr(err, -1, "JWE: " ALG_ECDH " header without an epk object");
		return NULL;
	}
	if (!json_string_member(epk, "kty") || strcmp(json_string_member(epk, "kty"), "EC") ||
	    !json_string_member(epk, "crv") || strcmp(json_string_member(epk, "crv"), crv)) {
		aael_seterr(err, -1, "JWE: epk is not an EC key on %s, the tee key's curve", crv);
		return NULL;
	}
	if (b64url(epk, "x", &x, &xl, err) || b64url(epk, "y", &y, &yl, err))
		goto out;
	if (xl != size || yl != size) {
		aael_seterr(err, -1, "JWE: epk coordinates of %zu and %zu bytes, %s needs %zu",
		     xl, yl, crv, size);
		goto out;
	}
	point[0] = 0x04;
	memcpy(point + 1, x, size);
	memcpy(point + 1 + size, y, size);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
						     (char *)group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
						      point, 1 + 2 * size);
	params[2] = OSSL_PARAM_construct_end();
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &peer, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
		aael_seterr(err, -1, "JWE: epk is not a point on %s", crv);
		goto out;
	}
out:
	EVP_PKEY_CTX_free(ctx);
	free(x);
	free(y);
	return peer;
}

/* RFC 7518 4.6.2's Concat KDF is NIST SP 800-56A's single-step KDF, which
 * OpenSSL 3 offers as SSKDF: H(counter || Z || OtherInfo). */
static int concat_kdf(const uint8_t *z, size_t zlen, uint8_t kek[CEK_LEN])
{
	static const char alg[] = ALG_ECDH;
	uint8_t info[4 + sizeof(alg) - 1 + 4 + 4 + 4], *p = info;
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "SSKDF", NULL);
	EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[4];
	int ok;

	/* AlgorithmID, PartyUInfo, PartyVInfo (both empty), SuppPubInfo:
	 * each length-prefixed big-endian, the last the key size in bits */
	p[0] = p[1] = p[2] = 0;
	p[3] = sizeof(alg) - 1;
	memcpy(p + 4, alg, sizeof(alg) - 1);
	p += 4 + sizeof(alg) - 1;
	memset(p, 0, 8);
	p += 8;
	p[0] = p[1] = 0;
	p[2] = (CEK_LEN * 8) >> 8;
	p[3] = (CEK_LEN * 8) & 0xff;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)z, zlen);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, sizeof(info));
	params[3] = OSSL_PARAM_construct_end();
	ok = kctx && EVP_KDF_derive(kctx, kek, CEK_LEN, params) > 0;
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	return ok ? 0 : -1;
}

static int unwrap_ecdh(struct json_object *hdr, EVP_PKEY *key,
		       const uint8_t *wrapped, size_t wlen,
		       uint8_t cek[CEK_LEN], char *err)
{
	const char *crv = key_curve(key);
	EVP_PKEY_CTX *dctx = NULL;
	EVP_CIPHER_CTX *c = NULL;
	EVP_PKEY *peer;
	uint8_t z[66], kek[CEK_LEN], out[WRAPPED_LEN];
	size_t zlen = sizeof(z);
	int n = 0, m = 0, rc = -1;

	if (!crv)
		return aael_seterr(err, -1, "JWE: " ALG_ECDH " needs a P-256 or P-521 tee key");
	if (wlen != WRAPPED_LEN)
		return aael_seterr(err, -1, "JWE: encrypted_key of %zu bytes, an A256KW-wrapped key has %d",
			    wlen, WRAPPED_LEN);
	peer = epk_key(hdr, crv, err);
	if (!peer)
		return -1;
	dctx = EVP_PKEY_CTX_new(key, NULL);
	/* validate: the point checked against the curve before use */
	if (!dctx || EVP_PKEY_derive_init(dctx) <= 0 ||
	    EVP_PKEY_derive_set_peer_ex(dctx, peer, 1) <= 0 ||
	    EVP_PKEY_derive(dctx, z, &zlen) <= 0) {
		aael_seterr(err, -1, "JWE: ECDH with the epk failed");
		goto out;
	}
	if (concat_kdf(z, zlen, kek)) {
		aael_seterr(err, -1, "JWE: Concat KDF failed");
		goto out;
	}
	c = EVP_CIPHER_CTX_new();
	if (!c) {
		aael_seterr(err, -1, "JWE: out of memory");
		goto out;
	}
	EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	/* the unwrap checks RFC 3394's integrity value: a wrong key or a
	 * changed encrypted_key fails here */
	if (!EVP_DecryptInit_ex(c, EVP_aes_256_wrap(), NULL, kek, NULL) ||
	    !EVP_DecryptUpdate(c, out, &n, wrapped, (int)wlen) ||
	    !EVP_DecryptFinal_ex(c, out + n, &m) || n + m != CEK_LEN) {
		aael_seterr(err, -1, "JWE: the CEK does not unwrap (wrong tee key, or encrypted_key or epk altered)");
		goto out;
	}
	memcpy(cek, out, CEK_LEN);
	rc = 0;
out:
	EVP_CIPHER_CTX_free(c);
	EVP_PKEY_CTX_free(dctx);
	EVP_PKEY_free(peer);
	OPENSSL_cleanse(z, sizeof(z));
	OPENSSL_cleanse(kek, sizeof(kek));
	OPENSSL_cleanse(out, sizeof(out));
	return rc;
}

static int unwrap_rsa(EVP_PKEY *key, const uint8_t *wrapped, size_t wlen,
		      uint8_t cek[CEK_LEN], char *err)
{
	EVP_PKEY_CTX *ctx;
	uint8_t *out = NULL;
	size_t size, outlen;
	int rc = -1;

	if (!EVP_PKEY_is_a(key, "RSA"))
		return aael_seterr(err, -1, "JWE: " ALG_RSA " needs an RSA tee key");
	size = (size_t)EVP_PKEY_get_size(key);
	if (wlen != size)
		return aael_seterr(err, -1, "JWE: encrypted_key of %zu bytes, the RSA key's are %zu",
			    wlen, size);
	ctx = EVP_PKEY_CTX_new(key, NULL);
	out = OPENSSL_malloc(size);
	outlen = size;
	if (!ctx || !out || EVP_PKEY_decrypt_init(ctx) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()) <= 0 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) <= 0) {
		aael_seterr(err, -1, "JWE: cannot set up RSA-OAEP");
		goto out;
	}
	if (EVP_PKEY_decrypt(ctx, out, &outlen, wrapped, wlen) <= 0 ||
	    outlen != CEK_LEN) {
		aael_seterr(err, -1, "JWE: the CEK does not decrypt (wrong tee key, or encrypted_key altered)");
		goto out;
	}
	memcpy(cek, out, CEK_LEN);
	rc = 0;
out:
	if (out)
		OPENSSL_clear_free(out, size);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

static int gcm_open(const uint8_t cek[CEK_LEN], const uint8_t *iv,
		    const char *aad, const uint8_t *ct, size_t ctlen,
		    uint8_t *tag, uint8_t *pt, char *err)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	size_t done = 0;
	int n, ok;

	ok = c && EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, IV_LEN, NULL) &&
	     EVP_DecryptInit_ex(c, NULL, NULL, cek, iv) &&
	     EVP_DecryptUpdate(c, NULL, &n, (const uint8_t *)aad, (int)strlen(aad));
	/* in pieces: EVP takes an int length */
	while (ok && done < ctlen) {
		size_t step = ctlen - done > (1u << 30) ? (1u << 30) : ctlen - done;

		ok = EVP_DecryptUpdate(c, pt + done, &n, ct + done, (int)step);
		done += (size_t)n;
	}
	ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) &&
	     EVP_DecryptFinal_ex(c, pt + done, &n) > 0;
	EVP_CIPHER_CTX_free(c);
	if (!ok)
		return aael_seterr(err, -1, "JWE: A256GCM authentication failed (ciphertext, tag, iv or header altered)");
	return 0;
}

int jwe_decrypt(const char *json, size_t json_len, EVP_PKEY *key,
		uint8_t **out, size_t *len, char err[JWE_ERRLEN])
{
	struct json_object *root = NULL, *hdr = NULL;
	uint8_t *ph = NULL, *ek = NULL, *iv = NULL, *ct = NULL, *tag = NULL;
	uint8_t *pt = NULL, cek[CEK_LEN];
	size_t phl, ekl, ivl, ctl = 0, tagl;
	const char *protected, *alg, *enc;
	int rc = -1;

	*out = NULL;
	*len = 0;
	root = json_parse_strict(json, json_len);
	if (!root || !json_object_is_type(root, json_type_object)) {
		aael_seterr(err, -1, "JWE: the reply is not a JSON object");
		goto out;
	}
	/* Trustee never sends "aad" (Response.aad is None), and the agent
	 * would not authenticate it (generate_aad ignores it): a reply with
	 * one is not Trustee's. */
	if (json_object_object_get_ex(root, "aad", NULL)) {
		aael_seterr(err, -1, "JWE: an \"aad\" member, which Trustee never sends");
		goto out;
	}
	if (b64url(root, "protected", &ph, &phl, err))
		goto out;
	protected = json_string_member(root, "protected");
	hdr = json_parse_strict((const char *)ph, phl);
	if (!hdr || !json_object_is_type(hdr, json_type_object)) {
		aael_seterr(err, -1, "JWE: the protected header is not a JSON object");
		goto out;
	}
	alg = json_string_member(hdr, "alg");
	enc = json_string_member(hdr, "enc");
	if (!alg || !enc) {
		aael_seterr(err, -1, "JWE: the protected header lacks alg or enc");
		goto out;
	}
	if (strcmp(enc, "A256GCM")) {
		aael_seterr(err, -1, "JWE: enc %.40s is not supported (only A256GCM)", enc);
		goto out;
	}
	/*
	 * Members that would change how to open it: crit must be understood
	 * (RFC 7516 4.1.13), zip would inflate the plaintext, apu/apv enter
	 * the Concat KDF (RFC 7518 4.6.2). Trustee's jwe() sends none of them;
	 * taken silently they would give a wrong key or a wrong plaintext.
	 */
	for (const char *const *m = (const char *const[]){ "crit", "zip", "apu", "apv", NULL };
	     *m; m++)
		if (json_object_object_get_ex(hdr, *m, NULL)) {
			aael_seterr(err, -1, "JWE: the protected header has \"%s\", which Trustee never sends",
				    *m);
			goto out;
		}
	if (strcmp(alg, ALG_ECDH) && strcmp(alg, ALG_RSA)) {
		aael_seterr(err, -1, "JWE: alg %.40s is not supported (only " ALG_ECDH " and " ALG_RSA ")",
		     alg);
		goto out;
	}
	if (b64url(root, "encrypted_key", &ek, &ekl, err) ||
	    b64url(root, "iv", &iv, &ivl, err) ||
	    b64url(root, "ciphertext", &ct, &ctl, err) ||
	    b64url(root, "tag", &tag, &tagl, err))
		goto out;
	if (ivl != IV_LEN || tagl != TAG_LEN) {
		aael_seterr(err, -1, "JWE: iv of %zu bytes, tag of %zu: A256GCM needs %d and %d",
		     ivl, tagl, IV_LEN, TAG_LEN);
		goto out;
	}
	if (!strcmp(alg, ALG_ECDH) ? unwrap_ecdh(hdr, key, ek, ekl, cek, err)
				   : unwrap_rsa(key, ek, ekl, cek, err))
		goto out;
	pt = OPENSSL_malloc(ctl + 1);
	if (!pt) {
		aael_seterr(err, -1, "JWE: out of memory for %zu bytes", ctl);
		goto out;
	}
	if (gcm_open(cek, iv, protected, ct, ctl, tag, pt, err)) {
		OPENSSL_clear_free(pt, ctl + 1);
		pt = NULL;
		goto out;
	}
	pt[ctl] = 0;
	*out = pt;
	*len = ctl;
	rc = 0;
out:
	OPENSSL_cleanse(cek, sizeof(cek));
	json_object_put(root);
	json_object_put(hdr);
	free(ph);
	free(ek);
	free(iv);
	free(tag);
	free(ct);
	return rc;
}
