// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The attestation routes (/aa/, feature "attestation"), as the REST server
 * answers them (guest-components api-server-rest/src/router.rs, the AA_ROOT
 * arm; client/aa.rs): the event log, evidence, additional evidence and KBS
 * tokens. Evidence and tokens are bytes (application/octet-stream) holding
 * JSON; failures are 500 with the reason as text, a missing or undecodable
 * query argument 400 "BAD REQUEST".
 *
 * POST /aa/aael answers JSON in every case: {"success": "true"} plus what
 * aael adds (seq, index, digests), or {"success": "false", "message"} --
 * 200 where the agent says the platform cannot measure or the log is off,
 * a 4xx or 5xx where aaeld refuses the event (the REST server answers 500
 * with text for a body it cannot parse: aaeld says which rule failed, in
 * the same JSON, so that a script reading .success works either way).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "aaeld.h"

/* The agent's texts (client/aa.rs extend_aael_entry, results 1 and 2). */
#define NO_MEASUREMENT	"The platform does not support runtime measurement"
#define NO_EVENTLOG	"Attestation Agent does not enable eventlog recording"

static void aael_refused(struct request *req, unsigned int status,
			 const char *message, const char *detail)
{
	struct json_object *o = json_object_new_object();

	if (jadd(o, "success", json_object_new_string("false")) ||
	    jadd(o, "message", json_object_new_string(message)) ||
	    (detail && jadd(o, "detail", json_object_new_string(detail)))) {
		json_object_put(o);
		o = NULL;
	}
	reply_json(req, status, o);
	if (status == 429)
		reply_header(req, "Retry-After", "1");
}

static struct json_object *recorded_json(const struct aael_recorded *rec)
{
	struct json_object *out = json_object_new_object();
	struct json_object *digests = json_object_new_array();

	for (unsigned int i = 0; digests && i < rec->nr_digests; i++) {
		struct json_object *g = json_object_new_object();
		char hex[2 * AAEL_MAX_DIGEST + 1];

		aael_hex(hex, rec->digests[i].bytes, rec->digests[i].size);
		if (jadd(g, "alg",
			 json_object_new_string(aael_alg_display_name(rec->digests[i].alg))) ||
		    jadd(g, "digest", json_object_new_string(hex)) ||
		    json_object_array_add(digests, g)) {
			json_object_put(g);
			json_object_put(digests);
			digests = NULL;
		}
	}
	if (jadd(out, "success", json_object_new_string("true")) ||
	    jadd(out, "seq", json_object_new_int64((int64_t)rec->seq)) ||
	    jadd(out, "index", json_object_new_int64(rec->index)) ||
	    jadd(out, "digests", digests)) {
		json_object_put(out);
		return NULL;
	}
	return out;
}

void aa_aael_post(struct request *req)
{
	struct event_req ev;
	struct aael_recorded rec;
	char err[AAEL_ERRLEN] = "";
	const char *why;
	int rc;

	if (req->too_big) {
		char why[96];

		snprintf(why, sizeof(why), "the body is over --max-body (%zu bytes)",
			 req->d->max_body);
		aael_refused(req, 413, why, NULL);
		return;
	}
	/*
	 * The Content-Type is not looked at, and the body is parsed before
	 * the agent is asked anything: the REST server's order.
	 */
	if (event_req_parse(req->body, req->len, &ev, &why)) {
		aael_refused(req, 400, why, NULL);
		return;
	}
	if (!req->d->config.enable_eventlog) {
		event_req_free(&ev);
		aael_refused(req, 200, NO_EVENTLOG,
			     "[eventlog_config] enable_eventlog = false in aa.toml");
		return;
	}
	/*
	 * The agent's rule (attestation-agent/src/eventlog/mod.rs
	 * Content::try_from: one event, one line), in its place: after the
	 * log and the platform are found able to record.
	 */
	if (strchr(ev.content, '\n')) {
		struct aael_status st;

		event_req_free(&ev);
		if (kernel_status(&st, err) == -ENOENT)
			aael_refused(req, 200, NO_MEASUREMENT, err);
		else
			aael_refused(req, 400, "content contains newline", NULL);
		return;
	}
	if (!rate_allows(req->d->max_rate)) {
		event_req_free(&ev);
		aael_refused(req, 429, "over --max-rate records per second: retry later", NULL);
		return;
	}
	rc = kernel_record(ev.domain, ev.operation, ev.content, &rec, err);
	event_req_free(&ev);
	switch (-rc) {
	case 0:
		/* out of memory: no answer, the connection closes (recorded) */
		reply_json(req, 200, recorded_json(&rec));
		return;
	case ENOENT:	/* no aael.ko */
	case ENODEV:	/* aael.ko is not accepting records (unloading) */
		aael_refused(req, 200, NO_MEASUREMENT, err);
		return;
	case EINVAL:
	case EILSEQ:
		aael_refused(req, 400, err, NULL);
		return;
	case E2BIG:
		aael_refused(req, 413, err, NULL);
		return;
	case ENOSPC:
		aael_refused(req, 507, err, NULL);
		return;
	}
	aael_refused(req, 500, err, NULL);
}

