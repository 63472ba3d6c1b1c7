// SPDX-License-Identifier: GPL-2.0
/*
 * TPM evidence (tss2 ESAPI): a quote, by an RSA-2048 attestation key and
 * qualified by the first 32 bytes of the report data, of the sha256 bank of
 * the aael register's PCR, in the shape Trustee's TPM verifier reads:
 * {ak_public (DER SPKI, base64), tpm_quote: {message (TPMS_ATTEST),
 * signature (TPMT_SIGNATURE), pcrs (all 24 sha256 values)}} plus
 * cc_eventlog (the aael log). Only the aael PCR is quoted: it is the one the
 * log accounts for, so the quote and the log verify on their own (for
 * example with tpm2_checkquote -e); the other 23 values are informational.
 * PCRs are read before and after the log and the quote; a change in between
 * (a record made meanwhile) retries, so log, values and quote agree.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_tctildr.h>

#include "aaeld.h"

#define PCRS 24

static pthread_mutex_t tpm_lock = PTHREAD_MUTEX_INITIALIZER;
static ESYS_CONTEXT *esys;
static ESYS_TR ak = ESYS_TR_NONE;
static char *ak_public_b64;

static int tss_fail(char *err, const char *what, TSS2_RC rc)
{
	snprintf(err, AAEL_ERRLEN, "TPM %s: 0x%x", what, rc);
	return -1;
}

/* DER SubjectPublicKeyInfo of the AK, from its TPM2B_PUBLIC. */
static char *spki_b64(const TPM2B_PUBLIC *pub)
{
	const TPMS_RSA_PARMS *p = &pub->publicArea.parameters.rsaDetail;
	uint32_t e = p->exponent ? p->exponent : 65537;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *n = BN_bin2bn(pub->publicArea.unique.rsa.buffer,
			      pub->publicArea.unique.rsa.size, NULL);
	BIGNUM *be = BN_new();
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *key = NULL;
	OSSL_PARAM *params = NULL;
	unsigned char *der = NULL;
	char *out = NULL;
	int len;

	if (!bld || !n || !be || !ctx || !BN_set_word(be, e) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) ||
	    EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		goto out;
	len = i2d_PUBKEY(key, &der);
	if (len > 0)
		out = b64_encode(der, (size_t)len, false);
out:
	OPENSSL_free(der);
	EVP_PKEY_free(key);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(be);
	return out;
}

/* One connection and one AK (a primary: no storage needed) per process. */
static int tpm_open(char *err)
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_PUBLIC tmpl = {
		.publicArea = {
			.type = TPM2_ALG_RSA,
			.nameAlg = TPM2_ALG_SHA256,
			.objectAttributes = TPMA_OBJECT_RESTRICTED |
				TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_FIXEDTPM |
				TPMA_OBJECT_FIXEDPARENT |
				TPMA_OBJECT_SENSITIVEDATAORIGIN |
				TPMA_OBJECT_USERWITHAUTH,
			.parameters.rsaDetail = {
				.symmetric.algorithm = TPM2_ALG_NULL,
				.scheme.scheme = TPM2_ALG_RSASSA,
				.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256,
				.keyBits = 2048,
			},
		},
	};
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION none = { 0 };
	TPM2B_PUBLIC *pub = NULL;
	TSS2_TCTI_CONTEXT *tcti;
	TSS2_RC rc;

	if (esys)
		return 0;
	rc = Tss2_TctiLdr_Initialize("device:/dev/tpmrm0", &tcti);
	if (rc)
		return tss_fail(err, "open /dev/tpmrm0", rc);
	rc = Esys_Initialize(&esys, tcti, NULL);
	if (rc)
		return tss_fail(err, "initialize", rc);
	rc = Esys_CreatePrimary(esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD,
				ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl,
				&outside, &none, &ak, &pub, NULL, NULL, NULL);
	if (rc) {
		Esys_Finalize(&esys);
		esys = NULL;
		return tss_fail(err, "create AK", rc);
	}
	ak_public_b64 = spki_b64(pub);
	Esys_Free(pub);
	return ak_public_b64 ? 0 : tss_fail(err, "AK public key", 0);
}

