#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The Debian packages as a user gets them. make deb builds them; lintian
# finds no error or warning; apt installs them into a throwaway root, where
# the aael-dkms postinst has DKMS build the module for the guest kernel
# (the headers' release, scripts/kernel-version); the VM boots that kernel,
# loads the DKMS-built module with modprobe from that root and runs the
# packaged tools (tests/vm/suite-deb.sh); then purging the packages must
# leave no file and no DKMS module behind.
#
# The throwaway root is a fresh Debian 12 (scripts/bookworm-root: a
# debootstrap minbase root, cached, with systemd, man-db, gcc, libc6-dev,
# pkg-config and the guest kernel's headers, and none of the packages'
# dependencies) as the read-only lower layer of an overlay whose upper
# layer is a tmpfs, in a private mount namespace: apt, dpkg and DKMS run
# there (chroot), apt fetching the packages' dependencies from the archive
# as on a user's machine (the .debs kept in bookworm-root.debs beside it),
# so a missing Depends fails here (a library not found, a tool that does
# not run, DKMS without its tools). The install must bring the five
# packages and what their Depends pull in, nothing else. Every change
# lands in the tmpfs, gone when the namespace ends;
# the cached root, the machine's packages, /var/lib/dkms and /lib/modules
# are never touched, and the running kernel is never a target. The upper
# layer is also the exact record of what the packages changed: after the
# purge (with the dependencies apt pulled in), whatever is in it and was
# not in the cached root is a file they left behind.
#
#   test-deb.sh RESULTS-DIR
# TAP: RESULTS-DIR/deb.tap (host side), RESULTS-DIR/deb-guest.tap (guest).
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
RESULTS=${1:-build/results}
case $RESULTS in /*) ;; *) RESULTS=$TOP/$RESULTS ;; esac
if [ -z "${AAEL_DEB_NS:-}" ]; then
	T=$(mktemp -d /tmp/aael-deb.XXXXXX)
	trap 'rmdir "$T"' EXIT
	trap 'exit 130' INT TERM
	AAEL_DEB_NS=$T unshare --mount --propagation private "$0" "$RESULTS"
	exit $?
fi
T=$AAEL_DEB_NS
cd "$TOP" || exit 1
mkdir -p "$RESULTS"
TAP=$RESULTS/deb.tap
: > "$TAP"
N=0 FAILED=0
ok() { N=$((N + 1)); echo "ok $N - $1" | tee -a "$TAP"; }
not_ok() {
	N=$((N + 1)); FAILED=$((FAILED + 1))
	echo "not ok $N - $1" | tee -a "$TAP"
	shift
	[ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/#   /' | tee -a "$TAP"
	return 0
}
check() {
	desc=$1
	shift
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc" "$out"; fi
}
expect() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "got:  $2" "want: $3"; fi; }
finish() {
	echo "1..$N" >> "$TAP"
	echo "# deb: $((N - FAILED)) passed, $FAILED failed"
	[ $FAILED -eq 0 ]
	exit
}
now() { date +%s; }

V=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
KVER=$(scripts/kernel-version)
DEBS=build/deb
PKGS="aael-dkms libaael0 libaael-dev aaelctl aaeld"
LOG=$RESULTS/deb-logs
rm -rf "$LOG" "$RESULTS/deb-guest.tap"
mkdir -p "$LOG"

t=$(now)
if make -s deb > "$LOG/make-deb.log" 2>&1; then
	ok "make deb: the packages build ($(($(now) - t)) s)"
else
	not_ok "make deb: the packages build" "$(tail -n 20 "$LOG/make-deb.log")"
	finish
fi
files=
for p in $PKGS; do
	f=$(ls "$DEBS/${p}_${V}_"*.deb 2>/dev/null)
	files="$files $f"
	[ -n "$f" ] || not_ok "$p: built at version $V (dkms.conf)" "$(ls "$DEBS")"
	[ -n "$f" ] && expect "$p: built at version $V (dkms.conf)" "$(dpkg-deb -f "$f" Version)" "$V"
done
expect "the module sources at /usr/src/aael-$V, dkms.conf at $V" \
	"$(dpkg-deb --fsys-tarfile "$DEBS/aael-dkms_${V}_all.deb" | tar -xO ./usr/src/aael-$V/dkms.conf 2>&1 |
		sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p')" "$V"

# Errors and warnings fail; what the overrides accept is explained there.
t=$(now)
lintian --fail-on error,warning --display-level '>=info' "$DEBS/aael_${V}_amd64.changes" \
	> "$LOG/lintian.txt" 2>&1
rc=$?
sed -i '/^running with root privileges/d' "$LOG/lintian.txt"
if [ $rc -eq 0 ] && ! grep -q '^[EW]:' "$LOG/lintian.txt"; then
	ok "lintian (.debs, .changes, .buildinfo): no error, no warning, $(grep -c '^[IP]:' "$LOG/lintian.txt") info ($(($(now) - t)) s)"
else
	not_ok "lintian (.debs, .changes, .buildinfo): no error, no warning" "$(cat "$LOG/lintian.txt")"
fi

# The throwaway root (see the header). The downloaded dependencies are
# kept between runs next to the cached root, outside the upper layer.
t=$(now)
BASE=$(scripts/bookworm-root 2> "$LOG/bookworm-root.log") || {
	not_ok "a fresh bookworm root (scripts/bookworm-root)" "$(tail -n 20 "$LOG/bookworm-root.log")"
	finish
}
ok "a fresh bookworm root, cached ($(($(now) - t)) s)"
ARCHIVES=$BASE.debs
mkdir -p "$ARCHIVES/partial"
R=$T/root
mount -t tmpfs -o mode=0755 aael-deb "$T" &&
	mkdir "$T/upper" "$T/work" "$R" &&
	mount -t overlay overlay -o "lowerdir=$BASE,upperdir=$T/upper,workdir=$T/work" "$R" &&
	mount --bind "$ARCHIVES" "$R/var/cache/apt/archives" &&
	mount --bind -o ro "$TOP/$DEBS" "$R/mnt" &&
	mount --rbind /dev "$R/dev" && mount -t proc proc "$R/proc" &&
	mount -t sysfs sysfs "$R/sys" && mount -t tmpfs tmpfs "$R/run" || {
	not_ok "a throwaway root (overlay of $BASE on a tmpfs)"
	finish
}
in_root() { chroot "$R" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	DEBIAN_FRONTEND=noninteractive "$@"; }
# The root must not have aael already: the purge check would then see
# its files go.
pre=$(ls -d "$R/var/lib/dkms/aael" 2>/dev/null; in_root dpkg-query -W $PKGS 2>/dev/null)
expect "the root has no aael package or DKMS module before the install" "$pre" ""
[ -e "$R/lib/modules/$KVER/build/Makefile" ] &&
	ok "the root has the guest kernel's headers ($KVER)" ||
	not_ok "the root has the guest kernel's headers ($KVER)" "scripts/bookworm-root installs them"
in_root dpkg-query -W -f='${Package}\n' | sort > "$LOG/root-packages.txt"

# apt resolves the Depends from the archive. What it installs must be the
# five packages and the dependency chains they declare, nothing else: the
# same set apt gives for their Depends (the first of alternatives, less
# the five themselves and what the root has) installed on their own. That the declared set
# is enough is what the rest shows in a root that has nothing else: DKMS
# builds, every program and library finds its libraries. Without the
# flag file man-db's trigger skips rebuilding the whole man index (a
# minute here, and cache files no package owns); the pages are checked by
# rendering them instead.
# The .debs are at /mnt in the root (read-only).
debs=$(for f in $files; do echo "/mnt/${f##*/}"; done)
inst() { sed -n 's/^Inst \([^ :]*\)[: ].*/\1/p' | sort -u; }
# shellcheck disable=SC2086
in_root apt-get install -s --no-install-recommends $debs > "$LOG/install-sim.log" 2>&1
declared=$(for f in $files; do dpkg-deb -f "$f" Pre-Depends Depends; done |
	sed 's/^[A-Za-z-]*: //' | tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/:any//' -e 's/ //g' |
	grep -v '^$' | grep -vxF "$(echo $PKGS | tr ' ' '\n')" | sort -u |
	comm -23 - "$LOG/root-packages.txt")
