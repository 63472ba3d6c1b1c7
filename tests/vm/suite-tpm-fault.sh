# SPDX-License-Identifier: GPL-2.0
# Extends whose outcome the module cannot know, against a real swtpm: the
# test-only test_fault hook (register_tpm.c, needs test_unsafe=1) makes the
# next extends end in -ETIME after sending them (applied), without sending
# them (lost), or after extending the first bank only (broken); the
# read-back must commit, cancel, or mark the log broken. Then writers
# killed with SIGKILL mid-extend, among applied faults: the three
# invariants of the reliability suite hold. On a kernel with fail_function
# (the debug kernel), the same three outcomes through the kernel's own
# fault injection. Needs a TPM with two banks or
# more (run-vm --tpm all): with one, "broken" is the applied case.
SUITE=tpm-fault
. /mnt/tests/vm/lib.sh
export TPM2TOOLS_TCTI=device:/dev/tpmrm0
L=/mnt/build/aael-load
CTL=/mnt/build/aaelctl
F=/sys/module/aael/parameters/test_fault
E=$((200 * ${AAEL_SCALE:-1}))
MIN_SAMPLES=10

load_hashes
nb=$(ls -d /sys/class/tpm/tpm0/pcr-* | wc -l)
check "swtpm has several banks ($nb)" test "$nb" -ge 2
count() { cat $A/runtime_measurements_count; }
fails() { cat $A/extend_failures; }
regstate() { sed -n 's/^state: //p' $A/register; }
# arm MODE:N: the hook takes it (and reads it back as set).
arm() {
	echo "$1" > $F
	expect "test_fault armed: $1" "$(cat $F)" "$1"
}

# Without test_unsafe the hook cannot be armed at all.
check "insmod without test_unsafe" insmod $KO
if echo applied:1 > $F 2>/dev/null; then
	not_ok "test_fault refused without test_unsafe" "accepted: $(cat $F)"
else
	ok "test_fault refused without test_unsafe"
fi
expect "... and stays off" "$(cat $F)" none
expect "register: state ok" "$(regstate)" ok
check "rmmod (empty log)" rmmod aael

# Applied and lost, on PCR 23.
check "insmod test_unsafe=1" insmod $KO test_unsafe=1
for bad in bogus applied:x applied:1001 "applied:-1" ":3"; do
	if echo "$bad" > $F 2>/dev/null; then
		not_ok "test_fault=$bad refused" "accepted: $(cat $F)"
	else
		expect "test_fault=$bad refused, hook unchanged" "$(cat $F)" none
	fi
done
for i in 1 2 3; do echo "fault before $i" > $A/event; done
check_replay "three records before any fault" 23

arm applied:1
c=$(count) f=$(fails)
dmesg -C
expect "applied (extend sent, -ETIME reported): the write succeeds" \
	"$($VT write 'fault applied one')" ok
expect "applied: the record is in the log" "$(count)" $((c + 1))
expect "applied: the hook is spent" "$(cat $F)" none
expect "applied: not an extend failure" "$(fails)" "$f"
check "applied: the kernel says the TPM applied it" \
	sh -c "dmesg | grep -q 'aael: extend of PCR 23 reported -62, but the TPM applied it: recorded'"
check_replay "after an applied fault" 23

arm applied:2
c=$(count)
check "applied over netlink (1 of 2)" $CTL record fault applied "nl one"
check "applied over netlink (2 of 2)" $CTL record fault applied "nl two"
expect "applied over netlink: both in the log" "$(count)" $((c + 2))
check_replay "after two applied faults over netlink" 23

arm lost:1
f=$(fails)
dmesg -C
reject "lost (never sent, -ETIME reported): ETIME, nothing changed" ETIME \
	$VT write "fault lost one"
expect "lost: one extend failure" "$(fails)" $((f + 1))
expect "lost: the log is not broken" "$(regstate)" ok
check "lost: the kernel says the PCR is unchanged" \
	sh -c "dmesg | grep -q 'aael: extend of PCR 23 failed (-62); the PCR is unchanged: not recorded'"
