/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef AAELD_KBS_H
#define AAELD_KBS_H

#include <stddef.h>
#include <stdint.h>
#include "aaeld.h"

/* config.c: cdh.toml's [kbc] into c->cdh_* (all of it, or nothing). */
int config_parse_cdh_toml(struct aaeld_config *c, const char *text,
			  size_t len, char *err);
/*
 * The KBS resources come from and its certificate (NULL: the system's
 * roots), pointing into c: Init-Data cdh.toml's [kbc], else the KBS of
 * aa.toml or agent.aa_kbc_params (c->kbs_url, c->kbs_cert). -1 with err
 * when there is none, or cdh.toml names a KBC other than cc_kbc.
 */
int config_resource_kbs(const struct aaeld_config *c, const char **url,
			const char **cert, char *err);

/* kbs_reply.c: "repo/type/tag" as Trustee's resource plugin takes it, or
 * -1 with err. kbs_resource() (aaeld.h) refuses other paths so. */
int kbs_resource_path_check(const char *path, char *err);

#endif
