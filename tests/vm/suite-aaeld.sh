# SPDX-License-Identifier: GPL-2.0
# aaeld end to end on a fresh guest with a TPM: the documented curl and jq
# commands against aaeld and the test KBS, tpm2_checkquote on the evidence,
# bad input on every route, gating, loopback-only, KBS errors, and kill -9
# under load.
SUITE=aaeld
. /mnt/tests/vm/lib.sh
D=/mnt/build/aaeld
CTL=/mnt/build/aaelctl
L=/mnt/build/aael-load
PY=/usr/bin/python3
export TPM2TOOLS_TCTI=device:/dev/tpmrm0
URL=http://127.0.0.1:8006

start_aaeld() {
	$D "$@" > /tmp/aaeld.log 2>&1 &
	AAELD=$!
	wait_http $URL/info
}
stop_aaeld() {
	kill $AAELD 2>/dev/null
	wait $AAELD 2>/dev/null
}
# http CODE METHOD PATH [BODY]: prints the status
http() {
	if [ -n "${3:-}" ]; then
		curl -s -o /tmp/body -w '%{http_code}' -X "$1" -H "Content-Type: application/json" --data-binary "$3" "$URL$2"
	else
		curl -s -o /tmp/body -w '%{http_code}' -X "$1" "$URL$2"
	fi
}
count() { cat $A/runtime_measurements_count; }

load_hashes
check "insmod aael.ko (TPM, PCR 23)" insmod $KO

$PY /mnt/tests/kbs/test-kbs.py --port 8080 --key-out /tmp/kbs.pem > /tmp/kbs.log 2>&1 &
KBS=$!
wait_http http://127.0.0.1:8080/stats
cat > /tmp/aa.toml <<'TOML'
# the attestation agent's configuration, as a CoCo guest image ships it
[eventlog_config]
init_pcr = 23
enable_eventlog = true

[token_configs.kbs]
url = "http://127.0.0.1:8080"
TOML
echo "console=ttyS0 agent.guest_components_rest_api=attestation quiet" > /tmp/cmdline
start_aaeld -c /tmp/aa.toml --cmdline /tmp/cmdline --tee tpm
check "aaeld serves /info" sh -c "curl -s $URL/info | jq -e '.eventlog.backend == \"tpm\" and .attestation_api'"

