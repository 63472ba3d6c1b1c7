#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The YNL spec of the netlink family (Documentation/netlink/specs/aael.yaml)
# against the newest kernel's schema and against uapi/linux/aael.h: it
# validates (genetlink-c.yaml, jsonschema), documents every operation,
# attribute and definition, and the uAPI header the kernel's generator
# (tools/net/ynl/pyynl/ynl_gen_c.py --mode uapi) makes from it defines the
# same names with the same values as the hand-written header -- both
# compiled, every value printed by the compiler's own evaluation. Then the
# same comparison on mutated copies (an attribute or command added,
# renumbered or removed on one side only, a limit changed) must fail, so
# the check is shown to catch what it is for. TAP on stdout.
#   test-ynl-spec.sh
TOP=$(cd "$(dirname "$0")/../.." && pwd)
SRC=$("$TOP/scripts/linux-source") || { echo "not ok 1 - linux-source (7.x) unpacked"; echo "1..1"; exit 1; }
# Debian's interpreter: its python3-yaml and python3-jsonschema (install-deps).
exec /usr/bin/python3 - "$TOP" "$SRC" <<'PY'
import os, re, shutil, subprocess, sys, tempfile
import jsonschema, yaml

TOP, SRC = sys.argv[1], sys.argv[2]
SPEC = TOP + "/Documentation/netlink/specs/aael.yaml"
HDR = TOP + "/uapi/linux/aael.h"
GEN = SRC + "/tools/net/ynl/pyynl/ynl_gen_c.py"
# Defines of the hand-written header that are not netlink and so not in the
# spec: the securityfs directory, the TCG record format, module defaults.
NOT_NETLINK = re.compile(r"^(_UAPI_LINUX_AAEL_H|AAEL_SECURITYFS_DIR|AAEL_TAGGED_EVENT_\w+|"
                         r"AAEL_EV_\w+|AAEL_DEFAULT_\w+)$")
WORK = tempfile.mkdtemp(prefix="aael-ynl-")

sys.path.insert(0, sys.argv[1] + "/tests/host")
from tap import ok, finish  # noqa: E402
import tap  # noqa: E402

def schema_errors(spec):
    schema = yaml.safe_load(open(SRC + "/Documentation/netlink/%s.yaml" %
                                 spec.get("protocol", "genetlink")))
    v = jsonschema.Draft7Validator(schema)
    return ["%s: %s" % ("/".join(map(str, e.path)), e.message) for e in v.iter_errors(spec)]

def undocumented(spec):
    """Every operation, definition (and enum entry), attribute set and
    attribute of a set that is not a subset (a subset's entries are the
    parent's) carries a non-empty doc."""
    missing = []
    has = lambda o: isinstance(o, dict) and str(o.get("doc", "")).strip()
    if not str(spec.get("doc", "")).strip():
        missing.append("family")
    for d in spec.get("definitions", []):
        if not has(d):
            missing.append("definition " + d["name"])
        for e in d.get("entries", []):
            if not has(e):
                missing.append("definition %s entry %s" % (d["name"], e if isinstance(e, str) else e["name"]))
    for s in spec["attribute-sets"]:
        if not has(s):
            missing.append("attribute-set " + s["name"])
        if "subset-of" in s:
            continue
        for a in s["attributes"]:
            if not has(a):
                missing.append("attribute %s/%s" % (s["name"], a["name"]))
    for op in spec["operations"]["list"]:
        if not has(op):
            missing.append("operation " + op["name"])
    return missing

def generate(spec_text):
    """The uAPI header ynl_gen_c.py makes from spec_text, or an exception.
    The generator wants a kernel tree around the spec (MAINTAINERS at the
    top, the schema in Documentation/netlink), so one is staged."""
    tree = tempfile.mkdtemp(dir=WORK)
    os.makedirs(tree + "/Documentation/netlink/specs")
    open(tree + "/MAINTAINERS", "w").close()
    for f in os.listdir(SRC + "/Documentation/netlink"):
        if f.endswith(".yaml"):
            shutil.copy(SRC + "/Documentation/netlink/" + f, tree + "/Documentation/netlink/")
    open(tree + "/Documentation/netlink/specs/aael.yaml", "w").write(spec_text)
    out = tree + "/aael.h"
    r = subprocess.run([sys.executable, GEN, "--mode", "uapi", "--header", "--spec",
                        tree + "/Documentation/netlink/specs/aael.yaml", "-o", out],
                       capture_output=True, text=True, timeout=300)
    if r.returncode or not os.path.exists(out):
        raise RuntimeError("ynl_gen_c.py failed: " + r.stdout + r.stderr)
    return open(out).read()

def names(header_text):
    """Every enum constant and object-like #define of a header."""
    found = set(re.findall(r"^#define\s+([A-Za-z_]\w*)(?=\s)", header_text, re.M))
    for body in re.findall(r"\benum\s+\w*\s*\{(.*?)\}", header_text, re.S):
        body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
        for item in body.split(","):
            m = re.match(r"\s*([A-Za-z_]\w*)", item)
            if m:
                found.add(m.group(1))
    return found

