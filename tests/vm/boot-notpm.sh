# SPDX-License-Identifier: GPL-2.0
# No TPM: the staged install and the emulated TDX RTMR (both unloaded at
# their end), then the software register (which ends pinned).
rc=0
suites="suite-tdx.sh suite-software.sh"
# The staged install is built for the primary kernel only.
[ -z "$AAEL_KO" ] || [ "$AAEL_KO" = kmod/aael.ko ] && suites="suite-install.sh $suites"
for s in $suites; do
	sh /mnt/tests/vm/$s || rc=1
done
exit $rc
