// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * aa.toml (the attestation agent's configuration) and Init-Data documents
 * (TOML, or the Kubernetes annotation form: gzip, then base64).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "aaeld.h"
#include "kbs.h"

int config_defaults(struct aaeld_config *c)
{
	memset(c, 0, sizeof(*c));
	c->init_pcr = 17;
	c->tee_key_algorithm = strdup("ECDH-ES+A256KW-P256");
	return c->tee_key_algorithm ? 0 : -1;
}

void config_free(struct aaeld_config *c)
{
	free(c->kbs_url);
	free(c->kbs_cert);
	free(c->tee_key_algorithm);
	free(c->initdata);
	free(c->initdata_alg);
	free(c->initdata_aa);
	free(c->initdata_cdh);
	free(c->cdh_kbc);
	free(c->cdh_url);
	free(c->cdh_cert);
	memset(c, 0, sizeof(*c));
}

/* A TOML string: a date-time reads as a string too, but is none. */
static bool is_text(struct json_object *v)
{
	return json_object_is_type(v, json_type_string) && !toml_datetime_kind(v);
}

static int get(struct json_object *t, const char *table, const char *key,
	       enum json_type type, struct json_object **v, char *err)
{
	struct json_object *tab;

	*v = NULL;
	if (!json_object_object_get_ex(t, table, &tab))
		return 0;
	if (!json_object_is_type(tab, json_type_object)) {
		snprintf(err, AAEL_ERRLEN, "[%s] must be a table", table);
		return -1;
	}
	if (!json_object_object_get_ex(tab, key, v))
		return 0;
	if (!json_object_is_type(*v, type)) {
		snprintf(err, AAEL_ERRLEN, "[%s] %s has the wrong type", table, key);
		return -1;
	}
	return 0;
}

/* A failed copy must not leave the field empty: an empty cert would mean
 * curl's default trust, an empty URL no KBS. */
static int set_string(char **dst, struct json_object *v)
{
	char *copy;

	if (!v)
		return 0;
	copy = strdup(json_object_get_string(v));
	if (!copy)
		return -1;
	free(*dst);
	*dst = copy;
	return 0;
}

int config_parse_aa_toml(struct aaeld_config *c, const char *text,
			 size_t len, char *err)
{
	struct json_object *t = toml_parse(text, len, err), *v;
	int rc = -1;

	if (!t)
		return -1;
	if (get(t, "eventlog_config", "init_pcr", json_type_int, &v, err))
		goto out;
	if (v) {
		int64_t pcr = json_object_get_int64(v);

		if (pcr < 0 || pcr > 23) {
			snprintf(err, AAEL_ERRLEN, "init_pcr = %lld: expected 0..23",
				 (long long)pcr);
			goto out;
		}
		c->init_pcr = (int)pcr;
	}
	if (get(t, "eventlog_config", "enable_eventlog", json_type_boolean, &v, err))
		goto out;
	if (v)
		c->enable_eventlog = json_object_get_boolean(v);
	if (get(t, "token_configs", "kbs", json_type_object, &v, err))
		goto out;
	if (v) {
		struct json_object *kbs = v, *x;

		if (json_object_object_get_ex(kbs, "url", &x)) {
			if (!is_text(x))
				goto wrong;
			if (set_string(&c->kbs_url, x))
				goto nomem;
		}
		if (json_object_object_get_ex(kbs, "cert", &x)) {
			if (!is_text(x))
				goto wrong;
			if (set_string(&c->kbs_cert, x))
				goto nomem;
		}
		if (json_object_object_get_ex(kbs, "tee_key_algorithm", &x)) {
			enum tee_key_alg alg;

			if (!is_text(x))
				goto wrong;
			/* the agent's serde refuses other names at start
			 * (kbs_protocol/src/keypair.rs TeeKeyAlgorithm) */
			if (tee_key_algorithm(json_object_get_string(x), &alg)) {
				snprintf(err, AAEL_ERRLEN,
					 "tee_key_algorithm \"%.40s\": expected ECDH-ES+A256KW-P256, ECDH-ES+A256KW-P521 or RSA-OAEP-256",
					 json_object_get_string(x));
				goto out;
			}
			if (set_string(&c->tee_key_algorithm, x))
				goto nomem;
		}
	}
	rc = 0;
	goto out;
wrong:
	snprintf(err, AAEL_ERRLEN, "[token_configs.kbs] values must be strings");
	goto out;
nomem:
	snprintf(err, AAEL_ERRLEN, "out of memory for aa.toml");
out:
	json_object_put(t);
	return rc;
}

