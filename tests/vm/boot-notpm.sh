# SPDX-License-Identifier: GPL-2.0
# No TPM: the staged install, aaeld's tdx evidence over configfs-tsm and
# the emulated TDX RTMR (all unloaded at their end), then the software
# register (which ends pinned).
rc=0
suites="suite-tdx.sh suite-software.sh"
# The staged install is built for the primary kernel only.
[ -z "$AAEL_KO" ] || [ "$AAEL_KO" = kmod/aael.ko ] && suites="suite-install.sh $suites"
# configfs-tsm exists from 6.12 on; kernel-matrix builds the test provider.
[ -f "/mnt/$(dirname "${AAEL_KO:-kmod/aael.ko}")/aael_tsm_fake.ko" ] &&
	suites="suite-tdx-evidence.sh $suites"
for s in $suites; do
	sh /mnt/tests/vm/$s || rc=1
done
exit $rc
