// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the TCG2/CCEL log parser, replay and claims on any bytes.
 * Beyond not crashing, an accepted log must obey the end-of-log rule
 * (eventlog.c): its records tile the bytes up to log.end, what follows is a
 * whole end marker or nothing, and the log cut at log.end parses to the same
 * records and replays to the same registers.
 */
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "aael.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool is_marker(const uint8_t *p)
{
	static const uint8_t ff[8] = { 0xff, 0xff, 0xff, 0xff,
				       0xff, 0xff, 0xff, 0xff };
	static const uint8_t zero[8];

	return !memcmp(p, ff, 8) || !memcmp(p, zero, 8);
}

static void check_accepted(const uint8_t *data, size_t size,
			   const struct aael_eventlog *log)
{
	struct aael_eventlog again;
	char err[AAEL_ERRLEN];
	uint8_t a[AAEL_MAX_DIGEST] = { 0 }, b[AAEL_MAX_DIGEST] = { 0 };
	uint8_t *copy;

	if (log->end > size ||
	    (log->end < size && (size - log->end < 8 || !is_marker(data + log->end))))
		abort();
	for (size_t i = 0; i < log->nr_events; i++) {
		const struct aael_log_event *ev = &log->events[i];
		size_t next = i + 1 < log->nr_events ? log->events[i + 1].offset
						     : log->end;

		if ((size_t)(ev->data - data) + ev->data_len != next)
			abort();
	}
	/* An exact-size copy, so that ASan sees a read past log.end. */
	copy = malloc(log->end ? log->end : 1);
	if (!copy)
		return;
	memcpy(copy, data, log->end);
	if (aael_eventlog_parse(copy, log->end, &again, err) ||
	    again.nr_events != log->nr_events || again.end != log->end)
		abort();
	for (size_t i = 0; i < log->nr_events; i++) {
		const struct aael_log_event *x = &log->events[i];
		const struct aael_log_event *y = &again.events[i];

		if (x->offset != y->offset || x->pcr != y->pcr ||
		    x->type != y->type || x->nr_digests != y->nr_digests ||
		    x->data_len != y->data_len)
			abort();
	}
	/* Replays cost O(records) each: the first and the last record's. */
	for (size_t k = 0; k < 2 && log->nr_events; k++) {
		const struct aael_log_event *ev =
			&log->events[k ? log->nr_events - 1 : 0];

		if (!ev->nr_digests)
			continue;
		if (aael_replay(log, ev->pcr, ev->digests[0].alg, a) !=
		    aael_replay(&again, ev->pcr, ev->digests[0].alg, b) ||
		    memcmp(a, b, sizeof(a)))
			abort();
	}
	aael_eventlog_free(&again);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aael_eventlog log;
	char err[AAEL_ERRLEN] = "";

	if (aael_eventlog_parse(data, size, &log, err)) {
		if (!err[0])
			abort();	/* every refusal says why */
		return 0;
	}
	for (size_t i = 0; i < log.nr_events; i++)
		json_object_put(aael_event_to_json(&log.events[i]));
	check_accepted(data, size, &log);
	aael_eventlog_free(&log);
	return 0;
}
