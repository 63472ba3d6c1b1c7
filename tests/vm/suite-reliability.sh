# SPDX-License-Identifier: GPL-2.0
# Reliability on the software register (no TPM in this boot): unloads
# racing a fresh module's first records; writers on securityfs, netlink and
# HTTP at once, with readers, unload attempts and a kill -9 of aaeld going
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
	$D --attestation-api on --tee sample > /tmp/aaeld.log 2>&1 &
	AAELD=$!
	wait_http $URL/info
}
count() { cat $A/runtime_measurements_count; }

# audit DESC PREFIX WRITERS [SAMPLES]
audit() {
	if out=$($L audit "$2" "$3" ${4:-}); then
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
	i=0
	while [ "$(wc -l < /tmp/follow.out)" -lt "$(count)" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	kill $FOLLOW 2>/dev/null
	wait $FOLLOW 2>/dev/null
	check "readers: follow from 0 printed exactly the log, in order" cmp -s /tmp/follow.out /tmp/final
}

load_hashes
# 1. Unloads racing a fresh module's first records (test_unsafe=1: no pin).
# Writers may fail once the module is gone; nothing may crash or leak.
dmesg -C
bad=
for r in $(seq 1 $((5 * S))); do
	insmod $KO backend=software banks=sha256 test_unsafe=1 2>/dev/null ||
		{ bad="$bad insmod$r"; continue; }
	$L run race$r 4 50 sfs,nl > /dev/null 2>&1 &
	p=$!
	i=0
	while ! rmmod aael 2>/dev/null && [ $i -lt 500 ]; do i=$((i + 1)); done
	wait $p
	[ -d /sys/module/aael ] && { rmmod aael 2>/dev/null || bad="$bad stuck$r"; }
done
expect "unload race: module loaded and unloaded under writers $((5 * S)) times" "$bad" ""
check "unload race: no kernel warning, oops or BUG" sh -c "! dmesg | grep -E 'BUG|WARNING|Oops|general protection'"
check "insmod backend=software banks=sha256,sha384 pcr=23" \
	insmod $KO backend=software banks=sha256,sha384 pcr=23 max_log_size=268435456
echo "rel pin first" > $A/event

# 2. Mixed interfaces under load, with readers, unload attempts and a
# kill -9 of aaeld in the middle.
W=8 E=$((1250 * S))
start_aaeld
start_readers
rm -f /tmp/sample.stop
$L sample /tmp/samples /tmp/sample.stop &
SAMPLER=$!
(
	n=0 loaded=0
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
# kill -9 aaeld once the HTTP writers are well under way
i=0
KILL_AT=$((E / 4))
[ $KILL_AT -gt 300 ] && KILL_AT=300
while [ "$(grep -c ok /tmp/ledger-mix-2 2>/dev/null || echo 0)" -lt $KILL_AT ] && [ $i -lt 600 ]; do
	sleep 0.1; i=$((i + 1))
done
kill -9 $AAELD
wait $AAELD 2>/dev/null
sleep 0.3
start_aaeld
wait $RUN
check "mix: $W writers x $E events on securityfs, netlink and HTTP ran" sh -c "! grep . /tmp/run.out"
touch /tmp/rmmod.stop /tmp/sample.stop
wait $RMMOD $SAMPLER
check "mix: every unload attempt under load was refused, the module stayed" \
	sh -c "grep -q 'unload attempts refused' /tmp/rmmod.out && ! grep -q succeeded /tmp/rmmod.out && [ -d /sys/module/aael ]"
audit "mix: nothing lost, nothing extra, sampled registers replay" mix $W /tmp/samples
check "mix: the HTTP writers saw aaeld die (an attempt not ok, or retried)" \
	sh -c "cat /tmp/ledger-mix-2 /tmp/ledger-mix-5 | grep -qv ' ok\$'"
check_readers
check_replay "mix: at the end" 23

# 3. The cap reached under load: ENOSPC (HTTP 507), no partial record.
used=$(( $(cat $A/log_size) - $(header_size) ))
rec=$(( used / $(count) ))
cap=$((used + rec * 600 * S))
echo $cap > /sys/module/aael/parameters/max_log_size
c0=$(count)
$L run cap 6 $((200 * S)) sfs,nl,http > /tmp/run.out 2>&1
check "cap: 6 writers ran into the cap" sh -c "! grep . /tmp/run.out"
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

finish
