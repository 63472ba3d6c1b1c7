// SPDX-License-Identifier: GPL-2.0
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
#include <openssl/evp.h>
#include "aaelctl.h"

#define CCEL_SYSFS "/sys/firmware/acpi/tables/data/CCEL"

static bool ccel_has_banks(const struct aael_eventlog *ccel,
			   const struct aael_status *st)
{
	for (unsigned int i = 0; i < st->nr_banks; i++) {
		bool found = false;

		for (unsigned int k = 0; k < ccel->nr_algs; k++)
			found |= ccel->algs[k] == st->value[i].alg;
		if (!found)
			return false;
	}
	return true;
}

static int export_cc_eventlog(FILE *out, const struct log_source *live,
			      const char *ccel_path)
{
	size_t hdr = live->log.nr_events ? live->log.events[0].offset : live->len;
	struct log_source ccel = { 0 };
	const uint8_t *head = live->buf;
	size_t head_len = hdr, total;
	uint8_t *blob;
	char *b64;

	if (ccel_path) {
		if (source_load_file(&ccel, ccel_path))
			return EXIT_ERROR;
		if (!ccel.log.has_spec_id ||
		    !ccel_has_banks(&ccel.log, &live->status)) {
			fprintf(stderr, "aaelctl: %s does not list the register's banks\n",
				ccel_path);
			source_free(&ccel);
			return EXIT_ERROR;
		}
		head = ccel.buf;
		head_len = ccel.log.end;
	}
	total = head_len + (live->len - hdr) + 8;
	blob = malloc(total);
	b64 = malloc(4 * ((total + 2) / 3) + 1);
	if (!blob || !b64) {
		free(blob);
		free(b64);
		source_free(&ccel);
		return EXIT_ERROR;
	}
	memcpy(blob, head, head_len);
	memcpy(blob + head_len, live->buf + hdr, live->len - hdr);
	memset(blob + total - 8, 0xff, 8);
	EVP_EncodeBlock((unsigned char *)b64, blob, (int)total);
	fprintf(out, "%s\n", b64);
	free(blob);
	free(b64);
	source_free(&ccel);
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
		char *b64 = malloc(4 * ((ev->data_len + 2) / 3) + 1);

		for (unsigned int k = 0; k < ev->nr_digests; k++) {
			struct json_object *d = json_object_new_object();
			char hex[2 * AAEL_MAX_DIGEST + 1];

			for (unsigned int b = 0; b < ev->digests[k].size; b++)
				sprintf(hex + 2 * b, "%02x", ev->digests[k].bytes[b]);
			json_object_object_add(d, "hashAlg",
					       json_object_new_string(aael_alg_name(ev->digests[k].alg)));
			json_object_object_add(d, "digest", json_object_new_string(hex));
			json_object_array_add(digests, d);
		}
		EVP_EncodeBlock((unsigned char *)b64, ev->data, (int)ev->data_len);
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
	struct aael_client *c;
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
	if (open_client(&c))
		return EXIT_ERROR;
	rc = source_load_live(&src, c, 0);
	aael_client_close(c);
	if (rc)
		return EXIT_ERROR;
	if (output && !(out = fopen(output, "wb"))) {
		perror(output);
		source_free(&src);
		return EXIT_ERROR;
	}
	if (!strcmp(fmt, "tcg2"))
		rc = fwrite(src.buf, 1, src.len, out) == src.len ? 0 : EXIT_ERROR;
	else if (!strcmp(fmt, "cc-eventlog"))
		rc = export_cc_eventlog(out, &src, ccel);
	else
		rc = export_cel_json(out, &src);
	source_free(&src);
	if ((out != stdout && fclose(out)) || (out == stdout && fflush(out)))
		rc = EXIT_ERROR;
	return rc;
usage:
	fprintf(stderr, "usage: aaelctl export --format tcg2|cc-eventlog|cel-json [--ccel FILE] [-o FILE]\n");
	return EXIT_USAGE;
}
