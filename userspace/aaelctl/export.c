// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * aaelctl export --format tcg2|cc-eventlog|cel-json [--ccel FILE] [-o FILE]
 *
 * tcg2:        the kernel's log as a TCG2 binary log.
 * cc-eventlog: what the attestation agent puts in TDX evidence: the firmware
 *              CCEL cut at its end marker (or our Spec ID header when there
 *              is none), the records, 8 x 0xFF; standard base64.
 * cel-json:    TCG Canonical Event Log records, JSON.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include "aaelctl.h"
#include "../lib/util.h"

#define CCEL_SYSFS "/sys/firmware/acpi/tables/data/CCEL"

/* Standard base64 of the agent's framing (libaael builds it). */
static int export_cc_eventlog(FILE *out, const char *ccel_path)
{
	struct aael_status st;
	struct log_source ccel = { 0 };
	char err[AAEL_ERRLEN] = "";
	struct aael_client *c;
	uint8_t *blob = NULL;
	size_t len = 0;
	char *b64;
	int rc;

	if (ccel_path && source_load_file(&ccel, ccel_path))
		return EXIT_ERROR;
	if (open_client(&c)) {
		source_free(&ccel);
		return EXIT_ERROR;
	}
	rc = aael_client_cc_eventlog(c, ccel.buf, ccel.len, &st, &blob, &len,
				     err);
	aael_client_close(c);
	source_free(&ccel);
	if (rc) {
		fprintf(stderr, "aaelctl: cc-eventlog: %s\n", err);
		return EXIT_ERROR;
	}
	b64 = aael_b64_encode(blob, len, false);
	if (!b64) {
		fprintf(stderr, "aaelctl: cc-eventlog: out of memory\n");
		free(blob);
		return EXIT_ERROR;
	}
	fprintf(out, "%s\n", b64);
	free(b64);
	free(blob);
	return 0;
}

static int export_cel_json(FILE *out, const struct log_source *src)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < src->log.nr_events; i++) {
		const struct aael_log_event *ev = &src->log.events[i];
		struct json_object *rec = json_object_new_object();
		struct json_object *digests = json_object_new_array();
		struct json_object *content = json_object_new_object();
		char *b64 = aael_b64_encode(ev->data, ev->data_len, false);

		if (!b64) {
			json_object_put(content);
			json_object_put(digests);
			json_object_put(rec);
			json_object_put(arr);
			fprintf(stderr, "aaelctl: cel-json: out of memory\n");
			return EXIT_ERROR;
		}
		for (unsigned int k = 0; k < ev->nr_digests; k++) {
			struct json_object *d = json_object_new_object();
			char hex[2 * AAEL_MAX_DIGEST + 1];

			aael_hex(hex, ev->digests[k].bytes, ev->digests[k].size);
			json_object_object_add(d, "hashAlg",
					       json_object_new_string(aael_alg_name(ev->digests[k].alg)));
			json_object_object_add(d, "digest", json_object_new_string(hex));
			json_object_array_add(digests, d);
		}
		json_object_object_add(rec, "recnum",
				       json_object_new_int64((int64_t)(src->first_seq + i)));
		json_object_object_add(rec, "pcr", json_object_new_int64(ev->pcr));
		json_object_object_add(rec, "digests", digests);
		json_object_object_add(rec, "content_type",
				       json_object_new_string("pcclient_std"));
		json_object_object_add(content, "event_type",
				       json_object_new_int64(ev->type));
		json_object_object_add(content, "event_data", json_object_new_string(b64));
		json_object_object_add(rec, "content", content);
		json_object_array_add(arr, rec);
		free(b64);
	}
	fprintf(out, "%s\n", json_object_to_json_string_ext(arr,
		JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(arr);
	return 0;
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ "ccel", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ 0 }
	};
	const char *fmt = NULL, *ccel = NULL, *output = NULL;
	struct log_source src;
	struct aael_client *c = NULL;
	FILE *out = stdout;
	int o, rc;

	while ((o = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (o == 'F')
			fmt = optarg;
		else if (o == 'c')
			ccel = optarg;
		else if (o == 'o')
			output = optarg;
		else
			goto usage;
	}
	if (optind != argc || !fmt || (strcmp(fmt, "tcg2") &&
	    strcmp(fmt, "cc-eventlog") && strcmp(fmt, "cel-json")))
		goto usage;
	if (!ccel && !strcmp(fmt, "cc-eventlog") && access(CCEL_SYSFS, R_OK) == 0)
		ccel = CCEL_SYSFS;
	if (output && !(out = fopen(output, "wb"))) {
		perror(output);
		return EXIT_ERROR;
	}
	if (!strcmp(fmt, "cc-eventlog")) {
		rc = export_cc_eventlog(out, ccel);
	} else {
		if (open_client(&c))
			rc = EXIT_ERROR;
		else
			rc = source_load_live(&src, c, 0) ? EXIT_ERROR : 0;
		aael_client_close(c);
		if (!rc && !strcmp(fmt, "tcg2"))
			rc = fwrite(src.buf, 1, src.len, out) == src.len ? 0 : EXIT_ERROR;
		else if (!rc)
			rc = export_cel_json(out, &src);
		if (!rc)
			source_free(&src);
	}
	if ((out != stdout && fclose(out)) || (out == stdout && fflush(out)))
		rc = EXIT_ERROR;
	return rc;
usage:
	fprintf(stderr, "usage: aaelctl export --format tcg2|cc-eventlog|cel-json [--ccel FILE] [-o FILE]\n");
	return EXIT_USAGE;
}
