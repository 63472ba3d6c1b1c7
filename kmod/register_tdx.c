// SPDX-License-Identifier: GPL-2.0
/*
 * Intel TDX backend: one RTMR, one sha384 bank, records numbered by CC-MR
 * index as the Confidential Containers attestation agent numbers them.
 *
 * The emulated mode (backend=tdx-emulated) runs all of it -- the PCR to
 * CC-MR mapping, the numbering, the 48-byte extend buffer, the reads --
 * except the TDCALL, which it replaces with new = sha384(old || digest) on
 * registers in kernel memory. It is marked as emulated wherever the
 * register is described.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include "register.h"

#if IS_ENABLED(CONFIG_INTEL_TDX_GUEST)
#include <asm/cpufeature.h>
#include <asm/tdx.h>
#endif

#define AAEL_TDX_RTMRS		4
#define AAEL_TDX_DIGEST		48
/* TDREPORT_STRUCT: TDINFO at 512; RTMR[0] after ATTRIBUTES, XFAM, MRTD,
 * MRCONFIGID, MROWNER and MROWNERCONFIG.
 */
#define AAEL_TDREPORT_SIZE	1024
#define AAEL_TDREPORT_RTMR0	(512 + 8 + 8 + 4 * 48)

struct aael_tdx {
	bool emulated;
	u8 rtmr;
	/* TDG.MR.RTMR.EXTEND wants a 64-byte aligned buffer. */
	u8 *buf;
	u8 emulated_rtmr[AAEL_TDX_RTMRS][AAEL_TDX_DIGEST];
};

bool aael_tdx_guest(void)
{
#if IS_ENABLED(CONFIG_INTEL_TDX_GUEST)
	return cpu_feature_enabled(X86_FEATURE_TDX_GUEST);
#else
	return false;
#endif
}

static int aael_tdx_mcall_extend(u8 rtmr, u8 *buf)
{
#if IS_ENABLED(CONFIG_INTEL_TDX_GUEST) && defined(AAEL_HAVE_TDX_EXTEND)
	return tdx_mcall_extend_rtmr(rtmr, buf);
#else
	return -EOPNOTSUPP;
#endif
}

static int aael_tdx_mcall_read(u8 rtmr, u8 *value)
{
#if IS_ENABLED(CONFIG_INTEL_TDX_GUEST) && defined(AAEL_HAVE_TDX_REPORT)
	u8 *data = kzalloc(64 + AAEL_TDREPORT_SIZE, GFP_KERNEL);
	int rc;

	if (!data)
		return -ENOMEM;
	rc = tdx_mcall_get_report0(data, data + 64);
	if (!rc)
		memcpy(value, data + 64 + AAEL_TDREPORT_RTMR0 +
		       rtmr * AAEL_TDX_DIGEST, AAEL_TDX_DIGEST);
	kfree(data);
	return rc;
#else
	return -EOPNOTSUPP;
#endif
}

static int aael_tdx_extend(struct aael_register *reg, const u8 *rec)
{
	struct aael_tdx *tdx = reg->priv;
	u8 *value = tdx->emulated_rtmr[tdx->rtmr];
	int rc;

	memcpy(tdx->buf, aael_record_digest((u8 *)rec, reg->algs, 0),
	       AAEL_TDX_DIGEST);
	if (!tdx->emulated) {
		rc = aael_tdx_mcall_extend(tdx->rtmr, tdx->buf);
		if (rc)
			pr_warn_ratelimited("aael: RTMR%u extend failed: %d\n",
					    tdx->rtmr, rc);
		return rc ? -EIO : 0;
	}
	return aael_register_hash_extend(reg, 0, value, tdx->buf, value);
}

static int aael_tdx_read(struct aael_register *reg, unsigned int bank,
			 u8 *value)
{
	struct aael_tdx *tdx = reg->priv;

	if (!tdx->emulated)
		return aael_tdx_mcall_read(tdx->rtmr, value);
	memcpy(value, tdx->emulated_rtmr[tdx->rtmr], AAEL_TDX_DIGEST);
	return 0;
}

static void aael_tdx_destroy(struct aael_register *reg)
{
	struct aael_tdx *tdx = reg->priv;

	if (tdx)
		kfree(tdx->buf);
	kfree(tdx);
}

static const struct aael_register_ops aael_tdx_ops = {
	.extend = aael_tdx_extend,
	.read = aael_tdx_read,
	.destroy = aael_tdx_destroy,
};

static int aael_tdx_available(void)
{
#if !IS_ENABLED(CONFIG_INTEL_TDX_GUEST) || !defined(AAEL_HAVE_TDX_EXTEND) || \
	!defined(AAEL_HAVE_TDX_REPORT)
	pr_err("aael: backend=tdx: this kernel cannot extend an RTMR (needs 6.16+ with CONFIG_INTEL_TDX_GUEST); backend=tdx-emulated runs the same code on emulated registers, for tests\n");
	return -EOPNOTSUPP;
#else
	if (!aael_tdx_guest()) {
		pr_err("aael: backend=tdx: not a TDX guest\n");
		return -ENODEV;
	}
	return 0;
#endif
}

int aael_register_tdx_init(struct aael_register *reg, u32 pcr, bool emulated,
			   bool unsafe)
{
	struct aael_tdx *tdx;
	u8 value[AAEL_TDX_DIGEST];
	int rc;

	if (!emulated) {
		rc = aael_tdx_available();
		if (rc)
			return rc;
	}
	tdx = kzalloc(sizeof(*tdx), GFP_KERNEL);
	if (!tdx)
		return -ENOMEM;
	reg->priv = tdx;
	reg->ops = &aael_tdx_ops;
	tdx->emulated = emulated;
	tdx->buf = kzalloc(64, GFP_KERNEL);	/* kmalloc-64: 64-byte aligned */
	if (!tdx->buf)
		return -ENOMEM;
	reg->backend = emulated ? "tdx-emulated" : "tdx";
	reg->hardware = !emulated;
	reg->index = aael_tdx_ccmr(pcr);
	tdx->rtmr = reg->index - 1;
	snprintf(reg->name, sizeof(reg->name), "RTMR%u", tdx->rtmr);
	rc = aael_register_add_bank(reg, AAEL_ALG_SHA384, "sha384");
	if (rc)
		return rc;
	if (unsafe)
		return 0;
	/* As for a PCR: a log started now must be able to replay it. */
	rc = aael_tdx_read(reg, 0, value);
	if (rc) {
		pr_err("aael: cannot read RTMR%u: %d\n", tdx->rtmr, rc);
		return rc;
	}
	if (memchr_inv(value, 0, AAEL_TDX_DIGEST)) {
		pr_err("aael: RTMR%u was already extended (%*phN...): a log started now could never replay it\n",
		       tdx->rtmr, 8, value);
		return -EBUSY;
	}
	return 0;
}