arm lost:1
refused "lost over netlink: ETIME, nothing changed" has ETIME \
	$VT nlrecord --fill 20 fault lost
expect "after a lost extend the next record succeeds" "$($VT write 'fault after lost')" ok
check_replay "after lost faults" 23

# What anyone may read never waits for the writers or the register (uapi:
# access policy). A writer holds the writers' lock and the TPM
# (test_fault=stall: a TPM that does not answer); a privileged GET_STATUS
# and a userspace TPM read wait behind it, unprivileged readers answer.
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
arm stall:1
c=$(count) sz=$(cat $A/log_size) f=$(fails)
$VT write "fault stall held" > /tmp/stall.out 2>&1 &
WPID=$!
stalled() { grep -q aael_tpm_stall /proc/$WPID/stack 2>/dev/null; }
if wait_until 60 stalled; then
	ok "a writer holds the TPM in its extend (test_fault=stall)"
	$VT nlstatus > /tmp/root-status.out 2>&1 &
	RPID=$!
	tpm2_pcrread sha256:23 > /tmp/stall-pcrread.out 2>&1 &
	TPID=$!
	sleep 2
	check "stalled: a privileged GET_STATUS waits (writers' lock, register)" kill -0 $RPID
	check "stalled: a userspace TPM2_PCR_Read waits (the TPM is held)" kill -0 $TPID
	st=$($NOBODY timeout 30 $VT nlstatus)
	expect "stalled: an unprivileged GET_STATUS answers (within 30 s)" $? 0
	expect "stalled: ... count, log size, failures and state as before the writer, no register" \
		"$(echo "$st" | grep -E '^(count|log_size|extend_failures|state|register):')" \
		"count: $c
log_size: $sz
extend_failures: $f
state: ok
register: MISSING"
	expect "stalled: the 0444 files answer an unprivileged reader (within 30 s)" \
		"$($NOBODY timeout 30 cat $A/runtime_measurements_count $A/log_size $A/extend_failures)" \
		"$c
$sz
$f"
	expect "stalled: the register file answers an unprivileged reader: state ok" \
		"$($NOBODY timeout 30 sed -n 's/^state: //p' $A/register)" ok
	expect "stalled: register_value opened by uid 65534 gid 0 (mode 0440 lets it): EPERM, at once" \
		"$(setpriv --reuid=65534 --regid=0 --clear-groups timeout 30 $VT read $A/register_value)" EPERM
	check "stalled: the privileged GET_STATUS still waits (the answers above came during the stall)" \
		kill -0 $RPID
	echo none > $F
	wait $WPID
	expect "released: the stalled writer records" "$(cat /tmp/stall.out)" ok
	wait $RPID
	expect "released: the privileged GET_STATUS answers with that record" \
		"$(sed -n 's/^count: //p' /tmp/root-status.out)" $((c + 1))
	expect "released: ... and the register, every bank" \
		"$(grep -c '^[a-z0-9_]\+ [0-9a-f]\+$' /tmp/root-status.out)" "$nb"
	wait $TPID
	check_replay "after a stalled extend" 23
else
	not_ok "a writer holds the TPM in its extend (test_fault=stall)" \
		"$(cat /proc/$WPID/stack 2>&1)"
	echo none > $F
	wait $WPID
fi

# Writers killed mid-extend, applied faults among them. A writer's ledger
# lacks the attempt it was killed in: it becomes "unknown" (in the log or
# not, both are right), and every other line is judged as usual.
rm -f /tmp/ledger-kill-* /tmp/samples /tmp/sample.stop
$L sample /tmp/samples /tmp/sample.stop &
SAMPLER=$!
$L run kill 8 $E sfs,nl > /tmp/run.out 2>&1 &
RUN=$!
$L wait lines $MIN_SAMPLES 300 /tmp/samples > /dev/null &&
	$L wait ok $((E / 10)) 300 /tmp/ledger-kill-0 > /dev/null
