// SPDX-License-Identifier: GPL-2.0
/*
 * tpm-raw-extend: the TPM's own limit for the bench, with nothing between
 * the loop and the resource manager: a TPM2_PCR_Extend command built by
 * hand once, written to /dev/tpmrm0, its response read and its response
 * code checked, again and again for SECONDS. No TSS: the ESAPI and its
 * TCTI add marshalling, session bookkeeping and allocations per call that
 * made the old baseline ~15 % slower than the TPM, and so the kernel's
 * ratio to it flattering.
 *
 *   tpm-raw-extend SECONDS [BANK...]
 *   tpm-raw-extend --alternate ROUNDS MILLISECONDS [BANK...]
 *
 * The second form alternates, in this one process, a block of raw extends
 * and a block of records through the securityfs event file (the kernel
 * path: one write() each), each block MILLISECONDS long, the pair's order
 * swapped every round, and prints one JSON line per block with its round:
 * on a shared machine the guest's share of the host drifts by seconds, so
 * short blocks side by side see the same drift and the per-round ratio
 * kernel / raw keeps its meaning (tests/bench/run takes the median).
 *
 * BANK: sha1, sha256, sha384, sha512 or sm3_256 (default sha256); one
 * digest per bank in the one command, as tpm_pcr_extend() sends one digest
 * per allocated bank, so the guest passes the banks the kernel extends.
 * PCR 16 (the debug PCR: resettable, extendable at locality 0, used by
 * nothing else in the bench). Prints JSON lines as aael-vmtest bench does.
 * The first form exits 1 on any TPM or I/O error; the second prints a
 * failed block as an error row and gives up after six.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TPM_ST_SESSIONS		0x8002
#define TPM_CC_PCR_EXTEND	0x00000182
#define TPM_RS_PW		0x40000009
#define BENCH_PCR		16
#define MAX_OPS			(1L << 20)
#define AAEL_EVENT		"/sys/kernel/security/aael/event"

static const struct {
	const char *name;
	uint16_t alg;
	uint16_t size;
} banks[] = {
	{ "sha1", 0x0004, 20 }, { "sha256", 0x000B, 32 },
	{ "sha384", 0x000C, 48 }, { "sha512", 0x000D, 64 },
	{ "sm3_256", 0x0012, 32 },
};

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
	p = put16(p, (uint16_t)(v >> 16));
	return put16(p, (uint16_t)v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
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

	return (x > y) - (x < y);
}

/*
 * TPM2_PCR_Extend (TPM 2.0 Part 3, 22.4): header, the PCR handle, one
 * password session with an empty password (PCR 16 has an empty auth
 * value), then TPML_DIGEST_VALUES.
 */
static size_t build_extend(uint8_t *cmd, const int *sel, int nsel)
{
	uint8_t *p = cmd + 10;

	p = put32(p, BENCH_PCR);
	p = put32(p, 9);		/* authorizationSize */
	p = put32(p, TPM_RS_PW);
	p = put16(p, 0);		/* nonceCaller */
	*p++ = 0;			/* sessionAttributes */
	p = put16(p, 0);		/* hmac: the empty password */
	p = put32(p, (uint32_t)nsel);
	for (int i = 0; i < nsel; i++) {
		p = put16(p, banks[sel[i]].alg);
		/* any digest will do: a fixed, non-zero pattern */
		memset(p, 0xa5 ^ i, banks[sel[i]].size);
		p += banks[sel[i]].size;
	}
	put16(cmd, TPM_ST_SESSIONS);
	put32(cmd + 2, (uint32_t)(p - cmd));
	put32(cmd + 6, TPM_CC_PCR_EXTEND);
	return (size_t)(p - cmd);
}

struct block {
	long n;
	double elapsed;
};

/*
 * One block of MS milliseconds: raw extends on tpm, or with sfs >= 0 one
 * event per write() to the event file. Latencies into lat. -1 on error.
 */
