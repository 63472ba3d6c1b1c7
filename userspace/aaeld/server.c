// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The HTTP server (libmicrohttpd): listening, reading a request, handing it
 * to the route table (routes.c) and sending the one answer the route made
 * (reply.c). Loopback peers only, as the REST server.
 *
 * Fast routes (POST /aa/aael, GET /info: one netlink round trip) run on
 * libmicrohttpd's worker pool. Slow ones wait on the KBS (a token or a
 * resource: a handshake, up to a minute), on the TPM (evidence: a quote) or
 * serialise the whole log: each runs on a thread of its own while its
 * connection is suspended, at most --max-*-requests of a class at once. So
 * however many clients wait on a stalled KBS, no pool worker waits with
 * them and recording is always served; one slow request over the cap gets
 * 503 and Retry-After at once rather than a place in a queue (which would
 * hold its connection and a thread just the same). Nothing a slow route
 * locks (the TPM context) is taken by recording.
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
#include <microhttpd.h>

#include "aaeld.h"
#include "reply.h"

/* What the server keeps of a request besides what routes see. */
struct request_state {
	struct request req;
	struct MHD_Connection *conn;
	char *raw_path;			/* as sent: not percent-decoded */
	bool started;
	struct aael_buf body;		/* bounded by --max-body */
	bool too_big;
	/* a slow route: its class, slot and run, and whether it answered */
	enum slow_class cls;
	unsigned int slot;
	void (*run)(struct request *req);
	bool suspended;
	bool answered;
	struct answer answer;
};

struct arg_find {
	const char *name;
	const char *value;
	size_t size;
};

static enum MHD_Result arg_match(void *cls, enum MHD_ValueKind kind,
				 const char *key, size_t key_size,
				 const char *value, size_t value_size)
{
	struct arg_find *f = cls;

	(void)kind;
	/* a name holding %00 is not the name it starts with */
	if (key_size == strlen(f->name) && !memcmp(key, f->name, key_size)) {
		f->value = value ? value : "";
		f->size = value ? value_size : 0;
	}
	return MHD_YES;
}

/*
 * As the REST server reads its query (a form_urlencoded map): the last of
 * repeated names wins, and a name without '=' has the empty value. *size
 * (may be NULL) counts every byte of the decoded value, a %00 included.
 */
const char *request_arg_n(struct request *req, const char *name, size_t *size)
{
	struct arg_find f = { .name = name };

	MHD_get_connection_values_n(req->state->conn, MHD_GET_ARGUMENT_KIND,
				    arg_match, &f);
	if (size)
		*size = f.size;
	return f.value;
}

const char *request_arg(struct request *req, const char *name)
{
	return request_arg_n(req, name, NULL);
}

const char *request_header(struct request *req, const char *name)
{
	return MHD_lookup_connection_value(req->state->conn, MHD_HEADER_KIND,
					   name);
}

