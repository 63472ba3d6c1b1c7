// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which TEE this is and its evidence for some report data. Each TEE is a
 * provider in a file of its own (tee_*.c) that knows its hardware, its
 * evidence's shape as Trustee's verifier reads it (WIRE-FORMATS section 6)
 * and how Init-Data is bound to it; this file only chooses one.
 */
#include <stdio.h>
#include <string.h>

#include "aaeld.h"

/* Detection order: a TD may also have a (virtual) TPM, and then it is
 * the TD's quote that a verifier trusts. The sample TEE is never detected. */
static const struct tee_provider *const providers[] = {
	&tee_tdx, &tee_tpm, &tee_sample,
};

const struct tee_provider *tee_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		if (!strcmp(name, providers[i]->name))
			return providers[i];
	return NULL;
}

const struct tee_provider *tee_detect(void)
{
	for (size_t i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		if (providers[i]->present && providers[i]->present())
			return providers[i];
	return &tee_sample;
}

struct json_object *evidence_get(const struct tee_provider *tee,
				 const uint8_t *report_data, size_t len,
				 char *err)
{
	if (len > AAEL_REPORT_DATA_MAX) {
		snprintf(err, AAEL_ERRLEN, "report data longer than %d bytes",
			 AAEL_REPORT_DATA_MAX);
		return NULL;
	}
	return tee->evidence(report_data, len, err);
}
