/* SPDX-License-Identifier: GPL-2.0 */
/* What the module's files share: the register, the log and the limits. */
#ifndef _AAEL_H
#define _AAEL_H

#include <linux/types.h>
#include "register.h"

extern struct aael_register aael_reg;
extern unsigned int aael_max_event_size;
extern unsigned long aael_max_log_size;
extern bool aael_test_unsafe;

/* log.c: the append-only record store; writers are serialised by measure.c */
int aael_log_init(const struct aael_alg *algs, unsigned int nr_algs);
void aael_log_destroy(void);
u8 *aael_log_reserve(size_t len);
void aael_log_cancel(void);
unsigned long aael_log_commit(u8 *slot, size_t len);
unsigned long aael_log_count(void);
size_t aael_log_size(void);
const u8 *aael_log_header(size_t *len);
const u8 *aael_log_record(unsigned long seq);
size_t aael_log_record_len(const u8 *rec);

/* measure.c: event -> record -> extend -> append, as one step */
struct aael_measurement {
	unsigned long seq;
};

int aael_measure(const char *text, size_t len, struct aael_measurement *m);
void aael_measure_accept(void);
/* An extend of unknown outcome left the register maybe off the log. */
bool aael_log_broken(void);
/* What anyone may read: one moment's, without the writers' lock. */
struct aael_status {
	u64 count;
	u64 log_size;
	u64 failures;
	bool broken;
};

void aael_status_publish(void);
void aael_status_read(struct aael_status *st);
/* The register in every bank and the status of the same moment. */
struct aael_snapshot {
	struct aael_status status;
	u8 values[AAEL_MAX_BANKS][AAEL_MAX_DIGEST];
};

int aael_snapshot(struct aael_snapshot *snap);

/* netlink.c */
int aael_netlink_init(void);
void aael_netlink_exit(void);
void aael_netlink_notify(u64 seq);

/* securityfs.c */
int aael_securityfs_init(void);
void aael_securityfs_exit(void);

#endif /* _AAEL_H */
