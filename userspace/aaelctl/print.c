// SPDX-License-Identifier: GPL-2.0-or-later
/* Record output shared by log and follow. */
#include <json-c/json.h>
#include "aaelctl.h"

/* Like ascii_runtime_measurements: one record, one line. */
void print_text_record(FILE *out, uint64_t seq,
		       const struct aael_log_event *ev)
{
	const char *text;
	uint32_t n;

	char hex[2 * AAEL_MAX_DIGEST + 1];

	fprintf(out, "%llu %u", (unsigned long long)seq, ev->pcr);
	for (unsigned int i = 0; i < ev->nr_digests; i++)
		fprintf(out, " %s:%s", aael_alg_name(ev->digests[i].alg),
			aael_hex(hex, ev->digests[i].bytes, ev->digests[i].size));
	if (aael_event_is_aael(ev, &text, &n)) {
		fputc(' ', out);
		for (uint32_t k = 0; k < n; k++) {
			unsigned char ch = (unsigned char)text[k];
			unsigned char next = k + 1 < n ? text[k + 1] : 0;

			/* C1 controls: both bytes of c2 80..c2 9f */
			if (ch == 0xc2 && next >= 0x80 && next <= 0x9f) {
				fprintf(out, "\\x%02x\\x%02x", ch, next);
				k++;
			} else if (ch < 0x20 || ch == 0x7f || ch == '\\') {
				fprintf(out, "\\x%02x", ch);
			} else {
				fputc(ch, out);
			}
		}
	} else {
		fprintf(out, " [%s, %u bytes]", aael_event_type_name(ev->type),
			ev->data_len);
	}
	fputc('\n', out);
}

int print_json_record(FILE *out, uint64_t seq,
		      const struct aael_log_event *ev, bool pretty)
{
	struct json_object *o = aael_event_to_json(ev);

	if (!o)
		return -1;
	json_object_object_add(o, "seq", json_object_new_int64((int64_t)seq));
	fprintf(out, "%s", json_object_to_json_string_ext(o,
		pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE
		       : JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return 0;
}
