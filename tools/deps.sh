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
	libinih-dev libcmocka-dev libjson-c-dev clang
	# integration tests
	iproute2 nftables arping tcpdump util-linux valgrind python3-minimal
	procps time busybox-static
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

if [ -x tests/vm/setup.sh ]; then
	tests/vm/setup.sh
fi
