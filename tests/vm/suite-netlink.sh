# SPDX-License-Identifier: GPL-2.0
# The generic netlink family through aaelctl and libaael, after suite-tpm.sh
# in the same guest: aael.ko is loaded on PCR 23 and its log holds records.
SUITE=netlink
. /mnt/tests/vm/lib.sh
CTL=/mnt/build/aaelctl
export TPM2TOOLS_TCTI=device:/dev/tpmrm0
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
PARAMS=/sys/module/aael/parameters

count() { cat $A/runtime_measurements_count; }

st=$($CTL status)
expect "status: backend and index" "$(echo "$st" | sed -n 's/^backend: //p;s/^index: //p' | tr '\n' ' ')" "tpm 23 "
expect "status: records = runtime_measurements_count" \
	"$(echo "$st" | sed -n 's/^records: //p')" "$(count)"
expect "status: register = register_value" \
	"$(echo "$st" | sed -n 's/^register \([a-z0-9]*\): /\1:/p')" "$(cat $A/register_value)"
check "status works unprivileged" $NOBODY $CTL status
# Every GET_STATUS attribute, as the kernel sent it, against its file.
expect "GET_STATUS: every field = its securityfs file or parameter" \
	"$($VT nlstatus | sed 's/^\(sha[0-9]*\) /\1:/')" \
	"backend: $(sed -n 's/^backend: //p' $A/register)
hardware: $(sed -n 's/^hardware: yes$/1/p;s/^hardware: no.*/0/p' $A/register)
index: $(sed -n 's/^index: //p' $A/register)
count: $(count)
log_size: $(cat $A/log_size)
extend_failures: $(cat $A/extend_failures)
max_log_size: $(cat $PARAMS/max_log_size)
max_event_size: $(cat $PARAMS/max_event_size)
state: $(sed -n 's/^state: //p' $A/register)
$(cat $A/register_value)"
# The uapi's access policy: the register's value to the privileged only;
# everything else of the same status to anyone.
expect "unprivileged GET_STATUS: every field but the register (not sent)" \
	"$($NOBODY $VT nlstatus)" \
	"$($VT nlstatus | sed '/^[a-z0-9_]* [0-9a-f]*$/d')
register: MISSING"
expect "unprivileged aaelctl status says the register needs CAP_SYS_ADMIN" \
	"$($NOBODY $CTL status | sed -n 's/^register: //p')" \
	"not shown (reading it needs CAP_SYS_ADMIN)"

# One log, one order, whichever interface records.
c=$(count)
echo "sfs first one" > $A/event
out=$($CTL record nl second "two words")
echo "sfs third three" > $A/event
expect "RECORD reply: sequence number" "$(echo "$out" | cut -d' ' -f2)" $((c + 1))
expect "RECORD reply = the log's record (index, digests)" \
	"$(echo "$out" | cut -d' ' -f3- | sed 's/^index //')" \
	"$(sed -n "$((c + 2))p" $A/ascii_runtime_measurements | cut -d' ' -f2- | sed 's/ nl second two words$//')"
expect "RECORD reply digests = python3 hashlib's, every bank" \
	"$(echo "$out" | cut -d' ' -f5-)" "$(oracle digests 23 'nl second two words')"
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

# The largest event the uapi allows (AAEL_EVENT_SIZE_LIMIT, 61,440 bytes of
# text) on 4 banks: recorded, and whole in RECORD's reply and in a dump.
max=$(cat $PARAMS/max_event_size)
if echo 61441 > $PARAMS/max_event_size 2>/dev/null; then
	not_ok "max_event_size=61441 refused"
else
	ok "max_event_size=61441 refused"
fi
echo 61440 > $PARAMS/max_event_size
c=$(count)
$VT nlrecord --fill 61440 big limit > /tmp/big.out 2>&1
big="big limit $(head -c 61430 /dev/zero | tr '\0' x)"
expect "61,440-byte event: RECORD's reply seq and index" \
	"$(sed -n 's/^seq //p;s/^index //p' /tmp/big.out | tr '\n' ' ')" "$c 23 "
