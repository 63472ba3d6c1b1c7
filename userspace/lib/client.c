// SPDX-License-Identifier: LGPL-2.1-or-later
/* libaael's kernel channel: the "aael" generic netlink family, on libnl-3. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "aael.h"
#include "internal.h"
#include "util.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct aael_client {
	struct nl_sock *sk;
	struct nl_sock *events;		/* multicast, opened by follow */
	int family;
	int group;
};

/* What one request's replies leave behind. */
struct reply {
	int error;
	int stopped;			/* what a callback stopped with */
	bool done;
	bool single;			/* a doit: its one reply ends it */
	char *err;
	int (*valid)(struct nlattr **tb, void *arg);
	void *arg;
};

static const struct nla_policy attr_policy[AAEL_ATTR_MAX + 1] = {
	[AAEL_ATTR_SEQ] = { .type = NLA_U64 },
	[AAEL_ATTR_INDEX] = { .type = NLA_U32 },
	[AAEL_ATTR_HARDWARE] = { .type = NLA_U8 },
	[AAEL_ATTR_COUNT] = { .type = NLA_U64 },
	[AAEL_ATTR_LOG_SIZE] = { .type = NLA_U64 },
	[AAEL_ATTR_FAILURES] = { .type = NLA_U64 },
	[AAEL_ATTR_STATE] = { .type = NLA_U8 },
	[AAEL_ATTR_MAX_EVENT] = { .type = NLA_U32 },
	[AAEL_ATTR_MAX_LOG] = { .type = NLA_U64 },
	[AAEL_ATTR_DIGESTS] = { .type = NLA_NESTED },
	[AAEL_ATTR_REGISTER] = { .type = NLA_NESTED },
	[AAEL_ATTR_BACKEND] = { .type = NLA_STRING },
};

static const struct nla_policy digest_policy[AAEL_DIGEST_MAX + 1] = {
	[AAEL_DIGEST_ALG] = { .type = NLA_U16 },
};

/* The kernel's extended-ack message, if the error carries one. */
static const char *extack_msg(struct nlmsgerr *e)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	size_t off = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + off)
		return NULL;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off),
		      (int)(nlh->nlmsg_len - NLMSG_HDRLEN - off), NULL) ||
	    !tb[NLMSGERR_ATTR_MSG])
		return NULL;
	return nla_get_string(tb[NLMSGERR_ATTR_MSG]);
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct reply *r = arg;
	const char *msg = extack_msg(e);

	(void)who;
	r->error = e->error;
	r->done = true;
	aael_seterr(r->err, 0, "%s%s%s", strerror(-e->error), msg ? ": " : "",
		    msg ? msg : "");
	return NL_STOP;
}

static int on_done(struct nl_msg *msg, void *arg)
{
	(void)msg;
	((struct reply *)arg)->done = true;
	return NL_STOP;
}

/* Every reply's attributes, by the one policy (aael_decode_reply too). */
static int parse_reply(struct nlmsghdr *nlh, struct nlattr **tb)
{
	return genlmsg_parse(nlh, 0, tb, AAEL_ATTR_MAX,
			     (struct nla_policy *)attr_policy);
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct reply *r = arg;
	struct nlattr *tb[AAEL_ATTR_MAX + 1];
	int rc;

	/* After a stop or an error, read on to the end to stay in sync. */
	if (r->stopped || r->error)
		return NL_OK;
	if (parse_reply(nlmsg_hdr(msg), tb)) {
		r->error = -EPROTO;
		aael_seterr(r->err, 0, "malformed reply from the kernel");
		return NL_OK;
	}
	rc = r->valid ? r->valid(tb, r->arg) : 0;
	if (r->single)
		r->done = true;
	if (rc < 0) {
		r->error = rc;
		aael_seterr(r->err, 0, "unexpected reply from the kernel");
	} else if (rc > 0) {
		r->stopped = rc;
	}
	return NL_OK;
}

