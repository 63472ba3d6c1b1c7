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
 *   bench sfs|nl|tpm-raw|soft-raw WRITERS SECONDS
 *	A load generator: WRITERS processes record (through the event file,
 *	or through netlink) or, for tpm-raw, extend PCR 16 of /dev/tpmrm0
 *	with one digest per allocated bank (the hardware limit), or for
 *	soft-raw hash and extend as the software register does, in userspace
 *	(its limit), for SECONDS.
 *	Prints one JSON line: ops, rate and latency percentiles.
 *   nlraw CASE
 *	Sends a hand-built (malformed) AAEL_CMD_RECORD and prints the errno
 *	name and the kernel's extended-ack message, or "ok".
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <math.h>
#include <sys/mman.h>
#include <time.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "aael.h"
#include "record.h"
#include "kernel-log.h"

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
	}
	return strerror(e);
}

static int usage(void)
{
	fprintf(stderr, "usage: aael-vmtest write|stress|verify|record ...\n");
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
	ESYS_CONTEXT *esys = NULL;
	TPML_DIGEST_VALUES dv = { 0 };
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
		TSS2_TCTI_CONTEXT *tcti;
		TPML_PCR_SELECTION *caps = NULL;
		TPMS_CAPABILITY_DATA *cap = NULL;

		if (Tss2_TctiLdr_Initialize("device:/dev/tpmrm0", &tcti) ||
		    Esys_Initialize(&esys, tcti, NULL) ||
		    Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				       TPM2_CAP_PCRS, 0, 1, NULL, &cap))
			return -1;
		caps = &cap->data.assignedPCR;
		for (unsigned int i = 0; i < caps->count; i++)
			if (caps->pcrSelections[i].pcrSelect[0] ||
			    caps->pcrSelections[i].pcrSelect[1])
				dv.digests[dv.count++].hashAlg = caps->pcrSelections[i].hash;
		Esys_Free(cap);
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
		else if (c)
			rc = aael_client_record(c, "bench", "nl", text, NULL, err);
		else
			rc = Esys_PCR_Extend(esys, ESYS_TR_PCR16, ESYS_TR_PASSWORD,
					     ESYS_TR_NONE, ESYS_TR_NONE, &dv) ? -1 : 0;
		if (rc)
			return -1;
		lat[n++] = now_us() - t0;
	}
	if (fd >= 0)
		close(fd);
	aael_client_close(c);
	if (esys)
		Esys_Finalize(&esys);
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

struct nl_result {
	int error;
	bool done;
};

static int nl_on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct nl_result *r = arg;

	(void)who;
	r->error = e->error;
	r->done = true;
	return NL_STOP;
}

static int nl_on_ack(struct nl_msg *msg, void *arg)
{
	(void)msg;
	((struct nl_result *)arg)->done = true;
	return NL_STOP;
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
	if (nla_put_string(msg, AAEL_ATTR_CONTENT, "c"))
		return -1;
	if (!strcmp(c, "output-attribute"))
		return nla_put_u64(msg, AAEL_ATTR_COUNT, 1);
	if (!strcmp(c, "unknown-attribute"))
		return nla_put_u32(msg, AAEL_ATTR_MAX + 5, 1);
	return -1;
}

static int cmd_nlraw(int argc, char **argv)
{
	struct nl_result r = { 0 };
	struct nl_sock *sk;
	struct nl_msg *msg;
	struct nl_cb *cb;
	int family;

	if (argc != 1)
		return usage();
	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk) ||
	    (family = genl_ctrl_resolve(sk, AAEL_GENL_NAME)) < 0) {
		printf("no aael family\n");
		return 2;
	}
	msg = nlmsg_alloc_size(AAEL_EVENT_SIZE_LIMIT + 4096);
	genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_ACK,
		    AAEL_CMD_RECORD, AAEL_GENL_VERSION);
	if (nlraw_fill(msg, argv[0]))
		return usage();
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	nl_cb_err(cb, NL_CB_CUSTOM, nl_on_error, &r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, nl_on_ack, &r);
	nl_socket_set_buffer_size(sk, 1 << 20, 1 << 20);
	if (nl_send_auto(sk, msg) < 0) {
		printf("send failed\n");
		return 2;
	}
	while (!r.done && nl_recvmsgs(sk, cb) >= 0)
		;
	if (r.error) {
		printf("%s\n", errno_name(-r.error));
		return 1;
	}
	printf("ok\n");
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
	return usage();
}
