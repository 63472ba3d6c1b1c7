#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The test KBS (tests/kbs/test-kbs.py) holds to Trustee's rules for what
# aaeld's KBS client depends on: the runtime-data hash (sha384, or the one
# its challenge selected), the hash negotiation, the tee-pubkey shapes
# Trustee reads, and Trustee's 401 bodies at /auth and /attest. Each case is
# a client written here (Python, sample TEE) talking to a real test-kbs.py
# process. TAP on stdout.
#   test-kbs-rules.sh
TOP=$(cd "$(dirname "$0")/../.." && pwd)
exec python3 - "$TOP" <<'PY'
import base64, hashlib, http.cookiejar, json, os, socket, subprocess, sys, time
import urllib.error, urllib.request
from cryptography.hazmat.primitives.asymmetric import ec, rsa

TOP = sys.argv[1]
N = FAILED = 0
def ok(cond, desc, why=""):
    global N, FAILED
    N += 1
    if not cond:
        FAILED += 1
    print("%sok %d - %s" % ("" if cond else "not ", N, desc))
    if not cond and why:
        print("#   " + str(why))

ERR = "https://github.com/confidential-containers/kbs/errors/AttestationError"
ATTEST_BODY = {"type": ERR, "detail": "Attestation error: RCAR handshake Attest failed"}
def auth_body(source):
    return {"type": ERR, "detail": "Attestation error: RCAR handshake Auth failed: " + source}

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p

class Kbs:
    def __init__(self, *args):
        self.port = free_port()
        self.p = subprocess.Popen([sys.executable, TOP + "/tests/kbs/test-kbs.py", "--port",
                                   str(self.port)] + list(args),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                self.get("/stats")
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("test-kbs.py did not start")
    def get(self, path):
        return json.load(urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.port, path), timeout=10))
    def stop(self):
        self.p.terminate()
        self.p.wait()

def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def ec_jwk(curve, size):
    n = ec.generate_private_key(curve).public_key().public_numbers()
    return {"kty": "EC", "crv": {32: "P-256", 66: "P-521"}[size], "alg": "ECDH-ES+A256KW",
            "x": b64u(n.x.to_bytes(size, "big")), "y": b64u(n.y.to_bytes(size, "big"))}

def rsa_jwk(alg="RSA-OAEP-256"):
    n = rsa.generate_private_key(65537, 2048).public_key().public_numbers()
    return {"kty": "RSA", "alg": alg, "n": b64u(n.n.to_bytes(256, "big")), "e": b64u(b"\1\0\1")}

def canonical(o):
    return json.dumps(o, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

def handshake(kbs, jwk, hash_name=None, extra=None, version="0.4.0", cookie=True):
    """auth then attest with sample evidence bound by hash_name (default: the
    selected one, else sha384); (auth status, auth body, attest status, body)."""
    op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    def post(path, obj, opener):
        r = urllib.request.Request("http://127.0.0.1:%d%s" % (kbs.port, path), json.dumps(obj).encode(),
                                   {"Content-Type": "application/json"})
        try:
            x = opener.open(r, timeout=10)
            return x.status, json.load(x)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)
    if extra is None:
        extra = {"supported-hash-algorithms": ["sha256", "sha384", "sha512"]}
    s1, ch = post("/kbs/v0/auth", {"version": version, "tee": "sample", "extra-params": extra}, op)
    if s1 != 200:
        return s1, ch, None, None
    sel = ch["extra-params"].get("selected-hash-algorithm") if isinstance(ch["extra-params"], dict) else None
    h = hash_name or sel or "sha384"
    rd = hashlib.new(h, canonical({"additional-evidence": "", "nonce": ch["nonce"], "tee-pubkey": jwk})).digest()
    ev = {"svn": "1", "report_data": base64.b64encode(rd).decode()}
    req = {"runtime-data": {"nonce": ch["nonce"], "tee-pubkey": jwk},
           "tee-evidence": {"primary_evidence": json.dumps(ev), "additional_evidence": ""}}
    s2, b2 = post("/kbs/v0/attest", req, op if cookie else urllib.request.build_opener())
    return s1, ch, s2, b2

P256 = ec_jwk(ec.SECP256R1(), 32)

# Trustee's built-in attestation service: extra-params "", sha384.
k = Kbs()
s1, ch, s2, b2 = handshake(k, P256)
ok(s1 == 200 and ch["extra-params"] == "", "default: the challenge's extra-params is \"\" (kbs/src/attestation/mod.rs)", ch)
ok(s2 == 200 and "token" in b2, "default: runtime data bound with sha384 gets a token", (s2, b2))
s1, ch, s2, b2 = handshake(k, P256, "sha256")
ok(s2 == 401 and b2 == ATTEST_BODY, "default: bound with sha256 instead: 401 with Trustee's Attest failed body", (s2, b2))
s1, ch, s2, b2 = handshake(k, P256, extra="")
ok(s2 == 200, "default: a client advertising nothing still gets a sha384 challenge", (s1, ch, s2))
s1, ch, _, _ = handshake(k, P256, version="0.3.0")
ok(s1 == 401 and ch == auth_body("KBS Client Protocol Version Mismatch: expect 0.4.0 while the request is 0.3.0"),
   "protocol 0.3.0: 401 with Trustee's Auth failed body", ch)
