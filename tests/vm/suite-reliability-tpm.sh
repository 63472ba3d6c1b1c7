# SPDX-License-Identifier: GPL-2.0
# The TPM goes away mid-stream: the host kills swtpm (run-vm's control
# file) while writers record through securityfs and netlink. Writes must
# then fail cleanly with EIO, never hang, never leave a record without an
# extend; every success is in the log once and every register value
# sampled before the TPM went replays from the log. QEMU's TPM emulator
# backend does not reconnect to a new swtpm, so recovery cannot be tested
# here: the register is gone for good, and so, rightly, are new records.
SUITE=reliability-tpm
. /mnt/tests/vm/lib.sh
L=/mnt/build/aael-load
S=${AAEL_SCALE:-1}
E=$((500 * S))
MIN_SAMPLES=10

# Whole lines: samples written so far (none before the sampler's first).
samples() { cat /tmp/samples 2>/dev/null | wc -l; }

# fails_quickly DESC SECONDS CMD...: CMD exits with an error of its own
# within SECONDS: not 0, not 124 (timeout killed it: a hang), not 125-127
# (timeout or exec failed), not killed by a signal.
fails_quickly() {
	desc=$1 secs=$2
	shift 2
	out=$(timeout "$secs" "$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		not_ok "$desc" "succeeded: $out"
	elif [ $rc -eq 124 ]; then
		not_ok "$desc" "still running after $secs s: it hangs"
	elif [ $rc -gt 124 ]; then
		not_ok "$desc" "exit $rc: $out"
	else
		ok "$desc (exit $rc: $(echo "$out" | head -n 1))"
	fi
}

load_hashes
check "insmod (TPM, PCR 23)" insmod $KO
rm -f /tmp/sample.stop /tmp/ledger-tpm-* /tmp/samples
$L sample /tmp/samples /tmp/sample.stop &
SAMPLER=$!
$L run tpm 4 $E sfs,nl > /tmp/run.out 2>&1 &
RUN=$!
# The fault is due once the sampler has register values to check from
# before it and writer 0 has recorded a tenth of its events. Early, and
# timed by aael-load's own 10 ms poll: the writers must still be running
# when the host gets round to the kill, and a third of 250 events, polled
# from the shell, once came after they had all finished.
$L wait lines $MIN_SAMPLES 300 /tmp/samples > /dev/null &&
	$L wait ok $((E / 10)) 300 /tmp/ledger-tpm-0 > /dev/null
# What was recorded before the kill was asked for is surely from before it.
ledger /tmp/ledger-tpm-*
ok_kill=$OKS tries_kill=$TRIES
samples_kill=$(samples)
touch "$AAEL_OUT/ctl-kill-swtpm"
check "the host killed swtpm" wait_until 30 test -f "$AAEL_OUT/ctl-swtpm-killed"
t0=$(date +%s)
check "the kill came mid-stream: $ok_kill ok of $((4 * E)) (writer 0 at >= $((E / 10))), $samples_kill register samples before" \
	sh -c "[ $ok_kill -ge $((E / 10)) ] && [ $tries_kill -lt $((4 * E)) ] && [ $samples_kill -ge $MIN_SAMPLES ]"
# Writes after the kill fail instead of hanging, so the writers end.
if wait_until 300 exited $RUN; then
	ok "writers ended $(($(date +%s) - t0)) s after the TPM went away"
else
	not_ok "writers ended within 300 s of the TPM going away" "$(tail -n 3 /tmp/ledger-tpm-*)"
	kill -9 $RUN
fi
wait $RUN
rc=$?
expect "writers ran to the end" "$rc:$(cat /tmp/run.out)" "0:"
touch /tmp/sample.stop
if wait_until 60 exited $SAMPLER; then
	wait $SAMPLER
	expect "the sampler stopped, every sample written" $? 0
else
	not_ok "the sampler stopped within 60 s (GET_STATUS hangs without the TPM?)"
	kill -9 $SAMPLER
fi
if out=$($L audit --min-samples $MIN_SAMPLES tpm 4 /tmp/samples); then
	ok "nothing lost, nothing extra, every sampled register replays: $out"
else
	not_ok "nothing lost, nothing extra, every sampled register replays" "$out"
fi
refusedn=$(cat /tmp/ledger-tpm-* | grep -c 'refused Input/output error')
okn=$(cat /tmp/ledger-tpm-* | grep -c ' ok$')
ledger /tmp/ledger-tpm-*
check "after the kill: $((TRIES - tries_kill)) more attempts, $refusedn failed with EIO" \
	sh -c "[ $TRIES -gt $tries_kill ] && [ $refusedn -gt 0 ]"
# The TPM does not come back: in each writer's order, once EIO, always EIO.
expect "no writer got ok after its first EIO" \
	"$(for f in /tmp/ledger-tpm-*; do awk '/refused Input\/output error/ { eio = 1 } eio && $2 == "ok" { print FILENAME ": " $0; exit }' "$f"; done)" ""
# The extend in flight when swtpm died gets no answer: tpm_tis times out
# (ETIME) and the module reads the PCR back to settle it. With swtpm gone
# the read fails too, so the log is marked broken: that writer and every
# later one get ENOTRECOVERABLE (an ETIME reaches a writer only when the
# read-back worked and showed the PCR unchanged). One extend at most, the
# TPM takes one command at a time.
etimen=$(cat /tmp/ledger-tpm-* | grep -c 'refused Timer expired')
brokenn=$(cat /tmp/ledger-tpm-* | grep -c 'refused State not recoverable')
expect "every attempt is ok, EIO, ETIME or ENOTRECOVERABLE" \
	"$(grep -Hv -e ' ok$' -e 'refused Input/output error' -e 'refused Timer expired' -e 'refused State not recoverable' /tmp/ledger-tpm-*)" ""
broke=0
[ "$brokenn" -gt 0 ] && broke=1
check "at most one extend in flight at the kill went unanswered ($etimen ETIME, log broken: $broke)" \
	test $((etimen + broke)) -le 1
expect "the register file says broken exactly when a writer got ENOTRECOVERABLE" \
	"$(sed -n 's/^state: //p' $A/register)" "$([ $broke = 1 ] && echo broken || echo ok)"
expect "in each writer's order, once ENOTRECOVERABLE, always" \
	"$(for f in /tmp/ledger-tpm-*; do awk '/State not recoverable/ { b = 1; next } b { print FILENAME ": " $0; exit }' "$f"; done)" ""
expect "records = successes" "$(cat $A/runtime_measurements_count)" "$okn"
# Records refused because the log is broken never reached the TPM: only
# the one that broke it is an extend failure.
expect "extend_failures counts every refused extend" "$(cat $A/extend_failures)" "$((refusedn + etimen + broke))"
c=$(cat $A/runtime_measurements_count)
out=$(timeout 60 $VT write 'after tpm gone')
expect "a write now: EIO (ENOTRECOVERABLE once broken), within 60 s" "$?:$out" \
	"1:$([ $broke = 1 ] && echo ENOTRECOVERABLE || echo EIO)"
expect "... and nothing appended" "$(cat $A/runtime_measurements_count)" "$c"
fails_quickly "register_value fails (no value without a TPM), does not hang" 60 cat $A/register_value
check "the log stays readable and whole (securityfs, tpm2_eventlog)" \
	sh -c "timeout 60 cat $A/binary_runtime_measurements > /tmp/l.bin && timeout 60 tpm2_eventlog /tmp/l.bin > /dev/null"
finish
