// SPDX-License-Identifier: GPL-2.0-or-later
/* Until the JWE client lands (issue 11 item 2, in progress): refuse. */
#include "aaeld.h"

int kbs_resource(const struct aaeld_config *c, const struct tee_provider *tee,
		 const char *path, uint8_t **out, size_t *len,
		 struct kbs_error *e)
{
	(void)c;
	(void)tee;
	(void)path;
	(void)out;
	(void)len;
	return kbs_seterr(e, 500, "KBS resources are not implemented yet");
}