# Not read back: the writers may take some before the read.
check "test_fault armed mid-run: applied:30" sh -c "echo applied:30 > $F"
# An applied fault answers 300 ms late, as a slow TPM would: a writer whose
# kernel stack is in aael_tpm_extend then is surely mid-extend. One grep
# over every writer's stack per round keeps a round short.
dmesg -C
killed= t_end=$(($(date +%s) + 120))
while [ "$(echo $killed | wc -w)" -lt 3 ] && [ "$(date +%s)" -lt $t_end ]; do
	# A killed writer finishes its extend first (uninterruptibly): never
	# pick it twice.
	stacks=$(for pid in $(pgrep -P $RUN); do
		case " $killed " in *" $pid "*) continue ;; esac
		echo /proc/$pid/stack; done)
	[ -n "$stacks" ] || break
	# shellcheck disable=SC2086
	victim=$(grep -l aael_tpm_extend $stacks 2>/dev/null | head -n 1 | cut -d/ -f3)
	if [ -n "$victim" ]; then
		kill -9 "$victim"
		killed="$killed $victim"
		# Fresh slow extends for the next victim: on a slow (debug)
		# kernel one round of stack reads outlasts many faults.
		echo applied:30 > $F
		sleep 0.5
	fi
done
n_killed=$(echo $killed | wc -w)
# What the kernel made of it (real tpm_tis timeouts under load included).
dmesg | grep -e 'aael:' -e 'tpm tpm0' | sed 's/^/# /' >> "$TAP"
check "3 writers killed inside their extend (killed: $n_killed)" test "$n_killed" -eq 3
if wait_until 600 exited $RUN; then
	wait $RUN
	expect "the other writers ran to the end" "$?:$(cat /tmp/run.out)" \
		"1:$n_killed writer(s) could not run"
else
	not_ok "writers ended within 600 s"
	kill -9 $RUN
fi
touch /tmp/sample.stop
wait $SAMPLER
expect "the sampler stopped" $? 0
# Which writers died: the ledgers that stop short of E lines.
for lg in /tmp/ledger-kill-*; do
	n=$(wc -l < "$lg")
	[ "$n" -lt "$E" ] && echo "$n unknown killed" >> "$lg"
done
expect "ledgers cut short = writers killed" \
	"$(grep -l 'unknown killed' /tmp/ledger-kill-* | wc -l)" "$n_killed"
if out=$($L audit --min-samples $MIN_SAMPLES kill 8 /tmp/samples); then
	ok "nothing lost, nothing extra, every sampled register replays: $out"
else
	not_ok "nothing lost, nothing extra, every sampled register replays" "$out"
fi
expect "every attempt of the writers is ok or unknown" \
	"$(grep -Hv -e ' ok$' -e 'unknown killed' /tmp/ledger-kill-*)" ""
expect "the applied faults were all taken" "$(cat $F)" none
expect "after the kills the log is not broken" "$(regstate)" ok
check_replay "after killing writers mid-extend" 23
check "rmmod (test_unsafe)" rmmod aael


# Broken, on PCR 16: the debug PCR can be reset, so the reload rules show.
check "PCR 16 reset" tpm2_pcrreset 16
check "insmod test_unsafe=1 pcr=16" insmod $KO test_unsafe=1 pcr=16
echo "fault before broken" > $A/event
check_replay "PCR 16, one record" 16
arm broken:1
c=$(count) f=$(fails) size=$(cat $A/log_size)
before=$(cat $A/register_value)
dmesg -C
expect "broken (first bank extended alone): ENOTRECOVERABLE" \
	"$($VT write 'fault broken one')" ENOTRECOVERABLE
after=$(cat $A/register_value)
expect "broken: nothing appended" "$(count):$(cat $A/log_size)" "$c:$size"
echo "$before" > /tmp/reg.before
echo "$after" > /tmp/reg.after
expect "broken: the first bank moved, the others did not" \
	"$(paste -d' ' /tmp/reg.before /tmp/reg.after |
		awk '{ print ($1 == $2 ? "same" : "moved") }' | tr '\n' ' ')" \
	"moved $(yes same | head -n $((nb - 1)) | tr '\n' ' ')"
