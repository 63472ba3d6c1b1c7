// SPDX-License-Identifier: GPL-2.0
/* Bank bookkeeping shared by every register backend. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/hash.h>
#include <linux/err.h>
#include <linux/printk.h>
#include "register.h"

int aael_register_add_bank(struct aael_register *reg, u16 alg_id,
			   const char *hash_name)
{
	struct crypto_shash *tfm;
	u16 size = aael_alg_digest_size(alg_id);

	if (reg->nr_banks == AAEL_MAX_BANKS)
		return -E2BIG;
	if (!size) {
		pr_err("bank algorithm 0x%04x is not supported\n",
		       alg_id);
		return -EOPNOTSUPP;
	}
	tfm = crypto_alloc_shash(hash_name, 0, 0);
	if (IS_ERR(tfm)) {
		pr_err("no kernel hash %s for bank 0x%04x (%ld)\n",
		       hash_name, alg_id, PTR_ERR(tfm));
		return PTR_ERR(tfm);
	}
	if (crypto_shash_digestsize(tfm) != size) {
		crypto_free_shash(tfm);
		return -EINVAL;
	}
	reg->algs[reg->nr_banks].alg_id = alg_id;
	reg->algs[reg->nr_banks].digest_size = size;
	reg->tfms[reg->nr_banks] = tfm;
	reg->nr_banks++;
	return 0;
}

/* out = H(value || digest) in the bank's algorithm, as a TPM extends. */
int aael_register_hash_extend(struct aael_register *reg, unsigned int bank,
			      const u8 *value, const u8 *digest, u8 *out)
{
	SHASH_DESC_ON_STACK(desc, reg->tfms[bank]);
	unsigned int size = reg->algs[bank].digest_size;
	int rc;

	desc->tfm = reg->tfms[bank];
	rc = crypto_shash_init(desc) ?:
	     crypto_shash_update(desc, value, size) ?:
	     crypto_shash_finup(desc, digest, size, out);
	shash_desc_zero(desc);
	return rc;
}

void aael_register_release(struct aael_register *reg)
{
	unsigned int i;

	if (reg->ops && reg->ops->destroy)
		reg->ops->destroy(reg);
	for (i = 0; i < reg->nr_banks; i++)
		crypto_free_shash(reg->tfms[i]);
	memset(reg, 0, sizeof(*reg));
}
