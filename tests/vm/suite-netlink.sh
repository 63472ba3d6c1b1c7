# SPDX-License-Identifier: GPL-2.0
# The generic netlink family through aaelctl and libaael, after suite-tpm.sh
# in the same guest: aael.ko is loaded on PCR 23 and its log holds records.
SUITE=netlink
. /mnt/tests/vm/lib.sh
CTL=/mnt/build/aaelctl
export TPM2TOOLS_TCTI=device:/dev/tpmrm0
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"

count() { cat $A/runtime_measurements_count; }

st=$($CTL status)
expect "status: backend and index" "$(echo "$st" | sed -n 's/^backend: //p;s/^index: //p' | tr '\n' ' ')" "tpm 23 "
expect "status: records = runtime_measurements_count" \
	"$(echo "$st" | sed -n 's/^records: //p')" "$(count)"
expect "status: register = register_value" \
	"$(echo "$st" | sed -n 's/^register \([a-z0-9]*\): /\1:/p')" "$(cat $A/register_value)"
check "status works unprivileged" $NOBODY $CTL status

# One log, one order, whichever interface records.
c=$(count)
echo "sfs first one" > $A/event
out=$($CTL record nl second "two words")
echo "sfs third three" > $A/event
expect "RECORD reply: sequence number" "$(echo "$out" | cut -d' ' -f2)" $((c + 1))
expect "RECORD reply = the log's record (index, digests)" \
	"$(echo "$out" | cut -d' ' -f3- | sed 's/^index //')" \
	"$(sed -n "$((c + 2))p" $A/ascii_runtime_measurements | cut -d' ' -f2- | sed 's/ nl second two words$//')"
expect "securityfs and netlink records land in one log, in order" \
	"$(tail -n 3 $A/ascii_runtime_measurements | sed 's/^\([0-9]*\) .*:[0-9a-f]* /\1 /')" \
	"$c sfs first one
$((c + 1)) nl second two words
$((c + 2)) sfs third three"
check_replay "after mixed recording" 23

# Dumps: exactly records N.. in the kernel's own text format.
n=$(( $(count) / 2 ))
expect "dump from N = ascii log from line N+1" "$($CTL log --from $n)" \
	"$(tail -n +$((n + 1)) $A/ascii_runtime_measurements)"
expect "dump from 0 = the whole ascii log" "$($CTL log | sha256sum)" \
	"$(sha256sum < $A/ascii_runtime_measurements)"
expect "dump from the end is empty" "$($CTL log --from $(count))" ""
expect "log --format tcg2 = binary_runtime_measurements" \
	"$($CTL log --format tcg2 | sha256sum)" "$(sha256sum < $A/binary_runtime_measurements)"
check "log --format json is a JSON array of all records" sh -c \
	"$CTL log --format json | python3 -c 'import json,sys; r=json.load(sys.stdin); assert len(r)==$(count) and r[0][\"details\"][\"unicode_name\"]==\"AAEL\"'"
$CTL export --format tcg2 -o /tmp/export.bin
check "export --format tcg2 parses with tpm2_eventlog" tpm2_eventlog /tmp/export.bin
ev=$(tpm2_eventlog /tmp/export.bin | awk '/^pcrs:/{p=1;next} p && /^  [a-z0-9]+:$/{a=$1;sub(":","",a)} p && $1==23 {v=$3;sub("^0x","",v);print a ":" v}')
expect "export: tpm2_eventlog replay = register" "$ev" "$(cat $A/register_value)"
check "export --format cel-json: one record per event" sh -c \
	"$CTL export --format cel-json | python3 -c 'import json,sys; r=json.load(sys.stdin); assert len(r)==$(count) and r[0][\"content\"][\"event_type\"]==6'"
check "export --format cc-eventlog: header + records + end marker" sh -c \
	"$CTL export --format cc-eventlog | base64 -d > /tmp/cc.bin && tail -c 8 /tmp/cc.bin | od -An -tx1 | grep -q 'ff ff ff ff ff ff ff ff' && $CTL verify --log /tmp/cc.bin --against live"

# follow: started before 100 writes, prints all 100 in order.
start=$(count)
$CTL follow --from "$start" > /tmp/follow.out 2>/tmp/follow.err &
fpid=$!
for i in $(seq 1 50); do echo "follow sfs $i" > $A/event; $CTL record follow nl "$i" > /dev/null; done
i=0
while [ "$(wc -l < /tmp/follow.out)" -lt 100 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
kill $fpid 2>/dev/null
wait $fpid 2>/dev/null
expect "follow printed 100 lines" "$(wc -l < /tmp/follow.out)" 100
expect "follow printed the 100 new records, in order, as the log has them" \
	"$(cat /tmp/follow.out)" "$(tail -n +$((start + 1)) $A/ascii_runtime_measurements)"
$CTL follow --format json > /tmp/follow2.out &
fpid=$!
sleep 1
echo "follow json tail" > $A/event
i=0
while [ ! -s /tmp/follow2.out ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill $fpid 2>/dev/null
check "follow without --from starts at the end (JSON lines)" sh -c \
	"python3 -c 'import json; r=[json.loads(l) for l in open(\"/tmp/follow2.out\")]; assert len(r)==1 and r[0][\"details\"][\"data\"][\"content\"]==\"tail\", r'"

# Refusals: nothing recorded.
rejnl() {
	desc=$1 want=$2
	shift 2
	refused "$desc" has "$want" "$@"
}
rejnl "unprivileged RECORD: EPERM" "Operation not permitted" $NOBODY $CTL record a b c
rejnl "user-namespace root RECORD: EPERM" "Operation not permitted" unshare --user --map-root-user $CTL record a b c
rejnl "unprivileged dump: EPERM" "Operation not permitted" $NOBODY $CTL log
rejnl "space in domain: EINVAL with a reason" "domain and operation must be" $CTL record "a b" op c
rejnl "empty operation: EINVAL" "Invalid argument" $CTL record a "" c
rejnl "invalid UTF-8: EILSEQ" "UTF-8" $CTL record a b "$(printf 'x\377')"
rejnl "content over max_event_size: E2BIG" "max_event_size" $CTL record a b "$(head -c 20000 /dev/zero | tr '\0' x)"
for c in missing-content embedded-nul no-terminator wrong-type oversize output-attribute unknown-attribute; do
	rejnl "malformed attribute ($c) refused" "EINVAL\|ERANGE\|EMSGSIZE" $VT nlraw $c
done
c=$(count)
check "a well-formed hand-built RECORD is accepted" $VT nlraw valid
expect "... and recorded once" "$(count)" $((c + 1))
check "content may be empty" $CTL record a b ""
expect "empty content reads back as 'a b '" "$(tail -n 1 $A/ascii_runtime_measurements | sed 's/.*:[0-9a-f]* //')" "a b "

# verify against the live register, then an out-of-band extend breaks it.
check "aaelctl verify: the live log replays to the register" $CTL verify
$CTL export --format tcg2 -o /tmp/export.bin
check "aaelctl verify --against live on a fresh export" $CTL verify --log /tmp/export.bin --against live
tpm2_pcrextend 23:sha256=0000000000000000000000000000000000000000000000000000000000000001 > /dev/null
$CTL verify > /tmp/verify.out 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "MISMATCH register 23 sha256" /tmp/verify.out &&
	ok "after tpm2_pcrextend on PCR 23, verify fails (exit 1, MISMATCH)" ||
	not_ok "after tpm2_pcrextend on PCR 23, verify fails (exit 1, MISMATCH)" "exit $rc" "$(cat /tmp/verify.out)"
finish
