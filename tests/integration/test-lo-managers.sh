#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# verify warns (WARN, exit 0; "warn" in --json) when a network manager is
# configured to manage lo, which removes the VIPs there at its restart or
# apply: a systemd-networkd .network file matching lo that neither lists the
# VIPs nor keeps foreign configuration, a NetworkManager profile for lo, a
# netplan ethernets: lo stanza. The files are read under the test's root
# (LVS_RS_AGENT_TEST_ROOT, HACKING.md), never the host's; each case beside
# its negative control.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent
ns_new rs || { fail setup "could not make the namespace"; exit 1; }

R=$LVS_RS_AGENT_TEST_ROOT
CONF=$TDIR/agent.conf
printf '[agent]\nsysctl_dropin = no\n\n[vip web]\naddress = 198.51.100.10 2001:db8:100::1\n' >"$CONF"
agent_run rs -c "$CONF" apply
assert_rc "apply exits 0" 0 || lvst_done

# verify_case NAME FILE [WHO]: verify with only FILE in the root warns about
# FILE naming WHO, or (no WHO) warns about nothing.
verify_case()
{
	agent_run rs -c "$CONF" verify
	assert_rc "$1: verify exits 0" 0
	if [ $# -ge 3 ]; then
		assert_match "$1: one WARN line naming the file and what it does" \
			"^WARN lo-manager $2: $3: $3 manages lo and removes its VIPs .*\(README.md, Coexistence\)\$" "$OUT"
		assert_eq "$1: exactly one warning" 1 "$(grep -c '^WARN' <<<"$OUT")"
		agent_run rs -c "$CONF" --json verify
		assert_json "$1: --json has it as a warning" "$OUT" \
			"[c['target'] for c in d['checks'] if c['kind'] == 'lo-manager' and c['ok'] and c['warn']] == ['$2']"
	else
		assert_no_match "$1: no warning" "^WARN" "$OUT"
	fi
	rm -rf "${R:?}/etc" "${R:?}/usr" "${R:?}/run/systemd"
}

mkf() { mkdir -p "$R$(dirname "$1")" && cat >"$R$1"; }

verify_case "no manager's files"

printf '[Match]\nName=lo\n\n[Network]\nAddress=127.0.0.1/8\n' | mkf /etc/systemd/network/10-lo.network
verify_case "networkd: Name=lo, the VIPs not listed" /etc/systemd/network/10-lo.network systemd-networkd

printf '[Match]\nName=*\n' | mkf /run/systemd/network/99-all.network
verify_case "networkd: a catch-all glob in /run" /run/systemd/network/99-all.network systemd-networkd

printf '[Match]\nName=l?\n' | mkf /usr/lib/systemd/network/50-l.network
verify_case "networkd: a glob in /usr/lib" /usr/lib/systemd/network/50-l.network systemd-networkd

printf '[Match]\nName=eth0\n\n[Network]\nDHCP=yes\n' | mkf /etc/systemd/network/10-eth0.network
verify_case "networkd: a .network for eth0 only (negative control)"

printf '[Match]\nName=!eth*\n' | mkf /etc/systemd/network/10-not-eth.network
verify_case "networkd: an inverted list that lo escapes" /etc/systemd/network/10-not-eth.network systemd-networkd

printf '[Match]\nName=!lo\n' | mkf /etc/systemd/network/10-not-lo.network
verify_case "networkd: Name=!lo (negative control)"

printf '[Match]\nName=lo\n\n[Network]\nKeepConfiguration=static\n' | mkf /etc/systemd/network/10-lo.network
verify_case "networkd: KeepConfiguration=static (negative control)"

printf '[Match]\nName=lo\n\n[Network]\nAddress=198.51.100.10/32\nAddress=2001:db8:100::1/128\n' |
	mkf /etc/systemd/network/10-lo.network
verify_case "networkd: every VIP listed (negative control)"

printf '[Match]\nName=lo\n\n[Address]\nAddress=198.51.100.10/32\n' | mkf /etc/systemd/network/10-lo.network
verify_case "networkd: one VIP of two listed" /etc/systemd/network/10-lo.network systemd-networkd

printf '[Match]\nName=lo\n' | mkf /usr/lib/systemd/network/10-lo.network
printf '[Match]\nName=eth0\n' | mkf /etc/systemd/network/10-lo.network
verify_case "networkd: a file of /usr/lib masked by the same name in /etc (negative control)"

printf '[connection]\nid=lo\ntype=loopback\ninterface-name=lo\n' |
	mkf /etc/NetworkManager/system-connections/lo.nmconnection
verify_case "NetworkManager: a loopback profile" /etc/NetworkManager/system-connections/lo.nmconnection NetworkManager

printf '[connection]\nid=eth0\ntype=ethernet\ninterface-name=eth0\n' |
	mkf /etc/NetworkManager/system-connections/eth0.nmconnection
verify_case "NetworkManager: a profile for eth0 only (negative control)"

printf 'network:\n  version: 2\n  ethernets:\n    lo:\n      addresses: [127.0.0.1/8]\n' |
	mkf /etc/netplan/50-lo.yaml
verify_case "netplan: an ethernets: lo stanza" /etc/netplan/50-lo.yaml netplan

printf 'network:\n  version: 2\n  ethernets:\n    eth0:\n      dhcp4: true\n  bridges:\n    br0: {}\nlo:\n  x: 1\n' |
	mkf /etc/netplan/50-eth0.yaml
verify_case "netplan: ethernets: eth0 only (negative control)"

# A config without VIPs on lo has nothing for them to remove.
printf '[Match]\nName=lo\n' | mkf /etc/systemd/network/10-lo.network
agent_run rs -c "$CONF" revert
printf '[agent]\nsysctl_dropin = no\n\n[vip web]\naddress = 198.51.100.10\nanyip = yes\n' >"$TDIR/anyip.conf"
agent_run rs -c "$TDIR/anyip.conf" verify
assert_no_match "no VIP address on lo: no warning" "^WARN lo-manager" "$OUT"

lvst_done
