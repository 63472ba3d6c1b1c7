# SPDX-License-Identifier: GPL-2.0
"""Trustee's TDX verifier, rule by rule, for the test KBS (pure functions).

Each check names the source it mirrors (confidential-containers/trustee at
78962cd); the checks run in the order deps/verifier/src/tdx/mod.rs
verify_evidence runs them. Read from those sources, written here
independently (Python, cryptography).

Not checked here, and nothing is refused or accepted on its account: the
quote's ECDSA signature, the QE report and the PCK chain up to Intel's root,
and the TCB status (deps/verifier/src/intel_dcap/collateral.rs
build_quote_collateral fetches Intel's collateral from a PCS, mod.rs
ecdsa_quote_verification hands quote and collateral to Intel's DCAP
library). Neither the network nor that library is available to the tests,
so a quote whose body was edited still passes the rules below: they bind
report data, Init-Data and the event log to the quote's body, not the body
to the hardware.

    evaluate(evidence, report_data, init_data_digest) -> claims, or Refused
"""
import base64, hashlib, json, struct

from cryptography import x509

# deps/verifier/src/intel_dcap/quote.rs: ATT_KEY_TYPE_ECDSA_P256,
# TEE_TYPE_SGX, TEE_TYPE_TDX, the cert data types, and the sizes of
# QuoteHeader (48), SgxReportBody (384), TdxReportBody (584),
# TdxReportBodyV15 (648), QuoteSignature (128), QeReport (384 + 64).
ATT_KEY_TYPE_ECDSA_P256 = 2
TEE_TYPE_SGX = 0x00000000
TEE_TYPE_TDX = 0x00000081
QE_REPORT_CERT_DATA_TYPE = 6
PCK_CERT_CHAIN_CERT_DATA_TYPE = 5
HEADER_SIZE = 48
SGX_BODY_SIZE = 384
TDX10_BODY_SIZE = 584
TDX15_BODY_SIZE = 648
QUOTE_SIGNATURE_SIZE = 128
QE_REPORT_SIZE = 384 + 64

# quote.rs TdxReportBody: offsets inside the body (the same in
# TdxReportBodyV15, which appends tee_tcb_svn2 and mr_servicetd).
BODY_FIELDS = (("tcb_svn", 0, 16), ("mr_seam", 16, 48), ("mrsigner_seam", 64, 48),
               ("seam_attributes", 112, 8), ("td_attributes", 120, 8), ("xfam", 128, 8),
               ("mr_td", 136, 48), ("mr_config_id", 184, 48), ("mr_owner", 232, 48),
               ("mr_owner_config", 280, 48), ("rtmr_0", 328, 48), ("rtmr_1", 376, 48),
               ("rtmr_2", 424, 48), ("rtmr_3", 472, 48), ("report_data", 520, 64))
BODY15_FIELDS = BODY_FIELDS + (("tee_tcb_svn2", 584, 16), ("mr_servicetd", 600, 48))
HEADER_FIELDS = (("version", 0, 2), ("att_key_type", 2, 2), ("tee_type", 4, 4),
                 ("reserved", 8, 4), ("vendor_id", 12, 16), ("user_data", 28, 20))

# deps/verifier/src/intel_dcap/pck.rs: DCAP_SGX_EXTENSIONS, the CA names
DCAP_SGX_EXTENSIONS = x509.ObjectIdentifier("1.2.840.113741.1.13.1")
PCK_PLATFORM_CA_CN = "Intel SGX PCK Platform CA"
PCK_PROCESSOR_CA_CN = "Intel SGX PCK Processor CA"

# deps/eventlog/src/ccel/tcg_enum.rs: TcgAlgorithm (id -> name) and
# get_digest_size; TcgEventType's known values (any other is refused).
TCG_ALGORITHMS = {0x1: "RSA", 0x3: "TDES", 0x4: "SHA-1", 0xB: "SHA-256",
                  0xC: "SHA-384", 0xD: "SHA-512", 0x12: "SM3"}
