#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The REST server's routes, statuses, texts and content types
# (tests/rest/compat.sh) against aaeld on the host, without aael.ko.
# Any ASan/UBSan report fails. TAP on stdout.
#   test-rest-compat.sh AAELD (an ASan/UBSan build)
set -u
D=$1
TOP=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d)
CP=
trap '[ -n "$CP" ] && kill $CP 2>/dev/null; rm -rf "$T"' EXIT
. "$TOP/tests/host/tap.sh"
export ASAN_OPTIONS="log_path=$T/asan:detect_leaks=1:handle_sigill=1"
KERNEL=0
[ -d /sys/module/aael ] && KERNEL=1
. "$TOP/tests/rest/compat.sh"
asan_reports "$T"
echo "1..$N"
[ $FAILED -eq 0 ]
