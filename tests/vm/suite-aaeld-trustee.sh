# SPDX-License-Identifier: GPL-2.0
# aaeld against Trustee's rules (issue 10 items 1 and 2) on a fresh guest
# with a sha256 TPM: the test KBS verifies TPM evidence as Trustee's TPM
# verifier does (tests/kbs/trustee_tpm.py); a token without and with
# Init-Data; PCR 8 bound once per boot (kill -9 and restart: unchanged);
# another document after the binding, or a sha384 one, refused at start;
# tpm2_checkquote on the evidence with all 24 PCRs. The KBS client as the
# agent's (issue 10 item 3): every tee key algorithm with every selected
# hash, refusals at /auth and /attest (5 attempts counted at the KBS, aaeld
# keeps recording), a KBS down, the KBS from AA_KBC_PARAMS or the command
# line, a trailing '/', no token hiding later events.
SUITE=aaeld-trustee
. /mnt/tests/vm/lib.sh
D=$AAELD_ASAN
CTL=/mnt/build/aaelctl
PY=/usr/bin/python3
export TPM2TOOLS_TCTI=device:/dev/tpmrm0
URL=http://127.0.0.1:8006
KURL=http://127.0.0.1:8080
PCR8=/sys/class/tpm/tpm0/pcr-sha256/8

start_aaeld() {
	$D "$@" > /tmp/aaeld.log 2>&1 &
	AAELD=$!
	wait_http $URL/info
}
stop_aaeld() {
	kill $AAELD 2>/dev/null
	wait $AAELD 2>/dev/null
}
pcr8() { tr A-F a-f < $PCR8; }
# text_err STATUS REGEX: the answer in /tmp/body (headers /tmp/headers) is
# the REST server's error form: STATUS, a text matching REGEX (grep -E),
# no Content-Type (api-server-rest/src/router.rs internal_error)
text_err() {
	code=$(sed -n '1s/^HTTP[^ ]* \([0-9]*\).*/\1/p' /tmp/headers)
	[ "$code" = "$1" ] && ! grep -qi '^Content-Type:' /tmp/headers && grep -Eq "$2" /tmp/body ||
		{ echo "HTTP $code, want $1; body: $(head -c 300 /tmp/body)"; grep -i '^Content-Type:' /tmp/headers; return 1; }
}
tokens() { curl -s -m 60 $KURL/stats | jq .tokens; }
# token_claims: GET /aa/token, print the token's decoded claims (or null)
token_claims() {
	curl -s -m 60 "$URL/aa/token?token_type=kbs" > /tmp/token.json
	jq -r '.token|split(".")|.[1]|@base64d|fromjson' /tmp/token.json 2>/dev/null || echo null
}
# binding DOC: sha256(32 zero bytes || sha256(DOC)), hex
binding() {
	$PY -c 'import hashlib, sys
d = hashlib.sha256(open(sys.argv[1], "rb").read()).digest()
print(hashlib.sha256(bytes(32) + d).hexdigest())' "$1"
}
initdata() {	# ALGORITHM NOTE: an Init-Data document whose aa.toml names the KBS
	printf 'version = "0.1.0"\nalgorithm = "%s"\n[data]\n"aa.toml" = """\n[eventlog_config]\nenable_eventlog = true\n[token_configs.kbs]\nurl = "%s"\n"""\nnote = "%s"\n' "$1" "$KURL" "$2"
}

asan_start
load_hashes
check "insmod aael.ko (TPM, PCR 23)" insmod $KO
$PY /mnt/tests/kbs/test-kbs.py --port 8080 > /tmp/kbs.log 2>&1 &
KBS=$!
wait_http $KURL/stats
expect "PCR 8 is zero at boot" "$(pcr8)" "$(printf '%064d' 0)"

