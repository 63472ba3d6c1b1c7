// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * --max-rate: a token bucket over every POST /aa/aael (burst = one second's
 * worth). The kernel's log cap bounds memory; this bounds how fast one
 * workload can spend the log and the TPM on everyone else.
 */
#include <pthread.h>
#include <time.h>

#include "aaeld.h"

static struct {
	pthread_mutex_t lock;
	double tokens;
	struct timespec last;
} bucket = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Full at start: one second's worth may come at once. */
void rate_start(unsigned int rate)
{
	bucket.tokens = rate;
	clock_gettime(CLOCK_MONOTONIC, &bucket.last);
}

bool rate_allows(unsigned int rate)
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
