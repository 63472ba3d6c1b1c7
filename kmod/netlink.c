// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "aael" (documented in uapi/linux/aael.h):
 * structured recording, status, incremental dumps and notifications.
 * Hand-written small ops so that 6.1 (no YNL, no split ops) builds too.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>
#include "aael.h"
#include "compat.h"

static struct genl_family aael_family;

/* extack messages (string literals for NL_SET_ERR_MSG) */
#define AAEL_NL_MSG_PERM \
	"the socket's opener and the sender both need CAP_SYS_ADMIN"
#define AAEL_NL_MSG_NAMES \
	"domain and operation must be non-empty, without whitespace or control bytes"
#define AAEL_NL_MSG_BROKEN \
	"the log is broken: the register may not match it; nothing is recorded until reboot"

/*
 * One policy per operation: an attribute another operation takes is as
 * foreign to this one as an unknown type (GET_STATUS takes none: the core
 * refuses every attribute of an operation without a policy).
 */
static const struct nla_policy aael_record_policy[AAEL_ATTR_CONTENT + 1] = {
	[AAEL_ATTR_DOMAIN] = { .type = NLA_NUL_STRING,
			       .len = AAEL_EVENT_SIZE_LIMIT },
	[AAEL_ATTR_OPERATION] = { .type = NLA_NUL_STRING,
				  .len = AAEL_EVENT_SIZE_LIMIT },
	[AAEL_ATTR_CONTENT] = { .type = NLA_NUL_STRING,
				.len = AAEL_EVENT_SIZE_LIMIT },
};

static const struct nla_policy aael_records_policy[AAEL_ATTR_SEQ + 1] = {
	[AAEL_ATTR_SEQ] = { .type = NLA_U64 },
};

/* Where a dump resumes: a u64 even where a long is 32 bits wide. */
struct aael_nl_dump_ctx {
	u64 seq;
};

static struct aael_nl_dump_ctx *aael_nl_dump_ctx(struct netlink_callback *cb)
{
	NL_ASSERT_CTX_FITS(struct aael_nl_dump_ctx);
	return (struct aael_nl_dump_ctx *)cb->ctx;
}

/*
 * Same rule as the event file, CAP_SYS_ADMIN in the initial namespace, for
 * both the socket's opener and the sender. netlink_capable() alone (and so
 * GENL_ADMIN_PERM, which the core checks before this, for CAP_NET_ADMIN)
 * skips the opener whenever the message names a destination
 * (NETLINK_SKB_DST: every sendto(), libnl's way), so a socket opened
 * unprivileged and handed to a privileged sender would pass.
 */
static bool aael_nl_may_record(const struct sk_buff *skb)
{
	return netlink_capable(skb, CAP_SYS_ADMIN) &&
	       sk_capable(NETLINK_CB(skb).sk, CAP_SYS_ADMIN);
}

static int aael_nl_string(struct genl_info *info, int type, const char **s,
			  size_t *len)
{
	struct nlattr *attr = info->attrs[type];

	if (GENL_REQ_ATTR_CHECK(info, type)) {
		GENL_SET_ERR_MSG(info, "domain, operation and content are required");
		return -EINVAL;
	}
	*s = nla_data(attr);
	*len = strnlen(*s, nla_len(attr));
	if (*len + 1 != nla_len(attr)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "embedded NUL byte");
		return -EINVAL;
	}
	return 0;
}

/* Digests of a record, or with rec NULL the register's value. */
static int aael_nl_put_digests(struct sk_buff *skb, int type,
			       u8 (*values)[AAEL_MAX_DIGEST], const u8 *rec)
{
	struct nlattr *list, *one;
	unsigned int i;

	list = nla_nest_start(skb, type);
	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < aael_reg.nr_banks; i++) {
		const u8 *value = rec ? aael_record_digest((u8 *)rec,
							    aael_reg.algs, i)
				      : values[i];

		one = nla_nest_start(skb, AAEL_ATTR_DIGEST);
		if (!one ||
		    nla_put_u16(skb, AAEL_DIGEST_ALG, aael_reg.algs[i].alg_id) ||
		    nla_put(skb, AAEL_DIGEST_VALUE,
			    aael_reg.algs[i].digest_size, value))
			return -EMSGSIZE;
		nla_nest_end(skb, one);
	}
	nla_nest_end(skb, list);
	return 0;
}

/* Room for a record reply: the record, its digests once more, headers. */
static size_t aael_nl_record_msg_size(size_t text_len)
{
	size_t rec = aael_record_size(aael_reg.algs, aael_reg.nr_banks,
				      text_len);

	return nla_total_size(rec) + 2 * nla_total_size_64bit(8) +
	       nla_total_size(4) + nla_total_size(0) +
	       aael_reg.nr_banks * (nla_total_size(0) + nla_total_size(2) +
				    nla_total_size(AAEL_MAX_DIGEST));
}