# Without Init-Data.
printf '[eventlog_config]\ninit_pcr = 23\nenable_eventlog = true\n[token_configs.kbs]\nurl = "%s"\n' $KURL > /tmp/aa.toml
start_aaeld -c /tmp/aa.toml --attestation-api on --tee tpm
echo 'workload trustee {"step":1}' > $A/event
c=$(token_claims)
check "without Init-Data: a token from the KBS that verifies TPM evidence by Trustee's rules" \
	sh -c "echo '$c' | jq -e '.submods.cpu0[\"ear.status\"] == \"affirming\"'"
expect "... its replay of the aael log = PCR 23" \
	"$(echo "$c" | jq -r '.submods.cpu0["ear.veraison.annotated-evidence"].pcrs["23"]')" \
	"$(tr A-F a-f < /sys/class/tpm/tpm0/pcr-sha256/23)"
expect "without Init-Data PCR 8 stays zero" "$(pcr8)" "$(printf '%064d' 0)"

# The evidence: 24 PCRs, the quote over all of them, report data resized to 32.
curl -s -m 60 "$URL/aa/evidence?runtime_data=hello-aael" > /tmp/ev.json
expect "evidence lists 24 sha256 PCRs" "$(jq '.tpm_quote.pcrs | length' /tmp/ev.json)" 24
check "Trustee's rules accept the evidence for report data 'hello-aael' (zero-padded to 32)" $PY -c '
import json, sys
sys.path.insert(0, "/mnt/tests/kbs")
import trustee_tpm
trustee_tpm.evaluate(json.load(open("/tmp/ev.json")), b"hello-aael")'
check "... and refuse it for other report data" $PY -c '
import json, sys
sys.path.insert(0, "/mnt/tests/kbs")
import trustee_tpm
try:
    trustee_tpm.evaluate(json.load(open("/tmp/ev.json")), b"hello-aaeL")
except trustee_tpm.Refused as e:
    sys.exit(0 if "nonce" in str(e) else 1)
sys.exit(1)'
quote_files /tmp/ev.json
Q=$( (printf hello-aael; head -c 22 /dev/zero) | od -An -tx1 -v | tr -d ' \n')
check "tpm2_checkquote accepts the quote with all 24 PCRs (sha256:0-23), nonce = report data padded to 32" \
	tpm2_checkquote -u /tmp/ak.pem -m /tmp/msg.bin -s /tmp/sig.bin -f /tmp/pcrs.bin -g sha256 -q "$Q"
check "... the quote selects exactly PCRs 0-23 of sha256" $PY -c '
import base64, json, sys
sys.path.insert(0, "/mnt/tests/kbs")
import trustee_tpm
q = json.load(open("/tmp/ev.json"))["tpm_quote"]
sel = trustee_tpm.parse_attest(base64.b64decode(q["message"]))["selection"]
assert sel == [(0x0B, list(range(24)))], sel'
stop_aaeld

# With Init-Data (sha256): bound at start, its aa.toml's KBS used, a token.
initdata sha256 first > /tmp/id.toml
t0=$(tokens)
start_aaeld --initdata /tmp/id.toml --attestation-api on --tee tpm
check "aaeld says it bound the Init-Data now" grep -qF "Init-Data bound now: PCR 8 = sha256(0^32 || $(sha256sum < /tmp/id.toml | cut -c1-64))" /tmp/aaeld.log
expect "PCR 8 = sha256(32 zero bytes || sha256(document))" "$(pcr8)" "$(binding /tmp/id.toml)"
B=$(pcr8)
c=$(token_claims)
check "with Init-Data: a token (Trustee's rules: PCR 8 checked because init-data was sent)" \
	sh -c "echo '$c' | jq -e '.submods.cpu0[\"ear.status\"] == \"affirming\"'"
expect "... the KBS issued it (from the Init-Data's aa.toml URL)" "$(tokens)" $((t0 + 1))

# The KBS side by hand: the same evidence with another init-data is refused
# with Trustee's 401 body; with this one, or none, accepted.
check "Trustee's rules on one evidence: right init-data 200, none 200, another 401 with Trustee's body" \
	$PY - /tmp/id.toml <<'PY'
