# SPDX-License-Identifier: GPL-2.0
# The REST server's behaviour row by row (tests/rest/compat.sh) against an
# ASan aaeld with aael.ko loaded, then the KBS resource route end to end:
# secrets fetched from the test KBS through a handshake and the JWE the
# KBS encrypts to each tee key algorithm, byte for byte.
SUITE=rest-compat
. /mnt/tests/vm/lib.sh
D=$AAELD_ASAN
T=$(mktemp -d)
KERNEL=1
asan_start
[ -d /sys/module/aael ] || check "insmod aael.ko" insmod $KO
. /mnt/tests/rest/compat.sh
. /mnt/tests/rest/resource.sh
asan_check
finish