static int aael_nl_fill_record(struct sk_buff *msg, u64 seq)
{
	const u8 *rec = aael_log_record(seq);

	if (!rec)
		return -ENOENT;
	if (nla_put_u64_64bit(msg, AAEL_ATTR_SEQ, seq, AAEL_ATTR_PAD) ||
	    nla_put_u32(msg, AAEL_ATTR_INDEX, aael_reg.index) ||
	    aael_nl_put_digests(msg, AAEL_ATTR_DIGESTS, NULL, rec) ||
	    nla_put(msg, AAEL_ATTR_RECORD, aael_log_record_len(rec), rec))
		return -EMSGSIZE;
	return 0;
}

static int aael_nl_record(struct sk_buff *skb, struct genl_info *info)
{
	struct aael_event_fields f;
	struct aael_measurement m;
	struct sk_buff *msg;
	void *hdr, *attrs;
	size_t len;
	char *text;
	int rc;

	if (!aael_nl_may_record(skb)) {
		GENL_SET_ERR_MSG(info, AAEL_NL_MSG_PERM);
		return -EPERM;
	}
	rc = aael_nl_string(info, AAEL_ATTR_DOMAIN, &f.domain,
			    &f.domain_len) ?:
	     aael_nl_string(info, AAEL_ATTR_OPERATION, &f.operation,
			    &f.operation_len) ?:
	     aael_nl_string(info, AAEL_ATTR_CONTENT, &f.content,
			    &f.content_len);
	if (rc)
		return rc;
	rc = aael_event_check(&f);
	if (rc == -EILSEQ)
		GENL_SET_ERR_MSG(info, "event text is not valid UTF-8");
	else if (rc)
		GENL_SET_ERR_MSG(info, AAEL_NL_MSG_NAMES);
	if (rc)
		return rc;
	len = aael_event_text_size(&f);
	if (len > READ_ONCE(aael_max_event_size)) {
		GENL_SET_ERR_MSG(info, "event text longer than max_event_size");
		return -E2BIG;
	}

	/* Allocated up front: once recorded, the reply must not fail. */
	msg = genlmsg_new(aael_nl_record_msg_size(len), GFP_KERNEL);
	text = kvmalloc(len, GFP_KERNEL);
	if (!msg || !text) {
		nlmsg_free(msg);
		kvfree(text);
		return -ENOMEM;
	}
	aael_event_join(text, &f);
	rc = aael_measure(text, len, &m);
	kvfree(text);
	if (rc == -ENOTRECOVERABLE)
		GENL_SET_ERR_MSG(info, AAEL_NL_MSG_BROKEN);
	if (rc) {
		nlmsg_free(msg);
		return rc;
	}
	hdr = genlmsg_put_reply(msg, info, &aael_family, 0, AAEL_CMD_RECORD);
	if (WARN_ON_ONCE(!hdr)) {	/* sized above */
		nlmsg_free(msg);
		return 0;
	}
	attrs = skb_tail_pointer(msg);
	/*
	 * Sized above, so this cannot fail; were it to, the reply still goes
	 * out (empty): clients that send no NLM_F_ACK wait for it.
	 */
	if (WARN_ON_ONCE(aael_nl_fill_record(msg, m.seq)))
		nlmsg_trim(msg, attrs);
	genlmsg_end(msg, hdr);
	/* Recorded: a reply lost to a full socket buffer is not an error. */
	genlmsg_reply(msg, info);
	return 0;
}

/*
 * The register's value only to the privileged, read under the writers'
 * lock with the status of that moment; everyone else gets the published
 * status, which waits for no writer and no hardware (uapi: access policy).
 */
static int aael_nl_status(struct sk_buff *skb, struct genl_info *info)
{
	bool with_register = aael_nl_may_record(skb);
	struct aael_snapshot *snap;
	struct sk_buff *msg;
	void *hdr;
	int rc;

	snap = kmalloc(sizeof(*snap), GFP_KERNEL);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!snap || !msg) {
		rc = -ENOMEM;
		goto err;
	}
	if (with_register) {
		rc = aael_snapshot(snap);
		if (rc)
			goto err;
	} else {
		aael_status_read(&snap->status);
	}
	hdr = genlmsg_put_reply(msg, info, &aael_family, 0,
				AAEL_CMD_GET_STATUS);
	rc = -EMSGSIZE;
	if (!hdr ||
	    nla_put_string(msg, AAEL_ATTR_BACKEND, aael_reg.backend) ||
	    nla_put_u8(msg, AAEL_ATTR_HARDWARE, aael_reg.hardware) ||
	    nla_put_u32(msg, AAEL_ATTR_INDEX, aael_reg.index) ||
	    nla_put_u64_64bit(msg, AAEL_ATTR_COUNT, snap->status.count,
			      AAEL_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, AAEL_ATTR_LOG_SIZE, snap->status.log_size,
			      AAEL_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, AAEL_ATTR_FAILURES, snap->status.failures,
			      AAEL_ATTR_PAD) ||
	    nla_put_u32(msg, AAEL_ATTR_MAX_EVENT,
			READ_ONCE(aael_max_event_size)) ||
	    nla_put_u64_64bit(msg, AAEL_ATTR_MAX_LOG,
			      READ_ONCE(aael_max_log_size), AAEL_ATTR_PAD) ||
	    (with_register &&
	     aael_nl_put_digests(msg, AAEL_ATTR_REGISTER, snap->values,
				 NULL)) ||
	    nla_put_u8(msg, AAEL_ATTR_STATE,
		       snap->status.broken ? AAEL_STATE_BROKEN :
					     AAEL_STATE_OK))
		goto err;
	genlmsg_end(msg, hdr);
	kfree(snap);
	return genlmsg_reply(msg, info);