import base64, hashlib, json, sys, urllib.request, http.cookiejar
from cryptography.hazmat.primitives.asymmetric import ec
K, A = "http://127.0.0.1:8080", "http://127.0.0.1:8006"
body = open(sys.argv[1]).read()
def attest(init):
    op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    def post(path, obj):
        r = urllib.request.Request(K + path, json.dumps(obj).encode(), {"Content-Type": "application/json"})
        try:
            x = op.open(r)
            return x.status, json.load(x)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)
    # a real P-256 key: the KBS reads the tee-pubkey as Trustee does
    n = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    b = lambda v: base64.urlsafe_b64encode(v.to_bytes(32, "big")).rstrip(b"=").decode()
    jwk = {"alg": "ECDH-ES+A256KW", "crv": "P-256", "kty": "EC", "x": b(n.x), "y": b(n.y)}
    _, ch = post("/kbs/v0/auth", {"version": "0.4.0", "tee": "tpm", "extra-params": ""})
    rd = hashlib.sha384(json.dumps({"additional-evidence": "", "nonce": ch["nonce"], "tee-pubkey": jwk},
                                   sort_keys=True, separators=(",", ":")).encode()).digest()
    # binary runtime data as the REST server takes it (api-server-rest
    # src/utils.rs decode_runtime_data): URL-safe base64 without padding;
    # the whole digest, aaeld cuts it to the 32 bytes a quote carries
    q = base64.urlsafe_b64encode(rd).rstrip(b"=").decode()
    ev = json.load(urllib.request.urlopen(A + "/aa/evidence?encoding=base64&runtime_data=" + q, timeout=60))
    req = {"runtime-data": {"nonce": ch["nonce"], "tee-pubkey": jwk},
           "tee-evidence": {"primary_evidence": ev, "additional_evidence": ""}}
    if init is not None:
        req["init-data"] = {"format": "toml", "body": init}
    return post("/kbs/v0/attest", req)
s1, _ = attest(body)
s2, _ = attest(None)
s3, b3 = attest(body.replace("first", "other"))
print(s1, s2, s3, b3)
assert (s1, s2, s3) == (200, 200, 401), (s1, s2, s3)
assert b3 == {"type": "https://github.com/confidential-containers/kbs/errors/AttestationError",
              "detail": "Attestation error: RCAR handshake Attest failed"}, b3
PY
check "... the KBS logged Trustee's reason for the 401" grep -q "PCR\[8\] doesn't match" /tmp/kbs.log ||
	sed 's/^/#   kbs: /' /tmp/kbs.log | tail -n 5 >> $TAP

# kill -9 and start again with the same document: no second extend.
kill -9 $AAELD
wait $AAELD 2>/dev/null
t0=$(tokens)
start_aaeld --initdata /tmp/id.toml --attestation-api on --tee tpm
check "restarted after kill -9: aaeld finds the binding already there" \
	grep -qF "Init-Data already bound this boot: PCR 8 = sha256(0^32 || $(sha256sum < /tmp/id.toml | cut -c1-64))" /tmp/aaeld.log
expect "... PCR 8 unchanged" "$(pcr8)" "$B"
c=$(token_claims)
check "... and a token again" sh -c "echo '$c' | jq -e '.submods.cpu0[\"ear.status\"] == \"affirming\"'"
expect "... issued by the KBS" "$(tokens)" $((t0 + 1))
stop_aaeld

# Another document after the binding: refused at start, PCR 8 untouched,
# its KBS never contacted.
initdata sha256 second > /tmp/id2.toml
t0=$(tokens)
timeout 120 $D --initdata /tmp/id2.toml --attestation-api on --tee tpm > /tmp/refuse.log 2>&1
expect "a different Init-Data after the binding: aaeld exits 2" "$?" 2
check "... saying PCR 8 holds another binding" grep -q "PCR 8 (sha256) is $B, not this Init-Data's binding" /tmp/refuse.log
expect "... PCR 8 unchanged" "$(pcr8)" "$B"
expect "... nothing served" "$(curl -s -m 60 -o /dev/null -w '%{http_code}' $URL/info)" 000