_, _, s2, b2 = handshake(k, P256, cookie=False)
ok(s2 == 401 and b2 == ATTEST_BODY, "attest without the session cookie: 401", (s2, b2))

# The tee-pubkey shapes (kbs_types TeePubKey; kbs/src/jwe/mod.rs jwe()).
good = [("EC P-256", P256), ("EC P-521", ec_jwk(ec.SECP521R1(), 66)),
        ("RSA-OAEP-256", rsa_jwk()), ("RSA1_5 (deprecated, still accepted)", rsa_jwk("RSA1_5"))]
for desc, jwk in good:
    _, _, s2, b2 = handshake(k, jwk)
    ok(s2 == 200, "tee-pubkey %s: a token" % desc, (s2, b2))
def mutated(base, **kw):
    j = dict(base)
    for key, v in kw.items():
        if v is None:
            j.pop(key)
        else:
            j[key] = v
    return j
bad = [("kty OKP", mutated(P256, kty="OKP")),
       ("EC without y", mutated(P256, y=None)),
       ("EC crv P-384", mutated(P256, crv="P-384")),
       ("EC alg ECDH-ES", mutated(P256, alg="ECDH-ES")),
       ("EC x padded with '='", mutated(P256, x=P256["x"] + "=")),
       ("EC x of 31 bytes", mutated(P256, x=b64u(base64.urlsafe_b64decode(P256["x"] + "=")[1:]))),
       ("EC point off the curve", mutated(P256, y=b64u(bytes(31) + b"\x01"))),
       ("EC P-256 with P-521 sized coordinates", mutated(ec_jwk(ec.SECP521R1(), 66), crv="P-256")),
       ("RSA alg RSA-OAEP", mutated(rsa_jwk(), alg="RSA-OAEP")),
       ("RSA without e", mutated(rsa_jwk(), e=None)),
       ("RSA n in standard base64", mutated(rsa_jwk(), n="+/" + rsa_jwk()["n"][2:])),
       ("a string", "not a key")]
for desc, jwk in bad:
    _, _, s2, b2 = handshake(k, jwk)
    ok(s2 == 401 and b2 == ATTEST_BODY, "tee-pubkey %s: 401 with Trustee's body" % desc, (s2, b2))
st = k.get("/stats")
ok(st["tokens"] == 2 + len(good) and st["attest"] == 3 + len(good) + len(bad) + 1,
   "/stats counts the tokens and the attest requests", st)
k.stop()

# A selected hash (the se / ITA path of generate_extra_params).
for h in ("sha256", "sha512"):
    k = Kbs("--hash", h)
    s1, ch, s2, b2 = handshake(k, P256)
    ok(s1 == 200 and ch["extra-params"] == {"selected-hash-algorithm": h} and s2 == 200,
       "--hash %s: selected in the challenge, runtime data bound with it gets a token" % h, (s1, ch, s2, b2))
    _, _, s2, b2 = handshake(k, P256, "sha384")
    ok(s2 == 401 and b2 == ATTEST_BODY, "--hash %s: bound with sha384 instead: 401" % h, (s2, b2))
    s1, ch, _, _ = handshake(k, P256, extra="")
    ok(s1 == 401 and ch == auth_body("Attestation Service generate challenge failed"),
       "--hash %s: a client without supported-hash-algorithms: 401 at /auth" % h, (s1, ch))
    s1, ch, _, _ = handshake(k, P256, extra={"supported-hash-algorithms": ["sha384"]})
    ok(s1 == 401, "--hash %s: a client not listing it: 401 at /auth" % h, (s1, ch))
    s1, ch, _, _ = handshake(k, P256, extra={"supported-hash-algorithms": [h.upper()]})
    ok(s1 == 200, "--hash %s: listed in capitals: accepted (compared lowercased)" % h, (s1, ch))
    k.stop()
k = Kbs("--hash", "sm3", "--ignore-supported")
s1, ch, _, _ = handshake(k, P256, extra="")
ok(s1 == 200 and ch["extra-params"] == {"selected-hash-algorithm": "sm3"},
   "--hash sm3 --ignore-supported: selects sm3 whatever the client lists", (s1, ch))
k.stop()

# Refusing on purpose.
k = Kbs("--fail-auth")
s1, ch, _, _ = handshake(k, P256)
ok(s1 == 401 and ch == auth_body("Attestation Service generate challenge failed"),
   "--fail-auth: 401 with Trustee's Auth failed body", (s1, ch))
st = k.get("/stats")
ok(st["auth"] == 1 and st["attest"] == 0 and st["refusals"] == 1, "--fail-auth: counted", st)
k.stop()
k = Kbs("--fail-attest")
s1, ch, s2, b2 = handshake(k, P256)
ok(s1 == 200 and s2 == 401 and b2 == ATTEST_BODY, "--fail-attest: auth 200, attest 401 with Trustee's body", (s1, s2, b2))
st = k.get("/stats")
ok(st["auth"] == 1 and st["attest"] == 1 and st["tokens"] == 0, "--fail-attest: counted", st)
k.stop()

print("1..%d" % N)
sys.exit(1 if FAILED else 0)
PY
