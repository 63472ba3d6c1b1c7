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
E=$((250 * S))

load_hashes
check "insmod (TPM, PCR 23)" insmod $KO
rm -f /tmp/sample.stop
$L sample /tmp/samples /tmp/sample.stop &
SAMPLER=$!
$L run tpm 4 $E sfs,nl > /tmp/run.out 2>&1 &
RUN=$!
i=0
while [ "$(grep -c ok /tmp/ledger-tpm-0 2>/dev/null || echo 0)" -lt $((E / 3)) ] && [ $i -lt 600 ]; do
	sleep 0.1; i=$((i + 1))
done
touch "$AAEL_OUT/ctl-kill-swtpm"
i=0
while [ ! -f "$AAEL_OUT/ctl-swtpm-killed" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "the host killed swtpm mid-stream" test -f "$AAEL_OUT/ctl-swtpm-killed"
t0=$(date +%s)
wait $RUN
echo "# writers finished $(($(date +%s) - t0)) s after the TPM went away"
touch /tmp/sample.stop
wait $SAMPLER
check "writers ran to the end" sh -c "! grep . /tmp/run.out"
out=$($L audit tpm 4 /tmp/samples) && ok "nothing lost, nothing extra, every sampled register replays: $out" ||
	not_ok "nothing lost, nothing extra, every sampled register replays" "$out"
refusedn=$(cat /tmp/ledger-tpm-* | grep -c 'refused Input/output error')
okn=$(cat /tmp/ledger-tpm-* | grep -c ' ok$')
check "writes after the TPM went away failed with EIO ($refusedn of them)" test "$refusedn" -gt 0
expect "every attempt is ok or EIO" "$(cat /tmp/ledger-tpm-* | grep -vc -e ' ok$' -e 'refused Input/output error')" 0
expect "records = successes" "$(cat $A/runtime_measurements_count)" "$okn"
expect "extend_failures counts every refused write" "$(cat $A/extend_failures)" "$refusedn"
c=$(cat $A/runtime_measurements_count)
expect "a write now: EIO" "$(timeout 60 $VT write 'after tpm gone')" EIO
expect "... and nothing appended" "$(cat $A/runtime_measurements_count)" "$c"
check "register_value fails (no value without a TPM), does not hang" \
	sh -c "! timeout 60 cat $A/register_value"
check "the log stays readable and whole (securityfs, tpm2_eventlog)" sh -c "cat $A/binary_runtime_measurements > /tmp/l.bin && tpm2_eventlog /tmp/l.bin > /dev/null"
finish