TCG_SHA384 = 0xC
EV_NO_ACTION = 0x3
EV_EVENT_TAG = 0x6
TCG_EVENT_TYPES = {
    0x0: "EV_PREBOOT_CERT", 0x1: "EV_POST_CODE", 0x2: "EV_UNUSED", 0x3: "EV_NO_ACTION",
    0x4: "EV_SEPARATOR", 0x5: "EV_ACTION", 0x6: "EV_EVENT_TAG", 0x7: "EV_S_CRTM_CONTENTS",
    0x8: "EV_S_CRTM_VERSION", 0x9: "EV_CPU_MICROCODE", 0xA: "EV_PLATFORM_CONFIG_FLAGS",
    0xB: "EV_TABLE_OF_DEVICES", 0xC: "EV_COMPACT_HASH", 0xD: "EV_IPL",
    0xE: "EV_IPL_PARTITION_DATA", 0xF: "EV_NONHOST_CODE", 0x10: "EV_NONHOST_CONFIG",
    0x11: "EV_NONHOST_INFO", 0x12: "EV_OMIT_BOOT_DEVICE_EVENTS",
    0x80000000: "EV_EFI_EVENT_BASE", 0x80000001: "EV_EFI_VARIABLE_DRIVER_CONFIG",
    0x80000002: "EV_EFI_VARIABLE_BOOT", 0x80000003: "EV_EFI_BOOT_SERVICES_APPLICATION",
    0x80000004: "EV_EFI_BOOT_SERVICES_DRIVER", 0x80000005: "EV_EFI_RUNTIME_SERVICES_DRIVER",
    0x80000006: "EV_EFI_GPT_EVENT", 0x80000007: "EV_EFI_ACTION",
    0x80000008: "EV_EFI_PLATFORM_FIRMWARE_BLOB", 0x80000009: "EV_EFI_HANDOFF_TABLES",
    0x8000000A: "EV_EFI_PLATFORM_FIRMWARE_BLOB2", 0x8000000B: "EV_EFI_HANDOFF_TABLES2",
    0x8000000C: "EV_EFI_VARIABLE_BOOT2", 0x80000010: "EV_EFI_HCRTM_EVENT",
    0x800000E0: "EV_EFI_VARIABLE_AUTHORITY", 0x800000E1: "EV_EFI_SPDM_FIRMWARE_BLOB",
    0x800000E2: "EV_EFI_SPDM_FIRMWARE_CONFIG"}
# deps/eventlog/src/ccel/event_tag.rs: AAEL_TAGGED_EVENT_ID ("AAEL" as a u32)
AAEL_TAGGED_EVENT_ID = 0x4141454C

# deps/verifier/src/tdx/claims.rs TdAttributesFlags
TD_ATTRIBUTES = (("debug", 0), ("septve_disable", 28), ("protection_keys", 30),
                 ("key_locker", 31), ("perfmon", 63))


class Refused(Exception):
    """Trustee refuses the evidence; str() is the verifier's reason (its
    anyhow context, or where Trustee would panic on a slice out of range,
    a description of that), which Trustee logs but does not send."""


def _u(fmt, data, pos, what):
    try:
        return struct.unpack_from("<" + fmt, data, pos)
    except struct.error:
        raise Refused(what)


def _slice(data, start, size, what):
    if start < 0 or start + size > len(data):
        raise Refused(what)
    return data[start:start + size]


def regularize(data, size):
    """deps/verifier/src/lib.rs regularize_data: zero-padded when shorter,
    cut when longer."""
    return bytes(data[:size]).ljust(size, b"\0")


