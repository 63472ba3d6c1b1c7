// SPDX-License-Identifier: GPL-2.0
/*
 * The one operation that matters: event text -> record -> extend -> append.
 *
 * The record is built and hashed before the lock is taken, and everything
 * that can fail in the log is reserved before the register is extended, so
 * after a successful extend the append cannot fail; after a failed extend
 * nothing is appended. One mutex makes log order equal extend order. (IMA
 * appends first and keeps the entry when the TPM fails; we do neither.)
 *
 * A backend that cannot tell whether the register took the extend says so
 * (-ENOTRECOVERABLE). Log and register may then disagree: the log is
 * broken, and a record appended after that would only hide it, so none is.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/seqlock.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <crypto/hash.h>
#include "aael.h"

static DEFINE_MUTEX(aael_measure_lock);
/*
 * Taken before the writers' lock is released and held while a record's
 * notification goes out: notifications leave in log order, but the next
 * writer extends while one is built and cloned for every listener.
 */
static DEFINE_MUTEX(aael_notify_lock);
static u64 aael_failures;		/* under aael_measure_lock */
static bool aael_pinned;
static bool aael_broken;
/* Set once init can no longer fail: its error path frees the log. */
static bool aael_accepting;

/*
 * What anyone may read (the uapi's access policy), published by the
 * writers under their lock whenever it changes and read without it: a
 * status poller never waits for a writer or for the register, never
 * delays one, and still sees count, size, failures and state of one
 * moment.
 */
static DEFINE_SEQLOCK(aael_status_lock);
static struct aael_status aael_status_pub;

/* Under aael_measure_lock, or before the module accepts records. */
void aael_status_publish(void)
{
	write_seqlock(&aael_status_lock);
	aael_status_pub.count = aael_log_count();
	aael_status_pub.log_size = aael_log_size();
	aael_status_pub.failures = aael_failures;
	aael_status_pub.broken = aael_broken;
	write_sequnlock(&aael_status_lock);
}

void aael_status_read(struct aael_status *st)
{
	unsigned int seq;

	do {
		seq = read_seqbegin(&aael_status_lock);
		*st = aael_status_pub;
	} while (read_seqretry(&aael_status_lock, seq));
}

static int aael_hash_banks(u8 *rec, size_t event_off, size_t rec_len)
{
	unsigned int i;
	int rc;

	for (i = 0; i < aael_reg.nr_banks; i++) {
		rc = crypto_shash_tfm_digest(aael_reg.tfms[i], rec + event_off,
					     rec_len - event_off,
					     aael_record_digest(rec,
								aael_reg.algs,
								i));
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * A fresh log could never replay a register that already holds our
 * records, so once the log holds one the module cannot be unloaded.
 *
 * The reference is taken before the first extend, under the writers' lock,
 * and with try_module_get(): a netlink RECORD holds no module reference,
 * so one may still be running after rmmod found the module unused (the log
 * was empty) and marked it going. It must then extend nothing, for the log
 * is about to be freed. test_unsafe=1 keeps no reference but refuses such
 * records the same way.
 */
static int aael_pin(bool *taken)
{
	*taken = false;
	if (aael_pinned)
		return 0;
	if (!try_module_get(THIS_MODULE))
		return -ENODEV;
	if (aael_test_unsafe) {
		module_put(THIS_MODULE);
		return 0;
	}
	aael_pinned = true;
	*taken = true;
	return 0;
}

/* Nothing was recorded after all: the module may go again. */
static void aael_unpin(void)
{
	aael_pinned = false;
	module_put(THIS_MODULE);
}

int aael_measure(const char *text, size_t len, struct aael_measurement *m)
{
	size_t rec_len, event_off;
	unsigned long seq;
	u8 *rec, *slot;
	bool pinned;
	int rc;

	rec_len = aael_record_size(aael_reg.algs, aael_reg.nr_banks, len);
	rec = kvmalloc(rec_len, GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	event_off = aael_record_encode(rec, aael_reg.index, aael_reg.algs,
				       aael_reg.nr_banks, text, len);
	rc = aael_hash_banks(rec, event_off, rec_len);
	if (rc)
		goto out;

	if (mutex_lock_killable(&aael_measure_lock)) {
		rc = -EINTR;
		goto out;
	}
	if (aael_broken) {
		rc = -ENOTRECOVERABLE;
		goto unlock;
	}
	rc = aael_accepting ? aael_pin(&pinned) : -ENODEV;
	if (rc)
		goto unlock;
	slot = aael_log_reserve(rec_len);
	if (IS_ERR(slot)) {
		rc = PTR_ERR(slot);
		goto unpin;
	}
	memcpy(slot, rec, rec_len);
	rc = aael_reg.ops->extend(&aael_reg, slot);
	if (rc) {
		aael_log_cancel();
		aael_failures++;
		if (rc == -ENOTRECOVERABLE) {
			WRITE_ONCE(aael_broken, true);
			aael_status_publish();
			/*
			 * The evidence stays until reboot, as records do:
			 * the pin this record took is kept.
			 */
			goto unlock;
		}
		aael_status_publish();
		goto unpin;
	}
	seq = aael_log_commit(slot, rec_len);
	aael_status_publish();
	if (m)
		m->seq = seq;
	/* In log order (see aael_notify_lock), off the writers' lock. */
	mutex_lock(&aael_notify_lock);
	mutex_unlock(&aael_measure_lock);
	aael_netlink_notify(seq);
	mutex_unlock(&aael_notify_lock);
	goto out;
unpin:
	if (pinned)
		aael_unpin();
unlock:
	mutex_unlock(&aael_measure_lock);
out:
	kvfree(rec);
	return rc;
}

bool aael_log_broken(void)
{
	return READ_ONCE(aael_broken);
}

void aael_measure_accept(void)
{
	mutex_lock(&aael_measure_lock);
	aael_accepting = true;
	mutex_unlock(&aael_measure_lock);
}

/*
 * Under the writers' lock, with the register read from the backend: the
 * first snap->status.count records replay to the values. Privileged only
 * (see the uapi's access policy): it waits for the writers and for the
 * hardware, and holds them up.
 */
int aael_snapshot(struct aael_snapshot *snap)
{
	unsigned int i;
	int rc = 0;

	if (mutex_lock_killable(&aael_measure_lock))
		return -EINTR;
	for (i = 0; i < aael_reg.nr_banks && !rc; i++)
		rc = aael_reg.ops->read(&aael_reg, i, snap->values[i]);
	aael_status_read(&snap->status);
	mutex_unlock(&aael_measure_lock);
	return rc;
}
