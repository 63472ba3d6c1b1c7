// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * aaeld's one way to aael.ko: everything aaeld asks the kernel goes through
 * here, so that there is one place that knows which netlink socket a call
 * may use and when a socket must be thrown away.
 *
 * Records and status use a socket per thread, kept for the thread's next
 * call (libmicrohttpd's pool workers serve thousands of records each): one
 * socket per call would cost a bind and a family lookup per record. A
 * transport error drops it; the next call opens a new one. Dumps (the log
 * read, cc_eventlog) get a socket of their own, closed at the end: a dump
 * stopped early leaves messages queued on its socket that the next call
 * must not read as its reply.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "aaeld.h"

#define CCEL_TABLE	"/sys/firmware/acpi/tables/data/CCEL"

static pthread_key_t client_key;
static pthread_once_t client_once = PTHREAD_ONCE_INIT;
static int client_key_rc;

static void client_free(void *c)
{
	aael_client_close(c);
}

static void client_key_make(void)
{
	client_key_rc = pthread_key_create(&client_key, client_free);
}

/* The thread's socket, or NULL with *rc: aael_client_open's own error
 * (-ENOENT only when there is no aael family: callers tell it apart). */
static struct aael_client *client(int *rc, char *err)
{
	struct aael_client *c;

	pthread_once(&client_once, client_key_make);
	if (client_key_rc) {
		*rc = aael_seterr(err, -client_key_rc, "cannot keep a kernel connection per thread");
		return NULL;
	}
	c = pthread_getspecific(client_key);
	if (c)
		return c;
	*rc = aael_client_open(&c, err);
	if (*rc)
		return NULL;
	if (pthread_setspecific(client_key, c)) {
		aael_client_close(c);
		*rc = aael_seterr(err, -ENOMEM, "out of memory for a kernel connection");
		return NULL;
	}
	return c;
}

/* After a transport error (or no module) the next call gets a fresh socket. */
static void client_drop(int rc)
{
	if (rc != -EIO && rc != -ENOENT)
		return;
	aael_client_close(pthread_getspecific(client_key));
	pthread_setspecific(client_key, NULL);
}

int kernel_record(const char *domain, const char *operation,
		  const char *content, struct aael_recorded *rec, char *err)
{
	int rc = 0;
	struct aael_client *c = client(&rc, err);

	if (!c)
		return rc;
	rc = aael_client_record(c, domain, operation, content, rec, err);
	client_drop(rc);
	return rc;
}

int kernel_status(struct aael_status *st, char *err)
{
	int rc = 0;
	struct aael_client *c = client(&rc, err);

	if (!c)
		return rc;
	rc = aael_client_status(c, st, err);
	client_drop(rc);
	return rc;
}

int kernel_dump(uint64_t from, aael_record_fn fn, void *arg, char *err)
{
	struct aael_client *c;
	int rc = aael_client_open(&c, err);

	if (rc)
		return rc;
	rc = aael_client_dump(c, from, fn, arg, err);
	aael_client_close(c);
	return rc;
}

/*
 * cc_eventlog: the firmware's CCEL (when the platform has one) + the aael
 * records + the end marker. st (may be NULL) gets the status that bounds
 * it: its count of records and the register values they replay to, read
 * together by the kernel.
 */
int kernel_cc_eventlog(uint8_t **blob, size_t *len, struct aael_status *st,
		       char *err)
{
	struct aael_status own;
	struct aael_client *c;
	char ignored[AAEL_ERRLEN];
	size_t ccel_len = 0;
	/* no CCEL (TPM and sample guests): the log's own Spec ID header */
	uint8_t *ccel = aael_read_file(CCEL_TABLE, AAELD_FILE_MAX, &ccel_len, ignored);
	int rc;

	rc = aael_client_open(&c, err);
	if (!rc) {
		rc = aael_client_cc_eventlog(c, ccel, ccel_len, st ? st : &own,
					     blob, len, err);
		aael_client_close(c);
	}
	free(ccel);
	return rc;
}
