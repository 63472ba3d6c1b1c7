# SPDX-License-Identifier: GPL-2.0
# Benchmarks in the guest (see tests/bench/run): record rate and latency
# through securityfs, netlink and HTTP, 1 and 8 writers, on the TPM and the
# software register, with the raw TPM2_PCR_Extend rate on the same swtpm as
# the limit, and the software register's own limit (hash + extend in
# userspace, no log). One JSON object per line on $AAEL_OUT/bench.jsonl.
SUITE=bench
. /mnt/tests/vm/lib.sh
SECS=${AAEL_BENCH_SECONDS:-8}
OUT=$AAEL_OUT/bench.jsonl
: > "$OUT"

emit() {	# REGISTER JSON
	echo "$2" | sed "s/^{/{\"register\": \"$1\", /" | tee -a "$OUT"
}

# http_bench REGISTER CONNECTIONS [MODE]: wrk with keep-alive against aaeld;
# MODE http = POST /aa/aael (a record each), http-ceiling = GET of a route
# that does not exist (a 404 JSON error: no body to parse, no kernel), what
# the HTTP stack alone costs here.
http_bench() {
	mode=${3:-http}
	/mnt/build/aaeld --attestation-api on > /tmp/aaeld.log 2>&1 &
	pid=$!
	wait_http http://127.0.0.1:8006/info
	threads=2
	[ "$2" -lt 2 ] && threads=1
	if [ "$mode" = http ]; then
		wrk -t$threads -c"$2" -d"${SECS}s" --latency -s /mnt/tests/bench/post.lua \
			http://127.0.0.1:8006/aa/aael > /tmp/wrk.out 2>&1
	else
		wrk -t$threads -c"$2" -d"${SECS}s" --latency http://127.0.0.1:8006/none > /tmp/wrk.out 2>&1
	fi
	kill $pid; wait $pid 2>/dev/null
	rate=$(awk '/Requests\/sec/ { print $2 }' /tmp/wrk.out)
	p50=$(awk '$1 == "50%" { print $2 }' /tmp/wrk.out)
	p99=$(awk '$1 == "99%" { print $2 }' /tmp/wrk.out)
	non2xx=$(awk '/Non-2xx/ { print $NF }' /tmp/wrk.out)
	emit "$1" "{\"mode\": \"$mode\", \"writers\": $2, \"rate\": ${rate:-0}, \"p50\": \"$p50\", \"p99\": \"$p99\", \"non_2xx\": ${non2xx:-0}}"
}

load_hashes
check "insmod (TPM, all banks, PCR 23)" insmod $KO test_unsafe=1
# The TPM's limit against the kernel path, alternated in this one boot so
# that drift (the host is shared) hits both alike: ROUNDS pairs of a raw
# TPM2_PCR_Extend loop on /dev/tpmrm0 (tests/bench/tpm-raw-extend.c: no
# TSS, the same banks as the kernel's, one digest each) and one securityfs
# writer, the pair's order swapped every round. tests/bench/run reports the
# median of the per-round ratios kernel / raw.
ROUNDS=${AAEL_BENCH_ROUNDS:-5}
RSECS=${AAEL_BENCH_ROUND_SECONDS:-4}
BANKS=$(sed -n 's/^banks: //p' $A/register)
r=1
while [ $r -le $ROUNDS ]; do
	order="raw sfs"
	[ $((r % 2)) -eq 0 ] && order="sfs raw"
	for m in $order; do
		if [ $m = raw ]; then
			row=$(/mnt/build/tpm-raw-extend $RSECS $BANKS) || row='{"mode": "raw-extend", "error": "failed"}'
		else
			row=$($VT bench sfs 1 $RSECS)
		fi
		emit tpm "$(echo "$row" | sed "s/^{/{\"round\": $r, /")"
	done
	r=$((r + 1))
done
check "raw TPM2_PCR_Extend loop ran every round" \
	test "$(grep -c '"round".*"mode": "raw-extend".*"rate"' "$OUT")" -eq $ROUNDS
for w in 1 8; do
	emit tpm "$($VT bench sfs $w $SECS)"
	emit tpm "$($VT bench nl $w $SECS)"
done
http_bench tpm 1
http_bench tpm 8
check "the TPM log still replays after the benchmark" /mnt/build/aaelctl verify
rmmod aael

check "insmod (software, sha256+sha384)" insmod $KO backend=software banks=sha256,sha384 test_unsafe=1 max_log_size=402653184
for w in 1 8; do
	emit software "$($VT bench soft-raw $w $SECS | sed 's/"mode": "soft-raw"/"mode": "raw-hash-extend"/')"
	emit software "$($VT bench sfs $w $SECS)"
	emit software "$($VT bench nl $w $SECS)"
done
http_bench software 1
http_bench software 8
http_bench software 8 http-ceiling
check "the software log still replays after the benchmark" /mnt/build/aaelctl verify
echo "{\"register\": \"software\", \"mode\": \"memory\", \"records\": $(cat $A/runtime_measurements_count), \"log_bytes\": $(cat $A/log_size)}" | tee -a "$OUT"
rmmod aael
finish
