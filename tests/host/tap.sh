# SPDX-License-Identifier: GPL-2.0
# TAP for the host tests written in shell (sourced): ok, not_ok (further
# arguments become "#" lines), check DESC CMD..., expect DESC GOT WANT.
# The caller ends with: echo "1..$N"; [ $FAILED -eq 0 ]
N=0 FAILED=0
ok() { N=$((N + 1)); echo "ok $N - $1"; }
not_ok() {
	N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $1"
	shift; [ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /'
	return 0
}
check() { d=$1; shift; if out=$("$@" 2>&1); then ok "$d"; else not_ok "$d" "$out"; fi; }
expect() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  $2" "want: $3"; fi; }
# asan_reports DIR: ok when an ASan/UBSan build left no log_path report
# (DIR/asan.*), else not_ok with the first of them
asan_reports() {
	reports=$(ls "$1"/asan.* 2>/dev/null)
	if [ -z "$reports" ]; then
		ok "no ASan/UBSan report from aaeld"
	else
		# shellcheck disable=SC2086
		not_ok "no ASan/UBSan report from aaeld" "$(head -n 40 $reports)"
	fi
}
