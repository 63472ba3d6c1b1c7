#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The test KBS (tests/kbs/test-kbs.py) holds to Trustee's rules for what
# aaeld's KBS client depends on: the runtime-data hash (sha384, or the one
# its challenge selected), the hash negotiation, the tee-pubkey shapes
# Trustee reads, and Trustee's 401 bodies at /auth and /attest, and the resource endpoint
# (authentication, policy, storage, the JWE). Each case is
# a client written here (Python, sample TEE) talking to a real test-kbs.py
# process. TAP on stdout.
#   test-kbs-rules.sh
TOP=$(cd "$(dirname "$0")/../.." && pwd)
exec python3 - "$TOP" <<'PY'
import base64, hashlib, http.cookiejar, json, os, socket, subprocess, sys, time
import urllib.error, urllib.request
from cryptography.hazmat.primitives.asymmetric import ec, rsa

TOP = sys.argv[1]
sys.path.insert(0, sys.argv[1] + "/tests/host")
from tap import ok, finish  # noqa: E402
import tap  # noqa: E402

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

def sample(rd):
    return {"svn": "1", "report_data": base64.b64encode(rd).decode()}

def handshake(kbs, jwk, hash_name=None, extra=None, version="0.4.0", cookie=True,
              tee="sample", evidence=sample, init_data=None, jar=None):
    """auth then attest with evidence(report data) bound by hash_name
    (default: the selected one, else sha384); (auth status, auth body,
    attest status, body). The session cookie lands in jar when given."""
    jar = http.cookiejar.CookieJar() if jar is None else jar
    op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
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
    s1, ch = post("/kbs/v0/auth", {"version": version, "tee": tee, "extra-params": extra}, op)
    if s1 != 200:
        return s1, ch, None, None
    sel = ch["extra-params"].get("selected-hash-algorithm") if isinstance(ch["extra-params"], dict) else None
    h = hash_name or sel or "sha384"
    rd = hashlib.new(h, canonical({"additional-evidence": "", "nonce": ch["nonce"], "tee-pubkey": jwk})).digest()
    req = {"runtime-data": {"nonce": ch["nonce"], "tee-pubkey": jwk},
           "tee-evidence": {"primary_evidence": json.dumps(evidence(rd)), "additional_evidence": ""}}
    if init_data is not None:
        req["init-data"] = {"format": "toml", "body": init_data}
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

# tdx evidence through Trustee's TDX rules (tests/kbs/trustee_tdx.py; the
# rules themselves: test-trustee-tdx.sh). Trustee's tdx_quote_4.dat with
# RTMR 0..3 = the OVMF log's replay, REPORT_DATA = this session's report
# data and MRCONFIGID = an Init-Data digest written in (no DCAP check here).
DATA = TOP + "/tests/data/"
Q4, CCEL = open(DATA + "tdx_quote_4.dat", "rb").read(), open(DATA + "CCEL_data_ovmf", "rb").read()
sys.path.insert(0, TOP + "/tests/kbs")
import trustee_tdx  # noqa: E402
RT = [trustee_tdx.replay(trustee_tdx.parse_ccel(CCEL), i) for i in (1, 2, 3, 4)]
DOC = 'version = "0.1.0"\nalgorithm = "sha384"\n[data]\n"aa.toml" = ""\n'
def tdx(mrconfigid=bytes(48), log=CCEL, rtmrs=RT):
    def make(rd):
        q = bytearray(Q4)
        for i, r in enumerate(rtmrs):
            q[48 + 328 + 48 * i:48 + 376 + 48 * i] = r
        q[48 + 184:48 + 232] = mrconfigid
        q[48 + 520:48 + 584] = rd.ljust(64, b"\0")
        return {"quote": base64.b64encode(bytes(q)).decode(), "cc_eventlog": base64.b64encode(log).decode()}
    return make
k = Kbs()
_, _, s2, b2 = handshake(k, P256, tee="tdx", evidence=tdx())
ok(s2 == 200 and "token" in b2, "tdx: a quote bound to the report data, its log replaying to RTMR 0..3: a token", (s2, b2))
if s2 == 200:
    pay = json.loads(base64.urlsafe_b64decode(b2["token"].split(".")[1] + "=="))
    ann = pay["submods"]["cpu0"]["ear.veraison.annotated-evidence"]
    ok(ann["tee"] == "tdx" and ann["rtmrs"] == [r.hex() for r in RT] and len(ann["uefi_event_logs"]) == 20,
       "tdx: the token lists the RTMRs and the log's 20 records", ann.get("rtmrs"))
else:
    ok(False, "tdx: the token lists the RTMRs and the log's 20 records", "no token")
