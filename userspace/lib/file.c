// SPDX-License-Identifier: LGPL-2.1-or-later
/* A whole file into memory, bounded. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "aael.h"
#include "util.h"

#define READ_CHUNK	65536

void *aael_read_stream(FILE *f, const char *name, size_t max, size_t *len,
		       char *err)
{
	struct aael_buf b = { .max = max };
	size_t bound = max ? max : SIZE_MAX - 1;
	int rc = aael_buf_reserve(&b, 0);

	while (!rc) {
		size_t want = bound - b.len < READ_CHUNK ? bound - b.len : READ_CHUNK;
		size_t got;

		errno = 0;	/* what ferror() reports is then this read's */
		if (!want) {
			/* at the bound: one more byte means too large */
			if (getc(f) != EOF)
				rc = -E2BIG;
			break;
		}
		rc = aael_buf_reserve(&b, want);
		if (rc)
			break;
		got = fread(b.data + b.len, 1, want, f);
		b.len += got;
		b.data[b.len] = 0;
		if (got < want)
			break;
	}
	if (!rc && ferror(f))
		rc = -(errno ? errno : EIO);
	if (rc) {
		aael_buf_free(&b);
		if (rc == -E2BIG)
			aael_seterr(err, rc, "%s: larger than %zu bytes", name, max);
		else
			aael_seterr(err, rc, "%s: %s", name, strerror(-rc));
		return NULL;
	}
	*len = b.len;
	return b.data;
}

void *aael_read_file(const char *path, size_t max, size_t *len, char *err)
{
	FILE *f = fopen(path, "rb");
	void *p;

	if (!f) {
		aael_seterr(err, -errno, "%s: %s", path, strerror(errno));
		return NULL;
	}
	p = aael_read_stream(f, path, max, len, err);
	fclose(f);
	return p;
}
