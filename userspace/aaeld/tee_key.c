// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tee key of one token request and its public half as the JWK the KBS
 * protocol's runtime-data carries.
 *
 * aa.toml's tee_key_algorithm names the key as the agent does
 * (guest-components attestation-agent/kbs_protocol/src/keypair.rs,
 * TeeKeyAlgorithm: "ECDH-ES+A256KW-P256" (the default),
 * "ECDH-ES+A256KW-P521", "RSA-OAEP-256"). The JWK follows the agent's
 * TeeKeyPair::export_pubkey and kbs_types' TeePubKey (tagged by "kty"):
 * EC {kty, crv, alg "ECDH-ES+A256KW", x, y} with the coordinates left-padded
 * to the curve size (32 or 66 bytes; deps/crypto/src/native/ec.rs), RSA
 * {kty, alg "RSA-OAEP-256", n, e} with the big-endian bytes unpadded
 * (deps/crypto/src/native/rsa.rs), all base64url without padding. Trustee
 * encrypts to exactly these (kbs/src/jwe/mod.rs jwe(): P-256 and P-521 with
 * ECDH-ES+A256KW, 32 and 66 byte coordinates; RSA-OAEP-256).
 */
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "aaeld.h"

/* deps/crypto/src/rsa.rs RSA_PUBKEY_LENGTH: 2048-bit keys */
#define TEE_RSA_BITS	2048

static const struct {
	const char *name;	/* aa.toml tee_key_algorithm */
	const char *curve;	/* JWK crv; NULL: RSA */
	size_t coord;		/* bytes of each coordinate */
} algs[] = {
	[TEE_KEY_P256] = { "ECDH-ES+A256KW-P256", "P-256", 32 },
	[TEE_KEY_P521] = { "ECDH-ES+A256KW-P521", "P-521", 66 },
	[TEE_KEY_RSA] = { "RSA-OAEP-256", NULL, 0 },
};

int tee_key_algorithm(const char *name, enum tee_key_alg *alg)
{
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (!strcmp(name, algs[i].name)) {
			*alg = (enum tee_key_alg)i;
			return 0;
		}
	}
	return -1;
}

EVP_PKEY *tee_key_new(enum tee_key_alg alg)
{
	if (alg == TEE_KEY_RSA)
		return EVP_RSA_gen(TEE_RSA_BITS);
	return EVP_EC_gen(algs[alg].curve);
}

/* base64url of a parameter's big-endian bytes, left-padded to pad (0: as is) */
static char *b64_param(EVP_PKEY *key, const char *param, size_t pad)
{
	BIGNUM *bn = NULL;
	uint8_t buf[600];	/* a 4096-bit modulus fits */
	char *out = NULL;
	int n;

	if (!EVP_PKEY_get_bn_param(key, param, &bn))
		return NULL;
	n = pad ? BN_bn2binpad(bn, buf, (int)pad) : BN_num_bytes(bn);
	if (n > 0 && (size_t)n <= sizeof(buf) && (pad || BN_bn2bin(bn, buf) == n))
		out = aael_b64_encode(buf, (size_t)n, true);
	BN_free(bn);
	return out;
}

/* Members in code-point order: report_data() hashes json-c's output as the
 * RFC 8785 form, which sorts them. */
struct json_object *tee_key_jwk(EVP_PKEY *key, enum tee_key_alg alg)
{
	struct json_object *jwk = json_object_new_object();
	char *a = NULL, *b = NULL;
	int bad;

	if (alg == TEE_KEY_RSA) {
		a = b64_param(key, OSSL_PKEY_PARAM_RSA_E, 0);
		b = b64_param(key, OSSL_PKEY_PARAM_RSA_N, 0);
		bad = !a || !b ||
		      jadd(jwk, "alg", json_object_new_string("RSA-OAEP-256")) ||
		      jadd(jwk, "e", json_object_new_string(a)) ||
		      jadd(jwk, "kty", json_object_new_string("RSA")) ||
		      jadd(jwk, "n", json_object_new_string(b));
	} else {
		a = b64_param(key, OSSL_PKEY_PARAM_EC_PUB_X, algs[alg].coord);
		b = b64_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, algs[alg].coord);
		bad = !a || !b ||
		      jadd(jwk, "alg", json_object_new_string("ECDH-ES+A256KW")) ||
		      jadd(jwk, "crv", json_object_new_string(algs[alg].curve)) ||
		      jadd(jwk, "kty", json_object_new_string("EC")) ||
		      jadd(jwk, "x", json_object_new_string(a)) ||
		      jadd(jwk, "y", json_object_new_string(b));
	}
	free(a);
	free(b);
	if (bad) {
		json_object_put(jwk);
		return NULL;
	}
	return jwk;
}