/* GET /aa/aael?from=N[&limit=M]: {"records": [...], "next": N'} */
struct log_args {
	unsigned long long from, limit;
};

struct collect {
	struct json_object *arr;
	uint64_t next;
	unsigned long long left;
};

static int add_record(uint64_t seq, const uint8_t *rec, size_t len, void *arg)
{
	struct collect *c = arg;
	struct aael_log_event ev;
	struct aael_log_digest ds[AAEL_MAX_BANKS];
	struct json_object *o;
	char err[AAEL_ERRLEN];

	if (!c->left)
		return 1;
	if (aael_event_decode(rec, len, &ev, ds, err))
		return -EPROTO;
	o = aael_event_to_json(&ev);
	if (jadd(o, "seq", json_object_new_int64((int64_t)seq)) ||
	    json_object_array_add(c->arr, o)) {
		json_object_put(o);
		return -ENOMEM;
	}
	c->next = seq + 1;
	c->left--;
	return 0;
}

static bool parse_ulong(const char *s, unsigned long long *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return !*end && !errno;
}

static void run_log(struct request *req)
{
	struct log_args *a = req->arg;
	struct collect col = { .arr = json_object_new_array(), .next = a->from,
			       .left = a->limit };
	char err[AAEL_ERRLEN] = "out of memory";
	struct json_object *out;
	int rc = -ENOMEM;

	if (col.arr)
		rc = kernel_dump(a->from, add_record, &col, err);
	if (rc < 0) {
		json_object_put(col.arr);
		reply_text(req, 500, "%s", err);
		return;
	}
	out = json_object_new_object();
	if (jadd(out, "records", col.arr) ||
	    jadd(out, "next", json_object_new_int64((int64_t)col.next))) {
		json_object_put(out);
		out = NULL;
	}
	reply_json(req, 200, out);
}

void aa_aael_get(struct request *req)
{
	const char *from = request_arg(req, "from");
	const char *limit = request_arg(req, "limit");
	struct log_args *a = calloc(1, sizeof(*a));

	if (!a)
		return;
	req->arg = a;
	req->arg_free = free;
	a->limit = 1000;
	if ((from && !parse_ulong(from, &a->from)) ||
	    (limit && (!parse_ulong(limit, &a->limit) || !a->limit ||
		       a->limit > 10000))) {
		reply_text(req, 400, "from must be a record number, limit 1..10000");
		return;
	}
	slow_start(req, SLOW_LOG, run_log);
}

/*
 * The bytes the REST server makes of a query value without encoding: Rust's
 * String::from_utf8_lossy (form_urlencoded's decode), each maximal invalid
 * subsequence replaced by U+FFFD (Unicode's "substitution of maximal
 * subparts"). -1 when the result would not fit in max bytes.
 */
static int utf8_lossy(const uint8_t *s, size_t n, uint8_t *out, size_t max,
		      size_t *len)
{
	static const uint8_t fffd[] = { 0xef, 0xbf, 0xbd };
	size_t i = 0, o = 0;

	while (i < n) {
		uint8_t b = s[i], lo = 0x80, hi = 0xbf;
		size_t need = 0, k = 1;

		if (b < 0x80)
			need = 1;
		else if (b >= 0xc2 && b <= 0xdf)
			need = 2;
		else if (b >= 0xe0 && b <= 0xef)
			need = 3;
		else if (b >= 0xf0 && b <= 0xf4)
			need = 4;
		if (b == 0xe0)
			lo = 0xa0;
		else if (b == 0xed)
			hi = 0x9f;
		else if (b == 0xf0)
			lo = 0x90;
		else if (b == 0xf4)
			hi = 0x8f;
		/* k: how many bytes of a valid sequence are there */
		while (need > 1 && k < need && i + k < n &&
		       s[i + k] >= (k == 1 ? lo : 0x80) && s[i + k] <= (k == 1 ? hi : 0xbf))
			k++;
		if (need && k == need) {
			if (o + k > max)
				return -1;
			memcpy(out + o, s + i, k);
			o += k;
		} else {
			if (o + 3 > max)
				return -1;
			memcpy(out + o, fffd, 3);
			o += 3;
		}
		i += k;
	}
	*len = o;
	return 0;
}

