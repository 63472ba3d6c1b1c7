// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The attestation agent's local REST API (WIRE-FORMATS section 5) on
 * libmicrohttpd, with the kernel's log as the only state: a restart of
 * aaeld loses nothing. Loopback peers only; /aa/ routes only when the
 * kernel command line enables them; every error is JSON
 * {"error": <short>, "detail": <why>} and records nothing.
 *
 * Fast routes (POST /aa/aael, GET /info: one netlink round trip) run on
 * libmicrohttpd's worker pool. Slow ones wait on the KBS (GET /aa/token:
 * a handshake, up to a minute), on the TPM (GET /aa/evidence: a quote) or
 * serialise the whole log (GET /aa/aael, the evidence's cc_eventlog): each
 * runs on a thread of its own while its connection is suspended, at most
 * --max-*-requests of a class at once. So however many clients wait on a
 * stalled KBS, no pool worker waits with them and recording is always
 * served; one slow request over the cap gets 503 and Retry-After at once
 * rather than a place in a queue (which would hold its connection and a
 * thread just the same). Nothing a slow route locks (the TPM context, the
 * token cache) is taken by recording.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <json-c/json.h>
#include <microhttpd.h>

#include "aaeld.h"

/* The slow routes' classes, each with its own cap (aaeld.h). */
struct request {
	char *body;
	size_t len;
	bool too_big;
	/* A slow route: its arguments, checked before it takes a slot, and
	 * its answer, made on its thread and sent once the connection is
	 * resumed. */
	enum slow_class cls;
	unsigned int slot;		/* in jobs.slots[cls] */
	struct aaeld *d;
	struct MHD_Connection *conn;
	char runtime_data[65];
	unsigned long long from, limit;
	bool answered;
	unsigned int status;
	struct MHD_Response *resp;
};

/*
 * Each pool worker keeps its netlink socket for the next request; the key's
 * destructor closes it when libmicrohttpd ends the worker.
 */
static pthread_key_t client_key;

/*
 * --max-rate: a token bucket over every POST /aa/aael (burst = one second's
 * worth). The kernel's log cap bounds memory; this bounds how fast one
 * workload can spend the log and the TPM on everyone else.
 */
static struct {
	pthread_mutex_t lock;
	double tokens;
	struct timespec last;
} bucket = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Full at start: one second's worth may come at once. */
static void rate_start(unsigned int rate)
{
	bucket.tokens = rate;
	clock_gettime(CLOCK_MONOTONIC, &bucket.last);
}

static bool rate_allows(unsigned int rate)
{
	struct timespec now;
	bool ok;

	if (!rate)
		return true;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&bucket.lock);
	bucket.tokens += rate * ((double)(now.tv_sec - bucket.last.tv_sec) +
				 (double)(now.tv_nsec - bucket.last.tv_nsec) / 1e9);
	if (bucket.tokens > rate)
		bucket.tokens = rate;
	bucket.last = now;
	ok = bucket.tokens >= 1;
	if (ok)
		bucket.tokens -= 1;
	pthread_mutex_unlock(&bucket.lock);
	return ok;
}

static void client_free(void *c)
{
	aael_client_close(c);
}

static struct aael_client *kernel(char *err)
{
	struct aael_client *c = pthread_getspecific(client_key);

	if (c)
		return c;
	if (aael_client_open(&c, err))
		return NULL;
	if (pthread_setspecific(client_key, c)) {
		aael_client_close(c);
		snprintf(err, AAEL_ERRLEN, "out of memory for a kernel connection");
		return NULL;
	}
	return c;
}

/* After a transport error the next request gets a fresh socket. */
static void kernel_reset(void)
{
	aael_client_close(pthread_getspecific(client_key));
	pthread_setspecific(client_key, NULL);
}

