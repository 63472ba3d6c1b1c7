// SPDX-License-Identifier: GPL-2.0-or-later
/* aaelctl status [--json] */
#include <string.h>
#include <json-c/json.h>
#include "aaelctl.h"

int cmd_status(int argc, char **argv)
{
	bool json = argc == 2 && !strcmp(argv[1], "--json");
	char err[AAEL_ERRLEN], h[2 * AAEL_MAX_DIGEST + 1];
	struct aael_client *c;
	struct aael_status st;
	int rc;

	if (argc > 2 || (argc == 2 && !json)) {
		fprintf(stderr, "usage: aaelctl status [--json]\n");
		return EXIT_USAGE;
	}
	if (open_client(&c))
		return EXIT_ERROR;
	rc = aael_client_status(c, &st, err);
	aael_client_close(c);
	if (rc) {
		fprintf(stderr, "aaelctl: status: %s\n", err);
		return EXIT_ERROR;
	}
	if (json) {
		struct json_object *o = json_object_new_object();
		struct json_object *reg = json_object_new_object();

		json_object_object_add(o, "backend", json_object_new_string(st.backend));
		json_object_object_add(o, "hardware", json_object_new_boolean(st.hardware));
		json_object_object_add(o, "index", json_object_new_int64(st.index));
		json_object_object_add(o, "count", json_object_new_int64((int64_t)st.count));
		json_object_object_add(o, "log_size", json_object_new_int64((int64_t)st.log_size));
		json_object_object_add(o, "state",
				       json_object_new_string(st.broken ? "broken" : "ok"));
		json_object_object_add(o, "extend_failures",
				       json_object_new_int64((int64_t)st.failures));
		json_object_object_add(o, "max_event_size", json_object_new_int64(st.max_event));
		json_object_object_add(o, "max_log_size", json_object_new_int64((int64_t)st.max_log));
		for (unsigned int i = 0; i < st.nr_banks; i++) {
			aael_hex(h, st.value[i].bytes, st.value[i].size);
			json_object_object_add(reg, aael_alg_name(st.value[i].alg),
					       json_object_new_string(h));
		}
		json_object_object_add(o, "register", reg);
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
		json_object_put(o);
		return 0;
	}
	printf("backend: %s\nhardware: %s\nindex: %u\nrecords: %llu\n"
	       "log size: %llu bytes (cap %llu)\nextend failures: %llu\n"
	       "max event size: %u\nstate: %s\n",
	       st.backend, st.hardware ? "yes" : "no (NOT hardware-backed)",
	       st.index, (unsigned long long)st.count,
	       (unsigned long long)st.log_size, (unsigned long long)st.max_log,
	       (unsigned long long)st.failures, st.max_event,
	       st.broken ? "BROKEN (the log may not match the register; nothing more is recorded)" : "ok");
	for (unsigned int i = 0; i < st.nr_banks; i++) {
		aael_hex(h, st.value[i].bytes, st.value[i].size);
		printf("register %s: %s\n", aael_alg_name(st.value[i].alg), h);
	}
	if (!st.nr_banks)
		printf("register: not shown (reading it needs CAP_SYS_ADMIN)\n");
	return 0;
}
