# SPDX-License-Identifier: GPL-2.0
# Reliability on the software register (no TPM in this boot): writers on
# securityfs, netlink and HTTP at once, with readers, unload attempts and a kill -9 of aaeld going
# on; then the log cap reached under load. Every case checks the
# three invariants with aael-load audit: nothing lost (every success is in
# the log once), nothing extra (nothing refused is), and the log replays to
# the register (sampled during the run and at the end).
#
# AAEL_SCALE multiplies the sizes (make soak).
SUITE=reliability
. /mnt/tests/vm/lib.sh
L=/mnt/build/aael-load
D=/mnt/build/aaeld
CTL=/mnt/build/aaelctl
URL=http://127.0.0.1:8006
S=${AAEL_SCALE:-1}

start_aaeld() {
	$D --attestation-api on --tee sample >> /tmp/aaeld.log 2>&1 &
	AAELD=$!
	wait_http $URL/info
	check "aaeld ($1) answers" curl -s -o /dev/null $URL/info
}
count() { cat $A/runtime_measurements_count; }

# audit DESC PREFIX WRITERS [SAMPLES MIN-SAMPLES]
audit() {
	if out=$($L audit ${5:+--min-samples "$5"} "$2" "$3" ${4:-}); then
		ok "$1: $out"
	else
		not_ok "$1" "$out"
	fi
}

# Readers that run until /tmp/readers.stop: snapshots of the text log
# (each must be a prefix of the final log: no partial line, no reordering),
# whole parses of the binary log, and a follower from record 0.
start_readers() {
	rm -f /tmp/readers.stop /tmp/snap.*
	(
		i=0
		while [ ! -f /tmp/readers.stop ]; do
			cat $A/ascii_runtime_measurements > /tmp/snap.$((i % 8))
			$VT verify 23 > /dev/null || { echo "binary read $i failed"; exit 1; }
			i=$((i + 1))
		done
		echo "readers ok after $i reads"
	) > /tmp/readers.out 2>&1 &
	READERS=$!
	$CTL follow --from 0 > /tmp/follow.out 2> /tmp/follow.err &
	FOLLOW=$!
}

follow_caught_up() { [ "$(wc -l < /tmp/follow.out)" -ge "$(count)" ]; }

# check_readers: what the readers saw agrees with the final log.
check_readers() {
	touch /tmp/readers.stop
	wait $READERS
	check "readers: every full read of the binary log parsed" grep -q "readers ok" /tmp/readers.out
	cat $A/ascii_runtime_measurements > /tmp/final
	bad=
	for f in /tmp/snap.*; do
		n=$(wc -c < "$f")
		head -c "$n" /tmp/final | cmp -s - "$f" || bad="$bad $f"
		[ "$n" -eq 0 ] || [ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ] || bad="$bad $f(partial line)"
	done
	expect "readers: every text snapshot is a prefix of the final log" "$bad" ""
	wait_until 30 follow_caught_up
	kill $FOLLOW 2>/dev/null
	wait $FOLLOW 2>/dev/null
	check "readers: follow from 0 printed exactly the log, in order" cmp -s /tmp/follow.out /tmp/final
}

load_hashes
# Unloads racing first records: tests/vm/suite-lifecycle.sh (this suite's
# round of them never raced: a securityfs writer's open file pins the
# module, and the netlink writers lost every race to a quick rmmod).
dmesg -C
check "insmod backend=software banks=sha256,sha384 pcr=23" \
	insmod $KO backend=software banks=sha256,sha384 pcr=23 max_log_size=268435456
echo "rel pin first" > $A/event