expect "61,440-byte event: RECORD's reply digests = python3 hashlib's" \
	"$(sed -n 's/^digests //p' /tmp/big.out)" "$(oracle digests 23 "$big")"
expect "61,440-byte event: RECORD's reply record = python3's record" \
	"$(sed -n 's/^reply //p' /tmp/big.out)" "$(oracle record 23 "$big")"
expect "61,440-byte event: the dump's record = the binary log's record" \
	"$(sed -n 's/^dump //p' /tmp/big.out)" "$($VT record "$c")"
expect "61,440-byte event: binary log record = the reply's" \
	"$($VT record "$c")" "$(sed -n 's/^reply //p' /tmp/big.out)"
big1="big limit $(head -c 61431 /dev/zero | tr '\0' x)"
refused "61,441 bytes over netlink: E2BIG with its extack" same \
	"aaelctl: record: Argument list too long: event text longer than max_event_size" \
	$CTL record big limit "$(head -c 61431 /dev/zero | tr '\0' x)"
reject "61,441 bytes through the event file: E2BIG" E2BIG $VT write "$big1"
echo "$max" > $PARAMS/max_event_size
check_replay "after the 61,440-byte event" 23

# follow: started before 100 writes, prints all 100 in order.
start=$(count)
$CTL follow --from "$start" > /tmp/follow.out 2>/tmp/follow.err &
fpid=$!
for i in $(seq 1 50); do echo "follow sfs $i" > $A/event; $CTL record follow nl "$i" > /dev/null; done
lines100() { [ "$(wc -l < /tmp/follow.out)" -ge 100 ]; }
check "follow printed 100 lines within 60 s" wait_until 60 lines100
kill $fpid
wait $fpid
expect "follow printed the 100 new records, in order, as the log has them" \
	"$(cat /tmp/follow.out)" "$(tail -n +$((start + 1)) $A/ascii_runtime_measurements)"

# Without --from, follow starts at the end: the event must come after the
# follower read the count, which it has once it joined the group.
$CTL follow --format json > /tmp/follow2.out 2>/tmp/follow2.err &
fpid=$!
if wait_until 60 nl_joined $fpid; then
	echo "follow json tail" > $A/event
	check "follow printed the new record within 60 s" wait_until 60 test -s /tmp/follow2.out
	check "follow without --from starts at the end (JSON lines)" sh -c \
		"python3 -c 'import json; r=[json.loads(l) for l in open(\"/tmp/follow2.out\")]; assert len(r)==1 and r[0][\"details\"][\"data\"][\"content\"]==\"tail\", r'"
else
	not_ok "follow joined the records group within 60 s" "$(cat /tmp/follow2.err)"
fi
kill $fpid
wait $fpid

# ENOBUFS: a stopped follower's socket overruns while records are made (in
# bursts of 2,000 until it drops some: how many fit depends on the
# kernel's socket buffer defaults, 7.x holds more than 2,000); once resumed
# it must resync by a dump and print exactly the log.
start=$(count)
$CTL follow --from "$start" > /tmp/follow3.out 2>/tmp/follow3.err &
fpid=$!
if wait_until 60 nl_joined $fpid; then
	kill -STOP $fpid
	bursts=0 drops=0
	while [ "$drops" -eq 0 ] && [ $bursts -lt 10 ]; do
		$VT burst 2000 "overrun burst" > /tmp/burst.out 2>&1 || break
		bursts=$((bursts + 1))
		drops=$(nl_drops $fpid)
	done
	expect "bursts of 2,000 records while the follower is stopped ($bursts)" \
		"$(cat /tmp/burst.out)" "ok 2000"
	[ "$drops" -gt 0 ] && ok "the stopped follower's socket overran ($drops notifications dropped)" ||
		not_ok "the stopped follower's socket overran" "$(nl_sockets $fpid)"
	kill -CONT $fpid
	# The last record: once it is printed, every earlier one has been.
	echo "overrun end marker" > $A/event
	marker() { grep -q ' overrun end marker$' /tmp/follow3.out; }
	check "the resumed follower reached the last record within 120 s" wait_until 120 marker
	expect "after ENOBUFS: follow printed exactly the log (no gap, no duplicate)" \
		"$(sha256sum < /tmp/follow3.out)" \
		"$(tail -n +$((start + 1)) $A/ascii_runtime_measurements | sha256sum)"
	expect "after ENOBUFS: follow printed one line per record" \
		"$(wc -l < /tmp/follow3.out)" $(($(count) - start))
	expect "after ENOBUFS: follow reported no error" "$(cat /tmp/follow3.err)" ""