int config_load(struct aaeld_config *c, const char *path, char *err)
{
	char sub[AAEL_ERRLEN];
	size_t len;
	char *text = aael_read_file(path, AAELD_FILE_MAX, &len, err);
	int rc;

	if (!text)
		return -1;
	rc = config_parse_aa_toml(c, text, len, sub);
	if (rc)
		snprintf(err, AAEL_ERRLEN, "%.50s: %.200s", path, sub);
	free(text);
	return rc;
}

/* gzip+base64 (the annotation form) to TOML; plain TOML passes through. */
int initdata_decode(const char *text, size_t len, char **toml, size_t *toml_len,
		    char *err)
{
	struct aael_buf out = { .max = AAELD_FILE_MAX };
	z_stream z = { 0 };
	uint8_t *gz;
	size_t gz_len;
	bool too_big = false;
	int zrc = Z_OK;

	/* base64 of a gzip header (1f 8b 08) starts "H4sI" */
	if (len < 4 || memcmp(text, "H4sI", 4)) {
		*toml = strndup(text, len);
		*toml_len = len;
		return *toml ? 0 : -1;
	}
	char *copy = strndup(text, len);

	/* strndup stops at a NUL: what follows one is not base64 anyway */
	len = copy ? strlen(copy) : 0;
	while (copy && len && (copy[len - 1] == '\n' || copy[len - 1] == ' '))
		copy[--len] = 0;
	if (!copy || aael_b64_decode(copy, &gz, &gz_len)) {
		free(copy);
		snprintf(err, AAEL_ERRLEN, "Init-Data: bad base64");
		return -1;
	}
	free(copy);
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		free(gz);
		snprintf(err, AAEL_ERRLEN, "Init-Data: out of memory");
		return -1;
	}
	z.next_in = gz;
	z.avail_in = (uInt)gz_len;
	while (zrc == Z_OK) {
		size_t room = out.max - out.len;
		int rc = room ? aael_buf_reserve(&out, room < 65536 ? room : 65536) : -E2BIG;

		if (rc) {
			too_big = rc == -E2BIG;
			zrc = Z_MEM_ERROR;
			break;
		}
		z.next_out = out.data + out.len;
		z.avail_out = (uInt)(out.cap - out.len);
		zrc = inflate(&z, Z_NO_FLUSH);
		out.len = out.cap - z.avail_out;
		out.data[out.len] = 0;
	}
	inflateEnd(&z);
	free(gz);
	if (zrc != Z_STREAM_END) {
		snprintf(err, AAEL_ERRLEN, "Init-Data: %s",
			 too_big ? "larger than 16 MiB once inflated" :
			 zrc == Z_MEM_ERROR ? "out of memory" : "bad gzip data");
		aael_buf_free(&out);
		return -1;
	}
	*toml = out.text;
	*toml_len = out.len;
	return 0;
}

/*
 * [data] NAME of an Init-Data document, when there: a string its parser
 * takes -- checked on a scratch configuration, since nothing in the
 * document may be applied before it is bound -- copied to *text.
 */
