// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: a KBS resource reply as jwe_decrypt() opens it, with the tee
 * key of tests/data/jwe/p256.pem (the seeds are replies to it, so the
 * fuzzer starts past the key unwrap). */
#include <string.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include "../../userspace/aaeld/aaeld.h"
#include "../../userspace/aaeld/jwe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char key_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgx31LGz7Kb24fDwsu\n"
	"zdjOlFDOFZtYfqo6UpiGApZBZ+mhRANCAARbsS2O38DHTi6yheC6nZPQ5we57m8R\n"
	"n7KaeAjzM32u7BBBLJF78tvlxja0arErNi8W10yEVz7G6JwxA2W3nPh3\n"
	"-----END PRIVATE KEY-----\n"
	;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static EVP_PKEY *key;
	char err[JWE_ERRLEN];
	uint8_t *out;
	size_t len;

	if (!key) {
		BIO *b = BIO_new_mem_buf(key_pem, -1);

		key = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
		if (!key)
			__builtin_trap();
	}
	if (!jwe_decrypt((const char *)data, size, key, &out, &len, err)) {
		/* the NUL after the plaintext is promised */
		if (out[len])
			__builtin_trap();
		jwe_free(out, len);
	} else if (out || len || !err[0]) {
		__builtin_trap();
	}
	return 0;
}
