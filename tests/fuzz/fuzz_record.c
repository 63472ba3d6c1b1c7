// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: one TCG_PCR_EVENT2 as a netlink dump delivers it. */
#include "aael.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aael_log_event ev;
	struct aael_log_digest ds[AAEL_MAX_BANKS];
	char err[AAEL_ERRLEN];
	const char *text;
	uint32_t n;

	if (aael_event_decode(data, size, &ev, ds, err) == 0 &&
	    aael_event_is_aael(&ev, &text, &n))
		aael_event_digests_match(&ev);
	return 0;
}
