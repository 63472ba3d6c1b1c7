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
# that does not exist (404, the text "URL NOT FOUND": no body to parse, no
# kernel), what the HTTP stack alone costs here.
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

# poll_bench REGISTER MODE: 8 writers while 8 unprivileged processes poll
# GET_STATUS as fast as they can, for the rate beside the same writers
# without pollers (measured just before). The uapi's access policy says
# what anyone may read waits for no writer and no hardware; this is what
# it costs the writers. The pollers' total is the row's "polls".
NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
poll_bench() {
	for i in 1 2 3 4 5 6 7 8; do
		$NOBODY $VT nlpoll "$SECS" > /tmp/poll.$i 2>&1 &
	done
	row=$($VT bench "$2" 8 "$SECS")
	wait
	polls=$(cat /tmp/poll.? | awk '$1 == "polls" { n += $2 } END { print n + 0 }')
	emit "$1" "$(echo "$row" | sed "s/\"mode\": \"$2\"/\"mode\": \"$2+8-status-pollers\", \"polls\": $polls/")"
}

load_hashes
check "insmod (TPM, all banks, PCR 23)" insmod $KO test_unsafe=1
# The TPM's limit against the kernel path, alternated in one process: ROUNDS
# pairs of a block of raw TPM2_PCR_Extend commands on /dev/tpmrm0
# (tests/bench/tpm-raw-extend.c: no TSS, the same banks as the kernel's,
# one digest each) and a block of records through the event file, each
# block MS long, the order swapped every round. Short blocks side by side
# share the host's drift (it is shared: seconds-long stalls are common);
# tests/bench/run reports the median of the per-round ratios kernel / raw.
ROUNDS=30
MS=1000
/mnt/build/tpm-raw-extend --alternate $ROUNDS $MS $(sed -n 's/^banks: //p' $A/register) \
	> /tmp/alt.jsonl 2> /tmp/alt.err
while read -r row; do emit tpm "$row"; done < /tmp/alt.jsonl
sed 's/^/# /' /tmp/alt.err
check "raw TPM2_PCR_Extend alternated with securityfs: a ratio in most rounds" \
	test "$(grep -c '"round".*"mode": "raw-extend".*"rate"' "$OUT")" -ge $((ROUNDS * 2 / 3))
for w in 1 8; do
	emit tpm "$($VT bench sfs $w $SECS)"
	emit tpm "$($VT bench nl $w $SECS)"
done
emit tpm "$($VT bench sfs 8 $SECS)"
poll_bench tpm sfs
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
emit software "$($VT bench sfs 8 $SECS)"
poll_bench software sfs
http_bench software 1
http_bench software 8
http_bench software 8 http-ceiling
check "the software log still replays after the benchmark" /mnt/build/aaelctl verify
echo "{\"register\": \"software\", \"mode\": \"memory\", \"records\": $(cat $A/runtime_measurements_count), \"log_bytes\": $(cat $A/log_size)}" | tee -a "$OUT"
rmmod aael
finish
