#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The test KBS's TDX verifier (tests/kbs/trustee_tdx.py) against Trustee's
# own fixtures (tests/data: tdx_quote_4.dat, tdx_quote_5.dat, CCEL_data_ovmf
# and the expected outputs of Trustee's tests) and against quotes edited
# here: what Trustee's tests expect holds, and each rule refuses what it
# must. Trustee ships no quote whose RTMRs its own tests replay a log
# against (tdx_quote_4.dat is parsed beside CCEL_data, never matched with
# it), so the bound quotes below are tdx_quote_4.dat with RTMRs, MRCONFIGID
# and REPORT_DATA rewritten -- which DCAP would refuse, and which the test
# KBS cannot see (no signature check, as its header says). TAP on stdout.
#   test-trustee-tdx.sh
TOP=$(cd "$(dirname "$0")/../.." && pwd)
exec python3 - "$TOP" <<'PY'
import base64, hashlib, json, struct, sys
sys.path.insert(0, sys.argv[1] + "/tests/kbs")
import trustee_tdx as t
import trustee_tpm
D = sys.argv[1] + "/tests/data/"

sys.path.insert(0, sys.argv[1] + "/tests/host")
from tap import ok, finish  # noqa: E402
import tap  # noqa: E402

def passes(desc, *args):
    tap.passes(t, desc, *args)

def refused(desc, want, *args):
    tap.refused(t, desc, want, *args)

def claims(*args):
    """evaluate's claims, or {} when refused (the checks on them then fail)."""
    try:
        return t.evaluate(*args)
    except t.Refused as e:
        print("# refused: %s" % e)
        return {}

def b64(b):
    return base64.b64encode(b).decode()

q4 = open(D + "tdx_quote_4.dat", "rb").read()
q5 = open(D + "tdx_quote_5.dat", "rb").read()
ccel = open(D + "CCEL_data_ovmf", "rb").read()
BODY = t.HEADER_SIZE

# deps/verifier/src/tdx/claims.rs parse_tdx_claims: tdx_quote_4.dat's claims
want = json.load(open(D + "parse_tdx_claims_expected.json"))
c = claims({"quote": b64(q4)})
for k in ("quote", "td_attributes", "report_data", "init_data"):
    ok(c.get(k) == want[k], "tdx_quote_4.dat: claim %s = Trustee's parse_tdx_claims_expected.json" % k,
       "%s vs %s" % (c.get(k), want[k]))
# deps/verifier/src/intel_dcap/quote.rs test_quote_version, test_parse_tdx_quote
c5 = claims({"quote": b64(q5)})
ok(c5 and c5["quote"]["header"]["version"] == "0500" and c5["quote"]["type"] == "0300"
   and len(c5["quote"]["body"]) == 17,
   "tdx_quote_5.dat: a v5 quote with a TDX 1.5 body (17 fields) parses")
ok(c5.get("report_data") == q5[54 + 520:54 + 584].hex() and c5.get("init_data") == q5[54 + 184:54 + 232].hex(),
   "... its REPORT_DATA and MRCONFIGID read 6 bytes further than in v4 (type and size)")

# deps/eventlog/src/lib.rs test_rtmr_integrity, CCEL_data_ovmf's case
RTMR = [bytes.fromhex(h) for h in (
    "8566f998798db09443b244c62de9a3041fb02e2e6936c4396d784bba2e90177329ec5aba3bb484404f2ab9cc90abe193",
    "775b9f6bfe99f8a31396f0d0218e67ffa796d3b96ccf961cbb0deba48c79c00f082cda1a5567c1c16305f1fc210c13c6",
    "94eaf7a7bf398ed8d888c91057ae0261802e4f3df084213a76ca7f0b5055ac9d2241de43cd58d9e8b49c503bbf25f34a",
    "00" * 48)]
log = t.parse_ccel(ccel)
ok([t.replay(log, i) for i in (1, 2, 3, 4)] == RTMR,
   "CCEL_data_ovmf replays (CC-MR 1..4, sha384) to Trustee's test_rtmr_integrity values")
# deps/eventlog/src/lib.rs test_query_digest, CCEL_data_ovmf's case
out = json.load(open(D + "CCEL_data_ovmf_out.json"))["uefi_event_logs"]
mine = [{"index": r["index"], "type_name": t.TCG_EVENT_TYPES[r["type"]],
         "digest_matches_event": r["digest_matches_event"], "event": base64.b64encode(r["event"]).decode(),
         "digests": [{"alg": t.TCG_ALGORITHMS[a], "digest": d.hex()} for a, d in r["digests"]]}
        for r in log]
