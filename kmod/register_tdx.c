// SPDX-License-Identifier: GPL-2.0
/*
 * Intel TDX backend: one RTMR, one sha384 bank, records numbered by CC-MR
 * index as the Confidential Containers attestation agent numbers them.
 *
 * The emulated mode (backend=tdx-emulated) runs all of it -- the PCR to
 * CC-MR mapping, the numbering, the buffers handed to the TDX module, the
 * TDREPORT parsing, the busy retries -- except the two TDCALLs, which
 * aael_tdx_emu_extend() and aael_tdx_emu_report() replace. They refuse
 * what the TDX module refuses, with the errors the kernel's helpers return,
 * so a buffer the hardware would reject fails the emulated suite too. It is
 * marked as emulated wherever the register is described.
 *
 * Relied on (kernel sources):
 *  - arch/x86/coco/tdx/tdx.c (6.16+): tdx_mcall_get_report0() and
 *    tdx_mcall_extend_rtmr() return -ENXIO for TDX_OPERAND_INVALID, -EBUSY
 *    for TDX_OPERAND_BUSY, -EIO otherwise; both pass virt_to_phys() of
 *    the buffers, so these must be directly mapped (no vmalloc, no module
 *    static data).
 *  - drivers/virt/coco/tdx-guest/tdx-guest.c (6.16+): one kzalloc() of
 *    TDX_REPORT_LEN (1024) is the TDREPORT_STRUCT; REPORTDATA is read from
 *    its offset 128 and the same 64 bytes serve as the 64-byte aligned
 *    RTMR extend buffer; TDREPORT field offsets (RTMR0 at 720); RTMR0-3
 *    all TSM_MR_F_RTMR, i.e. extendable by the guest.
 *  - include/linux/slab.h: kmalloc() of a power-of-two size is aligned to
 *    that size, so kzalloc(1024) gives the 1024-byte alignment
 *    TDG.MR.REPORT requires.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "register.h"

#if IS_ENABLED(CONFIG_INTEL_TDX_GUEST)
#include <asm/cpufeature.h>
#include <asm/tdx.h>
#endif

#define AAEL_TDX_RTMRS		4
#define AAEL_TDX_DIGEST		48
/* TDREPORT_STRUCT (see tdx-guest.c): REPORTMACSTRUCT, TEE_TCB_INFO, TDINFO */
#define AAEL_TDREPORT_SIZE	1024
#define AAEL_TDREPORT_TYPE	0
#define AAEL_TDREPORT_DATA	128
#define AAEL_TDREPORT_DATA_SIZE	64
#define AAEL_TDREPORT_TDINFO	512
/* RTMR0 after ATTRIBUTES, XFAM, MRTD, MRCONFIGID, MROWNER, MROWNERCONFIG */
#define AAEL_TDREPORT_RTMR0	(AAEL_TDREPORT_TDINFO + 8 + 8 + 4 * 48)
/* REPORTTYPE.TYPE of a TDX TDREPORT */
#define AAEL_TDREPORT_TYPE_TDX	0x81

/*
 * TDX_OPERAND_BUSY: another vCPU (the tdx-guest driver's sysfs RTMRs, a
 * TDREPORT for a quote) holds the same TD resource for a moment; we cannot
 * take that driver's lock, so we retry a bounded number of times.
 */
#define AAEL_TDX_TRIES		8

static unsigned int aael_tdx_emulated_busy;
module_param_named(tdx_emulated_busy, aael_tdx_emulated_busy, uint, 0644);
MODULE_PARM_DESC(tdx_emulated_busy, "TESTS ONLY, backend=tdx-emulated: the next N emulated TDCALLs return TDX_OPERAND_BUSY (ignored by every other backend)");

struct aael_tdx {
	bool emulated;
	u8 rtmr;
	/*
	 * The TDREPORT_STRUCT, 1024-byte aligned. Its REPORTDATA (64-byte
	 * aligned) is also the extend buffer: reads and extends both run
	 * under the writers' lock, never at once.
	 */
	u8 *report;
	u8 emulated_rtmr[AAEL_TDX_RTMRS][AAEL_TDX_DIGEST];
	struct aael_register *reg;
};

bool aael_tdx_guest(void)
{
#if IS_ENABLED(CONFIG_INTEL_TDX_GUEST)
	return cpu_feature_enabled(X86_FEATURE_TDX_GUEST);
#else
	return false;
#endif
}

/* Calls are serialised by the writers' lock (or run before it exists). */
static bool aael_tdx_emu_busy(void)
{
	unsigned int n = READ_ONCE(aael_tdx_emulated_busy);

	if (!n)
		return false;
	WRITE_ONCE(aael_tdx_emulated_busy, n - 1);
	return true;
}

/* What the TDX module checks of a buffer: directly mapped and aligned. */
static bool aael_tdx_emu_buffer_ok(const void *p, unsigned long align)
{
	return virt_addr_valid(p) && IS_ALIGNED((unsigned long)p, align);
}

/* TDG.MR.RTMR.EXTEND, emulated: errors as tdx_mcall_extend_rtmr() maps them */
static int aael_tdx_emu_extend(struct aael_tdx *tdx, u8 index, u8 *data)
{
	u8 *value;

	if (aael_tdx_emu_busy())
		return -EBUSY;
	if (index >= AAEL_TDX_RTMRS || !aael_tdx_emu_buffer_ok(data, 64))
		return -ENXIO;
	value = tdx->emulated_rtmr[index];
	return aael_register_hash_extend(tdx->reg, 0, value, data, value);
}

