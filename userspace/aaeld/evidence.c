// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Evidence providers: which TEE this is, and its evidence JSON for some
 * report data, in the shapes Trustee's verifiers read (WIRE-FORMATS
 * section 6). The aael log travels as cc_eventlog in every shape.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>
#include <openssl/evp.h>

#include "aaeld.h"

#define TSM_REPORTS	"/sys/kernel/config/tsm/report"
#define CCEL_TABLE	"/sys/firmware/acpi/tables/data/CCEL"

static const char *const tee_names[] = {
	[TEE_SAMPLE] = "sample", [TEE_TPM] = "tpm", [TEE_TDX] = "tdx",
};

int tee_from_name(const char *name, enum tee *tee)
{
	for (size_t i = 0; i < sizeof(tee_names) / sizeof(tee_names[0]); i++)
		if (!strcmp(name, tee_names[i])) {
			*tee = (enum tee)i;
			return 0;
		}
	return -1;
}

const char *tee_name(enum tee tee)
{
	return tee_names[tee];
}

/* TDX (configfs-tsm or the tdx_guest device), else a TPM, else sample. */
enum tee tee_detect(void)
{
	if (access("/dev/tdx_guest", F_OK) == 0)
		return TEE_TDX;
	if (access("/dev/tpmrm0", F_OK) == 0)
		return TEE_TPM;
	return TEE_SAMPLE;
}

static uint8_t *read_binary(const char *path, size_t *len)
{
	char err[AAEL_ERRLEN];

	return (uint8_t *)read_text_file(path, len, err);
}

/*
 * cc_eventlog: firmware CCEL (when there is one) + aael records + end.
 * st (may be NULL) gets the status that bounds it: its count of records
 * and the register values they replay to, read together by the kernel.
 */
int aael_log_blob(uint8_t **blob, size_t *len, struct aael_status *st,
		  char *err)
{
	struct aael_client *c;
	struct aael_status own;
	size_t ccel_len = 0;
	uint8_t *ccel = read_binary(CCEL_TABLE, &ccel_len);
	int rc;

	rc = aael_client_open(&c, err);
	if (!rc) {
		rc = aael_client_cc_eventlog(c, ccel, ccel_len, st ? st : &own,
					     blob, len, err);
		aael_client_close(c);
	}
	free(ccel);
	return rc;
}

static int add_log(struct json_object *ev, char *err)
{
	uint8_t *blob;
	size_t len;
	char *b64;
	int rc;

	if (aael_log_blob(&blob, &len, NULL, err))
		return -1;
	b64 = b64_encode(blob, len, false);
	free(blob);
	rc = !b64 || jadd(ev, "cc_eventlog", json_object_new_string(b64));
	free(b64);
	if (rc)
		snprintf(err, AAEL_ERRLEN, "out of memory for the evidence");
	return rc;
}

/* The KBS sample TEE: the report data as is (the verifier compares 48). */
static struct json_object *sample_evidence(const uint8_t *rd, size_t len,
					   char *err)
{
	struct json_object *ev = json_object_new_object();
	char *b64 = b64_encode(rd, len, false);
	int bad;

	bad = !b64 || jadd(ev, "svn", json_object_new_string("1")) ||
	      jadd(ev, "report_data", json_object_new_string(b64));
	free(b64);
	if (bad)
		snprintf(err, AAEL_ERRLEN, "out of memory for the evidence");
	if (bad || add_log(ev, err)) {
		json_object_put(ev);
		return NULL;
	}
	return ev;
}

static int write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY);
	ssize_t w;

	if (fd < 0)
		return -1;
	w = write(fd, p, n);
	close(fd);
	return w == (ssize_t)n ? 0 : -1;
}

