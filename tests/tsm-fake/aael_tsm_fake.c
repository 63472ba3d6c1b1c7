// SPDX-License-Identifier: GPL-2.0
/*
 * TESTS ONLY. A configfs-tsm report provider for guests that are not TDX
 * guests, so that aaeld's tdx evidence provider can be tested against the
 * kernel's real configfs-tsm interface: mkdir a report, write its inblob,
 * read its outblob. The "quote" is the marker "AAEL-FAKE-TD-QUOTE" then the
 * 64-byte inblob, so a test can check that the report data arrived; it
 * proves nothing, and a verifier must never accept it.
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tsm.h>

#define FAKE_MARKER "AAEL-FAKE-TD-QUOTE"

/* Newer kernels renamed the report provider interface (see Kbuild). */
#ifdef AAEL_TSM_REPORT_OPS
#define FAKE_INBLOB_MAX TSM_REPORT_INBLOB_MAX
#define fake_ops_t tsm_report_ops
#define fake_register tsm_report_register
#define fake_unregister tsm_report_unregister
#else
#define FAKE_INBLOB_MAX TSM_INBLOB_MAX
#define fake_ops_t tsm_ops
#define fake_register tsm_register
#define fake_unregister tsm_unregister
#endif

static int fake_report_new(struct tsm_report *report, void *data)
{
	size_t len = strlen(FAKE_MARKER) + FAKE_INBLOB_MAX;
	u8 *out = kmalloc(len, GFP_KERNEL);

	if (!out)
		return -ENOMEM;
	memcpy(out, FAKE_MARKER, strlen(FAKE_MARKER));
	memcpy(out + strlen(FAKE_MARKER), report->desc.inblob, FAKE_INBLOB_MAX);
	report->outblob = out;
	report->outblob_len = len;
	return 0;
}

static const struct fake_ops_t fake_ops = {
	.name = "aael-fake",
	.report_new = fake_report_new,
};

static int __init fake_init(void)
{
	return fake_register(&fake_ops, NULL);
}

static void __exit fake_exit(void)
{
	fake_unregister(&fake_ops);
}

module_init(fake_init);
module_exit(fake_exit);
MODULE_DESCRIPTION("TESTS ONLY: a fake configfs-tsm report provider");
MODULE_LICENSE("GPL");
