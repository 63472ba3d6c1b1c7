/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libaael internals shared with its tests and fuzzers; not installed. */
#ifndef AAEL_INTERNAL_H
#define AAEL_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode one reply message (nlmsghdr, genlmsghdr, attributes) of cmd as the
 * client does: out is a struct aael_recorded (AAEL_CMD_RECORD), a struct
 * aael_status (AAEL_CMD_GET_STATUS) or the uint64_t sequence number the
 * dump expects next (AAEL_CMD_GET_RECORDS, whose record is decoded too).
 * Returns 0 or a negative errno.
 */
int aael_decode_reply(const uint8_t *buf, size_t len, uint8_t cmd, void *out,
		      char *err);

#endif
