// SPDX-License-Identifier: GPL-2.0
/*
 * aael-vmtest: what the guest test scripts cannot do from a shell: exact
 * single write() calls, concurrent writers, and an independent replay of
 * the kernel's binary log (libaael, OpenSSL) against the live register.
 *
 *   write [--offset N] [--fill N] [--nl] [--drop-to UID] [--hex HEX | TEXT]
 *	One write() of the event; prints "ok" or the errno name.
 *	--fill N appends 'x' until the text is N bytes long, --nl then a '\n'.
 *	--drop-to opens as the caller, then switches uid before writing.
 *   stress WRITERS EVENTS
 *	Forks WRITERS processes writing EVENTS events each, then checks that
 *	the log holds every one exactly once, each writer's in its order.
 *   verify PCR
 *	Parses binary_runtime_measurements, checks every record (AAEL,
 *	register index, digests) and prints the replay: "<alg>:<hex>" per bank.
 *   record SEQ
 *	Prints record SEQ of the binary log as hex.
 *   bench sfs|nl|soft-raw WRITERS SECONDS
 *	A load generator: WRITERS processes record (through the event file,
 *	or through netlink) or, for soft-raw, hash and extend as the software
 *	register does, in userspace (its limit), for SECONDS. The TPM's limit
 *	is tests/bench/tpm-raw-extend.c.
 *	Prints one JSON line: ops, rate and latency percentiles.
 *   nlraw CASE
 *	Sends a hand-built (malformed) AAEL_CMD_RECORD (or for dump-seq-u32,
 *	AAEL_CMD_GET_RECORDS, for status-attribute AAEL_CMD_GET_STATUS) and
 *	prints the errno name and the kernel's extended-ack message
 *	("EINVAL: reason", then " [missing attribute N]" when the ack names
 *	one), or "ok".
 *   nlrecord --fill N DOMAIN OPERATION
 *	RECORD of an N-byte event, then a dump from its seq: prints the
 *	reply's seq, index, digests and record, and the dump's record.
 *   nlstatus
 *	GET_STATUS: one "name: value" line per field, the register's value
 *	as "<alg> <hex>" lines ("register: MISSING" when not sent).
 *   nlpoll SECONDS
 *	GET_STATUS in a loop on one socket for SECONDS; prints "polls N"
 *	(the bench's status pollers).
 *   nlperm root|nobody root|nobody record|dump [write]
 *	The socket opened as the first, the request sent as the second
 *	(by sendto(), as libnl does, or by a plain write()).
 *   nlfamily NAME
 *	Resolves a generic netlink family in this network namespace.
 *   nlnetns
 *	RECORD to the aael family's id from a new network namespace.
 *   read PATH
 *	Reads PATH whole; prints "ok BYTES" or the errno name.
 *   burst N PREFIX
 *	N events "PREFIX i" through one open event file.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <math.h>
#include <sys/mman.h>
#include <time.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "aael.h"
#include "record.h"
#include "kernel-log.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static const char *errno_name(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case EINVAL: return "EINVAL";
	case E2BIG: return "E2BIG";
	case ENOSPC: return "ENOSPC";
	case EILSEQ: return "EILSEQ";
	case EIO: return "EIO";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EINTR: return "EINTR";
	case ENOENT: return "ENOENT";
	case ERANGE: return "ERANGE";
	case EMSGSIZE: return "EMSGSIZE";
	case ETIME: return "ETIME";
	case ENOTRECOVERABLE: return "ENOTRECOVERABLE";
	}
	return strerror(e);
}

static int usage(void)
{
	fprintf(stderr, "usage: aael-vmtest write|stress|verify|record|bench|nlraw|"
		"nlrecord|nlstatus|nlpoll|nlperm|nlfamily|nlnetns|read|burst ...\n");
	return 2;
}

static int cmd_write(int argc, char **argv)
{
	long offset = 0, fill = -1, drop = -1;
	int nl = 0;
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--offset") && i + 1 < argc) {
			offset = atol(argv[++i]);
		} else if (!strcmp(argv[i], "--fill") && i + 1 < argc) {
			fill = atol(argv[++i]);
		} else if (!strcmp(argv[i], "--nl")) {
			nl = 1;
		} else if (!strcmp(argv[i], "--drop-to") && i + 1 < argc) {
			drop = atol(argv[++i]);
		} else if (!strcmp(argv[i], "--hex") && i + 1 < argc) {
			const char *h = argv[++i];

			len = strlen(h) / 2;
			text = malloc(len + 1);
			for (size_t k = 0; k < len; k++) {
				unsigned int b;

				if (sscanf(h + 2 * k, "%2x", &b) != 1)
					return usage();
				text[k] = (char)b;
			}
		} else {
			text = strdup(argv[i]);
			len = strlen(text);
		}
	}
	if (!text)
		text = strdup("");
	if (fill >= 0 && (size_t)fill > len) {
		text = realloc(text, (size_t)fill);
		memset(text + len, 'x', (size_t)fill - len);
		len = (size_t)fill;
	}
	if (nl) {
		text = realloc(text, len + 1);
		text[len++] = '\n';
	}
	fd = open(AAEL_SFS "event", O_WRONLY);
	if (fd < 0) {
		printf("%s\n", errno_name(errno));
		return 1;
	}
	if (drop >= 0 && (setgid((gid_t)drop) || setuid((uid_t)drop))) {
		perror("setuid");
		return 2;
	}
	n = pwrite(fd, text, len, offset);
	if (n < 0) {
		printf("%s\n", errno_name(errno));
		return 1;
	}
	if ((size_t)n != len) {
		printf("short write %zd of %zu\n", n, len);
		return 1;
	}
	printf("ok\n");
	return 0;
}

static int writer(int w, int events)
{
	int fd = open(AAEL_SFS "event", O_WRONLY);
	char text[64];

	if (fd < 0)
		return 1;
	for (int j = 0; j < events; j++) {
		int n = snprintf(text, sizeof(text), "stress w%d %d", w, j);

		if (write(fd, text, (size_t)n) != n) {
			fprintf(stderr, "writer %d event %d: %s\n", w, j,
				strerror(errno));
			return 1;
		}
	}
	return 0;
}

static int cmd_stress(int argc, char **argv)
{
	struct aael_eventlog log;
	int writers, events, bad = 0;
	int *next;
	uint8_t *buf;

	if (argc != 2)
		return usage();
	writers = atoi(argv[0]);
	events = atoi(argv[1]);
	for (int w = 0; w < writers; w++)
		if (fork() == 0)
			_exit(writer(w, events));
	for (int w = 0; w < writers; w++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			bad++;
	}
	if (bad) {
		printf("%d writer(s) failed\n", bad);
		return 1;
	}
	if (load_kernel_log(&log, &buf))
		return 1;
	next = calloc((size_t)writers, sizeof(int));
	for (size_t i = 0; i < log.nr_events; i++) {
		const char *text;
		uint32_t n;
		char copy[64];
		int w, j;

		if (!aael_event_is_aael(&log.events[i], &text, &n) ||
		    n >= sizeof(copy))
			continue;
		memcpy(copy, text, n);
		copy[n] = 0;
		if (sscanf(copy, "stress w%d %d", &w, &j) != 2 || w < 0 ||
		    w >= writers)
			continue;
		if (j != next[w]) {
			printf("writer %d: event %d where %d was due\n", w, j,
			       next[w]);
			return 1;
		}
		next[w]++;
	}
	for (int w = 0; w < writers; w++) {
		if (next[w] != events) {
			printf("writer %d: %d of %d events in the log\n", w,
			       next[w], events);
			return 1;
		}
	}
	printf("ok %d events\n", writers * events);
	return 0;
}

static int cmd_verify(int argc, char **argv)
{
	struct aael_eventlog log;
	uint8_t *buf, value[AAEL_MAX_DIGEST];
	uint32_t pcr;

	if (argc != 1)
		return usage();
	pcr = (uint32_t)atoi(argv[0]);
	if (load_kernel_log(&log, &buf))
		return 1;
	for (size_t i = 0; i < log.nr_events; i++) {
		const struct aael_log_event *ev = &log.events[i];
		const char *text;
		uint32_t n;

		if (ev->pcr != pcr || !aael_event_is_aael(ev, &text, &n) ||
		    ev->nr_digests != log.nr_algs ||
		    !aael_event_digests_match(ev)) {
			printf("record %zu is not a valid AAEL record\n", i);
			return 1;
		}
	}
	printf("events %zu\n", log.nr_events);
	for (unsigned int b = 0; b < log.nr_algs; b++) {
		if (aael_replay(&log, pcr, log.algs[b], value) < 0) {
			printf("cannot replay bank 0x%04x\n", log.algs[b]);
			return 1;
		}
		printf("%s:", aael_alg_name(log.algs[b]));
		for (unsigned int k = 0; k < log.alg_sizes[b]; k++)
			printf("%02x", value[k]);
		printf("\n");
	}
	return 0;
}

static int cmd_record(int argc, char **argv)
{
	struct aael_eventlog log;
	const struct aael_log_event *ev;
	size_t seq, end;
	uint8_t *buf;

	if (argc != 1)
		return usage();
	seq = (size_t)atol(argv[0]);
	if (load_kernel_log(&log, &buf) || seq >= log.nr_events)
		return 1;
	ev = &log.events[seq];
	end = seq + 1 < log.nr_events ? log.events[seq + 1].offset : log.end;
	for (size_t k = ev->offset; k < end; k++)
		printf("%02x", buf[k]);
	printf("\n");
	return 0;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#define BENCH_MAX 2000000

/*
 * What the software register's record costs at the least, in userspace:
 * the tagged event hashed in both banks (sha256, sha384) and each bank
 * extended, with no log.
 */