/* Send msg (consumed) and run callbacks until its ack, error or dump end. */
static int transact(struct aael_client *c, struct nl_msg *msg,
		    struct reply *r)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int rc;

	if (!cb) {
		nlmsg_free(msg);
		return aael_seterr(r->err, -ENOMEM, "out of memory");
	}
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_done, r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, r);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, r);
	rc = nl_send_auto(c->sk, msg);
	nlmsg_free(msg);
	if (rc < 0) {
		nl_cb_put(cb);
		return aael_seterr(r->err, -EIO, "netlink send: %s", nl_geterror(rc));
	}
	while (!r->done) {
		rc = nl_recvmsgs(c->sk, cb);
		if (rc < 0 && !r->error) {
			r->error = -EIO;
			aael_seterr(r->err, 0, "netlink receive: %s", nl_geterror(rc));
			break;
		}
	}
	nl_cb_put(cb);
	return r->error ? r->error : r->stopped;
}

/* payload: bytes of attributes the request will carry */
static struct nl_msg *request(struct aael_client *c, uint8_t cmd, int flags,
			      size_t payload)
{
	struct nl_msg *msg = nlmsg_alloc_size(NLMSG_HDRLEN + GENL_HDRLEN +
					      payload + 64);

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0,
				flags, cmd, AAEL_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

static struct nl_sock *connect_socket(char *err)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1;

	if (!sk) {
		aael_seterr(err, 0, "out of memory");
		return NULL;
	}
	if (genl_connect(sk)) {
		aael_seterr(err, 0, "cannot open a generic netlink socket");
		nl_socket_free(sk);
		return NULL;
	}
	/* Dump messages carry whole records (up to ~60 KiB). */
	nl_socket_enable_msg_peek(sk);
	nl_socket_set_buffer_size(sk, 1 << 20, 0);
	/* Requests set NLM_F_ACK themselves where they want one. */
	nl_socket_disable_auto_ack(sk);
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		   sizeof(one));
	return sk;
}

int aael_client_open(struct aael_client **client, char *err)
{
	struct aael_client *c = calloc(1, sizeof(*c));

	if (!c)
		return aael_seterr(err, -ENOMEM, "out of memory");
	c->sk = connect_socket(err);
	if (!c->sk) {
		free(c);
		return -EIO;
	}
	c->family = genl_ctrl_resolve(c->sk, AAEL_GENL_NAME);
	c->group = genl_ctrl_resolve_grp(c->sk, AAEL_GENL_NAME,
					 AAEL_GENL_MCGRP);
	if (c->family < 0 || c->group < 0) {
		aael_client_close(c);
		return aael_seterr(err, -ENOENT,
				   "no \"%s\" netlink family: is aael.ko loaded?",
				   AAEL_GENL_NAME);
	}
	*client = c;
	return 0;
}

void aael_client_close(struct aael_client *c)
{
	if (!c)
		return;
	nl_socket_free(c->sk);
	if (c->events)
		nl_socket_free(c->events);
	free(c);
}

static void get_digests(struct nlattr *list, struct aael_digest *out,
			unsigned int *n)
{
	struct nlattr *one;
	int rem;

	*n = 0;
	nla_for_each_nested(one, list, rem) {
		struct nlattr *tb[AAEL_DIGEST_MAX + 1];

		if (*n == AAEL_MAX_BANKS ||
		    nla_parse_nested(tb, AAEL_DIGEST_MAX, one,
				     (struct nla_policy *)digest_policy) ||
		    !tb[AAEL_DIGEST_ALG] || !tb[AAEL_DIGEST_VALUE] ||
		    nla_len(tb[AAEL_DIGEST_VALUE]) > AAEL_MAX_DIGEST)
			continue;
		out[*n].alg = nla_get_u16(tb[AAEL_DIGEST_ALG]);
		out[*n].size = (uint16_t)nla_len(tb[AAEL_DIGEST_VALUE]);
		memcpy(out[*n].bytes, nla_data(tb[AAEL_DIGEST_VALUE]),
		       out[*n].size);
		(*n)++;
	}
}

static int recorded_reply(struct nlattr **tb, void *arg)
{
	struct aael_recorded *out = arg;

	if (!tb[AAEL_ATTR_SEQ] || !tb[AAEL_ATTR_INDEX] || !tb[AAEL_ATTR_DIGESTS])
		return -EPROTO;
	out->seq = nla_get_u64(tb[AAEL_ATTR_SEQ]);
	out->index = nla_get_u32(tb[AAEL_ATTR_INDEX]);
	get_digests(tb[AAEL_ATTR_DIGESTS], out->digests, &out->nr_digests);
	return 0;
}

