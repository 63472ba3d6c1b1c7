# SPDX-License-Identifier: GPL-2.0
# The REST server's behaviour, row by row (docs/COMPATIBILITY.md), checked
# against a running aaeld. Sourced by tests/host/test-rest-compat.sh (no
# aael.ko: recording answers success "false") and tests/vm/suite-rest-compat.sh
# (aael.ko loaded: it records), which provide ok/not_ok/check/expect and set
#   D       the aaeld binary
#   T       a scratch directory
#   KERNEL  1 when aael.ko is loaded, else 0
# Each rule cites the reference code it mirrors (guest-components
# api-server-rest/src/..., kata-containers src/agent/src/...).

# compat_port: a free TCP port on 127.0.0.1
compat_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# compat_start ARGS...: aaeld (tee $COMPAT_TEE, default sample) on a free
# port; sets U (its URL) and CP (pid)
compat_start() {
	cport=$(compat_port)
	"$D" --tee "${COMPAT_TEE:-sample}" --listen "127.0.0.1:$cport" "$@" > "$T/compat-aaeld.log" 2>&1 &
	CP=$!
	U=http://127.0.0.1:$cport
	i=0
	while ! curl -s -o /dev/null "$U/info"; do
		[ $i -lt 100 ] || { not_ok "aaeld $* starts" "$(cat "$T/compat-aaeld.log")"; return 1; }
		sleep 0.1; i=$((i + 1))
	done
}
compat_stop() { kill "$CP" 2>/dev/null; wait "$CP" 2>/dev/null; }
# r METHOD PATH [BODY [CURL_ARGS...]]: prints the status; body in $T/b,
# headers in $T/h. No Content-Type unless CURL_ARGS set one.
r() {
	m=$1 p=$2
	shift 2
	if [ $# -gt 0 ]; then
		b=$1
		shift
		curl -s -m 60 --path-as-is -D "$T/h" -o "$T/b" -w '%{http_code}' -X "$m" \
			-H 'Content-Type:' --data-binary "$b" "$@" "$U$p"
	else
		curl -s -m 60 --path-as-is -D "$T/h" -o "$T/b" -w '%{http_code}' -X "$m" "$U$p"
	fi
}
body() { cat "$T/b"; }
ctype() { sed -n 's/^[Cc]ontent-[Tt]ype: *//p' "$T/h" | tr -d '\r'; }
# text_reply DESC GOT_STATUS WANT_STATUS WANT_BODY: status, exact body, and
# no Content-Type (router.rs: bad_request, not_found, not_allowed,
# internal_error and the feature-off 404s set none)
text_reply() {
	if [ "$2" = "$3" ] && [ "$(body)" = "$4" ] && [ -z "$(ctype)" ]; then
		ok "$1"
	else
		not_ok "$1" "got:  $2 [$(body)] Content-Type [$(ctype)]" "want: $3 [$4], no Content-Type"
	fi
}
# jq_reply DESC GOT_STATUS WANT_STATUS WANT_CTYPE FILTER
jq_reply() {
	if [ "$2" = "$3" ] && [ "$(ctype)" = "$4" ] && jq -e "$5" "$T/b" > /dev/null 2>&1; then
		ok "$1"
	else
		not_ok "$1" "got:  $2 [$(body)] Content-Type [$(ctype)]" "want: $3, $4, $5"
	fi
}

# --- Features (api-server-rest/src/main.rs Args.features, default
# "resource"; kata src/agent/src/config.rs agent.guest_components_rest_api,
# default resource, last one wins, an unknown value stops the agent).
printf 'console=ttyS0 quiet\n' > "$T/cmdline-none"
printf 'agent.guest_components_rest_api=attestation quiet\n' > "$T/cmdline-aa"
printf 'agent.guest_components_rest_api=attestation agent.guest_components_rest_api=all\n' > "$T/cmdline-last"
printf 'agent.guest_components_rest_api=everything\n' > "$T/cmdline-bad"

rc=$(timeout 10 "$D" --tee sample --listen "127.0.0.1:$(compat_port)" --cmdline "$T/cmdline-bad" > "$T/out" 2>&1; echo $?)
if [ "$rc" = 2 ] && grep -q 'agent.guest_components_rest_api=everything: expected all, attestation or resource' "$T/out"; then
	ok "agent.guest_components_rest_api=everything: aaeld refuses to start (exit 2), as the kata agent"
else
	not_ok "agent.guest_components_rest_api=everything: aaeld refuses to start (exit 2)" "exit $rc: $(cat "$T/out")"
fi
rc=$(timeout 10 "$D" --tee sample --listen "127.0.0.1:$(compat_port)" --features attestations > "$T/out" 2>&1; echo $?)
expect "--features attestations: exit 2 (main.rs: only resource, attestation, all)" "$rc" 2

# Default: resource only.
compat_start --cmdline "$T/cmdline-none" || return 0
jq_reply "no agent.guest_components_rest_api: /info {version, feature: resource}, no tee (VersionInfo skips it without the AA)" \
	"$(r GET /info)" 200 application/json '(.version | type) == "string" and .feature == "resource" and (has("tee") | not) and (has("additional_tees") | not)'
text_reply "default features: GET /aa/token is 404 'Attestation Feature Not Enabled'" \
	"$(r GET '/aa/token?token_type=kbs')" 404 "Attestation Feature Not Enabled"
text_reply "... POST /aa/aael too (feature checked before the path)" \
	"$(r POST /aa/aael '{"domain":"a","operation":"b","content":"c"}')" 404 "Attestation Feature Not Enabled"
text_reply "... /aa/ (two slashes: the /aa root)" "$(r GET /aa/)" 404 "Attestation Feature Not Enabled"
text_reply "... /aa (one slash: split_nth_slash finds no root)" "$(r GET /aa)" 404 "URL NOT FOUND"
st=$(r GET /cdh/resource/default/key/one)
if [ "$st" = 500 ] && grep -q '^no KBS configured (Init-Data cdh.toml \[kbc\]' "$T/b"; then
	ok "default features: /cdh/resource is served (500: no KBS configured here, said so)"
else
	not_ok "default features: /cdh/resource is served (500, no KBS)" "HTTP $st $(body)"
fi
compat_stop

compat_start --cmdline "$T/cmdline-aa" || return 0
jq_reply "agent.guest_components_rest_api=attestation: /info has tee and feature attestation" \
	"$(r GET /info)" 200 application/json '.tee == "sample" and .feature == "attestation"'
text_reply "... /cdh/resource/... is 404 'Resource Feature Not Enabled'" \
	"$(r GET /cdh/resource/default/key/one)" 404 "Resource Feature Not Enabled"
text_reply "... /cdh/ too" "$(r GET /cdh/)" 404 "Resource Feature Not Enabled"
compat_stop

compat_start --cmdline "$T/cmdline-last" || return 0
jq_reply "agent.guest_components_rest_api given twice: the last one (all) wins" \
	"$(r GET /info)" 200 application/json '.feature == "all"'
compat_stop

# --- Routing (router.rs Router::route), with everything on.
cat > "$T/aa-on.toml" <<'TOML'
[eventlog_config]
enable_eventlog = true
TOML
compat_start --features all -c "$T/aa-on.toml" || return 0
text_reply "GET /unknown: 404 'URL NOT FOUND'" "$(r GET /unknown)" 404 "URL NOT FOUND"
text_reply "GET /: 404 'URL NOT FOUND'" "$(r GET /)" 404 "URL NOT FOUND"
text_reply "POST /info: 405 'Method Not Allowed' (the only 405)" "$(r POST /info x)" 405 "Method Not Allowed"
text_reply "GET /info/: 404 (exact match only)" "$(r GET /info/)" 404 "URL NOT FOUND"
text_reply "POST /aa/token: 404 'URL NOT FOUND', not 405 (method and path matched together)" \
	"$(r POST '/aa/token?token_type=kbs' x)" 404 "URL NOT FOUND"
text_reply "PUT /aa/aael: 404" "$(r PUT /aa/aael '{}')" 404 "URL NOT FOUND"
text_reply "GET /aa/token/: 404 (trailing slash)" "$(r GET '/aa/token/?token_type=kbs')" 404 "URL NOT FOUND"
text_reply "GET /aa/unknown: 404" "$(r GET /aa/unknown)" 404 "URL NOT FOUND"
text_reply "GET //aa/token: 404 (root '/')" "$(r GET '//aa/token?token_type=kbs')" 404 "URL NOT FOUND"
text_reply "GET /cdh/resource: 404 (no resource path)" "$(r GET /cdh/resource)" 404 "URL NOT FOUND"
text_reply "GET /cdh/secret/a/b/c: 404 (only /resource)" "$(r GET /cdh/secret/a/b/c)" 404 "URL NOT FOUND"
# router.rs matches req.uri().path(), which hyper does not percent-decode
text_reply "GET /%69nfo: 404 (the raw path is routed, not its decoding)" "$(r GET /%69nfo)" 404 "URL NOT FOUND"
text_reply "GET /aa/%74oken: 404" "$(r GET '/aa/%74oken?token_type=kbs')" 404 "URL NOT FOUND"
text_reply "GET /info%00x: 404 (no NUL cuts the path short)" "$(r GET '/info%00x')" 404 "URL NOT FOUND"

# --- /aa/token (router.rs AA_TOKEN_URL arm)
text_reply "GET /aa/token without token_type: 400 'BAD REQUEST'" "$(r GET /aa/token)" 400 "BAD REQUEST"
st=$(r GET '/aa/token?token_type=kbs%00x')
if [ "$st" = 500 ] && grep -q 'is not supported' "$T/b"; then
	ok "token_type=kbs%00x is not kbs: 500"
else
	not_ok "token_type=kbs%00x is not kbs: 500" "HTTP $st $(body)"
fi
st=$(r GET '/aa/token?token_type=coco_as')
if [ "$st" = 500 ] && grep -q 'coco_as is not supported' "$T/b"; then
	ok "token_type=coco_as: 500 with the reason (the agent without an attestation service)"
else
	not_ok "token_type=coco_as: 500 with the reason" "HTTP $st $(body)"
fi
st=$(r GET '/aa/token?token_type=kbs')
if [ "$st" = 500 ] && grep -q 'no KBS configured' "$T/b" && [ -z "$(ctype)" ]; then
	ok "token_type=kbs, no KBS anywhere: 500 with the reason, no Content-Type"
else
	not_ok "token_type=kbs, no KBS anywhere: 500 with the reason" "HTTP $st $(body) [$(ctype)]"
fi

# --- /aa/evidence, /aa/additional-evidence (router.rs; utils.rs
# decode_runtime_data: URL_SAFE_NO_PAD, any other encoding 400)
for route in evidence additional-evidence; do
	text_reply "GET /aa/$route without runtime_data: 400 'BAD REQUEST'" "$(r GET /aa/$route)" 400 "BAD REQUEST"
	text_reply "... encoding=hex: 400" "$(r GET "/aa/$route?runtime_data=abc&encoding=hex")" 400 "BAD REQUEST"
	text_reply "... encoding= (empty): 400" "$(r GET "/aa/$route?runtime_data=abc&encoding=")" 400 "BAD REQUEST"
	text_reply "... encoding (no '='): 400, the empty value" "$(r GET "/aa/$route?runtime_data=abc&encoding")" 400 "BAD REQUEST"
	text_reply "... base64 with padding (YQ==): 400 (NO_PAD)" "$(r GET "/aa/$route?runtime_data=YQ%3D%3D&encoding=base64")" 400 "BAD REQUEST"
	text_reply "... standard alphabet (+/): 400" "$(r GET "/aa/$route?runtime_data=a%2Fb%2B&encoding=base64")" 400 "BAD REQUEST"
	text_reply "... non-zero trailing bits (YR): 400" "$(r GET "/aa/$route?runtime_data=YR&encoding=base64")" 400 "BAD REQUEST"
	text_reply "... length 1 mod 4 (YWJjZ): 400" "$(r GET "/aa/$route?runtime_data=YWJjZ&encoding=base64")" 400 "BAD REQUEST"
	text_reply "... '+' is a space before decoding (a+b): 400" "$(r GET "/aa/$route?runtime_data=a+b&encoding=base64")" 400 "BAD REQUEST"
done
st=$(r GET '/aa/additional-evidence?runtime_data=abc')
if [ "$st" = 200 ] && [ ! -s "$T/b" ] && [ "$(ctype)" = application/octet-stream ]; then
	ok "GET /aa/additional-evidence: 200, application/octet-stream, empty (no additional device)"
else
	not_ok "GET /aa/additional-evidence: 200, octet-stream, empty" "HTTP $st [$(body)] [$(ctype)]"
fi
st=$(r GET '/aa/additional-evidence?runtime_data=YWJj&encoding=hex&encoding=base64')
expect "repeated encoding: the last one (base64) wins" "$st" 200
expect "an unknown query argument is ignored" "$(r GET '/aa/additional-evidence?runtime_data=x&colour=blue')" 200
text_reply "a name holding %00 is another name (runtime_data%00x): 400" \
	"$(r GET '/aa/additional-evidence?runtime_data%00x=YWJj')" 400 "BAD REQUEST"
text_reply "encoding=base64%00x is not base64: 400" \
	"$(r GET '/aa/additional-evidence?runtime_data=YWJj&encoding=base64%00x')" 400 "BAD REQUEST"
text_reply "encoding=base64 with a %00 in the value: 400 (not cut short at the NUL)" \
	"$(r GET '/aa/evidence?runtime_data=QQ%00&encoding=base64')" 400 "BAD REQUEST"
long=$(printf '%065d' 0)
st=$(r GET "/aa/evidence?runtime_data=$long")
if [ "$st" = 400 ] && grep -q 'more than the 64 bytes of report data' "$T/b"; then
	ok "runtime_data of 65 bytes: 400 naming the 64-byte report data (the REST server: the attester's 500)"
else
	not_ok "runtime_data of 65 bytes: 400" "HTTP $st $(body)"
fi
if [ "$KERNEL" = 1 ]; then
	# sample evidence: report_data = standard base64 of the runtime data
	# (guest-components attestation-agent/attester/src/sample/mod.rs)
	jq_reply "encoding=base64: the decoded bytes are bound (runtime_data=YWJj -> report data 'abc')" \
		"$(r GET '/aa/evidence?runtime_data=YWJj&encoding=base64')" 200 application/octet-stream \
		'.report_data == "YWJj"'
	jq_reply "no encoding: the text's own bytes are bound (YWJj -> 'YWJj')" \
		"$(r GET '/aa/evidence?runtime_data=YWJj')" 200 application/octet-stream \
		'.report_data == "WVdKag=="'
	jq_reply "encoding=base64 of binary bytes (_-8A -> ff ef 00)" \
		"$(r GET '/aa/evidence?runtime_data=_-8A&encoding=base64')" 200 application/octet-stream \
		'.report_data == "/+8A"'
	jq_reply "empty runtime_data: accepted, empty report data" \
		"$(r GET '/aa/evidence?runtime_data=')" 200 application/octet-stream '.report_data == ""'
	# form_urlencoded's decode then String::from_utf8_lossy: %FF is U+FFFD
	jq_reply "no encoding, invalid UTF-8 (%FF): bound as U+FFFD (ef bf bd), as the REST server's lossy decoding" \
		"$(r GET '/aa/evidence?runtime_data=%FFa')" 200 application/octet-stream '.report_data == "77+9YQ=="'
	jq_reply "no encoding, '+' is a space, %00 a NUL byte: bound as is" \
		"$(r GET '/aa/evidence?runtime_data=a+%00b')" 200 application/octet-stream '.report_data == "YSAAYg=="'
else
	st=$(r GET '/aa/evidence?runtime_data=YWJj&encoding=base64')
	if [ "$st" = 500 ] && grep -q 'aael' "$T/b"; then
		ok "encoding=base64 decoded and accepted; no aael.ko: 500 with the reason"
	else
		not_ok "encoding=base64 accepted; no aael.ko: 500" "HTTP $st $(body)"
	fi
fi

# --- POST /aa/aael (router.rs AA_AAEL_URL arm, client/aa.rs
# extend_aael_entry): Content-Type never checked; {"success": ...}
ev='{"domain":"compat","operation":"no-type","content":"c1","extra":[1]}'
st=$(r POST /aa/aael "$ev")
if [ "$KERNEL" = 1 ]; then
	jq_reply "POST /aa/aael without Content-Type, an extra member: recorded, {success: \"true\", seq, index, digests}" \
		"$st" 200 application/json '.success == "true" and (.seq | type) == "number" and (.digests | length) >= 1'
	jq_reply "... with Content-Type text/plain: recorded" \
		"$(r POST /aa/aael '{"domain":"compat","operation":"text","content":"c2"}' -H 'Content-Type: text/plain')" \
		200 application/json '.success == "true"'
else
	jq_reply "POST /aa/aael without Content-Type, no aael.ko: 200 {success: \"false\", message: the agent's 'The platform does not support runtime measurement'}" \
		"$st" 200 application/json '.success == "false" and .message == "The platform does not support runtime measurement"'
fi
jq_reply "POST /aa/aael, not JSON: 400 {success: \"false\", message} (the REST server: 500 text)" \
	"$(r POST /aa/aael 'domain=a')" 400 application/json '.success == "false" and (.message | test("not one JSON document"))'
jq_reply "POST /aa/aael without content: 400 {success: \"false\", message}" \
	"$(r POST /aa/aael '{"domain":"a","operation":"b"}')" 400 application/json '.success == "false" and (.message | test("content"))'
jq_reply "POST /aa/aael with an empty body: 400" "$(r POST /aa/aael '')" 400 application/json '.success == "false"'
jq_reply "POST /aa/aael, a trailing comma (not JSON): 400" \
	"$(r POST /aa/aael '{"domain":"a","operation":"b","content":"c",}')" 400 application/json '.success == "false"'
jq_reply "POST /aa/aael, single quotes (not JSON): 400" \
	"$(r POST /aa/aael "{'domain':\"a\",\"operation\":\"b\",\"content\":\"c\"}")" 400 application/json '.success == "false"'
jq_reply "POST /aa/aael, a raw control character in a string (not JSON): 400" \
	"$(r POST /aa/aael "$(printf '{"domain":"a","operation":"b","content":"x\001y"}')")" 400 application/json '.success == "false"'
# the agent refuses a newline only once the log and the platform can record
# (attestation-agent/src/lib.rs extend_runtime_measurement, then Event::new)
if [ "$KERNEL" = 1 ]; then
	jq_reply "POST /aa/aael, content with a newline: 400 'content contains newline' (the agent's Content::try_from)" \
		"$(r POST /aa/aael '{"domain":"a","operation":"b","content":"x\ny"}')" 400 application/json \
		'.success == "false" and .message == "content contains newline"'
else
	jq_reply "POST /aa/aael, content with a newline, no aael.ko: the platform's answer first (200, success false)" \
		"$(r POST /aa/aael '{"domain":"a","operation":"b","content":"x\ny"}')" 200 application/json \
		'.success == "false" and .message == "The platform does not support runtime measurement"'
fi
text_reply "GET /aa/aael?limit=0: 400" "$(r GET '/aa/aael?limit=0')" 400 "from must be a record number, limit 1..10000"
if [ "$KERNEL" = 1 ]; then
	jq_reply "POST /aa/aael?x=1: the query is ignored, recorded" \
		"$(r POST '/aa/aael?x=1' '{"domain":"compat","operation":"query","content":"c3"}')" 200 application/json '.success == "true"'
	jq_reply "POST /aa/aael, a domain with a space: 400, the kernel's rule, with its reason" \
		"$(r POST /aa/aael '{"domain":"a b","operation":"o","content":"c"}')" 400 application/json \
		'.success == "false" and (.message | length) > 0'
fi
compat_stop

cat > "$T/aa-off.toml" <<'TOML'
[eventlog_config]
enable_eventlog = false
TOML
compat_start --features attestation || return 0
jq_reply "without any aa.toml the event log is on (aaeld's purpose; the agent's default is off)" \
	"$(r GET /info)" 200 application/json '.aael.eventlog_enabled == true'
compat_stop
compat_start --features attestation --max-body 64 || return 0
st=$(r POST /aa/aael "{\"domain\":\"a\",\"operation\":\"b\",\"content\":\"$(printf '%030d' 0)\"}")
if [ "$st" = 413 ] && [ "$(ctype)" = application/json ] &&
   [ "$(jq -r '.success + " " + .message' "$T/b")" = "false the body is over --max-body (64 bytes)" ]; then
	ok "POST /aa/aael over --max-body 64: 413 {success: \"false\", message} (its replies are always JSON)"
else
	not_ok "POST /aa/aael over --max-body 64: 413 JSON" "HTTP $st [$(ctype)] $(body)"
fi
st=$(r GET '/aa/additional-evidence?runtime_data=x' "$(printf '%0100d' 0)")
expect "... a body over it on a route that reads none is not refused (the REST server ignores it)" "$st" 200
compat_stop
compat_start --features attestation -c "$T/aa-off.toml" || return 0
jq_reply "enable_eventlog = false: 200 {success: \"false\", message: 'Attestation Agent does not enable eventlog recording'}" \
	"$(r POST /aa/aael '{"domain":"a","operation":"b","content":"c"}')" 200 application/json \
	'.success == "false" and .message == "Attestation Agent does not enable eventlog recording"'
jq_reply "... a body that does not parse is still refused first (the REST server parses before asking the agent)" \
	"$(r POST /aa/aael '[')" 400 application/json '.success == "false"'
jq_reply "... a newline in content: the log's answer first (200, success false), as the agent" \
	"$(r POST /aa/aael '{"domain":"a","operation":"b","content":"x\ny"}')" 200 application/json \
	'.success == "false" and .message == "Attestation Agent does not enable eventlog recording"'
compat_stop

# --- /cdh/resource path checks (aaeld's own, stricter than the REST
# server: docs/COMPATIBILITY.md)
compat_start --features resource || return 0
for p in /cdh/resource/a/b /cdh/resource/a/b/c/d /cdh/resource/a//c /cdh/resource/a/../c \
	 /cdh/resource/a/./c /cdh/resource/../b/c /cdh/resource/a/b/c/ /cdh/resource/a/b%20x/c \
	 /cdh/resource/a/b%2Fx/c /cdh/resource/ /cdh/resource/a/.hidden/c; do
	st=$(r GET "$p")
	if [ "$st" = 400 ] && grep -q 'expected repo/type/tag' "$T/b"; then
		ok "GET $p: 400, the path rule"
	else
		not_ok "GET $p: 400, the path rule" "HTTP $st $(body)"
	fi
done
st=$(r POST /cdh/resource/default/key/one x)
if [ "$st" = 500 ] && [ -z "$(ctype)" ] && grep -q '^no KBS configured' "$T/b"; then
	ok "POST /cdh/resource/...: served as GET (the method is not checked), 500 text without a KBS"
else
	not_ok "POST /cdh/resource/...: served as GET" "HTTP $st $(body) [$(ctype)]"
fi
compat_stop
