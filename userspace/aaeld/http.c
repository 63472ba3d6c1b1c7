// SPDX-License-Identifier: GPL-2.0
/*
 * The attestation agent's local REST API (WIRE-FORMATS section 5) on
 * libmicrohttpd, with the kernel's log as the only state: a restart of
 * aaeld loses nothing. Loopback peers only; /aa/ routes only when the
 * kernel command line enables them; every error is JSON
 * {"error": <short>, "detail": <why>} and records nothing.
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

struct request {
	char *body;
	size_t len;
	bool too_big;
};

static __thread struct aael_client *tls_client;

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

static struct aael_client *kernel(char *err)
{
	if (!tls_client && aael_client_open(&tls_client, err))
		tls_client = NULL;
	return tls_client;
}

/* After a transport error the next request gets a fresh socket. */
static void kernel_reset(void)
{
	aael_client_close(tls_client);
	tls_client = NULL;
}

/* retry_after: a Retry-After value, or NULL */
static enum MHD_Result send_json(struct MHD_Connection *conn,
				 unsigned int status, struct json_object *o,
				 const char *retry_after)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);
	struct MHD_Response *r;
	enum MHD_Result rc;

	r = MHD_create_response_from_buffer(strlen(s), (void *)s,
					    MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(r, "Content-Type", "application/json");
	if (retry_after)
		MHD_add_response_header(r, "Retry-After", retry_after);
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	json_object_put(o);
	return rc;
}

static struct json_object *error_body(unsigned int status, const char *detail)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "error",
			       json_object_new_string(MHD_get_reason_phrase_for(status)));
	json_object_object_add(o, "detail", json_object_new_string(detail));
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
	out = json_object_new_object();
	json_object_object_add(out, "seq", json_object_new_int64((int64_t)rec.seq));
	json_object_object_add(out, "index", json_object_new_int64(rec.index));
	digests = json_object_new_array();
	for (unsigned int i = 0; i < rec.nr_digests; i++) {
		struct json_object *g = json_object_new_object();
		char hex[2 * AAEL_MAX_DIGEST + 1];

		aael_hex(hex, rec.digests[i].bytes, rec.digests[i].size);
		json_object_object_add(g, "alg",
				       json_object_new_string(aael_alg_display_name(rec.digests[i].alg)));
		json_object_object_add(g, "digest", json_object_new_string(hex));
		json_object_array_add(digests, g);
	}
	json_object_object_add(out, "digests", digests);
	return send_json(conn, MHD_HTTP_OK, out, NULL);
}

struct collect {
	struct json_object *arr;
	uint64_t next;
	unsigned long left;
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
	json_object_object_add(o, "seq", json_object_new_int64((int64_t)seq));
	json_object_array_add(c->arr, o);
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

/* GET /aa/aael?from=N[&limit=M]: {"records": [...], "next": N'} */
static enum MHD_Result get_aael(struct MHD_Connection *conn)
{
	const char *from = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "from");
	const char *limit = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit");
	unsigned long long f = 0, l = 1000;
	struct collect col;
	struct json_object *out;
	char err[AAEL_ERRLEN] = "";
	struct aael_client *c;
	int rc;

	if ((from && !parse_ulong(from, &f)) ||
	    (limit && (!parse_ulong(limit, &l) || !l || l > 10000)))
		return send_error(conn, MHD_HTTP_BAD_REQUEST,
				  "from must be a record number, limit 1..10000");
	col = (struct collect){ .arr = json_object_new_array(), .next = f, .left = l };
	c = kernel(err);
	rc = c ? aael_client_dump(c, f, add_record, &col, err) : -ENOENT;
	if (rc < 0) {
		json_object_put(col.arr);
		kernel_reset();
		return send_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, err);
	}
	out = json_object_new_object();
	json_object_object_add(out, "records", col.arr);
	json_object_object_add(out, "next", json_object_new_int64((int64_t)col.next));
	return send_json(conn, MHD_HTTP_OK, out, NULL);
}

static enum MHD_Result get_evidence(struct aaeld *d, struct MHD_Connection *conn)
{
	const char *rd = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
						     "runtime_data");
	char err[AAEL_ERRLEN] = "";
	struct json_object *ev;

	if (!rd)
		return send_error(conn, MHD_HTTP_BAD_REQUEST, "runtime_data is required");
	if (strlen(rd) > 64)
		return send_error(conn, MHD_HTTP_BAD_REQUEST,
				  "runtime_data is longer than 64 bytes");
	ev = evidence_get(d->tee, (const uint8_t *)rd, strlen(rd), err);
	if (!ev)
		return send_error(conn, MHD_HTTP_SERVICE_UNAVAILABLE, err);
	return send_json(conn, MHD_HTTP_OK, ev, NULL);
}

static enum MHD_Result get_token(struct aaeld *d, struct MHD_Connection *conn)
{
	const char *type = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND,
						       "token_type");
	struct kbs_error e = { 0 };
	struct json_object *t;

	if (!type || strcmp(type, "kbs"))
		return send_error(conn, MHD_HTTP_BAD_REQUEST,
				  "token_type must be kbs");
	t = kbs_token(&d->config, d->tee, &e);
	if (!t)
		return send_error(conn, (unsigned int)e.status, e.detail);
	return send_json(conn, MHD_HTTP_OK, t, NULL);
}