def parse_cert_data(quote, sig_len_off, is_sgx_v3):
    """quote.rs parse_cert_data_at and parse_certification_data: a u32
    length, then within that many bytes the quote signature, (TDX only) a
    u16 type that must be 6 and a u32 length, the QE report, the QE
    authentication data, a u16 type that must be 5, and the PCK chain.
    Bytes after the declared length are not looked at."""
    sig_len = _u("I", quote, sig_len_off, "quote too short to read signature data length")[0]
    data = _slice(quote, sig_len_off + 4, sig_len,
                  "quote too short for declared signature data length (%d)" % sig_len)
    pos = QUOTE_SIGNATURE_SIZE
    if len(data) < pos:
        raise Refused("parse quote signature failed")
    if not is_sgx_v3:
        t = _u("H", data, pos, "parse QE report cert data type failed")[0]
        pos += 2
        if t != QE_REPORT_CERT_DATA_TYPE:
            raise Refused("expected cert data type %d, got %d" % (QE_REPORT_CERT_DATA_TYPE, t))
        _u("I", data, pos, "parse QE report cert data length failed")
        pos += 4
    _slice(data, pos, QE_REPORT_SIZE, "parse QE report failed")
    pos += QE_REPORT_SIZE
    n = _u("H", data, pos, "parse QE authentication length failed")[0]
    pos += 2
    _slice(data, pos, n, "QE authentication data out of bounds")
    pos += n
    t = _u("H", data, pos, "parse PCK cert chain type failed")[0]
    pos += 2
    if t != PCK_CERT_CHAIN_CERT_DATA_TYPE:
        raise Refused("expected cert chain type %d, got %d" % (PCK_CERT_CHAIN_CERT_DATA_TYPE, t))
    n = _u("I", data, pos, "parse PCK cert chain length failed")[0]
    pos += 4
    return _slice(data, pos, n, "PCK certificate chain data out of bounds")


def _fields(blob, start, table):
    return {name: blob[start + off:start + off + size] for name, off, size in table}


def parse_quote(quote):
    """quote.rs parse_quote: the 48-byte header; att_key_type must be 2;
    (version, tee_type) (3, SGX), (4, TDX) or (5, TDX), anything else
    refused; v5 carries a u16 body type (2: TDX 1.0 body, 3: TDX 1.5 body)
    and a u32 size that is read but not checked. The certification data
    follows the body. Returns (version, header, v5 type or None, v5 size or
    None, body fields, PCK chain)."""
    header = _slice(quote, 0, HEADER_SIZE, "parse quote header failed")
    version, att_key_type, tee_type = struct.unpack_from("<HHI", header, 0)
    if att_key_type != ATT_KEY_TYPE_ECDSA_P256:
        raise Refused("unsupported att_key_type %d, expected 2 (ECDSA-256-with-P-256)"
                      % att_key_type)
    hdr = _fields(quote, 0, HEADER_FIELDS)
    v5type = v5size = None
    if (version, tee_type) == (3, TEE_TYPE_SGX):
        _slice(quote, HEADER_SIZE, SGX_BODY_SIZE, "parse SGX quote body failed")
        certs = parse_cert_data(quote, HEADER_SIZE + SGX_BODY_SIZE, True)
        return 3, hdr, None, None, None, certs
    if (version, tee_type) == (4, TEE_TYPE_TDX):
        _slice(quote, HEADER_SIZE, TDX10_BODY_SIZE, "parse TDX quote v4 body failed")
        body = _fields(quote, HEADER_SIZE, BODY_FIELDS)
        certs = parse_cert_data(quote, HEADER_SIZE + TDX10_BODY_SIZE, False)
        return 4, hdr, None, None, body, certs
    if (version, tee_type) == (5, TEE_TYPE_TDX):
        # QuoteV5Type::from_bytes; Trustee slices the quote for type and
        # size unchecked (a panic on a quote shorter than 54 bytes).
        v5type = _u("H", quote, HEADER_SIZE, "quote v5 shorter than its type and size")[0]
        v5size = _slice(quote, HEADER_SIZE + 2, 4, "quote v5 shorter than its type and size")
        off = HEADER_SIZE + 6
        if v5type == 2:
            _slice(quote, off, TDX10_BODY_SIZE, "parse TDX quote v5 TDX1.0 body failed")
            body, size = _fields(quote, off, BODY_FIELDS), TDX10_BODY_SIZE
        elif v5type == 3:
            _slice(quote, off, TDX15_BODY_SIZE, "parse TDX quote v5 TDX1.5 body failed")
            body, size = _fields(quote, off, BODY15_FIELDS), TDX15_BODY_SIZE
        else:
            raise Refused("parse QuoteV5 Type failed. %d not defined." % v5type)
        certs = parse_cert_data(quote, off + size, False)
        return 5, hdr, v5type, v5size, body, certs
    raise Refused("unsupported quote version %d / tee_type %#010x" % (version, tee_type))