echo "$declared" > "$LOG/declared-depends.txt"
# shellcheck disable=SC2086
in_root apt-get install -s --no-install-recommends $declared > "$LOG/depends-sim.log" 2>&1
expect "apt would install the five packages and only what their Depends pull in ($(inst < "$LOG/install-sim.log" | grep -vcxF "$(echo $PKGS | tr ' ' '\n')") dependencies)" \
	"$(inst < "$LOG/install-sim.log" | tr '\n' ' ')" \
	"$( (inst < "$LOG/depends-sim.log"; echo $PKGS | tr ' ' '\n') | sort -u | tr '\n' ' ')"
MANDB_FLAG=/var/lib/man-db/auto-update
rm -f "$R$MANDB_FLAG"
t=$(now)
# shellcheck disable=SC2086
if in_root apt-get install -y --no-install-recommends -o Dpkg::Use-Pty=0 \
	$debs > "$LOG/install.log" 2>&1; then
	ok "apt-get install of the five packages and their dependencies into the throwaway root ($(($(now) - t)) s)"
else
	not_ok "apt-get install of the five packages into the throwaway root" "$(tail -n 30 "$LOG/install.log")"
fi
for p in $PKGS; do
	expect "$p: installed, version $V" "$(in_root dpkg-query -W -f='${Status} ${Version}' "$p" 2>&1)" \
		"install ok installed $V"
