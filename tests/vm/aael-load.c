// SPDX-License-Identifier: GPL-2.0
/*
 * aael-load: the reliability suite's writers and its judge.
 *
 *   run PREFIX WRITERS EVENTS MODES [URL]
 *	Forks WRITERS processes; writer w records EVENTS events "rel PREFIX
 *	w<w> <j>" through MODES[w % n] (a comma list of sfs, nl, http) and
 *	writes what each attempt got to /tmp/ledger-PREFIX-<w>: "<j> ok"
 *	("<j> ok retried" when aaeld was not listening at first),
 *	"<j> refused <why>" or "<j> unknown <why>". unknown is an HTTP request
 *	whose answer never came (aaeld killed after sending): it may or may
 *	not have been recorded, and nobody can tell the client which. Over
 *	HTTP "ok" is a 200 whose JSON says "success": "true"; a 200 saying
 *	"false" (aael.ko not accepting records) is refused http-200-false.
 *	Each line goes out in one write(2) as soon as the attempt is over:
 *	the suites time their faults by these ledgers while the writers run.
 *	An HTTP writer whose connect is refused also writes "<j>" to
 *	/tmp/down-PREFIX-<w> before it retries: the fact that it found aaeld
 *	gone, which its ledger tells only once the attempt is over.
 *   sample FILE STOPFILE
 *	Until STOPFILE exists: GET_STATUS over netlink (count and register
 *	values, read together under the kernel's lock), one line each, also
 *	written at once.
 *   count FILE...
 *	Prints "<ok> <attempts>": the ledger lines in FILEs (a missing file
 *	has none) whose attempt got ok, and all of them. Only whole lines
 *	count: a reader may catch the last one half written.
 *   wait ok|lines N SECONDS FILE...
 *	Until FILEs hold N such lines (ok ones, or any): prints the count.
 *	Exits 1 after SECONDS without them.
 *   audit [--min-samples N] PREFIX WRITERS [SAMPLES]
 *	Checks the three invariants against the kernel's binary log: every
 *	"ok" is in the log exactly once, nothing refused is, nothing appears
 *	twice or out of its writer's order, no record of PREFIX is unknown to
 *	the ledgers, every record is a whole AAEL record whose digests match;
 *	and each sampled register value is the replay of the first COUNT
 *	records, with at least N samples (default 1) replayed: a sampler that
 *	never got a sample checks nothing. Prints a summary; exits 1 on any
 *	violation.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "aael.h"
#include "kernel-log.h"

#define MAX_WRITERS 64
/* "COUNT" and " alg:hex" for every bank a register can have */
#define SAMPLE_LINE (24 + AAEL_MAX_BANKS * (16 + 2 * AAEL_MAX_DIGEST))

enum mode { SFS, NL, HTTP };

struct writer {
	enum mode mode;
	int w, events;
	const char *prefix, *url;
	int ledger, down, fd;
	bool io_failed;
	struct aael_client *nl;
	CURL *curl;
	struct curl_slist *hdrs;
	char body[512];			/* the start of the last answer */
	size_t body_len;
};

static int usage(void)
{
	fprintf(stderr, "usage: aael-load run PREFIX WRITERS EVENTS MODES [URL]\n"
			"       aael-load sample FILE STOPFILE\n"
			"       aael-load count FILE...\n"
			"       aael-load wait ok|lines N SECONDS FILE...\n"
			"       aael-load audit [--min-samples N] PREFIX WRITERS [SAMPLES]\n");
	return 2;
}

/*
 * One whole line in one write(2), never a stdio buffer: a reader sees the
 * line as soon as it is true, and never two attempts' lines interleaved.
 */
static int vput_line(int fd, const char *fmt, va_list ap)
{
	char line[SAMPLE_LINE];
	int n = vsnprintf(line, sizeof(line), fmt, ap);

	if (n < 0 || (size_t)n >= sizeof(line))
		return -1;
	return write(fd, line, (size_t)n) == n ? 0 : -1;
}

