// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TPM evidence (tss2 ESAPI) as Trustee's TPM verifier checks it and the
 * attestation agent produces it (trustee deps/verifier/src/tpm/mod.rs,
 * guest-components attestation-agent/attester/src/tpm/utils.rs get_quote):
 * {ak_public (DER SPKI, base64), tpm_quote: {message (TPMS_ATTEST),
 * signature (TPMT_SIGNATURE), pcrs (24 sha256 values, hex)}}, plus
 * cc_eventlog (the aael log: aael's extension, Trustee's TPM verifier reads
 * no log).
 *
 * The quote covers all 24 PCRs of the sha256 bank, because Trustee hashes
 * every listed value and compares that with pcrDigest (azure-cvm-tooling
 * az-cvm-vtpm/src/vtpm/verify.rs verify_pcrs); it is RSASSA-SHA256, with
 * extraData = the report data resized to 32 bytes (zero-padded or cut),
 * as both sides do. The PCRs are read before and after the log and the
 * quote, and pcrDigest is checked against the values read: a record made
 * in between retries, so log, values and quote always agree.
 *
 * The AK: the persistent key at AA_TPM_AK_HANDLE (hex, default 0x81010002)
 * when it exists, as the agent uses -- a provisioned AK is the one a
 * verifier can have been told to trust. Without one, a restricted RSA-2048
 * signing primary created under the endorsement hierarchy from the
 * standard template: deterministic (same key every start on the same TPM,
 * no NV storage needed) but certified by nobody. An AA_TPM_AK_HANDLE that
 * names no key is an error rather than a silent fallback.
 *
 * Init-Data binding (pcr8_bind): PCR 8 holds it, extended once from
 * zero with the document's sha256 digest, as the agent does at start
 * (attester/src/tpm/mod.rs bind_init_data) and Trustee expects
 * (PCR8 == sha256(32 zero bytes || digest)).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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
#define INITDATA_PCR 8
#define DEFAULT_AK_HANDLE 0x81010002u

static pthread_mutex_t tpm_lock = PTHREAD_MUTEX_INITIALIZER;
static ESYS_CONTEXT *esys;
static ESYS_TR ak = ESYS_TR_NONE;
static char *ak_public_b64;
static bool ak_persistent;

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
		out = aael_b64_encode(der, (size_t)len, false);
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

static int tpm_connect(char *err)
{
	TSS2_TCTI_CONTEXT *tcti;
	TSS2_RC rc;

	if (esys)
		return 0;
	rc = Tss2_TctiLdr_Initialize("device:/dev/tpmrm0", &tcti);
	if (rc)
		return tss_fail(err, "open /dev/tpmrm0", rc);
	rc = Esys_Initialize(&esys, tcti, NULL);
	if (rc) {
		esys = NULL;
		Tss2_TctiLdr_Finalize(&tcti);
		return tss_fail(err, "initialize", rc);
	}
	return 0;
}

/* AA_TPM_AK_HANDLE as the agent parses it: hex, "0x" optional. */
static int ak_handle(TPM2_HANDLE *h, bool *explicit, char *err)
{
	const char *v = getenv("AA_TPM_AK_HANDLE");
	char *end;
	unsigned long x;

	*explicit = v != NULL;
	*h = DEFAULT_AK_HANDLE;
	if (!v)
		return 0;
	if (!strncmp(v, "0x", 2) || !strncmp(v, "0X", 2))
		v += 2;
	x = strtoul(v, &end, 16);
	if (!*v || *end || x > 0xffffffffUL) {
		snprintf(err, AAEL_ERRLEN, "AA_TPM_AK_HANDLE=%s: not a hex handle",
			 getenv("AA_TPM_AK_HANDLE"));
		return -1;
	}
	*h = (TPM2_HANDLE)x;
	return 0;
}