expect "broken: one extend failure" "$(fails)" $((f + 1))
expect "register: state broken" "$(regstate)" broken
expect "GET_STATUS: state broken" "$($VT nlstatus | sed -n 's/^state: //p')" broken
check "aaelctl status says BROKEN" sh -c "$CTL status | grep -q '^state: BROKEN'"
reject "after broken: a write gets ENOTRECOVERABLE, nothing changes" \
	ENOTRECOVERABLE $VT write "after broken x"
refused "after broken: netlink RECORD gets ENOTRECOVERABLE and says why" \
	has "ENOTRECOVERABLE: the log is broken" $VT nlrecord --fill 20 after broken
reject "after broken: an armed applied fault is never reached" \
	ENOTRECOVERABLE sh -c "echo applied:1 > $F && $VT write 'after broken 2'"
expect "after broken: the hook was not consumed (no extend sent)" "$(cat $F)" applied:1
echo none > $F
expect "refused records after broken are not extend failures" "$(fails)" $((f + 1))
expect "one kernel message for the break, none per refused record" \
	"$(dmesg | grep -c 'the log is broken')" 1
check "the kernel message names the banks" \
	sh -c "dmesg | grep -q 'left banks 0x1 applied, 0x$(printf %x $(((1 << nb) - 2))) unchanged, 0x0 neither'"
if $CTL verify > /tmp/verify.out 2>&1; then
	not_ok "aaelctl verify fails on the broken log" "$(cat /tmp/verify.out)"
else
	ok "aaelctl verify fails on the broken log (exit $?)"
fi
check "rmmod (test_unsafe=1 lets even a broken log go)" rmmod aael
refuse_load "reload without test_unsafe: refused, PCR 16 not at zero" \
	"already extended" pcr=16
# Last of the extend faults, so that lockdep (which turns itself off after
# its first report) has watched every other path: 6.1's fault injection
# reports itself (tests/vm/debug-reports excuses exactly that report, and
# only after the marker below).
# The kernel's own fault injection, with no test hook: fail_function
# (CONFIG_FAIL_FUNCTION, on the debug kernel) makes a function the module
# marks ALLOW_ERROR_INJECTION return an errno at its entry, so its body
# never runs. aael_tpm_sent() only hands back the result of an extend the
# TPM has run: an injected -ETIME there is an extend applied but reported
# failed. aael_tpm_send() sends the extend: injected, the TPM never sees
# it (lost). aael_tpm_read() reads a PCR back: failing with the extend
# applied, nothing can be settled (broken). PCR 16 so that it resets.
D=/sys/kernel/debug
FF=$D/fail_function
mounted=
if [ ! -d $FF ] && mount -t debugfs debugfs $D 2>/dev/null; then
	mounted=1
