// SPDX-License-Identifier: GPL-2.0
/* libaael's private helpers (userspace/lib/util.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "aael.h"
#include "../../userspace/lib/util.h"

/* RFC 4648 section 10. */
static const struct {
	const char *plain, *b64;
} rfc4648[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};

static void decodes_to(const char *b64, const uint8_t *want, size_t want_len)
{
	uint8_t *out = (uint8_t *)"not set";
	size_t len = 12345;

	if (aael_b64_decode(b64, &out, &len))
		fail_msg("\"%s\" refused", b64);
	assert_non_null(out);
	assert_int_equal(len, want_len);
	assert_memory_equal(out, want, want_len);
	assert_int_equal(out[len], 0);
	free(out);
}

static void refused(const char *b64)
{
	uint8_t *out = (uint8_t *)"not set";
	size_t len = 12345;
	int rc = aael_b64_decode(b64, &out, &len);

	if (rc != -EINVAL)
		fail_msg("\"%s\": %d, want -EINVAL", b64, rc);
	assert_null(out);
	assert_int_equal(len, 12345);
}

static void test_b64_rfc4648(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rfc4648) / sizeof(rfc4648[0]); i++) {
		const char *plain = rfc4648[i].plain, *b64 = rfc4648[i].b64;
		size_t n = strlen(plain);
		char unpadded[16];
		char *enc;

		enc = aael_b64_encode((const uint8_t *)plain, n, false);
		assert_non_null(enc);
		assert_string_equal(enc, b64);
		free(enc);

		/* URL-safe: no '+' or '/' in these, so only the padding goes */
		snprintf(unpadded, sizeof(unpadded), "%.*s",
			 (int)strcspn(b64, "="), b64);
		enc = aael_b64_encode((const uint8_t *)plain, n, true);
		assert_non_null(enc);
		assert_string_equal(enc, unpadded);
		free(enc);

		decodes_to(b64, (const uint8_t *)plain, n);
		decodes_to(unpadded, (const uint8_t *)plain, n);
	}
}

static void test_b64_url_alphabet(void **state)
{
	/* 62 and 63 in every position: '+' '/' standard, '-' '_' URL-safe */
	static const uint8_t three[] = { 0xfb, 0xff, 0xbf };
	static const uint8_t two[] = { 0xfb, 0xff };
	char *enc;

	(void)state;
	enc = aael_b64_encode(three, sizeof(three), false);
	assert_string_equal(enc, "+/+/");
	free(enc);
	enc = aael_b64_encode(three, sizeof(three), true);
	assert_string_equal(enc, "-_-_");
	free(enc);
	enc = aael_b64_encode(two, sizeof(two), false);
	assert_string_equal(enc, "+/8=");
	free(enc);
	enc = aael_b64_encode(two, sizeof(two), true);
	assert_string_equal(enc, "-_8");
	free(enc);

	decodes_to("+/+/", three, sizeof(three));
	decodes_to("-_-_", three, sizeof(three));
	decodes_to("+/8=", two, sizeof(two));
	decodes_to("-_8", two, sizeof(two));
	decodes_to("-_8=", two, sizeof(two));
}

/*
 * The base64 crate's URL_SAFE_NO_PAD (base64 0.23: DecodePaddingMode::
 * RequireNone, decode_allow_trailing_bits false): RFC 4648 section 10's
 * vectors unpadded, and what it refuses.
 */
