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
# The host's own log is never written to: with aael.ko loaded here the
# POSTs would record into it.
if [ -d /sys/module/aael ]; then
	not_ok "the host has no aael.ko loaded (the test would record into its log)"
	echo "1..$N"
	exit 1
fi
KERNEL=0
. "$TOP/tests/rest/compat.sh"
asan_reports "$T"
echo "1..$N"
[ $FAILED -eq 0 ]