def values(header_text, wanted):
    """NAME -> value as the compiler evaluates it (strings quoted)."""
    d = tempfile.mkdtemp(dir=WORK)
    open(d + "/h.h", "w").write(header_text)
    prog = ['#include <stdio.h>', '#include "h.h"',
            'static void ps(const char *s) { printf("\\"%s\\"\\n", s); }',
            'static void pi(long long v) { printf("%lld\\n", v); }',
            'int main(void) {']
    for n in sorted(wanted):
        prog.append('\tprintf("%%s=", "%s"); _Generic((%s) + 0, char *: ps, default: pi)(%s);' % (n, n, n))
    prog += ['\treturn 0;', '}']
    open(d + "/p.c", "w").write("\n".join(prog) + "\n")
    r = subprocess.run(["cc", "-std=c11", "-Wall", "-Werror", "-o", d + "/p", d + "/p.c"],
                       capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError("compiling the header failed: " + r.stderr)
    out = subprocess.run([d + "/p"], capture_output=True, text=True, check=True).stdout
    return dict(line.split("=", 1) for line in out.splitlines())

def compare(spec_text, header_text):
    """Differences between the spec's header and the hand-written one."""
    gen = generate(spec_text)
    g = names(gen) - {"_UAPI_LINUX_AAEL_H"}
    h = {n for n in names(header_text) if not NOT_NETLINK.match(n)}
    diff = ["only in the spec: " + n for n in sorted(g - h)]
    diff += ["only in uapi/linux/aael.h: " + n for n in sorted(h - g)]
    both = g & h
    gv, hv = values(gen, both), values(header_text, both)
    diff += ["%s: spec %s, header %s" % (n, gv[n], hv[n]) for n in sorted(both) if gv[n] != hv[n]]
    return diff, len(both)

spec_text, hdr_text = open(SPEC).read(), open(HDR).read()
spec = yaml.safe_load(spec_text)

errs = schema_errors(spec)
ok(not errs, "aael.yaml validates against the kernel's %s.yaml" % spec.get("protocol"), "\n".join(errs))
ok(spec.get("protocol") == "genetlink-c" and spec.get("name") == "aael",
   "family aael, genetlink-c (the C names of uapi/linux/aael.h)")
miss = undocumented(spec)
ok(not miss, "doc on every operation, attribute, set and definition", ", ".join(miss))

try:
    diff, common = compare(spec_text, hdr_text)
    ok(not diff and common >= 40,
       "the header generated from the spec matches uapi/linux/aael.h (%d names, values compiled)" % common,
       "\n".join(diff) or "only %d names compared" % common)
except Exception as e:
    ok(False, "the header generated from the spec matches uapi/linux/aael.h", e)

# The checks themselves must catch drift: each mutation must fail.
def mutated_spec(edit):
    s = yaml.safe_load(spec_text)
    edit(s)
    # the generator refuses a spec without its SPDX line
    return spec_text.splitlines()[0] + "\n---\n" + yaml.safe_dump(s, sort_keys=False)

def attrs(s, name="aael"):
    return next(a for a in s["attribute-sets"] if a["name"] == name)["attributes"]

def catches(desc, spec_t, hdr_t, want):
    try:
        diff, _ = compare(spec_t, hdr_t)
    except Exception as e:
        diff = [str(e)]
    ok(any(want in d for d in diff), "caught: " + desc, "differences: %s (want one naming %s)" % (diff, want))

catches("an attribute added to the spec only",
        mutated_spec(lambda s: attrs(s).append({"name": "extra", "type": "u32", "doc": "x"})),
        hdr_text, "AAEL_ATTR_EXTRA")
catches("an attribute removed from the spec only (later ones renumbered)",
        mutated_spec(lambda s: attrs(s).remove(next(a for a in attrs(s) if a["name"] == "failures"))),
        hdr_text, "AAEL_ATTR_FAILURES")
catches("a command added to the header only",
        spec_text, hdr_text.replace("\tAAEL_CMD_NEW_RECORD,\n", "\tAAEL_CMD_NEW_RECORD,\n\tAAEL_CMD_EXTRA,\n"),
        "AAEL_CMD_EXTRA")
catches("two attributes swapped in the header only (renumbered)",
        spec_text, re.sub(r"(\tAAEL_ATTR_COUNT,[^\n]*\n)(\tAAEL_ATTR_LOG_SIZE,[^\n]*\n)", r"\2\1", hdr_text),
        "AAEL_ATTR_COUNT")
catches("a digest attribute removed from the header only",
        spec_text, hdr_text.replace("\tAAEL_DIGEST_VALUE,", ""), "AAEL_DIGEST_VALUE")
catches("a command renumbered in the spec only",
        mutated_spec(lambda s: s["operations"]["list"][1].update(value=5)),
        hdr_text, "AAEL_CMD_RECORD")
catches("the string length limit changed on one side",
        mutated_spec(lambda s: s["definitions"][0].update(value=4096)),
        hdr_text, "AAEL_EVENT_SIZE_LIMIT")
catches("the multicast group renamed in the spec only",
        mutated_spec(lambda s: s["mcast-groups"]["list"][0].update(name="events")),
        hdr_text, "AAEL_GENL_MCGRP")
bad = yaml.safe_load(spec_text)
del attrs(bad)[2]["doc"]
ok(undocumented(bad) == ["attribute aael/domain"], "caught: an attribute without doc")
bad = yaml.safe_load(spec_text)
bad["operations"]["list"][1]["flags"] = ["root-only"]
ok(schema_errors(bad), "caught: a spec the schema refuses (unknown op flag)")

shutil.rmtree(WORK, ignore_errors=True)
finish()
PY