done
# Everything the install made that the cached root does not have (the
# upper layer, less what it copied up): the list the purge must empty.
new_files() {
	(cd "$T/upper" && find . -mindepth 1 \( -type f -o -type l -o -type d -o -type c \) | sort) |
		while IFS= read -r p; do
			p=${p#.}
			if [ -c "$T/upper$p" ]; then
				[ "$p" = "$MANDB_FLAG" ] || echo "removed $p"
			elif [ ! -e "$BASE$p" ] && [ ! -L "$BASE$p" ]; then
				echo "$p"
			fi
		done
}
new_files > "$LOG/installed-files.txt"

# A missing Depends shows here: the root has only what apt installed.
missing=
for p in $PKGS; do
	for f in $(in_root dpkg -L "$p"); do
		[ -f "$R$f" ] && [ ! -L "$R$f" ] && head -c 4 "$R$f" | grep -q ELF || continue
		case $f in *.ko|*.a|*.o) continue ;; esac
		nf=$(in_root ldd "$f" 2>&1 | grep 'not found')
		[ -z "$nf" ] || missing="$missing$p $f: $nf
"
	done
done
expect "every program and library the packages install finds its libraries in the root (ldd)" "$missing" ""
expect "the packaged aaelctl runs in the root" "$(in_root aaelctl --help 2>&1 | head -n 1)" "usage: aaelctl VERB [OPTIONS]"
expect "the packaged aaeld runs in the root" "$(in_root aaeld --version 2>&1)" "aaeld $V"

expect "dkms status: aael $V installed for $KVER (and no other kernel)" \
	"$(in_root dkms status -m aael 2>&1)" "aael/$V, $KVER, $(uname -m): installed"
KO=/lib/modules/$KVER/updates/dkms/aael.ko
if [ -f "$R$KO" ] && modinfo -F vermagic "$R$KO" | grep -q "^$KVER " &&
   [ "$(modinfo -F version "$R$KO")" = "$V" ]; then
	ok "DKMS built $KO for $KVER (vermagic), version $V"
else
	not_ok "DKMS built $KO for $KVER, version $V" "$(ls -l "$R/lib/modules/$KVER/updates/dkms" 2>&1)"
fi
check "modules.dep of $KVER (depmod in the postinst) lists it" \
	grep -q "^updates/dkms/aael.ko:" "$R/lib/modules/$KVER/modules.dep"
