// SPDX-License-Identifier: GPL-2.0-or-later
/* Building JSON replies and evidence with json-c, one check per chain. */
#include <stdlib.h>
#include <json-c/json.h>

#include "aaeld.h"

int jadd(struct json_object *o, const char *key, struct json_object *v)
{
	if (!o || !v || json_object_object_add(o, key, v)) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

int jadd_b64(struct json_object *o, const char *key, const uint8_t *p,
	     size_t n)
{
	char *b64 = aael_b64_encode(p, n, false);
	int rc = b64 ? jadd(o, key, json_object_new_string(b64)) : -1;

	free(b64);
	return rc;
}
