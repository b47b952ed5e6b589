#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sd-test.sh - the unit systemd/lvs-rs-agent.service under a real systemd: boots the host's
# systemd as PID 1 in a VM (vmrun-sd.sh) whose root has
#   /usr/sbin/lvs-rs-agent                  a copy of $BUILD/lvs-rs-agent
#   /etc/systemd/system/lvs-rs-agent.service  the unit, enabled with `systemctl --root`
#   /etc/lvs-rs-agent/agent.conf            an IPv4 and an IPv6 VIP (TEST-NET)
#   /etc/sysctl.d/90-lvs-test.conf          all.arp_ignore=0, all.arp_announce=1
# and runs sd-guest.sh there. The VM boots vmtest.target instead of multi-user.target
# (which would start postgresql, getty, logind ... of the host image): vmtest.target wants
# the unit, so it starts at boot with its own ordering (After=systemd-sysctl.service,
# Before=network-pre.target), before the test job.
# Output: sd-guest.sh's log with "@@RESULT PASS|FAIL: vm-systemd-NAME" lines (run.sh turns
# them into the test protocol); exit status that of vmrun.sh.
#
# sd-test.sh package: the Debian package instead, in a VM that has nothing of the agent:
# sd-pkg-guest.sh runs README.md's install, config, enable, verify, undo and uninstall
# blocks verbatim against build/deb/lvs-rs-agent_*.deb (built by `make deb` here first when
# missing; tests/integration/test-deb.sh builds it in `make check`). Its root gets only an apt
# setting that answers yes (as an operator at the prompt of `apt purge` would).
#
# sd-test.sh ansible | ansible-absent: the same VM, running sd-ansible-guest.sh apply | absent:
# the Ansible role of contrib/ansible, `connection: local`, installing the same package
# (the role's runs split over two VMs: each takes 40-100 s under emulation).
# sd-test.sh watch: systemd/lvs-rs-agent-watch.service instead, enabled, with 302 VIPs, an
# anyip prefix and arp_suppress = both in agent.conf, every rp_filter strict in sysctl.d,
# .network files for lo (only 127.0.0.1/8) and tunl0 (no address; networkd not started at
# boot), and units ordered before the watch (the state before its first apply) and after
# it; runs sd-watch-guest.sh ("@@RESULT ...: vm-watch-NAME" lines).
set -u
HERE=$(cd "$(dirname "$(readlink -f "$0")")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
part=""
case ${1:-} in
package) guest=sd-pkg-guest.sh ;;
ansible) guest=sd-ansible-guest.sh part=apply ;;
ansible-absent) guest=sd-ansible-guest.sh part=absent ;;
*) guest="" ;;
esac
if [ -n "$guest" ]; then
	cd "$ROOT" || exit 2
	if ! ls build/deb/lvs-rs-agent_*.deb > /dev/null 2>&1; then
		make --no-print-directory deb > build-deb.log 2>&1 ||
			{ tail -n 20 build-deb.log; rm -f build-deb.log; echo "sd-test: make deb failed" >&2; exit 2; }
		rm -f build-deb.log
	fi
	tree=$(mktemp -d "${TMPDIR:-/tmp}/lvs-sd-pkg.XXXXXX") || exit 125
	trap 'rm -rf "$tree"' EXIT
	chmod 755 "$tree"
	install -d "$tree/etc/apt/apt.conf.d" "$tree/.vmtest"
	echo 'APT::Get::Assume-Yes "true";' > "$tree/etc/apt/apt.conf.d/90lvs-vmtest"
	# dpkg's database as one file: the guest unpacks it into RAM, where dpkg reads its
	# thousands of file lists in a second instead of a minute over 9p under emulation.
	tar -C /var/lib -czf "$tree/.vmtest/dpkg.tgz" dpkg || exit 125
	VMRUN_ROOT=$tree VMRUN_MODULES='' "$HERE/vmrun-sd.sh" "$HERE/$guest" $part
	exit
fi
BUILD=${BUILD:-build}
AGENT=${LVS_AGENT:-$(readlink -f "$ROOT/$BUILD/lvs-rs-agent")}
if [ "${1:-}" = watch ]; then
	[ -x "$AGENT" ] || { echo "sd-test: $AGENT is not built" >&2; exit 2; }
	tree=$(mktemp -d "${TMPDIR:-/tmp}/lvs-sd-watch.XXXXXX") || exit 125
	trap 'rm -rf "$tree"' EXIT
	chmod 755 "$tree"
	install -D -m 0755 "$AGENT" "$tree/usr/sbin/lvs-rs-agent"
	install -D -m 0644 "$ROOT/systemd/lvs-rs-agent-watch.service" \
		"$tree/etc/systemd/system/lvs-rs-agent-watch.service"
	install -d "$tree/etc/lvs-rs-agent" "$tree/etc/sysctl.d" "$tree/etc/systemd/network"
	cat > "$tree/etc/lvs-rs-agent/agent.conf" <<EOC
; written by tests/vm/sd-test.sh watch
[agent]
arp_suppress = both
rp_filter = 2

[vip web]
address = 192.0.2.10 2001:db8::10
$(for i in $(seq 100 249); do printf '  192.0.2.%d\n' "$i"; done)
$(for i in $(seq 0 149); do printf '  2001:db8::1:%x\n' "$i"; done)

