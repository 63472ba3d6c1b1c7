// SPDX-License-Identifier: GPL-2.0
/*
 * TPM 2.0 backend: one PCR, every allocated bank, one TPM2_PCR_Extend per
 * record carrying one digest per bank.
 *
 * An extend can fail after the TPM ran it: tpm_tis gives up waiting for
 * the answer (-ETIME; a signal during an interrupt-driven wait ends the
 * same way), the chip goes away, the response is cut short. Cancelling
 * such a record would leave a register the log never replays again, so
 * every failure that is not the TPM's own refusal is settled by reading
 * the PCR back. What it must hold is known without asking the TPM: the
 * shadow, the value every bank holds if the log is right, kept here in
 * software (a PCR read per record would halve the recording rate).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/error-injection.h>
#include <linux/tpm.h>
#include <linux/slab.h>
#include <linux/delay.h>
#include <linux/moduleparam.h>
#include <linux/workqueue.h>
#include <crypto/hash_info.h>
#include "aael.h"

#define AAEL_TPM_PCRS	24

struct aael_tpm {
	struct tpm_chip *chip;
	/* Extend argument, reused under the measure lock. */
	struct tpm_digest digests[TPM2_MAX_PCR_BANKS];
	/*
	 * Under the measure lock: the value each bank holds if the log is
	 * right, what it holds once the record in flight is applied, and
	 * what a read-back found.
	 */
	u8 shadow[AAEL_MAX_BANKS][AAEL_MAX_DIGEST];
	u8 next[AAEL_MAX_BANKS][AAEL_MAX_DIGEST];
	u8 now[AAEL_MAX_BANKS][AAEL_MAX_DIGEST];
};

/*
 * test_fault=MODE:N (tests only, honoured with test_unsafe=1): the next N
 * extends end with -ETIME although "applied" sent them, "lost" did not,
 * and "broken" extended the first bank only -- outcomes the module cannot
 * know, for the read-back to settle against a real TPM. The -ETIME comes
 * late, as from a TPM that answered too slowly: a test can then kill the
 * writer while it is surely inside its extend. "stall" is a TPM that does
 * not answer: the extend holds the chip, as a command in flight does, until
 * test_fault is written again (at most AAEL_FAULT_STALL_S), then extends --
 * what a reader that must not wait for writers or hardware is tested
 * against.
 */
enum aael_tpm_fault { AAEL_FAULT_NONE, AAEL_FAULT_APPLIED, AAEL_FAULT_LOST,
		      AAEL_FAULT_BROKEN, AAEL_FAULT_STALL };

static const char * const aael_tpm_fault_names[] = {
	"none", "applied", "lost", "broken", "stall",
};

/* Mode and count in one word: a test may rearm while writers consume. */
#define AAEL_FAULT_MAX	1000
#define AAEL_FAULT_BITS	3
#define AAEL_FAULT_MODE	(BIT(AAEL_FAULT_BITS) - 1)
#define AAEL_FAULT_LATE_MS	300
#define AAEL_FAULT_STALL_S	60
static atomic_t aael_tpm_fault = ATOMIC_INIT(0);
/* Bumped by every write of test_fault: what ends a stall. */
static atomic_t aael_tpm_fault_writes = ATOMIC_INIT(0);

static int aael_tpm_fault_set(const char *val, const struct kernel_param *kp)
{
	char buf[24], *mode, *count;
	unsigned int n = 1;
	int i, rc;

	if (!aael_test_unsafe)
		return -EPERM;
	if (strscpy(buf, val, sizeof(buf)) < 0)
		return -EINVAL;
	mode = strim(buf);
	count = strchr(mode, ':');
	if (count) {
		*count++ = 0;
		rc = kstrtouint(count, 10, &n);
		if (rc)
			return rc;
		if (n > AAEL_FAULT_MAX)
			return -ERANGE;
	}
	atomic_inc(&aael_tpm_fault_writes);
	for (i = 0; i < ARRAY_SIZE(aael_tpm_fault_names); i++) {
		if (!strcmp(mode, aael_tpm_fault_names[i])) {
			atomic_set(&aael_tpm_fault,
				   i && n ? n << AAEL_FAULT_BITS | i : 0);
			return 0;
		}
	}
	return -EINVAL;
}

