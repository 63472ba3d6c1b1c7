#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# aaeld on the host, without aael.ko (routes that need the kernel fail:
# 500, or success "false" on POST /aa/aael): option checks, and no
# starvation -- 8 token requests held by a KBS
# that stalls (tests/kbs/test-kbs.py --stall-at auth) while POST /aa/aael
# and GET /info keep being answered within 5 s, the 9th token request 503
# with Retry-After, the log's own cap untouched, SIGTERM waiting for the
# held requests. Any ASan/UBSan report fails. TAP on stdout.
#   test-aaeld.sh AAELD (an ASan/UBSan build)
set -u
D=$1
TOP=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
PIDS=
# shellcheck disable=SC2154
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; rm -rf "$T"' EXIT
. "$TOP/tests/host/tap.sh"
# until SECONDS CMD...: CMD every 0.1 s until it succeeds; 1 if it never did
until_ok() {
	n=$(($1 * 10)); shift
	while ! "$@" > /dev/null 2>&1; do
		n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.1
	done
}
# jqe FILTER FILE: FILE is not empty and FILTER holds (jq 1.6 -e exits 0
# on empty input)
jqe() { [ -s "$2" ] && jq -e "$1" "$2"; }
# handle_sigill: UBSan traps in this build (see the Makefile)
export ASAN_OPTIONS="log_path=$T/asan:detect_leaks=1:handle_sigill=1"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
P=$(free_port) KP=$(free_port)
URL=http://127.0.0.1:$P KURL=http://127.0.0.1:$KP

# Bad options and listen addresses are configuration errors: exit 2.
for args in "--max-token-requests 0" "--max-kbs-requests 65" "--max-evidence-requests x" \
	    "--max-log-requests -1" "--listen 127.0.0.1" "--listen 127.0.0.1:0" \
	    "--listen 127.0.0.1:80x" "--listen 300.1.1.1:8006" "--listen unix:" \
	    "--features none" "--features All" "--attestation-api yes"; do
	# shellcheck disable=SC2086
	rc=$(timeout 10 "$D" --tee sample --attestation-api on $args > "$T/out" 2>&1; echo $?)
	if [ "$rc" = 2 ]; then ok "aaeld $args: exit 2"; else not_ok "aaeld $args: exit 2" "exit $rc: $(cat "$T/out")"; fi
done

"$D" --tee sample --attestation-api on --listen "127.0.0.1:$P" --max-kbs-requests 1 \
	--max-evidence-requests 64 --max-log-requests 3 > "$T/aaeld0.log" 2>&1 &
A0=$!
until_ok 10 curl -s -o /dev/null "$URL/info"
curl -s -m 5 "$URL/info" > "$T/info0"
check "--max-kbs-requests 1 --max-evidence-requests 64 --max-log-requests 3: the caps /info lists" \
	jqe '[.aael.slow_requests[].max] == [1, 64, 3]' "$T/info0"
kill $A0
wait $A0

python3 "$TOP/tests/kbs/test-kbs.py" --port "$KP" --stall-at auth --stall-seconds 60 > "$T/kbs.log" 2>&1 &
KBS=$!
PIDS="$PIDS $KBS"
until_ok 10 curl -s -o /dev/null "$KURL/stats"
printf '[eventlog_config]\nenable_eventlog = true\n[token_configs.kbs]\nurl = "%s"\n' "$KURL" > "$T/aa.toml"
"$D" -c "$T/aa.toml" --tee sample --attestation-api on --listen "127.0.0.1:$P" > "$T/aaeld.log" 2>&1 &
AAELD=$!
PIDS="$PIDS $AAELD"
until_ok 10 curl -s -o /dev/null "$URL/info" ||
	not_ok "aaeld starts" "$(cat "$T/aaeld.log")"
curl -s -m 5 "$URL/info" > "$T/info1"
check "/info lists the slow routes' caps: kbs 8, evidence 4, log 4, none running" \
	jqe '.aael.slow_requests == {kbs: {running: 0, max: 8}, evidence: {running: 0, max: 4}, log: {running: 0, max: 4}}' "$T/info1"

# 8 token requests, held at the KBS's /auth.
for i in 1 2 3 4 5 6 7 8; do
	curl -s -m 120 -o "$T/tok$i.json" -w '%{http_code}' "$URL/aa/token?token_type=kbs" > "$T/tok$i.code" &
	PIDS="$PIDS $!"
done
running() { [ "$(curl -s -m 5 "$URL/info" | jq .aael.slow_requests.kbs.running)" = "$1" ]; }
held() { [ "$(curl -s -m 5 "$KURL/stall" | jq .held)" -ge 1 ]; }
if until_ok 10 running 8 && until_ok 10 held; then
	ok "8 token requests running in aaeld ($(curl -s -m 5 "$KURL/stall" | jq .held) held at the KBS's /auth)"