/*
 * runtime_data as the REST server reads it (utils.rs decode_runtime_data):
 * without encoding its UTF-8 bytes (lossy); with encoding=base64 URL-safe
 * base64 without padding, decoded; any other encoding or bad base64: 400.
 */
struct runtime_data {
	size_t len;
	uint8_t bytes[AAEL_REPORT_DATA_MAX];
};

static struct runtime_data *runtime_data_arg(struct request *req)
{
	size_t rd_size, enc_size, len;
	const char *rd = request_arg_n(req, "runtime_data", &rd_size);
	const char *enc = request_arg_n(req, "encoding", &enc_size);
	struct runtime_data *a;
	uint8_t *raw = NULL;
	int rc;

	/* a %00 in the base64 is a character outside its alphabet */
	if (!rd || (enc && (strcmp(enc, "base64") || enc_size != strlen(enc) ||
			    rd_size != strlen(rd) ||
			    aael_b64url_decode(rd, &raw, &len)))) {
		reply_text(req, 400, "BAD REQUEST");
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		free(raw);
		return NULL;
	}
	if (raw) {
		rc = len > sizeof(a->bytes) ? -1 : 0;
		if (!rc) {
			memcpy(a->bytes, raw, len);
			a->len = len;
		}
		free(raw);
	} else {
		rc = utf8_lossy((const uint8_t *)rd, rd_size, a->bytes,
				sizeof(a->bytes), &a->len);
	}
	if (rc) {
		free(a);
		reply_text(req, 400, "runtime_data is more than the %d bytes of report data",
			   AAEL_REPORT_DATA_MAX);
		return NULL;
	}
	req->arg = a;
	req->arg_free = free;
	return a;
}

static void run_evidence(struct request *req)
{
	struct runtime_data *a = req->arg;
	char err[AAEL_ERRLEN] = "";
	struct json_object *ev;

	ev = evidence_get(req->d->tee, a->bytes, a->len, err);
	if (!ev) {
		reply_text(req, 500, "%s", err);
		return;
	}
	reply_json_as(req, 200, "application/octet-stream", ev);
}

void aa_evidence_get(struct request *req)
{
	if (runtime_data_arg(req))
		slow_start(req, SLOW_EVIDENCE, run_evidence);
}

/*
 * The agent's additional evidence comes from devices besides the primary
 * TEE (GPUs and the like); aaeld knows none, and the agent with none
 * answers no bytes. The arguments are checked as for /aa/evidence.
 */
void aa_additional_evidence_get(struct request *req)
{
	if (runtime_data_arg(req))
		reply_bytes(req, 200, "application/octet-stream", "", 0);
}

static void run_token(struct request *req)
{
	struct aael_buf t = { .secret = true };
	struct kbs_error e = { 0 };

	if (kbs_token(&req->d->config, req->d->tee, &t, &e)) {
		reply_text(req, 500, "%s", e.detail);
		return;
	}
	/* it holds the tee key's private half: wiped once sent */
	reply_secret(req, 200, t.data, t.len);
}

void aa_token_get(struct request *req)
{
	size_t size;
	const char *type = request_arg_n(req, "token_type", &size);

	if (!type) {
		reply_text(req, 400, "BAD REQUEST");
		return;
	}
	/* the agent's other type, coco_as, needs an attestation service
	 * aaeld does not talk to: as the agent built without it, 500 */
	if (strcmp(type, "kbs") || size != strlen(type)) {
		reply_text(req, 500, "token type %.64s is not supported (aaeld gets kbs tokens only)",
			   type);
		return;
	}
	slow_start(req, SLOW_KBS, run_token);
}
