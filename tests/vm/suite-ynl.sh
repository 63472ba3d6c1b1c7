# SPDX-License-Identifier: GPL-2.0
# The family through the kernel's own YNL Python library (tools/net/ynl/pyynl
# of the 7.x linux-source, linked as build/ynl by make vm / vm-matrix /
# vm-debug) driven by Documentation/netlink/specs/aael.yaml alone: a client
# that shares no code with libaael. After suite-tpm.sh and suite-netlink.sh
# in the same guest (aael.ko on PCR 23, records in its log; PCR 23 already
# extended behind the log's back by suite-netlink, so no replay here). Every
# answer is compared with the securityfs files or computed independently
# (hashlib).
SUITE=ynl
. /mnt/tests/vm/lib.sh
YNL=/mnt/build/ynl

if [ ! -d $YNL/tools/net/ynl/pyynl/lib ]; then
	not_ok "the kernel's YNL library is visible in the guest" \
		"$YNL: no tools/net/ynl/pyynl (make vm links it from scripts/linux-source)"
	finish
	exit 1
fi
# Debian's python3 from the host's root: python3-yaml, python3-jsonschema.
out=$(/usr/bin/python3 - "$YNL" /mnt/Documentation/netlink/specs/aael.yaml \
	"$(sed -n 's/^banks: //p' $A/register)" 2>&1 <<'PY'
import errno, hashlib, struct, sys
YNL, SPEC, BANKS = sys.argv[1], sys.argv[2], sys.argv[3].split()
sys.path.insert(0, YNL + "/tools/net/ynl/pyynl")
from lib import YnlFamily, NlError

A = "/sys/kernel/security/aael/"
P = "/sys/module/aael/parameters/"
ALG = {"sha1": 0x4, "sha256": 0xb, "sha384": 0xc, "sha512": 0xd, "sm3_256": 0x12}

def check(cond, desc, why=""):
    print(("PASS " if cond else "FAIL ") + desc)
    if not cond:
        for line in str(why).splitlines()[:12]:
            print("WHY " + line)

def sfs(name):
    return open(A + name, "rb").read()

def count():
    return int(sfs("runtime_measurements_count"))

def digests(dlist):
    return {d["alg"]: d["value"] for d in dlist["digest"]}

# The spec validated against the kernel's schema on load: jsonschema is
# given the schema file, as the kernel's own YNL tests run.
ynl = YnlFamily(SPEC, schema=YNL + "/Documentation/netlink/genetlink-c.yaml")
ntf = YnlFamily(SPEC, schema="")
# GENL_START_ALLOC: ids below 16 belong to the core's own families.
fid = ynl.nlproto.family_id
check(isinstance(fid, int) and fid >= 16 and fid == ntf.nlproto.family_id,
      "YnlFamily loads aael.yaml (schema-validated) and resolves the family",
      "family id %r" % (fid,))

# The kernel's own policy (nlctrl GETPOLICY, through YnlFamily.get_policy)
# against the spec, op by op: the attributes a request may carry, each
# one's type and length limit. The host check compares names and values
# only; this is where a policy in kmod/netlink.c that the spec misstates
# shows. A spec "string" is NLA_NUL_STRING (genetlink-c).
KTYPE = {"string": "nul-string"}
consts = {d["name"]: d["value"] for d in ynl.yaml.get("definitions", [])
          if d.get("type") == "const"}
aset = {a["name"]: a for a in next(x for x in ynl.yaml["attribute-sets"]
                                   if x["name"] == "aael")["attributes"]}
for op in ynl.yaml["operations"]["list"]:
    for mode in ("do", "dump"):
        if mode not in op:
            continue
        want = sorted(op[mode].get("request", {}).get("attributes", []))
        # An op without a policy: the kernel answers ENODATA (the library
        # raises), or gives none for this mode; either is "no attributes".
        try:
            pol = ynl.get_policy(op["name"], mode)
        except Exception as e:  # noqa: BLE001 (the library's own type)
            pol, why = None, e
        else:
            why = None
        got = sorted(pol.keys()) if pol is not None else []
        if want and why is not None:
            got = ["(GETPOLICY failed: %s)" % why]
        check(got == want, "kernel policy of %s (%s): the request attributes the spec lists"
              % (op["name"], mode), "kernel %s, spec %s" % (got, want))
        for a in want:
            if pol is None or a not in pol:
                continue
            t = aset[a]["type"]
            ml = aset[a].get("checks", {}).get("max-len")
            ml = consts.get(ml, ml)
            kt = pol[a].type
            km = getattr(pol[a], "max_length", None) if ml is not None else None
            check(kt == KTYPE.get(t, t) and km == ml,
                  "kernel policy of %s %s: type %s, max-len %s as the spec" % (op["name"], a, t, ml),
                  "kernel type %s, max-length %s" % (kt, km))

reg = dict(l.split(": ", 1) for l in sfs("register").decode().splitlines())
st = ynl.do("get-status", {})
want_reg = {ALG[a]: bytes.fromhex(h) for a, h in
            (l.split(":") for l in sfs("register_value").decode().split())}
got = {k: st.get(k) for k in ("backend", "hardware", "index", "count", "log-size",
                              "failures", "max-event", "max-log", "state")}
want = {"backend": reg["backend"], "hardware": 1 if reg["hardware"] == "yes" else 0,
        "index": int(reg["index"]), "count": count(), "log-size": int(sfs("log_size")),
        "failures": int(sfs("extend_failures")),
        "max-event": int(open(P + "max_event_size").read()),
        "max-log": int(open(P + "max_log_size").read()), "state": reg["state"]}
check(got == want, "get-status: every field = its securityfs file or parameter",
      "got  %s\nwant %s" % (got, want))
check(digests(st["register"]) == want_reg, "get-status: register = register_value, every bank",
      "%s\n%s" % (digests(st["register"]), want_reg))

ntf.ntf_subscribe("records")
before = count()
text = b"ynl op content with  spaces"
rsp = ynl.do("record", {"domain": "ynl", "operation": "op", "content": "content with  spaces"})
ev = struct.pack("<II", 0x4141454C, len(text)) + text
want_d = {ALG[b]: hashlib.new(b, ev).digest() for b in BANKS}
check(rsp["seq"] == before and count() == before + 1, "record: reply seq = the record's place in the log",
      "seq %s, count %d -> %d" % (rsp.get("seq"), before, count()))
check(rsp["index"] == int(reg["index"]), "record: reply index = the register's")
check(digests(rsp["digests"]) == want_d, "record: reply digests = hashlib's of the tagged event, every bank",
      "%s\n%s" % (digests(rsp["digests"]), want_d))
check(sfs("binary_runtime_measurements").endswith(rsp["record"]),
      "record: reply record = the tail of binary_runtime_measurements")

got_ntf = [m for m in ntf.poll_ntf(duration=5)
           if m["name"] == "new-record" and m["msg"].get("seq") == before]
check(len(got_ntf) == 1 and got_ntf[0]["msg"] == {"seq": before, "index": int(reg["index"])},
      "notification: new-record on the records group with the record's seq and index",
      got_ntf)

n = count()
recs = ynl.dump("get-records", {"seq": n - 3})
log = sfs("binary_runtime_measurements")
check([r["seq"] for r in recs] == [n - 3, n - 2, n - 1] and
      log.endswith(b"".join(r["record"] for r in recs)),
      "dump from count-3: three messages, seq in order, records = the log's tail",
      [r.get("seq") for r in recs])
recs = ynl.dump("get-records", {})
body = b"".join(r["record"] for r in recs)
check(len(recs) == n and [r["seq"] for r in recs] == list(range(n)) and
      log.endswith(body) and 0 < len(log) - len(body) < 512,
      "dump from 0: every record once, in order; the log is its header plus them",
      "%d records, log %d bytes, records %d bytes" % (len(recs), len(log), len(body)))
check(ynl.dump("get-records", {"seq": n}) == [], "dump from the end is empty")

def refused(desc, vals, want_errno, want_msg, want_bad=None):
    c, size = count(), sfs("log_size")
    try:
        ynl.do("record", vals)
        check(False, desc, "accepted")
        return
    except NlError as e:
        ext = e.nl_msg.extack or {}
        ok_ = (e.error == want_errno and ext.get("msg") == want_msg and
               (want_bad is None or ext.get("bad-attr") == want_bad))
        check(ok_ and count() == c and sfs("log_size") == size, desc,
              "errno %s (want %s), extack %s" % (errno.errorcode.get(e.error), errno.errorcode[want_errno], ext))

# admin-perm: record and get-records need CAP_SYS_ADMIN, get-status not.
import subprocess
probe = """
import sys
sys.path.insert(0, sys.argv[1] + "/tools/net/ynl/pyynl")
from lib import YnlFamily, NlError
y = YnlFamily(sys.argv[2], schema="")
print("status", y.do("get-status", {})["count"])
for what, call in (("record", lambda: y.do("record", {"domain": "d", "operation": "o", "content": "c"})),
                   ("dump", lambda: y.dump("get-records", {}))):
    try:
        call()
        print(what, "accepted")
    except NlError as e:
        print(what, e.error)
"""
c = count()
r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "/usr/bin/python3", "-c", probe, YNL, SPEC], capture_output=True, text=True)
check(r.stdout.split("\n")[:3] == ["status %d" % c, "record %d" % errno.EPERM, "dump %d" % errno.EPERM]
      and count() == c,
      "unprivileged: get-status answers, record and get-records are refused with EPERM",
      r.stdout + r.stderr)