static int aael_tpm_fault_get(char *buf, const struct kernel_param *kp)
{
	int f = atomic_read(&aael_tpm_fault);

	if (!f)
		return sysfs_emit(buf, "none\n");
	return sysfs_emit(buf, "%s:%d\n", aael_tpm_fault_names[f & AAEL_FAULT_MODE],
			  f >> AAEL_FAULT_BITS);
}

static const struct kernel_param_ops aael_tpm_fault_ops = {
	.set = aael_tpm_fault_set,
	.get = aael_tpm_fault_get,
};

module_param_cb(test_fault, &aael_tpm_fault_ops, NULL, 0600);
MODULE_PARM_DESC(test_fault, "TESTS ONLY (needs test_unsafe=1): applied|lost|broken|stall[:N], the next N TPM extends end with an unknown outcome or stall");

static enum aael_tpm_fault aael_tpm_fault_take(void)
{
	int old = atomic_read(&aael_tpm_fault), new;

	do {
		if (!old)
			return AAEL_FAULT_NONE;
		new = old >> AAEL_FAULT_BITS > 1 ?
		      old - BIT(AAEL_FAULT_BITS) : 0;
	} while (!atomic_try_cmpxchg(&aael_tpm_fault, &old, new));
	return old & AAEL_FAULT_MODE;
}

/*
 * Hold the chip, as a command the TPM does not answer does. Not inlined:
 * tests find the stalled writer by this name in /proc/PID/stack.
 */
static noinline void aael_tpm_stall(struct tpm_chip *chip)
{
	int writes = atomic_read(&aael_tpm_fault_writes);
	unsigned long end = jiffies + AAEL_FAULT_STALL_S * HZ;

	if (tpm_try_get_ops(chip))
		return;
	while (atomic_read(&aael_tpm_fault_writes) == writes &&
	       time_before(jiffies, end))
		msleep(20);
	tpm_put_ops(chip);
}

/*
 * TPM2_PCR_Extend of one bank, which tpm_pcr_extend() cannot send: the
 * "broken" fault's half-applied extend. tpm_buf changed shape in 7.x.
 */
