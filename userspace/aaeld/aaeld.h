/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef AAELD_H
#define AAELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "aael.h"
#include "../lib/util.h"

struct json_object;

/* toml.c */
struct json_object *toml_parse(const char *text, size_t len, char *err);
/* "datetime", "datetime-local", "date-local" or "time-local" for a TOML
 * date-time (read as a string), NULL for any other value.
 */
const char *toml_datetime_kind(struct json_object *v);

/* config.c: aa.toml and Init-Data */
struct aaeld_config {
	int init_pcr;
	bool enable_eventlog;
	char *kbs_url;
	char *kbs_cert;			/* PEM */
	char *tee_key_algorithm;
	char *initdata;			/* the Init-Data TOML, as given to the KBS */
	char *initdata_alg;		/* its algorithm: sha256, sha384, sha512 */
	char *initdata_aa;		/* its [data] "aa.toml", applied once bound */
	/* the confidential data hub's: its [data] "cdh.toml", applied once
	 * bound, gives [kbc] name, url, kbs_cert (kbs.h) */
	char *initdata_cdh;
	char *cdh_kbc, *cdh_url, *cdh_cert;
};

int config_defaults(struct aaeld_config *c);
void config_free(struct aaeld_config *c);
int config_parse_aa_toml(struct aaeld_config *c, const char *text,
			 size_t len, char *err);
int config_load(struct aaeld_config *c, const char *path, char *err);
int initdata_load(struct aaeld_config *c, const char *path, char *err);
int initdata_digest(const struct aaeld_config *c, uint8_t out[64],
		    size_t *len, char *err);
int initdata_apply(struct aaeld_config *c, char *err);
int initdata_decode(const char *text, size_t len, char **toml, size_t *toml_len,
		    char *err);
/* A configuration or sysfs file: at most 16 MiB, NUL-terminated. */
#define AAELD_FILE_MAX	(16u << 20)
/* Features (REST API areas), as the REST server's --features. */
enum { FEATURE_RESOURCE = 1, FEATURE_ATTESTATION = 2 };
/* "resource", "attestation" or "all" to FEATURE_* bits; -1 if none. */
int features_parse(const char *name, unsigned int *features);
const char *features_name(unsigned int features);
/* agent.guest_components_rest_api= of a kernel command line (the last
 * one), else the default: resource. -1 with err for an unknown value. */
int cmdline_features(const char *cmdline, unsigned int *features, char *err);
/* AA_KBC_PARAMS (env, or NULL), else agent.aa_kbc_params= in cmdline */
int kbc_params_url(const char *env, const char *cmdline, char **url, char *err);

/* tee_key.c: the tee key of a token request */
struct evp_pkey_st;
enum tee_key_alg { TEE_KEY_P256, TEE_KEY_P521, TEE_KEY_RSA };
int tee_key_algorithm(const char *name, enum tee_key_alg *alg);
struct evp_pkey_st *tee_key_new(enum tee_key_alg alg);
/* The public key as the runtime-data's tee-pubkey JWK, or NULL. */
struct json_object *tee_key_jwk(struct evp_pkey_st *key, enum tee_key_alg alg);

/* event.c: the POST /aa/aael body; members point into root */
struct event_req {
	struct json_object *root;
	const char *domain, *operation, *content;
};
int event_req_parse(const char *body, size_t len, struct event_req *ev,
		    const char **why);
void event_req_free(struct event_req *ev);

/* kernel.c: aaeld's only way to aael.ko */
int kernel_record(const char *domain, const char *operation,
		  const char *content, struct aael_recorded *rec, char *err);
int kernel_status(struct aael_status *st, char *err);
int kernel_dump(uint64_t from, aael_record_fn fn, void *arg, char *err);
/* The log as cc_eventlog bytes: firmware CCEL or Spec ID header, records,
 * 8 x 0xFF; st (may be NULL) gets the count and values it replays to. */
int kernel_cc_eventlog(uint8_t **blob, size_t *len, struct aael_status *st,
		       char *err);

/* evidence.c and tee_*.c: one provider per TEE */
#define AAEL_REPORT_DATA_MAX 64
struct tee_provider {
	const char *name;		/* as the KBS protocol names the TEE */
	bool (*present)(void);		/* NULL: never detected */
	/* Evidence JSON for report data (at most 64 bytes), or NULL with err. */
	struct json_object *(*evidence)(const uint8_t *rd, size_t len, char *err);
	/*
	 * Bind Init-Data's digest (len bytes of algorithm alg) to the TEE:
	 * 0 bound (msg says how), 1 nothing to bind to (msg says why), -1
	 * refused (msg says why): the document must not be used.
	 */
	int (*bind_initdata)(const uint8_t *digest, size_t len, const char *alg,
			     char *msg);
};
extern const struct tee_provider tee_sample, tee_tpm, tee_tdx;
const struct tee_provider *tee_by_name(const char *name);
const struct tee_provider *tee_detect(void);
struct json_object *evidence_get(const struct tee_provider *tee,
				 const uint8_t *report_data, size_t len,
				 char *err);

/* kbs.c */
struct kbs_error {
	int status;			/* HTTP status for our caller */
	char detail[AAEL_ERRLEN];
};
/* The agent's token reply {"token", "tee_keypair"} into out (secret). */
int kbs_token(const struct aaeld_config *c, const struct tee_provider *tee,
	      struct aael_buf *out, struct kbs_error *e);
/* The plaintext of KBS resource path "repo/type/tag" (malloc'd, a secret:
 * the caller wipes it), or -1 with e set. */
int kbs_resource(const struct aaeld_config *c, const struct tee_provider *tee,
		 const char *path, uint8_t **out, size_t *len,
		 struct kbs_error *e);

