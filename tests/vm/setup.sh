#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# setup.sh - provision the VM test harness (tests/vm/vmrun.sh).
#
# Host side (apt): qemu-system-x86 and the userspace tools the labs run inside the guest
# (the guest sees the host root read-only through 9p, so they must be installed here).
# Cache side (${LVS_VM_CACHE:-/var/cache/lvs-rs-agent/vm}, outside the repository so that
# a fresh clone reuses it): the Debian kernel package that linux-image-amd64 depends on
# and busybox-static are downloaded and unpacked there, NOT installed; then modules.dep,
# the initramfs and the uncompressed vmlinux are built. Finished steps are skipped, so a
# re-run takes well under a second.
set -euo pipefail
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
CACHE=${LVS_VM_CACHE:-/var/cache/lvs-rs-agent/vm}
export DEBIAN_FRONTEND=noninteractive
HOST_PKGS=${HOST_PKGS:-"qemu-system-x86 ipvsadm iproute2 curl socat iptables nftables tcpdump python3-minimal xz-utils"}
t0=$(date +%s)

updated=0
apt_update() { [ $updated = 1 ] || { apt-get update -qq; updated=1; }; }

missing=""
for p in $HOST_PKGS; do
	dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "vm setup: installing$missing"
	apt_update
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi

mkdir -p "$CACHE/debs"
cd "$CACHE"

kpkg_name() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

# Once the kernel is unpacked the package name is only needed to fetch it again.
if ! ls -d kpkg/lib/modules/*/kernel >/dev/null 2>&1 ||
	! ls kpkg/boot/vmlinuz-* >/dev/null 2>&1; then
	KPKG=$(kpkg_name)
	[ -n "$KPKG" ] || { apt_update; KPKG=$(kpkg_name); }
	[ -n "$KPKG" ] || { echo "vm setup: cannot resolve linux-image-amd64" >&2; exit 1; }
	if ! ls "debs/${KPKG}"_*.deb >/dev/null 2>&1; then
		echo "vm setup: downloading $KPKG"
		(cd debs && apt-get download -o APT::Sandbox::User=root "$KPKG") ||
			{ apt_update; (cd debs && apt-get download -o APT::Sandbox::User=root "$KPKG"); }
	fi
	rm -rf kpkg.tmp
	dpkg -x "$(ls "debs/${KPKG}"_*.deb | tail -1)" kpkg.tmp
	rm -rf kpkg && mv kpkg.tmp kpkg
fi
if [ ! -x bbpkg/bin/busybox ]; then
	if ! ls debs/busybox-static_*.deb >/dev/null 2>&1; then
		echo "vm setup: downloading busybox-static"
		(cd debs && apt-get download -o APT::Sandbox::User=root busybox-static) ||
			{ apt_update; (cd debs && apt-get download -o APT::Sandbox::User=root busybox-static); }
	fi
	rm -rf bbpkg.tmp
	dpkg -x "$(ls debs/busybox-static_*.deb | tail -1)" bbpkg.tmp
	rm -rf bbpkg && mv bbpkg.tmp bbpkg
fi

KVER=$(ls kpkg/lib/modules | head -1)
[ -f "kpkg/lib/modules/$KVER/modules.dep" ] ||
	bbpkg/bin/busybox depmod -b "$CACHE/kpkg" "$KVER"

LVS_VM_CACHE=$CACHE "$HERE/build-initramfs.sh"
# The systemd variant (vmrun-sd.sh, sd-test.sh); vmrun.sh also rebuilds it when init-sd changes.
LVS_VM_CACHE=$CACHE INIT_SRC=$HERE/init-sd INITRD_NAME=initramfs-sd.cpio.gz "$HERE/build-initramfs.sh"
echo "vm setup: ready in $(($(date +%s) - t0))s: kernel $KVER in $CACHE"
