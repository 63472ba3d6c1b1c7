# SPDX-License-Identifier: GPL-2.0
# The software register, in a guest with no TPM. With one sha384 bank and
# index 4 its records and register must equal the WIRE-FORMATS vectors (the
# attestation agent's TDX record for CC-MR 4) byte for byte.
SUITE=software
. /mnt/tests/vm/lib.sh

load_hashes
refuse_load "no TPM: backend=auto refuses, never picks software" \
	"no hardware register found" backend=auto
refuse_load "no TPM: backend=tpm refused" "no TPM found" backend=tpm
refuse_load "banks=md5 refused" "unknown algorithm" backend=software banks=md5
refuse_load "banks=sha256,sha256 refused" "listed twice" backend=software banks=sha256,sha256

dmesg -C
check "insmod backend=software banks=sha384 pcr=4" \
	insmod $KO backend=software banks=sha384 pcr=4 test_unsafe=1
check "the kernel log warns the register proves nothing" \
	sh -c "dmesg | grep -q 'aael: the software register is emulated'"
expect "register says it is not hardware-backed" "$(sed -n 's/^hardware: //p' $A/register)" \
	"no (emulated in kernel memory: NOT hardware-backed, proves nothing to a verifier)"
expect "fresh register is zero" "$(cat $A/register_value)" \
	"sha384:000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
echo -n "test test test" > $A/event
expect "record = WIRE-FORMATS full record, byte for byte" "$($VT record 0)" \
	"$(echo BAAAAAYAAAABAAAADADcqqspzwMcVyfOns9cCrKIrnc7mjIqsU4u/U2OIf6dsEHwKkmoOl3wrXY6lKGQKb8WAAAATEVBQQ4AAAB0ZXN0IHRlc3QgdGVzdA== |
	   base64 -d | od -An -tx1 -v | tr -d ' \n')"
expect "register after test/test/test = WIRE-FORMATS vector" "$(cat $A/register_value)" \
	"sha384:e91d39fefcd2b098b77910a9f6156ad66c58ef65b86424f4fa4bc1d81b9ae2bc7c04d84966e486704c9a2eb2043c05c5"
echo "domain operation content" > $A/event
expect "register after domain/operation/content = WIRE-FORMATS vector" "$(cat $A/register_value)" \
	"sha384:2b836d2c4c37a8d15b4d392a1cb043244ccb91ebd3f45ca5c3e6830eefe600a680d35115afc7a408138112313f22150f"
check_replay "software sha384" 4
# The ABI description names every file the module creates, with its mode,
# and nothing else: "<path> <mode>" from the doc's What: and "Mode NNNN".
abi=/mnt/docs/ABI/testing/securityfs-aael
expect "docs/ABI/testing/securityfs-aael = the files the module made (names, modes)" \
	"$(awk '/^What:/ { w = $2; sub("/$", "", w) }
		w && match($0, /Mode [0-7]+/) {
			print w, substr($0, RSTART + 5, RLENGTH - 5); w = "" }' $abi | sort)" \
	"$(for f in $A $A/*; do stat -c '%n 0%a' "$f"; done | sort)"
check "test_unsafe=1 allows rmmod" rmmod aael

check "insmod backend=software with four banks" \
	insmod $KO backend=software banks=sha1,sha256,sha384,sha512
expect "register lists the four banks" "$(sed -n 's/^banks: //p' $A/register)" \
	"sha1 sha256 sha384 sha512"
check_bad_writes
check_log_cap
check_concurrency 8 1000 23
if rmmod aael 2>/dev/null; then
	not_ok "rmmod refused once the log holds records"
else
	ok "rmmod refused once the log holds records"
fi
finish
