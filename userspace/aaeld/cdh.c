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
 * be exactly repository, type and tag, each 1 to 128 characters of
 * [A-Za-z0-9._-] and neither "." nor "..", else 400 -- so no request can
 * name a KBS path that is not a resource, and what reaches the KBS needs
 * no escaping. The method is not looked at, as the REST server does not.
 *
 * The resource is a secret: it is never logged, is wiped once sent
 * (reply_secret), and is never written anywhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aaeld.h"

#define SEGMENTS	3
#define SEGMENT_MAX	128

static bool segment_ok(const char *s, size_t n)
{
	if (!n || n > SEGMENT_MAX || (n == 1 && s[0] == '.') ||
	    (n == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789._-", s[i]) || !s[i])
			return false;
	return true;
}

/* "/repo/type/tag" -> "repo/type/tag", or false */
static bool resource_path_ok(const char *path)
{
	const char *p = path;
	int n = 0;

	while (*p == '/' && n < SEGMENTS) {
		size_t len = strcspn(p + 1, "/");

		if (!segment_ok(p + 1, len))
			return false;
		n++;
		p += 1 + len;
	}
	return n == SEGMENTS && !*p;
}

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
	char *path;

	if (!resource_path_ok(req->path)) {
		reply_text(req, 400,
			   "the resource path must be /<repository>/<type>/<tag>, each 1 to %d characters of A-Z a-z 0-9 . _ - and not . or ..",
			   SEGMENT_MAX);
		return;
	}
	path = strdup(req->path + 1);
	if (!path)
		return;
	req->arg = path;
	req->arg_free = free;
	slow_start(req, SLOW_KBS, run_resource);
}
