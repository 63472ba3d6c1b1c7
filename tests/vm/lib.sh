# SPDX-License-Identifier: GPL-2.0
# Guest-side test helpers: TAP output to $AAEL_OUT/$SUITE.tap, and the
# checks every register backend must pass. Sourced by the suite scripts.

A=/sys/kernel/security/aael
VT=/mnt/build/aael-vmtest
KO=/mnt/${AAEL_KO:-kmod/aael.ko}
TAP=$AAEL_OUT/$SUITE.tap
N=0
FAILED=0
mkdir -p "$AAEL_OUT"
: > "$TAP"

ok() {
	N=$((N + 1))
	echo "ok $N - $1" | tee -a "$TAP"
}

not_ok() {
	N=$((N + 1))
	FAILED=$((FAILED + 1))
	echo "not ok $N - $1" | tee -a "$TAP"
	shift
	[ $# -gt 0 ] && printf '%s\n' "$*" | sed 's/^/#   /' | tee -a "$TAP"
	return 0
}

# check DESC CMD...: passes when CMD exits 0
check() {
	desc=$1
	shift
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}

# expect DESC GOT WANT
expect() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "got:  $2" "want: $3"
	fi
}

finish() {
	echo "1..$N" >> "$TAP"
	echo "# $SUITE: $((N - FAILED)) passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}

# wait_http URL: until something answers there (at most 10 s); fails if
# nothing did, so a caller that checks can tell a dead server from a slow one.
wait_http() {
	i=0
	while ! curl -s -o /dev/null "$1"; do
		[ $i -lt 100 ] || return 1
		sleep 0.1; i=$((i + 1))
	done
}

# sha384/sha512 are a module on some kernels (6.1), built in on others.
load_hashes() {
	modprobe -d "${AAEL_KMODS%/lib/modules/*}" crypto-sha512 2>/dev/null
	return 0
}

# refuse_load DESC DMESG-PATTERN PARAMS...: the load fails, says why, and
# leaves no module behind.
refuse_load() {
	desc=$1 pattern=$2
	shift 2
	dmesg -C
	if insmod "$KO" "$@" 2>/dev/null; then
		rmmod aael 2>/dev/null
		not_ok "$desc" "insmod $* succeeded"
	elif [ -d /sys/module/aael ]; then
		not_ok "$desc" "module left loaded"
	elif ! dmesg | grep -q "aael: .*$pattern"; then
		not_ok "$desc" "no kernel message matching '$pattern':" "$(dmesg | tail -n 5)"
	else
		ok "$desc"
	fi
}

# Everything a failed write must leave alone.
state() {
	echo "count=$(cat $A/runtime_measurements_count)" \
	     "size=$(cat $A/log_size)" \
	     "log=$(sha256sum < $A/binary_runtime_measurements | cut -c1-16)" \
	     "reg=$(tr '\n' ' ' < $A/register_value)"
}

# refused DESC MATCH WANT CMD...: CMD's output satisfies MATCH (same: is
# WANT; has: contains the pattern WANT) and nothing changes.
same() { [ "$1" = "$2" ]; }
has() { echo "$1" | grep -q "$2"; }
refused() {
	desc=$1 match=$2 want=$3
	shift 3
	before=$(state)
	got=$("$@" 2>&1)
	after=$(state)
	if ! $match "$got" "$want"; then
		not_ok "$desc" "got '$got', want $want"
	elif [ "$before" != "$after" ]; then
		not_ok "$desc" "state changed:" "$before" "$after"
	else
		ok "$desc"
	fi
}

# reject DESC ERRNO CMD...: the write fails with ERRNO, nothing changes
reject() {
	desc=$1 want=$2
	shift 2
	refused "$desc" same "$want" "$@"
}

# The replay of the binary log (by libaael) equals the register in every
# bank; for a TPM, equals sysfs and tpm2_eventlog's replay too.
check_replay() {
	desc=$1 pcr=$2
	replay=$($VT verify "$pcr" | grep -v '^events')
	reg=$(cat $A/register_value)
	if [ -z "$replay" ] || [ "$replay" != "$reg" ]; then
		not_ok "$desc: replay = register_value" "replay: $replay" "register: $reg"
		return
	fi
	ok "$desc: replay = register_value ($(echo "$replay" | wc -l) banks)"
	# The same from code that shares nothing with libaael or the kernel.
	cp $A/binary_runtime_measurements /tmp/aael-replay.log
	expect "$desc: python3 hashlib replay of the kernel's log = register_value" \
		"$(python3 /mnt/tests/vm/aael-oracle.py replay /tmp/aael-replay.log 2>&1)" "$reg"
	[ "$(sed -n 's/^backend: //p' $A/register)" = tpm ] || return 0
	bad=
	for line in $replay; do
		alg=${line%%:*}
		sysfs=$(tr 'A-F' 'a-f' < /sys/class/tpm/tpm0/pcr-$alg/$pcr)
		[ "$sysfs" = "${line#*:}" ] || bad="$bad $alg(sysfs $sysfs)"
	done
	[ -z "$bad" ] && ok "$desc: replay = /sys/class/tpm PCR $pcr" ||
		not_ok "$desc: replay = /sys/class/tpm PCR $pcr" "$bad"
	# tpm2_eventlog lists only PCRs that have events.
	[ "$(cat $A/runtime_measurements_count)" -gt 0 ] || return 0
	cp $A/binary_runtime_measurements /tmp/aael.log
	ev=$(tpm2_eventlog /tmp/aael.log 2>&1 | awk -v pcr="$pcr" '
		/^pcrs:/ { in_pcrs = 1; next }
		in_pcrs && /^  [a-z0-9_]+:$/ { alg = $1; sub(":", "", alg) }
		in_pcrs && $1 == pcr && $2 == ":" { v = $3; sub("^0x", "", v); print alg ":" v }')
	expect "$desc: tpm2_eventlog replay = register" "$ev" "$replay"
}

# Every malformed write is refused with its errno and changes nothing.
check_bad_writes() {
	max=$(cat /sys/module/aael/parameters/max_event_size)
	reject "empty write: EINVAL" EINVAL $VT write ""
	reject "lone newline: EINVAL" EINVAL $VT write --hex 0a
	reject "domain only: EINVAL" EINVAL $VT write "test"
	reject "no content separator: EINVAL" EINVAL $VT write "test test"
	reject "double space (empty operation): EINVAL" EINVAL $VT write "test  test x"
	reject "leading space (empty domain): EINVAL" EINVAL $VT write " test test x"
	reject "tab in domain: EINVAL" EINVAL $VT write --hex 6109622063206420
	reject "NUL byte in content: EINVAL" EINVAL $VT write --hex 6120622063006420
	reject "invalid UTF-8: EILSEQ" EILSEQ $VT write --hex 61206220ff
	reject "overlong UTF-8: EILSEQ" EILSEQ $VT write --hex 61206220c0af
	# Unicode White_Space beyond ASCII (U+0085, U+00A0, U+1680,
	# U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000) and C1
	# controls: refused in the domain and in the operation, recorded in
	# the content. One state read for all of them keeps this quick.
	ws="c285 c2a0 e19a80 e28080 e28081 e28082 e28083 e28084 e28085 e28086
		e28087 e28088 e28089 e2808a e280a8 e280a9 e280af e2819f e38080
		c280 c29f"
	before=$(state) got=
	for u in $ws; do
		got="$got $u:$($VT write --hex "64${u}20622063"):$($VT write --hex "612062${u}2063")"
	done
	expect "Unicode whitespace and C1 controls in domain, operation: EINVAL" \
		"$got" "$(for u in $ws; do printf ' %s:EINVAL:EINVAL' "$u"; done)"
	expect "... and nothing changed" "$(state)" "$before"
	expect "... in the content they are recorded" \
		"$($VT write --hex "6120622063$(echo $ws | tr -d ' ')")" ok
	reject "write at offset 1: EINVAL" EINVAL $VT write --offset 1 "a b c"
	reject "text of max_event_size + 1: E2BIG" E2BIG $VT write --fill $((max + 1)) "big x "
	reject "max + 1 and a newline: E2BIG" E2BIG $VT write --fill $((max + 1)) --nl "big x "
	reject "1 MiB: E2BIG" E2BIG $VT write --fill 1048576 "big x "
	# Unprivileged runs exec a copy on the guest's tmpfs: the checkout may
	# sit in a directory only root can enter (a mktemp -d clone).
	vt_any=/tmp/aael-vmtest-anyone
	cp $VT $vt_any && chmod 0755 $vt_any
	reject "non-root: EACCES" EACCES setpriv --reuid=65534 --regid=65534 --clear-groups $vt_any write "a b c"
	reject "root without CAP_SYS_ADMIN: EPERM" EPERM \
		setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin $VT write "a b c"
	reject "user-namespace root: EPERM" EPERM unshare --user --map-root-user $VT write "a b c"
	reject "user namespace of a non-root user: EACCES" EACCES \
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		unshare --user --map-root-user $vt_any write "a b c"

	c=$(cat $A/runtime_measurements_count)
	check "text of exactly max_event_size is recorded" $VT write --fill "$max" "big x "
	check "max_event_size and a newline is recorded" $VT write --fill "$max" --nl "big y "
	expect "two big records appended" "$(cat $A/runtime_measurements_count)" $((c + 2))
	check "opener's capability counts: written after dropping to uid 65534" \
		$VT write --drop-to 65534 "fd passed down"
	echo 64 > /sys/module/aael/parameters/max_event_size
	reject "max_event_size lowered to 64: 65 bytes E2BIG" E2BIG $VT write --fill 65 "big x "
	if echo 4 > /sys/module/aael/parameters/max_event_size 2>/dev/null; then
		not_ok "max_event_size=4 refused"
	else
		ok "max_event_size=4 refused"
	fi
	echo "$max" > /sys/module/aael/parameters/max_event_size
}

# The log cap: the record that fits is taken, the next gets ENOSPC.
check_log_cap() {
	cap=/sys/module/aael/parameters/max_log_size
	old=$(cat $cap)
	s0=$(cat $A/log_size)
	check "cap: a record under the cap" $VT write "cap test 1"
	rec=$(( $(cat $A/log_size) - s0 ))
	used=$(( $(cat $A/log_size) - $(header_size) ))
	echo $((used + rec)) > $cap
	check "cap: the record that exactly fills the cap" $VT write "cap test 2"
	reject "cap: the next record gets ENOSPC" ENOSPC $VT write "cap test 3"
	echo "$old" > $cap
	check "cap raised again: recording resumes" $VT write "cap test 4"
}

# Spec ID header size for the register's bank count (32 + 29 + 4 per bank).
header_size() {
	nb=$(sed -n 's/^banks: //p' $A/register | wc -w)
	echo $((61 + 4 * nb))
}

# Concurrent writers with readers running: nothing lost, nothing reordered,
# no reader ever sees a partial record, and the log replays.
check_concurrency() {
	writers=$1 events=$2 pcr=$3
	c=$(cat $A/runtime_measurements_count)
	(
		i=0
		while [ ! -f /tmp/stress.done ]; do
			$VT verify "$pcr" > /dev/null || { echo "reader $i failed"; exit 1; }
			i=$((i + 1))
		done
		echo "readers ok after $i full reads"
	) > /tmp/readers.out 2>&1 &
	rpid=$!
	check "$writers writers x $events events: each once, in writer order" \
		$VT stress "$writers" "$events"
	touch /tmp/stress.done
	wait $rpid
	check "readers during the writes never saw a partial record" \
		grep -q "readers ok" /tmp/readers.out
	rm -f /tmp/stress.done
	expect "count after the writers" "$(cat $A/runtime_measurements_count)" \
		$((c + writers * events))
	check_replay "after $((writers * events)) concurrent events" "$pcr"
}

# nl_sockets PID: the /proc/net/netlink lines (sk Eth Pid Groups Rmem Wmem
# Dump Locks Drops Inode) of PID's generic netlink sockets, found by inode.
nl_sockets() {
	ls -l /proc/"$1"/fd 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' |
		awk 'NR == FNR { own[$1] = 1; next } $2 == 16 && ($10 in own)' \
			- /proc/net/netlink
}

# nl_joined PID: some generic netlink socket of PID is in a multicast group
# (a group id above 31 would not show here: a false failure, never a pass).
nl_joined() {
	nl_sockets "$1" | awk '$4 != "00000000" { found = 1 } END { exit !found }'
}

# nl_drops PID: notifications dropped on PID's sockets (the ENOBUFS count).
nl_drops() {
	nl_sockets "$1" | awk '{ s += $9 } END { print s + 0 }'
}

# oracle record|digests INDEX TEXT: what the kernel must produce for TEXT
# on this register's banks, computed by python3's hashlib alone (neither
# the kernel's code nor libaael's): the record as hex, or its digests as
# "alg:hex" words in bank order.
oracle() {
	python3 - "$1" "$2" "$3" "$(sed -n 's/^banks: //p' $A/register)" <<'PY'
import hashlib, os, struct, sys
mode, index, text, banks = sys.argv[1], int(sys.argv[2]), os.fsencode(sys.argv[3]), sys.argv[4].split()
alg_id = {'sha1': 0x4, 'sha256': 0xb, 'sha384': 0xc, 'sha512': 0xd, 'sm3_256': 0x12}
event = struct.pack('<II', 0x4141454C, len(text)) + text
digests = [hashlib.new(b, event).digest() for b in banks]
if mode == 'digests':
    print(' '.join('%s:%s' % (b, d.hex()) for b, d in zip(banks, digests)))
else:
    rec = struct.pack('<III', index, 6, len(banks))
    for b, d in zip(banks, digests):
        rec += struct.pack('<H', alg_id[b]) + d
    print((rec + struct.pack('<I', len(event)) + event).hex())
PY
}

# wait_until SECONDS CMD...: runs CMD every 0.1 s until it succeeds; returns 1
# if it never did. A bounded wait on something observable, for checks that
# would otherwise sleep and hope; the caller fails its check on 1.
wait_until() {
	wu_left=$(($1 * 10))
	shift
	while ! "$@" > /dev/null 2>&1; do
		wu_left=$((wu_left - 1))
		[ $wu_left -gt 0 ] || return 1
		sleep 0.1
	done
}

# exit_status PID SIGNAL: sends SIGNAL and sets ES to the status PID (a
# child of this shell, so not from a $(...) subshell) exits with, or to
# "still running" if it has not exited 10 s later (it is then killed): a
# hang is a failure, not a stuck suite.
exited() { [ ! -e "/proc/$1" ] || [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" = Z ]; }
exit_status() {
	kill -"$2" "$1"
	if wait_until 10 exited "$1"; then
		wait "$1"
		ES=$?
	else
		kill -9 "$1"
		wait "$1"
		ES="still running 10 s after SIG$2"
	fi
}

# ledger LEDGER...: sets OKS and TRIES, the ok and all attempts in these
# aael-load ledgers (whole lines only, as aael-load count reads them).
ledger() {
	# shellcheck disable=SC2046
	set -- $(/mnt/build/aael-load count "$@")
	OKS=${1:--1} TRIES=${2:--1}
}

# quote_files EVIDENCE: TPM evidence's quote in the files tpm2_checkquote
# reads: /tmp/ak.pem, /tmp/msg.bin, /tmp/sig.bin and /tmp/pcrs.bin, the
# last tpm2-tools' PCR file (tss2 layout: TPML_PCR_SELECTION, a count of
# TPML_DIGESTs, then three TPML_DIGESTs of 8 values each) of all 24 sha256
# PCRs the evidence lists.
quote_files() {
	jq -r .ak_public "$1" | base64 -d > /tmp/ak.der
	openssl pkey -pubin -inform DER -in /tmp/ak.der -out /tmp/ak.pem 2>/dev/null
	jq -r .tpm_quote.message "$1" | base64 -d > /tmp/msg.bin
	jq -r .tpm_quote.signature "$1" | base64 -d > /tmp/sig.bin
	python3 - "$1" /tmp/pcrs.bin <<'PY'
import json, struct, sys
pcrs = [bytes.fromhex(p) for p in json.load(open(sys.argv[1]))["tpm_quote"]["pcrs"]]
sel = struct.pack("<I", 1) + struct.pack("<HB4sx", 0x0B, 3, b"\xff\xff\xff\0") + bytes(8 * 15)
digs = b"".join(struct.pack("<I", 8) + b"".join(struct.pack("<H", 32) + p + bytes(32) for p in pcrs[i:i + 8])
                for i in (0, 8, 16))
open(sys.argv[2], "wb").write(sel + struct.pack("<I", 3) + digs)
PY
}

# The suites run aaeld built with ASan/UBSan (make build/asan/aaeld):
# asan_start sends every report to $AAEL_OUT/asan-aaeld.PID (none left from
# an earlier run), asan_check fails on any. Only aaeld reads ASAN_OPTIONS:
# nothing else in the guest is sanitized.
AAELD_ASAN=/mnt/build/asan/aaeld
asan_start() {
	rm -f "$AAEL_OUT"/asan-aaeld.*
	# handle_sigill: UBSan traps in this build (see the Makefile)
	export ASAN_OPTIONS="log_path=$AAEL_OUT/asan-aaeld:detect_leaks=1:handle_sigill=1"
	check "aaeld under test is the ASan/UBSan build" sh -c \
		"[ -x $AAELD_ASAN ] && nm -D $AAELD_ASAN | grep -q __asan_init"
}
asan_check() {
	reports=$(ls "$AAEL_OUT"/asan-aaeld.* 2>/dev/null)
	if [ -z "$reports" ]; then
		ok "no ASan/UBSan report from any aaeld of this suite"
	else
		# shellcheck disable=SC2086
		not_ok "no ASan/UBSan report from any aaeld of this suite" "$(head -n 80 $reports)"
	fi
}
