#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A test KBS: the server side of the KBS attestation protocol 0.4.0
(WIRE-FORMATS section 6) for the sample, tpm and tdx evidence, written
independently of aaeld (Python, cryptography) so that it checks aaeld
rather than agreeing with it.

It checks the report-data binding (the hash Trustee uses -- SHA-384, or the
one selected with --hash -- of the RFC 8785 canonical JSON of
{additional-evidence, nonce, tee-pubkey}) and the tee-pubkey's shape as
Trustee reads it, verifies a TPM quote (AK
signature, extraData, PCR digest) and replays the aael log (cc_eventlog)
against the quoted PCR, or applies Trustee's TDX rules (REPORT_DATA,
MRCONFIGID, the log replayed against RTMR 0..3; no DCAP signature check),
checks every digest against its event, and issues
an ES256 JWT whose claims list the records as Trustee does (section 4).

    test-kbs.py --port 8080 --key-out kbs-public.pem
    test-kbs.py --hash sha512        select a runtime-data hash
    test-kbs.py --fail-auth | --fail-attest   refuse at /auth or /attest
    test-kbs.py --resources DIR [--resource-policy allow_all]
                                     serve DIR/<repo>/<type>/<tag> at
                                     GET /kbs/v0/resource/<repo>/<type>/<tag>

