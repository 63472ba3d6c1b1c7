# SPDX-License-Identifier: GPL-2.0
"""TAP for the host tests written in Python (tests/host/test-*.sh run them
from a heredoc with the checkout as argv[1]): one numbering, one count of
failures, one plan, and the two verdicts on a verifier mirror's rules."""
import sys

N = FAILED = 0


def ok(cond, desc, why=""):
    global N, FAILED
    N += 1
    if not cond:
        FAILED += 1
    print("%sok %d - %s" % ("" if cond else "not ", N, desc))
    if not cond and why:
        for line in str(why).splitlines()[:20]:
            print("#   " + line)


def passes(rules, desc, *args):
    """rules.evaluate(*args) accepts (rules: trustee_tpm, trustee_tdx)."""
    try:
        rules.evaluate(*args)
        ok(True, desc)
    except rules.Refused as e:
        ok(False, desc, "refused: %s" % e)


def refused(rules, desc, want, *args):
    """rules.evaluate(*args) refuses, with want in the reason."""
    try:
        rules.evaluate(*args)
        ok(False, desc, "accepted")
    except rules.Refused as e:
        ok(want in str(e), desc, "refused, but: %s (want %r)" % (e, want))


def finish():
    print("1..%d" % N)
    sys.exit(1 if FAILED else 0)