initdata sha384 third > /tmp/id384.toml
timeout 120 $D --initdata /tmp/id384.toml --attestation-api on --tee tpm > /tmp/refuse384.log 2>&1
expect "a sha384 Init-Data on a TPM: aaeld exits 2" "$?" 2
check "... saying a TPM binding takes sha256" grep -q 'algorithm = "sha384": on a TPM the binding (PCR 8, sha256 bank) takes a sha256 digest' /tmp/refuse384.log
expect "... PCR 8 unchanged" "$(pcr8)" "$B"
expect "the KBS issued no token to a refused document" "$(tokens)" "$t0"

# The persistent AK: AA_TPM_AK_HANDLE naming no key is an error, not a fallback.
AA_TPM_AK_HANDLE=0x81010077 $D --attestation-api on --tee tpm --listen 127.0.0.1:8009 > /tmp/akh.log 2>&1 &
P=$!
wait_http http://127.0.0.1:8009/info
curl -s -m 60 -D /tmp/headers -o /tmp/body "http://127.0.0.1:8009/aa/evidence?runtime_data=x"
check "AA_TPM_AK_HANDLE naming no key: evidence refused, 500 with the reason as text" \
	text_err 500 'AA_TPM_AK_HANDLE 0x81010077: no key there'
kill $P; wait $P 2>/dev/null
# A persistent AK at 0x81010002 (as a provisioned guest has): used.
tpm2_createek -c /tmp/ek.ctx -G rsa -u /tmp/ek.pub > /dev/null 2>&1
tpm2_createak -C /tmp/ek.ctx -c /tmp/ak.ctx -G rsa -g sha256 -s rsassa -u /tmp/akp.pem -f pem > /tmp/createak.log 2>&1 &&
	tpm2_evictcontrol -C o -c /tmp/ak.ctx 0x81010002 >> /tmp/createak.log 2>&1
check "a persistent AK made at 0x81010002 (tpm2_createak, tpm2_evictcontrol)" sh -c \
	"tpm2_getcap handles-persistent | grep -qi 0x81010002 || { cat /tmp/createak.log; exit 1; }"
start_aaeld --attestation-api on --tee tpm
curl -s -m 60 "$URL/aa/evidence?runtime_data=ak" > /tmp/ev2.json
jq -r .ak_public /tmp/ev2.json | base64 -d > /tmp/ev2-ak.der
openssl pkey -pubin -in /tmp/akp.pem -outform DER -out /tmp/akp.der 2>/dev/null
check "with a persistent AK at 0x81010002, the evidence's ak_public is that key" cmp /tmp/ev2-ak.der /tmp/akp.der
check "... and Trustee's rules accept its quote" $PY -c '
import json, sys
sys.path.insert(0, "/mnt/tests/kbs")
import trustee_tpm
trustee_tpm.evaluate(json.load(open("/tmp/ev2.json")), b"ak")'
stop_aaeld