int aael_client_record(struct aael_client *c, const char *domain,
		       const char *operation, const char *content,
		       struct aael_recorded *out, char *err)
{
	struct aael_recorded ignored;
	struct reply r = { .err = err, .valid = recorded_reply, .single = true,
			   .arg = out ? out : &ignored };
	/* No NLM_F_ACK: the reply (or an error) answers; an ack would cost a
	 * message and two receives more per record.
	 */
	struct nl_msg *msg = request(c, AAEL_CMD_RECORD, 0,
				     3 * NLA_HDRLEN + strlen(domain) +
				     strlen(operation) + strlen(content) + 12);

	if (!msg)
		return aael_seterr(err, -ENOMEM, "out of memory");
	if (nla_put_string(msg, AAEL_ATTR_DOMAIN, domain) ||
	    nla_put_string(msg, AAEL_ATTR_OPERATION, operation) ||
	    nla_put_string(msg, AAEL_ATTR_CONTENT, content)) {
		nlmsg_free(msg);
		return aael_seterr(err, -E2BIG, "event too large for one message");
	}
	if (out)
		memset(out, 0, sizeof(*out));
	return transact(c, msg, &r);
}

static int status_reply(struct nlattr **tb, void *arg)
{
	struct aael_status *st = arg;

	if (!tb[AAEL_ATTR_BACKEND] || !tb[AAEL_ATTR_COUNT] ||
	    !tb[AAEL_ATTR_INDEX])
		return -EPROTO;
	snprintf(st->backend, sizeof(st->backend), "%s",
		 nla_get_string(tb[AAEL_ATTR_BACKEND]));
	st->hardware = tb[AAEL_ATTR_HARDWARE] &&
		       nla_get_u8(tb[AAEL_ATTR_HARDWARE]);
	st->index = nla_get_u32(tb[AAEL_ATTR_INDEX]);
	st->count = nla_get_u64(tb[AAEL_ATTR_COUNT]);
	if (tb[AAEL_ATTR_LOG_SIZE])
		st->log_size = nla_get_u64(tb[AAEL_ATTR_LOG_SIZE]);
	if (tb[AAEL_ATTR_FAILURES])
		st->failures = nla_get_u64(tb[AAEL_ATTR_FAILURES]);
	if (tb[AAEL_ATTR_MAX_EVENT])
		st->max_event = nla_get_u32(tb[AAEL_ATTR_MAX_EVENT]);
	if (tb[AAEL_ATTR_MAX_LOG])
		st->max_log = nla_get_u64(tb[AAEL_ATTR_MAX_LOG]);
	/* Sent to privileged requesters only (uapi: access policy). */
	st->nr_banks = 0;
	if (tb[AAEL_ATTR_REGISTER])
		get_digests(tb[AAEL_ATTR_REGISTER], st->value, &st->nr_banks);
	/* Absent from kernels that cannot break the log. */
	st->broken = tb[AAEL_ATTR_STATE] &&
		     nla_get_u8(tb[AAEL_ATTR_STATE]) != AAEL_STATE_OK;
	return 0;
}

int aael_client_status(struct aael_client *c, struct aael_status *out,
		       char *err)
{
	struct reply r = { .err = err, .valid = status_reply, .single = true,
			   .arg = out };
	struct nl_msg *msg = request(c, AAEL_CMD_GET_STATUS, 0, 0);

	if (!msg)
		return aael_seterr(err, -ENOMEM, "out of memory");
	memset(out, 0, sizeof(*out));
	return transact(c, msg, &r);
}

struct dump_state {
	aael_record_fn fn;
	void *arg;
	uint64_t next;
};

static int dump_reply(struct nlattr **tb, void *arg)
{
	struct dump_state *d = arg;
	uint64_t seq;

	if (!tb[AAEL_ATTR_SEQ] || !tb[AAEL_ATTR_RECORD])
		return -EPROTO;
	seq = nla_get_u64(tb[AAEL_ATTR_SEQ]);
	if (seq != d->next)
		return -EPROTO;	/* the log is append-only: never a gap */
	d->next = seq + 1;
	return d->fn(seq, nla_data(tb[AAEL_ATTR_RECORD]),
		     (size_t)nla_len(tb[AAEL_ATTR_RECORD]), d->arg);
}