/* o as the body (o is released); retry_after: a Retry-After value, or NULL */
static struct MHD_Response *json_response(struct json_object *o,
					  const char *retry_after)
{
	const char *s = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							   JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
	struct MHD_Response *r = NULL;

	if (s)
		r = MHD_create_response_from_buffer(strlen(s), (void *)s,
						    MHD_RESPMEM_MUST_COPY);
	if (r && (MHD_add_response_header(r, "Content-Type", "application/json") != MHD_YES ||
		  (retry_after &&
		   MHD_add_response_header(r, "Retry-After", retry_after) != MHD_YES))) {
		MHD_destroy_response(r);
		r = NULL;
	}
	json_object_put(o);
	return r;
}

/* No response (out of memory): MHD_NO, and libmicrohttpd closes the connection. */
static enum MHD_Result queue(struct MHD_Connection *conn, unsigned int status,
			     struct MHD_Response *r)
{
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result send_json(struct MHD_Connection *conn,
				 unsigned int status, struct json_object *o,
				 const char *retry_after)
{
	return queue(conn, status, json_response(o, retry_after));
}

/* NULL when out of memory (json_response then makes no response) */
static struct json_object *error_body(unsigned int status, const char *detail)
{
	struct json_object *o = json_object_new_object();

	if (jadd(o, "error", json_object_new_string(MHD_get_reason_phrase_for(status))) ||
	    jadd(o, "detail", json_object_new_string(detail))) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static enum MHD_Result send_error(struct MHD_Connection *conn,
				  unsigned int status, const char *detail)
{
	return send_json(conn, status, error_body(status, detail), NULL);
}


static bool loopback(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;

	if (!sa || sa->sa_family == AF_UNIX)
		return true;	/* a Unix socket (no peer address) */
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

/* errno of a refused record -> HTTP status */
static unsigned int record_status(int rc)
{
	switch (-rc) {
	case EINVAL:
	case EILSEQ:
		return MHD_HTTP_BAD_REQUEST;
	case E2BIG:
		return MHD_HTTP_CONTENT_TOO_LARGE;
	case ENOSPC:
		return MHD_HTTP_INSUFFICIENT_STORAGE;
	}
	return MHD_HTTP_SERVICE_UNAVAILABLE;
}

static enum MHD_Result post_aael(struct aaeld *d, struct MHD_Connection *conn,
				 struct request *req)
{
	struct json_object *out, *digests;
	const char *ctype, *why;
	struct event_req ev;
	struct aael_recorded rec;
	char err[AAEL_ERRLEN] = "";
	struct aael_client *c;
	int rc;

	if (!d->config.enable_eventlog)
		return send_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				  "the event log is disabled ([eventlog_config] enable_eventlog = false)");
	ctype = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
	if (ctype && strncmp(ctype, "application/json", 16))
		return send_error(conn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
				  "the body must be application/json");
	if (event_req_parse(req->body, req->len, &ev, &why))
		return send_error(conn, MHD_HTTP_BAD_REQUEST, why);
	if (!rate_allows(d->max_rate)) {
		event_req_free(&ev);
		return send_json(conn, MHD_HTTP_TOO_MANY_REQUESTS,
				 error_body(MHD_HTTP_TOO_MANY_REQUESTS,
					    "over --max-rate records per second: retry later"),
				 "1");
	}
	c = kernel(err);
	rc = c ? aael_client_record(c, ev.domain, ev.operation, ev.content,
				    &rec, err) : -ENOENT;
	event_req_free(&ev);
	if (rc) {
		if (rc == -EIO || rc == -ENOENT)
			kernel_reset();
		return send_error(conn, record_status(rc), err);
	}
	/* out of memory: out is NULL and the connection is closed (recorded) */
	out = json_object_new_object();
	digests = json_object_new_array();
	for (unsigned int i = 0; digests && i < rec.nr_digests; i++) {
		struct json_object *g = json_object_new_object();
		char hex[2 * AAEL_MAX_DIGEST + 1];

		aael_hex(hex, rec.digests[i].bytes, rec.digests[i].size);
		if (jadd(g, "alg",
			 json_object_new_string(aael_alg_display_name(rec.digests[i].alg))) ||
		    jadd(g, "digest", json_object_new_string(hex)) ||
		    json_object_array_add(digests, g)) {
			json_object_put(g);
			json_object_put(digests);
			digests = NULL;
		}
	}
	if (jadd(out, "seq", json_object_new_int64((int64_t)rec.seq)) ||
	    jadd(out, "index", json_object_new_int64(rec.index)) ||
	    jadd(out, "digests", digests)) {
		json_object_put(out);
		out = NULL;
	}
	return send_json(conn, MHD_HTTP_OK, out, NULL);
}

/*
 * Slow routes. A class's slot is taken before its thread starts and given
 * back only after the connection is resumed, so that once every slot is
 * free no connection is suspended: what MHD_stop_daemon requires. The
 * threads are joined (a slot's next request joins the thread that ended
 * in it, the stop all of them), so that none is still exiting -- running
 * OpenSSL's thread-exit handlers -- when the process cleans up.
 */
static const struct slow_route {
	const char *name;		/* in /info and the 503's detail */
	const char *option;
	const char *retry_after;	/* seconds */
	void (*run)(struct request *req);
} slow_routes[SLOW_CLASSES];

static struct {
	pthread_mutex_t lock;
	pthread_cond_t idle;		/* signalled when total drops to 0 */
	unsigned int running[SLOW_CLASSES];
	unsigned int total;
	bool stopping;
	struct slot {
		bool busy;
		bool ended;		/* thread ended here, not joined yet */
		pthread_t thread;
	} slots[SLOW_CLASSES][SLOW_MAX];
} jobs = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void answer(struct request *req, unsigned int status,
		   struct json_object *o)
{
	req->status = status;
	req->resp = json_response(o, NULL);
}

static void answer_error(struct request *req, unsigned int status,
			 const char *detail)
{
	answer(req, status, error_body(status, detail));
}

/* thread: the slow route's own thread ends now (else it never started) */
static void job_done(enum slow_class cls, unsigned int slot, bool thread)
{
	struct slot *sl = &jobs.slots[cls][slot];

	pthread_mutex_lock(&jobs.lock);
	sl->busy = false;
	if (thread) {
		sl->ended = true;
		sl->thread = pthread_self();
	}
	jobs.running[cls]--;
	if (!--jobs.total)
		pthread_cond_broadcast(&jobs.idle);
	pthread_mutex_unlock(&jobs.lock);
}

static void *job_main(void *arg)
{
	struct request *req = arg;
	struct MHD_Connection *conn = req->conn;
	enum slow_class cls = req->cls;
	unsigned int slot = req->slot;

	slow_routes[cls].run(req);
	req->answered = true;
	/* From here on req is libmicrohttpd's: it may be freed any time. */
	MHD_resume_connection(conn);
	job_done(cls, slot, true);
	return NULL;
}

static enum MHD_Result start_slow(struct aaeld *d, struct MHD_Connection *conn,
				  struct request *req, enum slow_class cls)
{
	const struct slow_route *r = &slow_routes[cls];
	char why[AAEL_ERRLEN];
	bool busy = false, join = false;
	unsigned int i = 0;
	pthread_t t;
	int rc;