static int stage_file(struct json_object *data, const char *name,
		      int (*parse)(struct aaeld_config *, const char *, size_t, char *),
		      char **text, char *sub)
{
	char why[AAEL_ERRLEN] = "out of memory";
	struct aaeld_config scratch;
	struct json_object *v;
	int bad;

	if (!json_object_object_get_ex(data, name, &v))
		return 0;
	if (!is_text(v)) {
		snprintf(sub, AAEL_ERRLEN, "[data] \"%s\" must be a string", name);
		return -1;
	}
	bad = config_defaults(&scratch) ||
	      parse(&scratch, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v), why);
	config_free(&scratch);
	if (bad) {
		snprintf(sub, AAEL_ERRLEN, "%s inside: %.200s", name, why);
		return -1;
	}
	*text = strdup(json_object_get_string(v));
	if (!*text) {
		snprintf(sub, AAEL_ERRLEN, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * Init-Data: version, algorithm, [data] with "aa.toml" among its files.
 * Read and checked only: nothing in it is applied until initdata_apply(),
 * which main() calls once the document is bound to the TEE -- a KBS URL or
 * certificate from a document nobody verified must never be used.
 */
int initdata_load(struct aaeld_config *c, const char *path, char *err)
{
	struct json_object *doc = NULL, *data, *v;
	char sub[AAEL_ERRLEN] = "";
	size_t len, toml_len;
	char *text, *toml = NULL, *alg = NULL, *aa_text = NULL, *cdh_text = NULL;
	int rc = -1;

	text = aael_read_file(path, AAELD_FILE_MAX, &len, err);
	if (!text)
		return -1;
	if (initdata_decode(text, len, &toml, &toml_len, sub))
		goto out;
	doc = toml_parse(toml, toml_len, sub);
	if (!doc)
		goto out;
	if (!json_object_object_get_ex(doc, "version", &v) ||
	    !is_text(v)) {
		snprintf(sub, sizeof(sub), "missing version = \"0.1.0\"");
		goto out;
	}
	if (!json_object_object_get_ex(doc, "algorithm", &v) ||
	    !is_text(v) ||
	    (strcmp(json_object_get_string(v), "sha256") &&
	     strcmp(json_object_get_string(v), "sha384") &&
	     strcmp(json_object_get_string(v), "sha512"))) {
		snprintf(sub, sizeof(sub), "algorithm must be sha256, sha384 or sha512");
		goto out;
	}
	if (!json_object_object_get_ex(doc, "data", &data) ||
	    !json_object_is_type(data, json_type_object)) {
		snprintf(sub, sizeof(sub), "missing [data] table");
		goto out;
	}
	if (stage_file(data, "aa.toml", config_parse_aa_toml, &aa_text, sub) ||
	    stage_file(data, "cdh.toml", config_parse_cdh_toml, &cdh_text, sub))
		goto out;
	if (!json_object_object_get_ex(doc, "algorithm", &v) ||
	    !(alg = strdup(json_object_get_string(v)))) {
		snprintf(sub, sizeof(sub), "out of memory");
		goto out;
	}
	free(c->initdata);
	free(c->initdata_alg);
	free(c->initdata_aa);
	free(c->initdata_cdh);
	c->initdata = toml;
	c->initdata_alg = alg;
	c->initdata_aa = aa_text;
	c->initdata_cdh = cdh_text;
	toml = alg = aa_text = cdh_text = NULL;
	rc = 0;
out:
	if (rc)
		snprintf(err, AAEL_ERRLEN, "%.50s: %.200s", path, sub);
	json_object_put(doc);
	free(toml);
	free(alg);
	free(aa_text);
	free(cdh_text);
	free(text);
	return rc;
}

/*
 * The digest Trustee and the agent compute: the document's algorithm over
 * the TOML text exactly as sent in the attest request's init-data body
 * (trustee attestation-service/src/lib.rs parse_init_data; guest-components
 * attestation-agent/attestation-agent/src/initdata.rs parse_and_get_digest).
 */
int initdata_digest(const struct aaeld_config *c, uint8_t out[64],
		    size_t *len, char *err)
{
	const EVP_MD *md = c->initdata_alg ? EVP_get_digestbyname(c->initdata_alg) : NULL;
	unsigned int n;

	if (!c->initdata || !md ||
	    !EVP_Digest(c->initdata, strlen(c->initdata), out, &n, md, NULL)) {
		snprintf(err, AAEL_ERRLEN, "cannot hash the Init-Data (%s)",
			 c->initdata_alg ? c->initdata_alg : "no algorithm");
		return -1;
	}
	*len = n;
	return 0;
}

/* The Init-Data's aa.toml over the configuration, and its cdh.toml: after
 * the binding only. */
int initdata_apply(struct aaeld_config *c, char *err)
{
	char sub[AAEL_ERRLEN];

	/* an aa.toml read as the agent reads it: the event log is off unless
	 * it says otherwise (only without any aa.toml is aaeld's default on) */
	if (c->initdata_aa)
		c->enable_eventlog = false;
	if (c->initdata_aa &&
	    config_parse_aa_toml(c, c->initdata_aa, strlen(c->initdata_aa), sub)) {
		snprintf(err, AAEL_ERRLEN, "Init-Data aa.toml: %.200s", sub);
		return -1;
	}
	if (c->initdata_cdh &&
	    config_parse_cdh_toml(c, c->initdata_cdh, strlen(c->initdata_cdh), sub)) {
		snprintf(err, AAEL_ERRLEN, "Init-Data cdh.toml: %.200s", sub);
		return -1;
	}
	return 0;
}

/*
 * cdh.toml, the confidential data hub's configuration (guest-components
 * confidential-data-hub/hub/src/config/mod.rs CdhConfig): of it aaeld uses
 * [kbc] only (KbsConfig: name and url strings, url "" when absent, kbs_cert
 * an optional string); the other tables configure what aaeld does not do.
 * The hub needs [kbc] and a name (serde: no default). It refuses a kbc
 * other than cc_kbc and offline_fs_kbc when it first uses it
 * (kms/src/plugins/kbs/mod.rs); here that is refused at once, and so are a
 * cc_kbc without a url and an empty kbs_cert, which its KBS client cannot
 * use (kbs_protocol/src/builder.rs: reqwest's Certificate::from_pem("")
 * fails), so that a document the hub could not serve with is not taken.
 * Applied to c only when the whole table is good.
 */
int config_parse_cdh_toml(struct aaeld_config *c, const char *text,
			  size_t len, char *err)
{
	struct json_object *t = toml_parse(text, len, err), *kbc, *name, *url, *cert;
	char *n = NULL, *u = NULL, *k = NULL;
	int rc = -1;

	if (!t)
		return -1;
	if (!json_object_object_get_ex(t, "kbc", &kbc) ||
	    !json_object_is_type(kbc, json_type_object)) {
		snprintf(err, AAEL_ERRLEN, "no [kbc] table");
		goto out;
	}
	if (!json_object_object_get_ex(kbc, "name", &name) || !is_text(name)) {
		snprintf(err, AAEL_ERRLEN, "[kbc] name must be a string");
		goto out;
	}
	if ((json_object_object_get_ex(kbc, "url", &url) && !is_text(url)) ||
	    (json_object_object_get_ex(kbc, "kbs_cert", &cert) && !is_text(cert))) {
		snprintf(err, AAEL_ERRLEN, "[kbc] url and kbs_cert must be strings");
		goto out;
	}
	if (!json_object_object_get_ex(kbc, "url", &url))
		url = NULL;
	if (!json_object_object_get_ex(kbc, "kbs_cert", &cert))
		cert = NULL;
	if (strcmp(json_object_get_string(name), "cc_kbc") &&
	    strcmp(json_object_get_string(name), "offline_fs_kbc")) {
		snprintf(err, AAEL_ERRLEN, "[kbc] name \"%.40s\": expected cc_kbc or offline_fs_kbc",
			 json_object_get_string(name));
		goto out;
	}
	if (!strcmp(json_object_get_string(name), "cc_kbc")) {
		if (!url || !json_object_get_string_len(url)) {
			snprintf(err, AAEL_ERRLEN, "[kbc] name = \"cc_kbc\" needs a url");
			goto out;
		}
		if (cert && !json_object_get_string_len(cert)) {
			snprintf(err, AAEL_ERRLEN, "[kbc] kbs_cert is empty (omit it for none)");
			goto out;
		}
	}
	n = strdup(json_object_get_string(name));
	u = url ? strdup(json_object_get_string(url)) : NULL;
	k = cert ? strdup(json_object_get_string(cert)) : NULL;
	if (!n || (url && !u) || (cert && !k)) {
		snprintf(err, AAEL_ERRLEN, "out of memory for cdh.toml");
		goto out;
	}
	free(c->cdh_kbc);
	free(c->cdh_url);
	free(c->cdh_cert);
	c->cdh_kbc = n;
	c->cdh_url = u;
	c->cdh_cert = k;
	n = u = k = NULL;
	rc = 0;
out:
	free(n);
	free(u);
	free(k);
	json_object_put(t);
	return rc;
}

/*
 * Where resources come from. The hub's own: cdh.toml's [kbc] when the
 * Init-Data has one, else agent.aa_kbc_params (CdhConfig::
 * default_with_kernel_cmdline; no kbs_cert then). aaeld falls back to its
 * attestation KBS instead, aa.toml's or else agent.aa_kbc_params
 * (main.c): the agent's tokens come from it, and the hub's cc_kbc fetches
 * with such a token, so a hub sent elsewhere would be refused there too.
 */
int config_resource_kbs(const struct aaeld_config *c, const char **url,
			const char **cert, char *err)
{
	*url = *cert = NULL;
	if (c->cdh_kbc && strcmp(c->cdh_kbc, "cc_kbc")) {
		snprintf(err, AAEL_ERRLEN,
			 "Init-Data cdh.toml [kbc] name = \"%.40s\": resources from a local store, which aaeld does not serve",
			 c->cdh_kbc);
		return -1;
	}
	if (c->cdh_kbc) {
		*url = c->cdh_url;
		*cert = c->cdh_cert;
		return 0;
	}
	if (!c->kbs_url) {
		snprintf(err, AAEL_ERRLEN,
			 "no KBS configured (Init-Data cdh.toml [kbc], aa.toml [token_configs.kbs] url, or agent.aa_kbc_params=cc_kbc::URL)");
		return -1;
	}
	*url = c->kbs_url;
	*cert = c->kbs_cert;
	return 0;
}

/*
 * The KBS when no aa.toml names one: the agent, started without a
 * configuration file, takes AA_KBC_PARAMS from the environment, else the
 * first agent.aa_kbc_params= word of the kernel command line; the value is
 * KBC::URI, split at "::" into exactly two parts, and only the cc_kbc KBC
 * gives a KBS (guest-components attestation-agent/attestation-agent/src/
 * config/aa_kbc_params.rs AaKbcParams::get_value, TryFrom<String>;
 * config/kbs.rs KbsConfig::new; config/mod.rs Config::from_file,
 * TokenConfigs::from_kernel_cmdline). *url is NULL when neither is given;
 * a malformed value is an error (the agent then has no KBS either).
 */
int kbc_params_url(const char *env, const char *cmdline, char **url, char *err)
{
	static const char key[] = "agent.aa_kbc_params=";
	const char *v = env, *sep;
	size_t n = v ? strlen(v) : 0;

	*url = NULL;
	for (const char *p = cmdline; !v && p && *p; p += n) {
		p += strspn(p, " \t\n\r\f\v");
		n = strcspn(p, " \t\n\r\f\v");
		if (n >= sizeof(key) - 1 && !strncmp(p, key, sizeof(key) - 1)) {
			v = p + sizeof(key) - 1;
			n -= sizeof(key) - 1;
		}
	}
	if (!v)
		return 0;
	sep = memmem(v, n, "::", 2);
	if (!sep || memmem(sep + 2, n - (size_t)(sep + 2 - v), "::", 2)) {
		snprintf(err, AAEL_ERRLEN, "aa_kbc_params \"%.*s\": expected KBC::URL",
			 (int)(n > 100 ? 100 : n), v);
		return -1;
	}
	if (sep - v != 6 || strncmp(v, "cc_kbc", 6)) {
		snprintf(err, AAEL_ERRLEN, "aa_kbc_params: KBC \"%.*s\" is not cc_kbc: no KBS",
			 (int)(sep - v > 40 ? 40 : sep - v), v);
		return -1;
	}
	if (sep + 2 == v + n) {
		snprintf(err, AAEL_ERRLEN, "aa_kbc_params: cc_kbc:: without a URL");
		return -1;
	}
	*url = strndup(sep + 2, n - (size_t)(sep + 2 - v));
	if (!*url) {
		snprintf(err, AAEL_ERRLEN, "out of memory");
		return -1;
	}
	return 0;
}

static const char *const feature_names[] = {
	[FEATURE_RESOURCE] = "resource",
	[FEATURE_ATTESTATION] = "attestation",
	[FEATURE_RESOURCE | FEATURE_ATTESTATION] = "all",
};

/* Exactly these three, case and all (api-server-rest/src/main.rs). */
int features_parse(const char *name, unsigned int *features)
{
	for (unsigned int i = 1; i < sizeof(feature_names) / sizeof(feature_names[0]); i++)
		if (!strcmp(name, feature_names[i])) {
			*features = i;
			return 0;
		}
	return -1;
}

const char *features_name(unsigned int features)
{
	return features && features < sizeof(feature_names) / sizeof(feature_names[0]) ?
	       feature_names[features] : "none";
}

/*
 * As the kata agent reads it (kata-containers src/agent/src/config.rs,
 * GUEST_COMPONENTS_REST_API_OPTION, get_guest_components_features_value):
 * whitespace-separated words, the key matched as a word's prefix, the value
 * all after it, the last occurrence winning; default resource. A value
 * other than all, attestation or resource stops the agent from starting:
 * here too.
 */
int cmdline_features(const char *cmdline, unsigned int *features, char *err)
{
	static const char key[] = "agent.guest_components_rest_api=";
	const char *p = cmdline;

	*features = FEATURE_RESOURCE;
	while ((p = strstr(p, key))) {
		bool word = p == cmdline || strchr(" \t\n\r\f\v", p[-1]);
		const char *v = p + sizeof(key) - 1;
		size_t n = strcspn(v, " \t\n\r\f\v");
		char value[16];

		p = v;
		if (!word)
			continue;
		snprintf(value, sizeof(value), "%.*s", (int)(n < 15 ? n : 15), v);
		if (n >= sizeof(value) || features_parse(value, features)) {
			snprintf(err, AAEL_ERRLEN,
				 "agent.guest_components_rest_api=%.*s: expected all, attestation or resource",
				 (int)(n > 64 ? 64 : n), v);
			return -1;
		}
	}
	return 0;
}
