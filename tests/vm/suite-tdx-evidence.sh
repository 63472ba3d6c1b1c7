# SPDX-License-Identifier: GPL-2.0
# aaeld's tdx evidence provider against the kernel's real configfs-tsm
# interface (6.12+; 6.1 has none). No TDX here: tests/tsm-fake registers a
# report provider whose "quote" is a marker and the 64-byte inblob, so that
# the test can see the report data arrive. With the emulated RTMR as
# aael's register, GET /aa/evidence must carry that quote, and a cc_eventlog
# equal to the kernel's own binary log converted by tests/vm/aael-oracle.py
# (Python, from the documented formats: libaael makes both aaeld's and
# aaelctl's, so comparing those two would prove little). The replay is
# hashlib's, against the register the module publishes.
SUITE=tdx-evidence
. /mnt/tests/vm/lib.sh
D=/mnt/build/aaeld
PY=/usr/bin/python3
O=/mnt/tests/vm/aael-oracle.py
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
code=$(curl -s -m 60 -D /tmp/ev.h -o /tmp/ev.json -w '%{http_code}' "$URL/aa/evidence?runtime_data=aael-report-data")
if [ "$code" = 200 ] && grep -qix 'Content-Type: application/octet-stream.' /tmp/ev.h; then
	ok "GET /aa/evidence (tdx): 200 application/octet-stream"
else
	not_ok "GET /aa/evidence (tdx): 200 application/octet-stream" "got $code: $(cat /tmp/ev.h /tmp/ev.json)"
fi
jq -r .quote /tmp/ev.json | base64 -d > /tmp/quote.bin
expect "the quote came from configfs-tsm, with the report data as inblob (64 bytes, zero-padded)" \
	"$(od -An -tx1 -v /tmp/quote.bin | tr -d ' \n')" \
	"$( (printf 'AAEL-FAKE-TD-QUOTE'; printf 'aael-report-data'; head -c 48 /dev/zero) | od -An -tx1 -v | tr -d ' \n')"
jq -r .cc_eventlog /tmp/ev.json | base64 -d > /tmp/cc.bin
cp $A/binary_runtime_measurements /tmp/kernel.bin
# The documented TDX defaults: CC-MR 4 (RTMR3), one sha384 bank.
check "the kernel's log = the oracle's encoding of the two events (CC-MR 4, sha384)" sh -c \
	"$PY $O log --index 4 --banks sha384 'test test test' 'domain operation content' | cmp - /tmp/kernel.bin"
$PY $O cc-eventlog /tmp/kernel.bin > /tmp/cc.want
check "cc_eventlog = the kernel's log converted by the oracle (Spec ID header, records, 8 x 0xFF)" \
	cmp /tmp/cc.bin /tmp/cc.want
expect "cc_eventlog replayed by hashlib = register_value (the emulated RTMR3)" \
	"$($PY $O replay /tmp/cc.bin)" "$(cat $A/register_value)"
expect "the report directory is removed afterwards" "$(ls /sys/kernel/config/tsm/report)" ""
# encoding=base64 (URL-safe, no padding): the decoded bytes are the
# inblob, NULs and all -- 64 of them, a whole TDREPORT's report data
# (api-server-rest/src/utils.rs decode_runtime_data).
RD=$( (printf 'aael\0\377-_'; head -c 56 /dev/zero) | od -An -tx1 -v | tr -d ' \n')
RD64=$($PY -c 'import base64, sys; print(base64.urlsafe_b64encode(bytes.fromhex(sys.argv[1])).rstrip(b"=").decode())' "$RD")
code=$(curl -s -m 60 -o /tmp/ev64.json -w '%{http_code}' "$URL/aa/evidence?runtime_data=$RD64&encoding=base64")
expect "encoding=base64: HTTP 200, the quote's inblob is the 64 decoded bytes (a NUL and 0xff among them)" \
	"$code $(jq -r .quote /tmp/ev64.json | base64 -d | od -An -tx1 -v | tr -d ' \n')" \
	"200 $(printf 'AAEL-FAKE-TD-QUOTE' | od -An -tx1 -v | tr -d ' \n')$RD"
code=$(curl -s -m 60 -D /tmp/ev.h -o /tmp/ev.json -w '%{http_code}' "$URL/aa/evidence?runtime_data=$(head -c 65 /dev/zero | tr '\0' x)")
expect "runtime_data over 64 bytes: 400, the reason as text, no Content-Type" \
	"$code $(cat /tmp/ev.json) $(grep -ci '^Content-Type:' /tmp/ev.h)" \
	"400 runtime_data is more than the 64 bytes of report data 0"
rmmod aael_tsm_fake
code=$(curl -s -m 60 -D /tmp/ev.h -o /tmp/ev.json -w '%{http_code}' "$URL/aa/evidence?runtime_data=abc")
check "no provider: 500 with the reason as text, no Content-Type ($code)" sh -c \
	"[ $code = 500 ] && grep -Eq 'quote|tsm' /tmp/ev.json && ! grep -qi '^Content-Type:' /tmp/ev.h"
check "aaeld still serves" sh -c "curl -s -m 60 $URL/info | jq -e '.aael.name == \"aaeld\"'"
kill $AAELD
wait $AAELD 2>/dev/null
rmmod aael
finish
