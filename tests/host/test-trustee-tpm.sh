#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The test KBS's TPM verifier (tests/kbs/trustee_tpm.py) against Trustee's
# own fixture (tests/data/tpm_evidence.json) and quotes made here with a
# throwaway RSA key: what Trustee accepts passes, and each rule refuses what
# it must. TAP on stdout.
#   test-trustee-tpm.sh
TOP=$(cd "$(dirname "$0")/../.." && pwd)
exec python3 - "$TOP" <<'PY'
import base64, copy, hashlib, json, struct, sys
sys.path.insert(0, sys.argv[1] + "/tests/kbs")
import trustee_tpm as t
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

sys.path.insert(0, sys.argv[1] + "/tests/host")
from tap import ok, finish  # noqa: E402
import tap  # noqa: E402

def passes(desc, *args):
    tap.passes(t, desc, *args)

def refused(desc, want, *args):
    tap.refused(t, desc, want, *args)

fixture = json.load(open(sys.argv[1] + "/tests/data/tpm_evidence.json"))
passes("Trustee's fixture passes the signature and PCR checks", fixture)
ok(len(fixture["tpm_quote"]["pcrs"]) == 24, "the fixture lists 24 PCRs")

ev = copy.deepcopy(fixture)
p = ev["tpm_quote"]["pcrs"]
p[10] = ("%064x" % (int(p[10], 16) ^ 1))
refused("the fixture with PCR 10 changed by one bit: PcrMismatch", "PcrMismatch", ev)
ev = copy.deepcopy(fixture)
ev["tpm_quote"]["pcrs"] = ev["tpm_quote"]["pcrs"][:23]
refused("the fixture with the pcrs list cut to 23: PcrMismatch", "PcrMismatch", ev)
ev = copy.deepcopy(fixture)
p = ev["tpm_quote"]["pcrs"]
i = next(i for i in range(1, 24) if p[i] != p[0])
p[0], p[i] = p[i], p[0]
refused("the fixture with PCRs 0 and %d swapped (list order counts): PcrMismatch" % i, "PcrMismatch", ev)
ev = copy.deepcopy(fixture)
sig = bytearray(base64.b64decode(ev["tpm_quote"]["signature"]))
sig[-1] ^= 1
ev["tpm_quote"]["signature"] = base64.b64encode(bytes(sig)).decode()
refused("the fixture with its signature changed: SignatureMismatch", "SignatureMismatch", ev)
ev = copy.deepcopy(fixture)
sig = bytearray(base64.b64decode(ev["tpm_quote"]["signature"]))
sig[0:2] = struct.pack(">H", 0x0016)            # TPM_ALG_RSAPSS
ev["tpm_quote"]["signature"] = base64.b64encode(bytes(sig)).decode()
refused("the fixture's signature relabelled RSAPSS: only RSASSA", "expected RSA-SSA", ev)
ev = copy.deepcopy(fixture)
ev["tpm_quote"]["pcrs"][3] = "00" * 31
refused("a PCR value of 62 hex characters", "64 hex characters", ev)