static int soft_extend(const char *text, uint32_t len, uint8_t *ev,
		       uint8_t reg[2][AAEL_MAX_DIGEST], uint8_t *d)
{
	static const uint16_t algs[2] = { AAEL_ALG_SHA256, AAEL_ALG_SHA384 };
	size_t n = aael_tagged_event_size(len);

	aael_tagged_event_encode(ev, text, len);
	for (int b = 0; b < 2; b++)
		if (!aael_hash(algs[b], ev, n, d) || aael_extend(algs[b], reg[b], d))
			return -1;
	return 0;
}

/* One writer: latencies (us) into lat, returns how many. */
static long bench_writer(const char *mode, int w, double end, double *lat)
{
	struct aael_client *c = NULL;
	char text[64], err[AAEL_ERRLEN];
	uint8_t ev[128], reg[2][AAEL_MAX_DIGEST] = { 0 }, d[AAEL_MAX_DIGEST];
	bool soft = false;
	int fd = -1;
	long n = 0;

	if (!strcmp(mode, "sfs")) {
		fd = open(AAEL_SFS "event", O_WRONLY);
		if (fd < 0)
			return -1;
	} else if (!strcmp(mode, "nl")) {
		if (aael_client_open(&c, err))
			return -1;
	} else if (!strcmp(mode, "soft-raw")) {
		soft = true;
	} else {
		return -1;
	}
	while (n < BENCH_MAX) {
		double t0 = now_us();
		int len = snprintf(text, sizeof(text), "bench w%d %ld", w, n);
		int rc;

		if (t0 >= end)
			break;
		if (fd >= 0)
			rc = write(fd, text, (size_t)len) == len ? 0 : -1;
		else if (soft)
			rc = soft_extend(text, (uint32_t)len, ev, reg, d);
		else
			rc = aael_client_record(c, "bench", "nl", text, NULL, err);
		if (rc)
			return -1;
		lat[n++] = now_us() - t0;
	}
	if (fd >= 0)
		close(fd);
	aael_client_close(c);
	return n;
}