# 2. Mixed interfaces under load, with readers, unload attempts and a
# kill -9 of aaeld in the middle.
W=8 E=$((1250 * S))
HTTP="/tmp/ledger-mix-2 /tmp/ledger-mix-5"	# writer w uses MODES[w % 3]
rm -f /tmp/ledger-mix-* /tmp/down-mix-*
start_aaeld first
start_readers
rm -f /tmp/sample.stop
$L sample /tmp/samples /tmp/sample.stop &
SAMPLER=$!
(
	n=0
	while [ ! -f /tmp/rmmod.stop ]; do
		rmmod aael 2>/dev/null && { echo "rmmod succeeded"; break; }
		n=$((n + 1))
		sleep 0.05
	done
	echo "$n unload attempts refused"
) > /tmp/rmmod.out 2>&1 &
RMMOD=$!
$L run mix $W $E sfs,nl,http > /tmp/run.out 2>&1 &
RUN=$!
# kill -9 aaeld once the HTTP writers are well under way: KILL_AT of their
# events recorded, as their ledgers say while they run.
KILL_AT=$((E / 4))
[ $KILL_AT -gt 300 ] && KILL_AT=300
$L wait ok $KILL_AT 300 $HTTP > /dev/null
kill -9 $AAELD
wait $AAELD 2>/dev/null
ledger $HTTP
ok_kill=$OKS
ledger /tmp/ledger-mix-2
left2=$((E - TRIES))
ledger /tmp/ledger-mix-5
left5=$((E - TRIES))
check "mix: aaeld killed mid-stream, $ok_kill HTTP events recorded before (>= $KILL_AT), $left2 and $left5 attempts to go" \
	sh -c "[ $ok_kill -ge $KILL_AT ] && [ $left2 -gt 0 ] && [ $left5 -gt 0 ]"
# aaeld stays down until each HTTP writer has found it gone (its connect
# refused); after the restart, that attempt is "ok retried".
check "mix: each HTTP writer's connect was refused while aaeld was down" \
	wait_until 60 test -s /tmp/down-mix-2 -a -s /tmp/down-mix-5
start_aaeld again
wait $RUN
rc=$?
check "mix: $W writers x $E events on securityfs, netlink and HTTP ran (exit $rc)" \
	sh -c "[ $rc -eq 0 ] && ! grep . /tmp/run.out"
touch /tmp/rmmod.stop /tmp/sample.stop
wait $RMMOD
wait $SAMPLER
expect "mix: the sampler wrote every sample" $? 0
ledger $HTTP
check "mix: after the restart each HTTP writer got ok (a refused connect retried), $((OKS - ok_kill)) HTTP events recorded after the kill" \
	sh -c "grep -q ' ok retried\$' /tmp/ledger-mix-2 && grep -q ' ok retried\$' /tmp/ledger-mix-5 && [ $OKS -gt $ok_kill ]"
check "mix: every unload attempt under load was refused, the module stayed" \
	sh -c "grep -q 'unload attempts refused' /tmp/rmmod.out && ! grep -q succeeded /tmp/rmmod.out && [ -d /sys/module/aael ]"
audit "mix: nothing lost, nothing extra, sampled registers replay" mix $W /tmp/samples 20
check_readers
check_replay "mix: at the end" 23

# 3. The cap reached under load: ENOSPC (HTTP 507), no partial record.
used=$(( $(cat $A/log_size) - $(header_size) ))
rec=$(( used / $(count) ))
cap=$((used + rec * 600 * S))
echo $cap > /sys/module/aael/parameters/max_log_size
c0=$(count)
$L run cap 6 $((200 * S)) sfs,nl,http > /tmp/run.out 2>&1
rc=$?
check "cap: 6 writers ran into the cap (exit $rc)" sh -c "[ $rc -eq 0 ] && ! grep . /tmp/run.out"
audit "cap: nothing lost, nothing extra" cap 6
check "cap: securityfs or netlink writers got ENOSPC" \
	grep -q "refused No space left on device" /tmp/ledger-cap-0 /tmp/ledger-cap-1 \
	/tmp/ledger-cap-3 /tmp/ledger-cap-4
check "cap: HTTP writers got 507" grep -q "refused http-507" /tmp/ledger-cap-2
check "cap: the records stay within the cap" test $(( $(cat $A/log_size) - $(header_size) )) -le $cap
reject "cap: a write now gets ENOSPC" ENOSPC $VT write "rel after cap"
expect "cap: records added = successes" "$(( $(count) - c0 ))" \
	"$(cat /tmp/ledger-cap-* | grep -c ' ok$')"
check_replay "cap: the log is whole and replays" 23
kill $AAELD
wait $AAELD 2>/dev/null

check "no kernel warning, oops or BUG during the suite" \
	sh -c "! dmesg | grep -E 'BUG|WARNING|Oops|general protection'"

finish
