# SPDX-License-Identifier: GPL-2.0
# The TDX backend in emulated-RTMR mode (no TDX here): the agent's record
# format and numbering, WIRE-FORMATS vectors, the cc_eventlog framing, and
# every bad-input and concurrency check of the other backends.
SUITE=tdx-emulated
. /mnt/tests/vm/lib.sh
CTL=/mnt/build/aaelctl

load_hashes
refuse_load "backend=tdx refused here, saying why" \
	"cannot extend an RTMR\|not a TDX guest" backend=tdx

BUSY=/sys/module/aael/parameters/tdx_emulated_busy
TRIES=8		# AAEL_TDX_TRIES in kmod/register_tdx.c

# The freshness check reads the RTMR through an emulated TDREPORT, whose
# buffers the emulation checks as the TDX module would.
check "insmod backend=tdx-emulated without test_unsafe: RTMR3 read through a TDREPORT" \
	insmod $KO backend=tdx-emulated
check "rmmod with an empty log" rmmod aael
check "insmod tdx_emulated_busy=$((TRIES - 1)): the TDREPORT retried until it succeeds" \
	insmod $KO backend=tdx-emulated tdx_emulated_busy=$((TRIES - 1))
expect "every injected busy consumed" "$(cat $BUSY 2>&1)" 0
rmmod aael
refuse_load "insmod tdx_emulated_busy=$TRIES: busy beyond the retry limit refused, saying why" \
	"cannot read RTMR3: -16" backend=tdx-emulated tdx_emulated_busy=$TRIES
if insmod $KO backend=software test_unsafe=1 tdx_emulated_busy=3; then
	check "tdx_emulated_busy is ignored by backend=software" $VT write "busy ignored x"
	expect "software: tdx_emulated_busy left alone" "$(cat $BUSY)" 3
	check "software: rmmod (test_unsafe)" rmmod aael
else
	not_ok "insmod backend=software test_unsafe=1 tdx_emulated_busy=3"
fi
rmmod aael 2>/dev/null

