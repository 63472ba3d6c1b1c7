// SPDX-License-Identifier: LGPL-2.1-or-later
/* The one way libaael, aaelctl and aaeld fill a caller's error buffer. */
#include <stdarg.h>
#include <stdio.h>

#include "aael.h"
#include "util.h"

int aael_vseterr(char *err, int rc, const char *fmt, va_list ap)
{
	if (err)
		vsnprintf(err, AAEL_ERRLEN, fmt, ap);
	return rc;
}

int aael_seterr(char *err, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	aael_vseterr(err, rc, fmt, ap);
	va_end(ap);
	return rc;
}