struct answer *request_answer(struct request *req)
{
	return &req->state->answer;
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

/*
 * Slow routes. A class's slot is taken before its thread starts and given
 * back only after the connection is resumed, so that once every slot is
 * free no connection is suspended: what MHD_stop_daemon requires. The
 * threads are joined (a slot's next request joins the thread that ended
 * in it, the stop all of them), so that none is still exiting -- running
 * OpenSSL's thread-exit handlers -- when the process cleans up.
 *
 * Retry-After: a KBS slot frees when a handshake ends (seconds on a
 * healthy KBS); evidence and log reads take well under a second.
 */
static const struct slow_class_info {
	const char *name;		/* in /info and the 503's text */
	const char *option;
	const char *retry_after;	/* seconds */
} slow_classes[SLOW_CLASSES] = {
	[SLOW_KBS] = { "kbs", "--max-kbs-requests", "5" },
	[SLOW_EVIDENCE] = { "evidence", "--max-evidence-requests", "1" },
	[SLOW_LOG] = { "log", "--max-log-requests", "1" },
};

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

const char *slow_class_name(enum slow_class cls)
{
	return slow_classes[cls].name;
}

unsigned int slow_running(enum slow_class cls)
{
	unsigned int n;

	pthread_mutex_lock(&jobs.lock);
	n = jobs.running[cls];
	pthread_mutex_unlock(&jobs.lock);
	return n;
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
	struct request_state *rs = arg;
	struct MHD_Connection *conn = rs->conn;
	enum slow_class cls = rs->cls;
	unsigned int slot = rs->slot;

	rs->run(&rs->req);
	rs->answered = true;
	/* From here on rs is libmicrohttpd's: it may be freed any time. */
	MHD_resume_connection(conn);
	job_done(cls, slot, true);
	return NULL;
}

void slow_start(struct request *req, enum slow_class cls,
		void (*run)(struct request *req))
{
	const struct slow_class_info *r = &slow_classes[cls];
	struct request_state *rs = req->state;
	bool busy = false, join = false, stopping;
	unsigned int i = 0;
	pthread_t t;
	int rc;

	pthread_mutex_lock(&jobs.lock);
	stopping = jobs.stopping;
	if (stopping) {
		busy = true;
	} else if (jobs.running[cls] >= req->d->max_slow[cls]) {
		busy = true;
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
	if (busy) {
		if (stopping)
			reply_text(req, 503, "aaeld is stopping");
		else
			reply_text(req, 503, "%u %s requests are running already (%s): retry later",
				   req->d->max_slow[cls], r->name, r->option);
		reply_header(req, "Retry-After", r->retry_after);
		return;
	}
	rs->cls = cls;
	rs->slot = i;
	rs->run = run;
	rs->suspended = true;
	MHD_suspend_connection(rs->conn);
	rc = pthread_create(&t, NULL, job_main, rs);
	if (!rc)
		return;
	reply_text(req, 503, "cannot start a thread for this request: %s",
		   strerror(rc));
	reply_header(req, "Retry-After", r->retry_after);
	rs->answered = true;
	MHD_resume_connection(rs->conn);
	job_done(cls, i, false);
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


/* No answer (out of memory): MHD_NO, and libmicrohttpd closes the connection. */
static enum MHD_Result send_answer(struct request_state *rs)
{
	struct MHD_Response *r = rs->answer.resp;
	enum MHD_Result rc;

	rs->answer.resp = NULL;
	if (!r)
		return MHD_NO;
	rc = MHD_queue_response(rs->conn, rs->answer.status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct aaeld *d = cls;
	struct request_state *rs = *con_cls;

	(void)version;
	(void)url;	/* decoded: the route is chosen on rs->raw_path */
	if (!rs)	/* out of memory in uri_seen() */
		return MHD_NO;
	if (!rs->started) {
		rs->started = true;
		rs->conn = conn;
		rs->body.max = d->max_body;
		rs->req.d = d;
		rs->req.state = rs;
		return MHD_YES;
	}
	if (*upload_size) {
		/* over --max-body: read on, keep nothing */
		if (!rs->too_big) {
			int rc = aael_buf_append(&rs->body, upload, *upload_size);

			if (rc == -ENOMEM)
				return MHD_NO;
			rs->too_big = rc == -E2BIG;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (rs->suspended) {	/* a slow route, resumed */
		if (!rs->answered)
			return MHD_YES;
		rs->suspended = false;
		return send_answer(rs);
	}
	rs->req.url = rs->raw_path;
	rs->req.body = rs->body.text;
	rs->req.len = rs->body.len;
	rs->req.too_big = rs->too_big;
	route_request(&rs->req, method, loopback(conn));
	if (rs->suspended)
		return MHD_YES;
	return send_answer(rs);
}

/*
 * The request as sent, before libmicrohttpd percent-decodes its path: the
 * REST server routes on the raw path (hyper's uri().path()), so that
 * "/%69nfo" is not "/info" and an encoded '/' or NUL never makes a path of
 * its own. The state made here is the request's from now on.
 */
static void *uri_seen(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct request_state *rs = calloc(1, sizeof(*rs));

	(void)cls;
	(void)conn;
	if (rs) {
		rs->raw_path = strndup(uri, strcspn(uri, "?"));
		if (!rs->raw_path) {
			free(rs);
			rs = NULL;
		}
	}
	return rs;
}

static void done(void *cls, struct MHD_Connection *conn, void **con_cls,
		 enum MHD_RequestTerminationCode code)
{
	struct request_state *rs = *con_cls;

	(void)cls;
	(void)conn;
	(void)code;
	if (rs) {
		aael_buf_free(&rs->body);
		free(rs->raw_path);
		if (rs->req.arg_free)
			rs->req.arg_free(rs->req.arg);
		/* resumed, but the client was gone before the answer went out */
		if (rs->answer.resp)
			MHD_destroy_response(rs->answer.resp);
	}
	free(rs);
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
	rc = pthread_condattr_init(&ca);
	if (!rc) {
		rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		if (!rc)
			rc = pthread_cond_init(&jobs.idle, &ca);
		pthread_condattr_destroy(&ca);
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
				  MHD_OPTION_URI_LOG_CALLBACK, uri_seen, NULL,
				  MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
				  MHD_OPTION_END);
	if (!daemon) {
		fprintf(stderr, "aaeld: cannot listen on %s\n", d->listen);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		pthread_cond_destroy(&jobs.idle);
		return -1;
	}
	fprintf(stderr, "aaeld: listening on %s (tee %s, features %s)\n",
		d->listen, d->tee->name, features_name(d->features));
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
	return 0;
}
