#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# mode = tun on lo or on a device that is not a tunnel of its family (issue
# 13, "False ok"): accepted and applied before, while nothing decapsulates
# the director's packets.
#
#  - `device = lo` in a tun group is a config error (exit 2, FILE:LINE of
#    the device key) for check-config, plan and apply alike;
#  - a veth as the tun device (IPv4 and IPv6 groups): plan and apply exit 2
#    naming the device, its kind and the kinds a tunnel of that family has,
#    nothing changes; verify fails naming them;
#  - a device that appears later with the wrong kind makes verify fail;
#    before it exists, the link step says it is missing.
# This machine's kernel has no ipip: that tunl0 (kind ipip) is accepted is
# shown by the VM's tun labs, and kind by kind by the unit tests.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent

lab_new && lab_route_back || { fail setup "could not build the rs/peer namespaces"; exit 1; }
RS=$(ns_name rs)

conf()
{
	local file=$TDIR/$1.conf

	shift
	printf '%s\n' "$@" >"$file"
	echo "$file"
}

snapshot rs >"$TDIR/before"

# ---- lo, by name
C=$(conf lo '[vip tunnelled]' 'mode = tun' 'address = 198.51.100.7' 'device = lo')
for cmd in check-config plan apply; do
	agent_run rs -c "$C" $cmd
	assert_rc "device = lo: $cmd exits 2" 2
	assert_match "device = lo: $cmd names FILE:LINE of device and why" \
		"^$C:4: vip \"tunnelled\": device: lo cannot be a mode = tun device: it decapsulates nothing" "$ERR"
done

# ---- a veth, IPv4 and IPv6
C4=$(conf veth4 '[vip t4]' 'mode = tun' 'device = eth0' 'address = 198.51.100.7')
C6=$(conf veth6 '[vip t6]' 'mode = tun' 'address = 2001:db8:200::7' 'device = eth0')
for cmd in plan apply; do
	agent_run rs -c "$C4" $cmd
	assert_rc "veth, IPv4: $cmd exits 2" 2
	assert_match "veth, IPv4: $cmd names FILE:LINE, eth0, its kind and ipip" \
		"^$C4:3: vip \"t4\": device: mode = tun needs a tunnel device that decapsulates the director's packets to IPv4 \\(kind ipip\\); eth0 is of kind veth" \
		"$ERR"
	agent_run rs -c "$C6" $cmd
	assert_rc "veth, IPv6: $cmd exits 2" 2
	assert_match "veth, IPv6: $cmd names FILE:LINE, eth0, its kind, ip6tnl and sit" \
		"^$C6:4: vip \"t6\": device: mode = tun needs a tunnel device that decapsulates the director's packets to IPv6 \\(kind ip6tnl or sit\\); eth0 is of kind veth" \
		"$ERR"
done
assert_snapshot "veth: nothing changed" rs "$TDIR/before"
agent_run rs -c "$C4" check-config
assert_rc "veth, IPv4: check-config (no kernel state) exits 0" 0
agent_run rs -c "$C4" verify
assert_rc "veth, IPv4: verify exits 1" 1
# Nothing applied here: the text keeps its FAIL lines brief, --json says why.
assert_match "veth, IPv4: verify names the device and the kind" \
	'^FAIL tunnel eth0: expected ipip, found veth \(IPv4 VIPs\)' "$OUT"
agent_run rs -c "$C4" --json verify
assert_json "veth, IPv4: --json check kind tunnel, target eth0, found veth, and why" "$OUT" \
	'[c for c in d["checks"] if c["kind"] == "tunnel" and c["target"] == "eth0" and c["found"] == "veth" and c["expected"] == "ipip" and not c["ok"] and c["why"].startswith("mode = tun needs a tunnel device")]'

# ---- a device that does not exist yet, then appears with the wrong kind
C=$(conf later '[vip t4]' 'mode = tun' 'device = tunx' 'address = 198.51.100.7')
agent_run rs -c "$C" verify
assert_rc "tunx missing: verify exits 1" 1
assert_match "tunx missing: the link step says so" '^FAIL link tunx: expected up, found absent' "$OUT"
assert_no_match "tunx missing: no kind to judge" '^FAIL tunnel tunx' "$OUT"
ip -n "$RS" link add tunx type veth peer name tuny ||
	fail "later: setup" "could not make the veth tunx"
agent_run rs -c "$C" verify
assert_rc "tunx a veth: verify exits 1" 1
assert_match "tunx a veth: verify names its kind" '^FAIL tunnel tunx: expected ipip, found veth' "$OUT"

lvst_done
