// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every answer aaeld gives. A request gets one: a second reply_*() call
 * replaces the first (the routes never make two). Errors take the REST
 * server's form (api-server-rest/src/router.rs bad_request, not_found,
 * internal_error...): the text as the body, no Content-Type -- except on
 * POST /aa/aael, whose callers read JSON (aa.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <openssl/crypto.h>

#include "aaeld.h"
#include "reply.h"

static void set(struct request *req, unsigned int status,
		struct MHD_Response *r, const char *content_type)
{
	struct answer *a = request_answer(req);

	if (r && content_type &&
	    MHD_add_response_header(r, "Content-Type", content_type) != MHD_YES) {
		MHD_destroy_response(r);
		r = NULL;
	}
	if (a->resp)
		MHD_destroy_response(a->resp);
	a->status = status;
	a->resp = r;
}

void reply_bytes(struct request *req, unsigned int status,
		 const char *content_type, const void *body, size_t n)
{
	set(req, status,
	    MHD_create_response_from_buffer(n, (void *)body, MHD_RESPMEM_MUST_COPY),
	    content_type);
}

struct secret {
	uint8_t *p;
	size_t n;
};

/* libmicrohttpd calls this once the body has been sent (or dropped). */
static void secret_free(void *cls)
{
	struct secret *s = cls;

	OPENSSL_clear_free(s->p, s->n);
	free(s);
}

void reply_secret(struct request *req, unsigned int status, uint8_t *body,
		  size_t n)
{
	struct secret *s = malloc(sizeof(*s));
	struct MHD_Response *r = NULL;

	if (s) {
		s->p = body;
		s->n = n;
		/* the buffer is sent from where it is: no copy to wipe */
		r = MHD_create_response_from_buffer_with_free_callback_cls(n, body,
									   secret_free, s);
	}
	if (!r) {
		OPENSSL_clear_free(body, n);
		free(s);
	}
	set(req, status, r, "application/octet-stream");
}

void reply_json_as(struct request *req, unsigned int status,
		   const char *content_type, struct json_object *o)
{
	const char *s = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;

	if (s)
		reply_bytes(req, status, content_type, s, strlen(s));
	else
		set(req, status, NULL, NULL);
	json_object_put(o);
}

void reply_json(struct request *req, unsigned int status,
		struct json_object *o)
{
	reply_json_as(req, status, "application/json", o);
}

void reply_text(struct request *req, unsigned int status, const char *fmt, ...)
{
	char text[AAEL_ERRLEN + 64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(text))
		n = sizeof(text) - 1;
	/* no Content-Type, as the REST server's error replies */
	reply_bytes(req, status, NULL, text, (size_t)n);
}

void reply_header(struct request *req, const char *name, const char *value)
{
	struct answer *a = request_answer(req);

	if (a->resp && MHD_add_response_header(a->resp, name, value) != MHD_YES) {
		MHD_destroy_response(a->resp);
		a->resp = NULL;
	}
}
