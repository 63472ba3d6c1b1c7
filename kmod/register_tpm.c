// SPDX-License-Identifier: GPL-2.0
/*
 * TPM 2.0 backend: one PCR, every allocated bank, one TPM2_PCR_Extend per
 * record carrying one digest per bank.
 */
#include <linux/tpm.h>
#include <linux/slab.h>
#include <crypto/hash_info.h>
#include "register.h"

#define AAEL_TPM_PCRS	24

struct aael_tpm {
	struct tpm_chip *chip;
	/* Extend argument, reused under the measure lock. */
	struct tpm_digest digests[TPM2_MAX_PCR_BANKS];
};

static int aael_tpm_extend(struct aael_register *reg, const u8 *rec)
{
	struct aael_tpm *tpm = reg->priv;
	unsigned int i;
	int rc;

	for (i = 0; i < reg->nr_banks; i++)
		memcpy(tpm->digests[i].digest,
		       aael_record_digest((u8 *)rec, reg->algs, i),
		       reg->algs[i].digest_size);
	rc = tpm_pcr_extend(tpm->chip, reg->index, tpm->digests);
	if (rc > 0) {
		/* A TPM response code: the TPM refused. */
		pr_warn_ratelimited("aael: TPM refused to extend PCR %u (TPM rc 0x%x)\n",
				    reg->index, rc);
		return -EIO;
	}
	return rc;
}

static int aael_tpm_read(struct aael_register *reg, unsigned int bank,
			 u8 *value)
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
		pr_err("aael: pcr=%u: a TPM has PCRs 0..%u\n", pcr,
		       AAEL_TPM_PCRS - 1);
		return -EINVAL;
	}
	if (pcr >= 17 && pcr <= 22) {
		pr_err("aael: pcr=%u is a DRTM PCR: Linux (locality 0) cannot extend it; use pcr=%u\n",
		       pcr, AAEL_DEFAULT_PCR);
		return -EINVAL;
	}
	if (pcr == 10) {
		pr_err("aael: pcr=10 belongs to IMA: its log would not replay; use pcr=%u\n",
		       AAEL_DEFAULT_PCR);
		return -EBUSY;
	}
	return 0;
}

/* The log starts empty, so the PCR must be at its reset value (zero). */
static int aael_tpm_pcr_fresh(struct aael_register *reg)
{
	u8 value[AAEL_MAX_DIGEST];
	unsigned int i;
	int rc;

	for (i = 0; i < reg->nr_banks; i++) {
		rc = aael_tpm_read(reg, i, value);
		if (rc) {
			pr_err("aael: cannot read PCR %u: %d\n", reg->index,
			       rc);
			return rc;
		}
		if (memchr_inv(value, 0, reg->algs[i].digest_size)) {
			pr_err("aael: PCR %u was already extended (%s:%*phN...): a log started now could never replay it\n",
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
		pr_err("aael: no TPM found\n");
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

	if (!tpm_is_tpm2(chip)) {
		pr_err("aael: backend=tpm needs a TPM 2.0 (crypto-agile log)\n");
		return -EOPNOTSUPP;
	}
	if (chip->nr_allocated_banks > AAEL_MAX_BANKS)
		return -E2BIG;
	for (i = 0; i < chip->nr_allocated_banks; i++) {
		const struct tpm_bank_info *bank = &chip->allocated_banks[i];

		if (bank->crypto_id >= HASH_ALGO__LAST) {
			pr_err("aael: TPM bank 0x%04x has no kernel hash: it could not be logged\n",
			       bank->alg_id);
			return -EOPNOTSUPP;
		}
		rc = aael_register_add_bank(reg, bank->alg_id,
					    hash_algo_name[bank->crypto_id]);
		if (rc)
			return rc;
		tpm->digests[i].alg_id = bank->alg_id;
	}
	if (!unsafe)
		return aael_tpm_pcr_fresh(reg);
	return 0;
}
