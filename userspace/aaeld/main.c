// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * aaeld: the Confidential Containers attestation agent's REST API for the
 * event log, evidence and KBS tokens, on top of aael.ko. See aaeld(8).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "aaeld.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: aaeld [-c|--config aa.toml] [--initdata FILE]\n"
		"             [--listen ADDR:PORT|unix:PATH] [--tee auto|tpm|tdx|sample]\n"
		"             [--cmdline FILE] [--features resource|attestation|all]\n"
		"             [--max-body BYTES] [--max-rate RECORDS_PER_SECOND]\n"
		"             [--max-kbs-requests N] [--max-evidence-requests N]\n"
		"             [--max-log-requests N]\n\n"
		"The Confidential Containers REST API on 127.0.0.1:8006 (loopback clients\n"
		"only): /cdh/resource (feature resource), /aa/aael, /aa/evidence,\n"
		"/aa/additional-evidence, /aa/token (feature attestation), /info. The\n"
		"features are agent.guest_components_rest_api's on the kernel command line\n"
		"(default resource) unless --features says otherwise. See aaeld(8).\n");
}

/* Warn when aa.toml's init_pcr and the module's register disagree. */
static void check_register(const struct aaeld_config *c)
{
	char err[AAEL_ERRLEN];
	struct aael_status st;
	bool tdx;
	uint32_t p, want;

	if (kernel_status(&st, err)) {
		fprintf(stderr, "aaeld: warning: %s\n", err);
		return;
	}
	tdx = !strncmp(st.backend, "tdx", 3);
	p = (uint32_t)c->init_pcr;
	want = tdx ? aael_tdx_ccmr(p) : p;
	if (want != st.index)
		fprintf(stderr, "aaeld: warning: aa.toml init_pcr %u means register %u, but aael.ko records into %u (backend %s); the kernel decides\n",
			p, want, st.index, st.backend);
	if (!st.hardware)
		fprintf(stderr, "aaeld: warning: aael.ko's %s register is emulated: NOT hardware-backed\n",
			st.backend);
}

/*
 * Init-Data bound before first use: the TEE must already vouch for exactly
 * this document, else nothing in it is applied and aaeld does not start
 * (tee_*.c say how each TEE holds it).
 */
static int bind_initdata(struct aaeld *d)
{
	char msg[AAEL_ERRLEN];
	uint8_t digest[64];
	size_t len;

	if (!d->config.initdata)
		return 0;
	if (initdata_digest(&d->config, digest, &len, msg)) {
		fprintf(stderr, "aaeld: %s\n", msg);
		return -1;
	}
	switch (d->tee->bind_initdata(digest, len, d->config.initdata_alg, msg)) {
	case 0:
		fprintf(stderr, "aaeld: Init-Data %s\n", msg);
		return 0;
	case 1:
		fprintf(stderr, "aaeld: warning: Init-Data NOT bound (%s); a verifier cannot tell it from any other document\n",
			msg);
		return 0;
	}
	fprintf(stderr, "aaeld: Init-Data refused: %s\n", msg);
	return -1;
}

/*
 * Without an aa.toml (none given, none in the Init-Data) the KBS comes from
 * AA_KBC_PARAMS or the kernel command line, as the agent's (config.c). A
 * value naming no cc_kbc KBS leaves aaeld without one, as the agent: it
 * still records; token requests say why they fail.
 */
/* The kernel command line, read once, when first needed. */
static const char *cmdline_text(const char *path, char **cache, char *err)
{
	size_t len;

	if (!*cache)
		*cache = aael_read_file(path, AAELD_FILE_MAX, &len, err);
	return *cache;
}

static int kbs_from_params(struct aaeld_config *c, const char *cmdline,
			   char **cache)
{
	const char *env = getenv("AA_KBC_PARAMS");
	const char *text = NULL;
	char err[AAEL_ERRLEN], *url;

	if (!env && !(text = cmdline_text(cmdline, cache, err))) {
		fprintf(stderr, "aaeld: %s\n", err);
		return -1;
	}
	if (kbc_params_url(env, text, &url, err))
		fprintf(stderr, "aaeld: warning: %s%s\n", env ? "AA_KBC_PARAMS: " : "", err);
	else if (url)
		fprintf(stderr, "aaeld: KBS %s (from %s)\n", url,
			env ? "AA_KBC_PARAMS" : "agent.aa_kbc_params");
	free(c->kbs_url);
	c->kbs_url = url;
	return 0;
}

/* A --max-*-requests value: 1..SLOW_MAX */
static bool parse_slots(const char *s, unsigned int *v)
{
	char *end;
	unsigned long n;

	if (*s < '0' || *s > '9')
		return false;
	n = strtoul(s, &end, 10);
	if (*end || !n || n > SLOW_MAX)
		return false;
	*v = (unsigned int)n;
	return true;
}

