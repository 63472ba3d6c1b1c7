// SPDX-License-Identifier: GPL-2.0 OR LGPL-2.1-or-later
/*
 * Encoding of AAEL events and TCG2 log records (see uapi/linux/aael.h).
 * Every multi-byte field is little-endian and may be unaligned, hence the
 * byte-wise helpers: they are the same in the kernel and in userspace.
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include <linux/string.h>
#else
#include <string.h>
#endif

#include "record.h"

static void put_le16(u8 *p, u16 v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put_le32(u8 *p, u32 v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static u32 get_le32(const u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

/*
 * Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
 * U+10FFFF. Verifiers decode the text as a string; a record they cannot
 * decode would fail attestation for good.
 */
static int utf8_valid(const u8 *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		u8 c = s[i];
		size_t n, k;
		u32 cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

/*
 * Whether s starts with the UTF-8 form of a C1 control (U+0080..U+009F)
 * or of a non-ASCII Unicode White_Space character: U+0085, U+00A0,
 * U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
 */
static int name_space_at(const u8 *s, size_t left)
{
	if (left >= 2 && s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0xa0)
		return 1;
	if (left < 3)
		return 0;
	if (s[0] == 0xe1)
		return s[1] == 0x9a && s[2] == 0x80;
	if (s[0] == 0xe2 && s[1] == 0x80)
		return (s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xa8 ||
		       s[2] == 0xa9 || s[2] == 0xaf;
	if (s[0] == 0xe2)
		return s[1] == 0x81 && s[2] == 0x9f;
	if (s[0] == 0xe3)
		return s[1] == 0x80 && s[2] == 0x80;
	return 0;
}

/*
 * Domain and operation: non-empty, no whitespace and no control
 * character, ASCII or not: verifiers split and compare these fields, and
 * a name that looks like another must not be one.
 */
static int name_valid(const char *s, size_t len)
{
	size_t i;

	if (!len)
		return 0;
	for (i = 0; i < len; i++) {
		u8 c = s[i];

		if (c <= 0x20 || c == 0x7f ||
		    name_space_at((const u8 *)s + i, len - i))
			return 0;
	}
	return 1;
}

int aael_event_check(const struct aael_event_fields *f)
{
	if (!name_valid(f->domain, f->domain_len) ||
	    !name_valid(f->operation, f->operation_len) ||
	    memchr(f->content, '\0', f->content_len))
		return -EINVAL;
	if (!utf8_valid((const u8 *)f->domain, f->domain_len) ||
	    !utf8_valid((const u8 *)f->operation, f->operation_len) ||
	    !utf8_valid((const u8 *)f->content, f->content_len))
		return -EILSEQ;
	return 0;
}

size_t aael_event_text_size(const struct aael_event_fields *f)
{
	return f->domain_len + 1 + f->operation_len + 1 + f->content_len;
}

void aael_event_join(char *text, const struct aael_event_fields *f)
{
	memcpy(text, f->domain, f->domain_len);
	text += f->domain_len;
	*text++ = ' ';
	memcpy(text, f->operation, f->operation_len);
	text += f->operation_len;
	*text++ = ' ';
	memcpy(text, f->content, f->content_len);
}

int aael_event_parse(const char *text, size_t len,
		     struct aael_event_fields *fields)
{
	const char *end = text + len;
	const char *sp1, *sp2;

	sp1 = memchr(text, ' ', len);
	if (!sp1)
		return -EINVAL;
	sp2 = memchr(sp1 + 1, ' ', end - (sp1 + 1));
	if (!sp2)
		return -EINVAL;
	fields->domain = text;
	fields->domain_len = sp1 - text;
	fields->operation = sp1 + 1;
	fields->operation_len = sp2 - (sp1 + 1);
	fields->content = sp2 + 1;
	fields->content_len = end - (sp2 + 1);
	return aael_event_check(fields);
}

size_t aael_tagged_event_size(size_t text_len)
{
	return AAEL_TAGGED_EVENT_HDR + text_len;
}

void aael_tagged_event_encode(u8 *out, const char *text, u32 text_len)
{
	put_le32(out, AAEL_TAGGED_EVENT_ID);
	put_le32(out + 4, text_len);
	memcpy(out + AAEL_TAGGED_EVENT_HDR, text, text_len);
}

size_t aael_digests_size(const struct aael_alg *algs, unsigned int nr_algs)
{
	size_t size = 0;
	unsigned int i;

	for (i = 0; i < nr_algs; i++)
		size += 2 + algs[i].digest_size;
	return size;
}

/* pcrIndex, eventType, digests.count | digests | eventSize | event */
size_t aael_record_size(const struct aael_alg *algs, unsigned int nr_algs,
			size_t text_len)
{
	return 12 + aael_digests_size(algs, nr_algs) + 4 +
	       aael_tagged_event_size(text_len);
}

/*
 * Writes the whole record with zeroed digests and returns the offset of the
 * tagged event, which the caller hashes into aael_record_digest() slots.
 */
size_t aael_record_encode(u8 *rec, u32 index, const struct aael_alg *algs,
			  unsigned int nr_algs, const char *text, u32 text_len)
{
	u8 *p = rec + 12;
	unsigned int i;

	put_le32(rec, index);
	put_le32(rec + 4, AAEL_EV_EVENT_TAG);
	put_le32(rec + 8, nr_algs);
	for (i = 0; i < nr_algs; i++) {
		put_le16(p, algs[i].alg_id);
		memset(p + 2, 0, algs[i].digest_size);
		p += 2 + algs[i].digest_size;
	}
	put_le32(p, aael_tagged_event_size(text_len));
	aael_tagged_event_encode(p + 4, text, text_len);
	return p + 4 - rec;
}

u8 *aael_record_digest(u8 *rec, const struct aael_alg *algs,
		       unsigned int bank)
{
	return rec + 12 + aael_digests_size(algs, bank) + 2;
}

/* Length of an encoded record whose digests take digests_size bytes. */
size_t aael_record_length(const u8 *rec, size_t digests_size)
{
	return 12 + digests_size + 4 + get_le32(rec + 12 + digests_size);
}

const char *aael_record_text(const u8 *rec, const struct aael_alg *algs,
			     unsigned int nr_algs, u32 *text_len)
{
	const u8 *event = rec + 12 + aael_digests_size(algs, nr_algs) + 4;

	*text_len = get_le32(event + 4);
	return (const char *)event + AAEL_TAGGED_EVENT_HDR;
}

static const u8 spec_id_signature[16] = "Spec ID Event03";

/* TCG_EfiSpecIDEvent without its legacy TCG_PCR_EVENT header */
static size_t spec_id_event_size(unsigned int nr_algs)
{
	return sizeof(spec_id_signature) + 4 + 4 + 4 + 4 * nr_algs + 1;
}

size_t aael_spec_id_size(unsigned int nr_algs)
{
	return 4 + 4 + 20 + 4 + spec_id_event_size(nr_algs);
}

void aael_spec_id_encode(u8 *out, const struct aael_alg *algs,
			 unsigned int nr_algs)
{
	u8 *p = out;
	unsigned int i;

	memset(out, 0, aael_spec_id_size(nr_algs));
	put_le32(p + 4, AAEL_EV_NO_ACTION);
	put_le32(p + 28, spec_id_event_size(nr_algs));
	p += 32;
	memcpy(p, spec_id_signature, sizeof(spec_id_signature));
	p += sizeof(spec_id_signature);
	p += 4;			/* platformClass: client */
	p[1] = 2;		/* specVersionMinor 0, specVersionMajor 2 */
	p[3] = 2;		/* specErrata 0, uintnSize 2 (UINT64) */
	p += 4;
	put_le32(p, nr_algs);
	p += 4;
	for (i = 0; i < nr_algs; i++, p += 4) {
		put_le16(p, algs[i].alg_id);
		put_le16(p + 2, algs[i].digest_size);
	}
	/* vendorInfoSize 0 (already zero) */
}

const char *aael_alg_name(u16 alg_id)
{
	switch (alg_id) {
	case AAEL_ALG_SHA1:
		return "sha1";
	case AAEL_ALG_SHA256:
		return "sha256";
	case AAEL_ALG_SHA384:
		return "sha384";
	case AAEL_ALG_SHA512:
		return "sha512";
	case AAEL_ALG_SM3_256:
		return "sm3_256";
	}
	return NULL;
}

u16 aael_alg_digest_size(u16 alg_id)
{
	switch (alg_id) {
	case AAEL_ALG_SHA1:
		return 20;
	case AAEL_ALG_SHA256:
	case AAEL_ALG_SM3_256:
		return 32;
	case AAEL_ALG_SHA384:
		return 48;
	case AAEL_ALG_SHA512:
		return 64;
	}
	return 0;
}

u16 aael_alg_by_name(const char *name)
{
	static const u16 ids[] = { AAEL_ALG_SHA1, AAEL_ALG_SHA256,
				   AAEL_ALG_SHA384, AAEL_ALG_SHA512,
				   AAEL_ALG_SM3_256 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ids); i++)
		if (!strcmp(name, aael_alg_name(ids[i])))
			return ids[i];
	return 0;
}

/*
 * The attestation agent's PCR -> CC-MR table (WIRE-FORMATS section 3): the
 * index TDX records carry; the RTMR is this minus one.
 */
u32 aael_tdx_ccmr(u32 pcr)
{
	if (pcr == 1 || pcr == 7)
		return 1;
	if (pcr >= 2 && pcr <= 6)
		return 2;
	if (pcr >= 8 && pcr <= 15)
		return 3;
	return 4;
}