# --- The KBS client (issue 10 item 3) ---
# get_token: GET /aa/token into /tmp/body (headers /tmp/headers), prints
# the HTTP status
get_token() { curl -s -m 300 -D /tmp/headers -o /tmp/body -w '%{http_code}' "$URL/aa/token?token_type=kbs"; }
stat() { curl -s -m 60 "http://127.0.0.1:$1/stats" | jq ".$2"; }
aa_toml() {	# PORT-OR-URL [TEE_KEY_ALGORITHM]
	case $1 in *://*) u=$1 ;; *) u=http://127.0.0.1:$1 ;; esac
	printf '[eventlog_config]\ninit_pcr = 23\nenable_eventlog = true\n[token_configs.kbs]\nurl = "%s"\n' "$u"
	[ -z "${2:-}" ] || printf 'tee_key_algorithm = "%s"\n' "$2"
}
# A KBS per runtime-data hash: sha384 is Trustee's built-in choice for a
# TPM (extra-params ""), sha256 and sha512 selected in the challenge.
$PY /mnt/tests/kbs/test-kbs.py --port 8084 --hash sha256 > /tmp/kbs-256.log 2>&1 &
K256=$!
$PY /mnt/tests/kbs/test-kbs.py --port 8085 > /tmp/kbs-384.log 2>&1 &
K384=$!
$PY /mnt/tests/kbs/test-kbs.py --port 8086 --hash sha512 > /tmp/kbs-512.log 2>&1 &
K512=$!
for p in 8084 8085 8086; do wait_http http://127.0.0.1:$p/stats; done
for alg in ECDH-ES+A256KW-P256 ECDH-ES+A256KW-P521 RSA-OAEP-256; do
	for p in 8084 8085 8086; do
		case $p in 8084) h=sha256 ;; 8085) h=sha384 ;; 8086) h=sha512 ;; esac
		aa_toml $p $alg > /tmp/aa-alg.toml
		start_aaeld -c /tmp/aa-alg.toml --attestation-api on --tee tpm
		t0=$(stat $p tokens)
		code=$(get_token)
		check "$alg, runtime data hashed with $h: a token (the KBS checked the binding with $h)" \
			sh -c "[ $code = 200 ] && [ $(stat $p tokens) = $((t0 + 1)) ] || { cat /tmp/body; tail -n 3 /tmp/kbs-*.log; exit 1; }"
		curl -s -m 60 http://127.0.0.1:$p/auths | jq '.[-1]' > /tmp/auth-req.json
		check "... the auth request advertised sha256, sha384 and sha512 in extra-params" \
			jq -e '."extra-params"."supported-hash-algorithms" == ["sha256","sha384","sha512"]' /tmp/auth-req.json
		check "... the token's tee-pubkey is the $alg JWK of the tee_keypair returned (agent's PEM form)" \
			$PY - "$alg" <<'PY'
import base64, json, sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
alg = sys.argv[1]
t = json.load(open("/tmp/body"))
d = lambda x: base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
claims = json.loads(d(t["token"].split(".")[1]))
jwk = claims["submods"]["cpu0"]["ear.veraison.annotated-evidence"]["runtime_data_claims"]["tee-pubkey"]
key = serialization.load_pem_private_key(t["tee_keypair"].encode(), None)
pem = t["tee_keypair"].splitlines()[0]
if alg == "RSA-OAEP-256":
    n = key.public_key().public_numbers()
    assert pem == "-----BEGIN RSA PRIVATE KEY-----", pem
    assert set(jwk) == {"kty", "alg", "n", "e"} and jwk["kty"] == "RSA" and jwk["alg"] == alg, jwk
    assert int.from_bytes(d(jwk["n"]), "big") == n.n and d(jwk["e"]) == b"\x01\x00\x01", jwk
    assert key.key_size == 2048 and len(d(jwk["n"])) == 256
else:
    crv, size = {"ECDH-ES+A256KW-P256": ("P-256", 32), "ECDH-ES+A256KW-P521": ("P-521", 66)}[alg]
    n = key.public_key().public_numbers()
    assert pem == "-----BEGIN PRIVATE KEY-----", pem
    assert jwk == {"kty": "EC", "crv": crv, "alg": "ECDH-ES+A256KW",
                   "x": jwk["x"], "y": jwk["y"]}, jwk
    assert d(jwk["x"]) == n.x.to_bytes(size, "big") and d(jwk["y"]) == n.y.to_bytes(size, "big")
PY
		stop_aaeld
	done
done

