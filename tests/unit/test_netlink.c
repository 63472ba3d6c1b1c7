// SPDX-License-Identifier: GPL-2.0
/*
 * libaael's decoding of the kernel's replies, on messages built with libnl
 * as the kernel would send them, and on malformed ones it must refuse.
 */
#include <errno.h>
#include <string.h>
#include <netlink/genl/genl.h>

#include "unit.h"
#include "aael.h"
#include "../../userspace/lib/internal.h"

static struct nl_msg *reply(uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc();

	assert_non_null(m);
	assert_non_null(genlmsg_put(m, 0, 1, 0x20, 0, 0, cmd, AAEL_GENL_VERSION));
	return m;
}

static void put_digest(struct nl_msg *m, uint16_t alg, size_t len, uint8_t fill)
{
	struct nlattr *d = nla_nest_start(m, AAEL_ATTR_DIGEST);
	uint8_t v[AAEL_MAX_DIGEST + 8];

	memset(v, fill, sizeof(v));
	assert_int_equal(nla_put_u16(m, AAEL_DIGEST_ALG, alg), 0);
	assert_int_equal(nla_put(m, AAEL_DIGEST_VALUE, (int)len, v), 0);
	nla_nest_end(m, d);
}

static int decode(struct nl_msg *m, uint8_t cmd, void *out)
{
	char err[AAEL_ERRLEN];
	struct nlmsghdr *h = nlmsg_hdr(m);
	int rc = aael_decode_reply((const uint8_t *)h, h->nlmsg_len, cmd, out, err);

	nlmsg_free(m);
	return rc;
}

static struct nl_msg *status_msg(const void *backend, int backend_len)
{
	struct nl_msg *m = reply(AAEL_CMD_GET_STATUS);
	struct nlattr *reg;

	assert_int_equal(nla_put(m, AAEL_ATTR_BACKEND, backend_len, backend), 0);
	assert_int_equal(nla_put_u8(m, AAEL_ATTR_HARDWARE, 1), 0);
	assert_int_equal(nla_put_u32(m, AAEL_ATTR_INDEX, 23), 0);
	assert_int_equal(nla_put_u64(m, AAEL_ATTR_COUNT, 5), 0);
	reg = nla_nest_start(m, AAEL_ATTR_REGISTER);
	put_digest(m, AAEL_ALG_SHA256, 32, 0xab);
	put_digest(m, AAEL_ALG_SHA384, 48, 0xcd);
	nla_nest_end(m, reg);
	return m;
}

static void test_status(void **state)
{
	struct aael_status st;

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_int_equal(decode(status_msg("tpm", 4), AAEL_CMD_GET_STATUS, &st), 0);
	assert_string_equal(st.backend, "tpm");
	assert_true(st.hardware);
	assert_int_equal(st.index, 23);
	assert_int_equal(st.count, 5);
	assert_int_equal(st.nr_banks, 2);
	assert_int_equal(st.value[1].alg, AAEL_ALG_SHA384);
	assert_int_equal(st.value[1].size, 48);
	assert_int_equal(st.value[1].bytes[47], 0xcd);
}

/* An unprivileged requester's reply: everything but the register. */
static void test_status_without_register(void **state)
{
	struct nl_msg *m = reply(AAEL_CMD_GET_STATUS);
	struct aael_status st;

	(void)state;
	memset(&st, 0xff, sizeof(st));
	assert_int_equal(nla_put_string(m, AAEL_ATTR_BACKEND, "tpm"), 0);
	assert_int_equal(nla_put_u32(m, AAEL_ATTR_INDEX, 23), 0);
	assert_int_equal(nla_put_u64(m, AAEL_ATTR_COUNT, 7), 0);
	assert_int_equal(nla_put_u64(m, AAEL_ATTR_LOG_SIZE, 900), 0);
	assert_int_equal(decode(m, AAEL_CMD_GET_STATUS, &st), 0);
	assert_int_equal(st.count, 7);
	assert_int_equal(st.log_size, 900);
	assert_int_equal(st.nr_banks, 0);
}

static void test_malformed(void **state)
{
	struct aael_status st;
	struct aael_recorded rec;
	struct nl_msg *m;
	uint64_t next = 3;

	(void)state;
	/* a backend name without its NUL would be read past its end */
	assert_int_equal(decode(status_msg("tpmX", 4), AAEL_CMD_GET_STATUS, &st),
			 -EPROTO);
	/* COUNT shorter than a u64 */
	m = reply(AAEL_CMD_GET_STATUS);
	assert_int_equal(nla_put_string(m, AAEL_ATTR_BACKEND, "tpm"), 0);
	assert_int_equal(nla_put_u32(m, AAEL_ATTR_COUNT, 1), 0);
	assert_int_equal(decode(m, AAEL_CMD_GET_STATUS, &st), -EPROTO);
	/* a digest value longer than any digest is skipped, not copied */
	m = reply(AAEL_CMD_RECORD);
	assert_int_equal(nla_put_u64(m, AAEL_ATTR_SEQ, 1), 0);
	assert_int_equal(nla_put_u32(m, AAEL_ATTR_INDEX, 23), 0);
	{
		struct nlattr *ds = nla_nest_start(m, AAEL_ATTR_DIGESTS);

		put_digest(m, AAEL_ALG_SHA256, AAEL_MAX_DIGEST + 8, 1);
		put_digest(m, AAEL_ALG_SHA256, 32, 2);
		nla_nest_end(m, ds);
	}
	assert_int_equal(decode(m, AAEL_CMD_RECORD, &rec), 0);
	assert_int_equal(rec.nr_digests, 1);
	assert_int_equal(rec.digests[0].bytes[0], 2);
	/* a digest algorithm of one byte is refused by the policy */
	m = reply(AAEL_CMD_RECORD);
	assert_int_equal(nla_put_u64(m, AAEL_ATTR_SEQ, 1), 0);
	assert_int_equal(nla_put_u32(m, AAEL_ATTR_INDEX, 23), 0);
	{
		struct nlattr *ds = nla_nest_start(m, AAEL_ATTR_DIGESTS);
		struct nlattr *d = nla_nest_start(m, AAEL_ATTR_DIGEST);

		assert_int_equal(nla_put_u8(m, AAEL_DIGEST_ALG, 0x0b), 0);
		assert_int_equal(nla_put(m, AAEL_DIGEST_VALUE, 4, "abcd"), 0);
		nla_nest_end(m, d);
		nla_nest_end(m, ds);
	}
	assert_int_equal(decode(m, AAEL_CMD_RECORD, &rec), 0);
	assert_int_equal(rec.nr_digests, 0);
	/* a dump that skips a sequence number */
	m = reply(AAEL_CMD_GET_RECORDS);
	assert_int_equal(nla_put_u64(m, AAEL_ATTR_SEQ, 4), 0);
	assert_int_equal(nla_put(m, AAEL_ATTR_RECORD, 4, "abcd"), 0);
	assert_int_equal(decode(m, AAEL_CMD_GET_RECORDS, &next), -EPROTO);
	/* a dumped record that does not decode */
	m = reply(AAEL_CMD_GET_RECORDS);
	assert_int_equal(nla_put_u64(m, AAEL_ATTR_SEQ, 3), 0);
	assert_int_equal(nla_put(m, AAEL_ATTR_RECORD, 4, "abcd"), 0);
	assert_int_equal(decode(m, AAEL_CMD_GET_RECORDS, &next), -EPROTO);
}

int run_netlink_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_status_without_register),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests_name("netlink", tests, NULL, NULL);
}
