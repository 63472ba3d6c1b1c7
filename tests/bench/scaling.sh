# SPDX-License-Identifier: GPL-2.0
# Scaling on the software register (sha256+sha384), in a guest with no TPM:
# for 0, 10k, 100k and 1M records already in the log, the record rate
# (1 and 8 writers), the kernel memory those records cost, and the time to
# read, export and verify the whole log; and the cold path, module load to
# first record. One JSON object per line on $AAEL_OUT/scaling.jsonl.
SUITE=scaling
. /mnt/tests/vm/lib.sh
L=/mnt/build/aael-load
CTL=/mnt/build/aaelctl
SECS=${AAEL_BENCH_SECONDS:-3}
OUT=$AAEL_OUT/scaling.jsonl
: > "$OUT"

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# Memory the kernel holds, not counting page cache: what records cost.
kernel_kb() {
	awk '/^MemTotal:/ { t = $2 } /^MemFree:/ { f = $2 } /^Buffers:/ { b = $2 }
	     /^Cached:/ { c = $2 } END { print t - f - b - c }' /proc/meminfo
}
# ms CMD...: how long CMD takes, in milliseconds; a failure is a TAP failure
ms() {
	t0=$(now_ms)
	"$@" > /dev/null 2> /tmp/ms.err || { echo "$*:"; cat /tmp/ms.err; } >> /tmp/ms.failed
	echo $(($(now_ms) - t0))
}

load_hashes
# 1M first: its memory is then measured in a fresh guest (memory that an
# unloaded module frees lazily would blur the delta), and the empty log
# right after it, so that the ratio of the two rates is taken close in time.
for n in 1000000 0 10000 100000; do
	sync; echo 3 > /proc/sys/vm/drop_caches
	m0=$(kernel_kb)
	t0=$(now_ms)
	insmod $KO backend=software banks=sha256,sha384 test_unsafe=1 max_log_size=1073741824 ||
		{ not_ok "insmod for $n records"; continue; }
	echo "rel cold first" > $A/event
	cold=$(($(now_ms) - t0))
	[ "$n" -gt 0 ] && $L run fill 8 $((n / 8)) sfs
	rm -f /tmp/ledger-fill-*
	records=$(cat $A/runtime_measurements_count)
	bytes=$(cat $A/log_size)
	sync; echo 3 > /proc/sys/vm/drop_caches
	m1=$(kernel_kb)
	r1=$($VT bench sfs 1 $SECS)
	r8=$($VT bench sfs 8 $SECS)
	total=$(cat $A/runtime_measurements_count)
	read_ms=$(ms cat $A/binary_runtime_measurements)
	text_ms=$(ms cat $A/ascii_runtime_measurements)
	export_ms=$(ms $CTL export --format tcg2 -o /tmp/export.bin)
	verify_ms=$(ms $CTL verify)
	rm -f /tmp/export.bin
	expect "$n records: read, export and verify of all $total succeed" "$(cat /tmp/ms.failed 2>/dev/null)" ""
	rm -f /tmp/ms.failed
	echo "{\"records\": $records, \"log_bytes\": $bytes, \"kernel_kb_delta\": $((m1 - m0)), \"cold_ms\": $cold," \
	     "\"rate1\": $(echo "$r1" | sed 's/.*"rate": \([0-9.]*\).*/\1/'), \"rate8\": $(echo "$r8" | sed 's/.*"rate": \([0-9.]*\).*/\1/')," \
	     "\"read_records\": $total, \"read_ms\": $read_ms, \"text_ms\": $text_ms, \"export_ms\": $export_ms, \"verify_ms\": $verify_ms}" |
		tee -a "$OUT"
	rmmod aael || not_ok "rmmod after $n records"
done
finish
