# SPDX-License-Identifier: GPL-2.0
"""Trustee's resource encryption, rule by rule, in python3-cryptography:
kbs/src/jwe/mod.rs jwe() and the kbs_types Response it returns (trustee
78962cd; kbs_types ProtectedHeader/Response serde). Written apart from
aaeld's jwe.c so that each checks the other.

    jwe(tee_pubkey, payload) -> the reply body Trustee sends (a str)

tee_pubkey is the JWK of the attest request's runtime-data, as Trustee
reads it from the token's claims (kbs/src/token/mod.rs
extract_tee_public_key: TeePubKey, tagged by "kty").
"""
import base64, json, os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.keywrap import aes_key_wrap


class JweError(Exception):
    """jwe() bailed: the KBS answers Error::JweError (kbs/src/api_server.rs)."""


def b64u(b):
    # URL_SAFE_NO_PAD throughout (kbs/src/jwe/mod.rs, kbs_types serialize_base64)
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64u_decode(s, what):
    if not isinstance(s, str) or "=" in s or len(s) % 4 == 1 or not all(
            c.isascii() and (c.isalnum() or c in "-_") for c in s):
        raise JweError("base64 decode %s failed" % what)
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def header_json(alg, epk=None):
    # kbs_types ProtectedHeader: alg, enc, then other_fields flattened (a
    # serde_json Map: keys sorted, as the epk's json! object too), compact
    # serde_json::to_string output.
    h = {"alg": alg, "enc": "A256GCM"}
    if epk is not None:
        h["epk"] = dict(sorted(epk.items()))
    return json.dumps(h, separators=(",", ":"))


def seal(protected_json, cek, payload):
    """A256GCM with a random 12-byte IV; AAD = ProtectedHeader::generate_aad
    = base64url of the header JSON, the very text sent as "protected"."""
    protected = b64u(protected_json.encode())
    iv = os.urandom(12)
    sealed = AESGCM(cek).encrypt(iv, payload, protected.encode())
    return protected, iv, sealed[:-16], sealed[-16:]


def response(protected, encrypted_key, iv, ciphertext, tag):
    # kbs_types Response, serde_json::to_string: fields in declaration order;
    # aad is None and skipped (skip_serializing_if = "Option::is_none").
    return json.dumps({"protected": protected, "encrypted_key": b64u(encrypted_key),
                       "iv": b64u(iv), "ciphertext": b64u(ciphertext), "tag": b64u(tag)},
                      separators=(",", ":"))


def concat_kdf(z):
    # kbs/src/jwe/mod.rs concat_kdf(ECDH_ES_A256KW, 32, z): SHA-256, OtherInfo =
    # len(alg) || alg || 0u32 || 0u32 || 256u32 (big-endian)
    alg = b"ECDH-ES+A256KW"
    other = len(alg).to_bytes(4, "big") + alg + bytes(8) + (256).to_bytes(4, "big")
    return ConcatKDFHash(hashes.SHA256(), 32, other).derive(z)


def ecdh_es_a256kw(curve, size, crv, x, y, payload):
    # ecdh_es_a256kw_p256 / _p521: coordinates exactly 32 / 66 bytes, a point
    # on the curve, else an error
    x, y = b64u_decode(x, "x"), b64u_decode(y, "y")
    if len(x) != size or len(y) != size:
        raise JweError("invalid bytes length of coordinates")
    try:
        peer = ec.EllipticCurvePublicKey.from_encoded_point(curve, b"\x04" + x + y)
    except ValueError:
        raise JweError("invalid TEE public key")
    cek = os.urandom(32)
    eph = ec.generate_private_key(curve)
    kek = concat_kdf(eph.exchange(ec.ECDH(), peer))
    encrypted_key = aes_key_wrap(kek, cek)
    nums = eph.public_key().public_numbers()
    epk = {"crv": crv, "kty": "EC", "x": b64u(nums.x.to_bytes(size, "big")),
           "y": b64u(nums.y.to_bytes(size, "big"))}
    protected, iv, ct, tag = seal(header_json("ECDH-ES+A256KW", epk), cek, payload)
    return response(protected, encrypted_key, iv, ct, tag)


def rsa_encrypt(alg, n, e, payload):
    # rsa_oaep256 (Oaep::new::<Sha256>: MGF1 with SHA-256, no label) and the
    # deprecated rsa_1v15; RsaPublicKey::new(n, e) must accept the key
    n = int.from_bytes(b64u_decode(n, "k_mod"), "big")
    e = int.from_bytes(b64u_decode(e, "k_exp"), "big")
    try:
        key = rsa.RSAPublicNumbers(e, n).public_key()
    except ValueError:
        raise JweError("Building RSA key from modulus and exponent failed")
    cek = os.urandom(32)
    protected, iv, ct, tag = seal(header_json(alg), cek, payload)
    if alg == "RSA-OAEP-256":
        pad = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    else:
        pad = padding.PKCS1v15()
    return response(protected, key.encrypt(cek, pad), iv, ct, tag)


def jwe(jwk, payload):
    """kbs/src/jwe/mod.rs jwe(): the algorithm is the key's, as its JWK says."""
    if not isinstance(jwk, dict):
        raise JweError("tee-pubkey is not a TeePubKey")
    if jwk.get("kty") == "RSA":
        if jwk.get("alg") not in ("RSA1_5", "RSA-OAEP-256"):
            raise JweError("algorithm %s is not supported" % jwk.get("alg"))
        return rsa_encrypt(jwk["alg"], jwk.get("n"), jwk.get("e"), payload)
    if jwk.get("kty") == "EC":
        crv, alg = jwk.get("crv"), jwk.get("alg")
        if (crv, alg) == ("P-256", "ECDH-ES+A256KW"):
            return ecdh_es_a256kw(ec.SECP256R1(), 32, crv, jwk.get("x"), jwk.get("y"), payload)
        if (crv, alg) == ("P-521", "ECDH-ES+A256KW"):
            return ecdh_es_a256kw(ec.SECP521R1(), 66, crv, jwk.get("x"), jwk.get("y"), payload)
        raise JweError("curve %s and algorithm %s is not supported" % (crv, alg))
    # TeePubKey::AKP needs Trustee's pqc-experimental feature
    raise JweError("kty %s is not supported" % jwk.get("kty"))