theirs = [{k: e[k] for k in ("index", "type_name", "digest_matches_event", "event", "digests")} for e in out]
ok(mine == theirs, "CCEL_data_ovmf's %d records = Trustee's CCEL_data_ovmf_out.json "
   "(index, type, digests, event, digest_matches_event)" % len(mine))
# lib.rs test_rtmr_integrity_error: the message names the register and both values
bad = bytearray(RTMR[0]); bad[-1] ^= 2
try:
    t.replay_and_match(log, [bytes(bad)] + RTMR[1:])
    ok(False, "a reference RTMR 0 off by one bit: refused", "accepted")
except t.Refused as e:
    ok(str(e) == "Eventlog does not pass measurement replay CC Event Log Measurement Register "
       "[index = 1]. Calculated value: %s, Given value: %s" % (RTMR[0].hex(), bytes(bad).hex()),
       "a reference RTMR 0 off by one bit: refused with Trustee's message", e)
refused("Trustee's fixtures pair no quote with a log: tdx_quote_4.dat + CCEL_data_ovmf refused",
        "[index = 1]", {"quote": b64(q4), "cc_eventlog": b64(ccel)})

# Quotes edited here: tdx_quote_4.dat with RTMR 0..3, MRCONFIGID and REPORT_DATA set.
def quote(rtmrs=RTMR, mrconfigid=bytes(48), report=bytes(64), base=q4, body=BODY):
    q = bytearray(base)
    for i, r in enumerate(rtmrs):
        q[body + 328 + 48 * i:body + 376 + 48 * i] = r
    q[body + 184:body + 232] = mrconfigid
    q[body + 520:body + 584] = report
    return bytes(q)

idoc = 'version = "0.1.0"\nalgorithm = "sha256"\n[data]\n"aa.toml" = """\n[token_configs.kbs]\nurl = "http://127.0.0.1:8080"\n"""\n'
idig = trustee_tpm.init_data_digest({"format": "toml", "body": idoc})
rd = hashlib.sha384(b"nonce and tee-pubkey").digest()
bound = quote(mrconfigid=idig + bytes(16), report=rd + bytes(16))
ev = {"quote": b64(bound), "cc_eventlog": b64(ccel)}
passes("RTMRs = the log's replay, MRCONFIGID = sha256 Init-Data digest zero-padded, "
       "REPORT_DATA = sha384 report data zero-padded: passes", ev, rd, idig)
passes("... and without init-data (MRCONFIGID then not looked at)", ev, rd, None)
passes("... and without expected report data", ev, None, idig)
c = claims(ev, rd, idig)
ok(c.get("init_data") == (idig + bytes(16)).hex() and len(c.get("uefi_event_logs", [])) == len(log),
   "... its claims: init_data = MRCONFIGID, the log's %d records" % len(log))
refused("Init-Data of another document: MRCONFIGID refused", "MRCONFIGID",
        ev, rd, hashlib.sha256(b"other").digest())
refused("init-data sent, MRCONFIGID zero (Trustee's tdx_quote_4.dat): refused", "MRCONFIGID",
        {"quote": b64(q4)}, None, idig)
refused("MRCONFIGID = the digest not padded but repeated: refused", "MRCONFIGID",
        {"quote": b64(quote(mrconfigid=idig + idig[:16]))}, None, idig)
d384 = hashlib.sha384(b"doc").digest()
passes("a sha384 digest fills MRCONFIGID exactly", {"quote": b64(quote(mrconfigid=d384))}, None, d384)
d512 = hashlib.sha512(b"doc").digest()
passes("a sha512 digest is cut to 48 bytes (regularize_data)",
       {"quote": b64(quote(mrconfigid=d512[:48]))}, None, d512)
refused("other report data: REPORT_DATA refused", "REPORT_DATA", ev, hashlib.sha384(b"x").digest(), idig)
refused("REPORT_DATA holding the report data not padded but repeated: refused", "REPORT_DATA",
        {"quote": b64(quote(report=rd + rd[:16]))}, rd)
passes("32 bytes of report data, zero-padded to 64", {"quote": b64(quote(report=rd[:32] + bytes(32)))}, rd[:32])