	pthread_mutex_lock(&jobs.lock);
	if (jobs.stopping) {
		busy = true;
		snprintf(why, sizeof(why), "aaeld is stopping");
	} else if (jobs.running[cls] >= d->max_slow[cls]) {
		busy = true;
		snprintf(why, sizeof(why),
			 "%u %s requests are running already (%s): retry later",
			 jobs.running[cls], r->name, r->option);
	} else {
		/* running < max <= SLOW_MAX: a slot is free */
		while (jobs.slots[cls][i].busy)
			i++;
		jobs.slots[cls][i].busy = true;
		join = jobs.slots[cls][i].ended;
		jobs.slots[cls][i].ended = false;
		t = jobs.slots[cls][i].thread;
		jobs.running[cls]++;
		jobs.total++;
	}
	pthread_mutex_unlock(&jobs.lock);
	if (join)	/* it has left job_main: only its exit is left */
		pthread_join(t, NULL);
	if (busy)
		return send_json(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
				 error_body(MHD_HTTP_SERVICE_UNAVAILABLE, why),
				 r->retry_after);
	req->d = d;
	req->conn = conn;
	req->cls = cls;
	req->slot = i;
	MHD_suspend_connection(conn);
	rc = pthread_create(&t, NULL, job_main, req);
	if (!rc)
		return MHD_YES;
	snprintf(why, sizeof(why), "cannot start a thread for this request: %s",
		 strerror(rc));
	req->status = MHD_HTTP_SERVICE_UNAVAILABLE;
	req->resp = json_response(error_body(MHD_HTTP_SERVICE_UNAVAILABLE, why),
				  r->retry_after);
	req->answered = true;
	MHD_resume_connection(conn);
	job_done(cls, i, false);
	return MHD_YES;
}

/*
 * SIGTERM: no new slow request; those running get up to seconds to finish
 * (their answers are sent). Returns how many are still running.
 */
static unsigned int jobs_drain(unsigned int seconds)
{
	struct timespec until;
	unsigned int left;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += seconds;
	pthread_mutex_lock(&jobs.lock);
	jobs.stopping = true;
	while (jobs.total &&
	       pthread_cond_timedwait(&jobs.idle, &jobs.lock, &until) != ETIMEDOUT)
		;
	left = jobs.total;
	pthread_mutex_unlock(&jobs.lock);
	for (unsigned int c = 0; !left && c < SLOW_CLASSES; c++)
		for (unsigned int i = 0; i < SLOW_MAX; i++)
			if (jobs.slots[c][i].ended)
				pthread_join(jobs.slots[c][i].thread, NULL);
	return left;
}

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

/*
 * GET /aa/aael on its own thread, with a netlink socket of its own (the
 * thread ends with the request).
 */
static void run_log(struct request *req)
{
	struct collect col = { .arr = json_object_new_array(), .next = req->from,
			       .left = req->limit };
	char err[AAEL_ERRLEN] = "out of memory";
	struct json_object *out;
	struct aael_client *c = NULL;
	int rc = -ENOMEM;

	if (col.arr && !(rc = aael_client_open(&c, err)))
		rc = aael_client_dump(c, req->from, add_record, &col, err);
	aael_client_close(c);
	if (rc < 0) {
		json_object_put(col.arr);
		answer_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, err);
		return;
	}
	out = json_object_new_object();
	if (jadd(out, "records", col.arr) ||
	    jadd(out, "next", json_object_new_int64((int64_t)col.next))) {
		json_object_put(out);
		out = NULL;
	}
	answer(req, MHD_HTTP_OK, out);
}

/* GET /aa/aael?from=N[&limit=M]: {"records": [...], "next": N'} */
static enum MHD_Result get_aael(struct aaeld *d, struct MHD_Connection *conn,
				struct request *req)
{
	const char *from = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "from");
	const char *limit = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit");