/* The persistent AK, when there is one: 1 found, 0 absent, -1 error. */
static int ak_load_persistent(TPM2B_PUBLIC **pub, char *err)
{
	TPM2_HANDLE h;
	bool explicit;
	TSS2_RC rc;
	const TPMT_PUBLIC *p;

	if (ak_handle(&h, &explicit, err))
		return -1;
	rc = Esys_TR_FromTPMPublic(esys, h, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, &ak);
	if (rc) {
		ak = ESYS_TR_NONE;
		if (!explicit)
			return 0;
		snprintf(err, AAEL_ERRLEN, "AA_TPM_AK_HANDLE 0x%x: no key there (TPM 0x%x)",
			 h, rc);
		return -1;
	}
	rc = Esys_ReadPublic(esys, ak, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
			     pub, NULL, NULL);
	if (rc) {
		Esys_TR_Close(esys, &ak);
		return tss_fail(err, "read the AK's public area", rc);
	}
	p = &(*pub)->publicArea;
	if (p->type != TPM2_ALG_RSA || !(p->objectAttributes & TPMA_OBJECT_SIGN_ENCRYPT) ||
	    !(p->objectAttributes & TPMA_OBJECT_RESTRICTED)) {
		snprintf(err, AAEL_ERRLEN, "the AK at 0x%x is not a restricted RSA signing key", h);
		Esys_Free(*pub);
		*pub = NULL;
		Esys_TR_Close(esys, &ak);
		return -1;
	}
	return 1;
}

/* One connection and one AK per process (see the top of the file). */
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
	TSS2_RC rc;
	int found;

	if (ak_public_b64)
		return 0;
	if (tpm_connect(err))
		return -1;
	found = ak_load_persistent(&pub, err);
	if (found < 0)
		return -1;
	if (!found) {
		rc = Esys_CreatePrimary(esys, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD,
					ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl,
					&outside, &none, &ak, &pub, NULL, NULL, NULL);
		if (rc) {
			ak = ESYS_TR_NONE;
			return tss_fail(err, "create AK", rc);
		}
	}
	ak_persistent = found;
	ak_public_b64 = spki_b64(pub);
	Esys_Free(pub);
	if (!ak_public_b64) {
		if (!ak_persistent)
			Esys_FlushContext(esys, ak);
		else
			Esys_TR_Close(esys, &ak);
		ak = ESYS_TR_NONE;
		return tss_fail(err, "AK public key to DER", 0);
	}
	return 0;
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

/* The sha256 value of the status's register, or NULL when it has none. */
static const uint8_t *log_value(const struct aael_status *st)
{
	for (unsigned int i = 0; i < st->nr_banks; i++)
		if (st->value[i].alg == AAEL_ALG_SHA256 && st->value[i].size == 32)
			return st->value[i].bytes;
	return NULL;
}

/*
 * A quote of all 24 sha256 PCRs; NULL with err, or 1 in *changed when its
 * pcrDigest is not the digest of pcrs (a PCR moved after they were read).
 */
static struct json_object *quote(const uint8_t *rd, size_t len,
				 uint8_t pcrs[PCRS][32], int *changed, char *err)
{
	TPML_PCR_SELECTION sel = {
		.count = 1,
		.pcrSelections[0] = { .hash = TPM2_ALG_SHA256, .sizeofSelect = 3,
				      .pcrSelect = { 0xff, 0xff, 0xff } },
	};
	TPMT_SIG_SCHEME scheme = {
		.scheme = TPM2_ALG_RSASSA,
		.details.rsassa.hashAlg = TPM2_ALG_SHA256,
	};
	TPM2B_DATA qual = { .size = 32 };	/* zero-padded or cut to 32 */
	TPM2B_ATTEST *attest = NULL;
	TPMT_SIGNATURE *sig = NULL;
	TPMS_ATTEST info;
	uint8_t sigbuf[sizeof(TPMT_SIGNATURE)], want[32];
	struct json_object *q = NULL, *arr = NULL;
	size_t off = 0;
	char *msg = NULL, *sg = NULL, hex[65];
	unsigned int dlen;
	TSS2_RC rc;

	*changed = 0;
	memcpy(qual.buffer, rd, len < 32 ? len : 32);
	rc = Esys_Quote(esys, ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
			&qual, &scheme, &sel, &attest, &sig);
	if (rc) {
		tss_fail(err, "Quote", rc);
		return NULL;
	}
	rc = Tss2_MU_TPMT_SIGNATURE_Marshal(sig, sigbuf, sizeof(sigbuf), &off);
	if (rc) {
		tss_fail(err, "marshal signature", rc);
		goto out;
	}
	rc = Tss2_MU_TPMS_ATTEST_Unmarshal(attest->attestationData, attest->size,
					   NULL, &info);
	if (rc || info.type != TPM2_ST_ATTEST_QUOTE) {
		tss_fail(err, "read back the quote", rc);
		goto out;
	}
	if (!EVP_Digest(pcrs, PCRS * 32, want, &dlen, EVP_sha256(), NULL)) {
		snprintf(err, AAEL_ERRLEN, "sha256 failed");
		goto out;
	}
	if (info.attested.quote.pcrDigest.size != 32 ||
	    memcmp(info.attested.quote.pcrDigest.buffer, want, 32)) {
		*changed = 1;
		goto out;
	}
	msg = aael_b64_encode(attest->attestationData, attest->size, false);
	sg = aael_b64_encode(sigbuf, off, false);
	q = json_object_new_object();
	arr = json_object_new_array_ext(PCRS);
	for (int i = 0; arr && i < PCRS; i++) {
		struct json_object *v = json_object_new_string(aael_hex(hex, pcrs[i], 32));

		/* a NULL string would be added as JSON null */
		if (!v || json_object_array_add(arr, v)) {
			json_object_put(v);
			json_object_put(arr);
			arr = NULL;
		}
	}
	if (!msg || !sg || jadd(q, "message", json_object_new_string(msg)) ||
	    jadd(q, "signature", json_object_new_string(sg)) || jadd(q, "pcrs", arr)) {
		arr = NULL;
		json_object_put(q);
		q = NULL;
		snprintf(err, AAEL_ERRLEN, "out of memory for the evidence");
	}
out:
	free(msg);
	free(sg);
	Esys_Free(attest);
	Esys_Free(sig);
	return q;
}