__attribute__((format(printf, 2, 3)))
static int put_line(int fd, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vput_line(fd, fmt, ap);
	va_end(ap);
	return rc;
}

/* A ledger that cannot be written fails the writer (run reports it). */
__attribute__((format(printf, 2, 3)))
static void note(struct writer *wr, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vput_line(wr->ledger, fmt, ap))
		wr->io_failed = true;
	va_end(ap);
}

static void note_down(struct writer *wr, int j)
{
	char path[256];

	if (wr->down < 0) {
		snprintf(path, sizeof(path), "/tmp/down-%s-%d", wr->prefix, wr->w);
		wr->down = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	}
	if (wr->down < 0 || put_line(wr->down, "%d\n", j))
		wr->io_failed = true;
}

/* Keeps the first bytes of the answer: POST /aa/aael's is a small JSON. */
static size_t keep(char *p, size_t size, size_t n, void *arg)
{
	struct writer *wr = arg;
	size_t room = sizeof(wr->body) - 1 - wr->body_len;
	size_t len = size * n < room ? size * n : room;

	memcpy(wr->body + wr->body_len, p, len);
	wr->body_len += len;
	wr->body[wr->body_len] = 0;
	return size * n;
}

/* "true", "false", or NULL: the answer's "success" member */
static const char *success_of(struct writer *wr, char *out, size_t n)
{
	struct json_object *o = json_tokener_parse(wr->body), *v;
	const char *r = NULL;

	if (o && json_object_object_get_ex(o, "success", &v) &&
	    json_object_is_type(v, json_type_string)) {
		snprintf(out, n, "%s", json_object_get_string(v));
		r = out;
	}
	json_object_put(o);
	return r;
}

static void attempt_http(struct writer *wr, int j)
{
	char body[128], success[8];
	const char *sx;
	long status = 0;
	CURLcode rc;
	int tries;

	snprintf(body, sizeof(body),
		 "{\"domain\":\"rel\",\"operation\":\"%s\",\"content\":\"w%d %d\"}",
		 wr->prefix, wr->w, j);
	curl_easy_setopt(wr->curl, CURLOPT_POSTFIELDS, body);
	/* A refused connect never reached aaeld: retry it (up to 20 s). */
	for (tries = 0; tries < 2000; tries++) {
		wr->body_len = 0;
		wr->body[0] = 0;
		rc = curl_easy_perform(wr->curl);
		if (rc != CURLE_COULDNT_CONNECT)
			break;
		if (!tries)
			note_down(wr, j);
		usleep(10000);
	}
	if (rc == CURLE_COULDNT_CONNECT) {
		note(wr, "%d refused connect\n", j);
		return;
	}
	if (rc != CURLE_OK) {
		note(wr, "%d unknown curl-%d\n", j, rc);
		return;
	}
	curl_easy_getinfo(wr->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		note(wr, "%d refused http-%ld\n", j, status);
		return;
	}
	sx = success_of(wr, success, sizeof(success));
	if (sx && !strcmp(sx, "true"))	/* "retried": aaeld was down meanwhile */
		note(wr, "%d ok%s\n", j, tries ? " retried" : "");
	else if (sx && !strcmp(sx, "false"))
		note(wr, "%d refused http-200-false\n", j);
	else	/* a 200 that says nothing: it may have been recorded */
		note(wr, "%d unknown http-200-no-success\n", j);
}

static void attempt(struct writer *wr, int j)
{
	char text[128], err[AAEL_ERRLEN];
	int n, rc;

	switch (wr->mode) {
	case SFS:
		n = snprintf(text, sizeof(text), "rel %s w%d %d", wr->prefix,
			     wr->w, j);
		if (write(wr->fd, text, (size_t)n) == n)
			note(wr, "%d ok\n", j);
		else
			note(wr, "%d refused %s\n", j, strerror(errno));
		break;
	case NL:
		snprintf(text, sizeof(text), "w%d %d", wr->w, j);
		rc = aael_client_record(wr->nl, "rel", wr->prefix, text, NULL, err);
		if (!rc)
			note(wr, "%d ok\n", j);
		else
			note(wr, "%d refused %s\n", j, strerror(-rc));
		break;
	case HTTP:
		attempt_http(wr, j);
		break;
	}
}

