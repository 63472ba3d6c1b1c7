// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Intel TDX: the quote through configfs-tsm (Linux 6.7+) and the aael log,
 * as Trustee's TDX verifier reads them (trustee deps/verifier/src/tdx/
 * mod.rs: {quote, cc_eventlog}, both base64); Init-Data bound by
 * MRCONFIGID, which the host sets at launch.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <json-c/json.h>

#include "aaeld.h"

#define TSM_REPORTS	"/sys/kernel/config/tsm/report"

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
	quote = aael_read_file(path, AAELD_FILE_MAX, qlen, err);
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
	struct aael_status logst, st;
	size_t qlen = 0, blob_len = 0;
	uint64_t before;
	int attempt;

	memcpy(inblob, rd, len < 64 ? len : 64);
	for (attempt = 0; attempt < 8; attempt++) {
		free(quote);
		free(blob);
		quote = NULL;
		blob = NULL;
		if (kernel_status(&st, err))
			return NULL;
		before = st.count;
		quote = tsm_quote(inblob, &qlen, err);
		if (!quote)
			return NULL;
		if (kernel_cc_eventlog(&blob, &blob_len, &logst, err)) {
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
	ev = json_object_new_object();
	if (jadd_b64(ev, "quote", quote, qlen) ||
	    jadd_b64(ev, "cc_eventlog", blob, blob_len)) {
		snprintf(err, AAEL_ERRLEN, "out of memory for the evidence");
		json_object_put(ev);
		ev = NULL;
	}
out:
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

static int tdx_mrconfigid(uint8_t out[48], char *err)
{
	uint8_t zero[64] = { 0 }, *q;
	size_t n = 0, body;
	uint16_t version;

	q = aael_read_file(TDX_MEASUREMENTS, AAELD_FILE_MAX, &n, err);
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


/*
 * Init-Data is bound when MRCONFIGID, set by the host at launch, is its
 * digest zero-padded to 48 bytes (a sha512 digest cannot be).
 */
static int tdx_bind_initdata(const uint8_t *digest, size_t len,
			     const char *alg, char *msg)
{
	uint8_t mr[48], want[48] = { 0 };
	char hex[97];

	if (tdx_mrconfigid(mr, msg)) {
		char why[AAEL_ERRLEN];

		snprintf(why, sizeof(why), "%s", msg);
		snprintf(msg, AAEL_ERRLEN, "cannot read MRCONFIGID: %.200s", why);
		return -1;
	}
	memcpy(want, digest, len < 48 ? len : 48);
	if (len > 48 || memcmp(mr, want, 48)) {
		snprintf(msg, AAEL_ERRLEN,
			 "MRCONFIGID is %s, not its %s digest (zero-padded to 48 bytes)",
			 aael_hex(hex, mr, 48), alg);
		return -1;
	}
	snprintf(msg, AAEL_ERRLEN, "bound: MRCONFIGID = its digest");
	return 0;
}

static bool tdx_present(void)
{
	return access("/dev/tdx_guest", F_OK) == 0;
}

const struct tee_provider tee_tdx = {
	.name = "tdx",
	.present = tdx_present,
	.evidence = tdx_evidence,
	.bind_initdata = tdx_bind_initdata,
};
