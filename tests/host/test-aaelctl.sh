#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# aaelctl on the host (no kernel needed): the verifier fixture, the
# WIRE-FORMATS vectors, and malformed logs. TAP on stdout.
#   test-aaelctl.sh AAELCTL (an ASan/UBSan build)
set -u
CTL=$1
TOP=$(cd "$(dirname "$0")/../.." && pwd)
DATA=$TOP/tests/data
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
. "$TOP/tests/host/tap.sh"

# 1. The real OVMF CCEL against Trustee's listing of it.
"$CTL" verify --log "$DATA/CCEL_data_ovmf" --claims > "$T/claims.json" 2> "$T/report"
rc=$?
[ $rc -eq 0 ] && ok "verify --claims on the OVMF CCEL exits 0" ||
	not_ok "verify --claims on the OVMF CCEL exits 0" "exit $rc" "$(cat "$T/report")"
check "claims: index, type_name, digests, event, digest_matches_event and details = Trustee's" \
	python3 - "$T/claims.json" "$DATA/CCEL_data_ovmf_out.json" <<'PY'
import json, sys
ours = json.load(open(sys.argv[1]))["uefi_event_logs"]
theirs = json.load(open(sys.argv[2]))["uefi_event_logs"]
assert len(ours) == len(theirs), (len(ours), len(theirs))
for i, (a, b) in enumerate(zip(ours, theirs)):
    for k in ("index", "type_name", "digests", "event", "digest_matches_event"):
        assert a[k] == b[k], (i, k, a[k], b[k])
    if "details" in a:
        assert a["details"] == b["details"], (i, a["details"], b["details"])
PY
# The RTMR values the verifier computes: replay its listing independently.
python3 - "$DATA/CCEL_data_ovmf_out.json" > "$T/want" <<'PY'
import hashlib, json, sys
regs = {}
for e in json.load(open(sys.argv[1]))["uefi_event_logs"]:
    d = bytes.fromhex(e["digests"][0]["digest"])
    regs[e["index"]] = hashlib.sha384(regs.get(e["index"], bytes(48)) + d).digest()
for i in sorted(regs):
    print("replay %d sha384 %s" % (i, regs[i].hex()))
PY
grep '^replay' "$T/report" | sed 's/ (.*//' > "$T/got"
if [ -s "$T/want" ] && cmp -s "$T/got" "$T/want"; then
	ok "replay of CC-MR 1..3 = Python replay of the verifier's listing"
else
	not_ok "replay of CC-MR 1..3 = Python replay of the verifier's listing" "$(cat "$T/got")" "want:" "$(cat "$T/want")"
fi
rtmr0=$(sed -n 's/^replay 1 sha384 //p' "$T/want")
check "verify --against 1:sha384:<verifier's RTMR0> passes" \
	"$CTL" verify --log "$DATA/CCEL_data_ovmf" --against "1:sha384:$rtmr0"
"$CTL" verify --log "$DATA/CCEL_data_ovmf" \
	--against "1:sha384:$(echo "$rtmr0" | tr 0-9 1-90)" > "$T/out" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "MISMATCH register 1 sha384" "$T/out" &&
	ok "verify against a wrong RTMR0 exits 1 and says MISMATCH" ||
	not_ok "verify against a wrong RTMR0 exits 1 and says MISMATCH" "exit $rc" "$(cat "$T/out")"

# 2. WIRE-FORMATS vectors: a CC-MR 4 log with the two events.
python3 - "$T/vectors.log" <<'PY'
import base64, hashlib, struct, sys
hdr = struct.pack("<II20sI", 1, 3, bytes(20), 33) + b"Spec ID Event03\0" + \
      struct.pack("<IBBBBIHHB", 0, 0, 2, 0, 2, 1, 0x0C, 48, 0)
rec1 = base64.b64decode("BAAAAAYAAAABAAAADADcqqspzwMcVyfOns9cCrKIrnc7mjIqsU4u/U2OIf6dsEHwKkmoOl3wrXY6lKGQKb8WAAAATEVBQQ4AAAB0ZXN0IHRlc3QgdGVzdA==")
ev = bytes.fromhex("4c45414118000000646f6d61696e206f7065726174696f6e20636f6e74656e74")
rec2 = struct.pack("<IIIH", 4, 6, 1, 0x0C) + hashlib.sha384(ev).digest() + struct.pack("<I", len(ev)) + ev
open(sys.argv[1], "wb").write(hdr + rec1 + rec2 + b"\xff" * 8)
PY
check "vectors: replay of CC-MR 4 = the WIRE-FORMATS register value" \
	"$CTL" verify --log "$T/vectors.log" \
	--against 4:sha384:2b836d2c4c37a8d15b4d392a1cb043244ccb91ebd3f45ca5c3e6830eefe600a680d35115afc7a408138112313f22150f
