// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The KBS's sample TEE: no hardware at all. The evidence is the report
 * data as is (Trustee's sample verifier compares it with what it expects)
 * and the aael log; nothing vouches for either, which is the point of the
 * sample: testing the protocol, never a production guest.
 */
#include <stdio.h>
#include <stdlib.h>
#include <json-c/json.h>

#include "aaeld.h"

static struct json_object *sample_evidence(const uint8_t *rd, size_t len,
					   char *err)
{
	struct json_object *ev = json_object_new_object();
	uint8_t *blob = NULL;
	size_t blob_len;

	if (kernel_cc_eventlog(&blob, &blob_len, NULL, err)) {
		json_object_put(ev);
		return NULL;
	}
	if (jadd(ev, "svn", json_object_new_string("1")) ||
	    jadd_b64(ev, "report_data", rd, len) ||
	    jadd_b64(ev, "cc_eventlog", blob, blob_len)) {
		snprintf(err, AAEL_ERRLEN, "out of memory for the evidence");
		json_object_put(ev);
		ev = NULL;
	}
	free(blob);
	return ev;
}

/* Nothing to bind to: the caller warns that the document is unbound. */
static int sample_bind_initdata(const uint8_t *digest, size_t len,
				const char *alg, char *msg)
{
	(void)digest;
	(void)len;
	(void)alg;
	snprintf(msg, AAEL_ERRLEN, "tee sample has no register for it");
	return 1;
}

const struct tee_provider tee_sample = {
	.name = "sample",
	.evidence = sample_evidence,
	.bind_initdata = sample_bind_initdata,
};