static void test_b64url_strict(void **state)
{
	static const char *const ok_in[] = { "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy", "-_8" };
	static const char *const ok_out[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar", "\xfb\xff" };
	static const char *const bad[] = {
		"Zg==", "Zm8=",		/* padding */
		"+/8", "Zm9/",		/* the standard alphabet */
		"Zh", "Zm9", "YR",	/* non-zero unused bits (Zh: 0x66 plus 1 bit) */
		"Z", "Zm9vY",		/* 4k + 1 */
		"Zm 9", "Zm9\n",		/* whitespace */
	};
	uint8_t *out;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(ok_in) / sizeof(ok_in[0]); i++) {
		assert_int_equal(aael_b64url_decode(ok_in[i], &out, &len), 0);
		assert_int_equal(len, strlen(ok_out[i]));
		assert_memory_equal(out, ok_out[i], len);
		free(out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		out = (uint8_t *)"x";
		assert_int_equal(aael_b64url_decode(bad[i], &out, &len), -EINVAL);
		assert_null(out);
	}
}

static void test_b64_refused(void **state)
{
	(void)state;
	/* '=' anywhere but the end */
	refused("Zg=a");
	refused("Z=g=");
	refused("=Zm9");
	refused("Zm8=Zm8=");
	/* padding that does not make a multiple of 4, or too much of it */
	refused("Zm9v=");
	refused("Zm9vY=");
	refused("Zg===");
	refused("Z===");
	refused("=");
	refused("==");
	refused("====");
	/* a length no encoding has: 4k + 1 characters */
	refused("Z");
	refused("Zm9vY");
	/* characters outside both alphabets, whitespace included (lengths
	 * a multiple of 4, so that only the character can be the reason) */
	refused("Zm9*");
	refused("Zm 9");
	refused("Zm9v\nZg=");
	refused(" Zm9");
	refused("Zm9\t");
	refused("Zm.v");
	refused("Zm\x80v");
}

static void test_buf_growth(void **state)
{
	struct aael_buf b = { 0 };
	uint8_t chunk[1000];

	(void)state;
	/* an empty append still leaves a NUL-terminated, empty buffer */
	assert_int_equal(aael_buf_append(&b, "", 0), 0);
	assert_non_null(b.data);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.text, "");

	for (size_t i = 0; i < 300; i++) {
		memset(chunk, (int)(i & 0xff), sizeof(chunk));
		assert_int_equal(aael_buf_append(&b, chunk, 1 + i % sizeof(chunk)), 0);
		assert_true(b.cap >= b.len);
		assert_int_equal(b.data[b.len], 0);
	}
	for (size_t i = 0, off = 0; i < 300; off += 1 + i % sizeof(chunk), i++)
		for (size_t k = 0; k < 1 + i % sizeof(chunk); k++)
			if (b.data[off + k] != (i & 0xff))
				fail_msg("byte %zu of piece %zu", k, i);
	assert_int_equal(b.len, 300 * 301 / 2);

	/* writing into reserved room: the caller's own fread or inflate */
	assert_int_equal(aael_buf_reserve(&b, 70000), 0);
	assert_true(b.cap - b.len >= 70000);
	memset(b.data + b.len, 'x', 70000);
	b.len += 70000;
	b.data[b.len] = 0;
	assert_int_equal(b.data[b.len - 1], 'x');

	/* no bound still refuses what size_t cannot hold */
	assert_int_equal(aael_buf_reserve(&b, SIZE_MAX), -E2BIG);
	assert_int_equal(aael_buf_append(&b, chunk, SIZE_MAX - b.len), -E2BIG);

	aael_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
}

static void test_buf_max(void **state)
{
	struct aael_buf b = { .max = 10 };

	(void)state;
	assert_int_equal(aael_buf_append(&b, "abcdef", 6), 0);
	assert_true(b.cap <= 10);
	/* over the bound: refused whole, nothing appended */
	assert_int_equal(aael_buf_append(&b, "ghijk", 5), -E2BIG);
	assert_int_equal(b.len, 6);
	assert_string_equal(b.text, "abcdef");
	assert_int_equal(aael_buf_reserve(&b, 5), -E2BIG);
	/* up to the bound exactly */
	assert_int_equal(aael_buf_append(&b, "ghij", 4), 0);
	assert_string_equal(b.text, "abcdefghij");
	assert_int_equal(aael_buf_append(&b, "k", 1), -E2BIG);
	assert_int_equal(aael_buf_reserve(&b, 0), 0);
	assert_int_equal(b.len, 10);
	aael_buf_free(&b);
	/* free keeps the bound: the buffer can be used again */
	assert_int_equal(b.max, 10);
	assert_int_equal(aael_buf_append(&b, "0123456789x", 11), -E2BIG);
	assert_null(b.data);
}

static void test_buf_secret(void **state)
{
	struct aael_buf b = { .secret = true, .max = 1 << 20 };
	char piece[64];

	(void)state;
	/* growing copies instead of realloc'ing: the contents must survive */
	for (int i = 0; i < 2000; i++) {
		int n = snprintf(piece, sizeof(piece), "%d,", i);

		assert_int_equal(aael_buf_append(&b, piece, (size_t)n), 0);
	}
	for (int i = 0, off = 0; i < 2000; i++) {
		int n = snprintf(piece, sizeof(piece), "%d,", i);

		assert_memory_equal(b.data + off, piece, (size_t)n);
		off += n;
	}
	assert_int_equal(b.data[b.len], 0);
	aael_buf_free(&b);
	assert_null(b.data);
	assert_true(b.secret);
}

