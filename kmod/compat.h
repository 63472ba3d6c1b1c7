/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels aael builds for, 6.1 to 7.x: the one
 * file that names kernel versions (scripts/checkpatch lets it use
 * LINUX_VERSION_CODE). Merged upstream, it would go.
 */
#ifndef _AAEL_COMPAT_H
#define _AAEL_COMPAT_H

#include <linux/version.h>
#include <net/genetlink.h>

/* 7.x's name; 6.12 calls it NL_ASSERT_DUMP_CTX_FITS; 6.1 has no check. */
#ifndef NL_ASSERT_CTX_FITS
#ifdef NL_ASSERT_DUMP_CTX_FITS
#define NL_ASSERT_CTX_FITS(type_name) NL_ASSERT_DUMP_CTX_FITS(type_name)
#else
#define NL_ASSERT_CTX_FITS(type_name)					\
	BUILD_BUG_ON(sizeof(type_name) >				\
		     sizeof_field(struct netlink_callback, ctx))
#endif
#endif

/* A dump's request attributes, parsed once by the core (6.2 moved them). */
static inline struct nlattr **aael_dumpit_attrs(struct netlink_callback *cb)
{
#if KERNEL_VERSION(6, 2, 0) <= LINUX_VERSION_CODE
	return genl_dumpit_info(cb)->info.attrs;
#else
	return genl_dumpit_info(cb)->attrs;
#endif
}

#endif /* _AAEL_COMPAT_H */