else
	not_ok "overrun follower joined the records group within 60 s" "$(cat /tmp/follow3.err)"
fi
kill $fpid
wait $fpid

# Refusals: nothing recorded; each with its exact errno and message.
rejnl() {
	desc=$1 want=$2
	shift 2
	refused "$desc" same "$want" "$@"
}
rejnl "unprivileged RECORD: EPERM" "aaelctl: record: Operation not permitted" \
	$NOBODY $CTL record a b c
rejnl "user-namespace root RECORD: EPERM" "aaelctl: record: Operation not permitted" \
	unshare --user --map-root-user $CTL record a b c
rejnl "unprivileged dump: EPERM" "aaelctl: reading the log: Operation not permitted" \
	$NOBODY $CTL log
rejnl "space in domain: EINVAL with a reason" \
	"aaelctl: record: Invalid argument: domain and operation must be non-empty, without whitespace or control bytes" \
	$CTL record "a b" op c
rejnl "empty operation: EINVAL with a reason" \
	"aaelctl: record: Invalid argument: domain and operation must be non-empty, without whitespace or control bytes" \
	$CTL record a "" c
rejnl "invalid UTF-8: EILSEQ with a reason" \
	"aaelctl: record: Invalid or incomplete multibyte or wide character: event text is not valid UTF-8" \
	$CTL record a b "$(printf 'x\377')"
rejnl "content over max_event_size: E2BIG with a reason" \
	"aaelctl: record: Argument list too long: event text longer than max_event_size" \
	$CTL record a b "$(head -c 20000 /dev/zero | tr '\0' x)"

# Malformed attributes, hand-built: the errno and extack message the kernel
# (lib/nlattr.c's policy check, or aael's own) gives each.
rejnl "missing content attribute: EINVAL, says what is required, names it (MISS_TYPE 4)" \
	"EINVAL: domain, operation and content are required [missing attribute 4]" \
	$VT nlraw missing-content
rejnl "NUL inside the content: EINVAL, embedded NUL byte" \
	"EINVAL: embedded NUL byte" $VT nlraw embedded-nul
rejnl "content without its NUL terminator: EINVAL, policy" \
	"EINVAL: Attribute failed policy validation" $VT nlraw no-terminator
rejnl "content sent as a u32: EINVAL, policy" \
	"EINVAL: Attribute failed policy validation" $VT nlraw wrong-type
rejnl "content of AAEL_EVENT_SIZE_LIMIT + 1 bytes: EINVAL, policy" \
	"EINVAL: Attribute failed policy validation" $VT nlraw oversize
rejnl "content of AAEL_EVENT_SIZE_LIMIT bytes passes the policy: E2BIG" \
	"E2BIG: event text longer than max_event_size" $VT nlraw limit-content
rejnl "output-only attribute (COUNT) in a request: EINVAL (beyond RECORD's policy)" \
	"EINVAL: Unknown attribute type" $VT nlraw output-attribute
rejnl "another command's attribute (GET_RECORDS' SEQ) in a RECORD: EINVAL" \
	"EINVAL: Unknown attribute type" $VT nlraw record-seq
rejnl "any attribute in a GET_STATUS (it takes none): EINVAL" \
	"EINVAL: Unknown attribute type" $VT nlraw status-attribute
rejnl "genlmsghdr.reserved not 0: EINVAL (header checks on)" \
	"EINVAL: genlmsghdr.reserved field is not 0" $VT nlraw reserved
rejnl "NLM_F_REPLACE on a RECORD: EINVAL (header checks on)" \
	"EINVAL: ambiguous or reserved bits set in nlmsg_flags" $VT nlraw replace-flag
rejnl "unknown attribute type: EINVAL" \
	"EINVAL: Unknown attribute type" $VT nlraw unknown-attribute
