/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * aael - in-kernel runtime attestation event log (AAEL) for confidential VMs
 *
 * An AAEL event is three strings: a domain, an operation and a content. The
 * kernel turns it into a TCG tagged event, hashes it once per bank of the
 * measurement register, extends the register and appends the record to an
 * append-only log -- as one step under one lock, so that the log always
 * replays to the register. Records are byte-identical to those of the
 * Confidential Containers attestation agent.
 *
 * Record format
 * -------------
 * Event text:   domain " " operation " " content   (no NUL, no trailing '\n')
 * Tagged event: le32 AAEL_TAGGED_EVENT_ID, le32 text length, text
 * Record:       TCG_PCR_EVENT2: le32 register index, le32 AAEL_EV_EVENT_TAG,
 *               le32 bank count, { le16 TPM_ALG_ID, digest } per bank,
 *               le32 event size, tagged event.
 * Each digest is the bank's hash of the whole tagged event; that digest is
 * what is extended: new = H(old || digest).
 *
 * securityfs interface: /sys/kernel/security/aael/
 * ------------------------------------------------
 * event (0200, write)
 *	One write() is one event: "domain operation content". The text is
 *	split at its first two spaces. Domain and operation are non-empty and
 *	hold no whitespace or control byte; content is any bytes but NUL (it
 *	may be empty and may hold spaces, including a leading one). The whole
 *	text must be valid UTF-8. One trailing '\n' is removed (so that
 *	"echo" works); a content that must end in '\n' needs a second one.
 *	The write must start at offset 0 and carry the whole event: a write
 *	is never split or truncated. On success write() returns the full
 *	count, the register has been extended and the record is in the log.
 *	Errors (the log and the register are unchanged on every one):
 *	  EPERM    the opener lacks CAP_SYS_ADMIN in the initial user namespace
 *	  EINVAL   empty write, missing field, whitespace in domain/operation,
 *	           NUL byte, or a write at a non-zero offset
 *	  EILSEQ   the text is not valid UTF-8
 *	  E2BIG    the text is longer than the max_event_size parameter
 *	  ENOSPC   the log would exceed the max_log_size parameter
 *	  ENOMEM   no memory for the record
 *	  EIO      the register refused the extend (the TPM's own code is
 *	           logged); other negative errors of the TPM driver pass through
 *	  EINTR    interrupted while waiting for the log lock
 *
 * binary_runtime_measurements (0440)
 *	The log as a TCG2 crypto-agile event log: a legacy TCG_PCR_EVENT
 *	(EV_NO_ACTION) carrying the "Spec ID Event03" header that lists the
 *	register's banks, then one record per event, in extend order.
 *
 * ascii_runtime_measurements (0440)
 *	One line per record:
 *	  <seq> <register index> <alg>:<hex digest>... <escaped text>
 *	<seq> counts from 0. In the text, bytes below 0x20, 0x7f and '\'
 *	appear as "\xHH"; everything else, spaces and UTF-8 included, as is.
 *
 * runtime_measurements_count (0444)	number of records, decimal
 * log_size (0444)			bytes of binary_runtime_measurements
 * extend_failures (0444)		events refused because the extend failed
 * register (0444)
 *	What the log is bound to, one "key: value" per line: backend
 *	(tpm, software), hardware (yes, or "no" with a warning that the
 *	register is emulated in kernel memory and proves nothing), index
 *	(the register index records carry) and banks (algorithm names).
 * register_value (0440)
 *	The register's current value, one "<alg>:<hex>" line per bank.
 *
 * Module parameters
 * -----------------
 * backend=auto|tpm|software	auto picks a TPM 2.0 and fails when there is
 *				none: the software register is never chosen
 *				silently.
 * pcr=N			TPM PCR to extend (default AAEL_DEFAULT_PCR).
 * banks=LIST			software register banks, e.g. "sha256,sha384".
 * max_event_size=N		bytes of event text (AAEL_DEFAULT_MAX_EVENT).
 * max_log_size=N		bytes of records in the log (AAEL_DEFAULT_MAX_LOG).
 * test_unsafe=1		tests only: the module may be unloaded with
 *				records in its log and the PCR policy is off.
 */
#ifndef _UAPI_LINUX_AAEL_H
#define _UAPI_LINUX_AAEL_H

#define AAEL_SECURITYFS_DIR		"aael"

/* TCG_PCClientTaggedEvent.taggedEventID: "LEAA" on the wire */
#define AAEL_TAGGED_EVENT_ID		0x4141454CU
#define AAEL_TAGGED_EVENT_HDR		8

/* TCG event types used by the log */
#define AAEL_EV_NO_ACTION		0x00000003U
#define AAEL_EV_EVENT_TAG		0x00000006U

/* TPM_ALG_ID values of the banks a log may carry */
#define AAEL_ALG_SHA1			0x0004
#define AAEL_ALG_SHA256			0x000B
#define AAEL_ALG_SHA384			0x000C
#define AAEL_ALG_SHA512			0x000D
#define AAEL_ALG_SM3_256		0x0012

#define AAEL_MAX_BANKS			8
#define AAEL_MAX_DIGEST			64

/*
 * PCR 23 is the application PCR: extendable at locality 0 and reset only by
 * a reboot or TPM2_PCR_Reset. 17..22 are DRTM PCRs Linux cannot extend, 10
 * is IMA's, 0..15 carry boot measurements this log does not hold.
 */
#define AAEL_DEFAULT_PCR		23

#define AAEL_DEFAULT_MAX_EVENT		16384
#define AAEL_EVENT_SIZE_LIMIT		262144
#define AAEL_DEFAULT_MAX_LOG		(32U << 20)

#endif /* _UAPI_LINUX_AAEL_H */
