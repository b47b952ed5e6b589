#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tools/deps.sh: install the Debian packages lvs-rs-agent needs to build and
# test (`make deps`). Installs only what is missing (apt-get update once, and
# only then); quiet when everything is present. Then provisions the VM test
# cache through tests/vm/setup.sh, when that exists.
#
# Debian 12 (bookworm), as root.

set -euo pipefail

cd "$(dirname "$0")/.."

PKGS=(
	# build
	build-essential pkg-config libmnl-dev libnftnl-dev libcap-ng-dev
	libcmocka-dev libjson-c-dev clang
	# integration tests
	iproute2 nftables arping tcpdump util-linux valgrind python3-minimal
	procps time busybox-static
	# test-json.sh validates the --json documents against their schema
	python3-jsonschema
	# ansible-playbook, for test-ansible.sh (the role in contrib/ansible); the
	# role's apt module needs python3-apt in the Ansible VMs, which boot this
	# root (make check-long)
	ansible-core python3-apt
	# the unit and man page checks (systemd-analyze, man), and the systemd
	# VM test, which boots this machine's own /lib/systemd/systemd
	systemd man-db
	# udevadm, for the watch VM test (make check-long: udev's rules for tunl0)
	udev
	# make deb, test-deb.sh
	debhelper lintian
	# VM tests
	qemu-system-x86 ipvsadm curl socat iptables
)

installed()
{
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

missing=()
for p in "${PKGS[@]}"; do
	installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: missing packages: ${missing[*]}" >&2
		echo "deps.sh: run as root (or: apt-get install ${missing[*]})" >&2
		exit 1
	fi
	echo "deps.sh: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# promtool, for test-prometheus.sh (`promtool check metrics`): Debian ships it
# only in the package `prometheus`, whose server would be enabled and started
# on a host booted with systemd. So the package is downloaded, not installed,
# and only promtool is unpacked into the project's cache.
TOOLS=${LVS_TOOLS_CACHE:-/var/cache/lvs-rs-agent/tools}
if [ ! -x "$TOOLS/bin/promtool" ] && ! command -v promtool >/dev/null; then
	echo "deps.sh: unpacking promtool from Debian's prometheus package into $TOOLS"
	mkdir -p "$TOOLS/deb" "$TOOLS/bin"
	rm -f "$TOOLS/deb/"prometheus_*.deb
	if ! (cd "$TOOLS/deb" && apt-get download -qq prometheus 2>/dev/null); then
		apt-get update -qq
		(cd "$TOOLS/deb" && apt-get download -qq prometheus)
	fi
	dpkg-deb --fsys-tarfile "$TOOLS/deb/"prometheus_*.deb |
		tar -x -O ./usr/bin/promtool >"$TOOLS/bin/promtool.tmp"
	chmod 0755 "$TOOLS/bin/promtool.tmp"
	mv "$TOOLS/bin/promtool.tmp" "$TOOLS/bin/promtool"
	rm -f "$TOOLS/deb/"prometheus_*.deb
fi

if [ -x tests/vm/setup.sh ]; then
	tests/vm/setup.sh
fi
