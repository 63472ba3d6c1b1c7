// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the event text parser the kernel runs on every write. A text
 * it accepts must re-join to the same bytes and encode to a record whose
 * text reads back unchanged.
 */
#include <stdlib.h>
#include <string.h>
#include "record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct aael_alg algs[] = { { AAEL_ALG_SHA256, 32 } };
	struct aael_event_fields f;
	const char *text;
	u32 text_len;
	char *joined;
	u8 *rec;

	if (aael_event_parse((const char *)data, size, &f))
		return 0;
	if (aael_event_text_size(&f) != size)
		abort();
	joined = malloc(size);
	aael_event_join(joined, &f);
	if (memcmp(joined, data, size))
		abort();
	rec = malloc(aael_record_size(algs, 1, size));
	aael_record_encode(rec, 23, algs, 1, joined, (u32)size);
	text = aael_record_text(rec, algs, 1, &text_len);
	if (text_len != size || memcmp(text, data, size))
		abort();
	free(rec);
	free(joined);
	return 0;
}