# A new kernel: its package runs /etc/kernel/postinst.d/dkms, which
# builds every module whose dkms.conf says AUTOINSTALL. Seen as the same
# kernel with the module taken away (the root has one kernel's headers).
in_root dkms unbuild -m aael -v "$V" -k "$KVER" > "$LOG/new-kernel.log" 2>&1
expect "dkms unbuild -k $KVER: aael only added" "$(in_root dkms status -m aael 2>&1)" "aael/$V: added"
t=$(now)
in_root /etc/kernel/postinst.d/dkms "$KVER" >> "$LOG/new-kernel.log" 2>&1
if [ "$(in_root dkms status -m aael 2>&1)" = "aael/$V, $KVER, $(uname -m): installed" ] &&
   [ -f "$R$KO" ] && grep -q "^updates/dkms/aael.ko:" "$R/lib/modules/$KVER/modules.dep"; then
	ok "the new-kernel hook (kernel postinst.d) builds and installs it again ($(($(now) - t)) s)"
else
	not_ok "the new-kernel hook (kernel postinst.d) builds and installs it again" "$(tail -n 20 "$LOG/new-kernel.log")"
fi
check "the unit runs the packaged /usr/bin/aaeld" grep -qx "ExecStart=/usr/bin/aaeld -c /etc/aael/aa.toml" \
	"$R/lib/systemd/system/aaeld.service"
expect "the unit is installed, not enabled" "$(systemctl --root="$R" is-enabled aaeld.service 2>&1)" disabled
check "systemd-analyze verifies the unit" in_root systemd-analyze verify --man=no /lib/systemd/system/aaeld.service
# docs/GUEST-IMAGE.md's unit block (section 3), run as written; then
# undone, since they are the image builder's files, not the packages'.
awk '/^## 3/ { s = 1 } s && /^```sh$/ { b = 1; next } b && /^```$/ { exit } b' \
	docs/GUEST-IMAGE.md > "$R/tmp/recipe.sh"
check "docs/GUEST-IMAGE.md: the drop-in and path unit block runs in the root" \
	in_root sh -e /tmp/recipe.sh
check "systemd-analyze verifies aaeld.path and aaeld.service with the drop-in" \
	in_root systemd-analyze verify --man=no /etc/systemd/system/aaeld.path /lib/systemd/system/aaeld.service
expect "aaeld.path is enabled, aaeld.service still not" \
	"$(systemctl --root="$R" is-enabled aaeld.path aaeld.service 2>&1 | tr '\n' ' ')" "enabled disabled "
in_root systemctl disable aaeld.path > /dev/null 2>&1
rm -rf "$R/tmp/recipe.sh" "$R/etc/systemd/system/aaeld.path" "$R/etc/systemd/system/aaeld.service.d"
[ -d /etc/systemd/system/paths.target.wants ] || rmdir "$R/etc/systemd/system/paths.target.wants" 2>/dev/null
# Rendered from copies: man caches pages it renders from its own tree.
check "the man pages render" in_root sh -c 'cd /tmp && zcat /usr/share/man/man8/aaelctl.8.gz > aaelctl.8 &&
	zcat /usr/share/man/man8/aaeld.8.gz > aaeld.8 && man -l aaelctl.8 | grep -q "EXIT STATUS" &&
	man -l aaeld.8 | grep -q "INIT-DATA BINDING"; rc=$?; rm -f aaelctl.8 aaeld.8; exit $rc'

# libaael-dev as a user of the library uses it: pkg-config, <aael.h>,
# linked to libaael0's libaael.so.0 (the program runs in the guest).
cp tests/deb/libaael-status.c "$R/tmp/libaael-status.c"
check "a program builds with pkg-config libaael (libaael-dev)" in_root sh -c \
	'cc -std=c11 -Wall -Wextra -Werror -o /tmp/libaael-status /tmp/libaael-status.c $(pkg-config --cflags --libs libaael)'
lib=$(in_root ldd /tmp/libaael-status | awk '$1 == "libaael.so.0" { print $3 }')
lib=$(readlink -f "$R$lib")
expect "it links libaael0's libaael.so.0" "${lib#"$R"}" \
	"/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/libaael.so.0"

