// SPDX-License-Identifier: GPL-2.0
/*
 * aael: in-kernel runtime attestation event log. Module parameters, the
 * choice of register, and the order things come up and go down in.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include "aael.h"

struct aael_register aael_reg;

static char *backend = "auto";
module_param(backend, charp, 0444);
MODULE_PARM_DESC(backend, "Register: auto (TDX RTMR or TPM 2.0, never software), tdx, tpm, tdx-emulated, software");

static int pcr = -1;
module_param(pcr, int, 0444);
MODULE_PARM_DESC(pcr, "TPM PCR (default 23); on TDX, the agent's init_pcr mapped to a CC-MR (default 17: RTMR3)");

static char *banks = "sha256";
module_param(banks, charp, 0444);
MODULE_PARM_DESC(banks, "Software register banks, comma-separated (default sha256)");

bool aael_test_unsafe;
module_param_named(test_unsafe, aael_test_unsafe, bool, 0444);
MODULE_PARM_DESC(test_unsafe, "TESTS ONLY: allow unloading with records and any PCR");

unsigned long aael_max_log_size = AAEL_DEFAULT_MAX_LOG;
module_param_named(max_log_size, aael_max_log_size, ulong, 0644);
MODULE_PARM_DESC(max_log_size, "Cap on the bytes of records in the log (default 32 MiB)");

unsigned int aael_max_event_size = AAEL_DEFAULT_MAX_EVENT;

static int aael_set_max_event_size(const char *val,
				   const struct kernel_param *kp)
{
	unsigned int size;
	int rc;

	rc = kstrtouint(val, 0, &size);
	if (rc)
		return rc;
	if (size < 5 || size > AAEL_EVENT_SIZE_LIMIT)
		return -ERANGE;
	WRITE_ONCE(aael_max_event_size, size);
	return 0;
}

static const struct kernel_param_ops aael_max_event_size_ops = {
	.set = aael_set_max_event_size,
	.get = param_get_uint,
};

module_param_cb(max_event_size, &aael_max_event_size_ops,
		&aael_max_event_size, 0644);
MODULE_PARM_DESC(max_event_size, "Largest event text in bytes (default 16384, at most 61440)");

static u32 aael_pcr(u32 fallback)
{
	return pcr < 0 ? fallback : pcr;
}

static int aael_register_tdx(bool emulated)
{
	return aael_register_tdx_init(&aael_reg, aael_pcr(AAEL_DEFAULT_TDX_PCR),
				      emulated, aael_test_unsafe);
}

static int aael_register_tpm(void)
{
	return aael_register_tpm_init(&aael_reg, aael_pcr(AAEL_DEFAULT_PCR),
				      aael_test_unsafe);
}

/* auto: a TDX guest's RTMR, else a TPM 2.0; never the software register. */
static int aael_register_auto(void)
{
	int rc;

	if (aael_tdx_guest()) {
		rc = aael_register_tdx(false);
		if (rc != -EOPNOTSUPP)
			return rc;
		aael_register_release(&aael_reg);
	}
	rc = aael_register_tpm();
	if (rc == -ENODEV)
		pr_err("no hardware register found; backend=software gives an emulated one (not hardware-backed)\n");
	return rc;
}

static int aael_register_init(void)
{
	if (!strcmp(backend, "auto"))
		return aael_register_auto();
	if (!strcmp(backend, "tpm"))
		return aael_register_tpm();
	if (!strcmp(backend, "tdx"))
		return aael_register_tdx(false);
	if (!strcmp(backend, "tdx-emulated"))
		return aael_register_tdx(true);
	if (!strcmp(backend, "software"))
		return aael_register_soft_init(&aael_reg,
					       aael_pcr(AAEL_DEFAULT_PCR),
					       banks);
	pr_err("backend=%s: expected auto, tdx, tpm, tdx-emulated or software\n",
	       backend);
	return -EINVAL;
}

static int __init aael_init(void)
{
	int rc;

	if (aael_test_unsafe)
		pr_warn("test_unsafe=1: PCR policy off and unloading allowed; never use this outside tests\n");
	rc = aael_register_init();
	if (rc)
		goto err_register;
	rc = aael_log_init(aael_reg.algs, aael_reg.nr_banks);
	if (rc)
		goto err_register;
	aael_status_publish();
	rc = aael_securityfs_init();
	if (rc)
		goto err_log;
	/*
	 * Last: once the family is registered a RECORD may come in, and no
	 * later step may fail and free a log that holds it. Records through
	 * securityfs wait for aael_measure_accept() for the same reason.
	 */
	rc = aael_netlink_init();
	if (rc)
		goto err_securityfs;
	aael_measure_accept();
	pr_info("logging to %s (backend %s, records numbered %u), %u bank(s)\n",
		aael_reg.name, aael_reg.backend, aael_reg.index,
		aael_reg.nr_banks);
	if (!aael_reg.hardware)
		pr_warn("the %s register is emulated in kernel memory and proves nothing to a verifier\n",
			aael_reg.backend);
	return 0;

err_securityfs:
	aael_securityfs_exit();
err_log:
	aael_log_destroy();
err_register:
	aael_register_release(&aael_reg);
	return rc;
}

/*
 * The family goes first: genl_unregister_family() waits for RECORDs in
 * flight (they hold no module reference); each of them found the module
 * going and extended nothing (aael_pin()).
 */
static void __exit aael_exit(void)
{
	aael_netlink_exit();
	aael_securityfs_exit();
	aael_log_destroy();
	aael_register_release(&aael_reg);
}

module_init(aael_init);
module_exit(aael_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Runtime attestation event log (AAEL) bound to a TPM PCR or TDX RTMR");
MODULE_AUTHOR("The aael developers");
/*
 * The hashes of every bank; and the TPM drivers of x86 VMs and hosts, so
 * that a load from modules-load.d cannot run before the TPM's chip is
 * registered (a modprobe returns once the driver has probed). Where they
 * are built in, as in Debian's kernels, this costs nothing.
 */
MODULE_SOFTDEP("pre: sha256 sha384 sha512 tpm_tis tpm_crb");
MODULE_VERSION("0.1.0");
