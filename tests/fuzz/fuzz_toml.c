// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: aaeld's TOML reader, aa.toml and Init-Data decoding. */
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "../../userspace/aaeld/aaeld.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aaeld_config c;
	char err[AAEL_ERRLEN], *toml;
	size_t len;

	json_object_put(toml_parse((const char *)data, size, err));
	config_defaults(&c);
	config_parse_aa_toml(&c, (const char *)data, size, err);
	free(c.kbs_url);
	free(c.kbs_cert);
	free(c.tee_key_algorithm);
	if (!initdata_decode((const char *)data, size, &toml, &len, err))
		free(toml);
	return 0;
}