/* Everything after the options; d->config is freed by the caller. */
static int start(struct aaeld *d, const char *config, const char *initdata,
		 const char *tee, const char *features, const char *cmdline,
		 const char *listen, char **cmd)
{
	char err[AAEL_ERRLEN];
	int rc;

	if (http_listen_parse(d, listen, err)) {
		fprintf(stderr, "aaeld: %s\n", err);
		return 2;
	}
	/* Without aa.toml the event log is on: that is what aaeld is for. */
	d->config.enable_eventlog = !config;
	if (config && config_load(&d->config, config, err)) {
		fprintf(stderr, "aaeld: %s\n", err);
		return 2;
	}
	if (initdata && initdata_load(&d->config, initdata, err)) {
		fprintf(stderr, "aaeld: %s\n", err);
		return 2;
	}
	if (!strcmp(tee, "auto")) {
		d->tee = tee_detect();
	} else if (!(d->tee = tee_by_name(tee))) {
		fprintf(stderr, "aaeld: --tee %s: expected auto, tpm, tdx or sample\n", tee);
		return 2;
	}
	if (bind_initdata(d))
		return 2;
	if (initdata_apply(&d->config, err)) {
		fprintf(stderr, "aaeld: %s\n", err);
		return 2;
	}
	if (features) {
		rc = features_parse(features, &d->features);
	} else {
		const char *text = cmdline_text(cmdline, cmd, err);

		rc = text ? cmdline_features(text, &d->features, err) : -1;
	}
	if (rc) {
		if (features)
			fprintf(stderr, "aaeld: --features %s: expected resource, attestation or all\n",
				features);
		else
			fprintf(stderr, "aaeld: %s\n", err);
		return 2;
	}
	if (!config && !d->config.initdata_aa && kbs_from_params(&d->config, cmdline, cmd))
		return 2;
	check_register(&d->config);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = http_serve(d);
	curl_global_cleanup();
	return rc ? 1 : 0;
}

static int run(struct aaeld *d, const char *config, const char *initdata,
	       const char *tee, const char *features, const char *cmdline,
	       const char *listen)
{
	char *cmd = NULL;	/* the kernel command line, once read */
	int rc = start(d, config, initdata, tee, features, cmdline, listen, &cmd);

	free(cmd);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "initdata", required_argument, NULL, 'i' },
		{ "listen", required_argument, NULL, 'l' },
		{ "tee", required_argument, NULL, 't' },
		{ "cmdline", required_argument, NULL, 'k' },
		{ "features", required_argument, NULL, 'f' },
		/* before --features: on = all, off = resource */
		{ "attestation-api", required_argument, NULL, 'a' },
		{ "max-body", required_argument, NULL, 'm' },
		{ "max-rate", required_argument, NULL, 'r' },
		{ "max-kbs-requests", required_argument, NULL, 'T' },
		/* its name before /cdh/resource shared the class */
		{ "max-token-requests", required_argument, NULL, 'T' },
		{ "max-evidence-requests", required_argument, NULL, 'E' },
		{ "max-log-requests", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	const char *listen = "127.0.0.1:8006", *cmdline = "/proc/cmdline";
	const char *config = NULL, *initdata = NULL, *tee = "auto";
	const char *features = NULL;
	/*
	 * Slow requests at once: 8 KBS handshakes (tokens and resources: their
	 * callers are few, the guest's agents and containers starting), 4
	 * evidence and 4 log reads (each holds the whole log in memory while it
	 * is serialised).
	 */
	struct aaeld d = { .max_body = 64 * 1024,
			   .max_slow = { [SLOW_KBS] = 8, [SLOW_EVIDENCE] = 4,
					 [SLOW_LOG] = 4 } };
	char *end;
	unsigned long rate = 0;
	bool bad = false;
	int o;

	while ((o = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (o) {
		case 'c': config = optarg; break;
		case 'i': initdata = optarg; break;
		case 'l': listen = optarg; break;
		case 't': tee = optarg; break;
		case 'k': cmdline = optarg; break;
		case 'f': features = optarg; break;
		case 'a':
			bad |= strcmp(optarg, "on") && strcmp(optarg, "off");
			features = strcmp(optarg, "on") ? "resource" : "all";
			break;
		case 'm':
			/* digits only: strtoul would take "-1" as a huge size */
			bad |= *optarg < '0' || *optarg > '9';
			d.max_body = strtoul(optarg, &end, 10);
			bad |= *end || d.max_body > (1u << 30);
			break;
		case 'r': rate = strtoul(optarg, &end, 10); bad |= *end || rate > 1000000; break;
		case 'T': bad |= !parse_slots(optarg, &d.max_slow[SLOW_KBS]); break;
		case 'E': bad |= !parse_slots(optarg, &d.max_slow[SLOW_EVIDENCE]); break;
		case 'L': bad |= !parse_slots(optarg, &d.max_slow[SLOW_LOG]); break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("aaeld %s\n", AAELD_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	d.max_rate = (unsigned int)rate;
	if (optind != argc || d.max_body < 64 || bad) {
		usage(stderr);
		return 2;
	}
	if (config_defaults(&d.config)) {
		fprintf(stderr, "aaeld: out of memory\n");
		return 1;
	}
	o = run(&d, config, initdata, tee, features, cmdline, listen);
	config_free(&d.config);
	return o;
}