static int cmd_bench(int argc, char **argv)
{
	int writers, secs;
	double *lat, end, start;
	long *counts, total = 0;

	if (argc != 3)
		return usage();
	writers = atoi(argv[1]);
	secs = atoi(argv[2]);
	if (writers < 1 || writers > 64 || secs < 1)
		return usage();
	/* Shared with the writer processes. */
	lat = mmap(NULL, sizeof(double) * BENCH_MAX * (size_t)writers,
		   PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	counts = mmap(NULL, sizeof(long) * (size_t)writers, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (lat == MAP_FAILED || counts == MAP_FAILED)
		return 2;
	start = now_us();
	end = start + secs * 1e6;
	for (int w = 0; w < writers; w++)
		if (fork() == 0)
			_exit((counts[w] = bench_writer(argv[0], w, end,
							lat + (size_t)w * BENCH_MAX)) < 0);
	for (int w = 0; w < writers; w++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
			printf("{\"error\": \"a writer failed\"}\n");
			return 1;
		}
	}
	double elapsed = (now_us() - start) / 1e6;

	for (int w = 0; w < writers; w++) {
		memmove(lat + total, lat + (size_t)w * BENCH_MAX, sizeof(double) * (size_t)counts[w]);
		total += counts[w];
	}
	qsort(lat, (size_t)total, sizeof(double), cmp_double);
	printf("{\"mode\": \"%s\", \"writers\": %d, \"ops\": %ld, \"seconds\": %.2f, "
	       "\"rate\": %.1f, \"p50_us\": %.1f, \"p99_us\": %.1f}\n",
	       argv[0], writers, total, elapsed, total / elapsed,
	       total ? lat[total / 2] : 0, total ? lat[(long)(total * 0.99)] : 0);
	return 0;
}

/* One request's outcome: its errno and extack message, and its replies. */
struct nl_result {
	int error;
	bool done;
	char ext[256];
	int replies;
	void (*on_reply)(struct nlmsghdr *nlh, void *arg);
	void *arg;
};

/*
 * The kernel's extended-ack message, if the error carries one, and the
 * missing attribute it names (NLMSGERR_ATTR_MISS_TYPE) in *miss, else -1.
 */
static const char *extack_msg(struct nlmsgerr *e, int *miss)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*e);

	*miss = -1;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + off)
		return NULL;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off),
		      (int)(nlh->nlmsg_len - NLMSG_HDRLEN - off), NULL))
		return NULL;
	if (tb[NLMSGERR_ATTR_MISS_TYPE] &&
	    nla_len(tb[NLMSGERR_ATTR_MISS_TYPE]) == 4)
		*miss = (int)nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	if (!tb[NLMSGERR_ATTR_MSG])
		return NULL;
	return nla_get_string(tb[NLMSGERR_ATTR_MSG]);
}

static int nl_on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nl_result *r = arg;
	int miss;
	const char *msg = extack_msg(e, &miss);

	(void)who;
	r->error = e->error;
	if (miss >= 0)
		snprintf(r->ext, sizeof(r->ext), "%s [missing attribute %d]",
			 msg ? msg : "", miss);
	else
		snprintf(r->ext, sizeof(r->ext), "%s", msg ? msg : "");
	r->done = true;
	return NL_STOP;
}