for i in range(4):
    r = [bytearray(x) for x in RTMR]
    r[i][17] ^= 0x40
    refused("one byte of RTMR %d flipped: the replay of CC-MR %d refused" % (i, i + 1),
            "[index = %d]" % (i + 1), {"quote": b64(quote([bytes(x) for x in r])), "cc_eventlog": b64(ccel)})

end = 32 + struct.unpack_from("<I", ccel, 28)[0]
ends = []
for rec in log:
    end += 12 + sum(2 + len(d) for _, d in rec["digests"]) + 4 + len(rec["event"])
    ends.append(end)
def record(index, etype, data, digest=None):
    return (struct.pack("<III", index, etype, 1) + struct.pack("<H", 0xC)
            + (digest if digest is not None else hashlib.sha384(data).digest())
            + struct.pack("<I", len(data)) + data)
tag = b"LEAA" + struct.pack("<I", 24) + b"domain operation content"
extra = ccel[:end] + record(4, 6, tag) + ccel[end:]
refused("one more record (an AAEL tag, CC-MR 4) in the log: CC-MR 4 refused", "[index = 4]",
        {"quote": b64(bound), "cc_eventlog": b64(extra)})
r4 = hashlib.sha384(bytes(48) + hashlib.sha384(tag).digest()).digest()
passes("... with RTMR 3 extended by it: passes", {"quote": b64(quote(RTMR[:3] + [r4])), "cc_eventlog": b64(extra)})
c = claims({"quote": b64(quote(RTMR[:3] + [r4])), "cc_eventlog": b64(extra)})
ok(c and c["uefi_event_logs"][-1]["details"].get("data") ==
   {"domain": "domain", "operation": "operation", "content": "content"},
   "... and its claim reads the AAEL tag (event_tag.rs)")
refused("the log cut after its last-but-one record: CC-MR refused", "Eventlog does not pass",
        {"quote": b64(bound), "cc_eventlog": b64(ccel[:ends[-2]])})
refused("the log cut inside its last record: refused", "too short",
        {"quote": b64(bound), "cc_eventlog": b64(ccel[:ends[-1] - 5])})
spec_end = 32 + struct.unpack_from("<I", ccel, 28)[0]
refused("the log without its Spec ID event's last byte: refused", "digest_data",
        {"quote": b64(bound), "cc_eventlog": b64(ccel[:spec_end - 1])})
noact = ccel[:end] + record(1, 3, b"x" * 16, bytes(48)) + ccel[end:]
r0 = hashlib.sha384(RTMR[0] + bytes(48)).digest()
passes("an EV_NO_ACTION record at CC-MR 1 is replayed too (as Trustee's gke case)",
       {"quote": b64(quote([r0] + RTMR[1:])), "cc_eventlog": b64(noact)})
refused("... so RTMR 0 without it refuses", "[index = 1]", {"quote": b64(bound), "cc_eventlog": b64(noact)})
refused("a record of an unknown event type: refused", "Unknown event type",
        {"quote": b64(bound), "cc_eventlog": b64(ccel[:end] + record(4, 0x1234, b"x") + ccel[end:])})
passes("an empty cc_eventlog: nothing replayed (Trustee warns)", {"quote": b64(bound), "cc_eventlog": ""}, rd)

refused("tests/tsm-fake's quote (marker + 64-byte inblob): refused, not a TD quote", "att_key_type",
        {"quote": b64(b"AAEL-FAKE-TD-QUOTE" + rd + bytes(16))}, rd)
refused("an empty quote: refused", "TDX Quote is empty", {"quote": ""})
refused("a quote of version 6: refused", "unsupported quote version",
        {"quote": b64(struct.pack("<H", 6) + q4[2:])})
refused("a v4 quote relabelled SGX (tee_type 0): refused", "version 4 / tee_type 0x00000000", {"quote": b64(q4[:4] + bytes(4) + q4[8:])})
refused("the quote cut inside its body: refused", "body", {"quote": b64(q4[:300])})
refused("the quote cut inside its PCK chain: refused", "signature data length",
        {"quote": b64(q4[:-100])})
refused("a v5 quote whose body type is 4: refused", "QuoteV5 Type",
        {"quote": b64(q5[:48] + struct.pack("<H", 4) + q5[50:])})
refused("evidence without a quote: refused", "Deserialize", {"cc_eventlog": b64(ccel)})
finish()
PY
