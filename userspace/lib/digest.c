// SPDX-License-Identifier: LGPL-2.1-or-later
/* Hashes by TPM_ALG_ID (OpenSSL EVP) and register replay. */
#include <pthread.h>
#include <string.h>
#include <openssl/evp.h>

#include "aael.h"

/*
 * Digests fetched once: OpenSSL 3's EVP_sha256() and friends make every
 * EVP_Digest() fetch the implementation again (locks, name lookups,
 * reference counts), which cost ~60% of a verify of a long log.
 */
static struct {
	uint16_t alg;
	const char *name;
	EVP_MD *md;
} mds[] = {
	{ AAEL_ALG_SHA1, "SHA1", NULL }, { AAEL_ALG_SHA256, "SHA256", NULL },
	{ AAEL_ALG_SHA384, "SHA384", NULL }, { AAEL_ALG_SHA512, "SHA512", NULL },
	{ AAEL_ALG_SM3_256, "SM3", NULL },
};
static pthread_once_t mds_once = PTHREAD_ONCE_INIT;

static void mds_fetch(void)
{
	for (size_t i = 0; i < sizeof(mds) / sizeof(mds[0]); i++)
		mds[i].md = EVP_MD_fetch(NULL, mds[i].name, NULL);
}

static const EVP_MD *md_of(uint16_t alg)
{
	pthread_once(&mds_once, mds_fetch);
	for (size_t i = 0; i < sizeof(mds) / sizeof(mds[0]); i++)
		if (mds[i].alg == alg)
			return mds[i].md;
	return NULL;
}

size_t aael_hash(uint16_t alg, const void *data, size_t len, uint8_t *out)
{
	const EVP_MD *md = md_of(alg);
	unsigned int size = 0;

	if (!md || !EVP_Digest(data, len, out, &size, md, NULL))
		return 0;
	return size;
}

int aael_extend(uint16_t alg, uint8_t *value, const uint8_t *digest)
{
	uint16_t size = aael_alg_digest_size(alg);
	uint8_t buf[2 * AAEL_MAX_DIGEST];

	if (!size)
		return -1;
	memcpy(buf, value, size);
	memcpy(buf + size, digest, size);
	return aael_hash(alg, buf, 2 * size, value) == size ? 0 : -1;
}

static const struct aael_log_digest *digest_of(const struct aael_log_event *ev,
					       uint16_t alg)
{
	for (unsigned int i = 0; i < ev->nr_digests; i++)
		if (ev->digests[i].alg == alg)
			return &ev->digests[i];
	return NULL;
}

long aael_replay(const struct aael_eventlog *log, uint32_t pcr, uint16_t alg,
		 uint8_t *value)
{
	long n = 0;

	if (!aael_alg_digest_size(alg))
		return -1;
	memset(value, 0, AAEL_MAX_DIGEST);
	for (size_t i = 0; i < log->nr_events; i++) {
		const struct aael_log_event *ev = &log->events[i];
		const struct aael_log_digest *d;

		if (ev->pcr != pcr || ev->type == AAEL_EV_NO_ACTION)
			continue;
		d = digest_of(ev, alg);
		if (!d || aael_extend(alg, value, d->bytes))
			return -1;
		n++;
	}
	return n;
}

bool aael_event_digests_match(const struct aael_log_event *ev)
{
	uint8_t out[AAEL_MAX_DIGEST];

	if (!ev->nr_digests)
		return false;
	for (unsigned int i = 0; i < ev->nr_digests; i++) {
		const struct aael_log_digest *d = &ev->digests[i];

		if (aael_hash(d->alg, ev->data, ev->data_len, out) != d->size ||
		    memcmp(out, d->bytes, d->size) != 0)
			return false;
	}
	return true;
}

char *aael_hex(char *out, const uint8_t *p, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * n] = 0;
	return out;
}