static int nl_on_done(struct nl_msg *msg, void *arg)
{
	(void)msg;
	((struct nl_result *)arg)->done = true;
	return NL_STOP;
}

static int nl_on_valid(struct nl_msg *msg, void *arg)
{
	struct nl_result *r = arg;

	r->replies++;
	if (r->on_reply)
		r->on_reply(nlmsg_hdr(msg), r->arg);
	return NL_OK;
}

/*
 * A generic netlink socket that asks for extack messages and takes whole
 * records (a dump message or a RECORD reply carries up to ~60 KiB).
 */
static struct nl_sock *nl_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1;

	if (!sk || genl_connect(sk)) {
		printf("cannot open a generic netlink socket\n");
		exit(2);
	}
	nl_socket_enable_msg_peek(sk);
	nl_socket_set_buffer_size(sk, 1 << 20, 1 << 20);
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	return sk;
}

static int nl_family(struct nl_sock *sk)
{
	int family = genl_ctrl_resolve(sk, AAEL_GENL_NAME);

	if (family < 0) {
		printf("no aael family\n");
		exit(2);
	}
	return family;
}

static struct nl_msg *nl_request(int family, int flags, uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc_size(AAEL_EVENT_SIZE_LIMIT + 4096);

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
				 flags, cmd, AAEL_GENL_VERSION)) {
		printf("out of memory\n");
		exit(2);
	}
	return msg;
}

/*
 * Send msg and read until its ack, error or dump end. With plain_write the
 * message goes out by write(), without a destination address: only then
 * does the kernel's netlink_capable() look at the socket opener (a
 * sendto() to the kernel, as libnl sends, is exempt: NETLINK_SKB_DST).
 */
static void nl_transact(struct nl_sock *sk, struct nl_msg *msg,
			bool plain_write, struct nl_result *r)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	struct nlmsghdr *h;

	if (!cb) {
		printf("out of memory\n");
		exit(2);
	}
	nl_cb_err(cb, NL_CB_CUSTOM, nl_on_error, r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, nl_on_done, r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, nl_on_done, r);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, nl_on_valid, r);
	if (plain_write) {
		nl_complete_msg(sk, msg);
		h = nlmsg_hdr(msg);
		if (write(nl_socket_get_fd(sk), h, h->nlmsg_len) !=
		    (ssize_t)h->nlmsg_len) {
			printf("write failed: %s\n", errno_name(errno));
			exit(2);
		}
	} else if (nl_send_auto(sk, msg) < 0) {
		printf("send failed\n");
		exit(2);
	}
	nlmsg_free(msg);
	while (!r->done) {
		int rc = nl_recvmsgs(sk, cb);

		if (rc < 0 && !r->done) {
			printf("receive failed: %s\n", nl_geterror(rc));
			exit(2);
		}
	}
	nl_cb_put(cb);
}

/* "ERRNO: extack message", or "ERRNO" when the kernel gave none. */
static int nl_print_error(const struct nl_result *r)
{
	printf("%s%s%s\n", errno_name(-r->error), r->ext[0] ? ": " : "",
	       r->ext);
	return 1;
}

/* Attributes as a careless or hostile client might send them. */
static int nlraw_fill(struct nl_msg *msg, const char *c)
{
	static char big[AAEL_EVENT_SIZE_LIMIT + 2];

	if (!strcmp(c, "valid"))
		return nla_put_string(msg, AAEL_ATTR_DOMAIN, "raw") ||
		       nla_put_string(msg, AAEL_ATTR_OPERATION, "valid") ||
		       nla_put_string(msg, AAEL_ATTR_CONTENT, "event");
	if (nla_put_string(msg, AAEL_ATTR_DOMAIN, "raw") ||
	    nla_put_string(msg, AAEL_ATTR_OPERATION, "op"))
		return -1;
	if (!strcmp(c, "missing-content"))
		return 0;
	if (!strcmp(c, "embedded-nul"))
		return nla_put(msg, AAEL_ATTR_CONTENT, 6, "ab\0cd");
	if (!strcmp(c, "no-terminator"))
		return nla_put(msg, AAEL_ATTR_CONTENT, 4, "abcd");
	if (!strcmp(c, "wrong-type"))
		return nla_put_u32(msg, AAEL_ATTR_CONTENT, 0x41424344);
	if (!strcmp(c, "oversize")) {
		memset(big, 'x', sizeof(big) - 1);
		return nla_put(msg, AAEL_ATTR_CONTENT, sizeof(big), big);
	}
	if (!strcmp(c, "nested-flag"))
		return nla_put(msg, AAEL_ATTR_CONTENT | NLA_F_NESTED, 2, "c");
	if (!strcmp(c, "limit-content")) {
		/* The policy's largest string: it passes, max_event_size not. */
		memset(big, 'x', AAEL_EVENT_SIZE_LIMIT);
		big[AAEL_EVENT_SIZE_LIMIT] = 0;
		return nla_put(msg, AAEL_ATTR_CONTENT, AAEL_EVENT_SIZE_LIMIT + 1,
			       big);
	}
	if (nla_put_string(msg, AAEL_ATTR_CONTENT, "c"))
		return -1;
	if (!strcmp(c, "output-attribute"))
		return nla_put_u64(msg, AAEL_ATTR_COUNT, 1);
	if (!strcmp(c, "record-seq"))	/* GET_RECORDS' attribute */
		return nla_put_u64(msg, AAEL_ATTR_SEQ, 1);
	if (!strcmp(c, "reserved")) {	/* genlmsghdr.reserved != 0 */
		((struct genlmsghdr *)nlmsg_data(nlmsg_hdr(msg)))->reserved = 1;
		return 0;
	}
	if (!strcmp(c, "replace-flag")) {
		nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_REPLACE;
		return 0;
	}
	if (!strcmp(c, "unknown-attribute"))
		return nla_put_u32(msg, AAEL_ATTR_MAX + 5, 1);
	return -1;
}