[vip any]
anyip = yes
address = 203.0.113.0/29
EOC
	# Every rp_filter strict, as a hardened host may have it: what udev's systemd-sysctl
	# writes for a new tunl0.
	printf 'net.ipv4.conf.*.rp_filter = 1\n' > "$tree/etc/sysctl.d/90-lvs-test.conf"
	# networkd manages lo with only 127.0.0.1/8 (networkd 252 leaves lo's other addresses
	# and routes alone all the same), and tunl0 with no address: it drops the TUN VIPs.
	printf '[Match]\nName=lo\n\n[Network]\nAddress=127.0.0.1/8\n' \
		> "$tree/etc/systemd/network/10-lo.network"
	printf '[Match]\nName=tunl0\n\n[Network]\nLinkLocalAddressing=no\n' \
		> "$tree/etc/systemd/network/20-tunl0.network"
	# What the agent may change, as it is before the first apply (a unit ordered before
	# the watch writes it) and after the stop: lo's addresses, link and routes in table
	# local, the ARP and rp_filter sysctls (tunl0 aside: it appears during the job).
	install -D -m 0755 /dev/stdin "$tree/usr/local/libexec/lvs-vmtest-state" <<'EOS'
#!/bin/sh
ip -o addr show dev lo | awk '{ print $2, $3, $4 }' | sort
ip -o link show dev lo | awk '{ print $2, $3 }'
{ ip -o route show table local dev lo; ip -o -6 route show table local dev lo; } | sort
grep -H . /proc/sys/net/ipv4/conf/*/arp_* /proc/sys/net/ipv4/conf/*/rp_filter | grep -v /tunl0/ | sort
EOS
	cat > "$tree/etc/systemd/system/lvs-before-watch.service" <<EOC
[Unit]
Description=test: the state before the watch's first apply
DefaultDependencies=no
After=local-fs.target systemd-sysctl.service
Before=lvs-rs-agent-watch.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c '/usr/local/libexec/lvs-vmtest-state > /run/before-watch.state'
EOC
	# Ordered after the watch: it starts once READY=1 has come, and notes lo's addresses.
	cat > "$tree/etc/systemd/system/lvs-after-watch.service" <<EOC
[Unit]
Description=test: a unit ordered after the watch
After=lvs-rs-agent-watch.service
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c 'ip -o addr show dev lo > /run/after-watch.addrs'
EOC
	if grep -q __asan_init "$AGENT" 2>/dev/null; then
		install -d "$tree/etc/systemd/system/lvs-rs-agent-watch.service.d"
		printf '[Service]\nEnvironment=ASAN_OPTIONS=detect_leaks=0\n' \
			> "$tree/etc/systemd/system/lvs-rs-agent-watch.service.d/asan.conf"
	fi
	systemctl --root="$tree" enable lvs-rs-agent-watch.service 2>&1 |
		grep -v 'non-existent unit' | sed 's/^/sd-test: /'
	VMRUN_ROOT=$tree VMRUN_BOOT_UNITS="lvs-before-watch.service lvs-rs-agent-watch.service lvs-after-watch.service" \
		VMRUN_MODULES='' "$HERE/vmrun-sd.sh" "$HERE/sd-watch-guest.sh"
	exit
fi
# LVS_SD_UNIT: boot another unit instead (negative controls)
UNIT=${LVS_SD_UNIT:-$ROOT/systemd/lvs-rs-agent.service}
[ -x "$AGENT" ] || { echo "sd-test: $AGENT is not built" >&2; exit 2; }
[ -r "$UNIT" ] || { echo "sd-test: $UNIT missing" >&2; exit 2; }

tree=$(mktemp -d "${TMPDIR:-/tmp}/lvs-sd-root.XXXXXX") || exit 125
trap 'rm -rf "$tree"' EXIT
chmod 755 "$tree"
install -D -m 0755 "$AGENT" "$tree/usr/sbin/lvs-rs-agent"
install -D -m 0644 "$UNIT" "$tree/etc/systemd/system/lvs-rs-agent.service"
install -d "$tree/etc/lvs-rs-agent" "$tree/etc/sysctl.d"
cat > "$tree/etc/lvs-rs-agent/agent.conf" <<EOC
; written by tests/vm/sd-test.sh
[agent]
arp_suppress = sysctl
arp_ignore = 1
arp_announce = 2

[vip web]
address = 192.0.2.10 2001:db8::10
EOC
cat > "$tree/etc/sysctl.d/90-lvs-test.conf" <<EOC
# written by tests/vm/sd-test.sh: applied by systemd-sysctl at boot, before the agent,
# which must win; revert must restore these values.
net.ipv4.conf.all.arp_ignore = 0
net.ipv4.conf.all.arp_announce = 1
EOC
# An ASan build (make check SANITIZE=1): LeakSanitizer cannot run inside the unit's sandbox
# (it stops the process to scan it, which the sandbox forbids) and would turn every run into
# a failure; the address and undefined-behaviour checks stay on.
if grep -q __asan_init "$AGENT" 2>/dev/null; then
	install -d "$tree/etc/systemd/system/lvs-rs-agent.service.d"
	printf '[Service]\nEnvironment=ASAN_OPTIONS=detect_leaks=0\n' \
		> "$tree/etc/systemd/system/lvs-rs-agent.service.d/asan.conf"
fi
# A real `systemctl enable` into the tree: the [Install] section decides the link.
# (It warns that the tree has no multi-user.target: the tree holds only our files.)
systemctl --root="$tree" enable lvs-rs-agent.service 2>&1 | grep -v 'non-existent unit' |
	sed 's/^/sd-test: /'
[ -L "$tree/etc/systemd/system/multi-user.target.wants/lvs-rs-agent.service" ] ||
	{ echo "sd-test: systemctl --root enable made no multi-user.target.wants link" >&2; exit 2; }

VMRUN_ROOT=$tree VMRUN_BOOT_UNITS=lvs-rs-agent.service VMRUN_MODULES='' \
	"$HERE/vmrun-sd.sh" "$HERE/sd-guest.sh"
