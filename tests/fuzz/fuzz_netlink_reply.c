// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: one reply message as libaael's client decodes it. The first
 * byte picks the command; the rest is the message, whose nlmsg_len is set
 * to its real length so that the fuzzer spends its time on attributes.
 */
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>

#include "aael.h"
#include "../../userspace/lib/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t cmds[] = { AAEL_CMD_RECORD, AAEL_CMD_GET_STATUS,
					AAEL_CMD_GET_RECORDS };
	union {
		struct aael_recorded rec;
		struct aael_status st;
		uint64_t next;
	} out;
	char err[AAEL_ERRLEN];
	struct nlmsghdr *nlh;
	uint8_t *buf;

	if (size < 1 + NLMSG_HDRLEN)
		return 0;
	buf = malloc(size - 1);
	memcpy(buf, data + 1, size - 1);
	nlh = (struct nlmsghdr *)buf;
	nlh->nlmsg_len = (uint32_t)(size - 1);
	memset(&out, 0, sizeof(out));
	aael_decode_reply(buf, size - 1, cmds[data[0] % 3], &out, err);
	free(buf);
	return 0;
}