fi
# ff_inject TIMES FUNC...: the next TIMES calls of the FUNCs return -ETIME.
ff_inject() {
	n=$1
	shift
	echo > $FF/inject
	for fn; do
		echo "$fn" > $FF/inject && printf '%#x' -62 > $FF/$fn/retval || return 1
	done
	echo 100 > $FF/probability && echo 1 > $FF/interval &&
		echo 0 > $FF/space && echo 0 > $FF/verbose && echo "$n" > $FF/times
}
if [ -d $FF ]; then
	echo "aael-test: fail_function section starts" > /dev/kmsg
	check "fail_function: PCR 16 reset" tpm2_pcrreset 16
	check "fail_function: insmod test_unsafe=1 pcr=16" insmod $KO test_unsafe=1 pcr=16
	expect "fail_function: the module's three functions are in the kernel's list" \
		"$(grep -o 'aael_tpm_[a-z_]*' $D/error_injection/list | sort | tr '\n' ' ')" \
		"aael_tpm_read aael_tpm_send aael_tpm_sent "
	echo "ff before" > $A/event

	c=$(count) f=$(fails)
	dmesg -C
	check "fail_function: -ETIME armed once on aael_tpm_sent" ff_inject 1 aael_tpm_sent
	expect "fail_function applied (extend ran, -ETIME injected after): the write succeeds" \
		"$($VT write 'ff applied one')" ok
	expect "applied: the injection was taken" "$(cat $FF/times)" 0
	expect "applied: the record is in the log, no extend failure" \
		"$(count):$(fails)" "$((c + 1)):$f"
	check "applied: the kernel says the TPM applied it" \
		sh -c "dmesg | grep -q 'aael: extend of PCR 16 reported -62, but the TPM applied it: recorded'"
	check_replay "after fail_function applied" 16

	f=$(fails)
	dmesg -C
	check "fail_function: -ETIME armed once on aael_tpm_send" ff_inject 1 aael_tpm_send
	reject "fail_function lost (extend never sent, -ETIME): ETIME, nothing changed" \
		ETIME $VT write "ff lost one"
	expect "lost: the injection was taken" "$(cat $FF/times)" 0
	expect "lost: one extend failure, the log not broken" "$(fails):$(regstate)" \
		"$((f + 1)):ok"
	check "lost: the kernel says the PCR is unchanged" \
		sh -c "dmesg | grep -q 'aael: extend of PCR 16 failed (-62); the PCR is unchanged: not recorded'"
	check_replay "after fail_function lost" 16

	c=$(count) f=$(fails) size=$(cat $A/log_size)
	before=$(cat $A/register_value)
	dmesg -C
	# One for the extend, four for the read-back's four tries.
	check "fail_function: -ETIME armed 5 times on aael_tpm_sent, aael_tpm_read" \
		ff_inject 5 aael_tpm_sent aael_tpm_read
	expect "fail_function broken (extend ran, no read-back): ENOTRECOVERABLE" \
		"$($VT write 'ff broken one')" ENOTRECOVERABLE
	expect "broken: the extend and four read-backs took the 5 injections" \
		"$(cat $FF/times)" 0
	echo > $FF/inject
	after=$(cat $A/register_value)
	expect "broken: nothing appended" "$(count):$(cat $A/log_size)" "$c:$size"
	echo "$before" > /tmp/reg.before
	echo "$after" > /tmp/reg.after
	expect "broken: the TPM applied it (every bank moved), the log cannot say so" \
		"$(paste -d' ' /tmp/reg.before /tmp/reg.after |
			awk '{ print ($1 == $2 ? "same" : "moved") }' | sort -u)" moved
	expect "broken: one extend failure, register and GET_STATUS say broken" \
		"$(fails):$(regstate):$($VT nlstatus | sed -n 's/^state: //p')" \
		"$((f + 1)):broken:broken"
	check "broken: the kernel says the PCR cannot be read back" \
		sh -c "dmesg | grep -q 'aael: extend of PCR 16 failed (-62) and the PCR cannot be read back (-62): whether the TPM applied it is unknown; the log is broken'"
	reject "after broken (fail_function): a write gets ENOTRECOVERABLE" \
		ENOTRECOVERABLE $VT write "ff after broken"
	check "rmmod (test_unsafe=1 lets even a broken log go)" rmmod aael
elif [ -e $D/kmemleak ]; then
	not_ok "the debug kernel has fail_function (CONFIG_FAIL_FUNCTION)"
else
	echo "# fail_function: not in this kernel (the debug kernel has it)" >> "$TAP"
fi
[ -n "$mounted" ] && umount $D

# The reload rules, after the faults: a fresh log on a reset PCR.
check "PCR 16 reset again" tpm2_pcrreset 16
check "reload pcr=16 on a reset PCR" insmod $KO pcr=16
expect "a fresh log: state ok, empty" "$(regstate):$(count)" ok:0
expect "the fresh log records" "$($VT write 'after reload x')" ok
check_replay "fresh log on PCR 16" 16
if rmmod aael 2>/dev/null; then
	not_ok "rmmod refused once the fresh log holds a record"
else
	ok "rmmod refused once the fresh log holds a record"
fi
finish
