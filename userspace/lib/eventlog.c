// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * TCG2 event log parser. Input is untrusted (logs come from other machines
 * and from firmware): every length is checked against what is left before
 * it is used, and sizes are bounded so that arithmetic cannot overflow.
 *
 * Where a log ends, as Trustee's CCEL parser decides it: exactly after a
 * record (or after the Spec ID header), or at an 8-byte all-0xFF or
 * all-0x00 marker standing where the next record would start; what follows
 * a marker is firmware padding and is ignored. Anything else is a cut
 * (truncated) log: a header or record of which only a part is there, or 1
 * to 7 bytes after a record, which can hold neither a record nor a marker.
 * A log cut exactly between two records cannot be told from a shorter log:
 * neither format carries a record count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aael.h"
#include "util.h"

#define SPEC_ID_SIGNATURE	"Spec ID Event03"
#define LEGACY_HEADER_SIZE	32	/* pcr, type, sha1 digest, size */

struct cursor {
	const uint8_t *buf;
	size_t len;
	size_t pos;
};

static size_t left(const struct cursor *c)
{
	return c->len - c->pos;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* At a record boundary: the 8-byte end marker, whole. */
static bool at_end_marker(const struct cursor *c)
{
	const uint8_t *p = c->buf + c->pos;

	return left(c) >= 8 && (all_bytes(p, 8, 0xff) || all_bytes(p, 8, 0x00));
}

static int parse_spec_id(struct aael_eventlog *log, const uint8_t *ev,
			 uint32_t size, char *err)
{
	uint32_t n;

	/* signature 16, platformClass 4, versions 3, uintnSize 1, count 4 */
	if (size < 28 + 1)
		return aael_seterr(err, -1, "Spec ID event too short (%u bytes)", size);
	if (memcmp(ev, SPEC_ID_SIGNATURE, 16) != 0)
		return aael_seterr(err, -1,
				   "the first event is not a Spec ID Event03 (SHA1-format logs are not read)");
	n = le32(ev + 24);
	if (n == 0 || n > AAEL_MAX_BANKS)
		return aael_seterr(err, -1, "Spec ID event lists %u algorithms", n);
	if (size < 28 + 4 * n + 1)
		return aael_seterr(err, -1, "Spec ID event too short for %u algorithms", n);
	/* A vendorInfoSize that disagrees with the event size is malformed. */
	if (size != 28 + 4 * n + 1 + ev[28 + 4 * n])
		return aael_seterr(err, -1, "Spec ID event of %u bytes holds %u", size,
				   28 + 4 * n + 1 + ev[28 + 4 * n]);
	for (uint32_t i = 0; i < n; i++) {
		uint16_t size_i = le16(ev + 28 + 4 * i + 2);

		uint16_t known = aael_alg_digest_size(le16(ev + 28 + 4 * i));

		if (size_i == 0 || size_i > AAEL_MAX_DIGEST)
			return aael_seterr(err, -1, "Spec ID algorithm 0x%04x has size %u",
					   le16(ev + 28 + 4 * i), size_i);
		/*
		 * Digests are read by the header's sizes but hashed by the
		 * algorithm's: a header that shrinks a known algorithm would
		 * make every replay read past its digests (found by the
		 * fuzzer).
		 */
		if (known && size_i != known)
			return aael_seterr(err, -1, "Spec ID gives algorithm 0x%04x %u-byte digests, not %u",
					   le16(ev + 28 + 4 * i), size_i, known);
		log->algs[i] = le16(ev + 28 + 4 * i);
		log->alg_sizes[i] = size_i;
	}
	log->nr_algs = n;
	log->has_spec_id = true;
	return 0;
}

/*
 * The first event: a legacy TCG_PCR_EVENT holding the Spec ID, or straight
 * away a TCG_PCR_EVENT2. Its first 12 bytes tell which: the legacy event's
 * type is EV_NO_ACTION and its SHA1 digest (where an EVENT2 has its digest
 * count) starts with 4 zero bytes. An EVENT2 with no digest extends nothing,
 * so a header-less log cannot start with one; this keeps a header cut short
 * from being read as a header-less log.
 */
static int parse_header(struct cursor *c, struct aael_eventlog *log,
			char *err)
{
	const uint8_t *p = c->buf + c->pos;
	uint32_t size;

	if (!left(c))
		return aael_seterr(err, -1, "empty log");
	if (left(c) < 12)
		return aael_seterr(err, -1, "log truncated: %zu bytes, a first event needs more",
				   left(c));
	if (le32(p + 4) != AAEL_EV_NO_ACTION || le32(p + 8) != 0)
		return 0;	/* no Spec ID header: records start at once */
	if (left(c) < LEGACY_HEADER_SIZE)
		return aael_seterr(err, -1, "Spec ID event truncated: header of %zu of %d bytes",
				   left(c), LEGACY_HEADER_SIZE);
	size = le32(p + 28);
	if (size > left(c) - LEGACY_HEADER_SIZE)
		return aael_seterr(err, -1, "Spec ID event truncated: %u bytes, %zu left",
				   size, left(c) - LEGACY_HEADER_SIZE);
	if (parse_spec_id(log, p + LEGACY_HEADER_SIZE, size, err))
		return -1;
	c->pos += LEGACY_HEADER_SIZE + size;
	return 0;
}

static uint16_t digest_size(const struct aael_eventlog *log, uint16_t alg)
{
	if (!log->has_spec_id)
		return aael_alg_digest_size(alg);
	for (unsigned int i = 0; i < log->nr_algs; i++)
		if (log->algs[i] == alg)
			return log->alg_sizes[i];
	return 0;
}

/* ds: room for AAEL_MAX_BANKS digests */
static int parse_event2(struct cursor *c, const struct aael_eventlog *log,
			struct aael_log_event *ev, struct aael_log_digest *ds,
			char *err)
{
	size_t start = c->pos;
	uint32_t count;

	if (left(c) < 12)
		return aael_seterr(err, -1, "record at offset %zu truncated", start);
	ev->offset = start;
	ev->pcr = le32(c->buf + c->pos);
	ev->type = le32(c->buf + c->pos + 4);
	count = le32(c->buf + c->pos + 8);
	c->pos += 12;
	if (count > AAEL_MAX_BANKS)
		return aael_seterr(err, -1, "record at offset %zu has %u digests",
				   start, count);
	ev->nr_digests = count;
	ev->digests = ds;
	for (uint32_t i = 0; i < count; i++) {
		struct aael_log_digest *d = &ds[i];

		if (left(c) < 2)
			return aael_seterr(err, -1, "record at offset %zu truncated",
					   start);
		d->alg = le16(c->buf + c->pos);
		d->size = digest_size(log, d->alg);
		if (!d->size)
			return aael_seterr(err, -1,
					   "record at offset %zu: unknown algorithm 0x%04x",
					   start, d->alg);
		c->pos += 2;
		if (left(c) < d->size)
			return aael_seterr(err, -1, "record at offset %zu truncated",
					   start);
		d->bytes = c->buf + c->pos;
		c->pos += d->size;
	}
	if (left(c) < 4)
		return aael_seterr(err, -1, "record at offset %zu truncated", start);
	ev->data_len = le32(c->buf + c->pos);
	c->pos += 4;
	if (left(c) < ev->data_len)
		return aael_seterr(err, -1,
				   "record at offset %zu truncated: event of %u bytes, %zu left",
				   start, ev->data_len, left(c));
	ev->data = c->buf + c->pos;
	c->pos += ev->data_len;
	/*
	 * A tagged event (TCG_PCClientTaggedEvent) must hold the bytes it
	 * declares, as Trustee requires. An AAEL one must fill its event
	 * exactly: otherwise it would not be taken for AAEL, and verify would
	 * skip checking its text against its digests.
	 */
	if (ev->type == AAEL_EV_EVENT_TAG &&
	    (ev->data_len < 8 || le32(ev->data + 4) > ev->data_len - 8))
		return aael_seterr(err, -1, "record at offset %zu: tagged event truncated",
				   start);
	if (ev->type == AAEL_EV_EVENT_TAG &&
	    le32(ev->data) == AAEL_TAGGED_EVENT_ID &&
	    le32(ev->data + 4) != ev->data_len - 8)
		return aael_seterr(err, -1,
				   "record at offset %zu: AAEL event of %u bytes declares %u of text",
				   start, ev->data_len, le32(ev->data + 4));
	return 0;
}

/*
 * Two passes over the buffer: the first validates and counts, so that the
 * second fills arrays of exactly the right size (no realloc that would move
 * the digests the events point to).
 */
int aael_eventlog_parse(const uint8_t *buf, size_t len,
			struct aael_eventlog *log, char *err)
{
	struct aael_log_digest scratch[AAEL_MAX_BANKS];
	struct cursor c = { .buf = buf, .len = len };
	size_t body, nr_digests = 0, k = 0;
	struct aael_log_event ev;

	memset(log, 0, sizeof(*log));
	if (parse_header(&c, log, err))
		return -1;
	body = c.pos;
	if (!log->has_spec_id && at_end_marker(&c))
		return aael_seterr(err, -1, "no Spec ID header and no record before the end marker");
	while (left(&c) && !at_end_marker(&c)) {
		if (left(&c) < 8)
			return aael_seterr(err, -1,
					   "log truncated at offset %zu: %zu byte(s), too few for a record or an end marker",
					   c.pos, left(&c));
		if (parse_event2(&c, log, &ev, scratch, err))
			return -1;
		log->nr_events++;
		nr_digests += ev.nr_digests;
	}
	log->end = c.pos;
	log->events = calloc(log->nr_events ? log->nr_events : 1,
			     sizeof(*log->events));
	log->digests = calloc(nr_digests ? nr_digests : 1,
			      sizeof(*log->digests));
	if (!log->events || !log->digests) {
		aael_eventlog_free(log);
		return aael_seterr(err, -1, "out of memory for %zu records", log->nr_events);
	}
	c.pos = body;
	for (size_t i = 0; i < log->nr_events; i++) {
		parse_event2(&c, log, &log->events[i], &log->digests[k], err);
		k += log->events[i].nr_digests;
	}
	return 0;
}

void aael_eventlog_free(struct aael_eventlog *log)
{
	free(log->events);
	free(log->digests);
	memset(log, 0, sizeof(*log));
}

bool aael_event_is_aael(const struct aael_log_event *ev, const char **text,
			uint32_t *text_len)
{
	uint32_t n;

	if (ev->type != AAEL_EV_EVENT_TAG || ev->data_len < 8 ||
	    le32(ev->data) != AAEL_TAGGED_EVENT_ID)
		return false;
	n = le32(ev->data + 4);
	if (n != ev->data_len - 8)
		return false;
	*text = (const char *)ev->data + 8;
	*text_len = n;
	return true;
}

int aael_event_decode(const uint8_t *buf, size_t len,
		      struct aael_log_event *ev,
		      struct aael_log_digest digests[AAEL_MAX_BANKS], char *err)
{
	struct cursor c = { .buf = buf, .len = len };
	struct aael_eventlog none = { 0 };

	if (parse_event2(&c, &none, ev, digests, err))
		return -1;
	if (c.pos != len)
		return aael_seterr(err, -1, "%zu bytes after the record", len - c.pos);
	return 0;
}