static int cmd_nlraw(int argc, char **argv)
{
	struct nl_result r = { 0 };
	struct nl_sock *sk;
	struct nl_msg *msg;

	if (argc != 1)
		return usage();
	sk = nl_open();
	if (!strcmp(argv[0], "dump-seq-u32")) {
		/* The dump's one input attribute, a u64, sent as a u32. */
		msg = nl_request(nl_family(sk), NLM_F_DUMP, AAEL_CMD_GET_RECORDS);
		if (nla_put_u32(msg, AAEL_ATTR_SEQ, 0))
			return 2;
	} else if (!strcmp(argv[0], "status-attribute")) {
		/* GET_STATUS takes no attribute, not even a known one. */
		msg = nl_request(nl_family(sk), NLM_F_ACK, AAEL_CMD_GET_STATUS);
		if (nla_put_string(msg, AAEL_ATTR_DOMAIN, "raw"))
			return 2;
	} else {
		msg = nl_request(nl_family(sk), NLM_F_ACK, AAEL_CMD_RECORD);
		if (nlraw_fill(msg, argv[0]))
			return usage();
	}
	nl_transact(sk, msg, false, &r);
	if (r.error)
		return nl_print_error(&r);
	printf("ok\n");
	return 0;
}

static void print_hex(const char *label, const void *p, size_t n)
{
	printf("%s ", label);
	for (size_t i = 0; i < n; i++)
		printf("%02x", ((const uint8_t *)p)[i]);
	printf("\n");
}

static const struct nla_policy reply_policy[AAEL_ATTR_MAX + 1] = {
	[AAEL_ATTR_SEQ] = { .type = NLA_U64 },
	[AAEL_ATTR_INDEX] = { .type = NLA_U32 },
	[AAEL_ATTR_DIGESTS] = { .type = NLA_NESTED },
};

struct recorded {
	bool have;
	uint64_t seq;
	uint32_t index;
	char digests[AAEL_MAX_BANKS * (2 * AAEL_MAX_DIGEST + 16)];
	uint8_t *rec;
	size_t len;
};

/* The first reply carrying a record: RECORD's one reply, a dump's first. */
static void keep_record(struct nlmsghdr *nlh, void *arg)
{
	struct recorded *out = arg;
	struct nlattr *tb[AAEL_ATTR_MAX + 1], *one;
	size_t at = 0;
	int rem;

	if (out->have || genlmsg_parse(nlh, 0, tb, AAEL_ATTR_MAX,
				       (struct nla_policy *)reply_policy) ||
	    !tb[AAEL_ATTR_SEQ] || !tb[AAEL_ATTR_RECORD])
		return;
	out->have = true;
	out->seq = nla_get_u64(tb[AAEL_ATTR_SEQ]);
	out->index = tb[AAEL_ATTR_INDEX] ? nla_get_u32(tb[AAEL_ATTR_INDEX]) : 0;
	out->len = (size_t)nla_len(tb[AAEL_ATTR_RECORD]);
	out->rec = malloc(out->len);
	memcpy(out->rec, nla_data(tb[AAEL_ATTR_RECORD]), out->len);
	if (!tb[AAEL_ATTR_DIGESTS])
		return;
	nla_for_each_nested(one, tb[AAEL_ATTR_DIGESTS], rem) {
		struct nlattr *d[AAEL_DIGEST_MAX + 1];

		if (nla_parse_nested(d, AAEL_DIGEST_MAX, one, NULL) ||
		    !d[AAEL_DIGEST_ALG] || !d[AAEL_DIGEST_VALUE] ||
		    nla_len(d[AAEL_DIGEST_ALG]) != 2 ||
		    at + 16 + 2 * (size_t)nla_len(d[AAEL_DIGEST_VALUE]) >=
		    sizeof(out->digests))
			continue;
		at += (size_t)snprintf(out->digests + at, sizeof(out->digests) - at,
				       "%s%s:", at ? " " : "",
				       aael_alg_name(nla_get_u16(d[AAEL_DIGEST_ALG])));
		for (int k = 0; k < nla_len(d[AAEL_DIGEST_VALUE]); k++)
			at += (size_t)snprintf(out->digests + at, 3, "%02x",
				((uint8_t *)nla_data(d[AAEL_DIGEST_VALUE]))[k]);
	}
}

