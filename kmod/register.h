/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The measurement register a log is bound to. A backend fills in the banks
 * (one hash algorithm each) and two operations; the rest of the module only
 * sees this interface.
 */
#ifndef _AAEL_REGISTER_H
#define _AAEL_REGISTER_H

#include <linux/types.h>
#include "record.h"

struct crypto_shash;
struct aael_register;

struct aael_register_ops {
	/*
	 * Extend every bank with the record's digest for that bank: 0 when
	 * done; -ENOTRECOVERABLE when the register may or may not hold it
	 * (the log is then broken); any other error, the register is as it
	 * was.
	 */
	int (*extend)(struct aael_register *reg, const u8 *rec);
	/* Read bank's current value into value (digest_size bytes). */
	int (*read)(struct aael_register *reg, unsigned int bank, u8 *value);
	void (*destroy)(struct aael_register *reg);
};

struct aael_register {
	const char *backend;
	bool hardware;
	u32 index;		/* the index records carry */
	char name[16];		/* what is extended: "PCR 23", "RTMR3" */
	unsigned int nr_banks;
	struct aael_alg algs[AAEL_MAX_BANKS];
	struct crypto_shash *tfms[AAEL_MAX_BANKS];
	const struct aael_register_ops *ops;
	void *priv;
};

int aael_register_add_bank(struct aael_register *reg, u16 alg_id,
			   const char *hash_name);
int aael_register_hash_extend(struct aael_register *reg, unsigned int bank,
			      const u8 *value, const u8 *digest, u8 *out);
void aael_register_release(struct aael_register *reg);

int aael_register_tpm_init(struct aael_register *reg, u32 pcr, bool unsafe);
int aael_register_soft_init(struct aael_register *reg, u32 index,
			    const char *banks);
int aael_register_tdx_init(struct aael_register *reg, u32 pcr, bool emulated,
			   bool unsafe);
bool aael_tdx_guest(void);

#endif /* _AAEL_REGISTER_H */