/* kbs_reply.c: the KBS client's parts without I/O */
struct evp_md_st;
int kbs_seterr(struct kbs_error *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A reply's HTTP status and body (NUL-terminated, or NULL) to *reply. */
int kbs_reply_parse(long status, const char *body, const char *path,
		    struct json_object **reply, struct kbs_error *e);
/* {"token", "tee_keypair"} for a token string and the tee key, written
 * into out (made secret: the private key is wiped when it is freed). */
int kbs_token_result(struct json_object *token, struct evp_pkey_st *key,
		     struct aael_buf *out, struct kbs_error *e);
/* {"supported-hash-algorithms": [...]} for the auth request */
struct json_object *kbs_request_extra_params(void);
/* The challenge's selected-hash-algorithm (sha384 when absent). */
int kbs_hash_selected(struct json_object *challenge, const struct evp_md_st **md,
		      struct kbs_error *e);
/* The runtime-data binding: md over the canonical runtime data (64 bytes max). */
int kbs_runtime_digest(const char *nonce, struct json_object *jwk,
		       const struct evp_md_st *md, uint8_t out[64], size_t *len);
/* The KBS URL without trailing '/', allocated. */
char *kbs_url_base(const char *url);


/* json.c: o[key] = v, taking v; -1 (v released) when o or v is NULL (out
 * of memory) or the add fails, so that a chain of adds needs one check. */
int jadd(struct json_object *o, const char *key, struct json_object *v);
/* o[key] = standard base64 of n bytes at p */
int jadd_b64(struct json_object *o, const char *key, const uint8_t *p,
	     size_t n);
/* One JSON value as serde_json reads it (strict grammar, valid UTF-8, only
 * whitespace after it), or NULL. */
struct json_object *json_parse_strict(const char *text, size_t len);
/* A string member, or NULL (missing, not a string, or holding a NUL). */
const char *json_string_member(struct json_object *o, const char *key);

/* server.c: the HTTP server. Routes that wait on the KBS, the TPM or the
 * whole log are "slow": each class runs at most max_slow[class] requests at
 * once, on threads of their own. */
enum slow_class { SLOW_KBS, SLOW_EVIDENCE, SLOW_LOG, SLOW_CLASSES };
#define SLOW_MAX 64			/* the most a --max-*-requests may allow */

struct aaeld {
	struct aaeld_config config;
	const struct tee_provider *tee;
	unsigned int features;		/* FEATURE_* */
	size_t max_body;
	unsigned int max_rate;		/* POST /aa/aael per second, 0: no limit */
	unsigned int max_slow[SLOW_CLASSES];
	const char *listen;		/* as given */
	const char *listen_unix;	/* unix:PATH, else listen_addr */
	struct sockaddr_storage listen_addr;
};
/* --listen ADDR:PORT, [ADDR6]:PORT or unix:PATH into d, or -1 with err. */
int http_listen_parse(struct aaeld *d, const char *listen, char *err);
int http_serve(struct aaeld *d);

/*
 * One HTTP request, as the routes see it. A handler answers with one
 * reply_*() call, or hands the request to a thread of its own with
 * slow_start() and answers there; the answer is sent once the handler (or
 * the slow thread) returns. No answer at all (out of memory) closes the
 * connection.
 */
struct request {
	struct aaeld *d;
	const char *url;		/* the path as sent (not decoded) */
	const char *path;		/* /cdh/resource: what follows "/resource" */
	const char *body;		/* NUL-terminated; NULL when empty */
	size_t len;
	bool too_big;			/* over --max-body: body is not kept */
	void *arg;			/* a slow route's arguments, freed after */
	void (*arg_free)(void *arg);
	struct request_state *state;	/* server.c's */
};
/* A query argument or header, or NULL. */
const char *request_arg(struct request *req, const char *name);
/* ... and the argument's length in bytes (it may hold a NUL) */
const char *request_arg_n(struct request *req, const char *name, size_t *size);
const char *request_header(struct request *req, const char *name);
/* Hand req to a new thread of class cls that runs run(req) and answers;
 * at the class's cap (or stopping) a 503 with Retry-After instead. */
void slow_start(struct request *req, enum slow_class cls,
		void (*run)(struct request *req));
/* Slow requests running now in class cls (for /info). */
unsigned int slow_running(enum slow_class cls);
const char *slow_class_name(enum slow_class cls);

/* reply.c: every answer aaeld gives is made here */
/* body: n bytes copied; content_type NULL: none */
void reply_bytes(struct request *req, unsigned int status,
		 const char *content_type, const void *body, size_t n);
/* A secret (a KBS resource): taken over, wiped when it has been sent. */
void reply_secret(struct request *req, unsigned int status, uint8_t *body,
		  size_t n);
/* o is taken (NULL: out of memory, no answer) */
void reply_json(struct request *req, unsigned int status,
		struct json_object *o);
/* ... as another content type (the agent's evidence: octet-stream) */
void reply_json_as(struct request *req, unsigned int status,
		   const char *content_type, struct json_object *o);
/* The REST server's error form: the text as the body, no Content-Type. */
void reply_text(struct request *req, unsigned int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A header on the answer just made (Retry-After). */
void reply_header(struct request *req, const char *name, const char *value);

/* routes.c: the route table; aa.c, cdh.c, info.c: the handlers */
void route_request(struct request *req, const char *method, bool loopback);
void aa_aael_post(struct request *req);
void aa_aael_get(struct request *req);
void aa_evidence_get(struct request *req);
void aa_additional_evidence_get(struct request *req);
void aa_token_get(struct request *req);
void cdh_resource_get(struct request *req);
void info_get(struct request *req);
/* rate.c: --max-rate's token bucket over POST /aa/aael */
void rate_start(unsigned int rate);
bool rate_allows(unsigned int rate);


#endif