static int open_writer(struct writer *wr)
{
	char err[AAEL_ERRLEN];

	switch (wr->mode) {
	case SFS:
		wr->fd = open(AAEL_SFS "event", O_WRONLY);
		return wr->fd < 0 ? -1 : 0;
	case NL:
		if (aael_client_open(&wr->nl, err)) {
			fprintf(stderr, "writer %d: %s\n", wr->w, err);
			return -1;
		}
		return 0;
	case HTTP:
		wr->curl = curl_easy_init();
		if (!wr->curl)
			return -1;
		wr->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
		curl_easy_setopt(wr->curl, CURLOPT_URL, wr->url);
		curl_easy_setopt(wr->curl, CURLOPT_HTTPHEADER, wr->hdrs);
		curl_easy_setopt(wr->curl, CURLOPT_WRITEFUNCTION, keep);
		curl_easy_setopt(wr->curl, CURLOPT_WRITEDATA, wr);
		curl_easy_setopt(wr->curl, CURLOPT_TIMEOUT, 30L);
		/*
		 * One connection per request, as `curl -X POST` does. On a
		 * reused keep-alive connection that dies before any answer,
		 * libcurl silently sends the request again: if aaeld had
		 * recorded it before it died, the event is recorded twice and
		 * the client sees one 200 (the soak run found exactly that).
		 * No server can prevent it; clients must not resend POSTs.
		 */
		curl_easy_setopt(wr->curl, CURLOPT_FORBID_REUSE, 1L);
		return 0;
	}
	return -1;
}

static int run_writer(struct writer *wr)
{
	char path[256];

	snprintf(path, sizeof(path), "/tmp/ledger-%s-%d", wr->prefix, wr->w);
	wr->ledger = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (wr->ledger < 0 || open_writer(wr))
		return 1;
	for (int j = 0; j < wr->events; j++)
		attempt(wr, j);
	if (wr->curl) {
		curl_easy_cleanup(wr->curl);
		curl_slist_free_all(wr->hdrs);
	}
	aael_client_close(wr->nl);
	if (wr->down >= 0 && close(wr->down))
		wr->io_failed = true;
	return close(wr->ledger) || wr->io_failed ? 1 : 0;
}

static int parse_modes(char *s, enum mode *modes)
{
	int n = 0;

	for (char *t = strtok(s, ","); t && n < 3; t = strtok(NULL, ",")) {
		if (!strcmp(t, "sfs"))
			modes[n++] = SFS;
		else if (!strcmp(t, "nl"))
			modes[n++] = NL;
		else if (!strcmp(t, "http"))
			modes[n++] = HTTP;
		else
			return 0;
	}
	return n;
}

static int cmd_run(int argc, char **argv)
{
	enum mode modes[3];
	int writers, events, nmodes, bad = 0;

	if (argc < 4)
		return usage();
	writers = atoi(argv[1]);
	events = atoi(argv[2]);
	nmodes = parse_modes(argv[3], modes);
	if (writers < 1 || writers > MAX_WRITERS || events < 1 || !nmodes)
		return usage();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (int w = 0; w < writers; w++) {
		struct writer wr = {
			.mode = modes[w % nmodes], .w = w, .events = events,
			.prefix = argv[0], .fd = -1, .down = -1,
			.url = argc > 4 ? argv[4] : "http://127.0.0.1:8006/aa/aael",
		};

		if (fork() == 0)
			_exit(run_writer(&wr));
	}
	for (int w = 0; w < writers; w++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			bad++;
	}
	if (bad)
		printf("%d writer(s) could not run\n", bad);
	return bad ? 1 : 0;
}

