# SPDX-License-Identifier: GPL-2.0
# GET /cdh/resource end to end (sourced by tests/vm/suite-rest-compat.sh,
# after tests/rest/compat.sh, which defines compat_start and r): secrets
# served by the test KBS (tests/kbs/test-kbs.py, Trustee's resource API and
# JWE rule by rule) through aaeld's handshake and JWE opening, byte for
# byte, for each tee key algorithm; a missing resource; the KBS named by
# Init-Data's cdh.toml over aa.toml's; the secret never in aaeld's output.
# Sample evidence: the KBS runs Trustee's allow_all resource policy (its
# default policy refuses the sample TEE, which test-kbs-rules checks).
# kbs_start ARGS...: the test KBS on a free port (KBSP, KBSPID)
kbs_start() {
	KBSP=$(compat_port)
	python3 /mnt/tests/kbs/test-kbs.py --port "$KBSP" --resources "$RES" "$@" \
		>> "$T/kbs-res.log" 2>&1 &
	KBSPID=$!
	i=0
	while ! curl -s -o /dev/null "http://127.0.0.1:$KBSP/stats"; do
		[ $i -lt 100 ] || return 1
		sleep 0.1; i=$((i + 1))
	done
}
RES=$T/resources
mkdir -p "$RES/default/key" "$RES/other/cert"
head -c 4096 /dev/urandom > "$RES/default/key/bin"	# NULs and all
printf 'MARKER-%s-SECRET' "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$RES/other/cert/text"
kbs_start --resource-policy allow_all || not_ok "the test KBS starts" "$(tail -5 "$T/kbs-res.log")"

for alg in ECDH-ES+A256KW-P256 ECDH-ES+A256KW-P521 RSA-OAEP-256; do
	cat > "$T/aa-res.toml" <<TOML
[eventlog_config]
enable_eventlog = true

[token_configs.kbs]
url = "http://127.0.0.1:$KBSP"
tee_key_algorithm = "$alg"
TOML
	compat_start --features resource -c "$T/aa-res.toml" || continue
	st=$(r GET /cdh/resource/default/key/bin)
	if [ "$st" = 200 ] && [ "$(ctype)" = application/octet-stream ] && cmp -s "$T/b" "$RES/default/key/bin"; then
		ok "$alg: /cdh/resource/default/key/bin is the KBS's 4096 bytes, application/octet-stream"
	else
		not_ok "$alg: /cdh/resource/default/key/bin is the KBS's 4096 bytes" \
			"HTTP $st [$(ctype)] $(head -c 300 "$T/b" | od -c | head -3)" "$(tail -5 "$T/compat-aaeld.log")"
	fi
	compat_stop
done

compat_start --features all -c "$T/aa-res.toml" || return 0
st=$(r GET /cdh/resource/default/key/missing)
if [ "$st" = 500 ] && [ -z "$(ctype)" ] &&
   grep -q '^KBS refused resource default/key/missing 3 times' "$T/b"; then
	ok "a resource the KBS does not hold: 500 with the reason ($(head -c 120 "$T/b"))"
else
	not_ok "a resource the KBS does not hold: 500 with the reason" "HTTP $st [$(ctype)] $(body)"
fi
st=$(r GET /cdh/resource/other/cert/text)
expect "... and aaeld keeps serving: the next resource arrives" "$st $(body)" "200 $(cat "$RES/other/cert/text")"
st=$(r POST /aa/aael '{"domain":"res","operation":"after","content":"ok"}')
expect "... recording too" "$st $(jq -r .success "$T/b")" "200 true"
st=$(r GET '/cdh/resource/other/cert/text?version=2')
expect "a query on /cdh/resource is dropped, as the REST server's path()" "$st $(body)" "200 $(cat "$RES/other/cert/text")"
# GET /aa/token: the agent's {"token", "tee_keypair"}, octet-stream
jq_reply "GET /aa/token?token_type=kbs: 200 application/octet-stream {token, tee_keypair}" \
	"$(r GET '/aa/token?token_type=kbs')" 200 application/octet-stream \
	'(.token | split(".") | length) == 3 and (.tee_keypair | startswith("-----BEGIN RSA PRIVATE KEY-----"))'
