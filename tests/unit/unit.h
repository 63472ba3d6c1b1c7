/* SPDX-License-Identifier: GPL-2.0 */
#ifndef AAEL_UNIT_H
#define AAEL_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

int run_record_tests(void);
int run_eventlog_tests(void);
int run_toml_tests(void);
int run_netlink_tests(void);
int run_kbs_reply_tests(void);
int run_kbs_client_tests(void);
int run_jwe_tests(void);
int run_kbs_resource_tests(void);
int run_util_tests(void);
int run_event_tests(void);

/* Helpers shared by the test files. */
size_t unhex(const char *hex, uint8_t *out, size_t max);
size_t unbase64(const char *b64, uint8_t *out, size_t max);
uint8_t *read_file(const char *path, size_t *len);

#endif