static enum MHD_Result get_info(struct aaeld *d, struct MHD_Connection *conn)
{
	struct json_object *o = json_object_new_object(), *log;
	char err[AAEL_ERRLEN] = "";
	struct aael_client *c = kernel(err);
	struct aael_status st;

	json_object_object_add(o, "name", json_object_new_string("aaeld"));
	json_object_object_add(o, "version", json_object_new_string(AAELD_VERSION));
	json_object_object_add(o, "tee", json_object_new_string(tee_name(d->tee)));
	json_object_object_add(o, "attestation_api", json_object_new_boolean(d->aa_routes));
	json_object_object_add(o, "eventlog_enabled",
			       json_object_new_boolean(d->config.enable_eventlog));
	log = json_object_new_object();
	if (c && !aael_client_status(c, &st, err)) {
		json_object_object_add(log, "backend", json_object_new_string(st.backend));
		json_object_object_add(log, "hardware", json_object_new_boolean(st.hardware));
		json_object_object_add(log, "index", json_object_new_int64(st.index));
		json_object_object_add(log, "records", json_object_new_int64((int64_t)st.count));
	} else {
		kernel_reset();
		json_object_object_add(log, "error", json_object_new_string(err));
	}
	json_object_object_add(o, "eventlog", log);
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
			return get_aael(conn);
		return send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET or POST only");
	}
	if (!strcmp(url, "/aa/evidence"))
		return get ? get_evidence(d, conn) :
		       send_error(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only");
	if (!strcmp(url, "/aa/token"))
		return get ? get_token(d, conn) :
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
	return route(d, conn, url, method, req);
}

static void done(void *cls, struct MHD_Connection *conn, void **con_cls,
		 enum MHD_RequestTerminationCode code)
{
	struct request *req = *con_cls;

	(void)cls;
	(void)conn;
	(void)code;
	if (req)
		free(req->body);
	free(req);
	*con_cls = NULL;
}

static int unix_listener(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 64)) {
		close(fd);
		return -1;
	}
	return fd;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int http_serve(struct aaeld *d, const char *listen)
{
	/*
	 * TURBO: no per-response TCP_CORK/NODELAY toggling and no inter-thread
	 * signalling socket: a few syscalls less per request, which is most of
	 * what a request costs. One worker per CPU: more only switch.
	 */
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
			     MHD_USE_ERROR_LOG | MHD_USE_TURBO;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int workers = cpus < 2 ? 2 : cpus > 16 ? 16 : (unsigned int)cpus;
	struct sockaddr_storage ss = { 0 };
	struct MHD_Daemon *daemon;
	char host[256];
	const char *colon;
	int fd = -1;
	long port;

	if (!strncmp(listen, "unix:", 5)) {
		fd = unix_listener(listen + 5);
		if (fd < 0) {
			fprintf(stderr, "aaeld: cannot listen on %s: %s\n", listen,
				strerror(errno));
			return -1;
		}
	} else {
		colon = strrchr(listen, ':');
		port = colon ? strtol(colon + 1, NULL, 10) : 0;
		if (!colon || port <= 0 || port > 65535 ||
		    (size_t)(colon - listen) >= sizeof(host)) {
			fprintf(stderr, "aaeld: --listen %s: expected ADDR:PORT or unix:PATH\n",
				listen);
			return -1;
		}
		snprintf(host, sizeof(host), "%.*s", (int)(colon - listen), listen);
		if (host[0] == '[' && host[strlen(host) - 1] == ']') {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			host[strlen(host) - 1] = 0;
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons((uint16_t)port);
			if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1)
				goto bad_addr;
			flags |= MHD_USE_IPv6;
		} else {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			s4->sin_family = AF_INET;
			s4->sin_port = htons((uint16_t)port);
			if (inet_pton(AF_INET, host, &s4->sin_addr) != 1)
				goto bad_addr;
		}
	}
	rate_start(d->max_rate);
	daemon = MHD_start_daemon(flags, 0, NULL, NULL, handle, d,
				  fd >= 0 ? MHD_OPTION_LISTEN_SOCKET : MHD_OPTION_SOCK_ADDR,
				  fd >= 0 ? (intptr_t)fd : (intptr_t)&ss,
				  MHD_OPTION_THREAD_POOL_SIZE, workers,
				  MHD_OPTION_CONNECTION_LIMIT, 256u,
				  MHD_OPTION_CONNECTION_TIMEOUT, 30u,
				  MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
				  MHD_OPTION_END);
	if (!daemon) {
		fprintf(stderr, "aaeld: cannot listen on %s\n", listen);
		return -1;
	}
	fprintf(stderr, "aaeld: listening on %s (tee %s, attestation API %s)\n",
		listen, tee_name(d->tee), d->aa_routes ? "on" : "off");
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	while (!stop)
		pause();
	MHD_stop_daemon(daemon);
	return 0;
bad_addr:
	fprintf(stderr, "aaeld: --listen %s: bad address\n", listen);
	return -1;
}