# The documented commands, literally.
c=$(count)
out=$(curl -X POST http://127.0.0.1:8006/aa/aael -H "Content-Type: application/json" -d '{"domain":"test","operation":"test","content":"test"}' 2>/dev/null)
expect "POST /aa/aael records once" "$(count)" $((c + 1))
expect "POST /aa/aael answers with the record's seq and digest" \
	"$(echo "$out" | jq -c '[.seq, .index, .digests[0].alg]')" "[$c,23,\"SHA-256\"]"
curl http://127.0.0.1:8006/aa/token?token_type=kbs 2>/dev/null |
	jq -r '.token|split(".")|.[1]|@base64d|fromjson' > /tmp/claims.json
[ -s /tmp/claims.json ] || echo null > /tmp/claims.json	# jq -e passes on no input
check "the decoded token lists {test,test,test} with digest_matches_event true" \
	jq -e '[.. | objects | select(.details.data == {"domain":"test","operation":"test","content":"test"} and .digest_matches_event == true)] | length >= 1' /tmp/claims.json
expect "the KBS replay of the aael log = the TPM PCR 23" \
	"$(jq -r '.submods.cpu0["ear.veraison.annotated-evidence"].pcrs["23"]' /tmp/claims.json)" \
	"$(tr A-F a-f < /sys/class/tpm/tpm0/pcr-sha256/23)"
curl -s "$URL/aa/token?token_type=kbs" > /tmp/token.json
check "the token is an ES256 JWT signed by the KBS, for the tee_keypair's public key" $PY -c '
import base64, json, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils
t = json.load(open("/tmp/token.json"))
h, p, s = t["token"].split(".")
d = lambda x: base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
sig = d(s)
kbs = serialization.load_pem_public_key(open("/tmp/kbs.pem", "rb").read())
kbs.verify(utils.encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")),
           (h + "." + p).encode(), ec.ECDSA(hashes.SHA256()))
jwk = json.loads(d(p))["submods"]["cpu0"]["ear.veraison.annotated-evidence"]["runtime_data_claims"]["tee-pubkey"]
pub = serialization.load_pem_private_key(t["tee_keypair"].encode(), None).public_key().public_numbers()
assert d(jwk["x"]) == pub.x.to_bytes(32, "big") and d(jwk["y"]) == pub.y.to_bytes(32, "big")
'
expect "tokens are cached until they expire (one attestation so far)" \
	"$(curl -s http://127.0.0.1:8080/stats | jq .tokens)" 1

# Evidence that tpm2_checkquote accepts, with the aael log.
curl -s "$URL/aa/evidence?runtime_data=hello-aael" > /tmp/ev.json
jq -r .ak_public /tmp/ev.json | base64 -d > /tmp/ak.der
openssl pkey -pubin -inform DER -in /tmp/ak.der -out /tmp/ak.pem 2>/dev/null
jq -r .tpm_quote.message /tmp/ev.json | base64 -d > /tmp/msg.bin
jq -r .tpm_quote.signature /tmp/ev.json | base64 -d > /tmp/sig.bin
jq -r .cc_eventlog /tmp/ev.json | base64 -d > /tmp/cc.bin
# tpm2-tools' PCR file: TPML_PCR_SELECTION, a list count, TPML_DIGESTs (tss2 layout)
$PY - /tmp/ev.json /tmp/pcrs.bin <<'PY'
import json, struct, sys
pcr = bytes.fromhex(json.load(open(sys.argv[1]))["tpm_quote"]["pcrs"][23])
sel = struct.pack("<I", 1) + struct.pack("<HB4sx", 0x0B, 3, b"\0\0\x80\0") + bytes(8 * 15)
dig = struct.pack("<I", 1) + struct.pack("<H", 32) + pcr + bytes(32) + bytes(66 * 7)
open(sys.argv[2], "wb").write(sel + struct.pack("<I", 1) + dig)
PY
head -c -8 /tmp/cc.bin > /tmp/log.bin
check "tpm2_checkquote accepts the evidence's quote, with the aael log (-e)" \
	tpm2_checkquote -u /tmp/ak.pem -m /tmp/msg.bin -s /tmp/sig.bin -f /tmp/pcrs.bin \
	-g sha256 -q "$(printf hello-aael | od -An -tx1 | tr -d ' \n')" -e /tmp/log.bin
if tpm2_checkquote -u /tmp/ak.pem -m /tmp/msg.bin -s /tmp/sig.bin -f /tmp/pcrs.bin \
	-g sha256 -q 00 > /dev/null 2>&1; then
	not_ok "tpm2_checkquote refuses another nonce"
else
	ok "tpm2_checkquote refuses another nonce"
fi
check "evidence cc_eventlog = the kernel's log + end marker" \
	sh -c "cmp /tmp/log.bin $A/binary_runtime_measurements && tail -c 8 /tmp/cc.bin | od -An -tx1 | grep -q 'ff ff ff ff ff ff ff ff'"

# Reading the log back.
expect "GET /aa/aael?from=0 returns every record" \
	"$(curl -s "$URL/aa/aael?from=0&limit=10000" | jq '.records | length')" "$(count)"
expect "GET /aa/aael?from=N returns records N.." \
	"$(curl -s "$URL/aa/aael?from=$c" | jq -c '[.records[0].seq, .records[0].details.data.domain, .next]')" \
	"[$c,\"test\",$((c + 1))]"

# Bad input on every route: clear 4xx JSON, nothing recorded.
bad() {
	desc=$1 want=$2
	shift 2
	before=$(state)
	got=$(http "$@")
	after=$(state)
	if [ "$got" != "$want" ]; then
		not_ok "$desc: HTTP $want" "got HTTP $got: $(cat /tmp/body)"
	elif ! jq -e '.error and .detail' /tmp/body > /dev/null 2>&1; then
		not_ok "$desc: HTTP $want" "body is not {error, detail}: $(cat /tmp/body)"
	elif [ "$before" != "$after" ]; then
		not_ok "$desc: HTTP $want" "state changed"
	else
		ok "$desc: HTTP $want"
	fi
}
bad "malformed JSON" 400 POST /aa/aael '{"domain":"a",'
bad "trailing garbage after the JSON" 400 POST /aa/aael '{"domain":"a","operation":"b","content":"c"} x'
bad "not an object" 400 POST /aa/aael '["a","b","c"]'
bad "missing content" 400 POST /aa/aael '{"domain":"a","operation":"b"}'
bad "content of the wrong type" 400 POST /aa/aael '{"domain":"a","operation":"b","content":7}'
bad "NUL in content" 400 POST /aa/aael '{"domain":"a","operation":"b","content":"x\u0000y"}'
bad "space in domain (refused by the kernel)" 400 POST /aa/aael '{"domain":"a b","operation":"b","content":"c"}'
bad "content over max_event_size" 413 POST /aa/aael "{\"domain\":\"a\",\"operation\":\"b\",\"content\":\"$(head -c 20000 /dev/zero | tr '\0' x)\"}"
bad "body over 64 KiB" 413 POST /aa/aael "{\"domain\":\"a\",\"operation\":\"b\",\"content\":\"$(head -c 70000 /dev/zero | tr '\0' x)\"}"
before=$(state)
got=$(curl -s -o /tmp/body -w '%{http_code}' -X POST -d '{"domain":"a","operation":"b","content":"c"}' -H "Content-Type: text/plain" $URL/aa/aael)
expect "wrong Content-Type: HTTP 415, nothing recorded" "$got $(state)" "415 $before"
bad "unknown route" 404 GET /aa/nothing
bad "unknown top-level route" 404 GET /metrics
bad "wrong method on /aa/aael" 405 DELETE /aa/aael
bad "wrong method on /aa/token" 405 POST /aa/token '{}'
bad "token_type missing" 400 GET /aa/token
bad "token_type other than kbs" 400 "GET" "/aa/token?token_type=coco_as"
bad "evidence without runtime_data" 400 GET /aa/evidence
bad "runtime_data over 64 bytes" 400 GET "/aa/evidence?runtime_data=$(head -c 65 /dev/zero | tr '\0' a)"
bad "from is not a number" 400 GET "/aa/aael?from=x"
bad "limit over 10000" 400 GET "/aa/aael?limit=10001"
stop_aaeld

# Gating: /aa/ routes follow the kernel command line; --attestation-api overrides it.
echo "console=ttyS0 agent.guest_components_rest_api=resource" > /tmp/cmdline2
start_aaeld -c /tmp/aa.toml --cmdline /tmp/cmdline2 --tee tpm
bad "rest_api=resource: /aa/aael is not served" 404 POST /aa/aael '{"domain":"a","operation":"b","content":"c"}'
expect "rest_api=resource: /info is served" "$(http GET /info)" 200
stop_aaeld
echo "agent.guest_components_rest_api=all" > /tmp/cmdline3
start_aaeld -c /tmp/aa.toml --cmdline /tmp/cmdline3 --tee tpm
expect "rest_api=all: /aa/aael is served" "$(http GET '/aa/aael?from=0&limit=1')" 200
stop_aaeld
start_aaeld -c /tmp/aa.toml --cmdline /tmp/cmdline2 --attestation-api on --tee tpm
expect "--attestation-api on overrides the command line" "$(http GET '/aa/aael?from=0&limit=1')" 200
stop_aaeld
printf '[eventlog_config]\nenable_eventlog = false\n' > /tmp/aa-off.toml
start_aaeld -c /tmp/aa-off.toml --attestation-api on --tee tpm
bad "enable_eventlog = false: POST refused" 503 POST /aa/aael '{"domain":"a","operation":"b","content":"c"}'
stop_aaeld
printf '[eventlog_config]\ninit_pcr = "seventeen"\n' > /tmp/aa-bad.toml
$D -c /tmp/aa-bad.toml --attestation-api on > /tmp/bad.out 2>&1
check "a bad aa.toml is refused with its reason" grep -q "init_pcr has the wrong type" /tmp/bad.out
printf 'version = "0.1.0"\nalgorithm = "sha384"\n[data]\n"aa.toml" = """\n[eventlog_config]\nenable_eventlog = true\n[token_configs.kbs]\nurl = "http://127.0.0.1:8080"\n"""\n' > /tmp/initdata.toml
gzip -c /tmp/initdata.toml | base64 -w0 > /tmp/initdata.b64
start_aaeld --initdata /tmp/initdata.b64 --attestation-api on --tee sample
expect "Init-Data (gzip+base64): aa.toml inside configures the KBS; a token for the sample TEE" \
	"$(curl -s "$URL/aa/token?token_type=kbs" | jq -r '.token|split(".")|.[1]|@base64d|fromjson|.submods.cpu0["ear.veraison.annotated-evidence"] | [.tee, (.init_data|length)] | @tsv')" \
	"sample	64"
stop_aaeld

# Loopback only: a peer on another address gets 403.
ip addr add 10.9.9.9/32 dev lo
$D -c /tmp/aa.toml --cmdline /tmp/cmdline --tee tpm --listen 0.0.0.0:8007 > /tmp/aaeld2.log 2>&1 &
P=$!
wait_http http://127.0.0.1:8007/info
expect "a non-loopback peer gets 403" \
	"$(curl -s -o /tmp/body -w '%{http_code}' --interface 10.9.9.9 http://10.9.9.9:8007/info)" 403
expect "a loopback peer of the same server gets 200" \
	"$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8007/info)" 200
kill $P; wait $P 2>/dev/null
$D -c /tmp/aa.toml --cmdline /tmp/cmdline --tee tpm --listen unix:/tmp/aaeld.sock > /tmp/aaeld3.log 2>&1 &
P=$!
i=0; while [ ! -S /tmp/aaeld.sock ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
expect "a Unix socket works" \
	"$(curl -s --unix-socket /tmp/aaeld.sock -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"domain":"unix","operation":"socket","content":"ok"}' http://localhost/aa/aael)" 200
kill $P; wait $P 2>/dev/null

# KBS failures surface as 502/503 with the KBS's detail, never a crash.
$PY /mnt/tests/kbs/test-kbs.py --port 8081 --fail-auth > /tmp/kbs2.log 2>&1 &
K2=$!
wait_http http://127.0.0.1:8081/stats
printf '[eventlog_config]\nenable_eventlog = true\n[token_configs.kbs]\nurl = "http://127.0.0.1:8081"\n' > /tmp/aa-deny.toml
start_aaeld -c /tmp/aa-deny.toml --attestation-api on --tee tpm
bad "a KBS that refuses: 502 with its detail" 502 GET "/aa/token?token_type=kbs"
check "... the detail is the KBS's" grep -q "refuses everyone" /tmp/body
stop_aaeld
kill $K2
printf '[eventlog_config]\nenable_eventlog = true\n[token_configs.kbs]\nurl = "http://127.0.0.1:8099"\n' > /tmp/aa-down.toml
start_aaeld -c /tmp/aa-down.toml --attestation-api on --tee tpm
bad "an unreachable KBS: 503" 503 GET "/aa/token?token_type=kbs"
check "aaeld is still up after the KBS errors" sh -c "curl -s $URL/info | jq -e .name"
stop_aaeld

# The KBS over HTTPS, trusted through aa.toml's cert (a CA made here):
# the token comes; with another CA the request fails cleanly (502/503).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj "/CN=aael test CA" -keyout /tmp/ca.key -out /tmp/ca.pem 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
	-keyout /tmp/kbs-tls.key -out /tmp/kbs-tls.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' > /tmp/san.ext
openssl x509 -req -in /tmp/kbs-tls.csr -CA /tmp/ca.pem -CAkey /tmp/ca.key -CAcreateserial \
	-days 1 -extfile /tmp/san.ext -out /tmp/kbs-tls.pem 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj "/CN=another CA" -keyout /tmp/other.key -out /tmp/other.pem 2>/dev/null
$PY /mnt/tests/kbs/test-kbs.py --port 8443 --tls-cert /tmp/kbs-tls.pem --tls-key /tmp/kbs-tls.key \
	> /tmp/kbs-tls.log 2>&1 &
KTLS=$!
i=0
while ! curl -s --cacert /tmp/ca.pem -o /dev/null https://127.0.0.1:8443/stats && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
tls_toml() {	# CA-FILE
	printf '[eventlog_config]\nenable_eventlog = true\n[token_configs.kbs]\nurl = "https://127.0.0.1:8443"\n'
	printf 'cert = """\n%s\n"""\n' "$(cat "$1")"
}
tls_toml /tmp/ca.pem > /tmp/aa-tls.toml
start_aaeld -c /tmp/aa-tls.toml --attestation-api on --tee tpm
check "KBS over HTTPS with aa.toml's cert: a token" sh -c \
	"curl -s '$URL/aa/token?token_type=kbs' | jq -e '.token | split(\".\") | length == 3'"
stop_aaeld
tls_toml /tmp/other.pem > /tmp/aa-tls-other.toml
start_aaeld -c /tmp/aa-tls-other.toml --attestation-api on --tee tpm
code=$(http GET "/aa/token?token_type=kbs")
check "KBS over HTTPS signed by another CA: refused ($code), with detail" sh -c \
	"{ [ $code = 502 ] || [ $code = 503 ]; } && jq -e '.detail | test(\"certificate|SSL|TLS|peer\"; \"i\")' /tmp/body"
stop_aaeld
kill $KTLS
wait $KTLS 2>/dev/null

# --max-rate: over the rate, 429 with Retry-After and nothing recorded.
expect "--max-rate abc refused at start" "$($D --max-rate abc > /dev/null 2>&1; echo $?)" 2
start_aaeld --attestation-api on --tee sample --max-rate 1
c0=$(count)
# Two POSTs from one curl, milliseconds apart (timing-proof even on the slow
# debug kernel): the first takes the bucket's one token, the second gets 429.
post_args='-s -X POST -H Content-Type:application/json'
curl $post_args -d '{"domain":"rate","operation":"limit","content":"a"}' -D /tmp/rl1.hdr -o /tmp/rl1.body $URL/aa/aael \
	--next $post_args -d '{"domain":"rate","operation":"limit","content":"b"}' -D /tmp/rl2.hdr -o /tmp/rl2.body $URL/aa/aael
check "--max-rate 1: the second of two back-to-back POSTs gets 429" grep -q "^HTTP/1.1 429" /tmp/rl2.hdr
check "429 carries Retry-After and a JSON {error, detail}" sh -c \
	"grep -qi '^Retry-After: 1' /tmp/rl2.hdr && jq -e '.error and .detail' /tmp/rl2.body"
expect "only the first was recorded" "$(count)" $((c0 + 1))
# 6 writers x 10 POSTs in-process, far over 1/s: each gets 200 (a token
# left, or refilled meanwhile: none to a few, depending on the machine's
# speed) or 429, and only the 200s are recorded.
$L run rate 6 10 http > /dev/null 2>&1
n200=$(cat /tmp/ledger-rate-* | grep -c ' ok$')
n429=$(cat /tmp/ledger-rate-* | grep -c 'refused http-429$')
check "6 writers x 10 POSTs over the rate: $n200 ok, $n429 refused with 429, nothing else" \
	sh -c "[ $n429 -gt 0 ] && [ $((n200 + n429)) -eq 60 ]"
out=$($L audit rate 6) && ok "rate: every 200 recorded once, no 429 recorded: $out" ||
	not_ok "rate: every 200 recorded once, no 429 recorded" "$out"
sleep 1.2
expect "after a second, recording resumes" "$(http POST /aa/aael '{"domain":"rate","operation":"limit","content":"again"}')" 200
stop_aaeld

# kill -9 in the middle of a stream of POSTs from several clients.
start_aaeld -c /tmp/aa.toml --cmdline /tmp/cmdline --tee tpm
c0=$(count)
CLIENTS=
for w in 1 2 3 4; do
	(
		for i in $(seq 1 60); do
			code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Content-Type: application/json" \
				-d "{\"domain\":\"restart\",\"operation\":\"w$w\",\"content\":\"$i\"}" $URL/aa/aael)
			echo "$code w$w $i"
		done > /tmp/client-$w.out
	) &
	CLIENTS="$CLIENTS $!"
done
sleep 2
kill -9 $AAELD
wait $AAELD 2>/dev/null
sleep 0.5
start_aaeld -c /tmp/aa.toml --cmdline /tmp/cmdline --tee tpm
for p in $CLIENTS; do wait "$p"; done
tail -n +$((c0 + 1)) $A/ascii_runtime_measurements | sed -n 's/.* restart \(w[0-9]\) \([0-9]*\)$/\1 \2/p' | sort > /tmp/logged
cat /tmp/client-*.out | awk '$1 == 200 { print $2, $3 }' | sort > /tmp/acked
expect "restart: some requests failed while aaeld was down (the test did kill it)" \
	"$(cat /tmp/client-*.out | awk '$1 != 200' | grep -c . | awk '{ print ($1 > 0) }')" 1
expect "restart: every 200 is in the log" "$(comm -23 /tmp/acked /tmp/logged)" ""
expect "restart: nothing is in the log twice" "$(uniq -d /tmp/logged)" ""
check "restart: the log replays to the PCR" $CTL verify
expect "restart: the restarted aaeld serves the same log" \
	"$(curl -s "$URL/aa/aael?from=0&limit=10000" | jq '.records | length')" "$(count)"
stop_aaeld
kill $KBS
wait $KBS 2>/dev/null
finish
