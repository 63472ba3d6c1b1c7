# SPDX-License-Identifier: GPL-2.0
# aaeld's tdx evidence provider against the kernel's real configfs-tsm
# interface (6.12+; 6.1 has none). No TDX here: tests/tsm-fake registers a
# report provider whose "quote" is a marker and the 64-byte inblob, so that
# the test can see the report data arrive. With the emulated RTMR as
# aael's register, GET /aa/evidence must carry that quote and cc_eventlog
# byte-identical to aaelctl's export (Spec ID header, records, end marker).
SUITE=tdx-evidence
. /mnt/tests/vm/lib.sh
D=/mnt/build/aaeld
CTL=/mnt/build/aaelctl
URL=http://127.0.0.1:8006
FAKE=$(dirname "$KO")/aael_tsm_fake.ko

load_hashes
# configfs itself may be a module: load tsm (which needs it) first.
for m in tsm tsm_report; do
	modprobe -d "${AAEL_KMODS%/lib/modules/*}" "$m" 2>/dev/null
done
mountpoint -q /sys/kernel/config || mount -t configfs configfs /sys/kernel/config
check "configfs-tsm is there" test -d /sys/kernel/config/tsm/report
check "the test provider registers" insmod "$FAKE"
check "insmod backend=tdx-emulated" insmod $KO backend=tdx-emulated test_unsafe=1
echo "test test test" > $A/event
echo "domain operation content" > $A/event

$D --attestation-api on --tee tdx > /tmp/aaeld.log 2>&1 &
AAELD=$!
wait_http $URL/info
code=$(curl -s -o /tmp/ev.json -w '%{http_code}' "$URL/aa/evidence?runtime_data=aael-report-data")
if [ "$code" = 200 ]; then ok "GET /aa/evidence (tdx): 200"; else
	not_ok "GET /aa/evidence (tdx): 200" "got $code: $(cat /tmp/ev.json)"; fi
jq -r .quote /tmp/ev.json | base64 -d > /tmp/quote.bin
expect "the quote came from configfs-tsm, with the report data as inblob (64 bytes, zero-padded)" \
	"$(od -An -tx1 -v /tmp/quote.bin | tr -d ' \n')" \
	"$( (printf 'AAEL-FAKE-TD-QUOTE'; printf 'aael-report-data'; head -c 48 /dev/zero) | od -An -tx1 -v | tr -d ' \n')"
jq -r .cc_eventlog /tmp/ev.json | base64 -d > /tmp/cc.bin
$CTL export --format cc-eventlog | base64 -d > /tmp/cc-export.bin
check "cc_eventlog = aaelctl export --format cc-eventlog, byte for byte" cmp /tmp/cc.bin /tmp/cc-export.bin
check "cc_eventlog replays CC-MR 4 to the emulated RTMR3" $CTL verify --log /tmp/cc.bin --against live
expect "the report directory is removed afterwards" "$(ls /sys/kernel/config/tsm/report)" ""
code=$(curl -s -o /tmp/ev.json -w '%{http_code}' "$URL/aa/evidence?runtime_data=$(head -c 65 /dev/zero | tr '\0' x)")
expect "runtime_data over 64 bytes: 400" "$code" 400
rmmod aael_tsm_fake
code=$(curl -s -o /tmp/ev.json -w '%{http_code}' "$URL/aa/evidence?runtime_data=abc")
check "no provider: 503 with the reason ($code)" sh -c "[ $code = 503 ] && jq -e '.detail | test(\"quote|tsm\")' /tmp/ev.json"
check "aaeld still serves" sh -c "curl -s $URL/info | jq -e .name"
kill $AAELD
wait $AAELD 2>/dev/null
rmmod aael
finish
