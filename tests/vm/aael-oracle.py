#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""What the kernel and aaeld should produce, computed from the documented
formats (uapi/linux/aael.h, the TCG PC Client Spec ID header, aaeld(8)) with
Python's hashlib alone. It shares no code with libaael or aaeld, so that a
suite comparing their output with this is not comparing a function with
itself.

  aael-oracle.py log --index N --banks sha256[,sha384...] TEXT...
      the binary log of those events (Spec ID header, records) on stdout
  aael-oracle.py cc-eventlog LOG
      a kernel binary log converted to cc_eventlog as aaeld(8) describes it
      with no firmware CCEL: its Spec ID header, its records, 8 x 0xFF
  aael-oracle.py replay LOG
      "<alg>:<hex>" per bank, the replay of LOG's records from zero
  aael-oracle.py answer --index N --banks B --seq S TEXT
      the JSON POST /aa/aael answers for TEXT recorded as record S:
      the agent's {"success": "true"} and what aaeld(8) adds
  aael-oracle.py listing (--index N --banks B TEXT... | --log LOG) [--from S]
      the JSON GET /aa/aael?from=S answers for those records
  aael-oracle.py claims --tee T --attest FILE --ttl N
                        (--index N --banks B TEXT... | --log LOG)
                        --keypair TOKEN-JSON [--pcr N=HEX] [--init-data FILE]
      the test KBS's token claims for one attestation: FILE is its record
      of the request (GET /attests), TOKEN-JSON aaeld's {token, tee_keypair}
  aael-oracle.py same-json GOT WANT
      exit 1, listing each difference, unless the two JSON files are equal
  aael-oracle.py jwt-claims TOKEN-JSON
      the decoded claims of aaeld's {token, ...} (base64url, any padding)