# PCR -> CC-MR -> RTMR as the attestation agent maps them.
for m in 1:1:0 7:1:0 2:2:1 6:2:1 8:3:2 15:3:2 0:4:3 16:4:3 17:4:3 23:4:3; do
	p=${m%%:*} rest=${m#*:}
	if insmod $KO backend=tdx-emulated test_unsafe=1 pcr=$p; then
		expect "pcr=$p -> CC-MR ${rest%%:*}, RTMR${rest#*:}" \
			"$(sed -n 's/^index: //p;s/^register: //p' $A/register | tr '\n' ' ')" \
			"RTMR${rest#*:} ${rest%%:*} "
		rmmod aael
	else
		not_ok "insmod backend=tdx-emulated pcr=$p"
	fi
done

dmesg -C
check "insmod backend=tdx-emulated (default: init_pcr 17)" \
	insmod $KO backend=tdx-emulated test_unsafe=1
expect "register: emulated RTMR3, CC-MR 4, sha384, not hardware" \
	"$(cat $A/register)" "backend: tdx-emulated
hardware: no (emulated in kernel memory: NOT hardware-backed, proves nothing to a verifier)
register: RTMR3
index: 4
banks: sha384
state: ok"
check "the kernel log warns the register is emulated" \
	sh -c "dmesg | grep -q 'aael: the tdx-emulated register is emulated'"
echo -n "test test test" > $A/event
vector=$(echo BAAAAAYAAAABAAAADADcqqspzwMcVyfOns9cCrKIrnc7mjIqsU4u/U2OIf6dsEHwKkmoOl3wrXY6lKGQKb8WAAAATEVBQQ4AAAB0ZXN0IHRlc3QgdGVzdA== |
	base64 -d | od -An -tx1 -v | tr -d ' \n')
expect "record = the agent's CC-MR 4 record, byte for byte" "$($VT record 0)" "$vector"
expect "RTMR3 after test/test/test = WIRE-FORMATS vector" "$(cat $A/register_value)" \
	"sha384:e91d39fefcd2b098b77910a9f6156ad66c58ef65b86424f4fa4bc1d81b9ae2bc7c04d84966e486704c9a2eb2043c05c5"
$CTL record domain operation content > /dev/null
rtmr3=2b836d2c4c37a8d15b4d392a1cb043244ccb91ebd3f45ca5c3e6830eefe600a680d35115afc7a408138112313f22150f
expect "RTMR3 after domain/operation/content (netlink) = WIRE-FORMATS vector" \
	"$(cat $A/register_value)" "sha384:$rtmr3"

# cc_eventlog as the agent frames it, with and without a firmware CCEL.
$CTL export --format cc-eventlog | base64 -d > /tmp/cc.bin
check "cc_eventlog (no CCEL): CC-MR 4 replay = emulated RTMR3" \
	$CTL verify --log /tmp/cc.bin --against "4:sha384:$rtmr3"
expect "cc_eventlog (no CCEL): Spec ID header + records + 8 x 0xFF" \
	"$(od -An -tx1 -v /tmp/cc.bin | tr -d ' \n' | tail -c 16)" ffffffffffffffff
expect "cc_eventlog: the first record is the agent's, byte for byte" \
	"$(od -An -tx1 -v -j 65 -N 88 /tmp/cc.bin | tr -d ' \n')" "$vector"
$CTL export --format cc-eventlog --ccel /mnt/tests/data/CCEL_data_ovmf | base64 -d > /tmp/cc2.bin
check "cc_eventlog with the OVMF CCEL: firmware CC-MRs and CC-MR 4 all replay" \
	$CTL verify --log /tmp/cc2.bin --against "4:sha384:$rtmr3" \
	--against 1:sha384:8566f998798db09443b244c62de9a3041fb02e2e6936c4396d784bba2e90177329ec5aba3bb484404f2ab9cc90abe193
expect "cc_eventlog with CCEL: 20 firmware + 2 AAEL records" \
	"$($CTL log --log /tmp/cc2.bin | wc -l)" 22
check "aaelctl verify against the live (emulated) RTMR3" $CTL verify

# TDX_OPERAND_BUSY: retried a bounded number of times. Below the limit the
# record goes in once (the log replays to the register: no double extend);
# at the limit it is refused with EBUSY and nothing changes.
failures() { cat $A/extend_failures; }
# busy N CMD...: the next N emulated TDCALLs are busy, then CMD (after the
# state reads of reject/refused, which take a TDREPORT themselves)
busy() { echo "$1" > $BUSY; shift; "$@"; }
c=$(cat $A/runtime_measurements_count) f=$(failures)
echo $((TRIES - 1)) > $BUSY
check "busy $((TRIES - 1)) times (securityfs): retried, recorded" $VT write "busy retried sfs"
expect "securityfs: every injected busy consumed" "$(cat $BUSY)" 0
echo $((TRIES - 1)) > $BUSY
check "busy $((TRIES - 1)) times (netlink): retried, recorded" $CTL record busy retried nl
expect "two records added, no extend failure counted" \
	"$(($(cat $A/runtime_measurements_count) - c)) $(($(failures) - f))" "2 0"
expect "the last record is the retried one, once" \
	"$(tail -n 2 $A/ascii_runtime_measurements | sed 's/.* //' | tr '\n' ' ')" "sfs nl "
check_replay "after busy retries: log and RTMR3 agree" 4
reject "busy on all $TRIES tries (securityfs): EBUSY, nothing changes" \
	"Device or resource busy" busy $TRIES $VT write "busy refused sfs"
expect "extend_failures counts the refusal" "$(($(failures) - f))" 1
refused "busy on all $TRIES tries (netlink): refused, saying busy, nothing changes" \
	has "[Bb]usy" busy $TRIES $CTL record busy refused nl
expect "netlink: every injected busy consumed" "$(cat $BUSY)" 0
echo $((TRIES - 1)) > $BUSY
check "register_value: a TDREPORT busy $((TRIES - 1)) times is retried" cat $A/register_value
echo $TRIES > $BUSY
if out=$(cat $A/register_value 2>&1); then
	not_ok "register_value: busy on every try fails" "$out"
else
	has "$out" "busy" && ok "register_value: busy on every try fails with EBUSY" ||
		not_ok "register_value: busy on every try fails with EBUSY" "$out"
fi
echo 0 > $BUSY
check_replay "after the refusals: log and RTMR3 still agree" 4

check_bad_writes
check_log_cap
check_concurrency 8 1000 4
check "aaelctl verify after the concurrent writers" $CTL verify
check "test_unsafe=1 allows rmmod" rmmod aael
finish