GET /stats counts the requests (auth, attest), tokens, resources served and
refusals.
"""
import argparse, base64, hashlib, http.server, json, os, re, struct, sys, time
from http.cookies import SimpleCookie

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import trustee_tpm  # noqa: E402  Trustee's TPM verifier, rule by rule
import trustee_tdx  # noqa: E402  Trustee's TDX verifier, rule by rule
import trustee_jwe  # noqa: E402  Trustee's resource JWE, rule by rule

ALGS = {0x04: ("SHA-1", hashlib.sha1), 0x0B: ("SHA-256", hashlib.sha256),
        0x0C: ("SHA-384", hashlib.sha384), 0x0D: ("SHA-512", hashlib.sha512)}
TYPES = {3: "EV_NO_ACTION", 4: "EV_SEPARATOR", 6: "EV_EVENT_TAG",
         0x80000007: "EV_EFI_ACTION"}
SESSIONS = {}


class KbsError(Exception):
    def __init__(self, variant, detail, why=None):
        super().__init__(detail)
        self.variant, self.detail = variant, detail
        self.why = why or detail   # what Trustee logs; the body has detail


# kbs/src/error.rs: every error but a bad path or plugin is 401 with
# ErrorInformation {"type": ERROR_TYPE_PREFIX/<variant>, "detail": Display}.
# Both handshake steps fail as Error::AttestationError (kbs/src/api_server.rs ->
# kbs/src/attestation/backend.rs auth()/attest()), whose Display is
# "Attestation error: " + kbs/src/attestation/error.rs's: RcarAuthFailed
# "RCAR handshake Auth failed: {source}" (the source's outermost context),
# RcarAttestFailed "RCAR handshake Attest failed" (no source).
ERROR_TYPE = "https://github.com/confidential-containers/kbs/errors/AttestationError"


def auth_refusal(source):
    return {"type": ERROR_TYPE, "detail": "Attestation error: RCAR handshake Auth failed: " + source}


ATTEST_REFUSAL = {"type": ERROR_TYPE, "detail": "Attestation error: RCAR handshake Attest failed"}
assert ATTEST_REFUSAL == trustee_tpm.ERROR_BODY

# kbs_types HashAlgorithm (serialised lowercase; parsed case-insensitively)
HASHES = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


def b64u_decode(s, what):
    # base64 URL_SAFE_NO_PAD as Trustee decodes the key (kbs/src/jwe/mod.rs):
    # no padding, URL alphabet only.
    if not isinstance(s, str) or "=" in s or not all(
            c.isascii() and (c.isalnum() or c in "-_") for c in s) or len(s) % 4 == 1:
        raise KbsError("InvalidTeePubkey", "base64 decode %s failed" % what)
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def check_tee_pubkey(jwk):
    """The tee-pubkey Trustee accepts.

    At /attest: the Attestation's runtime-data is deserialised into kbs_types'
    TeePubKey, tagged by "kty" (kbs_types src/lib.rs: RSA {alg, n, e}, EC
    {crv, alg, x, y}, all strings; anything else fails "deserialize
    Attestation" in kbs/src/attestation/backend.rs __attest). Trustee reads
    the key again only when it encrypts a resource to it (kbs/src/jwe/mod.rs
    jwe()): RSA with RSA1_5 or RSA-OAEP-256, EC P-256 or P-521 with
    ECDH-ES+A256KW, coordinates of exactly 32 or 66 bytes forming a point on
    the curve, n and e base64url. This KBS applies those rules at /attest
    too, so that a token for a key Trustee could never encrypt to is refused
    where the test sees it.
    """
    if not isinstance(jwk, dict) or jwk.get("kty") not in ("RSA", "EC"):
        raise KbsError("InvalidTeePubkey", "tee-pubkey is not a TeePubKey (kty RSA or EC)")
    fields = ("alg", "n", "e") if jwk["kty"] == "RSA" else ("crv", "alg", "x", "y")
    if not all(isinstance(jwk.get(f), str) for f in fields):
        raise KbsError("InvalidTeePubkey", "tee-pubkey %s needs string %s" % (jwk["kty"], fields))
    if jwk["kty"] == "RSA":
        if jwk["alg"] not in ("RSA1_5", "RSA-OAEP-256"):
            raise KbsError("InvalidTeePubkey", "algorithm %s is not supported" % jwk["alg"])
        n = int.from_bytes(b64u_decode(jwk["n"], "k_mod"), "big")
        e = int.from_bytes(b64u_decode(jwk["e"], "k_exp"), "big")
        try:   # rsa::RsaPublicKey::new(n, e)
            rsa.RSAPublicNumbers(e, n).public_key()
        except ValueError:
            raise KbsError("InvalidTeePubkey", "Building RSA key from modulus and exponent failed")
        return
    curves = {"P-256": (ec.SECP256R1(), 32), "P-521": (ec.SECP521R1(), 66)}
    if jwk["crv"] not in curves or jwk["alg"] != "ECDH-ES+A256KW":
        raise KbsError("InvalidTeePubkey", "curve %s and algorithm %s is not supported"
                       % (jwk["crv"], jwk["alg"]))
    curve, size = curves[jwk["crv"]]
    x, y = b64u_decode(jwk["x"], "x"), b64u_decode(jwk["y"], "y")
    if len(x) != size or len(y) != size:
        raise KbsError("InvalidTeePubkey", "invalid bytes length of coordinates")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(curve, b"\x04" + x + y)
    except ValueError:
        raise KbsError("InvalidTeePubkey", "invalid TEE public key")


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def jq_safe_json(obj):
    """Compact ASCII JSON whose base64url has no '-' or '_'.

    In base64 of ASCII, only a third byte of '>', '?', '~' or DEL yields
    sextet 62 or 63; escaped as \\u00XX they cannot occur. The token then
    decodes with jq 1.6's @base64d (standard alphabet only), as the
    documented `jq -r '.token|split(".")|.[1]|@base64d|fromjson'` needs.
    """
    s = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    for ch in ">?~\x7f":
        s = s.replace(ch, "\\u%04x" % ord(ch))
    return s.encode()


def canonical(obj):
    # RFC 8785 for what the protocol sends: string keys sorted by code
    # point, no whitespace, strings as JSON escapes them.
    return json.dumps(obj, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode()


def parse_log(blob):
    """TCG2 log: Spec ID header, TCG_PCR_EVENT2 records, 8-byte end marker."""
    pos, sizes = 0, {}
    pcr, etype = struct.unpack_from("<II", blob, 0)
    size = struct.unpack_from("<I", blob, 28)[0]
    spec = blob[32:32 + size]
    if etype != 3 or not spec.startswith(b"Spec ID Event03\0"):
        raise KbsError("InvalidEvidence", "cc_eventlog has no Spec ID header")
    n = struct.unpack_from("<I", spec, 24)[0]
    for i in range(n):
        alg, dsize = struct.unpack_from("<HH", spec, 28 + 4 * i)
        sizes[alg] = dsize
    pos = 32 + size
    events = []
    while pos + 8 <= len(blob) and blob[pos:pos + 8] not in (b"\xff" * 8, b"\0" * 8):
        pcr, etype, count = struct.unpack_from("<III", blob, pos)
        pos += 12
        digests = []
        for _ in range(count):
            alg = struct.unpack_from("<H", blob, pos)[0]
            if alg not in sizes:
                raise KbsError("InvalidEvidence", "unknown digest algorithm")
            digests.append((alg, blob[pos + 2:pos + 2 + sizes[alg]]))
            pos += 2 + sizes[alg]
        esize = struct.unpack_from("<I", blob, pos)[0]
        data = blob[pos + 4:pos + 4 + esize]
        if len(data) != esize:
            raise KbsError("InvalidEvidence", "cc_eventlog is truncated")
        pos += 4 + esize
        events.append((pcr, etype, digests, data))
    return events


def claim(pcr, etype, digests, data):
    match = all(ALGS[a][1](data).digest() == d for a, d in digests if a in ALGS)
    c = {"index": pcr, "type_name": TYPES.get(etype, "EV_UNKNOWN"),
         "digest_matches_event": match,
         "digests": [{"alg": ALGS[a][0], "digest": d.hex()} for a, d in digests],
         "event": base64.b64encode(data).decode()}
    if etype == 6 and data[:4] == b"LEAA":
        text = data[8:8 + struct.unpack_from("<I", data, 4)[0]].decode()
        domain, operation, content = text.split(" ", 2)
        try:
            content = json.loads(content)
        except ValueError:
            pass
        c["details"] = {"string": text, "unicode_name": "AAEL",
                        "data": {"domain": domain, "operation": operation,
                                 "content": content}}
    return c


def replay(events, pcr, alg):
    value = bytes(ALGS[alg][1]().digest_size)
    for p, etype, digests, _ in events:
        if p == pcr and etype != 3:
            d = dict(digests).get(alg)
            if d is None:
                raise KbsError("InvalidEvidence", "record without a %s digest" % ALGS[alg][0])
            value = ALGS[alg][1](value + d).digest()
    return value


def attest(session, body):
    # What came, for the tests (GET /attests): they compare the token's
    # claims and the init-data with what they gave aaeld.
    record = {"nonce": session["nonce"], "tee": session["tee"]}
    if "init-data" in body:
        record["init-data"] = body["init-data"]
    SERVER.attests.append(record)
    rt = body.get("runtime-data", {})
    if rt.get("nonce") != session["nonce"]:
        raise KbsError("InvalidNonce", "runtime-data nonce is not this session's")
    jwk = rt.get("tee-pubkey")
    check_tee_pubkey(jwk)
    # kbs/src/attestation/backend.rs __attest: the runtime data is
    # {tee-pubkey, nonce, additional-evidence}; the attestation service hashes
    # its canonical JSON with the runtime_data_hash_algorithm the KBS passes
    # (kbs/src/attestation/coco/builtin.rs verify: sha384 for a TPM, sha512
    # for se, the TEEs the selection applies to) -- here the algorithm this
    # session's challenge selected.
    expected = HASHES[session["hash"]](canonical({"additional-evidence": "",
                                                  "nonce": session["nonce"],
                                                  "tee-pubkey": jwk})).digest()
    ev = body["tee-evidence"]["primary_evidence"]
    if isinstance(ev, str):
        ev = json.loads(ev)
    # As Trustee (for tpm and tdx; the sample path is left as it was):
    # init-data enforced whenever the request carries it.
    init = None
    if session["tee"] in ("tpm", "tdx") and "init-data" in body:
        init = trustee_tpm.init_data_digest(body["init-data"])
    if session["tee"] == "tdx":
        # Before this KBS reads the log itself: Trustee parses the quote
        # first, so a quote that is not a TD quote (tests/tsm-fake's marker
        # and inblob) is refused as Trustee refuses it, whatever the log.
        tdx = trustee_tdx.evaluate(ev, expected, init)
    # aael's extension; Trustee's TPM verifier reads no log
    events = parse_log(base64.b64decode(ev["cc_eventlog"])) if "cc_eventlog" in ev else []
    if session["tee"] == "sample":
        if base64.b64decode(ev["report_data"])[:len(expected)] != expected:
            raise KbsError("InvalidEvidence", "report_data is not bound to the nonce and key")
        registers = None
    elif session["tee"] == "tpm":
        trustee_tpm.evaluate(ev, expected, init)
        pcrs = [bytes.fromhex(p) for p in ev["tpm_quote"]["pcrs"]]
        registers = {}
        for pcr in sorted({e[0] for e in events}):
            if replay(events, pcr, 0x0B) != pcrs[pcr]:
                raise KbsError("InvalidEvidence",
                               "the aael log does not replay to PCR %d" % pcr)
            registers[pcr] = pcrs[pcr].hex()
    elif session["tee"] == "tdx":
        registers = None
    else:
        raise KbsError("UnsupportedTee", session["tee"])
    claims = [claim(*e) for e in events]
    for c in claims:
        # AAEL tags only ("details"): firmware's own EV_EVENT_TAGs (OVMF's
        # in a TD's CCEL) measure something other than their event data.
        if c["type_name"] == "EV_EVENT_TAG" and "details" in c and not c["digest_matches_event"]:
            raise KbsError("InvalidEvidence", "an AAEL record's digest does not match its event")
    now = int(time.time())
    record["iat"] = now
    annotated = {"runtime_data_claims": {"tee-pubkey": jwk, "nonce": session["nonce"]},
                 "uefi_event_logs": claims, "tee": session["tee"]}
    if registers is not None:
        annotated["pcrs"] = registers
    if session["tee"] == "tdx":
        annotated["rtmrs"] = [tdx["quote"]["body"]["rtmr_%d" % i] for i in range(4)]
    if "init-data" in body:
        annotated["init_data"] = hashlib.sha256(body["init-data"]["body"].encode()).hexdigest()
    payload = {"iat": now, "exp": now + SERVER.ttl,
               "submods": {"cpu0": {"ear.status": "affirming",
                                    "ear.veraison.annotated-evidence": annotated}}}
    header = {"alg": "ES256", "typ": "JWT"}
    signing = (b64u(jq_safe_json(header)) + "." + b64u(jq_safe_json(payload))).encode()
    der = SERVER.key.sign(signing, ec.ECDSA(hashes.SHA256()))
    r, s = utils.decode_dss_signature(der)
    return signing.decode() + "." + b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


# --- Resources: kbs/src/api_server.rs api(), the plugin branch, for GET.
ERROR_PREFIX = "https://github.com/confidential-containers/kbs/errors/"
# kbs/src/plugins/implementations/resource/backend.rs ResourceDesc::try_from
RESOURCE_DESC = re.compile(r"^[a-zA-Z0-9_\-]+[a-zA-Z0-9_\-\.]*/[a-zA-Z0-9_\-]+[a-zA-Z0-9_\-\.]*"
                           r"/[a-zA-Z0-9_\-]+[a-zA-Z0-9_\-\.]*$")
# kbs/src/token/mod.rs: where extract_tee_public_key looks, in this order
TEE_PUBKEY_PATHS = ("/tdx/attester_runtime_data/tee-pubkey", "/tdx/attester_user_data/tee-pubkey",
                    "/customized_claims/runtime_data/tee-pubkey",
                    "/submods/cpu0/ear.veraison.annotated-evidence/runtime_data_claims/tee-pubkey",
                    "/tee-pubkey")
# jsonwebtoken's Validation::new default leeway (kbs/src/crypto/jwt.rs
# decode_token_claims keeps it), seconds
JWT_LEEWAY = 60


def session_token(headers):
    """kbs/src/attestation/backend.rs get_attest_token_from_session: the
    kbs-session-id cookie's session, unexpired and attested; else None."""
    c = SimpleCookie(headers.get("Cookie", ""))
    sid = c["kbs-session-id"].value if "kbs-session-id" in c else None
    session = SESSIONS.get(sid)
    if session is None or session["timeout"] < time.time() or "token" not in session:
        return None
    return session["token"]


def bearer_token(headers):
    """actix-web-httpauth Authorization<Bearer>::parse: "Bearer <token>"."""
    value = headers.get("Authorization", "")
    if not value.startswith("Bearer ") or not value[7:].strip():
        return None
    return value[7:].strip()


def b64u_json(part):
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def verify_token(token):
    """kbs/src/token/mod.rs TokenVerifier::verify -> kbs/src/crypto/jwt.rs:
    the signature by a trusted key (this KBS's own token key, as a KBS
    trusting its attestation service's signer), exp required and not past
    (with jsonwebtoken's leeway). Any failure: Error::TokenVerifierError."""
    refused = KbsError("TokenVerifierError", "Token Verifier error")
    try:
        head, payload, sig = token.split(".")
        if b64u_json(head).get("alg") != "ES256":
            raise refused
        raw = base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
        if len(raw) != 64:
            raise refused
        der = utils.encode_dss_signature(int.from_bytes(raw[:32], "big"),
                                         int.from_bytes(raw[32:], "big"))
        SERVER.key.public_key().verify(der, (head + "." + payload).encode(),
                                       ec.ECDSA(hashes.SHA256()))
        claims = b64u_json(payload)
    except KbsError:
        raise
    except Exception as e:
        refused.why = "token does not verify: %r" % e
        raise refused
    exp = claims.get("exp") if isinstance(claims, dict) else None
    if not isinstance(exp, int) or exp + JWT_LEEWAY < time.time():
        refused.why = "token expired or without exp"
        raise refused
    return claims


def policy_allows(plugin, claims):
    """The resource policy (kbs/sample_policies/*.rego), by --resource-policy;
    Trustee loads default.rego unless one is set (kbs/src/api_server.rs)."""
    policy = SERVER.resource_policy
    if policy == "deny_all":
        return False
    if policy == "allow_all":
        return plugin == "resource"
    if policy == "affirming":
        subs = claims.get("submods", {})
        return len(subs) > 0 and all(m.get("ear.status") == "affirming" for m in subs.values())
    # default.rego: the resource plugin, and not sample evidence, whose
    # claims Trustee's EAR keeps under "sample" (attestation-service
    # ear_token/broker.rs transform_claims); this KBS's token names the TEE
    # in "tee" instead, so that is read too
    annotated = claims.get("submods", {}).get("cpu0", {}).get("ear.veraison.annotated-evidence", {})
    return plugin == "resource" and "sample" not in annotated and annotated.get("tee") != "sample"


def tee_pubkey(claims):
    # kbs/src/token/mod.rs extract_tee_public_key: the first path present,
    # deserialised as TeePubKey; Error::TokenVerifierError otherwise
    for path in TEE_PUBKEY_PATHS:
        v = claims
        for key in path.strip("/").split("/"):
            v = v.get(key) if isinstance(v, dict) else None
        if v is not None:
            if not isinstance(v, dict) or v.get("kty") not in ("RSA", "EC", "AKP"):
                raise KbsError("TokenVerifierError", "Token Verifier error",
                               "Failed to parse Tee public key")
            return v
    raise KbsError("TokenVerifierError", "Token Verifier error",
                   "Tee public key not found in Attestation Token")


def resource_get(path, headers):
    """GET /kbs/v0/<path>: the JWE body, or KbsError."""
    path = path.split("?", 1)[0]
    parts = path.split("/")
    plugin, rest = parts[0], parts[1:]
    # plugin_manager.get(): only the resource plugin is configured here
    # (auth and attest are POST only; the admin endpoints are not served)
    if plugin != "resource":
        raise KbsError("PluginNotFound", "Plugin %s not found" % plugin)
    # ResourceStorage::validate_auth: GET is not an admin call; the token:
    # the session's first, else the bearer (ApiServer::get_attestation_token)
    token = session_token(headers) or bearer_token(headers)
    if token is None:
        raise KbsError("TokenNotFound", "Attestation Token not found")
    claims = verify_token(token)
    if not policy_allows(plugin, claims):
        raise KbsError("PolicyDeny", "Access denied by policy")
    # ResourceStorage::handle GET: ResourceDesc, then the storage; both
    # bail, and api() maps that to Error::PluginInternalError -- a missing
    # resource is a 401, not a 404
    desc = "/".join(rest)
    if not RESOURCE_DESC.match(desc):
        raise KbsError("PluginInternalError", "Plugin internal error", "illegal ResourceDesc format.")
    data = None
    if SERVER.resources_dir:
        try:
            with open(os.path.join(SERVER.resources_dir, *rest), "rb") as f:
                data = f.read()
        except OSError:
            pass
    if data is None:
        raise KbsError("PluginInternalError", "Plugin internal error", "resource not found: " + desc)
    # encrypted(): GET is; the key from the token's claims
    jwk = tee_pubkey(claims)
    try:
        return trustee_jwe.jwe(jwk, data)
    except (trustee_jwe.JweError, KeyError, TypeError, ValueError) as e:
        raise KbsError("JweError", "JWE failed", repr(e))
# --- end of resources


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        if SERVER.verbose:
            sys.stderr.write("test-kbs: " + fmt % args + "\n")

    def reply(self, status, obj, cookie=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if cookie:
            self.send_header("Set-Cookie", "kbs-session-id=%s; Path=/kbs" % cookie)
        self.end_headers()
        self.wfile.write(data)

    def refuse(self, body, why):
        # Trustee logs its reason and sends only the body.
        SERVER.refusals += 1
        sys.stderr.write("test-kbs: %s refused: %s\n" % (self.path, why))
        self.reply(401, body)

    def challenge(self, body):
        if body.get("version") != "0.4.0":
            # backend.rs __auth: VERSION_REQ (the source is the bail! text)
            raise KbsError("ProtocolVersion", "KBS Client Protocol Version Mismatch: expect "
                           "0.4.0 while the request is %s" % body.get("version"))
        if SERVER.fail_auth:
            # a generate_challenge failure, e.g. an attestation service down
            raise KbsError("PolicyDeny", "Attestation Service generate challenge failed")
        extra = ""
        if SERVER.hash:
            # kbs/src/attestation/mod.rs generate_extra_params (the se path;
            # the ITA backend alike): the client's extra-params must list
            # supported-hash-algorithms, an array, holding the algorithm
            # the KBS needs, compared lowercased; the challenge names it.
            params = body.get("extra-params")
            algs = params.get("supported-hash-algorithms") if isinstance(params, dict) else None
            # (--ignore-supported: a KBS that is not Trustee, for the
            # client's refusal of a selection it never offered)
            if not isinstance(algs, list) and not SERVER.ignore_supported:
                raise KbsError("HashAlgorithm", "Attestation Service generate challenge failed")
            if not SERVER.ignore_supported and \
                    SERVER.hash not in [a.lower() for a in algs if isinstance(a, str)]:
                raise KbsError("HashAlgorithm", "Attestation Service generate challenge failed")
            extra = {"selected-hash-algorithm": SERVER.hash}
        sid = b64u(os.urandom(16))
        # kbs/src/attestation/session.rs SessionStatus::auth: the session
        # times out config.timeout after /auth (attestation/config.rs
        # DEFAULT_TIMEOUT: 5 minutes), attested or not
        SESSIONS[sid] = {"nonce": base64.b64encode(os.urandom(32)).decode(),
                         "tee": body.get("tee"), "hash": SERVER.hash or "sha384",
                         "timeout": time.time() + SERVER.session_timeout}
        self.reply(200, {"nonce": SESSIONS[sid]["nonce"], "extra-params": extra}, sid)
        # what the client advertised, for the tests (GET /auths)
        SERVER.auth_requests.append(body)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if self.path == "/kbs/v0/auth":
            SERVER.auths += 1
            try:
                self.challenge(body)
            except KbsError as e:
                self.refuse(auth_refusal(e.detail), e.detail)
            except (AttributeError, KeyError, ValueError, TypeError) as e:
                self.refuse(auth_refusal("deserialize Request"), repr(e))
        elif self.path == "/kbs/v0/attest":
            SERVER.attest_requests += 1
            try:
                c = SimpleCookie(self.headers.get("Cookie", ""))
                sid = c["kbs-session-id"].value if "kbs-session-id" in c else None
                if sid not in SESSIONS:
                    raise KbsError("UnAuthenticatedCookie", "session not found")
                # kbs/src/attestation/backend.rs __attest: an expired session
                # is deleted and refused; an attested one answers its token
                if SESSIONS[sid]["timeout"] < time.time():
                    SESSIONS.pop(sid)
                    raise KbsError("UnAuthenticatedCookie", "session expired.")
                if "token" in SESSIONS[sid]:
                    self.reply(200, {"token": SESSIONS[sid]["token"]}, sid)
                    return
                if SERVER.fail_attest:
                    SESSIONS.pop(sid)
                    raise KbsError("PolicyDeny", "verify TEE evidence failed (--fail-attest)")
                session = SESSIONS.pop(sid)
                token = attest(session, body)
                SERVER.tokens += 1
                # SessionStatus::attest: the session keeps its id and
                # timeout and now holds the token, for the resource requests
                SESSIONS[sid] = {"token": token, "timeout": session["timeout"]}
                self.reply(200, {"token": token}, sid)
            except (KbsError, trustee_tpm.Refused, trustee_tdx.Refused) as e:
                self.refuse(ATTEST_REFUSAL, e)
            except (AttributeError, KeyError, ValueError, TypeError, struct.error) as e:
                self.refuse(ATTEST_REFUSAL, "malformed request: %r" % e)
        else:
            # kbs/src/error.rs: InvalidRequestPath is 404
            self.reply(404, {"type": "https://github.com/confidential-containers/kbs/errors/InvalidRequestPath",
                             "detail": "Request path %s is invalid" % self.path})

    def do_GET(self):
        if self.path.startswith("/kbs/v0/"):
            try:
                body = resource_get(self.path[len("/kbs/v0/"):], self.headers)
                SERVER.resources += 1
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except KbsError as e:
                # kbs/src/error.rs error_response: ErrorInformation, 404 for
                # InvalidRequestPath and PluginNotFound, 401 for the rest
                SERVER.refusals += 1
                sys.stderr.write("test-kbs: %s refused: %s\n" % (self.path, e.why))
                self.reply(404 if e.variant in ("InvalidRequestPath", "PluginNotFound") else 401,
                           {"type": ERROR_PREFIX + e.variant, "detail": e.detail})
        elif self.path == "/stats":   # for the tests
            self.reply(200, {"tokens": SERVER.tokens, "refusals": SERVER.refusals,
                             "auth": SERVER.auths, "attest": SERVER.attest_requests,
                             "resources": SERVER.resources})
        elif self.path == "/auths":   # every accepted auth request
            self.reply(200, SERVER.auth_requests)
        elif self.path == "/attests":   # every attest request: nonce, tee, init-data, iat
            self.reply(200, SERVER.attests)
        else:
            self.reply(404, {"type": "NotFound", "detail": self.path})


# --- Stall mode: a fault for aaeld's starvation test, not Trustee behaviour.
# With --stall-at auth|attest, each request to that endpoint is accepted
# (its headers read) and then held until a test sends
# POST /stall/release or --stall-seconds pass; then it is answered as
# usual, and so is every later one. GET /stall: {"held": requests held now,
# "total": requests ever held, "released": bool}.
import threading  # noqa: E402


class Stall:
    def __init__(self):
        self.at, self.seconds = None, 60
        self.released = threading.Event()
        self.lock = threading.Lock()
        self.held = self.total = 0

    @staticmethod
    def add_args(p):
        p.add_argument("--stall-at", choices=("auth", "attest"),
                       help="hold requests to /kbs/v0/<this> (see Stall)")
        p.add_argument("--stall-seconds", type=float, default=60,
                       help="release held requests after this long at most")

    def configure(self, a):
        self.at, self.seconds = a.stall_at, a.stall_seconds

    def hold(self, path):
        if self.at is None or path != "/kbs/v0/" + self.at or self.released.is_set():
            return
        with self.lock:
            self.held += 1
            self.total += 1
        self.released.wait(self.seconds)
        with self.lock:
            self.held -= 1

    def control(self, handler, method):
        """Answers /stall requests; False for any other path."""
        if handler.path == "/stall" and method == "GET":
            with self.lock:
                handler.reply(200, {"held": self.held, "total": self.total,
                                    "released": self.released.is_set()})
        elif handler.path == "/stall/release" and method == "POST":
            self.released.set()
            handler.reply(200, {"released": True})
        else:
            return False
        return True


STALL = Stall()
_post, _get = Handler.do_POST, Handler.do_GET


def _stalling_post(self):
    if not STALL.control(self, "POST"):
        STALL.hold(self.path)
        _post(self)


def _stalling_get(self):
    if not STALL.control(self, "GET"):
        _get(self)


Handler.do_POST, Handler.do_GET = _stalling_post, _stalling_get
# --- end of stall mode


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--key-out", help="write the token-signing public key (PEM) here")
    p.add_argument("--ttl", type=int, default=300, help="token lifetime, seconds")
    p.add_argument("--fail-auth", action="store_true", help="refuse every /auth (401)")
    p.add_argument("--fail-attest", action="store_true",
                   help="accept /auth, refuse every /attest (401)")
    p.add_argument("--hash", help="select this runtime-data hash in the challenge (any name: "
                   "the tests also select one aaeld does not know); default: Trustee's "
                   "extra-params \"\" and sha384")
    p.add_argument("--ignore-supported", action="store_true",
                   help="select --hash even if the client did not list it (not Trustee)")
    p.add_argument("--tls-cert", help="serve HTTPS with this certificate chain (PEM)")
    p.add_argument("--tls-key", help="... and this private key (PEM)")
    p.add_argument("--resources", metavar="DIR",
                   help="serve DIR/<repo>/<type>/<tag> at GET /kbs/v0/resource/<repo>/<type>/<tag>")
    p.add_argument("--resource-policy", default="default",
                   choices=("default", "allow_all", "deny_all", "affirming"),
                   help="the resource policy, as Trustee's kbs/sample_policies/<this>.rego "
                   "(default: default.rego, which refuses sample evidence)")
    p.add_argument("--session-timeout", type=float, default=300,
                   help="seconds a session lives after /auth (Trustee's default: 5 minutes)")
    p.add_argument("-v", "--verbose", action="store_true")
    STALL.add_args(p)
    a = p.parse_args()
    STALL.configure(a)
    global SERVER
    SERVER = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    if a.tls_cert:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        SERVER.socket = ctx.wrap_socket(SERVER.socket, server_side=True)
    SERVER.key = ec.generate_private_key(ec.SECP256R1())
    SERVER.ttl, SERVER.fail_auth, SERVER.verbose = a.ttl, a.fail_auth, a.verbose
    SERVER.fail_attest, SERVER.hash = a.fail_attest, a.hash and a.hash.lower()
    SERVER.ignore_supported = a.ignore_supported
    SERVER.resources_dir, SERVER.resource_policy = a.resources, a.resource_policy
    SERVER.session_timeout = a.session_timeout
    SERVER.tokens = SERVER.refusals = SERVER.auths = SERVER.attest_requests = 0
    SERVER.resources = 0
    SERVER.attests = []
    SERVER.auth_requests = []
    if a.key_out:
        with open(a.key_out, "wb") as f:
            f.write(SERVER.key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    print("test-kbs: listening on %s://127.0.0.1:%d" % ("https" if a.tls_cert else "http", a.port),
          flush=True)
    SERVER.serve_forever()


if __name__ == "__main__":
    main()