# A new handshake and key per request: two GETs, two sessions, two keys;
# an event recorded between them is in the second token only.
aa_toml 8085 > /tmp/aa-384.toml
start_aaeld -c /tmp/aa-384.toml --attestation-api on --tee tpm
t0=$(stat 8085 tokens)
get_token > /dev/null
cp /tmp/body /tmp/tok1.json
echo 'workload between tokens' > $A/event
get_token > /dev/null
cp /tmp/body /tmp/tok2.json
expect "two GETs: two handshakes at the KBS" "$(stat 8085 tokens)" $((t0 + 2))
check "... two tee keys; the event recorded in between is in the second token only" $PY -c '
import base64, json
d = lambda x: base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
def load(f):
    t = json.load(open(f))
    c = json.loads(d(t["token"].split(".")[1]))["submods"]["cpu0"]["ear.veraison.annotated-evidence"]
    return t["tee_keypair"], [e.get("details", {}).get("string") for e in c["uefi_event_logs"]]
k1, e1 = load("/tmp/tok1.json")
k2, e2 = load("/tmp/tok2.json")
assert k1 != k2
assert "workload between tokens" not in e1 and "workload between tokens" in e2, (e1, e2)
assert e2[:len(e1)] == e1 and len(e2) == len(e1) + 1'
stop_aaeld

# The KBS URL: a trailing '/' is trimmed (else the KBS sees //kbs/v0/auth).
aa_toml http://127.0.0.1:8085// > /tmp/aa-slash.toml
start_aaeld -c /tmp/aa-slash.toml --attestation-api on --tee tpm
expect "url = \"http://127.0.0.1:8085//\": a token" "$(get_token)" 200
stop_aaeld
# Without aa.toml: AA_KBC_PARAMS, else agent.aa_kbc_params on the command
# line; with an aa.toml that names no KBS, neither (the agent's Config).
echo "console=ttyS0 agent.aa_kbc_params=cc_kbc::http://127.0.0.1:8084/ quiet" > /tmp/cmdline-kbs
t0=$(stat 8084 tokens)
start_aaeld --cmdline /tmp/cmdline-kbs --attestation-api on --tee tpm
expect "agent.aa_kbc_params=cc_kbc::URL on the command line: a token from that KBS" \
	"$(get_token) $(stat 8084 tokens)" "200 $((t0 + 1))"
stop_aaeld
t0=$(stat 8086 tokens)
export AA_KBC_PARAMS=cc_kbc::http://127.0.0.1:8086
start_aaeld --cmdline /tmp/cmdline-kbs --attestation-api on --tee tpm
expect "AA_KBC_PARAMS over the command line: a token from its KBS" \
	"$(get_token) $(stat 8086 tokens)" "200 $((t0 + 1))"
stop_aaeld
printf '[eventlog_config]\ninit_pcr = 23\nenable_eventlog = true\n' > /tmp/aa-nokbs.toml
start_aaeld -c /tmp/aa-nokbs.toml --cmdline /tmp/cmdline-kbs --attestation-api on --tee tpm
get_token > /dev/null
check "an aa.toml without a KBS: no fallback to AA_KBC_PARAMS, 500 saying no KBS is configured" \
	text_err 500 '^no KBS configured \('
stop_aaeld
unset AA_KBC_PARAMS
echo "agent.aa_kbc_params=offline_fs_kbc::null" > /tmp/cmdline-offline
start_aaeld --cmdline /tmp/cmdline-offline --attestation-api on --tee tpm
check "agent.aa_kbc_params naming another KBC: aaeld starts, warns, records" sh -c \
	"grep -q 'is not cc_kbc' /tmp/aaeld.log && [ \$(curl -s -m 60 -o /tmp/body -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{\"domain\":\"kbc\",\"operation\":\"offline\",\"content\":\"x\"}' $URL/aa/aael) = 200 ] &&
	 jq -e '.success == \"true\"' /tmp/body"