def check_platform_info(certs):
    """pck.rs parse_platform_info, its outer rules: the chain holds exactly
    three PEM certificates (leaf, intermediate CA, root CA); the
    intermediate's first CN names the Platform or the Processor CA; the
    leaf carries the SGX extensions. The DER inside that extension
    (FMSPC, TCB, platform instance) is not parsed here: only the
    collateral fetch and the claims use it."""
    try:
        chain = x509.load_pem_x509_certificates(certs)
    except ValueError:
        raise Refused("failed to parse PCK PEM certificate chain")
    if len(chain) != 3:
        raise Refused("PCK cert chain must contain exactly 3 certificates (leaf, "
                      "intermediate CA, root CA), got %d" % len(chain))
    cns = chain[1].subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    if not cns:
        raise Refused("PCK intermediate CA cert has no Common Name")
    if cns[0].value not in (PCK_PLATFORM_CA_CN, PCK_PROCESSOR_CA_CN):
        raise Refused("unexpected PCK intermediate CA CN: %s" % cns[0].value)
    try:
        chain[0].extensions.get_extension_for_oid(DCAP_SGX_EXTENSIONS)
    except x509.ExtensionNotFound:
        raise Refused("SGX extensions OID not found in PCK leaf cert")
    return cns[0].value == PCK_PLATFORM_CA_CN


def _digest(alg, data):
    # deps/eventlog/src/ccel/mod.rs EventDataParser::compare_digests: only
    # these four; any other algorithm in a record is an error.
    names = {0xB: "sha256", 0xC: "sha384", 0xD: "sha512", 0x12: "sm3"}
    if alg not in names:
        raise Refused("Digest comparison failed: Digest hash algorithm not supported - %s"
                      % TCG_ALGORITHMS[alg])
    return hashlib.new(names[alg], data).digest()


def _event_details(etype, data):
    """deps/eventlog/src/ccel/event_tag.rs EvEventTagParser::parse, the one
    event parser mirrored (aael's records are EV_EVENT_TAG): id, size, that
    many bytes; an AAEL tag must be UTF-8 "domain operation content". The
    other types' parsers (efi_variable.rs, ipl.rs, boot_services_app.rs,
    simple_string.rs, ...) only describe the event for the claims and are
    not mirrored: their refusals of a malformed firmware event are not
    reproduced."""
    if etype != EV_EVENT_TAG:
        return {}
    tag, size = _u("II", data, 0, "Cannot read event id / length")
    raw = _slice(data, 8, size, "Failed to read description")
    details = {"string": raw.decode("utf-8", "replace").replace("\0", "")}
    if tag == AAEL_TAGGED_EVENT_ID:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused("Illegal AAEL event data")
        parts = text.split(" ", 2)
        if len(parts) < 3:
            raise Refused("No space found in event string" if len(parts) < 2
                          else "No second space found in event string")
        details["unicode_name"] = "AAEL"
        try:   # AaelEventEntry::from_bytes: JSON content, else the text
            content = json.loads(parts[2])
        except ValueError:
            content = parts[2]
        details["data"] = {"domain": parts[0], "operation": parts[1], "content": content}
    return details


