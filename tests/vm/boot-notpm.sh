# SPDX-License-Identifier: GPL-2.0
# No TPM: the staged install and the emulated TDX RTMR (both unloaded at
# their end), then the software register (which ends pinned).
rc=0
for s in suite-install.sh suite-tdx.sh suite-software.sh; do
	sh /mnt/tests/vm/$s || rc=1
done
exit $rc
