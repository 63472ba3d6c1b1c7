# SPDX-License-Identifier: GPL-2.0
# One boot, three suites: the module on a 4-bank TPM, then netlink and
# aaelctl on the same loaded module (its log pinned and non-empty), then the
# kernel's YNL library as a client of the same family.
sh /mnt/tests/vm/suite-tpm.sh
a=$?
sh /mnt/tests/vm/suite-netlink.sh
b=$?
sh /mnt/tests/vm/suite-ynl.sh
c=$?
[ $a -eq 0 ] && [ $b -eq 0 ] && [ $c -eq 0 ]
