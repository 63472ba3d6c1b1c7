// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: the TCG2/CCEL log parser, replay and claims on any bytes. */
#include <json-c/json.h>
#include "aael.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aael_eventlog log;
	char err[AAEL_ERRLEN];
	uint8_t value[AAEL_MAX_DIGEST];

	if (aael_eventlog_parse(data, size, &log, err))
		return 0;
	for (size_t i = 0; i < log.nr_events; i++) {
		struct json_object *o = aael_event_to_json(&log.events[i]);

		json_object_put(o);
		if (log.events[i].nr_digests)
			aael_replay(&log, log.events[i].pcr,
				    log.events[i].digests[0].alg, value);
	}
	aael_eventlog_free(&log);
	return 0;
}
