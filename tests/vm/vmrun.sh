#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# vmrun.sh - run a shell script as root inside a throw-away QEMU VM that boots the stock
# Debian kernel from the cache (IPVS, ipip, nf_tables, ... as modules), with the host root
# filesystem visible read-only through 9p (writable through a tmpfs overlay in the guest).
#
#   usage: vmrun.sh SCRIPT [ARGS...]
#
# The script's stdout+stderr are streamed to our stdout; we exit with its exit status, or
#   124  the script (guest) or the VM (host) timed out
#   125  infrastructure failure (VM did not boot / no status came back)
# Environment:
#   LVS_VM_CACHE   cache provisioned by setup.sh (default /var/cache/lvs-rs-agent/vm)
#   VMRUN_TIMEOUT  seconds for the script inside the guest (default 300); the VM as a whole
#                  is killed after VMRUN_TIMEOUT + VMRUN_BOOT_TIMEOUT (default 60)
#   VMRUN_MODULES  comma-separated modules preloaded before the script (default
#                  ip_vs,ip_vs_rr,veth,bridge; others autoload through busybox modprobe)
#   VMRUN_ACCEL    auto (default: kvm if usable, else tcg) | kvm | tcg
#   VMRUN_MEM / VMRUN_SMP   guest RAM in MiB (default 1024) / vCPUs (default 1; under TCG
#                  several one-vCPU VMs in parallel beat one VM with more vCPUs)
#   VMRUN_KEEP=1   keep the job directory (console.log = guest kernel log)
#   VMRUN_RUNDIR   where job directories are created (default $LVS_VM_CACHE/runs)
#   VMRUN_APPEND   extra kernel command line
#   VMRUN_PASSENV  names of further variables to export into the job (LVS_* always are)
#   VMRUN_SYSTEMD=1  boot the host's systemd as PID 1 (init-sd, initramfs-sd.cpio.gz; see
#                  vmrun-sd.sh): the script runs as vmrun-job.service once vmtest.target
#                  (instead of multi-user.target) is reached. With it:
#     VMRUN_ROOT        a directory copied over the guest root before systemd starts
#     VMRUN_UNITS       unit files copied into the guest's /etc/systemd/system
#     VMRUN_BOOT_UNITS  unit names vmtest.target wants (started at boot, before the job)
#     VMRUN_MASK        units to mask (default: SD_MASK below, the slow and useless ones)
#     VMRUN_SD_ARGS     extra systemd.* kernel parameters
# Inside the guest: $VMRUN_GUEST=1, /vmrun is the job directory (writable, visible on the
# host), cwd is the caller's cwd, the host's / is visible at the same paths.
set -u
HERE=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
CACHE=${LVS_VM_CACHE:-/var/cache/lvs-rs-agent/vm}
ACCEL=${VMRUN_ACCEL:-auto}
TMO=${VMRUN_TIMEOUT:-300}
BOOT_TMO=${VMRUN_BOOT_TIMEOUT:-60}
MODULES=${VMRUN_MODULES-ip_vs,ip_vs_rr,veth,bridge}
MEM=${VMRUN_MEM:-1024}
SMP=${VMRUN_SMP:-1}
QEMU=${VMRUN_QEMU:-qemu-system-x86_64}

err() { echo "vmrun: $*" >&2; }
[ $# -ge 1 ] || { err "usage: $0 SCRIPT [ARGS...]"; exit 2; }
script=$1
shift
[ -r "$script" ] || { err "cannot read $script"; exit 2; }
command -v "$QEMU" >/dev/null || { err "$QEMU not found (run tests/vm/setup.sh)"; exit 125; }
SD=${VMRUN_SYSTEMD:-0}
if [ "$SD" = 1 ]; then
	INITRD=initramfs-sd.cpio.gz
	export INIT_SRC=$HERE/init-sd INITRD_NAME=$INITRD
else
	INITRD=initramfs.cpio.gz
fi
# A changed init rebuilds the initramfs (a second or so); a missing cache is an error.
LVS_VM_CACHE=$CACHE "$HERE/build-initramfs.sh" >&2 || exit 125
KVER=$(cat "$CACHE/kver" 2>/dev/null)
MODDIR=$CACHE/kpkg/lib/modules/$KVER
# The uncompressed ELF vmlinux boots through the PVH entry, ~2.6 s faster under TCG.
KERNEL=$CACHE/vmlinux
[ -f "$KERNEL" ] || KERNEL=$CACHE/vmlinuz
[ -n "$KVER" ] && [ -f "$KERNEL" ] && [ -f "$CACHE/$INITRD" ] ||
	{ err "kernel/initramfs missing in $CACHE (run tests/vm/setup.sh)"; exit 125; }

# auto: KVM only if /dev/kvm is usable and the CPU advertises VMX/SVM; if the KVM guest is
# not up within VMRUN_KVM_PROBE seconds (default 30), fall back to TCG.
probe=0
case $ACCEL in
auto)
	if [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
		ACCEL=kvm
		probe=1
	else
		ACCEL=tcg
	fi ;;
kvm | tcg) ;;
*) err "VMRUN_ACCEL must be auto, kvm or tcg"; exit 2 ;;
esac