A LOG is parsed strictly: a malformed log, or a record whose digest is not
the hash of its event, is an error (exit 1), not something to pass along.
"""
import argparse, base64, hashlib, json, struct, sys

# TPM_ALG_ID, digest size, hashlib name, the display name verifiers use
BANKS = {"sha1": (0x0004, 20, "SHA-1"), "sha256": (0x000B, 32, "SHA-256"),
         "sha384": (0x000C, 48, "SHA-384"), "sha512": (0x000D, 64, "SHA-512")}
BY_ID = {v[0]: k for k, v in BANKS.items()}
EV_NO_ACTION, EV_EVENT_TAG = 3, 6
TAG = 0x4141454C                    # "LEAA" on the wire
END = b"\xff" * 8


class Bad(Exception):
    pass


def spec_id(banks):
    """TCG_PCR_EVENT (pcr 0, EV_NO_ACTION, zero SHA-1 digest) carrying
    TCG_EfiSpecIDEvent: "Spec ID Event03", platformClass 0, spec 2.0
    errata 0, uintnSize 2 (UINT64), the algorithms, no vendor info."""
    ev = b"Spec ID Event03\0" + struct.pack("<IBBBBI", 0, 0, 2, 0, 2, len(banks))
    ev += b"".join(struct.pack("<HH", BANKS[b][0], BANKS[b][1]) for b in banks)
    ev += b"\0"
    return struct.pack("<II", 0, EV_NO_ACTION) + bytes(20) + struct.pack("<I", len(ev)) + ev


def tagged(text):
    t = text.encode()
    return struct.pack("<II", TAG, len(t)) + t


def record(index, banks, event, etype=EV_EVENT_TAG):
    out = struct.pack("<III", index, etype, len(banks))
    for b in banks:
        out += struct.pack("<H", BANKS[b][0]) + hashlib.new(b, event).digest()
    return out + struct.pack("<I", len(event)) + event


def parse(blob):
    """-> (banks, [(index, etype, [(bank, digest)], event)]), strictly."""
    if len(blob) < 32:
        raise Bad("shorter than a Spec ID header")
    pcr, etype = struct.unpack_from("<II", blob, 0)
    size = struct.unpack_from("<I", blob, 28)[0]
    ev = blob[32:32 + size]
    if etype != EV_NO_ACTION or pcr != 0 or blob[8:28] != bytes(20) or \
            not ev.startswith(b"Spec ID Event03\0") or len(ev) != size or size < 29:
        raise Bad("no Spec ID Event03 header")
    n = struct.unpack_from("<I", ev, 24)[0]
    banks = []
    for i in range(n):
        alg, dsize = struct.unpack_from("<HH", ev, 28 + 4 * i)
        if alg not in BY_ID or BANKS[BY_ID[alg]][1] != dsize:
            raise Bad("header lists algorithm 0x%04x size %d" % (alg, dsize))
        banks.append(BY_ID[alg])
    if blob[:32 + size] != spec_id(banks):
        raise Bad("the header is not the documented Spec ID header for %s" % banks)
    pos, records = 32 + size, []
    while pos < len(blob):
        if blob[pos:] == END:
            break
        try:
            index, etype, count = struct.unpack_from("<III", blob, pos)
            pos += 12
            digests = []
            for _ in range(count):
                alg = struct.unpack_from("<H", blob, pos)[0]
                if alg not in BY_ID or BY_ID[alg] not in banks:
                    raise Bad("record %d: digest of algorithm 0x%04x" % (len(records), alg))
                b = BY_ID[alg]
                d = blob[pos + 2:pos + 2 + BANKS[b][1]]
                digests.append((b, d))
                pos += 2 + BANKS[b][1]
            esize = struct.unpack_from("<I", blob, pos)[0]
        except struct.error:
            raise Bad("record %d is truncated" % len(records))
        event = blob[pos + 4:pos + 4 + esize]
        if len(event) != esize:
            raise Bad("record %d is truncated" % len(records))
        pos += 4 + esize
        if [b for b, _ in digests] != banks:
            raise Bad("record %d carries banks %s, the header %s"
                      % (len(records), [b for b, _ in digests], banks))
        for b, d in digests:
            if hashlib.new(b, event).digest() != d:
                raise Bad("record %d: its %s digest is not the hash of its event" % (len(records), b))
        records.append((index, etype, digests, event))
    return banks, records


def text_of(event):
    tag, n = struct.unpack_from("<II", event, 0)
    if tag != TAG or len(event) != 8 + n:
        raise Bad("not an AAEL tagged event: %s" % event.hex())
    return event[8:].decode()


def content_value(s):
    # aaeld(8)/Trustee: content is a JSON value when all of it parses as one
    try:
        return json.loads(s)
    except ValueError:
        return s


def claim(index, banks, event):
    """One record as GET /aa/aael and the KBS's uefi_event_logs list it."""
    text = text_of(event)
    domain, operation, content = text.split(" ", 2)
    return {"index": index, "type_name": "EV_EVENT_TAG", "digest_matches_event": True,
            "digests": [{"alg": BANKS[b][2], "digest": hashlib.new(b, event).hexdigest()}
                        for b in banks],
            "event": base64.b64encode(event).decode(),
            "details": {"string": text, "unicode_name": "AAEL",
                        "data": {"domain": domain, "operation": operation,
                                 "content": content_value(content)}}}


def events_of(a):
    """[(index, banks, tagged event)] from --log or from --index/--banks/TEXTs"""
    if a.log:
        banks, recs = parse(open(a.log, "rb").read())
        for index, etype, _, _ in recs:
            if etype != EV_EVENT_TAG:
                raise Bad("a record of type %d" % etype)
        return [(index, banks, event) for index, _, _, event in recs]
    if a.index is None or not a.banks:
        raise Bad("--index and --banks (or --log) are needed")
    return [(a.index, a.banks, tagged(t)) for t in a.texts]


def b64u_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def tee_pubkey(token_json):
    """The JWK of tee_keypair's public key, as aaeld sends it for
    tee_key_algorithm ECDH-ES+A256KW-P256."""
    from cryptography.hazmat.primitives import serialization
    t = json.load(open(token_json))
    pub = serialization.load_pem_private_key(t["tee_keypair"].encode(), None).public_key()
    n = pub.public_numbers()
    return {"alg": "ECDH-ES+A256KW", "crv": "P-256", "kty": "EC",
            "x": b64u(n.x.to_bytes(32, "big")), "y": b64u(n.y.to_bytes(32, "big"))}