def parse_ccel(data):
    """deps/eventlog/src/lib.rs CcEventLog::try_from: the first entry
    (parse_initial_entry: a TCG_PCR_EVENT header whose type must be known;
    when it is EV_NO_ACTION its data is the Spec ID event, whose digest
    sizes are read from offset 24 and must account for its whole size),
    then TCG_PCR_EVENT2 records (parse_eventlog_entry) until 8 bytes of 0xFF
    or of 0x00, or the end of the data. Where Trustee would panic on a
    slice out of range, the log is refused."""
    sizes = {}
    _u("I", data, 0, "Cannot read PCR index")
    etype = _u("I", data, 4, "Cannot read event type number")[0]
    if etype not in TCG_EVENT_TYPES:
        raise Refused("Unknown event type detected: %#x" % etype)
    pos = 8 + 20
    esize = _u("I", data, pos, "Cannot read event data size")[0]
    pos += 4
    if etype == EV_NO_ACTION:
        spec = _slice(data, pos, esize, "Out of bounds while reading digest_data")
        pos += esize
        # parse_digest_sizes
        n = _u("I", spec, 24, "Cannot read algorithm array size")[0]
        at = 28
        for _ in range(n):
            alg, size = _u("HH", spec, at, "Cannot read algorithm id / size")
            at += 4
            if alg not in TCG_ALGORITHMS:
                raise Refused("Unknown algorithm type detected: %x" % alg)
            sizes[alg] = size
        vendor = _slice(spec, at, 1, "Spec ID event has no vendorInfoSize")[0]
        if at + vendor + 1 != esize:
            raise Refused("Unexpected data size consumed for detecting digests")
    log = []
    while pos < len(data):
        flag = _u("Q", data, pos, "Failed to read potential stop flag")[0]
        if flag in (0xFFFFFFFFFFFFFFFF, 0):
            break
        index, etype = _u("II", data, pos, "Cannot read target measurement registry")
        pos += 8
        if etype not in TCG_EVENT_TYPES:
            raise Refused("Unknown event type detected: %#x" % etype)
        count = _u("I", data, pos, "Cannot read digest count")[0]
        pos += 4
        digests = []
        for _ in range(count):
            alg = _u("H", data, pos, "Cannot read algorithm id")[0]
            pos += 2
            if alg not in TCG_ALGORITHMS:
                raise Refused("Unknown algorithm type detected: %x" % alg)
            if alg not in sizes:
                raise Refused("Missing digest size for algorithm: %x" % alg)
            digests.append((alg, _slice(data, pos, sizes[alg], "digest out of range")))
            pos += sizes[alg]
        esize = _u("I", data, pos, "Cannot read event data size")[0]
        pos += 4
        event = _slice(data, pos, esize, "Data is too short: expected at least %d bytes" % esize)
        pos += esize
        matches = all(_digest(a, event) == d for a, d in digests)
        log.append({"index": index, "type": etype, "digests": digests, "event": event,
                    "digest_matches_event": matches,
                    "details": _event_details(etype, event)})
    return log


def replay(log, index, alg=TCG_SHA384):
    """deps/eventlog/src/lib.rs replay (via collect_digests_by_index): from
    zero, hash(value || digest) over every record of that index in log
    order, its digests of that algorithm only. Every record counts,
    EV_NO_ACTION included (Trustee's gke_with_rtmr_0_no_action case)."""
    names = {0xB: "sha256", 0xC: "sha384", 0xD: "sha512", 0x12: "sm3"}
    if alg not in names:
        raise Refused("Unsupported Hash algorithm %s" % TCG_ALGORITHMS.get(alg, alg))
    value = bytes(hashlib.new(names[alg]).digest_size)
    for rec in log:
        if rec["index"] == index:
            for a, d in rec["digests"]:
                if a == alg:
                    value = hashlib.new(names[alg], value + d).digest()
    return value