else
	not_ok "8 token requests running in aaeld, the KBS holding some" \
		"$(curl -s -m 5 "$URL/info")" "$(curl -s -m 5 "$KURL/stall")"
fi
# The 9th: refused at once, told when to come back.
curl -s -m 5 -D "$T/h9" -o "$T/b9" -w '%{http_code}' "$URL/aa/token?token_type=kbs" > "$T/c9"
expect "the 9th token request: 503 at once" "$(cat "$T/c9")" 503
check "... with Retry-After: 5" grep -qi '^Retry-After: 5' "$T/h9"
check "... and a text naming the cap" grep -q '8 kbs requests are running already (--max-kbs-requests)' "$T/b9"
# Recording is served while they hang: 10 POSTs, each answered within 5 s
# (success "false" here: no aael.ko on the host, the kernel's answer reached).
slow=
for i in 1 2 3 4 5 6 7 8 9 10; do
	r=$(curl -s -m 5 -o "$T/post" -w '%{http_code} %{time_total}' -X POST -H 'Content-Type: application/json' \
		-d "{\"domain\":\"host\",\"operation\":\"starve\",\"content\":\"$i\"}" "$URL/aa/aael")
	case $r in
	"200 "*) jqe '.success == "false" and (.detail | test("is aael.ko loaded"))' "$T/post" > /dev/null ||
		slow="$slow [$i: $r $(cat "$T/post")]" ;;
	*) slow="$slow [$i: $r]" ;;
	esac
done
expect "10 POST /aa/aael while 8 token requests hang: each answered (success false: no kernel) within 5 s" "$slow" ""
expect "GET /info is answered meanwhile" "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL/info")" 200
expect "GET /aa/aael has its own cap: answered meanwhile (500: no kernel)" \
	"$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$URL/aa/aael?from=0")" 500
expect "the 8 are still waiting on the KBS" "$(cat "$T"/tok*.code 2>/dev/null)" ""
curl -s -m 5 -X POST "$KURL/stall/release" > /dev/null
until_ok 60 running 0
# Without aael.ko the sample evidence fails: 500, as the REST server's failures.
codes=$(for i in 1 2 3 4 5 6 7 8; do
	until_ok 60 test -s "$T/tok$i.code"; cat "$T/tok$i.code"; echo; done | sort | uniq -c | tr -s ' ')
expect "released: the 8 are answered, each 500 (no kernel module for the evidence)" "$codes" " 8 500"
detail_ok() { for i in 1 2 3 4 5 6 7 8; do grep -q "aael.ko" "$T/tok$i.json" || return 1; done; }
check "... each with a text saying the kernel module is missing" detail_ok

# SIGTERM with a request held: new slow requests are refused, recording is
# still served, and aaeld exits 0 once the held one has its answer.
kill $KBS
wait $KBS 2>/dev/null
python3 "$TOP/tests/kbs/test-kbs.py" --port "$KP" --stall-at auth --stall-seconds 60 > "$T/kbs2.log" 2>&1 &
KBS=$!
PIDS="$PIDS $KBS"
until_ok 10 curl -s -o /dev/null "$KURL/stats"
curl -s -m 60 -o "$T/last.json" -w '%{http_code}' "$URL/aa/token?token_type=kbs" > "$T/last.code" &
PIDS="$PIDS $!"
until_ok 30 held
kill -TERM $AAELD
stopping() { curl -s -m 5 "$URL/aa/aael?from=0" | grep -q stopping; }
check "after SIGTERM: a new slow request gets 503 'aaeld is stopping'" until_ok 10 stopping
expect "... POST /aa/aael is still served" \
	"$(curl -s -m 5 -o /dev/null -w '%{http_code}' -X POST \
		-d '{"domain":"a","operation":"b","content":"c"}' "$URL/aa/aael")" 200
expect "... aaeld waits for the held request" "$(kill -0 $AAELD 2>&1 && echo running)" running
curl -s -m 5 -X POST "$KURL/stall/release" > /dev/null
until_ok 30 test -s "$T/last.code"
expect "released: the held request is answered before aaeld exits" "$(cat "$T/last.code")" 500
gone() { ! kill -0 $AAELD 2>/dev/null; }
if until_ok 10 gone; then
	wait $AAELD
	expect "... and aaeld exits 0" $? 0
else
	not_ok "... and aaeld exits 0" "still running 10 s after the release"
fi
kill $KBS
wait $KBS 2>/dev/null

asan_reports "$T"
echo "1..$N"
[ $FAILED -eq 0 ]
