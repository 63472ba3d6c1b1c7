/* SPDX-License-Identifier: GPL-2.0 */
#ifndef AAEL_TEST_KERNEL_LOG_H
#define AAEL_TEST_KERNEL_LOG_H

#include <stdint.h>
#include "aael.h"

#define AAEL_SFS "/sys/kernel/security/aael/"

/*
 * Read the kernel's binary_runtime_measurements and parse all of it: a
 * Spec ID header, whole records, nothing after them. Returns 0 with *buf
 * (to free) holding what log points into, or -1 after printing why.
 */
int load_kernel_log(struct aael_eventlog *log, uint8_t **buf);

#endif
