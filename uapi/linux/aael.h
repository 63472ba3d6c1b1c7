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
 * Access policy (securityfs and netlink alike)
 * --------------------------------------------
 * "Privileged" below means CAP_SYS_ADMIN in the initial user namespace,
 * held by whoever opened the file or the netlink socket -- and over netlink
 * by the sender of the request as well, who must also hold CAP_NET_ADMIN
 * (GENL_ADMIN_PERM, generic netlink's own check, refused before aael
 * looks at the request).
 *  - Recording (event, AAEL_CMD_RECORD): privileged.
 *  - The records (binary_ and ascii_runtime_measurements, mode 0440;
 *    AAEL_CMD_GET_RECORDS: privileged). Reading them takes no lock. The
 *    files are gated by their mode alone, as IMA's measurement lists are
 *    (root and the group may read, capabilities or not): the records are
 *    what the verifier gets anyway; a dump over netlink, whose socket
 *    may be any process's, needs the privilege.
 *  - The register's current value (register_value: mode 0440 and a
 *    privileged opener; AAEL_ATTR_REGISTER of GET_STATUS: sent to
 *    privileged requesters only). It is read from the hardware (a PCR
 *    read per bank, a TDREPORT on TDX) under the writers' lock, so that it
 *    comes with the count of records it holds; so it waits for writers and
 *    for the hardware, and holds them up: hence privileged.
 *  - Everything else -- count, log size, extend failures, state, backend,
 *    index, banks, limits -- anyone: runtime_measurements_count,
 *    log_size, extend_failures, register (0444) and GET_STATUS. They are
 *    served from a status the writers publish whenever it changes
 *    (seqlock), without the writers' lock and without touching the
 *    register: a reader never waits for a writer or a stalled TPM and
 *    never delays one. GET_STATUS's COUNT, LOG_SIZE, FAILURES and STATE
 *    come from one such status.
 *  - The notifications ("records" multicast group): anyone may listen.
 *    Each is built once and sent after the writers' lock is released, in
 *    log order, before the record's writer returns.
 *
 * securityfs interface: /sys/kernel/security/aael/
 * ------------------------------------------------
 * (Also described file by file in docs/ABI/testing/securityfs-aael, which
 * the VM suite checks against the files the module creates.)
 * event (0200, write)
 *	One write() is one event: "domain operation content". The text is
 *	split at its first two spaces. Domain and operation are non-empty and
 *	hold no whitespace and no control character: no byte up to 0x20, no
 *	0x7f, no C1 control (U+0080..U+009F) and none of Unicode's other
 *	White_Space characters (U+00A0, U+1680, U+2000..U+200A, U+2028,
 *	U+2029, U+202F, U+205F, U+3000). Content is any bytes but NUL (it
 *	may be empty and may hold spaces, including a leading one). The whole
 *	text must be valid UTF-8. One trailing '\n' is removed (so that
 *	"echo" works); a content that must end in '\n' needs a second one.
 *	The write must start at offset 0 and carry the whole event: a write
 *	is never split or truncated. On success write() returns the full
 *	count, the register has been extended and the record is in the log.
 *	Errors (the log and the register are unchanged on every one but
 *	ENOTRECOVERABLE, whose register is unknown; extend_failures counts
 *	the register's refusals):
 *	  EPERM    the opener lacks CAP_SYS_ADMIN in the initial user namespace
 *	  EINVAL   empty write, missing field, whitespace or a control
 *	           character in domain/operation, NUL byte, or a write at a
 *	           non-zero offset
 *	  EILSEQ   the text is not valid UTF-8
 *	  E2BIG    the text is longer than the max_event_size parameter
 *	  ENOSPC   the log would exceed the max_log_size parameter
 *	  ENOMEM   no memory for the record
 *	  EIO      the register refused the extend: a TPM response code
 *	           (logged; the TPM did not run the command), or a driver
 *	           error other than those below after which the PCR read
 *	           back unchanged (-ENODEV, -EPERM, -EIO, -EFAULT, ...)
 *	  ETIME    the TPM did not answer in time (-ETIME, -ETIMEDOUT) and
 *	           the PCR read back unchanged; a retry may succeed
 *	  EINTR    killed while waiting for the log lock (a fatal signal:
 *	           the writer never sees it), or the
 *	           driver's wait was (-EINTR, -ERESTARTSYS) and the PCR
 *	           read back unchanged
 *	  EBUSY    TDX: the TDX module stayed busy (TDX_OPERAND_BUSY) through
 *	           every retry of the RTMR extend
 *	  ENODEV   the module is being unloaded (or still loading)
 *	  ENOTRECOVERABLE  the log is broken (see below); nothing more is
 *	           recorded until reboot
 *	A driver error (negative, as opposed to a TPM response code) may
 *	come after the TPM ran the extend. The module then reads the PCR
 *	back, every bank, and compares it with the value it must hold if
 *	the log is right (kept in software): every bank moved by this
 *	record -> the record is committed and write() succeeds; every bank
 *	unchanged -> the error above; anything else, or no read within
 *	~3.5 s (four tries) -> the log is BROKEN: that write and every
 *	later one fail with ENOTRECOVERABLE, the "register" file and
 *	GET_STATUS say so, the kernel logs it once, and the module stays
 *	loaded (pinned) until reboot. The read-back runs in a worker, so a
 *	writer killed during the extend is settled all the same: its record
 *	is in the log exactly when the register holds it.
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
 *	appear as "\xHH", and so do both bytes of each C1 control (U+0080..
 *	U+009F, UTF-8 c2 80..c2 9f: "\xc2\x85" for U+0085); everything else,
 *	spaces and other UTF-8 included, as is.
 *
 * runtime_measurements_count (0444)	number of records, decimal
 * log_size (0444)			bytes of binary_runtime_measurements
 * extend_failures (0444)		events refused because the extend failed
 * register (0444)
 *	What the log is bound to, one "key: value" per line: backend
 *	(tpm, tdx, software, tdx-emulated), hardware (yes, or "no" with a
 *	warning that the register is emulated in kernel memory and proves
 *	nothing), register (what is extended: "PCR 23", "RTMR3", "software"),
 *	index (the register index records carry: the PCR, or on TDX the
 *	CC-MR index, RTMR + 1), banks (algorithm names) and state ("ok", or
 *	"broken" once an extend of unknown outcome may have left the
 *	register off the log: see ENOTRECOVERABLE).
 * register_value (0440, privileged opener, else EPERM on read)
 *	The register's current value, read from the register, one
 *	"<alg>:<hex>" line per bank.
 *
 * Module parameters
 * -----------------
 * backend=auto|tdx|tpm|tdx-emulated|software
 *				auto picks the RTMR on a TDX guest whose kernel
 *				can extend one, else a TPM 2.0, and fails when
 *				there is neither: an emulated register is never
 *				chosen silently. tdx-emulated runs the TDX
 *				backend on registers in kernel memory (tests).
 * pcr=N			TPM: the PCR (default AAEL_DEFAULT_PCR). TDX:
 *				the agent's init_pcr, mapped to a CC-MR as the
 *				agent maps it (1,7->1; 2..6->2; 8..15->3; else
 *				4) and extended into RTMR (CC-MR - 1); default
 *				AAEL_DEFAULT_TDX_PCR (CC-MR 4, RTMR3).
 * banks=LIST			software register banks, e.g. "sha256,sha384".
 * max_event_size=N		bytes of event text (AAEL_DEFAULT_MAX_EVENT).
 * max_log_size=N		bytes of records in the log (AAEL_DEFAULT_MAX_LOG).
 * test_unsafe=1		tests only: the module may be unloaded with
 *				records in its log and the PCR policy is off.
 * test_fault=MODE[:N]		tests only, settable only with test_unsafe=1:
 *				the next N (1..1000) TPM extends end in -ETIME
 *				after the extend was sent (applied), without
 *				sending it (lost), or after extending the first
 *				bank alone (broken); "stall" holds the TPM
 *				in the extend until test_fault is written
 *				again (at most 60 s); "none" disarms. Kernels
 *				with fail_function can inject -ETIME into
 *				aael_tpm_sent (after the extend ran),
 *				aael_tpm_send (instead of sending it) and
 *				aael_tpm_read (the read-back) instead.
 * tdx_emulated_busy=N		tests only, backend=tdx-emulated (ignored by
 *				the others): the next N emulated TDCALLs fail
 *				with TDX_OPERAND_BUSY. Writable at run time.
 *
 * Generic netlink family "aael" (AAEL_GENL_NAME, version 1)
 * ---------------------------------------------------------
 * The structured interface: fields instead of a string to split, the
 * record's sequence number and digests returned to the caller, incremental
 * dumps and notifications. Initial network namespace only. Requests are
 * validated strictly, each command by its own policy: a non-zero
 * genlmsghdr.reserved, unknown nlmsg_flags, an attribute the command does
 * not take (unknown, output-only or another command's), wrong types and
 * oversize values are refused with EINVAL and an extack message (a
 * missing attribute also with NLMSGERR_ATTR_MISS_TYPE), and a refused
 * request records nothing.
 *
 * AAEL_CMD_RECORD (doit; privileged, see the access policy, else EPERM)
 *	Request: AAEL_ATTR_DOMAIN, AAEL_ATTR_OPERATION, AAEL_ATTR_CONTENT,
 *	each a NUL-terminated string with no other NUL (content may be "").
 *	The event text is domain " " operation " " content and obeys the
 *	rules of the event file (errors as there; no newline is stripped).
 *	Reply: AAEL_ATTR_SEQ, AAEL_ATTR_INDEX, AAEL_ATTR_DIGESTS (one
 *	AAEL_ATTR_DIGEST nest per bank: AAEL_DIGEST_ALG, AAEL_DIGEST_VALUE),
 *	AAEL_ATTR_RECORD (the record as it appears in the binary log).
 *
 * AAEL_CMD_GET_STATUS (doit; anyone; takes no attribute)
 *	Reply: AAEL_ATTR_BACKEND (string), AAEL_ATTR_HARDWARE (u8),
 *	AAEL_ATTR_INDEX, AAEL_ATTR_COUNT, AAEL_ATTR_LOG_SIZE,
 *	AAEL_ATTR_FAILURES, AAEL_ATTR_MAX_EVENT, AAEL_ATTR_MAX_LOG,
 *	AAEL_ATTR_STATE (u8, enum aael_state), all of one moment, and to a
 *	privileged requester only AAEL_ATTR_REGISTER: one AAEL_ATTR_DIGEST
 *	nest per bank holding the register's value read from the register
 *	under the writers' lock together with the rest: unless the state is
 *	broken, the first COUNT records replay to exactly that value.
 *	Without privilege, the reply waits for no writer and no hardware.
 *
 * AAEL_CMD_GET_RECORDS (dump; privileged as for RECORD)
 *	Request: optional AAEL_ATTR_SEQ, the first record wanted (default 0).
 *	One message per record: AAEL_ATTR_SEQ, AAEL_ATTR_RECORD. The dump
 *	resumes across messages and ends at the records that existed when it
 *	reached them; a dump from past the end is empty.
 *
 * Multicast group "records" (AAEL_GENL_MCGRP; anyone may join)
 *	AAEL_CMD_NEW_RECORD after every record, in log order, before the
 *	record's write() or RECORD returns: AAEL_ATTR_SEQ,
 *	AAEL_ATTR_INDEX. Content is not sent: listeners fetch records with
 *	GET_RECORDS, which needs privilege. A listener that overran its
 *	socket buffer (ENOBUFS) dumps from the last sequence number it saw.
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
/* The attestation agent's default init_pcr: CC-MR 4, RTMR3 on TDX. */
#define AAEL_DEFAULT_TDX_PCR		17

#define AAEL_DEFAULT_MAX_EVENT		16384
#define AAEL_EVENT_SIZE_LIMIT		61440
#define AAEL_DEFAULT_MAX_LOG		(32U << 20)

#define AAEL_GENL_NAME			"aael"
#define AAEL_GENL_VERSION		1
#define AAEL_GENL_MCGRP			"records"

enum aael_cmd {
	AAEL_CMD_UNSPEC,
	AAEL_CMD_RECORD,
	AAEL_CMD_GET_STATUS,
	AAEL_CMD_GET_RECORDS,
	AAEL_CMD_NEW_RECORD,
	__AAEL_CMD_MAX,
};

#define AAEL_CMD_MAX (__AAEL_CMD_MAX - 1)

enum aael_attr {
	AAEL_ATTR_UNSPEC,
	AAEL_ATTR_PAD,
	AAEL_ATTR_DOMAIN,		/* string */
	AAEL_ATTR_OPERATION,		/* string */
	AAEL_ATTR_CONTENT,		/* string */
	AAEL_ATTR_SEQ,			/* u64 */
	AAEL_ATTR_INDEX,		/* u32, register index */
	AAEL_ATTR_RECORD,		/* binary TCG_PCR_EVENT2 */
	AAEL_ATTR_DIGESTS,		/* nest of AAEL_ATTR_DIGEST */
	AAEL_ATTR_DIGEST,		/* nest of enum aael_digest_attr */
	AAEL_ATTR_BACKEND,		/* string: "tpm", "software" */
	AAEL_ATTR_HARDWARE,		/* u8: 1 = hardware-backed */
	AAEL_ATTR_COUNT,		/* u64 */
	AAEL_ATTR_LOG_SIZE,		/* u64 */
	AAEL_ATTR_FAILURES,		/* u64 */
	AAEL_ATTR_MAX_EVENT,		/* u32 */
	AAEL_ATTR_MAX_LOG,		/* u64 */
	AAEL_ATTR_REGISTER,		/* nest of AAEL_ATTR_DIGEST */
	AAEL_ATTR_STATE,		/* u8, enum aael_state */
	__AAEL_ATTR_MAX,
};

#define AAEL_ATTR_MAX (__AAEL_ATTR_MAX - 1)

/* AAEL_ATTR_STATE; also the "state:" line of the register file */
enum aael_state {
	AAEL_STATE_OK,
	AAEL_STATE_BROKEN,
};

enum aael_digest_attr {
	AAEL_DIGEST_UNSPEC,
	AAEL_DIGEST_ALG,		/* u16, TPM_ALG_ID */
	AAEL_DIGEST_VALUE,		/* binary */
	__AAEL_DIGEST_MAX,
};

#define AAEL_DIGEST_MAX (__AAEL_DIGEST_MAX - 1)

#endif /* _UAPI_LINUX_AAEL_H */
