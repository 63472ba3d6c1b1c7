# SPDX-License-Identifier: GPL-2.0
# `make demo`: the main job in a guest with a 4-bank swtpm -- the module,
# the securityfs interface, then the seed flow through aaeld and a KBS.
A=/sys/kernel/security/aael
run() {
	echo "# $*"
	sh -c "$*"
	echo
}
wait_http() {
	i=0
	while ! curl -s -o /dev/null "$1" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
modprobe -d "${AAEL_KMODS%/lib/modules/*}" crypto-sha512 2>/dev/null
run insmod /mnt/${AAEL_KO:-kmod/aael.ko}
run cat $A/register
run "echo 'workload image.pull {\"image\": \"docker.io/library/busybox:latest\"}' > $A/event"
run "/bin/echo 'bad' > $A/event"
run cat $A/ascii_runtime_measurements

echo "## aaeld and a (test) KBS, as a CoCo workload sees them"
/usr/bin/python3 /mnt/tests/kbs/test-kbs.py --port 8080 > /tmp/kbs.log 2>&1 &
printf '[eventlog_config]\ninit_pcr = 23\nenable_eventlog = true\n[token_configs.kbs]\nurl = "http://127.0.0.1:8080"\n' > /tmp/aa.toml
/mnt/build/aaeld -c /tmp/aa.toml --features all > /tmp/aaeld.log 2>&1 &
wait_http http://127.0.0.1:8080/stats
wait_http http://127.0.0.1:8006/info
run "curl -s -X POST http://127.0.0.1:8006/aa/aael -H 'Content-Type: application/json' -d '{\"domain\":\"test\",\"operation\":\"test\",\"content\":\"test\"}'"
run "curl -s http://127.0.0.1:8006/aa/token?token_type=kbs | jq -r '.token|split(\".\")|.[1]|@base64d|fromjson' | jq -M '.submods.cpu0[\"ear.veraison.annotated-evidence\"] | {pcrs, aael: [.uefi_event_logs[] | {index, digest_matches_event, details}]}'"
run "cat /sys/class/tpm/tpm0/pcr-sha256/23"
run "/mnt/build/aaelctl verify"
run rmmod aael
