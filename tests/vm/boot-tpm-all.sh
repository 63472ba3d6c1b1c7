# SPDX-License-Identifier: GPL-2.0
# One boot, two suites: the module on a 4-bank TPM, then netlink and aaelctl
# on the same loaded module (its log pinned and non-empty).
sh /mnt/tests/vm/suite-tpm.sh
a=$?
sh /mnt/tests/vm/suite-netlink.sh
b=$?
[ $a -eq 0 ] && [ $b -eq 0 ]