/* TDG.MR.REPORT subtype 0, emulated: as tdx_mcall_get_report0() */
static int aael_tdx_emu_report(struct aael_tdx *tdx, u8 *reportdata,
			       u8 *tdreport)
{
	u8 data[AAEL_TDREPORT_DATA_SIZE];

	if (aael_tdx_emu_busy())
		return -EBUSY;
	if (!aael_tdx_emu_buffer_ok(tdreport, AAEL_TDREPORT_SIZE) ||
	    !aael_tdx_emu_buffer_ok(reportdata, AAEL_TDREPORT_DATA_SIZE))
		return -ENXIO;
	/* REPORTDATA may lie inside the TDREPORT buffer (it does here). */
	memcpy(data, reportdata, sizeof(data));
	memset(tdreport, 0, AAEL_TDREPORT_SIZE);
	tdreport[AAEL_TDREPORT_TYPE] = AAEL_TDREPORT_TYPE_TDX;
	memcpy(tdreport + AAEL_TDREPORT_DATA, data, sizeof(data));
	memcpy(tdreport + AAEL_TDREPORT_RTMR0, tdx->emulated_rtmr,
	       sizeof(tdx->emulated_rtmr));
	return 0;
}

static int aael_tdcall_extend(struct aael_tdx *tdx, u8 index, u8 *data)
{
	if (tdx->emulated)
		return aael_tdx_emu_extend(tdx, index, data);
#if IS_ENABLED(CONFIG_INTEL_TDX_GUEST) && defined(AAEL_HAVE_TDX_EXTEND)
	return tdx_mcall_extend_rtmr(index, data);
#else
	return -EOPNOTSUPP;
#endif
}

static int aael_tdcall_report(struct aael_tdx *tdx, u8 *reportdata,
			      u8 *tdreport)
{
	if (tdx->emulated)
		return aael_tdx_emu_report(tdx, reportdata, tdreport);
#if IS_ENABLED(CONFIG_INTEL_TDX_GUEST) && defined(AAEL_HAVE_TDX_REPORT)
	return tdx_mcall_get_report0(reportdata, tdreport);
#else
	return -EOPNOTSUPP;
#endif
}

static void aael_tdx_busy_wait(void)
{
	usleep_range(50, 100);
}

static int aael_tdx_extend(struct aael_register *reg, const u8 *rec)
{
	struct aael_tdx *tdx = reg->priv;
	u8 *buf = tdx->report + AAEL_TDREPORT_DATA;
	unsigned int try;
	int rc;

	memset(buf, 0, AAEL_TDREPORT_DATA_SIZE);
	memcpy(buf, aael_record_digest((u8 *)rec, reg->algs, 0),
	       AAEL_TDX_DIGEST);
	for (try = 1; ; try++) {
		rc = aael_tdcall_extend(tdx, tdx->rtmr, buf);
		if (rc != -EBUSY || try == AAEL_TDX_TRIES)
			break;
		aael_tdx_busy_wait();
	}
	if (rc == -EBUSY) {
		pr_warn_ratelimited("RTMR%u extend still busy after %u tries: record refused\n",
				    tdx->rtmr, AAEL_TDX_TRIES);
		return -EBUSY;
	}
	if (rc) {
		pr_warn_ratelimited("RTMR%u extend failed: %d\n",
				    tdx->rtmr, rc);
		return -EIO;
	}
	return 0;
}

static int aael_tdx_read(struct aael_register *reg, unsigned int bank,
			 u8 *value)
{
	struct aael_tdx *tdx = reg->priv;
	u8 *reportdata = tdx->report + AAEL_TDREPORT_DATA;
	unsigned int try;
	int rc;

	for (try = 1; ; try++) {
		/* Nothing to bind: the report only carries the RTMRs out. */
		memset(reportdata, 0, AAEL_TDREPORT_DATA_SIZE);
		rc = aael_tdcall_report(tdx, reportdata, tdx->report);
		if (rc != -EBUSY || try == AAEL_TDX_TRIES)
			break;
		aael_tdx_busy_wait();
	}
	if (rc) {
		pr_warn_ratelimited("TDREPORT for RTMR%u failed: %d\n",
				    tdx->rtmr, rc);
		return rc;
	}
	memcpy(value, tdx->report + AAEL_TDREPORT_RTMR0 +
	       tdx->rtmr * AAEL_TDX_DIGEST, AAEL_TDX_DIGEST);
	return 0;
}

static void aael_tdx_destroy(struct aael_register *reg)
{
	struct aael_tdx *tdx = reg->priv;

	if (tdx)
		kfree(tdx->report);
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
	pr_err("backend=tdx: this kernel cannot extend an RTMR (needs 6.16+ with CONFIG_INTEL_TDX_GUEST); backend=tdx-emulated runs the same code on emulated registers, for tests\n");
	return -EOPNOTSUPP;
#else
	if (!aael_tdx_guest()) {
		pr_err("backend=tdx: not a TDX guest\n");
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
	tdx->reg = reg;
	tdx->report = kzalloc(AAEL_TDREPORT_SIZE, GFP_KERNEL);
	if (!tdx->report)
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
		pr_err("cannot read RTMR%u: %d\n", tdx->rtmr, rc);
		return rc;
	}
	if (memchr_inv(value, 0, AAEL_TDX_DIGEST)) {
		pr_err("RTMR%u was already extended (%*phN...): a log started now could never replay it\n",
		       tdx->rtmr, 8, value);
		return -EBUSY;
	}
	return 0;
}
