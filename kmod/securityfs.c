// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/security/aael/: the event file and the log readers, laid out
 * like IMA's runtime measurement files (see uapi/linux/aael.h).
 */
#include <linux/fs.h>
#include <linux/security.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/uaccess.h>
#include <linux/capability.h>
#include <linux/user_namespace.h>
#include "aael.h"

static struct dentry *aael_dir;
static struct dentry *aael_files[8];
static unsigned int aael_nr_files;

/* Capability of whoever opened the file, not of whoever writes to it. */
static bool aael_may_record(const struct file *file)
{
	return file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN);
}

static int aael_event_open(struct inode *inode, struct file *file)
{
	return aael_may_record(file) ? 0 : -EPERM;
}

static ssize_t aael_event_write(struct file *file, const char __user *buf,
				size_t count, loff_t *ppos)
{
	struct aael_event_fields fields;
	size_t max = READ_ONCE(aael_max_event_size);
	size_t len = count;
	char *text;
	int rc;

	if (!aael_may_record(file))
		return -EPERM;
	if (*ppos != 0 || !count)
		return -EINVAL;
	/* One trailing '\n' is tolerated beyond the limit: it is not text. */
	if (count > max + 1)
		return -E2BIG;
	text = vmemdup_user(buf, count);
	if (IS_ERR(text))
		return PTR_ERR(text);
	if (text[len - 1] == '\n')
		len--;
	if (len > max)
		rc = -E2BIG;
	else
		rc = aael_event_parse(text, len, &fields) ?:
		     aael_measure(text, len, NULL);
	kvfree(text);
	return rc ?: count;
}

static const struct file_operations aael_event_fops = {
	.owner = THIS_MODULE,
	.open = aael_event_open,
	.write = aael_event_write,
	.llseek = noop_llseek,
};

/*
 * Log readers. Position 0 of the binary log is the Spec ID header and
 * position n > 0 is record n - 1; in the ascii log position n is record n.
 */
static void *aael_binary_at(loff_t pos)
{
	if (pos == 0)
		return SEQ_START_TOKEN;
	return (void *)aael_log_record(pos - 1);
}

static void *aael_binary_start(struct seq_file *m, loff_t *pos)
{
	return aael_binary_at(*pos);
}

static void *aael_binary_next(struct seq_file *m, void *v, loff_t *pos)
{
	return aael_binary_at(++*pos);
}

static void aael_seq_stop(struct seq_file *m, void *v)
{
}

static int aael_binary_show(struct seq_file *m, void *v)
{
	const u8 *data = v;
	size_t len;

	if (v == SEQ_START_TOKEN)
		data = aael_log_header(&len);
	else
		len = aael_log_record_len(data);
	seq_write(m, data, len);
	return 0;
}

static const struct seq_operations aael_binary_sops = {
	.start = aael_binary_start,
	.next = aael_binary_next,
	.stop = aael_seq_stop,
	.show = aael_binary_show,
};

static void *aael_ascii_start(struct seq_file *m, loff_t *pos)
{
	return (void *)aael_log_record(*pos);
}

static void *aael_ascii_next(struct seq_file *m, void *v, loff_t *pos)
{
	return (void *)aael_log_record(++*pos);
}

/*
 * Control characters and '\' as \xHH, so that one record is one line
 * that shows what it holds: C0 and DEL bytes, and both bytes of a C1
 * control (U+0080..U+009F, UTF-8 c2 80..c2 9f: U+0085 is a line break to
 * some readers). The text is valid UTF-8, so 0xc2 always leads a pair.
 */
static void aael_seq_escape(struct seq_file *m, const char *s, u32 len)
{
	u32 i;

	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == 0xc2 && i + 1 < len && (u8)s[i + 1] >= 0x80 &&
		    (u8)s[i + 1] <= 0x9f) {
			seq_printf(m, "\\x%02x\\x%02x", c, (u8)s[i + 1]);
			i++;
		} else if (c < 0x20 || c == 0x7f || c == '\\') {
			seq_printf(m, "\\x%02x", c);
		} else {
			seq_putc(m, c);
		}
	}
}

static int aael_ascii_show(struct seq_file *m, void *v)
{
	const u8 *rec = v;
	const char *text;
	unsigned int i;
	u32 text_len;

	seq_printf(m, "%lld %u", m->index, aael_reg.index);
	for (i = 0; i < aael_reg.nr_banks; i++)
		seq_printf(m, " %s:%*phN", aael_alg_name(aael_reg.algs[i].alg_id),
			   aael_reg.algs[i].digest_size,
			   aael_record_digest((u8 *)rec, aael_reg.algs, i));
	text = aael_record_text(rec, aael_reg.algs, aael_reg.nr_banks,
				&text_len);
	seq_putc(m, ' ');
	aael_seq_escape(m, text, text_len);
	seq_putc(m, '\n');
	return 0;
}