_, _, s2, b2 = handshake(k, P256, tee="tdx", evidence=tdx(), hash_name="sha512")
ok(s2 == 401 and b2 == ATTEST_BODY, "tdx: REPORT_DATA of another hash: 401 with Trustee's body", (s2, b2))
flip = [bytearray(r) for r in RT]; flip[1][0] ^= 1
_, _, s2, b2 = handshake(k, P256, tee="tdx", evidence=tdx(rtmrs=[bytes(r) for r in flip]))
ok(s2 == 401 and b2 == ATTEST_BODY, "tdx: RTMR 1 one bit off the log's replay: 401", (s2, b2))
d = hashlib.sha384(DOC.encode()).digest()
_, _, s2, b2 = handshake(k, P256, tee="tdx", evidence=tdx(mrconfigid=d), init_data=DOC)
ok(s2 == 200, "tdx: init-data sent, MRCONFIGID = its sha384 digest: a token", (s2, b2))
_, _, s2, b2 = handshake(k, P256, tee="tdx", evidence=tdx(), init_data=DOC)
ok(s2 == 401 and b2 == ATTEST_BODY, "tdx: init-data sent, MRCONFIGID zero: 401", (s2, b2))
fake = lambda rd: {"quote": base64.b64encode(b"AAEL-FAKE-TD-QUOTE" + rd.ljust(64, b"\0")).decode(),
                   "cc_eventlog": base64.b64encode(CCEL).decode()}
_, _, s2, b2 = handshake(k, P256, tee="tdx", evidence=fake)
ok(s2 == 401 and b2 == ATTEST_BODY, "tdx: tests/tsm-fake's marker quote (not a TD quote): 401", (s2, b2))
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

# GET /kbs/v0/resource (kbs/src/api_server.rs api(); kbs/src/error.rs for
# the statuses; kbs/src/jwe/mod.rs for the reply). The replies are opened
# here with python3-cryptography, apart from tests/kbs/trustee_jwe.py.
import tempfile  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash  # noqa: E402
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap  # noqa: E402
EP = "https://github.com/confidential-containers/kbs/errors/"
def unb64u(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
def keypair(kind):
    if kind in ("P-256", "P-521"):
        curve, size = (ec.SECP256R1(), 32) if kind == "P-256" else (ec.SECP521R1(), 66)
        key = ec.generate_private_key(curve)
        n = key.public_key().public_numbers()
        return key, {"kty": "EC", "crv": kind, "alg": "ECDH-ES+A256KW",
                     "x": b64u(n.x.to_bytes(size, "big")), "y": b64u(n.y.to_bytes(size, "big"))}
    key = rsa.generate_private_key(65537, 2048)
    return key, {"kty": "RSA", "alg": kind, "n": b64u(key.public_key().public_numbers().n.to_bytes(256, "big")),
                 "e": b64u(b"\1\0\1")}
def open_jwe(key, body):
    """(header, plaintext) of a reply; raises on anything wrong."""
    hdr = json.loads(unb64u(body["protected"]))
    ek = unb64u(body["encrypted_key"])
    if hdr["alg"] == "ECDH-ES+A256KW":
        epk = hdr["epk"]
        curve = ec.SECP256R1() if epk["crv"] == "P-256" else ec.SECP521R1()
        peer = ec.EllipticCurvePublicNumbers(int.from_bytes(unb64u(epk["x"]), "big"),
                                             int.from_bytes(unb64u(epk["y"]), "big"), curve).public_key()
        other = b"\0\0\0\x0eECDH-ES+A256KW" + bytes(8) + b"\0\0\1\0"
        kek = ConcatKDFHash(hashes.SHA256(), 32, other).derive(key.exchange(ec.ECDH(), peer))
        cek = aes_key_unwrap(kek, ek)
    elif hdr["alg"] == "RSA-OAEP-256":
        cek = key.decrypt(ek, padding.OAEP(padding.MGF1(hashes.SHA256()), hashes.SHA256(), None))
    else:
        cek = key.decrypt(ek, padding.PKCS1v15())
    ct = unb64u(body["ciphertext"]) + unb64u(body["tag"])
    return hdr, AESGCM(cek).decrypt(unb64u(body["iv"]), ct, body["protected"].encode())
def get(kbs, path, jar=None, bearer=None):
    op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar or http.cookiejar.CookieJar()))
    r = urllib.request.Request("http://127.0.0.1:%d%s" % (kbs.port, path),
                               headers={"Authorization": "Bearer " + bearer} if bearer else {})
    try:
        x = op.open(r, timeout=10)
        return x.status, x.headers.get("Content-Type"), json.load(x)
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), json.load(e)
def session(kbs, kind="P-256"):
    """(private key, cookie jar, token) of an attested sample session."""
    key, jwk = keypair(kind)
    jar = http.cookiejar.CookieJar()
    _, _, s2, b2 = handshake(kbs, jwk, jar=jar)
    assert s2 == 200, (s2, b2)
    return key, jar, b2["token"]