static int cmd_sample(int argc, char **argv)
{
	struct aael_client *c = NULL;
	char err[AAEL_ERRLEN], hex[2 * AAEL_MAX_DIGEST + 1], line[SAMPLE_LINE];
	struct aael_status st;
	struct stat sb;
	int out, bad = 0;

	if (argc != 2)
		return usage();
	out = open(argv[0], O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (out < 0) {
		perror(argv[0]);
		return 1;
	}
	while (!bad && stat(argv[1], &sb)) {
		/* A failed status (the TPM gone) is no sample; try again. */
		if ((c || !aael_client_open(&c, err)) &&
		    !aael_client_status(c, &st, err)) {
			size_t n = (size_t)snprintf(line, sizeof(line), "%llu",
						    (unsigned long long)st.count);

			for (unsigned int b = 0; b < st.nr_banks; b++)
				n += (size_t)snprintf(line + n, sizeof(line) - n, " %s:%s",
						      aael_alg_name(st.value[b].alg),
						      aael_hex(hex, st.value[b].bytes,
							       st.value[b].size));
			bad = put_line(out, "%s\n", line);
		}
		usleep(20000);
	}
	aael_client_close(c);
	if (bad)
		fprintf(stderr, "sample: cannot write %s\n", argv[0]);
	return close(out) || bad ? 1 : 0;
}

/*
 * Whole lines of FILEs and those of them whose attempt got ok. A line ends
 * at its '\n'; what follows the last one is a line still being written.
 */
static int count_lines(int n, char **files, long *ok, long *lines)
{
	*ok = *lines = 0;
	for (int i = 0; i < n; i++) {
		char line[256];
		size_t len = 0;
		int ch;
		FILE *f = fopen(files[i], "r");

		if (!f) {
			if (errno == ENOENT)	/* the writer has not begun */
				continue;
			perror(files[i]);
			return -1;
		}
		while ((ch = getc(f)) != EOF) {
			char *sp;

			if (ch != '\n') {
				if (len < sizeof(line) - 1)
					line[len++] = (char)ch;
				continue;
			}
			line[len] = 0;
			len = 0;
			(*lines)++;
			/* "<j> ok" or "<j> ok retried" */
			sp = strchr(line, ' ');
			if (sp && !strncmp(sp + 1, "ok", 2) &&
			    (sp[3] == 0 || sp[3] == ' '))
				(*ok)++;
		}
		fclose(f);
	}
	return 0;
}

static int cmd_count(int argc, char **argv)
{
	long ok, lines;

	if (argc < 1)
		return usage();
	if (count_lines(argc, argv, &ok, &lines))
		return 1;
	printf("%ld %ld\n", ok, lines);
	return 0;
}

/*
 * Polls every 10 ms, in one process: a shell loop forking a counter lags
 * by up to a second on a loaded TCG guest, while writers run hundreds of
 * attempts a second.
 */
static int cmd_wait(int argc, char **argv)
{
	long want, secs, ok, lines, *got;
	struct timespec t0, t;
	char *end;

	if (argc < 4 || (strcmp(argv[0], "ok") && strcmp(argv[0], "lines")))
		return usage();
	want = strtol(argv[1], &end, 10);
	if (*end || want < 0)
		return usage();
	secs = strtol(argv[2], &end, 10);
	if (*end || secs < 0)
		return usage();
	got = !strcmp(argv[0], "ok") ? &ok : &lines;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (count_lines(argc - 3, argv + 3, &ok, &lines))
			return 1;
		if (*got >= want) {
			printf("%ld\n", *got);
			return 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec >= secs) {
			printf("timed out after %ld s: %ld %s of %ld\n", secs, *got,
			       argv[0], want);
			return 1;
		}
		usleep(10000);
	}
}

/* Per writer: what its ledger says of each event, and what the log holds. */
enum outcome { NONE, OK, REFUSED, UNKNOWN };

struct tally {
	int events;
	unsigned char *outcome;
	unsigned char *seen;
	int last;
};

