// SPDX-License-Identifier: GPL-2.0
/*
 * The append-only log. Records are packed back to back into large chunks
 * (no per-record allocation, so memory per record is the record itself plus
 * its index slot) and indexed by sequence number in an XArray, which gives
 * readers O(log n) random access without a lock.
 *
 * Writers are serialised by the caller (measure.c). A record becomes visible
 * in two steps: its index slot is stored, then the count is raised with
 * release semantics. Readers load the count with acquire semantics and only
 * look at records below it, so they never see a partial record. Records are
 * never freed while the module is loaded.
 */
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/xarray.h>
#include "aael.h"

#define AAEL_CHUNK_SIZE		(256 * 1024)

struct aael_chunk {
	struct aael_chunk *next;
	size_t size;
	size_t used;
	u8 data[];
};

static struct {
	struct xarray index;
	struct aael_chunk *first;
	struct aael_chunk *last;
	unsigned long count;
	size_t bytes;
	size_t digests_size;
	u8 *header;
	size_t header_size;
} aael_log;

int aael_log_init(const struct aael_alg *algs, unsigned int nr_algs)
{
	aael_log.header_size = aael_spec_id_size(nr_algs);
	aael_log.header = kmalloc(aael_log.header_size, GFP_KERNEL);
	if (!aael_log.header)
		return -ENOMEM;
	aael_spec_id_encode(aael_log.header, algs, nr_algs);
	aael_log.digests_size = aael_digests_size(algs, nr_algs);
	xa_init(&aael_log.index);
	return 0;
}

void aael_log_destroy(void)
{
	struct aael_chunk *chunk = aael_log.first;

	while (chunk) {
		struct aael_chunk *next = chunk->next;

		kvfree(chunk);
		chunk = next;
	}
	xa_destroy(&aael_log.index);
	kfree(aael_log.header);
	memset(&aael_log, 0, sizeof(aael_log));
}

static int aael_log_grow(size_t len)
{
	struct aael_chunk *chunk;
	size_t size = max_t(size_t, AAEL_CHUNK_SIZE, sizeof(*chunk) + len);

	chunk = kvmalloc(size, GFP_KERNEL);
	if (!chunk)
		return -ENOMEM;
	chunk->next = NULL;
	chunk->size = size - sizeof(*chunk);
	chunk->used = 0;
	if (aael_log.last)
		aael_log.last->next = chunk;
	else
		aael_log.first = chunk;
	aael_log.last = chunk;
	return 0;
}

/*
 * Everything that can fail happens here, before the register is extended:
 * the cap, the chunk space and the index slot. Returns where to build the
 * record; after a successful extend aael_log_commit() cannot fail.
 */
u8 *aael_log_reserve(size_t len)
{
	struct aael_chunk *last = aael_log.last;
	int rc;

	if (aael_log.bytes + len > READ_ONCE(aael_max_log_size))
		return ERR_PTR(-ENOSPC);
	if (!last || last->size - last->used < len) {
		rc = aael_log_grow(len);
		if (rc)
			return ERR_PTR(rc);
		last = aael_log.last;
	}
	rc = xa_reserve(&aael_log.index, aael_log.count, GFP_KERNEL);
	if (rc)
		return ERR_PTR(rc);
	return last->data + last->used;
}

void aael_log_cancel(void)
{
	xa_release(&aael_log.index, aael_log.count);
}

unsigned long aael_log_commit(u8 *slot, size_t len)
{
	unsigned long seq = aael_log.count;

	aael_log.last->used += len;
	WRITE_ONCE(aael_log.bytes, aael_log.bytes + len);
	/* The slot is reserved: storing into it allocates nothing. */
	xa_store(&aael_log.index, seq, slot, GFP_KERNEL);
	/* Pairs with aael_log_count(): the record is whole before it counts. */
	smp_store_release(&aael_log.count, seq + 1);
	return seq;
}

unsigned long aael_log_count(void)
{
	/* Pairs with aael_log_commit(): records below count are whole. */
	return smp_load_acquire(&aael_log.count);
}

size_t aael_log_size(void)
{
	return aael_log.header_size + READ_ONCE(aael_log.bytes);
}

const u8 *aael_log_header(size_t *len)
{
	*len = aael_log.header_size;
	return aael_log.header;
}

const u8 *aael_log_record(unsigned long seq)
{
	if (seq >= aael_log_count())
		return NULL;
	return xa_load(&aael_log.index, seq);
}

size_t aael_log_record_len(const u8 *rec)
{
	return aael_record_length(rec, aael_log.digests_size);
}
