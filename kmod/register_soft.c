// SPDX-License-Identifier: GPL-2.0
/*
 * Software backend: a register emulated in kernel memory, for machines with
 * neither a TPM nor TDX, and for tests. It proves nothing to a verifier;
 * everything that describes it says so.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/string.h>
#include "register.h"

struct aael_soft {
	u8 value[AAEL_MAX_BANKS][AAEL_MAX_DIGEST];
	/* Extend scratch, used under the measure lock. */
	u8 next[AAEL_MAX_BANKS][AAEL_MAX_DIGEST];
};

/* new = H(old || digest), as a TPM does it */
static int aael_soft_extend(struct aael_register *reg, const u8 *rec)
{
	struct aael_soft *soft = reg->priv;
	unsigned int i;
	int rc;

	for (i = 0; i < reg->nr_banks; i++) {
		rc = aael_register_hash_extend(reg, i, soft->value[i],
					       aael_record_digest((u8 *)rec,
								  reg->algs, i),
					       soft->next[i]);
		if (rc)
			return rc;
	}
	/* All banks or none. */
	memcpy(soft->value, soft->next, sizeof(soft->value));
	return 0;
}

static int aael_soft_read(struct aael_register *reg, unsigned int bank,
			  u8 *value)
{
	struct aael_soft *soft = reg->priv;

	memcpy(value, soft->value[bank], reg->algs[bank].digest_size);
	return 0;
}

static void aael_soft_destroy(struct aael_register *reg)
{
	kfree(reg->priv);
}

static const struct aael_register_ops aael_soft_ops = {
	.extend = aael_soft_extend,
	.read = aael_soft_read,
	.destroy = aael_soft_destroy,
};

/* Kernel crypto name of a bank's algorithm. */
static const char *aael_soft_hash_name(u16 alg_id)
{
	return alg_id == AAEL_ALG_SM3_256 ? "sm3" : aael_alg_name(alg_id);
}

int aael_register_soft_init(struct aael_register *reg, u32 index,
			    const char *banks)
{
	struct aael_soft *soft;
	char *list, *cursor, *name;
	int rc = 0;

	soft = kzalloc(sizeof(*soft), GFP_KERNEL);
	if (!soft)
		return -ENOMEM;
	reg->priv = soft;
	reg->backend = "software";
	reg->hardware = false;
	reg->index = index;
	strscpy(reg->name, "software", sizeof(reg->name));
	reg->ops = &aael_soft_ops;

	list = kstrdup(banks, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	cursor = list;
	while (!rc && (name = strsep(&cursor, ","))) {
		u16 alg = aael_alg_by_name(name);
		unsigned int i;

		if (!alg) {
			pr_err("banks=: unknown algorithm \"%s\"\n", name);
			rc = -EINVAL;
			break;
		}
		for (i = 0; i < reg->nr_banks; i++)
			if (reg->algs[i].alg_id == alg)
				rc = -EINVAL;
		if (rc) {
			pr_err("banks=: %s listed twice\n", name);
			break;
		}
		rc = aael_register_add_bank(reg, alg,
					    aael_soft_hash_name(alg));
	}
	kfree(list);
	if (!rc && !reg->nr_banks)
		rc = -EINVAL;
	return rc;
}
