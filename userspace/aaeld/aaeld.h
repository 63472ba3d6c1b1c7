/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef AAELD_H
#define AAELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "aael.h"

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
char *read_text_file(const char *path, size_t *len, char *err);
bool cmdline_enables_aa(const char *cmdline);
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

/* evidence.c */
enum tee { TEE_SAMPLE, TEE_TPM, TEE_TDX };
int tee_from_name(const char *name, enum tee *tee);
const char *tee_name(enum tee tee);
enum tee tee_detect(void);
/* Evidence JSON for report data (at most 64 bytes), or NULL with err. */
struct json_object *evidence_get(enum tee tee, const uint8_t *report_data,
				 size_t len, char *err);
/* The aael log as cc_eventlog bytes: Spec ID header, records, 8 x 0xFF. */
struct aael_status;
int aael_log_blob(uint8_t **blob, size_t *len, struct aael_status *st,
		  char *err);
struct json_object *tpm_evidence(const uint8_t *report_data, size_t len,
				 char *err);
/* PCR 8 = sha256(32 zero bytes || digest), extended now if PCR 8 is zero;
 * *extended says whether this call extended it. */
int tpm_bind_initdata(const uint8_t digest[32], bool *extended, char *err);
/* MRCONFIGID (48 bytes) of this TD, from configfs-tsm. */
int tdx_mrconfigid(uint8_t out[48], char *err);

/* kbs.c */
struct kbs_error {
	int status;			/* HTTP status for our caller */
	char detail[AAEL_ERRLEN];
};
struct json_object *kbs_token(const struct aaeld_config *c, enum tee tee,
			      struct kbs_error *e);

/* kbs_reply.c: the KBS client's parts without I/O */
struct evp_md_st;
int kbs_seterr(struct kbs_error *e, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A reply's HTTP status and body (NUL-terminated, or NULL) to *reply. */
int kbs_reply_parse(long status, const char *body, const char *path,
		    struct json_object **reply, struct kbs_error *e);
/* {"token", "tee_keypair"} for a token string and the tee key. */
struct json_object *kbs_token_result(struct json_object *token,
				     struct evp_pkey_st *key, struct kbs_error *e);
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
/* o[key] = v, taking v; -1 (v released) when o or v is NULL (out of
 * memory) or the add fails, so that a chain of adds needs one check. */
int jadd(struct json_object *o, const char *key, struct json_object *v);

/* http.c */
/* Routes that wait on the KBS, the TPM or the whole log: each class runs
 * at most max_slow[class] requests at once, on threads of their own. */
enum slow_class { SLOW_TOKEN, SLOW_EVIDENCE, SLOW_LOG, SLOW_CLASSES };
#define SLOW_MAX 64			/* the most a --max-*-requests may allow */

struct aaeld {
	struct aaeld_config config;
	enum tee tee;
	bool aa_routes;			/* agent.guest_components_rest_api */
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

/* shared helpers */
char *b64_encode(const uint8_t *p, size_t n, bool url);
int b64_decode(const char *s, uint8_t **out, size_t *len);

#endif