static int read_pcrs(uint8_t values[PCRS][32], char *err)
{
	TPML_PCR_SELECTION sel = {
		.count = 1,
		.pcrSelections[0] = { .hash = TPM2_ALG_SHA256, .sizeofSelect = 3,
				      .pcrSelect = { 0xff, 0xff, 0xff } },
	};
	int got = 0;

	while (got < PCRS) {
		TPML_PCR_SELECTION *out_sel = NULL;
		TPML_DIGEST *digests = NULL;
		UINT32 counter;
		TSS2_RC rc;
		int k = 0;

		rc = Esys_PCR_Read(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   &sel, &counter, &out_sel, &digests);
		if (rc)
			return tss_fail(err, "PCR_Read", rc);
		for (int pcr = 0; pcr < PCRS && k < (int)digests->count; pcr++) {
			uint8_t bit = (uint8_t)(1 << (pcr % 8));

			if (!(out_sel->pcrSelections[0].pcrSelect[pcr / 8] & bit))
				continue;
			memcpy(values[pcr], digests->digests[k++].buffer, 32);
			sel.pcrSelections[0].pcrSelect[pcr / 8] &= (uint8_t)~bit;
			got++;
		}
		Esys_Free(out_sel);
		Esys_Free(digests);
		if (!k)
			return tss_fail(err, "PCR_Read returned nothing", 0);
	}
	return 0;
}

static struct json_object *quote(const uint8_t *rd, size_t len,
				 unsigned int pcr, uint8_t pcrs[PCRS][32],
				 char *err)
{
	TPML_PCR_SELECTION sel = {
		.count = 1,
		.pcrSelections[0] = { .hash = TPM2_ALG_SHA256, .sizeofSelect = 3 },
	};
	TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_NULL };
	TPM2B_DATA qual = { .size = (UINT16)(len < 32 ? len : 32) };
	TPM2B_ATTEST *attest = NULL;
	TPMT_SIGNATURE *sig = NULL;
	uint8_t sigbuf[sizeof(TPMT_SIGNATURE)];
	struct json_object *q, *arr;
	size_t off = 0;
	char *b64, hex[65];
	TSS2_RC rc;

	sel.pcrSelections[0].pcrSelect[pcr / 8] = (uint8_t)(1 << (pcr % 8));
	memcpy(qual.buffer, rd, qual.size);
	rc = Esys_Quote(esys, ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
			&qual, &scheme, &sel, &attest, &sig);
	if (rc) {
		tss_fail(err, "Quote", rc);
		return NULL;
	}
	rc = Tss2_MU_TPMT_SIGNATURE_Marshal(sig, sigbuf, sizeof(sigbuf), &off);
	q = json_object_new_object();
	b64 = b64_encode(attest->attestationData, attest->size, false);
	json_object_object_add(q, "message", json_object_new_string(b64));
	free(b64);
	b64 = b64_encode(sigbuf, off, false);
	json_object_object_add(q, "signature", json_object_new_string(b64));
	free(b64);
	arr = json_object_new_array();
	for (int i = 0; i < PCRS; i++) {
		json_object_array_add(arr, json_object_new_string(aael_hex(hex, pcrs[i], 32)));
	}
	json_object_object_add(q, "pcrs", arr);
	Esys_Free(attest);
	Esys_Free(sig);
	if (rc) {
		json_object_put(q);
		tss_fail(err, "marshal signature", rc);
		return NULL;
	}
	return q;
}

struct json_object *tpm_evidence(const uint8_t *rd, size_t len, char *err)
{
	uint8_t before[PCRS][32], after[PCRS][32];
	struct json_object *ev = NULL, *q = NULL;
	struct aael_client *c;
	struct aael_status st;
	uint8_t *blob = NULL;
	size_t blob_len;
	char *b64;

	if (aael_client_open(&c, err))
		return NULL;
	if (aael_client_status(c, &st, err)) {
		aael_client_close(c);
		return NULL;
	}
	aael_client_close(c);
	if (strcmp(st.backend, "tpm") || st.index >= PCRS) {
		snprintf(err, AAEL_ERRLEN, "aael.ko does not log to a TPM PCR (backend %s)",
			 st.backend);
		return NULL;
	}
	pthread_mutex_lock(&tpm_lock);
	if (tpm_open(err))
		goto out;
	for (int attempt = 0; attempt < 8; attempt++) {
		free(blob);
		blob = NULL;
		json_object_put(q);
		q = NULL;
		if (read_pcrs(before, err) || aael_log_blob(&blob, &blob_len, err) ||
		    !(q = quote(rd, len, st.index, before, err)) ||
		    read_pcrs(after, err))
			goto out;
		if (!memcmp(before, after, sizeof(before)))
			break;
		if (attempt == 7) {
			snprintf(err, AAEL_ERRLEN,
				 "PCRs kept changing during the quote: retry");
			goto out;
		}
	}
	ev = json_object_new_object();
	json_object_object_add(ev, "ak_public", json_object_new_string(ak_public_b64));
	json_object_object_add(ev, "tpm_quote", q);
	q = NULL;
	b64 = b64_encode(blob, blob_len, false);
	json_object_object_add(ev, "cc_eventlog", json_object_new_string(b64));
	free(b64);
out:
	pthread_mutex_unlock(&tpm_lock);
	json_object_put(q);
	free(blob);
	return ev;
}