static int read_ledger(const char *prefix, int w, struct tally *t, long *count)
{
	char path[256], what[32];
	FILE *f;
	int j;

	snprintf(path, sizeof(path), "/tmp/ledger-%s-%d", prefix, w);
	f = fopen(path, "r");
	if (!f) {
		printf("no ledger %s\n", path);
		return -1;
	}
	t->events = 0;
	t->outcome = NULL;
	t->last = -1;
	while (fscanf(f, "%d %31s%*[^\n]", &j, what) == 2) {
		if (j != t->events) {
			printf("ledger %s: attempt %d out of order\n", path, j);
			fclose(f);
			return -1;
		}
		t->outcome = realloc(t->outcome, (size_t)j + 1);
		t->outcome[j] = !strcmp(what, "ok") ? OK :
				!strcmp(what, "unknown") ? UNKNOWN : REFUSED;
		count[t->outcome[j]]++;
		t->events++;
	}
	fclose(f);
	t->seen = calloc((size_t)t->events + 1, 1);
	return 0;
}

/* One record of the log against the ledgers; returns 0 or -1. */
static int judge(const struct aael_log_event *ev, size_t i, const char *prefix,
		 struct tally *t, int writers)
{
	const char *text;
	char copy[128], want[64];
	uint32_t n;
	int w, j;

	if (!aael_event_is_aael(ev, &text, &n) || !aael_event_digests_match(ev)) {
		printf("record %zu is not a whole AAEL record\n", i);
		return -1;
	}
	snprintf(want, sizeof(want), "rel %s w", prefix);
	if (n >= sizeof(copy) || n < strlen(want) ||
	    memcmp(text, want, strlen(want)))
		return 0;	/* another test's record */
	memcpy(copy, text, n);
	copy[n] = 0;
	if (sscanf(copy + strlen(want), "%d %d", &w, &j) != 2 || w < 0 ||
	    w >= writers || j < 0 || j >= t[w].events) {
		printf("record %zu '%s' is in no ledger\n", i, copy);
		return -1;
	}
	if (t[w].seen[j]++) {
		printf("record %zu '%s' is in the log twice\n", i, copy);
		return -1;
	}
	if (t[w].outcome[j] == REFUSED) {
		printf("record %zu '%s' was refused but is in the log\n", i, copy);
		return -1;
	}
	if (j <= t[w].last) {
		printf("record %zu '%s' comes after event %d of its writer\n",
		       i, copy, t[w].last);
		return -1;
	}
	t[w].last = j;
	return 0;
}

/* Whether "alg:hex" equals the replayed value of that bank. */
static bool sample_bank(const char *tok, const struct aael_log_event *first,
			uint8_t value[][AAEL_MAX_DIGEST])
{
	char hex[2 * AAEL_MAX_DIGEST + 1];
	const char *colon = strchr(tok, ':');

	for (unsigned int b = 0; colon && b < first->nr_digests; b++) {
		const struct aael_log_digest *d = &first->digests[b];
		const char *name = aael_alg_name(d->alg);

		if (strlen(name) == (size_t)(colon - tok) &&
		    !memcmp(tok, name, strlen(name)))
			return !strcmp(colon + 1, aael_hex(hex, value[b], d->size));
	}
	return false;
}

