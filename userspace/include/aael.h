/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libaael: read, check and replay TCG2 event logs, AAEL records included.
 *
 * The log side works without a kernel: it parses crypto-agile logs with or
 * without a Spec ID header (firmware CCEL tables included), stops at the
 * 8-byte 0xFF..FF or 0x00..00 end marker, recomputes digests and replays
 * registers. Record encoding is the kernel module's own code (kmod/record.c).
 */
#ifndef AAEL_H
#define AAEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../uapi/linux/aael.h"

#define AAEL_ERRLEN 256

struct aael_digest {
	uint16_t alg;
	uint16_t size;
	uint8_t bytes[AAEL_MAX_DIGEST];
};

struct aael_log_event {
	size_t offset;			/* of the record in the log */
	uint32_t pcr;
	uint32_t type;
	unsigned int nr_digests;
	struct aael_digest digests[AAEL_MAX_BANKS];
	const uint8_t *data;		/* points into the parsed buffer */
	uint32_t data_len;
};

struct aael_eventlog {
	bool has_spec_id;
	unsigned int nr_algs;		/* from the Spec ID header */
	uint16_t algs[AAEL_MAX_BANKS];
	uint16_t alg_sizes[AAEL_MAX_BANKS];
	struct aael_log_event *events;	/* the header event excluded */
	size_t nr_events;
	size_t end;			/* bytes parsed, end marker excluded */
};

/*
 * Parse len bytes at buf (which must outlive the result). Returns 0, or -1
 * with a message in err (AAEL_ERRLEN bytes) and nothing to free.
 */
int aael_eventlog_parse(const uint8_t *buf, size_t len,
			struct aael_eventlog *log, char *err);
void aael_eventlog_free(struct aael_eventlog *log);

/* Digest of data with a TPM_ALG_ID; returns its size, or 0 if unknown. */
size_t aael_hash(uint16_t alg, const void *data, size_t len, uint8_t *out);

/* new = H(value || digest); size bytes each. Returns 0 or -1. */
int aael_extend(uint16_t alg, uint8_t *value, const uint8_t *digest);

/*
 * Replay every event of register pcr in bank alg from zero. Returns the
 * number of events replayed (value is then set), or -1 when the log carries
 * no digest of that algorithm.
 */
long aael_replay(const struct aael_eventlog *log, uint32_t pcr, uint16_t alg,
		 uint8_t *value);

/* Whether the event is an AAEL tagged event; fills text and its length. */
bool aael_event_is_aael(const struct aael_log_event *ev, const char **text,
			uint32_t *text_len);

/* Whether every digest of the event equals the hash of its event data. */
bool aael_event_digests_match(const struct aael_log_event *ev);

/* Bank algorithms: "sha1", "sha256", "sha384", "sha512", "sm3_256". */
const char *aael_alg_name(uint16_t alg);
uint16_t aael_alg_digest_size(uint16_t alg);
uint16_t aael_alg_by_name(const char *name);

#endif /* AAEL_H */
