// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The route table: which handler answers which path, and under which
 * feature. It matches the REST server's router (guest-components
 * api-server-rest/src/router.rs Router::route) rule by rule, so that a
 * workload sees the same status for the same request:
 *
 * - a peer that is not loopback: 403 "Forbidden", before anything else;
 * - /info answers GET, any other method 405 "Method Not Allowed";
 * - otherwise the path splits at its second '/' into a root ("/aa",
 *   "/cdh") and the rest (utils.rs split_nth_slash); no second '/' or
 *   another root: 404 "URL NOT FOUND";
 * - a root whose feature is off: 404 "Attestation Feature Not Enabled" or
 *   "Resource Feature Not Enabled", whatever the rest is;
 * - under /aa, the rest and the method select the handler exactly; any
 *   other pair (a known path with another method included) is 404 "URL NOT
 *   FOUND" -- the REST server has no 405 there;
 * - under /cdh, the rest splits again at its second '/': "/resource" and
 *   the resource path, for any method; anything else 404.
 *
 * aaeld's own route, GET /aa/aael (the log), lives under /aa like the
 * REST server's POST. Only POST /aa/aael reads a body; over --max-body it
 * refuses it (413) where the REST server reads any size.
 */
#include <string.h>

#include "aaeld.h"

struct route {
	const char *rest;		/* after the root */
	const char *method;
	void (*handler)(struct request *req);
};

static const struct route aa_routes[] = {
	{ "/token", "GET", aa_token_get },
	{ "/evidence", "GET", aa_evidence_get },
	{ "/additional-evidence", "GET", aa_additional_evidence_get },
	{ "/aael", "POST", aa_aael_post },
	{ "/aael", "GET", aa_aael_get },	/* aaeld's own */
};

static const struct root {
	const char *root;
	unsigned int feature;
	const char *off;		/* the 404's text when the feature is off */
	void (*dispatch)(struct request *req, const char *rest,
			 const char *method);
} roots[];

static void aa_dispatch(struct request *req, const char *rest,
			const char *method)
{
	for (size_t i = 0; i < sizeof(aa_routes) / sizeof(aa_routes[0]); i++)
		if (!strcmp(rest, aa_routes[i].rest) &&
		    !strcmp(method, aa_routes[i].method)) {
			aa_routes[i].handler(req);
			return;
		}
	reply_text(req, 404, "URL NOT FOUND");
}

/* The n-th '/' of s, or NULL (utils.rs split_nth_slash). */
static const char *nth_slash(const char *s, int n)
{
	for (; *s; s++)
		if (*s == '/' && !--n)
			return s;
	return NULL;
}

static void cdh_dispatch(struct request *req, const char *rest,
			 const char *method)
{
	const char *second = nth_slash(rest, 2);

	(void)method;
	if (second && (size_t)(second - rest) == strlen("/resource") &&
	    !strncmp(rest, "/resource", strlen("/resource"))) {
		req->path = second;
		cdh_resource_get(req);
		return;
	}
	reply_text(req, 404, "URL NOT FOUND");
}

static const struct root roots[] = {
	{ "/aa", FEATURE_ATTESTATION, "Attestation Feature Not Enabled", aa_dispatch },
	{ "/cdh", FEATURE_RESOURCE, "Resource Feature Not Enabled", cdh_dispatch },
};

void route_request(struct request *req, const char *method, bool loopback)
{
	const char *second;

	if (!loopback) {
		reply_text(req, 403, "Forbidden");
		return;
	}
	if (!strcmp(req->url, "/info")) {
		if (strcmp(method, "GET"))
			reply_text(req, 405, "Method Not Allowed");
		else
			info_get(req);
		return;
	}
	second = nth_slash(req->url, 2);
	for (size_t i = 0; second && i < sizeof(roots) / sizeof(roots[0]); i++) {
		const struct root *r = &roots[i];

		if ((size_t)(second - req->url) != strlen(r->root) ||
		    strncmp(req->url, r->root, strlen(r->root)))
			continue;
		if (!(req->d->features & r->feature))
			reply_text(req, 404, "%s", r->off);
		else
			r->dispatch(req, second, method);
		return;
	}
	reply_text(req, 404, "URL NOT FOUND");
}