	req->from = 0;
	req->limit = 1000;
	if ((from && !parse_ulong(from, &req->from)) ||
	    (limit && (!parse_ulong(limit, &req->limit) || !req->limit ||
		       req->limit > 10000)))
		return send_error(conn, MHD_HTTP_BAD_REQUEST,
				  "from must be a record number, limit 1..10000");
	return start_slow(d, conn, req, SLOW_LOG);
}

static void run_evidence(struct request *req)
{
	char err[AAEL_ERRLEN] = "";
	struct json_object *ev;

	ev = evidence_get(req->d->tee, (const uint8_t *)req->runtime_data,
			  strlen(req->runtime_data), err);
	if (!ev)
		answer_error(req, MHD_HTTP_SERVICE_UNAVAILABLE, err);
	else
		answer(req, MHD_HTTP_OK, ev);
}

static enum MHD_Result get_evidence(struct aaeld *d, struct MHD_Connection *conn,
				    struct request *req)
{
	const char *rd = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
						     "runtime_data");

	if (!rd)
		return send_error(conn, MHD_HTTP_BAD_REQUEST, "runtime_data is required");
	if (strlen(rd) >= sizeof(req->runtime_data))
		return send_error(conn, MHD_HTTP_BAD_REQUEST,
				  "runtime_data is longer than 64 bytes");
	strcpy(req->runtime_data, rd);
	return start_slow(d, conn, req, SLOW_EVIDENCE);
}

