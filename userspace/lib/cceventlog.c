// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The kernel's log framed as the attestation agent frames cc_eventlog: the
 * firmware CCEL cut at its end marker (or the log's own Spec ID header when
 * there is none), the records, then 8 x 0xFF (WIRE-FORMATS section 2).
 */
#include <errno.h>

#include "aael.h"
#include "record.h"
#include "util.h"

struct blob {
	struct aael_buf buf;
	uint64_t until;
};

static int add_record(uint64_t seq, const uint8_t *rec, size_t len, void *arg)
{
	struct blob *b = arg;

	return seq >= b->until ? 1 : aael_buf_append(&b->buf, rec, len);
}

static bool lists_banks(const struct aael_eventlog *log,
			const struct aael_status *st)
{
	for (unsigned int i = 0; i < st->nr_banks; i++) {
		bool found = false;

		for (unsigned int k = 0; k < log->nr_algs; k++)
			found |= log->algs[k] == st->value[i].alg;
		if (!found)
			return false;
	}
	return true;
}

int aael_client_cc_eventlog(struct aael_client *c, const uint8_t *ccel,
			    size_t ccel_len, struct aael_status *st,
			    uint8_t **out, size_t *out_len, char *err)
{
	struct aael_alg algs[AAEL_MAX_BANKS];
	struct blob b = { 0 };
	uint8_t hdr[128];
	int rc;

	rc = aael_client_status(c, st, err);
	if (rc)
		return rc;
	if (ccel) {
		struct aael_eventlog log;

		if (aael_eventlog_parse(ccel, ccel_len, &log, err))
			return -EINVAL;
		rc = log.has_spec_id && lists_banks(&log, st) ? 0 : -EINVAL;
		if (rc)
			aael_seterr(err, rc,
				    "the firmware log does not list the register's banks");
		else
			rc = aael_buf_append(&b.buf, ccel, log.end);
		aael_eventlog_free(&log);
	} else {
		for (unsigned int i = 0; i < st->nr_banks; i++) {
			algs[i].alg_id = st->value[i].alg;
			algs[i].digest_size = st->value[i].size;
		}
		aael_spec_id_encode(hdr, algs, st->nr_banks);
		rc = aael_buf_append(&b.buf, hdr, aael_spec_id_size(st->nr_banks));
	}
	b.until = st->count;
	if (!rc && st->count)
		rc = aael_client_dump(c, 0, add_record, &b, err);
	if (rc < 0 || aael_buf_append(&b.buf, "\xff\xff\xff\xff\xff\xff\xff\xff", 8)) {
		aael_buf_free(&b.buf);
		return rc < 0 ? rc : -ENOMEM;
	}
	*out = b.buf.data;
	*out_len = b.buf.len;
	return 0;
}