/* A quote from configfs-tsm (6.7+) for a 64-byte inblob. */
static uint8_t *tsm_quote(const uint8_t inblob[64], size_t *qlen, char *err)
{
	char dir[128], path[160];
	uint8_t *quote = NULL;

	snprintf(dir, sizeof(dir), TSM_REPORTS "/aaeld-%d-%ld", getpid(),
		 random());
	if (mkdir(dir, 0700)) {
		snprintf(err, AAEL_ERRLEN, "%s: %s (configfs-tsm needs 6.7+)",
			 dir, strerror(errno));
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/inblob", dir);
	if (write_file(path, inblob, 64)) {
		snprintf(err, AAEL_ERRLEN, "%s: %s", path, strerror(errno));
		goto out;
	}
	snprintf(path, sizeof(path), "%s/outblob", dir);
	*qlen = 0;
	quote = read_binary(path, qlen);
	if (quote && !*qlen) {
		free(quote);
		quote = NULL;
	}
	if (!quote)
		snprintf(err, AAEL_ERRLEN, "no TDX quote from %s", path);
out:
	rmdir(dir);
	return quote;
}

/* The count of records the kernel's log holds now. */
static int log_count(uint64_t *count, char *err)
{
	struct aael_client *c;
	struct aael_status st;
	int rc = aael_client_open(&c, err);

	if (!rc) {
		rc = aael_client_status(c, &st, err);
		aael_client_close(c);
	}
	if (!rc)
		*count = st.count;
	return rc;
}

/*
 * configfs-tsm: a report with a 64-byte inblob, then cc_eventlog. The
 * kernel extends RTMR3 before it appends, under its writers' lock, and
 * the log is read with its count under that lock: when the count before
 * the quote is the count of the log read after it, no record was under
 * way at the quote, and the log replays to the quoted RTMR3. Otherwise
 * (a record came in between) again, as for a TPM quote.
 */
static struct json_object *tdx_evidence(const uint8_t *rd, size_t len,
					char *err)
{
	uint8_t inblob[64] = { 0 }, *quote = NULL, *blob = NULL;
	struct json_object *ev = NULL;
	struct aael_status logst;
	size_t qlen = 0, blob_len = 0;
	char *qb64 = NULL, *lb64 = NULL;
	uint64_t before;
	int attempt;

	memcpy(inblob, rd, len < 64 ? len : 64);
	for (attempt = 0; attempt < 8; attempt++) {
		free(quote);
		free(blob);
		quote = NULL;
		blob = NULL;
		if (log_count(&before, err))
			return NULL;
		quote = tsm_quote(inblob, &qlen, err);
		if (!quote)
			return NULL;
		if (aael_log_blob(&blob, &blob_len, &logst, err)) {
			free(quote);
			return NULL;
		}
		if (logst.count == before)
			break;
	}
	if (attempt == 8) {
		snprintf(err, AAEL_ERRLEN, "records kept coming during the quote: retry");
		goto out;
	}
	qb64 = b64_encode(quote, qlen, false);
	lb64 = b64_encode(blob, blob_len, false);
	ev = json_object_new_object();
	if (!qb64 || !lb64 || jadd(ev, "quote", json_object_new_string(qb64)) ||
	    jadd(ev, "cc_eventlog", json_object_new_string(lb64))) {
		snprintf(err, AAEL_ERRLEN, "out of memory for the evidence");
		json_object_put(ev);
		ev = NULL;
	}
out:
	free(qb64);
	free(lb64);
	free(quote);
	free(blob);
	return ev;
}

/*
 * MRCONFIGID, as the agent reads it (guest-components attestation-agent/
 * attester/src/tdx/mod.rs bind_init_data): the kernel's measurements file
 * (6.16+), else the TD's own quote through configfs-tsm -- Intel's quote
 * layout: a 48-byte header (version 4), or header plus a 6-byte body
 * descriptor (version 5); in the TD report body MRCONFIGID follows
 * TEE_TCB_SVN, MRSEAM, MRSIGNERSEAM, SEAMATTRIBUTES, TDATTRIBUTES, XFAM and
 * MRTD, at offset 184. Nothing here verifies the quote's signature: it is
 * this TD's own report, read to compare a value the verifier checks again.
 */
#define TDX_MEASUREMENTS "/sys/devices/virtual/misc/tdx_guest/measurements/mrconfigid"
#define TDX_BODY_MRCONFIGID 184

int tdx_mrconfigid(uint8_t out[48], char *err)
{
	uint8_t zero[64] = { 0 }, *q;
	size_t n = 0, body;
	uint16_t version;

	q = read_binary(TDX_MEASUREMENTS, &n);
	if (q && n == 48) {
		memcpy(out, q, 48);
		free(q);
		return 0;
	}
	free(q);
	q = tsm_quote(zero, &n, err);
	if (!q)
		return -1;
	version = (uint16_t)(n >= 2 ? q[0] | q[1] << 8 : 0);
	body = version == 4 ? 48 : version == 5 ? 54 : 0;
	if (!body || n < body + TDX_BODY_MRCONFIGID + 48) {
		snprintf(err, AAEL_ERRLEN,
			 "the TDX quote (version %u, %zu bytes) has no MRCONFIGID where Intel's layout puts it",
			 version, n);
		free(q);
		return -1;
	}
	memcpy(out, q + body + TDX_BODY_MRCONFIGID, 48);
	free(q);
	return 0;
}

struct json_object *evidence_get(enum tee tee, const uint8_t *report_data,
				 size_t len, char *err)
{
	if (len > 64) {
		snprintf(err, AAEL_ERRLEN, "report data longer than 64 bytes");
		return NULL;
	}
	switch (tee) {
	case TEE_SAMPLE:
		return sample_evidence(report_data, len, err);
	case TEE_TDX:
		return tdx_evidence(report_data, len, err);
	case TEE_TPM:
		return tpm_evidence(report_data, len, err);
	}
	return NULL;
}
