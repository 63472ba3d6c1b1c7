// SPDX-License-Identifier: LGPL-2.1-or-later
/* The one way libaael, aaelctl and aaeld fill a caller's error buffer. */
#include <stdarg.h>
#include <stdio.h>

#include "aael.h"
#include "util.h"

int aael_seterr(char *err, int rc, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return rc;
	va_start(ap, fmt);
	vsnprintf(err, AAEL_ERRLEN, fmt, ap);
	va_end(ap);
	return rc;
}
