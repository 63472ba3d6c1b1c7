/* SPDX-License-Identifier: GPL-2.0 OR LGPL-2.1-or-later */
/*
 * Encoding of AAEL events and TCG2 log records. Pure C with no kernel
 * dependency so that the host unit tests and libaael compile the very same
 * code the module runs.
 */
#ifndef _AAEL_RECORD_H
#define _AAEL_RECORD_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#else
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <linux/types.h>
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#endif

#include "../uapi/linux/aael.h"

struct aael_alg {
	u16 alg_id;
	u16 digest_size;
};

/* An event text split into its three fields (spans into the text). */
struct aael_event_fields {
	const char *domain;
	size_t domain_len;
	const char *operation;
	size_t operation_len;
	const char *content;
	size_t content_len;
};

int aael_event_parse(const char *text, size_t len,
		     struct aael_event_fields *fields);
int aael_event_check(const struct aael_event_fields *fields);
size_t aael_event_text_size(const struct aael_event_fields *fields);
void aael_event_join(char *text, const struct aael_event_fields *fields);

size_t aael_tagged_event_size(size_t text_len);
void aael_tagged_event_encode(u8 *out, const char *text, u32 text_len);

size_t aael_digests_size(const struct aael_alg *algs, unsigned int nr_algs);
size_t aael_record_size(const struct aael_alg *algs, unsigned int nr_algs,
			size_t text_len);
size_t aael_record_encode(u8 *rec, u32 index, const struct aael_alg *algs,
			  unsigned int nr_algs, const char *text, u32 text_len);
u8 *aael_record_digest(u8 *rec, const struct aael_alg *algs,
		       unsigned int bank);
size_t aael_record_length(const u8 *rec, size_t digests_size);
const char *aael_record_text(const u8 *rec, const struct aael_alg *algs,
			     unsigned int nr_algs, u32 *text_len);

size_t aael_spec_id_size(unsigned int nr_algs);
void aael_spec_id_encode(u8 *out, const struct aael_alg *algs,
			 unsigned int nr_algs);

const char *aael_alg_name(u16 alg_id);
u16 aael_alg_digest_size(u16 alg_id);
u16 aael_alg_by_name(const char *name);
u32 aael_tdx_ccmr(u32 pcr);

#endif /* _AAEL_RECORD_H */
