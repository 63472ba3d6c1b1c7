# SPDX-License-Identifier: GPL-2.0
# No TPM: the emulated TDX RTMR (unloaded at its end), then the software
# register (which ends pinned).
sh /mnt/tests/vm/suite-tdx.sh
a=$?
sh /mnt/tests/vm/suite-software.sh
b=$?
[ $a -eq 0 ] && [ $b -eq 0 ]