static void test_seterr(void **state)
{
	char err[AAEL_ERRLEN];
	char long_arg[2 * AAEL_ERRLEN];

	(void)state;
	assert_int_equal(aael_seterr(err, -EINVAL, "bad %s at %d", "thing", 7),
			 -EINVAL);
	assert_string_equal(err, "bad thing at 7");
	assert_int_equal(aael_seterr(err, -1, "x"), -1);
	assert_string_equal(err, "x");
	/* cut to the buffer, still terminated */
	memset(long_arg, 'a', sizeof(long_arg) - 1);
	long_arg[sizeof(long_arg) - 1] = 0;
	assert_int_equal(aael_seterr(err, -E2BIG, "%s", long_arg), -E2BIG);
	assert_int_equal(strlen(err), AAEL_ERRLEN - 1);
	/* no buffer: the code still comes back */
	assert_int_equal(aael_seterr(NULL, -ENOMEM, "out of memory"), -ENOMEM);
}

/* A temporary file of n bytes (a pattern with NULs in it); returns its path. */
static void temp_file(char *path, size_t size, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);
	int fd;

	snprintf(path, size, "%s/aael-util-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	assert_int_equal(close(fd), 0);
	free(p);
}

static void test_read_file(void **state)
{
	char path[4096], err[AAEL_ERRLEN] = "";
	size_t len = 0;
	uint8_t *p;

	(void)state;
	/* more than one read's chunk, unbounded */
	temp_file(path, sizeof(path), 200003);
	p = aael_read_file(path, 0, &len, err);
	assert_non_null(p);
	assert_int_equal(len, 200003);
	for (size_t i = 0; i < len; i++)
		if (p[i] != (uint8_t)(i * 7))
			fail_msg("byte %zu", i);
	assert_int_equal(p[len], 0);
	free(p);
	/* exactly at the bound, and one byte over it */
	p = aael_read_file(path, 200003, &len, err);
	assert_non_null(p);
	assert_int_equal(len, 200003);
	free(p);
	len = 77;
	assert_null(aael_read_file(path, 200002, &len, err));
	assert_int_equal(len, 77);
	{
		char want[sizeof(path) + 64];

		snprintf(want, sizeof(want), "%s: larger than 200002 bytes", path);
		assert_string_equal(err, want);
	}
	assert_int_equal(unlink(path), 0);

	/* an empty file is an empty, terminated buffer, not an error */
	temp_file(path, sizeof(path), 0);
	p = aael_read_file(path, 16, &len, err);
	assert_non_null(p);
	assert_int_equal(len, 0);
	assert_int_equal(p[0], 0);
	free(p);

	/* missing: the path and the system's reason */
	assert_int_equal(unlink(path), 0);
	assert_null(aael_read_file(path, 0, &len, err));
	{
		char want[sizeof(path) + 64];

		snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
		assert_string_equal(err, want);
	}

	/* a directory opens but does not read */
	assert_null(aael_read_file("/", 0, &len, err));
	assert_string_equal(err, "/: Is a directory");
}

static void test_read_stream(void **state)
{
	char text[] = "0123456789";
	char err[AAEL_ERRLEN] = "";
	size_t len;
	FILE *f;
	char *p;

	(void)state;
	f = fmemopen(text, 10, "r");
	assert_non_null(f);
	p = aael_read_stream(f, "memory", 0, &len, err);
	assert_non_null(p);
	assert_int_equal(len, 10);
	assert_string_equal(p, "0123456789");
	free(p);
	fclose(f);

	f = fmemopen(text, 10, "r");
	assert_non_null(f);
	assert_null(aael_read_stream(f, "memory", 3, &len, err));
	assert_string_equal(err, "memory: larger than 3 bytes");
	fclose(f);
}

int run_util_tests(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64_rfc4648),
		cmocka_unit_test(test_b64_url_alphabet),
		cmocka_unit_test(test_b64_refused),
		cmocka_unit_test(test_b64url_strict),
		cmocka_unit_test(test_buf_growth),
		cmocka_unit_test(test_buf_max),
		cmocka_unit_test(test_buf_secret),
		cmocka_unit_test(test_seterr),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_read_stream),
	};

	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
