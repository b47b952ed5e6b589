#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# build-initramfs.sh - build $CACHE/initramfs.cpio.gz (static busybox, the few modules needed
# to reach the host root over 9p, and tests/vm/init as /init) and $CACHE/vmlinux.
# Every other module is loaded at run time from the full tree in $CACHE/kpkg through 9p.
# Skipped when the stamp (hash of init, this script and the kernel version) is current,
# so vmrun.sh can call it before every boot.
#   INIT_SRC      the init to install (default tests/vm/init; the systemd variant: init-sd)
#   INITRD_NAME   the image in $CACHE (default initramfs.cpio.gz; its stamp is NAME.stamp
#                 without .cpio.gz, so initramfs.stamp for the default)
set -euo pipefail
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
CACHE=${LVS_VM_CACHE:-/var/cache/lvs-rs-agent/vm}
KPKG=$CACHE/kpkg
BB=$CACHE/bbpkg/bin/busybox
[ -x "$BB" ] && [ -d "$KPKG/lib/modules" ] ||
	{ echo "build-initramfs: $CACHE not provisioned (run tests/vm/setup.sh)" >&2; exit 1; }
KVER=$(ls "$KPKG/lib/modules" | head -1)
MD=$KPKG/lib/modules/$KVER
INIT_SRC=${INIT_SRC:-$HERE/init}
INITRD_NAME=${INITRD_NAME:-initramfs.cpio.gz}
IMG=$CACHE/$INITRD_NAME
STAMP=$CACHE/${INITRD_NAME%.cpio.gz}.stamp
stamp=$(cat "$INIT_SRC" "$0" | sha256sum | cut -d' ' -f1)-$KVER
if [ -f "$IMG" ] && [ -f "$CACHE/vmlinuz" ] &&
	[ "$(cat "$STAMP" 2>/dev/null)" = "$stamp" ]; then
	exit 0
fi
[ -f "$MD/modules.dep" ] || "$BB" depmod -b "$KPKG" "$KVER"

ROOT=$(mktemp -d "$CACHE/initramfs.XXXXXX")
trap 'rm -rf "$ROOT"' EXIT
mkdir -p "$ROOT"/{bin,dev,proc,sys,tmp,host,vmrun,ovl,newroot} "$ROOT/lib/modules/$KVER"
cp "$BB" "$ROOT/bin/busybox"
cp "$INIT_SRC" "$ROOT/init" && chmod 755 "$ROOT/init"
files=""
for m in virtio_pci 9pnet_virtio 9p overlay; do
	line=$(grep -E "/$m\.ko(\.xz)?:" "$MD/modules.dep") ||
		{ echo "build-initramfs: module $m not in $MD" >&2; exit 1; }
	files="$files ${line%%:*} ${line#*:}"
done
for f in $(echo $files | tr ' ' '\n' | sort -u); do
	mkdir -p "$ROOT/lib/modules/$KVER/$(dirname "$f")"
	cp "$MD/$f" "$ROOT/lib/modules/$KVER/$f"
done
cp "$MD/modules.builtin" "$MD/modules.order" "$ROOT/lib/modules/$KVER/" 2>/dev/null || true
"$BB" depmod -b "$ROOT" "$KVER"
(cd "$ROOT" && find . | LC_ALL=C sort | "$BB" cpio -o -H newc -R 0:0 2>/dev/null) |
	gzip -1 > "$IMG.tmp"
mv "$IMG.tmp" "$IMG"
cp "$KPKG/boot/vmlinuz-$KVER" "$CACHE/vmlinuz"

# Uncompressed ELF vmlinux for PVH direct boot (qemu -kernel vmlinux): skips the real-mode
# setup and the XZ decompressor, which under TCG cost ~2.6 s per boot. Optional: vmrun.sh
# boots vmlinuz when it is missing.
if [ ! -f "$CACHE/vmlinux" ] || [ "$CACHE/vmlinux" -ot "$CACHE/vmlinuz" ]; then
	rm -f "$CACHE/vmlinux"
	off=$(python3 -c 'import sys; print(open(sys.argv[1], "rb").read().find(b"\xfd7zXZ\x00"))' \
		"$CACHE/vmlinuz")
	# Through a file: in a pipe, xz leaving the trailing data unread would SIGPIPE tail.
	if [ "$off" -ge 0 ] && tail -c +$((off + 1)) "$CACHE/vmlinuz" > "$CACHE/vmlinux.xz" &&
		xz -dc --single-stream "$CACHE/vmlinux.xz" > "$CACHE/vmlinux.tmp" &&
		[ "$(head -c 4 "$CACHE/vmlinux.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
		mv "$CACHE/vmlinux.tmp" "$CACHE/vmlinux"
		rm -f "$CACHE/vmlinux.xz"
	else
		rm -f "$CACHE/vmlinux.tmp" "$CACHE/vmlinux.xz"
		echo "build-initramfs: no vmlinux extracted from vmlinuz, booting the bzImage" >&2
	fi
fi
echo "$KVER" > "$CACHE/kver"
echo "$stamp" > "$STAMP"
echo "build-initramfs: $IMG ($(stat -c %s "$IMG") bytes)" \
	"for $KVER"