static void run_token(struct request *req)
{
	struct kbs_error e = { 0 };
	struct json_object *t;

	t = kbs_token(&req->d->config, req->d->tee, &e);
	if (!t)
		answer_error(req, (unsigned int)e.status, e.detail);
	else
		answer(req, MHD_HTTP_OK, t);
}

static enum MHD_Result get_token(struct aaeld *d, struct MHD_Connection *conn,
				 struct request *req)
{
	const char *type = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
						       "token_type");

	if (!type || strcmp(type, "kbs"))
		return send_error(conn, MHD_HTTP_BAD_REQUEST,
				  "token_type must be kbs");
	return start_slow(d, conn, req, SLOW_TOKEN);
}

/*
 * Retry-After: a token's slot frees when a KBS handshake ends (seconds on
 * a healthy KBS); evidence and log reads take well under a second.
 */
static const struct slow_route slow_routes[SLOW_CLASSES] = {
	[SLOW_TOKEN] = { "token", "--max-token-requests", "5", run_token },
	[SLOW_EVIDENCE] = { "evidence", "--max-evidence-requests", "1", run_evidence },
	[SLOW_LOG] = { "log", "--max-log-requests", "1", run_log },
};

static enum MHD_Result get_info(struct aaeld *d, struct MHD_Connection *conn)
{
	struct json_object *o = json_object_new_object(), *log, *slow;
	char err[AAEL_ERRLEN] = "";
	struct aael_client *c = kernel(err);
	struct aael_status st;

	bool bad;

	bad = jadd(o, "name", json_object_new_string("aaeld")) ||
	      jadd(o, "version", json_object_new_string(AAELD_VERSION)) ||
	      jadd(o, "tee", json_object_new_string(tee_name(d->tee))) ||
	      jadd(o, "attestation_api", json_object_new_boolean(d->aa_routes)) ||
	      jadd(o, "eventlog_enabled",
		   json_object_new_boolean(d->config.enable_eventlog));
	log = json_object_new_object();
	if (c && !aael_client_status(c, &st, err)) {
		bad = bad ||
		      jadd(log, "backend", json_object_new_string(st.backend)) ||
		      jadd(log, "hardware", json_object_new_boolean(st.hardware)) ||
		      jadd(log, "index", json_object_new_int64(st.index)) ||
		      jadd(log, "records", json_object_new_int64((int64_t)st.count));
	} else {
		kernel_reset();
		bad = bad || jadd(log, "error", json_object_new_string(err));
	}
	if (bad) {
		json_object_put(log);
		log = NULL;
	}
	if (jadd(o, "eventlog", log)) {
		json_object_put(o);
		return send_json(conn, MHD_HTTP_OK, NULL, NULL);
	}
	slow = json_object_new_object();
	pthread_mutex_lock(&jobs.lock);
	for (unsigned int i = 0; i < SLOW_CLASSES; i++) {
		struct json_object *s = json_object_new_object();

		if (jadd(s, "running", json_object_new_int64(jobs.running[i])) ||
		    jadd(s, "max", json_object_new_int64(d->max_slow[i])) ||
		    jadd(slow, slow_routes[i].name, s))
			break;
	}
	pthread_mutex_unlock(&jobs.lock);
	if (jadd(o, "slow_requests", slow)) {
		json_object_put(o);
		o = NULL;
	}
	return send_json(conn, MHD_HTTP_OK, o, NULL);
}