rejnl "string attribute flagged NLA_F_NESTED: EINVAL" \
	"EINVAL: NLA_F_NESTED not expected" $VT nlraw nested-flag
rejnl "dump with its u64 SEQ sent as a u32: EINVAL" \
	"EINVAL: invalid attribute length" $VT nlraw dump-seq-u32
c=$(count)
expect "a well-formed hand-built RECORD is accepted" "$($VT nlraw valid)" ok
expect "... and recorded once" "$(count)" $((c + 1))
check "content may be empty" $CTL record a b ""
expect "empty content reads back as 'a b '" "$(tail -n 1 $A/ascii_runtime_measurements | sed 's/.*:[0-9a-f]* //')" "a b "

# Privilege of the socket's opener and of the sender (uapi: both need
# CAP_SYS_ADMIN in the initial user namespace, else EPERM).
c=$(count)
expect "root opens, root sends RECORD: recorded" "$($VT nlperm root root record)" ok
expect "... once" "$(count)" $((c + 1))
expect "root opens, root dumps: every record" "$($VT nlperm root root dump)" "ok $(count)"
rejnl "root opens, uid 65534 sends RECORD: EPERM" EPERM $VT nlperm root nobody record
rejnl "root opens, uid 65534 dumps: EPERM" EPERM $VT nlperm root nobody dump
rejnl "uid 65534 opens, root write()s RECORD: EPERM" EPERM $VT nlperm nobody root record write
rejnl "uid 65534 opens, root write()s a dump request: EPERM" EPERM $VT nlperm nobody root dump write
rejnl "uid 65534 opens, root sendto()s RECORD (as libnl does): EPERM, says why" \
	"EPERM: the socket's opener and the sender both need CAP_SYS_ADMIN" \
	$VT nlperm nobody root record
# The same message is set for the dump, but 6.1 hands a dump's start()
# no extack (af_netlink.c sets cb->extack only around dumpit): EPERM alone.
refused "uid 65534 opens, root sendto()s a dump request: EPERM" has "^EPERM" \
	$VT nlperm nobody root dump
# GENL_ADMIN_PERM: generic netlink's own CAP_NET_ADMIN check, then ours.
rejnl "root without CAP_NET_ADMIN: RECORD EPERM (GENL_ADMIN_PERM)" \
	"aaelctl: record: Operation not permitted" \
	setpriv --bounding-set=-net_admin $CTL record a b c
rejnl "root without CAP_NET_ADMIN: dump EPERM (GENL_ADMIN_PERM)" \
	"aaelctl: reading the log: Operation not permitted" \
	setpriv --bounding-set=-net_admin $CTL log
rejnl "root without CAP_SYS_ADMIN: RECORD EPERM, says why" \
	"aaelctl: record: Operation not permitted: the socket's opener and the sender both need CAP_SYS_ADMIN" \
	setpriv --bounding-set=-sys_admin $CTL record a b c
expect "root without CAP_SYS_ADMIN: GET_STATUS answers, without the register" \
	"$(setpriv --bounding-set=-sys_admin $VT nlstatus | tail -n 1)" "register: MISSING"

# Initial network namespace only: the family does not exist elsewhere.
expect "new network namespace: nlctrl resolves (generic netlink works)" \
	"$(unshare -n $VT nlfamily nlctrl)" ok
expect "new network namespace: the aael family does not resolve (ENOENT)" \
	"$(unshare -n $VT nlfamily aael)" ENOENT
rejnl "new network namespace: RECORD to aael's id is refused (ENOENT)" ENOENT \
	$VT nlnetns
rejnl "new network namespace: aaelctl record finds no family" \
	'aaelctl: no "aael" netlink family: is aael.ko loaded?' unshare -n $CTL record a b c

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
expect "after tpm2_pcrextend of sha256: that bank mismatches, every other matches" \
	"$(sed -n 's/^\(MISMATCH\|match\) register 23 \([a-z0-9]*\).*/\1 \2/p' /tmp/verify.out | sort)" \
	"$(for b in $(sed -n 's/^banks: //p' $A/register); do
		[ "$b" = sha256 ] && echo "MISMATCH $b" || echo "match $b"; done | sort)"
finish