compat_stop
if grep -q MARKER- "$T/compat-aaeld.log"; then
	not_ok "the secret never appears in aaeld's output" "$(grep MARKER- "$T/compat-aaeld.log" | head -3)"
else
	ok "the secret never appears in aaeld's output"
fi

# Init-Data's cdh.toml names the KBS for resources, over aa.toml's (which
# here names a port nothing listens on): the confidential data hub's
# cdh.toml [kbc] (confidential-data-hub/hub/src/config/mod.rs).
DEAD=$(compat_port)
cat > "$T/initdata.toml" <<TOML
version = "0.1.0"
algorithm = "sha256"

[data]
"aa.toml" = '''
[token_configs.kbs]
url = "http://127.0.0.1:$DEAD"
'''
"cdh.toml" = '''
socket = "unix:///run/confidential-containers/cdh.sock"

[kbc]
name = "cc_kbc"
url = "http://127.0.0.1:$KBSP"
'''
TOML
compat_start --features resource --initdata "$T/initdata.toml" || return 0
st=$(r GET /cdh/resource/other/cert/text)
expect "Init-Data cdh.toml [kbc] url names the resource KBS, not aa.toml's" "$st $(body)" "200 $(cat "$RES/other/cert/text")"
compat_stop

# Without any configuration: agent.aa_kbc_params=cc_kbc::URL, as the hub
# reads it when it has no cdh.toml.
printf 'quiet agent.aa_kbc_params=cc_kbc::http://127.0.0.1:%s\n' "$KBSP" > "$T/cmdline-kbc"
compat_start --cmdline "$T/cmdline-kbc" || return 0
st=$(r GET /cdh/resource/default/key/bin)
if [ "$st" = 200 ] && cmp -s "$T/b" "$RES/default/key/bin"; then
	ok "default features, KBS from agent.aa_kbc_params: the resource arrives"
else
	not_ok "default features, KBS from agent.aa_kbc_params: the resource arrives" "HTTP $st $(head -c 200 "$T/b")"
fi
compat_stop
kill $KBSPID 2>/dev/null
wait $KBSPID 2>/dev/null

# The production path: TPM evidence and Trustee's default resource policy
# (kbs/sample_policies/default.rego), which the sample TEE does not pass.
if [ -e /dev/tpmrm0 ]; then
	kbs_start || not_ok "the test KBS starts" "$(tail -5 "$T/kbs-res.log")"
	printf '[token_configs.kbs]\nurl = "http://127.0.0.1:%s"\n' "$KBSP" > "$T/aa-tpm.toml"
	compat_start --features resource -c "$T/aa-tpm.toml" || return 0
	before=$(curl -s "http://127.0.0.1:$KBSP/stats")
	st=$(r GET /cdh/resource/default/key/bin)
	after=$(curl -s "http://127.0.0.1:$KBSP/stats")
	expect "the sample TEE under the default resource policy: refused (500)" "$st" 500
	# token_client.rs: a 401 gets a new token and another GET, 3 GETs in all
	expect "... after 3 GETs, each with a token of a new handshake (the hub's KBS_GET_RESOURCE_MAX_ATTEMPT)" \
		"$(printf '%s\n%s\n' "$before" "$after" | jq -s '[.[1].tokens - .[0].tokens, .[1].refusals - .[0].refusals]' -c)" "[3,3]"
	compat_stop
	COMPAT_TEE=tpm compat_start --features resource -c "$T/aa-tpm.toml" || return 0
	st=$(r GET /cdh/resource/default/key/bin)
	if [ "$st" = 200 ] && cmp -s "$T/b" "$RES/default/key/bin"; then
		ok "TPM evidence, the default resource policy: the resource arrives byte for byte"
	else
		not_ok "TPM evidence, the default resource policy: the resource arrives" \
			"HTTP $st $(head -c 300 "$T/b")" "$(tail -5 "$T/compat-aaeld.log")" "$(tail -5 "$T/kbs-res.log")"
	fi
	compat_stop
	kill $KBSPID 2>/dev/null
	wait $KBSPID 2>/dev/null
fi