def err(variant, detail):
    return {"type": EP + variant, "detail": detail}
RES = tempfile.mkdtemp()
os.makedirs(RES + "/default/key")
SECRET = b"resource bytes\0\xff\n"
open(RES + "/default/key/1", "wb").write(SECRET)
URL = "/kbs/v0/resource/default/key/1"

k = Kbs("--resources", RES, "--resource-policy", "allow_all")
for kind in ("P-256", "P-521", "RSA-OAEP-256", "RSA1_5"):
    key, jar, _ = session(k, kind)
    st, ctype, body = get(k, URL, jar)
    try:
        hdr, plain = open_jwe(key, body)
        good = plain == SECRET and hdr["enc"] == "A256GCM" and \
            hdr["alg"] == ("ECDH-ES+A256KW" if kind.startswith("P-") else kind) and \
            set(body) == {"protected", "encrypted_key", "iv", "ciphertext", "tag"}
    except Exception as e:
        good, hdr = False, repr(e)
    ok(st == 200 and ctype == "application/json" and good,
       "resource, %s key, session cookie: 200, a JWE that opens to the file's bytes" % kind, (st, body, hdr))
key, jar, token = session(k)
st, _, body = get(k, URL, bearer=token)
ok(st == 200 and open_jwe(key, body)[1] == SECRET, "resource with the token as a bearer, no cookie: 200", (st, body))
st, _, body = get(k, URL)
ok((st, body) == (401, err("TokenNotFound", "Attestation Token not found")),
   "resource without cookie or bearer: 401 TokenNotFound", (st, body))
h, p, sig = token.split(".")
forged = h + "." + b64u(unb64u(p).replace(b'"iat"', b'"iaT"')) + "." + sig
for desc, t in (("a forged payload", forged), ("not a JWT", "x"), ("another signature", h + "." + p + "." + b64u(bytes(64)))):
    st, _, body = get(k, URL, bearer=t)
    ok((st, body) == (401, err("TokenVerifierError", "Token Verifier error")),
       "resource with a bearer of %s: 401 TokenVerifierError" % desc, (st, body))
st, _, body = get(k, URL, jar, bearer="x")
ok(st == 200, "resource: the session's token is taken before a bad bearer", (st, body))
for path in ("/kbs/v0/resource/default/key/2", "/kbs/v0/resource/default/key",
             "/kbs/v0/resource/default/key/1/x", "/kbs/v0/resource/default/.key/1"):
    st, _, body = get(k, path, jar)
    ok((st, body) == (401, err("PluginInternalError", "Plugin internal error")),
       "%s (missing, or not repo/type/tag): 401 PluginInternalError, as Trustee" % path, (st, body))
st, _, body = get(k, "/kbs/v0/nope/a/b/c", jar)
ok((st, body) == (404, err("PluginNotFound", "Plugin nope not found")), "an unknown plugin: 404 PluginNotFound", (st, body))
st = k.get("/stats")
ok(st["resources"] == 6, "/stats counts the resources served", st)
k.stop()

k = Kbs("--resources", RES)
_, jar, _ = session(k)
st, _, body = get(k, URL, jar)
ok((st, body) == (401, err("PolicyDeny", "Access denied by policy")),
   "default policy (default.rego): sample evidence refused, 401 PolicyDeny", (st, body))
k.stop()
for policy, want in (("deny_all", 401), ("affirming", 200)):
    k = Kbs("--resources", RES, "--resource-policy", policy)
    _, jar, _ = session(k)
    st, _, body = get(k, URL, jar)
    ok(st == want, "--resource-policy %s: %d" % (policy, want), (st, body))
    k.stop()

k = Kbs("--resources", RES, "--resource-policy", "allow_all", "--ttl", "-61")
key, jar, token = session(k)
st, _, body = get(k, URL, jar)
ok((st, body) == (401, err("TokenVerifierError", "Token Verifier error")),
   "a session whose token expired (beyond jsonwebtoken's 60 s leeway): 401 TokenVerifierError", (st, body))
k.stop()
k = Kbs("--resources", RES, "--resource-policy", "allow_all", "--ttl", "-59")
key, jar, token = session(k)
st, _, body = get(k, URL, jar)
ok(st == 200, "a token expired within the leeway: still 200", (st, body))
k.stop()
k = Kbs("--resources", RES, "--resource-policy", "allow_all", "--session-timeout", "1")
key, jar, token = session(k)
time.sleep(1.5)
st, _, body = get(k, URL, jar)
ok((st, body) == (401, err("TokenNotFound", "Attestation Token not found")),
   "an expired session and no bearer: 401 TokenNotFound", (st, body))
st, _, body = get(k, URL, jar, bearer=token)
ok(st == 200, "an expired session, its token as a bearer: 200", (st, body))
k.stop()
import shutil  # noqa: E402
shutil.rmtree(RES)

finish()
PY