static int dump_from(struct aael_client *c, struct dump_state *d, char *err)
{
	struct reply r = { .err = err, .valid = dump_reply, .arg = d };
	struct nl_msg *msg = request(c, AAEL_CMD_GET_RECORDS, NLM_F_DUMP,
				     NLA_HDRLEN + 8);

	if (!msg)
		return aael_seterr(err, -ENOMEM, "out of memory");
	nla_put_u64(msg, AAEL_ATTR_SEQ, d->next);
	return transact(c, msg, &r);
}

int aael_client_dump(struct aael_client *c, uint64_t from, aael_record_fn fn,
		     void *arg, char *err)
{
	struct dump_state d = { .fn = fn, .arg = arg, .next = from };

	return dump_from(c, &d, err);
}

static int ignore_seq(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

/*
 * Read every queued notification, so that a burst of them costs one dump.
 * nl_recvmsgs() folds the count of messages read into 0, which would stop
 * after the first datagram; the _report variant returns it, and 0 once the
 * non-blocking socket is empty. An error (ENOBUFS after an overrun) ends
 * the drain too: the dump that follows catches up from the last sequence.
 */
static void drain(struct nl_sock *sk)
{
	struct nl_cb *cb = nl_socket_get_cb(sk);

	if (!cb)
		return;
	while (nl_recvmsgs_report(sk, cb) > 0)
		;
	nl_cb_put(cb);
}

/*
 * Subscribe first, then dump: a record made in between is announced after
 * the subscription, so none is missed. Notifications only say "there is
 * more"; records always come from dumps, in order, with no gap, so a lost
 * notification (ENOBUFS) costs nothing.
 */
int aael_client_follow(struct aael_client *c, uint64_t from,
		       aael_record_fn fn, void *arg, char *err)
{
	struct dump_state d = { .fn = fn, .arg = arg, .next = from };
	struct pollfd pfd;
	int rc;

	if (!c->events) {
		c->events = connect_socket(err);
		if (!c->events)
			return -EIO;
		nl_socket_disable_seq_check(c->events);
		nl_socket_modify_cb(c->events, NL_CB_VALID, NL_CB_CUSTOM,
				    ignore_seq, NULL);
		nl_socket_set_nonblocking(c->events);
		if (nl_socket_add_membership(c->events, c->group))
			return aael_seterr(err, -EIO, "cannot join the \"%s\" group",
					   AAEL_GENL_MCGRP);
	}
	pfd.fd = nl_socket_get_fd(c->events);
	pfd.events = POLLIN;
	for (;;) {
		rc = dump_from(c, &d, err);
		if (rc)
			return rc;
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return aael_seterr(err, -errno, "poll: %s", strerror(errno));
		drain(c->events);
	}
}

static int decode_check(uint64_t seq, const uint8_t *rec, size_t len, void *arg)
{
	struct aael_log_digest ds[AAEL_MAX_BANKS];
	struct aael_log_event ev;
	char err[AAEL_ERRLEN];

	(void)seq;
	(void)arg;
	return aael_event_decode(rec, len, &ev, ds, err) ? -EPROTO : 0;
}

int aael_decode_reply(const uint8_t *buf, size_t len, uint8_t cmd, void *out,
		      char *err)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	struct nlattr *tb[AAEL_ATTR_MAX + 1];
	struct dump_state d = { .fn = decode_check };

	if (len < NLMSG_HDRLEN + GENL_HDRLEN || nlh->nlmsg_len > len)
		return aael_seterr(err, -EPROTO, "short message");
	if (parse_reply((struct nlmsghdr *)nlh, tb))
		return aael_seterr(err, -EPROTO, "malformed reply from the kernel");
	switch (cmd) {
	case AAEL_CMD_RECORD:
		return recorded_reply(tb, out);
	case AAEL_CMD_GET_STATUS:
		return status_reply(tb, out);
	case AAEL_CMD_GET_RECORDS:
		d.next = *(uint64_t *)out;
		return dump_reply(tb, &d);
	}
	return aael_seterr(err, -EINVAL, "unknown command %u", cmd);
}