static struct json_object *tpm_evidence(const uint8_t *rd, size_t len,
					char *err)
{
	uint8_t before[PCRS][32], after[PCRS][32];
	struct aael_status logst;
	const uint8_t *logged;
	struct json_object *ev = NULL, *q = NULL;
	struct aael_status st;
	uint8_t *blob = NULL;
	size_t blob_len;

	if (kernel_status(&st, err))
		return NULL;
	if (strcmp(st.backend, "tpm") || st.index >= PCRS) {
		/* the quote would not cover the log's register */
		snprintf(err, AAEL_ERRLEN, "aael.ko does not log to a TPM PCR (backend %s)",
			 st.backend);
		return NULL;
	}
	pthread_mutex_lock(&tpm_lock);
	if (tpm_open(err))
		goto out;
	for (int attempt = 0; attempt < 8; attempt++) {
		int changed;

		free(blob);
		blob = NULL;
		json_object_put(q);
		q = NULL;
		if (read_pcrs(before, err) ||
		    kernel_cc_eventlog(&blob, &blob_len, &logst, err))
			goto out;
		/*
		 * The kernel extends before it appends: a record can be in the
		 * PCR (and so in the quote) but not yet in the log. The log
		 * comes with the register value its records replay to, read
		 * with their count under the writers' lock; only when that is
		 * the PCR the quote covers do log and quote agree.
		 */
		logged = log_value(&logst);
		if (!logged) {
			snprintf(err, AAEL_ERRLEN,
				 "aael.ko did not give the log's sha256 register value (aaeld needs CAP_SYS_ADMIN)");
			goto out;
		}
		q = NULL;
		changed = 1;
		if (!memcmp(logged, before[st.index], 32)) {
			q = quote(rd, len, before, &changed, err);
			if (!q && !changed)
				goto out;
		}
		if (read_pcrs(after, err))
			goto out;
		if (q && !memcmp(before, after, sizeof(before)))
			break;
		if (attempt == 7) {
			snprintf(err, AAEL_ERRLEN,
				 "PCRs kept changing during the quote: retry");
			goto out;
		}
	}
	ev = json_object_new_object();
	if (jadd(ev, "ak_public", json_object_new_string(ak_public_b64)) ||
	    jadd(ev, "tpm_quote", json_object_get(q)) ||
	    jadd_b64(ev, "cc_eventlog", blob, blob_len)) {
		json_object_put(ev);
		ev = NULL;
		snprintf(err, AAEL_ERRLEN, "out of memory for the evidence");
	}
out:
	pthread_mutex_unlock(&tpm_lock);
	json_object_put(q);
	free(blob);
	return ev;
}

/* SHA-256(value || digest): one extend of a sha256 PCR. */
static int extend_of(const uint8_t value[32], const uint8_t digest[32],
		     uint8_t out[32])
{
	uint8_t in[64];
	unsigned int n;

	memcpy(in, value, 32);
	memcpy(in + 32, digest, 32);
	return EVP_Digest(in, sizeof(in), out, &n, EVP_sha256(), NULL) ? 0 : -1;
}

