# SPDX-License-Identifier: GPL-2.0
# One boot, two suites: aaeld end to end (suite-aaeld.sh), then the REST
# server's behaviour and the KBS resource route (suite-rest-compat.sh).
sh /mnt/tests/vm/suite-aaeld.sh
a=$?
sh /mnt/tests/vm/suite-rest-compat.sh
b=$?
[ $a -eq 0 ] && [ $b -eq 0 ]
