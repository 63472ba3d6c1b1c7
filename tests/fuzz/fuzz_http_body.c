// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: the body of POST /aa/aael as aaeld parses it. */
#include <string.h>

#include "../../userspace/aaeld/aaeld.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct event_req ev;
	const char *why;

	if (!event_req_parse((const char *)data, size, &ev, &why)) {
		/* what aaeld hands to the kernel: three C strings */
		if (strlen(ev.domain) + strlen(ev.operation) +
		    strlen(ev.content) == (size_t)-1)
			__builtin_trap();
		event_req_free(&ev);
	}
	return 0;
}