/*
 * The PCR is the once-per-boot state: it is zero from TPM reset (boot) on,
 * only an extend changes it, and what it holds is exactly what a verifier
 * checks -- a file or a kernel flag could say "bound" while the PCR says
 * otherwise, and would not survive as faithfully (a PCR cannot be rolled
 * back by a crash or a tmpfs). Zero: extend now. The binding of this
 * digest: bound already (aaeld restarted), nothing to do. Anything else:
 * another document or another extender was first; refuse.
 */
static int pcr8_bind(const uint8_t digest[32], bool *extended, char *err)
{
	static const uint8_t zero[32];
	uint8_t pcrs[PCRS][32], want[32];
	TPML_DIGEST_VALUES d = {
		.count = 1,
		.digests[0] = { .hashAlg = TPM2_ALG_SHA256 },
	};
	char have_hex[65], want_hex[65];
	TSS2_RC rc;
	int ret = -1;

	*extended = false;
	memcpy(d.digests[0].digest.sha256, digest, 32);
	if (extend_of(zero, digest, want)) {
		snprintf(err, AAEL_ERRLEN, "sha256 failed");
		return -1;
	}
	pthread_mutex_lock(&tpm_lock);
	if (tpm_connect(err) || read_pcrs(pcrs, err))
		goto out;
	if (!memcmp(pcrs[INITDATA_PCR], want, 32)) {
		ret = 0;
		goto out;
	}
	if (memcmp(pcrs[INITDATA_PCR], zero, 32)) {
		snprintf(err, AAEL_ERRLEN,
			 "PCR 8 (sha256) is %s, not this Init-Data's binding %s (sha256 of 32 zero bytes and the digest): another Init-Data was bound this boot, or something else extended PCR 8; refusing the document",
			 aael_hex(have_hex, pcrs[INITDATA_PCR], 32), aael_hex(want_hex, want, 32));
		goto out;
	}
	rc = Esys_PCR_Extend(esys, ESYS_TR_PCR0 + INITDATA_PCR, ESYS_TR_PASSWORD,
			     ESYS_TR_NONE, ESYS_TR_NONE, &d);
	if (rc) {
		tss_fail(err, "PCR_Extend of PCR 8", rc);
		goto out;
	}
	*extended = true;
	/* someone extending at the same moment would show here */
	if (read_pcrs(pcrs, err))
		goto out;
	if (memcmp(pcrs[INITDATA_PCR], want, 32)) {
		snprintf(err, AAEL_ERRLEN,
			 "PCR 8 is %s after the extend, not %s: another extend raced this one",
			 aael_hex(have_hex, pcrs[INITDATA_PCR], 32), aael_hex(want_hex, want, 32));
		goto out;
	}
	ret = 0;
out:
	pthread_mutex_unlock(&tpm_lock);
	return ret;
}

/*
 * aael.ko logging to PCR 8 would extend the binding's PCR with every record:
 * Trustee's check (PCR 8 = one extend of the digest from zero) then fails
 * for good. Refused, whatever the order the two were started in.
 */
static int aael_on_pcr8(char *err)
{
	struct aael_status st;

	if (kernel_status(&st, err))
		return 0;	/* no module yet: it checks PCR 8 is not at zero */
	if (!strcmp(st.backend, "tpm") && st.index == INITDATA_PCR) {
		snprintf(err, AAEL_ERRLEN,
			 "aael.ko logs to PCR 8, the Init-Data binding's PCR (load it with another pcr=)");
		return -1;
	}
	return 0;
}

static int tpm_bind_initdata(const uint8_t *digest, size_t len,
			     const char *alg, char *msg)
{
	char hex[65];
	bool extended;

	if (len != 32) {
		snprintf(msg, AAEL_ERRLEN,
			 "algorithm = \"%s\": on a TPM the binding (PCR 8, sha256 bank) takes a sha256 digest; write algorithm = \"sha256\"",
			 alg);
		return -1;
	}
	if (aael_on_pcr8(msg) || pcr8_bind(digest, &extended, msg))
		return -1;
	snprintf(msg, AAEL_ERRLEN, "%s: PCR 8 = sha256(0^32 || %s)",
		 extended ? "bound now" : "already bound this boot",
		 aael_hex(hex, digest, 32));
	return 0;
}

static bool tpm_present(void)
{
	return access("/dev/tpmrm0", F_OK) == 0;
}

const struct tee_provider tee_tpm = {
	.name = "tpm",
	.present = tpm_present,
	.evidence = tpm_evidence,
	.bind_initdata = tpm_bind_initdata,
};