def replay_and_match(log, rtmrs):
    """lib.rs CcEventLog::replay_and_match with the references
    verify_evidence builds (deps/verifier/src/tdx/mod.rs): CC-MR 1..4,
    SHA-384, against RTMR 0..3 of the quote, in that order."""
    for i, rtmr in enumerate(rtmrs):
        got = replay(log, i + 1)
        if got != rtmr:
            raise Refused("Eventlog does not pass measurement replay CC Event Log Measurement "
                          "Register [index = %d]. Calculated value: %s, Given value: %s"
                          % (i + 1, got.hex(), rtmr.hex()))


def td_attributes(raw):
    """claims.rs parse_td_attributes"""
    v = int.from_bytes(raw, "little")
    return {name: bool(v >> bit & 1) for name, bit in TD_ATTRIBUTES}


def _b64(s, what):
    try:
        return base64.b64decode(s, validate=True)
    except (ValueError, TypeError):
        raise Refused("Failed to decode %s from base64" % what)


def evaluate(evidence, report_data=None, init_digest=None):
    """deps/verifier/src/tdx/mod.rs Tdx::evaluate and verify_evidence: the
    evidence {cc_eventlog (optional), quote}; the quote parsed (an SGX
    quote refused), the platform info read from its PCK chain, [DCAP
    signature and collateral: not here, see the module's comment], report
    data (when expected), MRCONFIGID (when an Init-Data digest is
    expected), then the event log, when present and not empty, parsed and
    replayed against RTMR 0..3. Returns the claims of claims.rs
    generate_parsed_claim (quote, td_attributes, report_data, init_data,
    uefi_event_logs)."""
    # TdxEvidence: serde, quote a string, cc_eventlog a string or absent
    if not isinstance(evidence, dict) or not isinstance(evidence.get("quote"), str) \
            or not isinstance(evidence.get("cc_eventlog", ""), (str, type(None))):
        raise Refused("Deserialize TDX Evidence failed.")
    if not evidence["quote"]:
        raise Refused("TDX Quote is empty.")
    quote = _b64(evidence["quote"], "quote")
    version, header, v5type, v5size, body, certs = parse_quote(quote)
    if version == 3:
        raise Refused("expected TDX quote (v4/v5), got SGX quote (v3)")
    check_platform_info(certs)
    # (build_quote_collateral, ecdsa_quote_verification: not checked here)
    if report_data is not None:
        if regularize(report_data, 64) != body["report_data"]:
            raise Refused("REPORT_DATA is different from that in TDX Quote")
    if init_digest is not None:
        if regularize(init_digest, 48) != body["mr_config_id"]:
            raise Refused("MRCONFIGID is different from that in TDX Quote")
    log = None
    if evidence.get("cc_eventlog"):
        log = parse_ccel(_b64(evidence["cc_eventlog"], "cc_eventlog"))
        replay_and_match(log, [body["rtmr_%d" % i] for i in range(4)])
    q = {"header": {k: v.hex() for k, v in header.items()},
         "body": {k: v.hex() for k, v in body.items()}}
    if version == 5:
        q["type"] = struct.pack("<H", v5type).hex()
        q["size"] = v5size.hex()
    claims = {"quote": q, "td_attributes": td_attributes(body["td_attributes"]),
              "report_data": body["report_data"].hex(),
              "init_data": body["mr_config_id"].hex()}
    if log is not None:
        claims["uefi_event_logs"] = [
            {"index": r["index"], "type_name": TCG_EVENT_TYPES[r["type"]],
             "digest_matches_event": r["digest_matches_event"],
             "digests": [{"alg": TCG_ALGORITHMS[a], "digest": d.hex()} for a, d in r["digests"]],
             "event": base64.b64encode(r["event"]).decode(), "details": r["details"]}
            for r in log]
    return claims