# Quotes made here: TPMS_ATTEST and TPMT_SIGNATURE in the TPM's layout.
key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ak = base64.b64encode(key.public_key().public_bytes(
    serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
pcrs = [hashlib.sha256(b"pcr%d" % i).digest() for i in range(24)]

def quote(selected, digest_of, extra, listed=pcrs, scheme=0x0014):
    sel = bytearray(3)
    for i in selected:
        sel[i // 8] |= 1 << (i % 8)
    msg = (struct.pack(">IH", 0xFF544347, 0x8018) + struct.pack(">H", 4) + b"name"
           + struct.pack(">H", len(extra)) + extra + bytes(17) + bytes(8)
           + struct.pack(">I", 1) + struct.pack(">HB", 0x000B, 3) + bytes(sel)
           + struct.pack(">H", 32) + hashlib.sha256(b"".join(digest_of)).digest())
    s = key.sign(msg, padding.PKCS1v15(), hashes.SHA256())
    return {"ak_public": ak, "tpm_quote": {
        "message": base64.b64encode(msg).decode(),
        "signature": base64.b64encode(struct.pack(">HHH", scheme, 0x000B, len(s)) + s).decode(),
        "pcrs": [p.hex() for p in listed]}}

rd = hashlib.sha384(b"nonce and tee-pubkey").digest()
good = quote(range(24), pcrs, rd[:32])
passes("a quote of all 24 PCRs, extraData = report data cut to 32: passes", good, rd)
refused("... with other report data: nonce mismatch", "nonce doesn't match", good, hashlib.sha384(b"x").digest())
short = b"0123456789abcdef"
passes("16 bytes of report data, zero-padded to 32 in the quote: passes",
       quote(range(24), pcrs, short + bytes(16)), short)
refused("16 bytes of report data, the quote's extraData not padded: refused",
        "nonce doesn't match", quote(range(24), pcrs, short), short)
refused("a quote selecting PCR 23 only (digest over PCR 23) with 24 listed: PcrMismatch",
        "PcrMismatch", quote([23], [pcrs[23]], rd[:32]), rd)
refused("a quote selecting PCRs 0-7 (digest over those) with 24 listed: PcrMismatch",
        "PcrMismatch", quote(range(8), pcrs[:8], rd[:32]), rd)
refused("an RSASSA-signed quote whose TPMT_SIGNATURE says ECDSA: refused",
        "expected RSA-SSA", quote(range(24), pcrs, rd[:32], scheme=0x0018), rd)

body = 'version = "0.1.0"\nalgorithm = "sha256"\n[data]\n"aa.toml" = """\n[token_configs.kbs]\nurl = "http://127.0.0.1:8080"\n"""\n'
d = t.init_data_digest({"format": "toml", "body": body})
ok(d == hashlib.sha256(body.encode()).digest(),
   "Init-Data digest = the document's algorithm over the body exactly as sent")
ok(t.init_data_digest({"format": "toml", "body": body + "\n"}) != d,
   "... one more newline is another digest (the text, not the parsed document)")
d384 = t.init_data_digest({"format": "toml", "body": body.replace("sha256", "sha384")})
ok(len(d384) == 48, "algorithm = sha384: a 48-byte digest")
for desc, idd in (("format json", {"format": "json", "body": body}),
                  ("not TOML", {"format": "toml", "body": "version = "}),
                  ("no algorithm", {"format": "toml", "body": 'version = "0.1.0"\n[data]\n'}),
                  ("algorithm md5", {"format": "toml", "body": body.replace("sha256", "md5")})):
    try:
        t.init_data_digest(idd)
        ok(False, "Init-Data %s: refused" % desc, "accepted")
    except t.Refused:
        ok(True, "Init-Data %s: refused" % desc)

bound = list(pcrs)
bound[8] = hashlib.sha256(bytes(32) + d).digest()
ev = quote(range(24), bound, rd[:32], listed=bound)
passes("PCR 8 = sha256(32 zero bytes || digest): Init-Data accepted", ev, rd, d)
passes("... and the same evidence without init-data", ev, rd, None)
refused("PCR 8 bound to another document: refused", "PCR[8]", ev, rd,
        hashlib.sha256(b"other").digest())
refused("PCR 8 extended twice with the digest: refused", "PCR[8]",
        quote(range(24), [hashlib.sha256(bound[8] + d).digest() if i == 8 else v for i, v in enumerate(bound)], rd[:32],
              listed=[hashlib.sha256(bound[8] + d).digest() if i == 8 else v for i, v in enumerate(bound)]), rd, d)
refused("PCR 8 never extended (zero) while init-data is sent: refused", "PCR[8]",
        quote(range(24), [bytes(32) if i == 8 else v for i, v in enumerate(pcrs)], rd[:32],
              listed=[bytes(32) if i == 8 else v for i, v in enumerate(pcrs)]), rd, d)
refused("a sha384 Init-Data digest on a TPM: refused", "sha256 only", ev, rd, d384)
refused("the fixture (PCR 8 zero) with init-data: refused", "PCR[8]", fixture, None, d)
ok(t.STATUS == 401 and t.ERROR_BODY == {
    "type": "https://github.com/confidential-containers/kbs/errors/AttestationError",
    "detail": "Attestation error: RCAR handshake Attest failed"},
   "refusals are 401 with Trustee's {type, detail} for RcarAttestFailed")
finish()
PY