/*
 * nlrecord --fill N DOMAIN OPERATION: records an event of exactly N bytes
 * of text (content: 'x's), then dumps from its sequence number. Prints the
 * reply's seq, index and digests, and the record as the reply and as the
 * dump carry it.
 */
static int cmd_nlrecord(int argc, char **argv)
{
	struct nl_result r = { 0 }, d = { 0 };
	struct recorded rep = { 0 }, dump = { 0 };
	struct nl_sock *sk;
	struct nl_msg *msg;
	size_t fill, fixed;
	char *content;
	int family;

	if (argc != 4 || strcmp(argv[0], "--fill"))
		return usage();
	fill = (size_t)atol(argv[1]);
	fixed = strlen(argv[2]) + strlen(argv[3]) + 2;
	if (fill < fixed)
		return usage();
	content = malloc(fill - fixed + 1);
	memset(content, 'x', fill - fixed);
	content[fill - fixed] = 0;
	sk = nl_open();
	family = nl_family(sk);
	msg = nl_request(family, NLM_F_ACK, AAEL_CMD_RECORD);
	if (nla_put_string(msg, AAEL_ATTR_DOMAIN, argv[2]) ||
	    nla_put_string(msg, AAEL_ATTR_OPERATION, argv[3]) ||
	    nla_put_string(msg, AAEL_ATTR_CONTENT, content)) {
		printf("event too large for one message\n");
		return 2;
	}
	r.on_reply = keep_record;
	r.arg = &rep;
	nl_transact(sk, msg, false, &r);
	if (r.error)
		return nl_print_error(&r);
	if (!rep.have) {
		printf("no record in the reply (%d replies)\n", r.replies);
		return 1;
	}
	msg = nl_request(family, NLM_F_DUMP, AAEL_CMD_GET_RECORDS);
	nla_put_u64(msg, AAEL_ATTR_SEQ, rep.seq);
	d.on_reply = keep_record;
	d.arg = &dump;
	nl_transact(sk, msg, false, &d);
	if (d.error)
		return nl_print_error(&d);
	printf("seq %llu\nindex %u\ndigests %s\n", (unsigned long long)rep.seq,
	       rep.index, rep.digests);
	print_hex("reply", rep.rec, rep.len);
	if (!dump.have || dump.seq != rep.seq) {
		printf("dump: no record %llu\n", (unsigned long long)rep.seq);
		return 1;
	}
	print_hex("dump", dump.rec, dump.len);
	return 0;
}

static const struct nla_policy status_policy[AAEL_ATTR_MAX + 1] = {
	[AAEL_ATTR_BACKEND] = { .type = NLA_NUL_STRING },
	[AAEL_ATTR_HARDWARE] = { .type = NLA_U8 },
	[AAEL_ATTR_INDEX] = { .type = NLA_U32 },
	[AAEL_ATTR_COUNT] = { .type = NLA_U64 },
	[AAEL_ATTR_LOG_SIZE] = { .type = NLA_U64 },
	[AAEL_ATTR_FAILURES] = { .type = NLA_U64 },
	[AAEL_ATTR_MAX_EVENT] = { .type = NLA_U32 },
	[AAEL_ATTR_MAX_LOG] = { .type = NLA_U64 },
	[AAEL_ATTR_REGISTER] = { .type = NLA_NESTED },
	[AAEL_ATTR_STATE] = { .type = NLA_U8 },
};

