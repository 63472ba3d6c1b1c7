# SPDX-License-Identifier: GPL-2.0
"""Trustee's TPM verifier, rule by rule, for the test KBS (pure functions).

Each check names the source it mirrors (confidential-containers/trustee at
78962cd, kinvolk/azure-cvm-tooling at e4e4407); the checks run in the order
Trustee's TpmVerifier::evaluate runs them (deps/verifier/src/tpm/mod.rs).
Read from those sources, written here independently (Python, cryptography).

    evaluate(evidence, report_data, init_data_digest) -> claims, or Refused
"""
import base64, hashlib, struct, tomllib

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

# deps/verifier/src/tpm/mod.rs: INITDATA_PCR, TPM_REPORT_DATA_SIZE
INITDATA_PCR = 8
TPM_REPORT_DATA_SIZE = 32
TPM_ALG_RSASSA = 0x0014
TPM_GENERATED_VALUE = 0xFF544347
TPM_ST_ATTEST_QUOTE = 0x8018

# kbs/src/error.rs (ERROR_TYPE_PREFIX, ResponseError::error_response: every
# error but a bad path or plugin is 401 with {"type", "detail"}) and
# kbs/src/attestation/error.rs (RcarAttestFailed: the verifier's reason is
# its source, not part of the detail).
STATUS = 401
ERROR_BODY = {
    "type": "https://github.com/confidential-containers/kbs/errors/AttestationError",
    "detail": "Attestation error: RCAR handshake Attest failed",
}


class Refused(Exception):
    """Trustee refuses the evidence; str() is the verifier's reason (its
    anyhow context), which Trustee logs but does not send."""


def _b64(s, what):
    try:
        return base64.b64decode(s, validate=True)
    except (ValueError, TypeError):
        raise Refused("Failed to decode %s from base64" % what)


def raw_signature(sig_b64):
    """deps/verifier/src/tpm/mod.rs Quote::extract_raw_signature_bytes: the
    marshalled TPMT_SIGNATURE must be RSASSA ("Unsupported signature type,
    expected RSA-SSA"); its hash algorithm is not looked at."""
    sig = _b64(sig_b64, "signature")
    if len(sig) < 6:
        raise Refused("Failed to unmarshal TSS signature")
    alg, _halg, size = struct.unpack(">HHH", sig[:6])
    if alg != TPM_ALG_RSASSA:
        raise Refused("Unsupported signature type, expected RSA-SSA")
    # Stricter than Trustee where the bytes run on past the signature:
    # tss-esapi's unmarshalling may ignore trailing bytes (not checked
    # against its source); aaeld never sends any.
    if len(sig) != 6 + size:
        raise Refused("Failed to unmarshal TSS signature")
    return sig[6:]


def parse_pcrs(pcrs):
    """deps/verifier/src/tpm/mod.rs Quote::parse_pcr_values: each value 64
    hex characters; the list's length is not checked."""
    out = []
    for p in pcrs:
        if not isinstance(p, str) or len(p) != 64:
            raise Refused("PCR should be 64 hex characters (32 bytes)")
        try:
            out.append(bytes.fromhex(p))
        except ValueError:
            raise Refused("Failed to decode PCR from hex: %s" % p)
    return out