err:
	nlmsg_free(msg);
	kfree(snap);
	return rc;
}

static int aael_nl_records_start(struct netlink_callback *cb)
{
	struct nlattr *seq = aael_dumpit_attrs(cb)[AAEL_ATTR_SEQ];
	size_t largest;

	if (!aael_nl_may_record(cb->skb)) {
		NL_SET_ERR_MSG(cb->extack, AAEL_NL_MSG_PERM);
		return -EPERM;
	}
	aael_nl_dump_ctx(cb)->seq = seq ? nla_get_u64(seq) : 0;
	/* Every record fits in one dump message. */
	largest = aael_record_size(aael_reg.algs, aael_reg.nr_banks,
				   AAEL_EVENT_SIZE_LIMIT);
	cb->min_dump_alloc = NLMSG_HDRLEN + GENL_HDRLEN +
			     nla_total_size(largest) +
			     nla_total_size_64bit(8);
	return 0;
}

static int aael_nl_records_dump(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct aael_nl_dump_ctx *ctx = aael_nl_dump_ctx(cb);
	u64 first = ctx->seq;
	const u8 *rec;
	void *hdr;

	/* Compared as u64 first: a long may not hold the client's seq. */
	for (; ctx->seq < aael_log_count(); ctx->seq++) {
		rec = aael_log_record(ctx->seq);
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &aael_family, NLM_F_MULTI,
				  AAEL_CMD_GET_RECORDS);
		if (!hdr)
			break;
		if (nla_put_u64_64bit(skb, AAEL_ATTR_SEQ, ctx->seq,
				      AAEL_ATTR_PAD) ||
		    nla_put(skb, AAEL_ATTR_RECORD, aael_log_record_len(rec),
			    rec)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
	}
	if (ctx->seq == first && first < aael_log_count())
		return -EMSGSIZE;	/* cannot happen: see min_dump_alloc */
	return skb->len;
}

/*
 * GENL_ADMIN_PERM: the core's own check (CAP_NET_ADMIN of the sender or,
 * for write(), of the opener) refuses before any of our code runs; the ops
 * then add CAP_SYS_ADMIN of opener and sender (aael_nl_may_record()).
 */
static const struct genl_ops aael_ops[] = {
	{
		.cmd = AAEL_CMD_RECORD,
		.doit = aael_nl_record,
		.policy = aael_record_policy,
		.maxattr = ARRAY_SIZE(aael_record_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = AAEL_CMD_GET_STATUS,
		.doit = aael_nl_status,
	},
	{
		.cmd = AAEL_CMD_GET_RECORDS,
		.start = aael_nl_records_start,
		.dumpit = aael_nl_records_dump,
		.policy = aael_records_policy,
		.maxattr = ARRAY_SIZE(aael_records_policy) - 1,
		.flags = GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group aael_mcgrps[] = {
	{ .name = AAEL_GENL_MCGRP },
};

static struct genl_family aael_family __ro_after_init = {
	.name = AAEL_GENL_NAME,
	.version = AAEL_GENL_VERSION,
	.netnsok = false,
	/*
	 * Our ops take only aael's own locks. Without this, genetlink runs
	 * every op under the global genl_mutex: one TPM extend would stall
	 * every generic netlink family on the machine, and our own readers
	 * (status, dumps) would queue behind writers for nothing.
	 */
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = aael_ops,
	.n_ops = ARRAY_SIZE(aael_ops),
	/*
	 * Zero: every operation is checked as a new one -- reserved header
	 * bits and unknown nlmsg_flags refused, attributes only by the
	 * operation's policy, strictly.
	 */
	.resv_start_op = 0,
	.mcgrps = aael_mcgrps,
	.n_mcgrps = ARRAY_SIZE(aael_mcgrps),
};

void aael_netlink_notify(u64 seq)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&aael_family, &init_net, 0))
		return;
	msg = genlmsg_new(nla_total_size_64bit(8) + nla_total_size(4),
			  GFP_KERNEL);
	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &aael_family, 0, AAEL_CMD_NEW_RECORD);
	if (!hdr ||
	    nla_put_u64_64bit(msg, AAEL_ATTR_SEQ, seq, AAEL_ATTR_PAD) ||
	    nla_put_u32(msg, AAEL_ATTR_INDEX, aael_reg.index)) {
		nlmsg_free(msg);
		return;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&aael_family, msg, 0, 0, GFP_KERNEL);
}

int aael_netlink_init(void)
{
	return genl_register_family(&aael_family);
}

void aael_netlink_exit(void)
{
	genl_unregister_family(&aael_family);
}