/* Every GET_STATUS field by name; an absent one prints "MISSING". */
static void print_status(struct nlmsghdr *nlh, void *arg)
{
	static const struct { int type; const char *name; } u64s[] = {
		{ AAEL_ATTR_COUNT, "count" },
		{ AAEL_ATTR_LOG_SIZE, "log_size" },
		{ AAEL_ATTR_FAILURES, "extend_failures" },
		{ AAEL_ATTR_MAX_LOG, "max_log_size" },
	};
	struct nlattr *tb[AAEL_ATTR_MAX + 1], *one;
	int rem;

	(void)arg;
	if (genlmsg_parse(nlh, 0, tb, AAEL_ATTR_MAX,
			  (struct nla_policy *)status_policy)) {
		printf("malformed status reply\n");
		return;
	}
	printf("backend: %s\n", tb[AAEL_ATTR_BACKEND] ?
	       nla_get_string(tb[AAEL_ATTR_BACKEND]) : "MISSING");
	if (tb[AAEL_ATTR_HARDWARE])
		printf("hardware: %u\n", nla_get_u8(tb[AAEL_ATTR_HARDWARE]));
	else
		printf("hardware: MISSING\n");
	if (tb[AAEL_ATTR_INDEX])
		printf("index: %u\n", nla_get_u32(tb[AAEL_ATTR_INDEX]));
	else
		printf("index: MISSING\n");
	for (size_t i = 0; i < sizeof(u64s) / sizeof(u64s[0]); i++) {
		if (tb[u64s[i].type])
			printf("%s: %llu\n", u64s[i].name,
			       (unsigned long long)nla_get_u64(tb[u64s[i].type]));
		else
			printf("%s: MISSING\n", u64s[i].name);
	}
	if (tb[AAEL_ATTR_MAX_EVENT])
		printf("max_event_size: %u\n", nla_get_u32(tb[AAEL_ATTR_MAX_EVENT]));
	else
		printf("max_event_size: MISSING\n");
	if (tb[AAEL_ATTR_STATE])
		printf("state: %s\n", nla_get_u8(tb[AAEL_ATTR_STATE]) ==
		       AAEL_STATE_OK ? "ok" : nla_get_u8(tb[AAEL_ATTR_STATE]) ==
		       AAEL_STATE_BROKEN ? "broken" : "UNKNOWN");
	else
		printf("state: MISSING\n");
	if (!tb[AAEL_ATTR_REGISTER]) {
		printf("register: MISSING\n");
		return;
	}
	nla_for_each_nested(one, tb[AAEL_ATTR_REGISTER], rem) {
		struct nlattr *d[AAEL_DIGEST_MAX + 1];

		if (nla_parse_nested(d, AAEL_DIGEST_MAX, one, NULL) ||
		    !d[AAEL_DIGEST_ALG] || !d[AAEL_DIGEST_VALUE] ||
		    nla_len(d[AAEL_DIGEST_ALG]) != 2) {
			printf("register: malformed digest\n");
			continue;
		}
		print_hex(aael_alg_name(nla_get_u16(d[AAEL_DIGEST_ALG])),
			  nla_data(d[AAEL_DIGEST_VALUE]),
			  (size_t)nla_len(d[AAEL_DIGEST_VALUE]));
	}
}

/* nlstatus: GET_STATUS, every attribute printed as it came. */
static int cmd_nlstatus(int argc, char **argv)
{
	struct nl_result r = { .on_reply = print_status };
	struct nl_sock *sk;

	(void)argv;
	if (argc != 0)
		return usage();
	sk = nl_open();
	nl_transact(sk, nl_request(nl_family(sk), NLM_F_ACK,
				   AAEL_CMD_GET_STATUS), false, &r);
	if (r.error)
		return nl_print_error(&r);
	return r.replies == 1 ? 0 : 1;
}

/* nlpoll SECONDS: GET_STATUS after GET_STATUS, as a status poller does. */
static int cmd_nlpoll(int argc, char **argv)
{
	struct nl_sock *sk;
	struct timespec t0, t;
	unsigned long polls = 0;
	double secs;
	int family;

	if (argc != 1)
		return usage();
	secs = atof(argv[0]);
	sk = nl_open();
	family = nl_family(sk);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		struct nl_result r = { 0 };

		nl_transact(sk, nl_request(family, NLM_F_ACK,
					   AAEL_CMD_GET_STATUS), false, &r);
		if (r.error || r.replies != 1)
			return nl_print_error(&r);
		polls++;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((double)(t.tv_sec - t0.tv_sec) +
		 (double)(t.tv_nsec - t0.tv_nsec) / 1e9 < secs);
	printf("polls %lu\n", polls);
	return 0;
}

/*
 * nlperm OPENER SENDER record|dump [write]: OPENER and SENDER are root or
 * nobody. The socket is opened with the opener's credentials (a root
 * process that opens it under euid 65534 has no effective capability in
 * the file's credentials), then the process becomes the sender and sends
 * RECORD or a GET_RECORDS dump from 0. Prints "ok" (RECORD), "ok N" (the
 * records dumped) or the errno and extack message.
 */
static int cmd_nlperm(int argc, char **argv)
{
	struct nl_result r = { 0 };
	bool plain_write, nobody_opens, nobody_sends, dump;
	struct nl_sock *sk;
	struct nl_msg *msg;
	int family;

	if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "write")))
		return usage();
	nobody_opens = !strcmp(argv[0], "nobody");
	nobody_sends = !strcmp(argv[1], "nobody");
	dump = !strcmp(argv[2], "dump");
	plain_write = argc == 4;
	if (nobody_opens && seteuid(65534)) {
		perror("seteuid");
		return 2;
	}
	sk = nl_open();
	if (nobody_opens && seteuid(0)) {
		perror("seteuid");
		return 2;
	}
	family = nl_family(sk);
	if (nobody_sends && (setgroups(0, NULL) || setgid(65534) ||
			     setuid(65534))) {
		perror("setuid");
		return 2;
	}
	if (dump) {
		msg = nl_request(family, NLM_F_DUMP, AAEL_CMD_GET_RECORDS);
	} else {
		msg = nl_request(family, NLM_F_ACK, AAEL_CMD_RECORD);
		if (nla_put_string(msg, AAEL_ATTR_DOMAIN, "nlperm") ||
		    nla_put_string(msg, AAEL_ATTR_OPERATION, argv[0]) ||
		    nla_put_string(msg, AAEL_ATTR_CONTENT, argv[1]))
			return 2;
	}
	nl_transact(sk, msg, plain_write, &r);
	if (r.error)
		return nl_print_error(&r);
	if (dump)
		printf("ok %d\n", r.replies);
	else
		printf("ok\n");
	return 0;
}

