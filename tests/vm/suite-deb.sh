# SPDX-License-Identifier: GPL-2.0
# The Debian packages, installed by tests/deb/test-deb.sh into a throwaway
# root on the host (what they added is in $AAEL_OUT/root): the module DKMS
# built there for this kernel loads with modprobe from that root, and the
# packaged aaelctl, aaeld and libaael0 work against it. These are also the
# lines of docs/GUEST-IMAGE.md that a test guest can run: the module with
# the package's options (backend auto: this guest's sha256 TPM), aaeld as
# the recipe starts it, on the Init-Data file where the kata agent writes
# it, with agent.guest_components_rest_api=attestation on the command line.
SUITE=deb-guest
. /mnt/tests/vm/lib.sh
R=$AAEL_OUT/root
V=$(cat "$AAEL_OUT/version")
KO=$R/lib/modules/$(uname -r)/updates/dkms/aael.ko

load_hashes
check "DKMS built aael.ko for the running kernel ($(uname -r))" test -f "$KO"
check "modprobe -d <root> loads it (with the package's modprobe.d, no options)" \
	modprobe -C "$R/etc/modprobe.d" -d "$R" aael
expect "the loaded module is that file (srcversion)" \
	"$(cat /sys/module/aael/srcversion 2>&1)" "$(modinfo -F srcversion "$KO" 2>&1)"
expect "the loaded module is version $V" "$(cat /sys/module/aael/version 2>&1)" "$V"
expect "backend auto picked the TPM, PCR 23" \
	"$(sed -n 's/^backend: //p; s/^index: //p' $A/register 2>&1 | tr '\n' ' ')" "tpm 23 "
check "the package's example modules-load.d entry names the module" \
	grep -qx aael "$R/usr/share/doc/aael-dkms/examples/modules-load.conf"
check "the package itself loads nothing at boot (no modules-load.d entry)" \
	test ! -e "$R/etc/modules-load.d/aael.conf"
CTL=$R/usr/bin/aaelctl
check "packaged aaelctl records" "$CTL" record deb test "packaged tools"
expect "packaged aaelctl reads it back" "$("$CTL" log 2>&1 | sed 's/.*:[0-9a-f]* //')" "deb test packaged tools"
check "packaged aaelctl verifies the live log" "$CTL" verify
LIB=$R/usr/lib/x86_64-linux-gnu
expect "the libaael-dev program loads the package's libaael.so.0" \
	"$(LD_LIBRARY_PATH=$LIB ldd "$AAEL_OUT/libaael-status" | awk '$1 == "libaael.so.0" { print $3 }')" \
	"$LIB/libaael.so.0"
expect "through it, reads the status (backend, records)" \
	"$(LD_LIBRARY_PATH=$LIB "$AAEL_OUT/libaael-status" 2>&1)" "tpm 1"
D=$R/usr/bin/aaeld
check "packaged aaeld --help" sh -c "'$D' --help | grep -q -- --initdata"
expect "packaged aaeld --version" "$("$D" --version 2>&1)" "aaeld $V"

# docs/GUEST-IMAGE.md: the kata agent writes the Init-Data document here
# (kata-containers src/agent/src/initdata.rs, INITDATA_TOML_PATH); the
# kernel command line carries agent.guest_components_rest_api, given to
# aaeld as a file (this guest's own command line is run-vm's).
ID=/run/confidential-containers/initdata/initdata.toml
mkdir -p "${ID%/*}"
cat > $ID <<'DOC'
version = "0.1.0"
algorithm = "sha256"
[data]
"aa.toml" = """
[eventlog_config]
init_pcr = 23
enable_eventlog = true
[token_configs.kbs]
url = "http://127.0.0.1:8080"
"""
DOC
echo "console=ttyS0 agent.guest_components_rest_api=attestation" > /tmp/cmdline
"$D" --initdata $ID --cmdline /tmp/cmdline > /tmp/aaeld.log 2>&1 &
AAELD=$!
if wait_http http://127.0.0.1:8006/info; then
	ok "the recipe's aaeld (--initdata $ID) serves 127.0.0.1:8006"
else
	not_ok "the recipe's aaeld (--initdata $ID) serves 127.0.0.1:8006" "$(cat /tmp/aaeld.log)"
fi
expect "it bound the Init-Data: PCR 8 = sha256(32 zero bytes || sha256(document))" \
	"$(tr A-F a-f < /sys/class/tpm/tpm0/pcr-sha256/8)" \
	"$(python3 -c 'import hashlib, sys
d = hashlib.sha256(open(sys.argv[1], "rb").read()).digest()
print(hashlib.sha256(bytes(32) + d).hexdigest())' $ID)"
expect "POST /aa/aael records (the command line enables /aa): success \"true\", seq 1" \
	"$(curl -s -X POST http://127.0.0.1:8006/aa/aael -H 'Content-Type: application/json' \
		-d '{"domain":"deb","operation":"recipe","content":"aaeld"}' | jq -r '"\(.success) \(.seq)"')" "true 1"
check "the packaged aaelctl verifies the log against PCR 23" "$CTL" verify
kill $AAELD
wait $AAELD 2>/dev/null
echo "console=ttyS0" > /tmp/cmdline
"$D" --initdata $ID --cmdline /tmp/cmdline > /tmp/aaeld2.log 2>&1 &
AAELD=$!
wait_http http://127.0.0.1:8006/info
expect "without agent.guest_components_rest_api (default resource), /aa is not served: 404 Attestation Feature Not Enabled" \
	"$(curl -s -o /tmp/body -w '%{http_code}' -X POST http://127.0.0.1:8006/aa/aael \
		-H 'Content-Type: application/json' -d '{"domain":"a","operation":"b","content":"c"}') $(cat /tmp/body)" \
	"404 Attestation Feature Not Enabled"
kill $AAELD
wait $AAELD 2>/dev/null
finish