def diff(got, want, path="$"):
    if type(got) is not type(want):
        return ["%s: got %s, want %s" % (path, json.dumps(got), json.dumps(want))]
    if isinstance(want, dict):
        out = []
        for k in sorted(set(got) | set(want)):
            if k not in got:
                out.append("%s.%s: missing, want %s" % (path, k, json.dumps(want[k])))
            elif k not in want:
                out.append("%s.%s: unexpected %s" % (path, k, json.dumps(got[k])))
            else:
                out += diff(got[k], want[k], "%s.%s" % (path, k))
        return out
    if isinstance(want, list):
        if len(got) != len(want):
            return ["%s: %d items, want %d" % (path, len(got), len(want))] + \
                diff(got[:len(want)], want[:len(got)], path)
        return [d for i, (g, w) in enumerate(zip(got, want)) for d in diff(g, w, "%s[%d]" % (path, i))]
    return [] if got == want else ["%s: got %s, want %s" % (path, json.dumps(got), json.dumps(want))]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=["log", "cc-eventlog", "replay", "answer", "listing",
                                   "claims", "same-json", "jwt-claims"])
    p.add_argument("texts", nargs="*")
    p.add_argument("--index", type=int)
    p.add_argument("--banks", type=lambda s: [b for b in s.replace(",", " ").split()])
    p.add_argument("--log")
    p.add_argument("--seq", type=int, default=0)
    p.add_argument("--from", dest="first", type=int, default=0)
    p.add_argument("--tee")
    p.add_argument("--attest")
    p.add_argument("--ttl", type=int)
    p.add_argument("--keypair")
    p.add_argument("--pcr", action="append", default=[])
    p.add_argument("--init-data")
    a = p.parse_intermixed_args()
    out = sys.stdout.buffer
    try:
        if a.cmd == "log":
            out.write(spec_id(a.banks) + b"".join(record(a.index, a.banks, tagged(t)) for t in a.texts))
        elif a.cmd == "cc-eventlog":
            banks, recs = parse(open(a.texts[0], "rb").read())
            out.write(spec_id(banks) + b"".join(record(i, banks, ev, et) for i, et, _, ev in recs) + END)
        elif a.cmd == "replay":
            banks, recs = parse(open(a.texts[0], "rb").read())
            for b in banks:
                v = bytes(BANKS[b][1])
                for _, etype, digests, _ in recs:
                    if etype != EV_NO_ACTION:
                        v = hashlib.new(b, v + dict(digests)[b]).digest()
                print("%s:%s" % (b, v.hex()))
        elif a.cmd == "answer":
            ev = tagged(a.texts[0])
            json.dump({"success": "true", "seq": a.seq, "index": a.index,
                       "digests": [{"alg": BANKS[b][2], "digest": hashlib.new(b, ev).hexdigest()}
                                   for b in a.banks]}, sys.stdout)
        elif a.cmd == "listing":
            evs = events_of(a)[a.first:]
            recs = [dict(claim(*e), seq=a.first + i) for i, e in enumerate(evs)]
            json.dump({"records": recs, "next": a.first + len(recs)}, sys.stdout)
        elif a.cmd == "claims":
            att = json.load(open(a.attest))
            annotated = {"runtime_data_claims": {"nonce": att["nonce"]},
                         "uefi_event_logs": [claim(*e) for e in events_of(a)],
                         "tee": a.tee}
            annotated["runtime_data_claims"]["tee-pubkey"] = tee_pubkey(a.keypair)
            if a.pcr:
                annotated["pcrs"] = dict(x.split("=", 1) for x in a.pcr)
            if a.init_data:
                annotated["init_data"] = hashlib.sha256(open(a.init_data, "rb").read()).hexdigest()
            json.dump({"iat": att["iat"], "exp": att["iat"] + a.ttl,
                       "submods": {"cpu0": {"ear.status": "affirming",
                                            "ear.veraison.annotated-evidence": annotated}}},
                      sys.stdout)
        elif a.cmd == "same-json":
            d = diff(json.load(open(a.texts[0])), json.load(open(a.texts[1])))
            for line in d[:20]:
                print(line)
            return 1 if d else 0
        elif a.cmd == "jwt-claims":
            t = json.load(open(a.texts[0]))["token"]
            json.dump(json.loads(b64u_decode(t.split(".")[1])), sys.stdout)
    except (Bad, OSError, KeyError, ValueError, IndexError, TypeError) as e:
        print("aael-oracle: %s: %s" % (a.cmd, e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