def parse_attest(msg):
    """TPMS_ATTEST as tss-esapi's Attest::unmarshall reads it (azure-cvm-tooling
    az-cvm-vtpm/src/vtpm/mod.rs Quote::nonce, verify.rs Quote::verify_pcrs):
    extraData, and for a quote (anything else: NotAQuote) its pcrDigest."""
    try:
        magic, atype = struct.unpack_from(">IH", msg, 0)
        pos = 6
        n = struct.unpack_from(">H", msg, pos)[0]; pos += 2 + n   # qualifiedSigner
        n = struct.unpack_from(">H", msg, pos)[0]
        extra = msg[pos + 2:pos + 2 + n]; pos += 2 + n
        pos += 17 + 8                                          # clockInfo, firmwareVersion
        if magic != TPM_GENERATED_VALUE:
            raise Refused("Failed to unmarshal TPMS_ATTEST (magic)")
        if atype != TPM_ST_ATTEST_QUOTE:
            raise Refused("quote error: NotAQuote")
        count = struct.unpack_from(">I", msg, pos)[0]; pos += 4
        selection = []
        for _ in range(count):
            halg, ssize = struct.unpack_from(">HB", msg, pos)
            bits = msg[pos + 3:pos + 3 + ssize]; pos += 3 + ssize
            selection.append((halg, [i for i in range(8 * ssize) if bits[i // 8] >> (i % 8) & 1]))
        n = struct.unpack_from(">H", msg, pos)[0]
        digest = msg[pos + 2:pos + 2 + n]
        if len(digest) != n or len(extra) > 64:
            raise struct.error("short")
    except struct.error:
        raise Refused("Failed to unmarshal TPMS_ATTEST")
    return {"extra_data": extra, "pcr_digest": digest, "selection": selection}


def verify_signature(message, signature, ak_public_b64):
    """mod.rs verify_signature -> verify.rs Quote::verify_signature: the AK
    (DER SubjectPublicKeyInfo) verifies the message with SHA-256 (PKCS#1 v1.5
    for an RSA key)."""
    try:
        ak = serialization.load_der_public_key(_b64(ak_public_b64, "AK public"))
    except ValueError:
        raise Refused("Failed to parse AK public key")
    try:
        ak.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except Exception:
        raise Refused("TPM quote signature verification failed: SignatureMismatch")


def verify_pcrs(attest, pcrs):
    """mod.rs verify_pcrs -> verify.rs Quote::verify_pcrs: SHA-256 over every
    listed PCR value, in list order, equals the quote's pcrDigest. The
    quote's own PCR selection is never consulted, so a quote of fewer PCRs
    than are listed fails."""
    if hashlib.sha256(b"".join(pcrs)).digest() != attest["pcr_digest"]:
        raise Refused("Digest of PCRs does not match digest in Quote: PcrMismatch")


def expected_nonce(report_data):
    """mod.rs verify_nonce: the expected report data resized to 32 bytes
    (Vec::resize: zero-padded when shorter, cut when longer)."""
    return bytes(report_data[:TPM_REPORT_DATA_SIZE]).ljust(TPM_REPORT_DATA_SIZE, b"\0")


def verify_nonce(attest, report_data):
    """mod.rs verify_nonce: the quote's extraData equals the resized
    expected report data."""
    if attest["extra_data"] != expected_nonce(report_data):
        raise Refused("TPM quote nonce doesn't match expected report_data")


def init_data_pcr(digest):
    """mod.rs verify_init_data: sha256(0x00 * 32 || init data digest) -- PCR 8
    extended once, from zero, with the digest."""
    return hashlib.sha256(bytes(32) + digest).digest()


def verify_init_data(pcrs, digest):
    """mod.rs verify_init_data: PCR 8 of the listed values (pcrs_sha256()[8];
    Trustee indexes the list, which panics when it is shorter: refused
    here) equals init_data_pcr(digest); the 32-byte input buffer takes
    only a 32-byte (sha256) digest. Another length makes Trustee's
    copy_from_slice panic (most likely a 500, not a 401): refused here as a
    401, the one deviation in this rule."""
    if len(digest) != 32:
        raise Refused("initdata digest is %d bytes: a TPM binds sha256 only" % len(digest))
    if len(pcrs) <= INITDATA_PCR or pcrs[INITDATA_PCR] != init_data_pcr(digest):
        raise Refused("TPM PCR[8] doesn't match expected initdata hash")


def init_data_digest(init_data):
    """The attest request's init-data: kbs/src/attestation/coco/builtin.rs
    (format must be "toml", the body passed on as is) and
    attestation-service/src/lib.rs parse_init_data (the body parsed as
    Initdata {version, algorithm, data}; digest = algorithm over the body's
    bytes, the TOML text exactly as sent)."""
    if not isinstance(init_data, dict) or init_data.get("format") != "toml":
        raise Refused("Unsupported initdata format: %s" %
                      (init_data.get("format") if isinstance(init_data, dict) else init_data))
    body = init_data.get("body")
    if not isinstance(body, str):
        raise Refused("parse TOML structured data")
    try:
        doc = tomllib.loads(body)
    except tomllib.TOMLDecodeError as e:
        raise Refused("parse TOML structured data: %s" % e)
    alg = doc.get("algorithm")
    if not isinstance(doc.get("version"), str) or alg not in ("sha256", "sha384", "sha512") \
            or not isinstance(doc.get("data"), dict) \
            or not all(isinstance(v, str) for v in doc["data"].values()):
        raise Refused("parse TOML structured data: version, algorithm, data")
    return hashlib.new(alg, body.encode()).digest()


def evaluate(evidence, report_data=None, init_digest=None):
    """mod.rs TpmVerifier::evaluate: signature, PCRs, nonce (when report
    data is expected), init data (when a digest is expected), then the
    claims of parse_tee_evidence and extend_claim."""
    try:
        ak_public = evidence["ak_public"]
        q = evidence["tpm_quote"]
        sig_b64, msg_b64, listed = q["signature"], q["message"], q["pcrs"]
    except (KeyError, TypeError):
        raise Refused("Failed to deserialize TPM Evidence")
    if not isinstance(ak_public, str) or not isinstance(listed, list):
        raise Refused("Failed to deserialize TPM Evidence")
    signature = raw_signature(sig_b64)
    message = _b64(msg_b64, "message")
    pcrs = parse_pcrs(listed)
    verify_signature(message, signature, ak_public)
    attest = parse_attest(message)
    verify_pcrs(attest, pcrs)
    if report_data is not None:
        verify_nonce(attest, report_data)
    if init_digest is not None:
        verify_init_data(pcrs, init_digest)
    if len(pcrs) <= INITDATA_PCR:
        raise Refused("fewer than 9 PCRs listed (parse_tee_evidence reads PCR 8)")
    claims = {"init_data": pcrs[INITDATA_PCR].hex(),
              "report_data": attest["extra_data"].hex(),
              "ak_public": ak_public}
    for i, p in enumerate(pcrs):
        claims["pcr%02d" % i] = p.hex()
    return claims