static enum MHD_Result route(struct aaeld *d, struct MHD_Connection *conn,
			     const char *url, const char *method,
			     struct request *req)
{
	bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST");

	if (!loopback(conn))
		return send_error(conn, MHD_HTTP_FORBIDDEN, "loopback clients only");
	if (req->too_big)
		return send_error(conn, MHD_HTTP_CONTENT_TOO_LARGE,
				  "request body too large");
	if (!strcmp(url, "/info"))
		return get ? get_info(d, conn) :
		       send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only");
	if (strncmp(url, "/aa/", 4))
		return send_error(conn, MHD_HTTP_NOT_FOUND, "no such route");
	if (!d->aa_routes)
		return send_error(conn, MHD_HTTP_NOT_FOUND,
				  "the attestation API is off: the kernel command line lacks agent.guest_components_rest_api=attestation (or =all)");
	if (!strcmp(url, "/aa/aael")) {
		if (post)
			return post_aael(d, conn, req);
		if (get)
			return get_aael(d, conn, req);
		return send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET or POST only");
	}
	if (!strcmp(url, "/aa/evidence"))
		return get ? get_evidence(d, conn, req) :
		       send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only");
	if (!strcmp(url, "/aa/token"))
		return get ? get_token(d, conn, req) :
		       send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only");
	return send_error(conn, MHD_HTTP_NOT_FOUND, "no such route");
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct aaeld *d = cls;
	struct request *req = *con_cls;

	(void)version;
	if (!req) {
		req = calloc(1, sizeof(*req));
		*con_cls = req;
		return req ? MHD_YES : MHD_NO;
	}
	if (*upload_size) {
		if (req->len + *upload_size > d->max_body) {
			req->too_big = true;	/* read on, keep nothing */
		} else {
			char *p = realloc(req->body, req->len + *upload_size + 1);

			if (!p)
				return MHD_NO;
			memcpy(p + req->len, upload, *upload_size);
			req->body = p;
			req->len += *upload_size;
			req->body[req->len] = 0;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (req->answered) {	/* a slow route, resumed */
		struct MHD_Response *r = req->resp;

		req->resp = NULL;
		return queue(conn, req->status, r);
	}
	return route(d, conn, url, method, req);
}

static void done(void *cls, struct MHD_Connection *conn, void **con_cls,
		 enum MHD_RequestTerminationCode code)
{
	struct request *req = *con_cls;

	(void)cls;
	(void)conn;
	(void)code;
	if (req) {
		free(req->body);
		/* resumed, but the client was gone before the answer went out */
		if (req->resp)
			MHD_destroy_response(req->resp);
	}
	free(req);
	*con_cls = NULL;
}

static int unix_listener(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path)) {
		if (fd >= 0)
			close(fd);
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 64)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int http_listen_parse(struct aaeld *d, const char *listen, char *err)
{
	char host[256];
	const char *colon;
	char *end;
	long port;

	d->listen = listen;
	d->listen_unix = NULL;
	memset(&d->listen_addr, 0, sizeof(d->listen_addr));
	if (!strncmp(listen, "unix:", 5)) {
		struct sockaddr_un sa;

		if (!listen[5] || strlen(listen + 5) >= sizeof(sa.sun_path)) {
			snprintf(err, AAEL_ERRLEN,
				 "--listen %s: a socket path of 1 to %zu bytes", listen,
				 sizeof(sa.sun_path) - 1);
			return -1;
		}
		d->listen_unix = listen + 5;
		return 0;
	}
	colon = strrchr(listen, ':');
	port = colon ? strtol(colon + 1, &end, 10) : 0;
	if (!colon || !colon[1] || *end || port <= 0 || port > 65535 ||
	    (size_t)(colon - listen) >= sizeof(host)) {
		snprintf(err, AAEL_ERRLEN, "--listen %s: expected ADDR:PORT or unix:PATH",
			 listen);
		return -1;
	}
	snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&d->listen_addr;

		host[strlen(host) - 1] = 0;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) == 1)
			return 0;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&d->listen_addr;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, host, &s4->sin_addr) == 1)
			return 0;
	}
	snprintf(err, AAEL_ERRLEN, "--listen %s: bad address", listen);
	return -1;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* How long SIGTERM waits for slow requests (a KBS handshake can take a minute). */
