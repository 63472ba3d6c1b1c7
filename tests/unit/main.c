// SPDX-License-Identifier: GPL-2.0
/* Host unit tests: run under ASan/UBSan, report TAP (CMOCKA_MESSAGE_OUTPUT). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>

#include "unit.h"

size_t unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = strlen(hex) / 2;

	assert_true(n <= max);
	for (size_t i = 0; i < n; i++) {
		unsigned int b;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
	return n;
}

size_t unbase64(const char *b64, uint8_t *out, size_t max)
{
	size_t len = strlen(b64);
	int n;

	assert_true(len / 4 * 3 <= max);
	n = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)len);
	assert_true(n >= 0);
	while (len && b64[--len] == '=')
		n--;
	return (size_t)n;
}

uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long size;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size >= 0);
	rewind(f);
	buf = malloc(size ? (size_t)size : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	*len = (size_t)size;
	return buf;
}

int main(void)
{
	int failed = 0;

	/* UNIT_FILTER=test_x runs one test (a wildcard pattern), e.g. to see
	 * each fail on its own when ASan aborts the run at the first report. */
	if (getenv("UNIT_FILTER"))
		cmocka_set_test_filter(getenv("UNIT_FILTER"));
	failed += run_record_tests();
	failed += run_eventlog_tests();
	failed += run_toml_tests();
	failed += run_netlink_tests();
	failed += run_kbs_reply_tests();
	failed += run_kbs_client_tests();
	failed += run_jwe_tests();
	failed += run_kbs_resource_tests();
	failed += run_util_tests();
	failed += run_event_tests();
	return failed ? 1 : 0;
}