stop_aaeld
printf '[token_configs.kbs]\nurl = "http://127.0.0.1:8085"\ntee_key_algorithm = "RSA1_5"\n' > /tmp/aa-bad-alg.toml
timeout 10 $D -c /tmp/aa-bad-alg.toml --attestation-api on > /tmp/bad-alg.log 2>&1
expect "tee_key_algorithm = \"RSA1_5\": exit 2" "$?" 2
check "... naming the algorithms aaeld knows" grep -q 'expected ECDH-ES+A256KW-P256, ECDH-ES+A256KW-P521 or RSA-OAEP-256' /tmp/bad-alg.log

# Refusals: 5 attempts each, counted at the KBS; aaeld answers 500 with
# the reason as text (the REST server's internal_error) and keeps
# recording, the log still replays.
refused() {	# DESC PORT WANT_AUTH WANT_ATTEST DETAIL_REGEX
	aa_toml $2 > /tmp/aa-ref.toml
	start_aaeld -c /tmp/aa-ref.toml --attestation-api on --tee tpm
	get_token > /dev/null
	check "$1: 500, a text with the KBS's detail, no Content-Type" \
		text_err 500 "^no token after 5 attempts; the last: .*$5"
	expect "... 5 attempts seen at the KBS (auth, attest requests)" \
		"$(stat $2 auth) $(stat $2 attest)" "$3 $4"
	c=$(cat $A/runtime_measurements_count)
	expect "... POST /aa/aael still recorded afterwards" \
		"$(curl -s -m 60 -o /tmp/body -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{"domain":"after","operation":"refusal","content":"'$2'"}' $URL/aa/aael) $(jq -r .success /tmp/body) $(cat $A/runtime_measurements_count)" \
		"200 true $((c + 1))"
	check "... and the log replays to the register" $CTL verify
	stop_aaeld
}
$PY /mnt/tests/kbs/test-kbs.py --port 8087 --fail-auth > /tmp/kbs-fa.log 2>&1 &
KFA=$!
$PY /mnt/tests/kbs/test-kbs.py --port 8088 --fail-attest > /tmp/kbs-ft.log 2>&1 &
KFT=$!
$PY /mnt/tests/kbs/test-kbs.py --port 8089 --hash sm3 --ignore-supported > /tmp/kbs-sm3.log 2>&1 &
KSM=$!
for p in 8087 8088 8089; do wait_http http://127.0.0.1:$p/stats; done
refused "a KBS refusing at /auth (401, Trustee's body)" 8087 5 0 \
	'HTTP 401: Attestation error: RCAR handshake Auth failed: Attestation Service generate challenge failed'
refused "a KBS refusing at /attest (401, Trustee's body)" 8088 5 5 \
	'HTTP 401: Attestation error: RCAR handshake Attest failed'
refused "a KBS selecting a hash aaeld did not offer (sm3)" 8089 5 0 \
	'selected-hash-algorithm .sm3. is not one aaeld offered'
kill $KFA $KFT $KSM
wait $KFA $KFT $KSM 2>/dev/null
# Down: nothing listens; 5 quick attempts, a clean 503, within a bound.
aa_toml 8099 > /tmp/aa-down.toml
start_aaeld -c /tmp/aa-down.toml --attestation-api on --tee tpm
t0=$(date +%s)
get_token > /dev/null
t1=$(date +%s)
down_ok() {
	[ $((t1 - t0)) -le 30 ] || { echo "took $((t1 - t0)) s"; return 1; }
	text_err 500 '^no token after 5 attempts; the last: KBS http://127.0.0.1:8099/kbs/v0/auth unreachable'
}
check "a KBS down: 500, a text 'unreachable' after 5 attempts, in $((t1 - t0)) s (bound 30 s)" down_ok
stop_aaeld
kill $K256 $K384 $K512
wait $K256 $K384 $K512 2>/dev/null
kill $KBS
wait $KBS 2>/dev/null
asan_check
finish