static int run_block(int tpm, int sfs, const uint8_t *cmd, size_t len,
		     double ms, double *lat, struct block *b)
{
	double start = now_us(), end = start + ms * 1e3;
	uint8_t rsp[4096];
	char text[64];

	b->n = 0;
	while (b->n < MAX_OPS) {
		double t0 = now_us();
		ssize_t r;

		if (t0 >= end)
			break;
		if (sfs >= 0) {
			int tl = snprintf(text, sizeof(text), "bench raw-alt %ld", b->n);

			if (write(sfs, text, (size_t)tl) != tl) {
				fprintf(stderr, "tpm-raw-extend: event: %s\n", strerror(errno));
				return -1;
			}
			lat[b->n++] = now_us() - t0;
			continue;
		}
		if (write(tpm, cmd, len) != (ssize_t)len) {
			fprintf(stderr, "tpm-raw-extend: write: %s\n", strerror(errno));
			return -1;
		}
		r = read(tpm, rsp, sizeof(rsp));
		if (r < 10 || get32(rsp + 2) != (uint32_t)r) {
			fprintf(stderr, "tpm-raw-extend: short response (%zd, %s)\n",
				r, r < 0 ? strerror(errno) : "-");
			return -1;
		}
		if (get32(rsp + 6)) {
			fprintf(stderr, "tpm-raw-extend: TPM rc 0x%x\n", get32(rsp + 6));
			return -1;
		}
		lat[b->n++] = now_us() - t0;
	}
	b->elapsed = (now_us() - start) / 1e6;
	return 0;
}

static void print_block(int round, const char *mode, int nsel, double *lat,
			const struct block *b)
{
	long n = b->n;

	qsort(lat, (size_t)n, sizeof(double), cmp_double);
	if (round)
		printf("{\"round\": %d, ", round);
	else
		printf("{");
	printf("\"mode\": \"%s\", \"writers\": 1, ", mode);
	if (nsel)
		printf("\"banks\": %d, ", nsel);
	printf("\"ops\": %ld, \"seconds\": %.2f, \"rate\": %.1f, \"p50_us\": %.1f, "
	       "\"p99_us\": %.1f}\n", n, b->elapsed, n / b->elapsed,
	       n ? lat[n / 2] : 0, n ? lat[(long)(n * 0.99)] : 0);
	fflush(stdout);
}

static int usage(void)
{
	fprintf(stderr, "usage: tpm-raw-extend SECONDS [BANK...]\n"
		"       tpm-raw-extend --alternate ROUNDS MILLISECONDS [BANK...]\n");
	return 2;
}

int main(int argc, char **argv)
{
	int sel[8], nsel = 0, tpm, sfs = -1, rounds = 0;
	double ms, *lat;
	struct block b;
	uint8_t cmd[512];
	size_t len;
	int a = 1;

	if (argc > 1 && !strcmp(argv[1], "--alternate")) {
		if (argc < 4 || (rounds = atoi(argv[2])) < 1)
			return usage();
		ms = atof(argv[3]);
		a = 4;
	} else {
		if (argc < 2)
			return usage();
		ms = atof(argv[1]) * 1e3;
		a = 2;
	}
	if (ms < 1 || argc - a > 8)
		return usage();
	for (; a < argc; a++) {
		size_t i;

		for (i = 0; i < sizeof(banks) / sizeof(banks[0]); i++)
			if (!strcmp(argv[a], banks[i].name))
				break;
		if (i == sizeof(banks) / sizeof(banks[0])) {
			fprintf(stderr, "tpm-raw-extend: unknown bank %s\n", argv[a]);
			return 2;
		}
		sel[nsel++] = (int)i;
	}
	if (!nsel)
		sel[nsel++] = 1;
	len = build_extend(cmd, sel, nsel);
	lat = malloc(sizeof(*lat) * MAX_OPS);
	tpm = open("/dev/tpmrm0", O_RDWR);
	if (!lat || tpm < 0) {
		perror("tpm-raw-extend: /dev/tpmrm0");
		return 1;
	}
	if (!rounds) {
		if (run_block(tpm, -1, cmd, len, ms, lat, &b))
			return 1;
		print_block(0, "raw-extend", nsel, lat, &b);
		return 0;
	}
	sfs = open(AAEL_EVENT, O_WRONLY);
	if (sfs < 0) {
		perror("tpm-raw-extend: " AAEL_EVENT);
		return 1;
	}
	/*
	 * A starved guest sees TPM timeouts (ETIME) on either path; such a
	 * block is reported as an error row (the round then has no ratio)
	 * and the run goes on, up to a few.
	 */
	for (int r = 1, errors = 0; r <= rounds; r++) {
		for (int k = 0; k < 2; k++) {
			bool raw = (k == 0) == (r % 2 == 1);
			const char *mode = raw ? "raw-extend" : "sfs";

			if (!run_block(tpm, raw ? -1 : sfs, cmd, len, ms, lat, &b)) {
				print_block(r, mode, raw ? nsel : 0, lat, &b);
				continue;
			}
			printf("{\"round\": %d, \"mode\": \"%s\", \"error\": \"failed\"}\n", r, mode);
			fflush(stdout);
			if (++errors > 5)
				return 1;
		}
	}
	return 0;
}
