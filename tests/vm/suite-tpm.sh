# SPDX-License-Identifier: GPL-2.0
# The TPM backend against swtpm ($AAEL_TPM: "all" = sha1, sha256, sha384 and
# sha512 banks; "sha256" = one bank). Runs in the guest; see run-suite.
SUITE=tpm-$AAEL_TPM
. /mnt/tests/vm/lib.sh
export TPM2TOOLS_TCTI=device:/dev/tpmrm0

load_hashes
banks=$(ls -d /sys/class/tpm/tpm0/pcr-* | sed 's/.*pcr-//' | tr '\n' ' ')
echo "# swtpm banks: $banks"

# Load-time policy: registers a log could never replay are refused.
refuse_load "pcr=17 refused (DRTM, locality)" "DRTM PCR" pcr=17
refuse_load "pcr=20 refused (DRTM, locality)" "DRTM PCR" pcr=20
refuse_load "pcr=10 refused (IMA's)" "belongs to IMA" pcr=10
refuse_load "pcr=24 refused (no such PCR)" "PCRs 0..23" pcr=24
refuse_load "backend=bogus refused" "expected auto, tdx, tpm, tdx-emulated or software" backend=bogus
tpm2_pcrextend 16:sha256=0000000000000000000000000000000000000000000000000000000000000001 >/dev/null
refuse_load "pcr=16 refused once something else extended it" "already extended" pcr=16
refuse_load "pcr=0 refused (holds firmware measurements)" "already extended" pcr=0

# An extend the TPM refuses: an error, and nothing appended.
if insmod $KO test_unsafe=1 pcr=17; then
	h=$(cat $A/log_size)
	reject "TPM refuses the extend (PCR 17, locality): EIO" EIO $VT write "test test test"
	expect "refused extend: extend_failures = 1" "$(cat $A/extend_failures)" 1
	expect "refused extend: count stays 0" "$(cat $A/runtime_measurements_count)" 0
	expect "refused extend: log is the header only" \
		"$(wc -c < $A/binary_runtime_measurements)" "$h"
	check "test_unsafe=1 allows rmmod" rmmod aael
else
	not_ok "insmod test_unsafe=1 pcr=17"
fi

# The real thing: auto backend, default PCR 23.
check "insmod with defaults (auto -> tpm, pcr 23)" insmod $KO
expect "register describes the TPM" "$(grep -v banks $A/register | tr '\n' ' ')" \
	"backend: tpm hardware: yes register: PCR 23 index: 23 state: ok "
expect "register lists the TPM's banks" "$(sed -n 's/^banks: //p' $A/register) " "$banks"
expect "empty log: header only" "$(cat $A/log_size)" "$(header_size)"
expect "empty log: binary file size = log_size" \
	"$(wc -c < $A/binary_runtime_measurements)" "$(cat $A/log_size)"
check_replay "empty log" 23

echo -n "test test test" > $A/event
expect "echo -n 'test test test': count 1" "$(cat $A/runtime_measurements_count)" 1
rec=$($VT record 0)
nb=$(echo $banks | wc -w)
expect "record 0 head: PCR 23, EV_EVENT_TAG, one digest per bank" \
	"$(echo "$rec" | cut -c1-24)" "1700000006000000$(printf '%02x' "$nb")000000"
expect "record 0 tail: eventSize 22, WIRE-FORMATS tagged event" \
	"$(echo "$rec" | tail -c 53)" "160000004c4541410e0000007465737420746573742074657374"
expect "record 0 = python3 hashlib's record, byte for byte (every bank)" \
	"$rec" "$(oracle record 23 'test test test')"
# The oracle itself, anchored on the WIRE-FORMATS vectors (the agent's
# bytes; they carry sha256 and sha384).
wire="sha256:2f4df022a4fc81f8991677a2345a50e1cc636a2ac6a37b2840e806baf25b91ae
sha384:dcaaab29cf031c5727ce9ecf5c0ab288ae773b9a322ab14e2efd4d8e21fe9db041f02a49a83a5df0ad763a94a19029bf"
expect "the oracle's sha256/sha384 digests of record 0 = WIRE-FORMATS" \
	"$(oracle digests 23 'test test test' | tr ' ' '\n' | grep '^sha\(256\|384\):')" \
	"$(for b in $banks; do echo "$wire" | grep "^$b:"; done)"

# Read permissions: the log and the register value are root's (0440), the
# counters anyone's (0444). Unprivileged runs exec a tmpfs copy (see lib.sh).
vt_any=/tmp/aael-vmtest-anyone
cp $VT $vt_any && chmod 0755 $vt_any
for f in binary_runtime_measurements ascii_runtime_measurements register_value; do
	expect "non-root reads $f: EACCES" \
		"$(setpriv --reuid=65534 --regid=65534 --clear-groups $vt_any read $A/$f)" EACCES
done
for f in runtime_measurements_count log_size extend_failures register; do
	expect "non-root reads $f (0444)" \
		"$(setpriv --reuid=65534 --regid=65534 --clear-groups $vt_any read $A/$f)" \
		"ok $(wc -c < $A/$f)"
done

echo "domain operation content" > $A/event
expect "echo's trailing newline is not content" \
	"$(sed -n 2p $A/ascii_runtime_measurements | sed 's/.* domain/domain/')" \
	"domain operation content"
printf 'a b c\n\n' > $A/event
# C1 controls (U+0080..U+009F) escaped byte by byte like C0 ones; other
# UTF-8 (U+00A0 here) as is.
printf 'x y tab\there back\\slash  two  spaces nel\302\205 c1\302\200\302\237 nbsp\302\240.' > $A/event
expect "ascii log escapes control characters and backslash, one line per record" \
	"$(sed -n '3,4p' $A/ascii_runtime_measurements | sed 's/^\([0-9]*\) \([0-9]*\) .*:[0-9a-f]* /\1 \2 /')" \
	"2 23 a b c\\x0a
3 23 x y tab\\x09here back\\x5cslash  two  spaces nel\\xc2\\x85 c1\\xc2\\x80\\xc2\\x9f nbsp$(printf '\302\240')."
for i in $(seq 1 20); do echo "loop event-$i {\"n\": $i}" > $A/event; done
expect "count after 24 events" "$(cat $A/runtime_measurements_count)" 24
check_replay "after 24 events" 23

check_bad_writes
check_log_cap
check_replay "after the bad writes and the cap" 23
check_concurrency 8 1000 23

c=$(cat $A/runtime_measurements_count)
if rmmod aael 2>/dev/null; then
	not_ok "rmmod refused once the log holds records"
else
	ok "rmmod refused once the log holds records"
fi
expect "after the refused rmmod the log is intact" \
	"$(cat $A/runtime_measurements_count)" "$c"
check_replay "final" 23
finish