#define STOP_GRACE_SECONDS 10

int http_serve(struct aaeld *d)
{
	/*
	 * TURBO: no per-response TCP_CORK/NODELAY toggling: a few syscalls
	 * less per request, which is most of what a request costs. One worker
	 * per CPU: more only switch (slow routes have threads of their own).
	 * Suspend/resume adds an inter-thread channel per worker, written only
	 * when a slow request ends.
	 */
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			     MHD_USE_ERROR_LOG | MHD_USE_TURBO |
			     MHD_ALLOW_SUSPEND_RESUME;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int workers = cpus < 2 ? 2 : cpus > 16 ? 16 : (unsigned int)cpus;
	struct MHD_Daemon *daemon;
	struct sigaction sa = { .sa_handler = on_signal };
	pthread_condattr_t ca;
	sigset_t block, old;
	unsigned int left;
	int fd = -1, rc;

	if (d->listen_unix) {
		fd = unix_listener(d->listen_unix);
		if (fd < 0) {
			fprintf(stderr, "aaeld: cannot listen on %s: %s\n", d->listen,
				strerror(errno));
			return -1;
		}
	}
	if (d->listen_addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	rc = pthread_key_create(&client_key, client_free);
	if (!rc) {
		rc = pthread_condattr_init(&ca);
		if (!rc) {
			rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
			if (!rc)
				rc = pthread_cond_init(&jobs.idle, &ca);
			pthread_condattr_destroy(&ca);
		}
	}
	if (rc) {
		fprintf(stderr, "aaeld: cannot start: %s\n", strerror(rc));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/*
	 * SIGINT/SIGTERM are blocked in every thread (libmicrohttpd's and the
	 * slow routes' inherit the mask) and taken by sigsuspend below, so
	 * that a signal cannot slip in between the check and the wait.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	rate_start(d->max_rate);
	daemon = MHD_start_daemon(flags, 0, NULL, NULL, handle, d,
				  fd >= 0 ? MHD_OPTION_LISTEN_SOCKET : MHD_OPTION_SOCK_ADDR,
				  fd >= 0 ? (intptr_t)fd : (intptr_t)&d->listen_addr,
				  MHD_OPTION_THREAD_POOL_SIZE, workers,
				  MHD_OPTION_CONNECTION_LIMIT, 256u,
				  MHD_OPTION_CONNECTION_TIMEOUT, 30u,
				  MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
				  MHD_OPTION_END);
	if (!daemon) {
		fprintf(stderr, "aaeld: cannot listen on %s\n", d->listen);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_cond_destroy(&jobs.idle);
		pthread_key_delete(client_key);
		return -1;
	}
	fprintf(stderr, "aaeld: listening on %s (tee %s, attestation API %s)\n",
		d->listen, tee_name(d->tee), d->aa_routes ? "on" : "off");
	sigdelset(&old, SIGINT);
	sigdelset(&old, SIGTERM);
	while (!stop)
		sigsuspend(&old);
	left = jobs_drain(STOP_GRACE_SECONDS);
	if (left) {
		/*
		 * MHD_stop_daemon must not run while a connection is
		 * suspended, and these threads still use the configuration:
		 * leave without cleaning up. Their clients see the
		 * connection close.
		 */
		fprintf(stderr, "aaeld: %u slow requests still running after %d s: exiting without them\n",
			left, STOP_GRACE_SECONDS);
		_exit(0);
	}
	MHD_stop_daemon(daemon);
	pthread_cond_destroy(&jobs.idle);
	pthread_key_delete(client_key);
	return 0;
}
