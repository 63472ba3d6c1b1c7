// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The resource route (/cdh/, feature "resource"): a secret from the KBS,
 * as the confidential data hub hands it to the REST server (guest-components
 * api-server-rest/src/client/cdh.rs: kbs:// + the path; confidential-data-hub
 * kms/src/plugins/kbs/cc_kbc.rs and attestation-agent/kbs_protocol/src/
 * client/token_client.rs get_resource): a token from a fresh handshake,
 * GET /kbs/v0/resource/<repo>/<type>/<tag> with it, the JWE reply opened
 * with the token's tee key; the plaintext answered as application/
 * octet-stream, any failure 500 with the reason.
 *
 * Stricter than the REST server, which passes any path on: the path must
 * be exactly repository, type and tag as Trustee's resource API takes them
 * (kbs_resource_path_check: [A-Za-z0-9_-][A-Za-z0-9_.-]*, so no empty, "."
 * or ".." segment), else 400 -- so no request can name a KBS path that is
 * not a resource, and what reaches the KBS needs no escaping. The method
 * is not looked at, as the REST server does not.
 *
 * The resource is a secret: it is never logged, is wiped once sent
 * (reply_secret), and is never written anywhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aaeld.h"
#include "kbs.h"

static void run_resource(struct request *req)
{
	struct kbs_error e = { 0 };
	uint8_t *data = NULL;
	size_t len = 0;

	if (kbs_resource(&req->d->config, req->d->tee, req->arg, &data, &len, &e)) {
		reply_text(req, 500, "%s", e.detail);
		return;
	}
	reply_secret(req, 200, data, len);
}

void cdh_resource_get(struct request *req)
{
	char err[AAEL_ERRLEN], *path;

	/* routes.c hands over what follows "/resource": it starts with '/' */
	if (kbs_resource_path_check(req->path + 1, err)) {
		reply_text(req, 400, "%s", err);
		return;
	}
	path = strdup(req->path + 1);
	if (!path)
		return;
	req->arg = path;
	req->arg_free = free;
	slow_start(req, SLOW_KBS, run_resource);
}
