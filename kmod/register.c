// SPDX-License-Identifier: GPL-2.0
/* Bank bookkeeping shared by every register backend. */
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
		pr_err("aael: bank algorithm 0x%04x is not supported\n",
		       alg_id);
		return -EOPNOTSUPP;
	}
	tfm = crypto_alloc_shash(hash_name, 0, 0);
	if (IS_ERR(tfm)) {
		pr_err("aael: no kernel hash %s for bank 0x%04x (%ld)\n",
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

void aael_register_release(struct aael_register *reg)
{
	unsigned int i;

	if (reg->ops && reg->ops->destroy)
		reg->ops->destroy(reg);
	for (i = 0; i < reg->nr_banks; i++)
		crypto_free_shash(reg->tfms[i]);
	memset(reg, 0, sizeof(*reg));
}