"$CTL" log --log "$T/vectors.log" --format json > "$T/v.json" 2>&1
check "vectors: decoded as AAEL with domain/operation/content" python3 - "$T/v.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert [e["details"]["data"] for e in r] == [
    {"domain": "test", "operation": "test", "content": "test"},
    {"domain": "domain", "operation": "operation", "content": "content"}], r
assert r[0]["event"] == "TEVBQQ4AAAB0ZXN0IHRlc3QgdGVzdA==" and r[0]["digest_matches_event"]
assert r[0]["details"]["unicode_name"] == "AAEL" and r[0]["details"]["string"] == "test test test"
assert r[1]["digests"] == [{"alg": "SHA-384", "digest": "dad5f0e226318ffa9839b75a472c6aa7fdb5834949d0a0a22990cf04d5692440fb00f3aa0609db7e49cd8d793f670d02"}]
PY
expect_text="0 4 sha384:dcaaab29cf031c5727ce9ecf5c0ab288ae773b9a322ab14e2efd4d8e21fe9db041f02a49a83a5df0ad763a94a19029bf test test test"
got=$("$CTL" log --log "$T/vectors.log" | head -n 1)
[ "$got" = "$expect_text" ] && ok "vectors: text format" || not_ok "vectors: text format" "$got"

# A tampered record: its digest no longer matches its event.
python3 -c "
import sys; b = bytearray(open('$T/vectors.log','rb').read()); b[-9] ^= 1
open('$T/tampered.log','wb').write(b)"
"$CTL" verify --log "$T/tampered.log" > "$T/out" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "MISMATCH record 1: digest does not match" "$T/out" &&
	ok "a tampered AAEL record fails verify (exit 1)" ||
	not_ok "a tampered AAEL record fails verify (exit 1)" "exit $rc" "$(cat "$T/out")"
# An AAEL record whose text length no longer fills its event would not be
# read as AAEL, so its digests would go unchecked: malformed, exit 3.
python3 -c "
import struct; b = bytearray(open('$T/vectors.log','rb').read())
struct.pack_into('<I', b, 65 + 88 + 12 + 50 + 4 + 4, 23)
open('$T/short-text.log','wb').write(b)"
"$CTL" verify --log "$T/short-text.log" > "$T/out" 2>&1
rc=$?
[ $rc -eq 3 ] && grep -q "AAEL event of 32 bytes declares 23" "$T/out" &&
	ok "an AAEL record whose text length disagrees with its event: exit 3" ||
	not_ok "an AAEL record whose text length disagrees with its event: exit 3" "exit $rc" "$(cat "$T/out")"

# 3. Malformed and truncated logs: a clear error, exit 3, never a crash.
# A log ends exactly after a record (or its Spec ID header) or at a whole
# 8-byte end marker (aaelctl(8)); a cut anywhere else is truncated.
for cut in 10 20 33 40 64 70 100 150 200 250 300 1000 2121 2127; do
	head -c $cut "$DATA/CCEL_data_ovmf" > "$T/cut"
	"$CTL" verify --log "$T/cut" > "$T/out" 2>&1
	rc=$?
	if [ $rc -eq 3 ] && grep -q "^aaelctl: $T/cut: .*truncated" "$T/out" &&
	   ! grep -q "AddressSanitizer\|runtime error\|^verify:" "$T/out"; then
		ok "CCEL cut at $cut bytes: exit 3, $(cut -c1-70 "$T/out" | tail -n 1)"
	else
		not_ok "CCEL cut at $cut bytes: exit 3 with 'truncated'" "exit $rc" "$(cat "$T/out")"
	fi
done
head -c 5000 "$DATA/CCEL_data_ovmf" > "$T/cut"
"$CTL" verify --log "$T/cut" > "$T/out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -qx "verify: OK (20 records)" "$T/out" &&
	ok "CCEL cut in the padding after its end marker: the whole log (exit 0)" ||
	not_ok "CCEL cut in the padding after its end marker: the whole log (exit 0)" "exit $rc" "$(cat "$T/out")"

