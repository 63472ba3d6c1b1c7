# SPDX-License-Identifier: GPL-2.0
# Unloads racing the first records over netlink (a RECORD holds no module
# reference), on the software register and, when the boot has a TPM, on
# PCR 23. securityfs is not raced: an open event file holds the module, and
# an open racing rmmod only meets the kernel's WARN_ON in do_dentry_open()
# (fs/open.c), before any aael code (docs/TESTING.md, Lifecycle). The
# invariants, round after round:
#  - test_unsafe=1 (no pin, unload with records): what a writer was told
#    is what happened. On the TPM, whose PCR outlives the module, PCR 23
#    is the fold of exactly the records reported ok, in order: a record
#    still running when rmmod began is refused (ENODEV) and extends
#    nothing; no refusal other than "module gone" is seen.
#  - the default (pin on the first record): either every first record is
#    refused and the register is untouched (TPM: PCR 23 still zero), or
#    the module stays loaded, pinned, with every record reported ok in its
#    log, which replays to the register.
#  - no kernel WARNING, BUG, Oops (KASAN and lockdep reports too, on the
#    debug kernel).
#
# AAEL_SCALE multiplies the rounds.
SUITE=lifecycle-$AAEL_TPM
. /mnt/tests/vm/lib.sh
L=/mnt/build/aael-load
S=${AAEL_SCALE:-1}
TPM=
[ -e /dev/tpmrm0 ] && [ -e /sys/class/tpm/tpm0/pcr-sha256/23 ] && TPM=1

load_hashes
dmesg -C

# Refusals a writer may see once the module is going or gone: ENODEV (the
# record found the module going), ENOENT (the event file or the family is
# gone; aael-vmtest names it, aael-load spells it out).
GONE='No such device|No such file or directory|ENOENT'

# pcr_banks: "alg:hex" of PCR 23 in every bank sysfs shows
pcr_banks() {
	for f in /sys/class/tpm/tpm0/pcr-*/23; do
		alg=${f#/sys/class/tpm/tpm0/pcr-}
		echo "${alg%/23}:$(tr 'A-F' 'a-f' < "$f")"
	done
}

# fold PREFIX WRITER: PCR 23 in every bank after a reset and the records
# the ledger of WRITER reports ok, in its order (one writer: its order is
# the extend order). Texts as aael-load's netlink writer builds them.
fold() {
	awk '$2 == "ok" { print $1 }' /tmp/ledger-$1-$2 |
	python3 -c '
import hashlib, struct, sys
prefix, w = sys.argv[1], sys.argv[2]
algs = sys.argv[3:]
pcr = {a: bytes(hashlib.new(a).digest_size) for a in algs}
for j in sys.stdin.read().split():
    text = ("rel %s w%s %s" % (prefix, w, j)).encode()
    event = struct.pack("<II", 0x4141454C, len(text)) + text
    for a in algs:
        pcr[a] = hashlib.new(a, pcr[a] + hashlib.new(a, event).digest()).digest()
for a in algs:
    print("%s:%s" % (a, pcr[a].hex()))
' "$1" "$2" $(pcr_banks | cut -d: -f1)
}

pcr_reset() { tpm2_pcrreset 23 > /dev/null 2>&1; }
pcr_zero() { ! pcr_banks | cut -d: -f2 | grep -q '[^0]'; }

# rmmod_spin: rmmod until it works (at most N tries); 0 when it did
rmmod_spin() {
	i=0
	while ! rmmod aael 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt "$1" ] || return 1
	done
}

# 1. test_unsafe=1: writers keep recording while rmmod succeeds between
# (or during) their records.
R=$((40 * S))
bad= pcrbad= nodev=0 oks=0
for r in $(seq 1 $R); do
	if [ -n "$TPM" ]; then
		pcr_reset
		args="backend=tpm pcr=23"
		writers=1 modes=nl
	else
		args="backend=software banks=sha256,sha384"
		writers=2 modes=nl
	fi
	insmod $KO $args test_unsafe=1 || { bad="$bad insmod$r"; continue; }
	rm -f /tmp/ledger-u$r-*
	# long enough streams that rmmod (tens of ms under TCG) lands inside
	$L run u$r $writers 3000 $modes > /tmp/run.$r 2>&1 &
	p=$!
	# let the writers start, then unload in the middle of the stream
	wait_until 20 test -s /tmp/ledger-u$r-0 || bad="$bad nostart$r"
	sleep 0.0$((r % 10))
	rmmod_spin 2000 || bad="$bad rmmod$r"
	wait $p
	[ -d /sys/module/aael ] && { bad="$bad stuck$r"; rmmod aael 2>/dev/null; }
	grep -q . /tmp/run.$r && bad="$bad run$r($(head -c 80 /tmp/run.$r))"
	other=$(cat /tmp/ledger-u$r-* 2>/dev/null |
		grep -v ' ok$' | grep -v '^ok$' | grep -Ev "$GONE" | head -n 1)
	[ -n "$other" ] && bad="$bad refused$r($other)"
	nodev=$((nodev + $(cat /tmp/ledger-u$r-* | grep -c 'No such device')))
	oks=$((oks + $(cat /tmp/ledger-u$r-* | grep -c ' ok$')))
	if [ -n "$TPM" ]; then
		want=$(fold u$r 0)
		got=$(pcr_banks)
		[ "$got" = "$want" ] || pcrbad="$pcrbad pcr$r($(grep -c ' ok$' /tmp/ledger-u$r-0) ok)"
	fi
