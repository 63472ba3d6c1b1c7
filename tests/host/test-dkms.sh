#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# DKMS packaging: the sources `make dkms-install` ships, added, built and
# installed by dkms into private trees (the host's /usr/src, /var/lib/dkms
# and /lib/modules stay untouched). TAP on stdout.
#   test-dkms.sh KVER
set -u
KVER=$1
TOP=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
V=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TOP/dkms.conf")
N=0 FAILED=0
ok() { N=$((N + 1)); echo "ok $N - $1"; }
not_ok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $1"; shift; printf '%s\n' "$@" | sed 's/^/#   /'; }

# What make dkms-install copies, into a private source tree.
make -s -C "$TOP" dkms-sources DKMS_SRC="$T/src/aael-$V" > "$T/log" 2>&1 &&
	ok "dkms sources staged (aael-$V)" || not_ok "dkms sources staged" "$(cat "$T/log")"
D="--dkmstree $T/dkms --sourcetree $T/src --installtree $T/install"
mkdir -p "$T/dkms" "$T/install/$KVER"
# shellcheck disable=SC2086
if dkms add -m aael -v "$V" $D > "$T/log" 2>&1 &&
   dkms build -m aael -v "$V" -k "$KVER" $D >> "$T/log" 2>&1 &&
   dkms install -m aael -v "$V" -k "$KVER" $D --force >> "$T/log" 2>&1; then
	ok "dkms add, build and install for $KVER"
else
	not_ok "dkms add, build and install for $KVER" "$(tail -n 20 "$T/log")"
fi
ko=$(find "$T/install" "$T/dkms" -name 'aael.ko*' 2>/dev/null | head -n 1)
if [ -n "$ko" ] && modinfo -F vermagic "$ko" | grep -q "^$KVER " &&
   [ "$(modinfo -F version "$ko")" = "$V" ]; then
	ok "dkms produced aael.ko for $KVER ($(modinfo -F version "$ko" 2>/dev/null || echo no version))"
else
	not_ok "dkms produced aael.ko for $KVER" "found: ${ko:-nothing}"
fi
echo "1..$N"
[ $FAILED -eq 0 ]