static const struct seq_operations aael_ascii_sops = {
	.start = aael_ascii_start,
	.next = aael_ascii_next,
	.stop = aael_seq_stop,
	.show = aael_ascii_show,
};

DEFINE_SEQ_ATTRIBUTE(aael_binary);
DEFINE_SEQ_ATTRIBUTE(aael_ascii);

/* Small text files: one show function each, from the published status. */
static int aael_count_show(struct seq_file *m, void *v)
{
	struct aael_status st;

	aael_status_read(&st);
	seq_printf(m, "%llu\n", st.count);
	return 0;
}

static int aael_size_show(struct seq_file *m, void *v)
{
	struct aael_status st;

	aael_status_read(&st);
	seq_printf(m, "%llu\n", st.log_size);
	return 0;
}

static int aael_failures_show(struct seq_file *m, void *v)
{
	struct aael_status st;

	aael_status_read(&st);
	seq_printf(m, "%llu\n", st.failures);
	return 0;
}

static int aael_register_show(struct seq_file *m, void *v)
{
	unsigned int i;

	seq_printf(m, "backend: %s\n", aael_reg.backend);
	if (aael_reg.hardware)
		seq_puts(m, "hardware: yes\n");
	else
		seq_puts(m, "hardware: no (emulated in kernel memory: NOT hardware-backed, proves nothing to a verifier)\n");
	seq_printf(m, "register: %s\n", aael_reg.name);
	seq_printf(m, "index: %u\nbanks:", aael_reg.index);
	for (i = 0; i < aael_reg.nr_banks; i++)
		seq_printf(m, " %s", aael_alg_name(aael_reg.algs[i].alg_id));
	seq_printf(m, "\nstate: %s\n", aael_log_broken() ? "broken" : "ok");
	return 0;
}

static int aael_register_value_show(struct seq_file *m, void *v)
{
	struct aael_snapshot *snap;
	unsigned int i;
	int rc;

	/*
	 * Mode 0440 is not enough: a read waits for the writers and for the
	 * hardware, and holds them up (the uapi's access policy).
	 */
	if (!aael_may_record(m->file))
		return -EPERM;
	snap = kmalloc(sizeof(*snap), GFP_KERNEL);
	if (!snap)
		return -ENOMEM;
	rc = aael_snapshot(snap);
	for (i = 0; i < aael_reg.nr_banks && !rc; i++)
		seq_printf(m, "%s:%*phN\n",
			   aael_alg_name(aael_reg.algs[i].alg_id),
			   aael_reg.algs[i].digest_size, snap->values[i]);
	kfree(snap);
	return rc;
}

DEFINE_SHOW_ATTRIBUTE(aael_count);
DEFINE_SHOW_ATTRIBUTE(aael_size);
DEFINE_SHOW_ATTRIBUTE(aael_failures);
DEFINE_SHOW_ATTRIBUTE(aael_register);
DEFINE_SHOW_ATTRIBUTE(aael_register_value);

static const struct {
	const char *name;
	umode_t mode;
	const struct file_operations *fops;
} aael_file_table[] = {
	{ "event", 0200, &aael_event_fops },
	{ "binary_runtime_measurements", 0440, &aael_binary_fops },
	{ "ascii_runtime_measurements", 0440, &aael_ascii_fops },
	{ "runtime_measurements_count", 0444, &aael_count_fops },
	{ "log_size", 0444, &aael_size_fops },
	{ "extend_failures", 0444, &aael_failures_fops },
	{ "register", 0444, &aael_register_fops },
	{ "register_value", 0440, &aael_register_value_fops },
};

void aael_securityfs_exit(void)
{
	while (aael_nr_files)
		securityfs_remove(aael_files[--aael_nr_files]);
	securityfs_remove(aael_dir);
	aael_dir = NULL;
}

int aael_securityfs_init(void)
{
	unsigned int i;

	BUILD_BUG_ON(ARRAY_SIZE(aael_file_table) > ARRAY_SIZE(aael_files));
	aael_dir = securityfs_create_dir(AAEL_SECURITYFS_DIR, NULL);
	if (IS_ERR(aael_dir))
		return PTR_ERR(aael_dir);
	for (i = 0; i < ARRAY_SIZE(aael_file_table); i++) {
		struct dentry *d;

		d = securityfs_create_file(aael_file_table[i].name,
					   aael_file_table[i].mode, aael_dir,
					   NULL, aael_file_table[i].fops);
		if (IS_ERR(d)) {
			aael_securityfs_exit();
			return PTR_ERR(d);
		}
		aael_files[aael_nr_files++] = d;
	}
	return 0;
}
