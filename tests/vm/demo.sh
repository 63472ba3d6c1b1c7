# SPDX-License-Identifier: GPL-2.0
# `make demo`: the main job in a guest with a 4-bank swtpm.
A=/sys/kernel/security/aael
run() {
	echo "# $*"
	sh -c "$*"
	echo
}
modprobe -d "${AAEL_KMODS%/lib/modules/*}" crypto-sha512
run insmod /mnt/kmod/aael.ko
run cat $A/register
run "echo 'test test test' > $A/event"
run "echo 'workload image.pull {\"image\": \"docker.io/library/busybox:latest\"}' > $A/event"
run "/bin/echo 'bad' > $A/event"
run cat $A/ascii_runtime_measurements
run cat $A/register_value
run "cat /sys/class/tpm/tpm0/pcr-sha256/23"
run "cp $A/binary_runtime_measurements /tmp/log && tpm2_eventlog /tmp/log | sed -n '/^pcrs:/,\$p'"
run "/mnt/build/aael-vmtest verify 23"
run rmmod aael