# What the guest needs from the root, in the VM's output directory.
OUT=build/results/vm-deb
case $RESULTS in "$TOP"/*) OUT=${RESULTS#"$TOP"/}/vm-deb ;; esac
rm -rf "${TOP:?}/${OUT:?}"
mkdir -p "$TOP/$OUT/root"
# /lib is /usr/lib on a merged-/usr root: the same layout there. Its
# /etc as the install left it, the modules tree (DKMS's aael.ko, depmod's
# files) and the packages' own files; the dependencies' libraries are the
# machine's in the guest, which sees the host's /.
for d in etc usr lib; do
	if [ -L "$BASE/$d" ]; then
		ln -s "$(readlink "$BASE/$d")" "$TOP/$OUT/root/$d"
	fi
done
cp -a "$T/upper/etc" "$TOP/$OUT/root/"
(cd "$R" && { find usr/lib/modules -type f -o -type l
	# shellcheck disable=SC2086
	in_root dpkg -L $PKGS | sed -e 's|^/\(lib\|bin\|sbin\)/|/usr/\1/|' -e 's|^/||' | grep -v '^etc/\|^$' |
		while IFS= read -r f; do [ -d "$f" ] || echo "$f"; done; } |
	cpio -pdm --quiet "$TOP/$OUT/root")
cp "$R/tmp/libaael-status" "$TOP/$OUT/"
rm -f "$R/tmp/libaael-status" "$R/tmp/libaael-status.c"
echo "$V" > "$TOP/$OUT/version"
t=$(now)
tests/vm/run-vm --tpm sha256 --script tests/vm/suite-deb.sh --out "$OUT" > "$LOG/vm.log" 2>&1
rc=$?
[ -f "$TOP/$OUT/deb-guest.tap" ] && cp "$TOP/$OUT/deb-guest.tap" "$RESULTS/deb-guest.tap"
[ $rc -eq 0 ] && ok "the guest ($KVER) loads the DKMS-built module and runs the packaged tools ($(($(now) - t)) s)" ||
	not_ok "the guest ($KVER) loads the DKMS-built module and runs the packaged tools: exit $rc" \
		"see $OUT/console.log" "$(tail -n 20 "$LOG/vm.log")"
rm -rf "$TOP/$OUT/root"

t=$(now)
# shellcheck disable=SC2086
if in_root apt-get purge -y -o Dpkg::Use-Pty=0 $PKGS > "$LOG/purge.log" 2>&1; then
	ok "apt-get purge of the five packages ($(($(now) - t)) s)"
else
	not_ok "apt-get purge of the five packages" "$(tail -n 30 "$LOG/purge.log")"
fi
expect "dkms status: no aael" "$(in_root dkms status -m aael 2>&1)" ""
# Then what apt installed for them goes too.
t=$(now)
# What the root's own packages merely recommend or suggest (systemd the
# TSS libraries, ...) was not there before either.
if in_root apt-get autoremove --purge -y -o Dpkg::Use-Pty=0 -o APT::AutoRemove::RecommendsImportant=false \
	-o APT::AutoRemove::SuggestsImportant=false > "$LOG/autoremove.log" 2>&1; then
	ok "apt-get autoremove --purge of their dependencies ($(($(now) - t)) s)"
else
	not_ok "apt-get autoremove --purge of their dependencies" "$(tail -n 30 "$LOG/autoremove.log")"
fi
expect "the root has the packages it had before the install, no more, no fewer" \
	"$(in_root dpkg-query -W -f='${Package}\n' | sort | diff "$LOG/root-packages.txt" - | grep '^[<>]')" ""
expect "no aael.ko under /lib/modules" "$(find "$R/lib/modules" -name 'aael.ko*' 2>&1)" ""
for p in $PKGS; do
	expect "$p: purged" "$(in_root dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" ""
done
new_files > "$LOG/left-files.txt"
expect "the purge left none of the $(grep -c . "$LOG/installed-files.txt") paths the install made, and removed nothing of the root's" \
	"$(cat "$LOG/left-files.txt")" ""
finish
