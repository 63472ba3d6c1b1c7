/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef AAELD_JWE_H
#define AAELD_JWE_H

#include <stddef.h>
#include <stdint.h>

struct evp_pkey_st;

#include "aael.h"

/* an aaeld error line: the same size */
#define JWE_ERRLEN AAEL_ERRLEN

/*
 * Open a KBS resource reply (Trustee's JWE in JSON form) with the tee key
 * it was encrypted to. On success *out (*len bytes, followed by a NUL that
 * is not counted) is the plaintext, to be freed with jwe_free(); on error
 * -1, *out NULL and err says why.
 */
int jwe_decrypt(const char *json, size_t json_len, struct evp_pkey_st *key,
		uint8_t **out, size_t *len, char err[JWE_ERRLEN]);

/* Wipe and free a plaintext from jwe_decrypt() or kbs_resource(). */
void jwe_free(uint8_t *p, size_t len);

#endif
