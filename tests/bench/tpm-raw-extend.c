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
 *
 * BANK: sha1, sha256, sha384, sha512 or sm3_256 (default sha256); one
 * digest per bank in the one command, as tpm_pcr_extend() sends one digest
 * per allocated bank, so the guest passes the banks the kernel extends.
 * PCR 16 (the debug PCR: resettable, extendable at locality 0, used by
 * nothing else in the bench). Prints one JSON line as aael-vmtest bench
 * does; exit 1 on any TPM or I/O error.
 */
#include <errno.h>
#include <fcntl.h>
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

int main(int argc, char **argv)
{
	uint8_t cmd[512], rsp[4096];
	int sel[8], nsel = 0, fd, secs;
	double end, start, *lat;
	size_t len;
	long n = 0;

	if (argc < 2 || (secs = atoi(argv[1])) < 1 || argc - 2 > 8) {
		fprintf(stderr, "usage: tpm-raw-extend SECONDS [BANK...]\n");
		return 2;
	}
	for (int a = 2; a < argc; a++) {
		size_t b;

		for (b = 0; b < sizeof(banks) / sizeof(banks[0]); b++)
			if (!strcmp(argv[a], banks[b].name))
				break;
		if (b == sizeof(banks) / sizeof(banks[0])) {
			fprintf(stderr, "tpm-raw-extend: unknown bank %s\n", argv[a]);
			return 2;
		}
		sel[nsel++] = (int)b;
	}
	if (!nsel)
		sel[nsel++] = 1;
	len = build_extend(cmd, sel, nsel);
	lat = malloc(sizeof(*lat) * MAX_OPS);
	fd = open("/dev/tpmrm0", O_RDWR);
	if (!lat || fd < 0) {
		perror("tpm-raw-extend: /dev/tpmrm0");
		return 1;
	}
	start = now_us();
	end = start + secs * 1e6;
	while (n < MAX_OPS) {
		double t0 = now_us();
		ssize_t r;

		if (t0 >= end)
			break;
		if (write(fd, cmd, len) != (ssize_t)len) {
			perror("tpm-raw-extend: write");
			return 1;
		}
		r = read(fd, rsp, sizeof(rsp));
		if (r < 10 || get32(rsp + 2) != (uint32_t)r) {
			fprintf(stderr, "tpm-raw-extend: short response (%zd, %s)\n",
				r, r < 0 ? strerror(errno) : "-");
			return 1;
		}
		if (get32(rsp + 6)) {
			fprintf(stderr, "tpm-raw-extend: TPM rc 0x%x\n", get32(rsp + 6));
			return 1;
		}
		lat[n++] = now_us() - t0;
	}
	double elapsed = (now_us() - start) / 1e6;

	close(fd);
	qsort(lat, (size_t)n, sizeof(double), cmp_double);
	printf("{\"mode\": \"raw-extend\", \"writers\": 1, \"banks\": %d, \"ops\": %ld, "
	       "\"seconds\": %.2f, \"rate\": %.1f, \"p50_us\": %.1f, \"p99_us\": %.1f}\n",
	       nsel, n, elapsed, n / elapsed, n ? lat[n / 2] : 0,
	       n ? lat[(long)(n * 0.99)] : 0);
	return 0;
}