# Cuts at every offset of aael's cc_eventlog (the vectors log) and at a
# selection of the CCEL's (each of its 64 KiB costs an ASan process; the
# unit tests cut it everywhere): every offset of its header, each boundary
# and the bytes either side, each record after its digest count and after
# its event size, the end marker and the padding. Where a log may end comes
# from a walk of the bytes here, not from libaael.
cuts() {
	python3 - "$CTL" "$T" "$1" "$2" <<'PY'
import concurrent.futures, os, struct, subprocess, sys
ctl, tmp, path, which = sys.argv[1:5]
b = open(path, "rb").read()
algs = {}
for i in range(struct.unpack_from("<I", b, 32 + 24)[0]):
    a, size = struct.unpack_from("<HH", b, 32 + 28 + 4 * i)
    algs[a] = size
pos = 32 + struct.unpack_from("<I", b, 28)[0]
bounds, starts = {pos: 0}, []
while b[pos:pos + 8] not in (b"\xff" * 8, b"\0" * 8):
    starts.append(pos)
    q = pos + 12
    for _ in range(struct.unpack_from("<I", b, pos + 8)[0]):
        q += 2 + algs[struct.unpack_from("<H", b, q)[0]]
    pos = q + 4 + struct.unpack_from("<I", b, q)[0]
    bounds[pos] = len(starts)
    starts[-1] = (starts[-1], q)
end, records = pos, len(starts)
if which == "all":
    sel = set(range(len(b)))
else:
    sel = set(range(0, 67))
    for x in bounds:
        sel |= {x - 1, x, x + 1}
    for r, q in starts:
        sel |= {r + 12, q + 4}
    sel |= set(range(end, end + 9)) | {4096, len(b) - 1}
    sel = {c for c in sel if 0 <= c < len(b)}

def run(cut):
    f = os.path.join(tmp, "cut-%d" % cut)
    open(f, "wb").write(b[:cut])
    p = subprocess.run([ctl, "verify", "--log", f], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    os.unlink(f)
    out = p.stdout
    if "AddressSanitizer" in out or "runtime error" in out:
        return "cut at %d: sanitizer report\n%s" % (cut, out)
    if cut in bounds or cut >= end + 8:
        want = bounds.get(cut, records)
        if p.returncode != 0 or "verify: OK (%d records)" % want not in out:
            return "cut at %d (a boundary, %d records): exit %d %s" % (
                cut, want, p.returncode, out.strip())
        return None
    why = "empty log" if cut == 0 else "truncated"
    if p.returncode != 3 or not out.startswith("aaelctl: %s: " % f) or \
       why not in out or "verify:" in out:
        return "cut at %d (inside a structure): exit %d %s" % (
            cut, p.returncode, out.strip())
    return None

with concurrent.futures.ThreadPoolExecutor(4) as pool:
    bad = [e for e in pool.map(run, sorted(sel)) if e]
inside = len([c for c in sel if c not in bounds and c < end + 8])
for e in bad[:10]:
    print(e)
print("%d cuts: %d inside a structure exit 3 with the reason, %d at a boundary "
      "or past the end marker exit 0 with their records; %d wrong" % (
          len(sel), inside, len(sel) - inside, len(bad)))
sys.exit(1 if bad else 0)
PY
}
if out=$(cuts "$T/vectors.log" all); then
	ok "vectors log (cc_eventlog) cut at every offset: $(echo "$out" | tail -n 1)"
else
	not_ok "vectors log (cc_eventlog) cut at every offset" "$out"
fi
if out=$(cuts "$DATA/CCEL_data_ovmf" some); then
	ok "OVMF CCEL cut at selected offsets: $(echo "$out" | tail -n 1)"
else
	not_ok "OVMF CCEL cut at selected offsets" "$out"
fi
"$CTL" verify --log "$T/nonexistent" > "$T/out" 2>&1
[ $? -eq 3 ] && grep -q "No such file" "$T/out" && ok "missing file: exit 3 with the reason" ||
	not_ok "missing file: exit 3 with the reason" "$(cat "$T/out")"
"$CTL" verify --against 1:sha999:00 --log "$DATA/CCEL_data_ovmf" > "$T/out" 2>&1
[ $? -eq 2 ] && ok "bad --against: usage error (exit 2)" || not_ok "bad --against: usage error (exit 2)" "$(cat "$T/out")"
"$CTL" frobnicate > "$T/out" 2>&1
[ $? -eq 2 ] && grep -q "unknown verb" "$T/out" && ok "unknown verb: exit 2" || not_ok "unknown verb: exit 2"
check "--help lists every verb" sh -c "'$CTL' --help | grep -c '^  aaelctl ' | grep -qx 6"

# The fuzzer's seeds say what they are: the cut and malformed ones must be
# refused (exit 3), the whole ones verified (a cut exactly at the end
# marker, 2120, is a whole log).
C=$TOP/tests/fuzz/corpus/eventlog
for f in ccel_cut_20 ccel_cut_40 ccel_cut_64 ccel_cut_300 ccel_cut_2124 \
	aael_cut_in_digest aael_cut_in_marker aael_spec_id_vendor_size empty_ccel_table \
	spec_id_short_digest_size; do
	"$CTL" verify --log "$C/$f" > "$T/out" 2>&1
	rc=$?
	[ $rc -eq 3 ] && ok "fuzz seed $f: refused, exit 3" ||
		not_ok "fuzz seed $f: refused, exit 3" "exit $rc" "$(cat "$T/out")"
done
for f in ccel_cut_2120 ccel_ovmf aael_binary_log aael_cc_eventlog aael_headerless; do
	check "fuzz seed $f: verifies" "$CTL" verify --log "$C/$f"
done

echo "1..$N"
[ $FAILED -eq 0 ]