refused("refused: whitespace in the domain (EINVAL, the handler's extack message, nothing recorded)",
        {"domain": "two words", "operation": "op", "content": "c"}, errno.EINVAL,
        "domain and operation must be non-empty, without whitespace or control bytes")
refused("refused: content missing (EINVAL, extack, nothing recorded)",
        {"domain": "ynl", "operation": "op"}, errno.EINVAL,
        "domain, operation and content are required")
refused("refused: domain over the policy's 61440 bytes (EINVAL, policy extack at .domain)",
        {"domain": "d" * 61441, "operation": "op", "content": "c"}, errno.EINVAL,
        "Attribute failed policy validation", ".domain")
PY
)
rc=$?
[ $rc -eq 0 ] || not_ok "the YNL client ran to the end (python exit $rc)" "$out"
echo "$out" | grep -v '^PASS \|^FAIL \|^WHY ' | sed 's/^/# /'
echo "$out" | awk '/^(PASS|FAIL|WHY) /' > /tmp/ynl.out
while IFS= read -r line; do
	case $line in
	"PASS "*) ok "${line#PASS }" ;;
	"FAIL "*) not_ok "${line#FAIL }" ;;
	"WHY "*) echo "#   ${line#WHY }" | tee -a "$TAP" ;;
	esac
done < /tmp/ynl.out
finish
