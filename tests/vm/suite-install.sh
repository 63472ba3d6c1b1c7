# SPDX-License-Identifier: GPL-2.0
# `make install DESTDIR=build/stage` (done by `make vm` on the host): the
# module loads from the staging root with modprobe and the tools run.
SUITE=install
. /mnt/tests/vm/lib.sh
S=/mnt/build/stage
CTL=$S/usr/local/bin/aaelctl

load_hashes
check "staged tree: aael.ko under lib/modules/$(uname -r)/updates" \
	test -f $S/lib/modules/$(uname -r)/updates/aael.ko
check "modprobe -d <stage> loads it (with the staged modprobe.d)" \
	modprobe -C $S/etc/modprobe.d -d $S aael backend=software test_unsafe=1
check "the staged modules-load.d entry names the module" grep -qx aael $S/etc/modules-load.d/aael.conf
check "staged aaelctl records" $CTL record install test "staged tools"
expect "staged aaelctl reads it back" "$($CTL log | sed 's/.*:[0-9a-f]* //')" "install test staged tools"
check "staged aaelctl verifies the live log" $CTL verify
check "staged man page renders" sh -c "man -l $S/usr/local/share/man/man8/aaelctl.8 | grep -q 'EXIT STATUS'"
check "rmmod (test_unsafe)" rmmod aael
finish