done
reg=software
[ -n "$TPM" ] && reg="TPM PCR 23"
expect "unsafe, $reg: $R rounds of rmmod under recording writers ($oks recorded, $nodev refused ENODEV in flight)" \
	"$bad" ""
# Records refused in flight are the proof that rmmod landed inside the
# stream at least once; without one, nothing raced.
check "unsafe, $reg: some records were under way when rmmod began ($nodev ENODEV), some recorded ($oks)" \
	test "$nodev" -gt 0 -a "$oks" -gt 0
[ -n "$TPM" ] &&
	expect "unsafe, TPM: after every round PCR 23 = the fold of exactly the records reported ok" \
		"$pcrbad" ""

# 2. The default: first records against rmmod, until one round pins the
# module (which then stays for the rest of the boot).
R=$((30 * S))
bad= refused_rounds=0 attempted=0 pinned=
for r in $(seq 1 $R); do
	if [ -n "$TPM" ]; then
		pcr_reset
		pcr_zero || { bad="$bad reset$r"; break; }
		args="backend=tpm pcr=23"
	else
		args="backend=software banks=sha256,sha384"
	fi
	insmod $KO $args || { bad="$bad insmod$r"; break; }
	rm -f /tmp/ledger-f$r-*
	# The writers start late in the first rounds (rmmod wins), then ever
	# earlier; from round 9 on rmmod waits ever longer (10 ms more each
	# round), until a first record wins: the rounds sweep the boundary
	# from one side to the other. (Before the wait, rmmod won every round:
	# a writer's start takes longer than an unreferenced module's unload.)
	wd=$(awk -v r=$r 'BEGIN { print (r < 8 ? (8 - r) * 0.02 : 0) }')
	rd=$(awk -v r=$r 'BEGIN { print (r > 8 ? (r - 8) * 0.01 : 0) }')
	(sleep "$wd"; $L run f$r 2 1 nl > /tmp/run.$r 2>&1) &
	p=$!
	sleep "$rd"
	rmmod_spin 300
	wait $p
	# a writer that found no family (rmmod won before it started) says so
	grep -Ev '^writer [0-9]+:|writer\(s\) could not run$' /tmp/run.$r | grep -q . &&
		bad="$bad run$r($(head -c 80 /tmp/run.$r))"
	nok=$(cat /tmp/ledger-f$r-* | grep -Ec '( ok|^ok)$')
	if [ -d /sys/module/aael ] && [ "$(cat $A/runtime_measurements_count)" -eq 0 ]; then
		# nothing was recorded: nothing may hold the module
		rmmod aael 2>/dev/null || bad="$bad unpinned$r"
	fi
	if [ ! -d /sys/module/aael ]; then
		refused_rounds=$((refused_rounds + 1))
		cat /tmp/ledger-f$r-* 2>/dev/null | grep -q refused &&
			attempted=$((attempted + 1))
		[ "$nok" -eq 0 ] || bad="$bad lost$r($nok ok but unloaded)"
		other=$(cat /tmp/ledger-f$r-* | grep -v ' ok$' |
			grep -v '^ok$' | grep -Ev "$GONE" | head -n 1)
		[ -n "$other" ] && bad="$bad refused$r($other)"
		[ -n "$TPM" ] && ! pcr_zero && bad="$bad extended$r($(pcr_banks | head -n 1))"
		continue
	fi
	pinned=$r
	break
done
untouched=
[ -n "$TPM" ] && untouched=", PCR 23 untouched"
expect "pinning, $reg: $refused_rounds rounds where rmmod won ($attempted with a netlink record sent and refused): every first record refused$untouched" \
	"$bad" ""
if [ -n "$pinned" ]; then
	count=$(cat $A/runtime_measurements_count)
	expect "round $pinned: a record won: the log holds every record reported ok" \
		"$count" "$nok"
	if rmmod aael 2>/dev/null; then
		not_ok "round $pinned: the module is pinned (rmmod refused)"
	else
		ok "round $pinned: the module is pinned (rmmod refused)"
	fi
	check_replay "round $pinned: the pinned log" 23
else
	# Nothing raced: the sweep never reached the side where a record wins.
	not_ok "pinning: a round where the first record won and pinned the module" \
		"none in $R rounds (rmmod always won)"
fi

check "no kernel BUG, Oops, KASAN or lockdep report, no WARNING" \
	sh -c "! dmesg | grep -E 'BUG|WARNING|Oops|general protection|KASAN|circular locking|lock held'"
finish