/* nlfamily NAME: asks the controller for NAME in this network namespace. */
static int cmd_nlfamily(int argc, char **argv)
{
	struct nl_result r = { 0 };
	struct nl_sock *sk;
	struct nl_msg *msg;

	if (argc != 1)
		return usage();
	sk = nl_open();
	msg = nl_request(GENL_ID_CTRL, NLM_F_ACK, CTRL_CMD_GETFAMILY);
	if (nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, argv[0]))
		return 2;
	nl_transact(sk, msg, false, &r);
	if (r.error)
		return nl_print_error(&r);
	printf("ok\n");
	return 0;
}

/*
 * nlnetns: the aael family's id, resolved in this namespace, then a valid
 * RECORD to that id from a socket in a new network namespace.
 */
static int cmd_nlnetns(int argc, char **argv)
{
	struct nl_result r = { 0 };
	struct nl_sock *sk;
	struct nl_msg *msg;
	int family;

	(void)argv;
	if (argc != 0)
		return usage();
	family = nl_family(nl_open());
	if (unshare(CLONE_NEWNET)) {
		perror("unshare");
		return 2;
	}
	sk = nl_open();
	msg = nl_request(family, NLM_F_ACK, AAEL_CMD_RECORD);
	if (nlraw_fill(msg, "valid"))
		return 2;
	nl_transact(sk, msg, false, &r);
	if (r.error)
		return nl_print_error(&r);
	printf("ok\n");
	return 0;
}

/* read PATH: the whole file with one process's credentials. */
static int cmd_read(int argc, char **argv)
{
	char buf[4096];
	size_t total = 0;
	ssize_t n;
	int fd;

	if (argc != 1)
		return usage();
	fd = open(argv[0], O_RDONLY);
	if (fd < 0) {
		printf("%s\n", errno_name(errno));
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += (size_t)n;
	if (n < 0) {
		printf("%s\n", errno_name(errno));
		return 1;
	}
	printf("ok %zu\n", total);
	return 0;
}

/* burst N PREFIX: N events "PREFIX i" through one open event file. */
static int cmd_burst(int argc, char **argv)
{
	char text[256];
	long n;
	int fd;

	if (argc != 2)
		return usage();
	n = atol(argv[0]);
	fd = open(AAEL_SFS "event", O_WRONLY);
	if (fd < 0) {
		printf("%s\n", errno_name(errno));
		return 1;
	}
	for (long i = 0; i < n; i++) {
		int len = snprintf(text, sizeof(text), "%s %ld", argv[1], i);

		if (len < 0 || (size_t)len >= sizeof(text))
			return usage();
		if (write(fd, text, (size_t)len) != len) {
			printf("event %ld: %s\n", i, errno_name(errno));
			return 1;
		}
	}
	printf("ok %ld\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "write"))
		return cmd_write(argc - 2, argv + 2);
	if (!strcmp(argv[1], "stress"))
		return cmd_stress(argc - 2, argv + 2);
	if (!strcmp(argv[1], "verify"))
		return cmd_verify(argc - 2, argv + 2);
	if (!strcmp(argv[1], "record"))
		return cmd_record(argc - 2, argv + 2);
	if (!strcmp(argv[1], "bench"))
		return cmd_bench(argc - 2, argv + 2);
	if (!strcmp(argv[1], "nlraw"))
		return cmd_nlraw(argc - 2, argv + 2);
	if (!strcmp(argv[1], "nlrecord"))
		return cmd_nlrecord(argc - 2, argv + 2);
	if (!strcmp(argv[1], "nlstatus"))
		return cmd_nlstatus(argc - 2, argv + 2);
	if (!strcmp(argv[1], "nlpoll"))
		return cmd_nlpoll(argc - 2, argv + 2);
	if (!strcmp(argv[1], "nlperm"))
		return cmd_nlperm(argc - 2, argv + 2);
	if (!strcmp(argv[1], "nlfamily"))
		return cmd_nlfamily(argc - 2, argv + 2);
	if (!strcmp(argv[1], "nlnetns"))
		return cmd_nlnetns(argc - 2, argv + 2);
	if (!strcmp(argv[1], "read"))
		return cmd_read(argc - 2, argv + 2);
	if (!strcmp(argv[1], "burst"))
		return cmd_burst(argc - 2, argv + 2);
	return usage();
}