/* Every sample "COUNT alg:hex..." is the replay of the first COUNT records. */
static int check_samples(const char *path, const struct aael_eventlog *log,
			 long *checked)
{
	uint8_t value[AAEL_MAX_BANKS][AAEL_MAX_DIGEST] = { 0 };
	char line[SAMPLE_LINE + 2];
	unsigned long long count, last = 0;
	size_t done = 0;
	unsigned int banks;
	FILE *f = fopen(path, "r");

	if (!f) {
		printf("no samples %s\n", path);
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p, *save;

		if (sscanf(line, "%llu", &count) != 1 || count > log->nr_events) {
			printf("sample '%s' beyond the log (%zu records)\n",
			       strtok(line, "\n"), log->nr_events);
			fclose(f);
			return -1;
		}
		if (count < done) {
			printf("sample at %llu records after one at %zu\n", count, done);
			fclose(f);
			return -1;
		}
		for (; done < count; done++) {
			const struct aael_log_event *ev = &log->events[done];

			for (unsigned int b = 0; b < ev->nr_digests; b++)
				aael_extend(ev->digests[b].alg, value[b],
					    ev->digests[b].bytes);
		}
		/*
		 * Before the first record the register is zero (the module
		 * refuses a PCR that is not), but with no record at all there
		 * are no bank names to read it by.
		 */
		if (!log->nr_events)
			continue;
		strtok_r(line, " \n", &save);
		banks = 0;
		while ((p = strtok_r(NULL, " \n", &save)) &&
		       sample_bank(p, &log->events[0], value))
			banks++;
		if (p || banks != log->events[0].nr_digests) {
			printf("sample at %llu records: register %s (%u of %u banks)\n",
			       count, p ? p : "incomplete", banks,
			       log->events[0].nr_digests);
			fclose(f);
			return -1;
		}
		/*
		 * Only samples taken while writers ran, each at a new count,
		 * show the register keeping pace with the log: the empty
		 * register and the final one say nothing about the run.
		 */
		if (count > last && count < log->nr_events) {
			(*checked)++;
			last = count;
		}
	}
	fclose(f);
	return 0;
}

static int cmd_audit(int argc, char **argv)
{
	static struct tally t[MAX_WRITERS];
	long count[4] = { 0 }, unknown_in = 0, samples = 0, min_samples = 1;
	struct aael_eventlog log;
	int writers, bad = 0;
	uint8_t *buf;

	if (argc > 1 && !strcmp(argv[0], "--min-samples")) {
		char *end;

		errno = 0;
		min_samples = strtol(argv[1], &end, 10);
		if (errno || end == argv[1] || *end || min_samples < 0)
			return usage();
		argc -= 2;
		argv += 2;
		/* a minimum of samples with no samples file to read them from */
		if (argc < 3)
			return usage();
	}
	if (argc < 2)
		return usage();
	writers = atoi(argv[1]);
	if (writers < 1 || writers > MAX_WRITERS)
		return usage();
	for (int w = 0; w < writers; w++)
		if (read_ledger(argv[0], w, &t[w], count))
			return 1;
	if (load_kernel_log(&log, &buf))
		return 1;
	for (size_t i = 0; i < log.nr_events && !bad; i++)
		bad = judge(&log.events[i], i, argv[0], t, writers);
	for (int w = 0; w < writers && !bad; w++) {
		for (int j = 0; j < t[w].events; j++) {
			if (t[w].outcome[j] == UNKNOWN && t[w].seen[j])
				unknown_in++;
			if (t[w].outcome[j] == OK && !t[w].seen[j]) {
				printf("writer %d event %d got ok but is not in the log\n",
				       w, j);
				bad = 1;
				break;
			}
		}
	}
	if (!bad && argc > 2 && check_samples(argv[2], &log, &samples))
		bad = 1;
	if (!bad && argc > 2 && samples < min_samples) {
		printf("only %ld register samples replayed, %ld required: the "
		       "sampler did not see the writes\n", samples, min_samples);
		bad = 1;
	}
	if (bad)
		return 1;
	printf("ok: %ld recorded, %ld refused, %ld unknown (%ld of them recorded), "
	       "%zu records in the log, %ld register samples replayed\n",
	       count[OK], count[REFUSED], count[UNKNOWN], unknown_in,
	       log.nr_events, samples);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "run"))
		return cmd_run(argc - 2, argv + 2);
	if (!strcmp(argv[1], "sample"))
		return cmd_sample(argc - 2, argv + 2);
	if (!strcmp(argv[1], "count"))
		return cmd_count(argc - 2, argv + 2);
	if (!strcmp(argv[1], "wait"))
		return cmd_wait(argc - 2, argv + 2);
	if (!strcmp(argv[1], "audit"))
		return cmd_audit(argc - 2, argv + 2);
	return usage();
}
