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

#include <linux/aael.h>

#define AAEL_ERRLEN 256

struct aael_digest {
	uint16_t alg;
	uint16_t size;
	uint8_t bytes[AAEL_MAX_DIGEST];
};

/* A digest of a parsed record: bytes point into the parsed buffer. */
struct aael_log_digest {
	uint16_t alg;
	uint16_t size;
	const uint8_t *bytes;
};

/*
 * A parsed record holds pointers into the buffer, not copies: a log of a
 * million records costs ~50 bytes plus 16 per digest per record on top of
 * the buffer itself.
 */
struct aael_log_event {
	size_t offset;			/* of the record in the log */
	uint32_t pcr;
	uint32_t type;
	unsigned int nr_digests;
	const struct aael_log_digest *digests;
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
	struct aael_log_digest *digests; /* what events[].digests point to */
	size_t end;			/* bytes parsed, end marker excluded */
};

/*
 * Parse len bytes at buf (which must outlive the result). Returns 0, or -1
 * with a message in err (AAEL_ERRLEN bytes) and nothing to free. The log
 * ends exactly after a record (or after the Spec ID header), or at a whole
 * 8-byte end marker, after which anything is ignored; a log cut anywhere
 * else, the marker included, is refused as truncated. A log cut between two
 * records parses as the shorter log it then is (no format counts records).
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

/*
 * Decode one TCG_PCR_EVENT2 (digest sizes by algorithm) of exactly len
 * bytes; ev->digests then points to digests (caller's storage).
 */
int aael_event_decode(const uint8_t *buf, size_t len,
		      struct aael_log_event *ev,
		      struct aael_log_digest digests[AAEL_MAX_BANKS], char *err);

/*
 * The kernel's generic netlink interface (uapi/linux/aael.h). Functions
 * return 0 or a negative errno; err (AAEL_ERRLEN bytes) then says why,
 * with the kernel's extended-ack message when it sent one.
 */
struct aael_client;

struct aael_status {
	char backend[16];
	bool hardware;
	uint32_t index;
	uint64_t count;			/* records the register values hold */
	uint64_t log_size;
	uint64_t failures;
	uint32_t max_event;
	uint64_t max_log;
	/* The register's value: 0 banks unless the caller is privileged. */
	unsigned int nr_banks;
	struct aael_digest value[AAEL_MAX_BANKS];
	/* The log may not match the register: nothing more is recorded. */
	bool broken;
};

struct aael_recorded {
	uint64_t seq;
	uint32_t index;
	unsigned int nr_digests;
	struct aael_digest digests[AAEL_MAX_BANKS];
};

/* Return non-zero to stop a dump or a follow (that value is returned). */
typedef int (*aael_record_fn)(uint64_t seq, const uint8_t *rec, size_t len,
			      void *arg);

int aael_client_open(struct aael_client **client, char *err);
void aael_client_close(struct aael_client *client);
int aael_client_record(struct aael_client *client, const char *domain,
		       const char *operation, const char *content,
		       struct aael_recorded *out, char *err);
int aael_client_status(struct aael_client *client, struct aael_status *out,
		       char *err);
/* Records from, from + 1, ... that exist when the dump reaches them. */
int aael_client_dump(struct aael_client *client, uint64_t from,
		     aael_record_fn fn, void *arg, char *err);
/* Dump from `from`, then every new record as it is made; never returns 0. */
int aael_client_follow(struct aael_client *client, uint64_t from,
		       aael_record_fn fn, void *arg, char *err);

/*
 * The verifier's view of one event, as Trustee lists it in its claims:
 * {index, type_name, digest_matches_event, digests: [{alg, digest}], event
 * (base64), details}. details is decoded for AAEL events ({string,
 * unicode_name: "AAEL", data: {domain, operation, content}}, content as JSON
 * when it parses as JSON), for text events (EV_EFI_ACTION,
 * EV_PLATFORM_CONFIG_FLAGS, EV_S_CRTM_VERSION...) and EV_SEPARATOR; other
 * events carry no details key. Returns a new json-c object (or NULL).
 */
struct json_object;
struct json_object *aael_event_to_json(const struct aael_log_event *ev);
const char *aael_event_type_name(uint32_t type);
/* "SHA-256" and the like, as verifiers name banks. */
const char *aael_alg_display_name(uint16_t alg);

/*
 * The kernel's log framed as cc_eventlog (WIRE-FORMATS section 2): the
 * firmware CCEL cut at its end marker, or with ccel NULL the log's own Spec
 * ID header; then the first st->count records (st is filled in: the
 * register values they replay to); then 8 x 0xFF. *out is malloc'd.
 */
int aael_client_cc_eventlog(struct aael_client *client, const uint8_t *ccel,
			    size_t ccel_len, struct aael_status *st,
			    uint8_t **out, size_t *out_len, char *err);

/* Lower-case hex of n bytes into out (2n + 1 bytes); returns out. */
char *aael_hex(char *out, const uint8_t *p, size_t n);

/* Bank algorithms: "sha1", "sha256", "sha384", "sha512", "sm3_256". */
const char *aael_alg_name(uint16_t alg);
uint16_t aael_alg_digest_size(uint16_t alg);
uint16_t aael_alg_by_name(const char *name);
/* The attestation agent's PCR -> CC-MR mapping (TDX record index). */
uint32_t aael_tdx_ccmr(uint32_t pcr);

#endif /* AAEL_H */
