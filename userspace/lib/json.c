// SPDX-License-Identifier: LGPL-2.1-or-later
/* Events as a verifier lists them (Trustee's claims), with json-c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "aael.h"
#include "record.h"
#include "util.h"

struct type_name {
	uint32_t type;
	const char *name;
};

/* TCG PC Client Platform Firmware Profile, event types. */
static const struct type_name type_names[] = {
	{ 0x00000000, "EV_PREBOOT_CERT" },
	{ 0x00000001, "EV_POST_CODE" },
	{ 0x00000002, "EV_UNUSED" },
	{ 0x00000003, "EV_NO_ACTION" },
	{ 0x00000004, "EV_SEPARATOR" },
	{ 0x00000005, "EV_ACTION" },
	{ 0x00000006, "EV_EVENT_TAG" },
	{ 0x00000007, "EV_S_CRTM_CONTENTS" },
	{ 0x00000008, "EV_S_CRTM_VERSION" },
	{ 0x00000009, "EV_CPU_MICROCODE" },
	{ 0x0000000A, "EV_PLATFORM_CONFIG_FLAGS" },
	{ 0x0000000B, "EV_TABLE_OF_DEVICES" },
	{ 0x0000000C, "EV_COMPACT_HASH" },
	{ 0x0000000D, "EV_IPL" },
	{ 0x0000000E, "EV_IPL_PARTITION_DATA" },
	{ 0x0000000F, "EV_NONHOST_CODE" },
	{ 0x00000010, "EV_NONHOST_CONFIG" },
	{ 0x00000011, "EV_NONHOST_INFO" },
	{ 0x00000012, "EV_OMIT_BOOT_DEVICE_EVENTS" },
	{ 0x80000001, "EV_EFI_VARIABLE_DRIVER_CONFIG" },
	{ 0x80000002, "EV_EFI_VARIABLE_BOOT" },
	{ 0x80000003, "EV_EFI_BOOT_SERVICES_APPLICATION" },
	{ 0x80000004, "EV_EFI_BOOT_SERVICES_DRIVER" },
	{ 0x80000005, "EV_EFI_RUNTIME_SERVICES_DRIVER" },
	{ 0x80000006, "EV_EFI_GPT_EVENT" },
	{ 0x80000007, "EV_EFI_ACTION" },
	{ 0x80000008, "EV_EFI_PLATFORM_FIRMWARE_BLOB" },
	{ 0x80000009, "EV_EFI_HANDOFF_TABLES" },
	{ 0x8000000A, "EV_EFI_PLATFORM_FIRMWARE_BLOB2" },
	{ 0x8000000B, "EV_EFI_HANDOFF_TABLES2" },
	{ 0x8000000C, "EV_EFI_VARIABLE_BOOT2" },
	{ 0x8000000D, "EV_EFI_GPT_EVENT2" },
	{ 0x80000010, "EV_EFI_HCRTM_EVENT" },
	{ 0x800000E0, "EV_EFI_VARIABLE_AUTHORITY" },
	{ 0x800000E1, "EV_EFI_SPDM_FIRMWARE_BLOB" },
	{ 0x800000E2, "EV_EFI_SPDM_FIRMWARE_CONFIG" },
};

const char *aael_event_type_name(uint32_t type)
{
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == type)
			return type_names[i].name;
	return "EV_UNKNOWN";
}

const char *aael_alg_display_name(uint16_t alg)
{
	switch (alg) {
	case AAEL_ALG_SHA1:
		return "SHA-1";
	case AAEL_ALG_SHA256:
		return "SHA-256";
	case AAEL_ALG_SHA384:
		return "SHA-384";
	case AAEL_ALG_SHA512:
		return "SHA-512";
	case AAEL_ALG_SM3_256:
		return "SM3";
	}
	return "unknown";
}

static struct json_object *base64(const uint8_t *p, size_t n)
{
	char *out = aael_b64_encode(p, n, false);
	struct json_object *s;

	if (!out)
		return NULL;
	s = json_object_new_string(out);
	free(out);
	return s;
}

static struct json_object *hex(const uint8_t *p, size_t n)
{
	char out[2 * AAEL_MAX_DIGEST + 1];

	return json_object_new_string(aael_hex(out, p,
					       n < AAEL_MAX_DIGEST ? n : AAEL_MAX_DIGEST));
}

/* content as a JSON value when the whole of it parses as one, else a string */
static struct json_object *content_value(const char *s, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *v = NULL;

	if (tok && len) {
		v = json_tokener_parse_ex(tok, s, (int)len);
		if (json_tokener_get_error(tok) != json_tokener_success ||
		    json_tokener_get_parse_end(tok) != len) {
			json_object_put(v);
			v = NULL;
		}
	}
	json_tokener_free(tok);
	return v ? v : json_object_new_string_len(s, (int)len);
}

static struct json_object *aael_details(const char *text, uint32_t len)
{
	struct json_object *d = json_object_new_object();
	struct json_object *data = json_object_new_object();
	struct aael_event_fields f;

	json_object_object_add(d, "string", json_object_new_string_len(text, (int)len));
	json_object_object_add(d, "unicode_name", json_object_new_string("AAEL"));
	if (aael_event_parse(text, len, &f) == 0) {
		json_object_object_add(data, "domain",
				       json_object_new_string_len(f.domain, (int)f.domain_len));
		json_object_object_add(data, "operation",
				       json_object_new_string_len(f.operation,
								  (int)f.operation_len));
		json_object_object_add(data, "content",
				       content_value(f.content, f.content_len));
	}
	json_object_object_add(d, "data", data);
	return d;
}

/* Text events: the event data is the string (trailing NULs dropped). */
static bool is_text_event(uint32_t type)
{
	return type == 0x80000007 || type == 0x0000000A || type == 0x00000008 ||
	       type == 0x00000005 || type == 0x00000001;
}

static struct json_object *details(const struct aael_log_event *ev)
{
	const char *text;
	uint32_t n;

	if (aael_event_is_aael(ev, &text, &n))
		return aael_details(text, n);
	if (ev->type == 0x00000004)
		return json_object_new_object();
	if (is_text_event(ev->type)) {
		struct json_object *d = json_object_new_object();

		n = ev->data_len;
		while (n && !ev->data[n - 1])
			n--;
		json_object_object_add(d, "string",
				       json_object_new_string_len((const char *)ev->data,
								  (int)n));
		return d;
	}
	return NULL;
}

struct json_object *aael_event_to_json(const struct aael_log_event *ev)
{
	struct json_object *o = json_object_new_object();
	struct json_object *digests = json_object_new_array();
	struct json_object *d;

	if (!o || !digests)
		return NULL;
	json_object_object_add(o, "index", json_object_new_int64(ev->pcr));
	json_object_object_add(o, "type_name",
			       json_object_new_string(aael_event_type_name(ev->type)));
	json_object_object_add(o, "digest_matches_event",
			       json_object_new_boolean(aael_event_digests_match(ev)));
	for (unsigned int i = 0; i < ev->nr_digests; i++) {
		struct json_object *one = json_object_new_object();

		json_object_object_add(one, "alg",
				       json_object_new_string(aael_alg_display_name(ev->digests[i].alg)));
		json_object_object_add(one, "digest",
				       hex(ev->digests[i].bytes, ev->digests[i].size));
		json_object_array_add(digests, one);
	}
	json_object_object_add(o, "digests", digests);
	json_object_object_add(o, "event", base64(ev->data, ev->data_len));
	d = details(ev);
	if (d)
		json_object_object_add(o, "details", d);
	return o;
}