RUNDIR=${VMRUN_RUNDIR:-$CACHE/runs}
mkdir -p "$RUNDIR" || exit 125
job=$(mktemp -d "$RUNDIR/job.XXXXXX") || exit 125
qpid=
cleanup() {
	trap '' INT TERM	# a second signal must not cut the cleanup short
	if [ -n "$qpid" ]; then
		kill "$qpid" 2>/dev/null
		wait "$qpid" 2>/dev/null
	fi
	if [ "${VMRUN_KEEP:-0}" = 1 ]; then err "job dir kept: $job"; else rm -rf "$job"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The guest sees the host root at the same paths, except /proc /sys /dev /run (fresh in
# the guest): a script living there is copied into the job dir.
spath=$(readlink -f "$script")
case $spath in
/proc/* | /sys/* | /dev/* | /run/* | "")
	cp "$script" "$job/script"
	chmod 755 "$job/script"
	spath=/vmrun/script ;;
esac
q() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }
{
	printf 'cd %s 2>/dev/null || cd /\n' "$(q "$PWD")"
	# The job starts from env -i: pass LVS_* and the variables named in VMRUN_PASSENV.
	for v in $(compgen -e | grep -E '^LVS_[A-Za-z0-9_]*$') ${VMRUN_PASSENV:-}; do
		[ -n "${!v+x}" ] && printf 'export %s=%s\n' "$v" "$(q "${!v}")"
	done
	if [ -x "$spath" ]; then printf 'exec %s' "$(q "$spath")"; else printf 'exec /bin/sh %s' "$(q "$spath")"; fi
	for a in "$@"; do printf ' %s' "$(q "$a")"; done
	echo
} > "$job/cmd"

append="console=ttyS0 loglevel=6 panic=-1 oops=panic rdinit=/init tsc=reliable"
append+=" vmrun_moddir=$MODDIR vmrun_modules=$MODULES vmrun_timeout=$TMO"
if [ "$SD" = 1 ]; then
	mkdir -p "$job/units" || exit 125
	for f in ${VMRUN_UNITS:-}; do cp "$f" "$job/units/" || exit 2; done
	for u in ${VMRUN_BOOT_UNITS:-}; do echo "$u"; done > "$job/units/boot.list"
	if [ -n "${VMRUN_ROOT:-}" ]; then cp -a "$VMRUN_ROOT" "$job/root" || exit 2; fi
	# Measured under TCG: these cost boot time and do nothing for a test (the reference's list).
	SD_MASK=${VMRUN_MASK-systemd-timesyncd.service timers.target systemd-journald-audit.socket proc-sys-fs-binfmt_misc.automount modprobe@.service dev-hugepages.mount sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount sys-fs-fuse-connections.mount systemd-sysusers.service systemd-random-seed.service systemd-journal-flush.service systemd-update-utmp.service systemd-remount-fs.service systemd-modules-load.service}
	append+=" systemd.unit=vmtest.target systemd.log_target=console systemd.show_status=1"
	append+=" systemd.journald.forward_to_console=0"
	append+=" vmrun_mask=$(echo $SD_MASK | tr ' ' ,) ${VMRUN_SD_ARGS:-}"
fi
append+=" ${VMRUN_APPEND:-}"

run_vm() { # run_vm ACCEL PROBE -> sets qrc
	local a=$1 p=$2 waited=0
	local -a accel
	if [ "$a" = kvm ]; then accel=(-accel kvm -cpu host); else accel=(-accel tcg,thread=multi -cpu max); fi
	rm -f "$job/ready" "$job/rc" "$job/console.log"
	# timeout bounds the whole VM, so a hung guest cannot hang the caller.
	timeout --kill-after=10 $((TMO + BOOT_TMO)) "$QEMU" \
		-nodefaults -no-user-config -display none -no-reboot \
		-M pc "${accel[@]}" -smp "$SMP" -m "$MEM" \
		-kernel "$KERNEL" -initrd "$CACHE/$INITRD" -append "$append" \
		-chardev file,id=con,path="$job/console.log" -serial chardev:con \
		-chardev stdio,id=out,signal=off -serial chardev:out \
		-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
		-fsdev local,id=vmrun,path="$job",security_model=none,multidevs=remap \
		-device virtio-9p-pci,fsdev=vmrun,mount_tag=vmrun \
		< /dev/null 2> "$job/qemu.err" &
	qpid=$!
	if [ "$p" = 1 ]; then
		while [ ! -e "$job/ready" ] && kill -0 $qpid 2>/dev/null; do
			sleep 0.5
			waited=$((waited + 1))
			if [ $waited -ge $((2 * ${VMRUN_KVM_PROBE:-30})) ]; then
				err "KVM guest not up after ${VMRUN_KVM_PROBE:-30}s, falling back to TCG"
				kill $qpid
				wait $qpid
				qpid=
				qrc=254
				return
			fi
		done
	fi
	wait $qpid
	qrc=$?
	qpid=
}

t0=$(date +%s.%N)
run_vm $ACCEL $probe
if [ "$qrc" = 254 ]; then
	ACCEL=tcg
	run_vm tcg 0
fi
t1=$(date +%s.%N)

if [ -s "$job/rc" ]; then
	rc=$(cat "$job/rc")
	[ -n "${VMRUN_VERBOSE:-}" ] &&
		err "accel=$ACCEL guest-ready=$(cat "$job/ready" 2>/dev/null)s" \
			"total=$(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }")s rc=$rc"
	exit "$rc"
fi
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	err "VM timed out after $((TMO + BOOT_TMO))s (accel=$ACCEL)"
	rc=124
else
	err "VM exited (qemu rc=$qrc, accel=$ACCEL) without reporting a status"
	rc=125
fi
[ -s "$job/qemu.err" ] && { err "qemu stderr:"; sed 's/^/  /' "$job/qemu.err" >&2; }
[ -s "$job/console.log" ] && { err "last guest console lines:"; tail -n 30 "$job/console.log" | sed 's/^/  /' >&2; }
exit $rc