static int aael_tpm_extend_one(struct tpm_chip *chip, u32 pcr,
			       const struct tpm_digest *d, u16 size)
{
	struct tpm_buf *buf;
	int rc;

#ifdef __LINUX_TPM_BUF_H__
	buf = kzalloc(PAGE_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	tpm_buf_init(buf, PAGE_SIZE);
	tpm_buf_reset(buf, TPM2_ST_SESSIONS, TPM2_CC_PCR_EXTEND);
#else
	struct tpm_buf one;

	buf = &one;
	rc = tpm_buf_init(buf, TPM2_ST_SESSIONS, TPM2_CC_PCR_EXTEND);
	if (rc)
		return rc;
#endif
	tpm_buf_append_u32(buf, pcr);
	/* Empty password authorisation, as tpm2_pcr_extend() sends it. */
	tpm_buf_append_u32(buf, 9);
	tpm_buf_append_u32(buf, TPM2_RS_PW);
	tpm_buf_append_u16(buf, 0);
	tpm_buf_append_u8(buf, 0);
	tpm_buf_append_u16(buf, 0);
	tpm_buf_append_u32(buf, 1);
	tpm_buf_append_u16(buf, d->alg_id);
	tpm_buf_append(buf, d->digest, size);
	rc = tpm_try_get_ops(chip);
	if (!rc) {
		rc = tpm_transmit_cmd(chip, buf, 0, "aael test_fault=broken");
		tpm_put_ops(chip);
	}
#ifdef __LINUX_TPM_BUF_H__
	kfree(buf);
#else
	tpm_buf_destroy(buf);
#endif
	return rc;
}

/*
 * The kernel's own fault injection (fail_function, CONFIG_FAIL_FUNCTION)
 * may override the three functions marked ALLOW_ERROR_INJECTION below.
 * It returns the injected errno at the function's entry, so the body
 * never runs: on aael_tpm_sent(), which only hands back the result of an
 * extend the TPM already ran, that is an extend applied but reported as
 * failed; on aael_tpm_send() an extend the TPM never saw; on
 * aael_tpm_read() a read-back that fails. noinline and __noclone keep one
 * out-of-line copy, the one every call goes through.
 */
static noinline __noclone int aael_tpm_sent(int rc)
{
	return rc;
}
ALLOW_ERROR_INJECTION(aael_tpm_sent, ERRNO);

/* tpm_pcr_extend(), or the fault a test asked for in its place. */
static noinline __noclone int aael_tpm_send(struct aael_register *reg)
{
	struct aael_tpm *tpm = reg->priv;
	int rc;

	switch (aael_tpm_fault_take()) {
	case AAEL_FAULT_APPLIED:
		rc = tpm_pcr_extend(tpm->chip, reg->index, tpm->digests);
		msleep(AAEL_FAULT_LATE_MS);
		return rc ?: -ETIME;
	case AAEL_FAULT_LOST:
		msleep(AAEL_FAULT_LATE_MS);
		return -ETIME;
	case AAEL_FAULT_BROKEN:
		rc = aael_tpm_extend_one(tpm->chip, reg->index, tpm->digests,
					 reg->algs[0].digest_size);
		return rc ?: -ETIME;
	case AAEL_FAULT_STALL:
		aael_tpm_stall(tpm->chip);
		return tpm_pcr_extend(tpm->chip, reg->index, tpm->digests);
	default:
		rc = tpm_pcr_extend(tpm->chip, reg->index, tpm->digests);
		return aael_tpm_sent(rc);
	}
}
ALLOW_ERROR_INJECTION(aael_tpm_send, ERRNO);

static noinline __noclone int aael_tpm_read(struct aael_register *reg,
					    unsigned int bank, u8 *value)
{
	struct aael_tpm *tpm = reg->priv;
	struct tpm_digest d = { .alg_id = reg->algs[bank].alg_id };
	int rc;

	rc = tpm_pcr_read(tpm->chip, reg->index, &d);
	if (rc > 0)
		return -EIO;
	if (rc)
		return rc;
	memcpy(value, d.digest, reg->algs[bank].digest_size);
	return 0;
}
ALLOW_ERROR_INJECTION(aael_tpm_read, ERRNO);

/*
 * The read-back retries for about 3.5 s: a TPM whose answer timed out is
 * often still busy with that command, and tpm_tis's own timeouts (750 ms
 * to 2 s per wait) are of that order. A TPM silent for longer is most
 * likely gone; holding the writers longer would change nothing, since
 * the log cannot take another record before this one is settled.
 */
static const unsigned int aael_tpm_readback_ms[] = { 0, 250, 1000, 2000 };

struct aael_tpm_readback {
	struct work_struct work;
	struct aael_register *reg;
	int rc;
};

static void aael_tpm_readback_work(struct work_struct *work)
{
	struct aael_tpm_readback *rb =
		container_of(work, struct aael_tpm_readback, work);
	struct aael_tpm *tpm = rb->reg->priv;
	unsigned int i, try;

	for (try = 0; try < ARRAY_SIZE(aael_tpm_readback_ms); try++) {
		msleep(aael_tpm_readback_ms[try]);
		rb->rc = 0;
		for (i = 0; i < rb->reg->nr_banks && !rb->rc; i++)
			rb->rc = aael_tpm_read(rb->reg, i, tpm->now[i]);
		if (!rb->rc)
			return;
	}
}

/*
 * Read every bank back, in a worker: a writer with a signal pending (one
 * killed mid-extend) would see an interrupt-driven TPM's waits end at
 * once, and its record must be settled all the same.
 */
static int aael_tpm_read_back(struct aael_register *reg)
{
	struct aael_tpm_readback rb = { .reg = reg };

	INIT_WORK_ONSTACK(&rb.work, aael_tpm_readback_work);
	queue_work(system_unbound_wq, &rb.work);
	flush_work(&rb.work);
	destroy_work_on_stack(&rb.work);
	return rb.rc;
}

/* A failure the read-back showed had changed nothing, as errno. */
static int aael_tpm_not_applied(int rc)
{
	switch (rc) {
	case -ETIME:
	case -ETIMEDOUT:
		return -ETIME;
	case -EINTR:
	case -ERESTARTSYS:
		return -EINTR;
	case -ENOMEM:
		return -ENOMEM;
	default:
		return -EIO;
	}
}

/* The banks whose value read back is the one in at[bank], as a mask. */
static unsigned long aael_tpm_banks_at(struct aael_register *reg,
				       u8 (*at)[AAEL_MAX_DIGEST])
{
	struct aael_tpm *tpm = reg->priv;
	unsigned long mask = 0;
	unsigned int i;

	for (i = 0; i < reg->nr_banks; i++)
		if (!memcmp(tpm->now[i], at[i], reg->algs[i].digest_size))
			mask |= BIT(i);
	return mask;
}

/* The extend failed with rc < 0: did the TPM apply it or not? */
static int aael_tpm_settle(struct aael_register *reg, int rc)
{
	struct aael_tpm *tpm = reg->priv;
	unsigned long all = BIT(reg->nr_banks) - 1, moved, same;
	int read_rc;

	read_rc = aael_tpm_read_back(reg);
	if (read_rc) {
		pr_err_ratelimited("extend of PCR %u failed (%d) and the PCR cannot be read back (%d): whether the TPM applied it is unknown; the log is broken, no more records\n",
				   reg->index, rc, read_rc);
		return -ENOTRECOVERABLE;
	}
	moved = aael_tpm_banks_at(reg, tpm->next);
	same = aael_tpm_banks_at(reg, tpm->shadow);
	if (moved == all) {
		pr_warn_ratelimited("extend of PCR %u reported %d, but the TPM applied it: recorded\n",
				    reg->index, rc);
		memcpy(tpm->shadow, tpm->next, sizeof(tpm->shadow));
		return 0;
	}
	if (same == all) {
		pr_warn_ratelimited("extend of PCR %u failed (%d); the PCR is unchanged: not recorded\n",
				    reg->index, rc);
		return aael_tpm_not_applied(rc);
	}
	pr_err_ratelimited("extend of PCR %u failed (%d) and left banks 0x%lx applied, 0x%lx unchanged, 0x%lx neither: the log is broken, no more records\n",
			   reg->index, rc, moved, same, all & ~(moved | same));
	return -ENOTRECOVERABLE;
}

static int aael_tpm_extend(struct aael_register *reg, const u8 *rec)
{
	struct aael_tpm *tpm = reg->priv;
	unsigned int i;
	int rc;

	for (i = 0; i < reg->nr_banks; i++) {
		const u8 *digest = aael_record_digest((u8 *)rec, reg->algs, i);

		memcpy(tpm->digests[i].digest, digest,
		       reg->algs[i].digest_size);
		/* Before the TPM sees it: an extend must never outrun this. */
		rc = aael_register_hash_extend(reg, i, tpm->shadow[i], digest,
					       tpm->next[i]);
		if (rc)
			return rc;
	}
	rc = aael_tpm_send(reg);
	if (!rc) {
		memcpy(tpm->shadow, tpm->next, sizeof(tpm->shadow));
		return 0;
	}
	if (rc > 0) {
		/* A TPM response code: the TPM did not run the command. */
		pr_warn_ratelimited("TPM refused to extend PCR %u (TPM rc 0x%x)\n",
				    reg->index, rc);
		return -EIO;
	}
	return aael_tpm_settle(reg, rc);
}

static void aael_tpm_destroy(struct aael_register *reg)
{
	struct aael_tpm *tpm = reg->priv;

	if (tpm->chip)
		put_device(&tpm->chip->dev);
	kfree(tpm);
}

static const struct aael_register_ops aael_tpm_ops = {
	.extend = aael_tpm_extend,
	.read = aael_tpm_read,
	.destroy = aael_tpm_destroy,
};

/* PCRs a log kept here could never match, whatever their value. */
static int aael_tpm_pcr_allowed(u32 pcr)
{
	if (pcr >= AAEL_TPM_PCRS) {
		pr_err("pcr=%u: a TPM has PCRs 0..%u\n", pcr,
		       AAEL_TPM_PCRS - 1);
		return -EINVAL;
	}
	if (pcr >= 17 && pcr <= 22) {
		pr_err("pcr=%u is a DRTM PCR: Linux (locality 0) cannot extend it; use pcr=%u\n",
		       pcr, AAEL_DEFAULT_PCR);
		return -EINVAL;
	}
	if (pcr == 10) {
		pr_err("pcr=10 belongs to IMA: its log would not replay; use pcr=%u\n",
		       AAEL_DEFAULT_PCR);
		return -EBUSY;
	}
	return 0;
}

/*
 * The shadow starts at the PCR's value. The log starts empty, so unless
 * tests turned the policy off, that value must be the reset value (zero).
 */
static int aael_tpm_shadow_init(struct aael_register *reg, bool unsafe)
{
	struct aael_tpm *tpm = reg->priv;
	unsigned int i;
	int rc;

	for (i = 0; i < reg->nr_banks; i++) {
		u8 *value = tpm->shadow[i];

		rc = aael_tpm_read(reg, i, value);
		if (rc) {
			pr_err("cannot read PCR %u: %d\n", reg->index,
			       rc);
			return rc;
		}
		if (!unsafe && memchr_inv(value, 0, reg->algs[i].digest_size)) {
			pr_err("PCR %u was already extended (%s:%*phN...): a log started now could never replay it\n",
			       reg->index, aael_alg_name(reg->algs[i].alg_id),
			       8, value);
			return -EBUSY;
		}
	}
	return 0;
}

int aael_register_tpm_init(struct aael_register *reg, u32 pcr, bool unsafe)
{
	struct aael_tpm *tpm;
	struct tpm_chip *chip;
	unsigned int i;
	int rc;

	if (!unsafe) {
		rc = aael_tpm_pcr_allowed(pcr);
		if (rc)
			return rc;
	}
	chip = tpm_default_chip();
	if (!chip) {
		pr_err("no TPM found\n");
		return -ENODEV;
	}
	tpm = kzalloc(sizeof(*tpm), GFP_KERNEL);
	if (!tpm) {
		put_device(&chip->dev);
		return -ENOMEM;
	}
	tpm->chip = chip;
	reg->backend = "tpm";
	reg->hardware = true;
	reg->index = pcr;
	snprintf(reg->name, sizeof(reg->name), "PCR %u", pcr);
	reg->ops = &aael_tpm_ops;
	reg->priv = tpm;

	rc = tpm_is_tpm2(chip);
	if (rc < 0) {
		pr_err("cannot tell whether the TPM is a TPM 2.0 (error %d): backend=tpm refused\n",
		       rc);
		return rc;
	}
	if (!rc) {
		pr_err("backend=tpm needs a TPM 2.0 (crypto-agile log)\n");
		return -EOPNOTSUPP;
	}
	if (chip->nr_allocated_banks > AAEL_MAX_BANKS)
		return -E2BIG;
	for (i = 0; i < chip->nr_allocated_banks; i++) {
		const struct tpm_bank_info *bank = &chip->allocated_banks[i];

		if (bank->crypto_id >= HASH_ALGO__LAST) {
			pr_err("TPM bank 0x%04x has no kernel hash: it could not be logged\n",
			       bank->alg_id);
			return -EOPNOTSUPP;
		}
		rc = aael_register_add_bank(reg, bank->alg_id,
					    hash_algo_name[bank->crypto_id]);
		if (rc)
			return rc;
		tpm->digests[i].alg_id = bank->alg_id;
	}
	return aael_tpm_shadow_init(reg, unsafe);
}
