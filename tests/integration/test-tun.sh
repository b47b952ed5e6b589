#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# mode = tun on a kernel without IP-in-IP support (issue 5, done-when 1): a
# config with a DR group and a TUN group makes apply exit 3 with one line on
# stderr that names the missing module / config option, and nothing changes,
# the DR group's VIPs and ARP sysctls included; no journal is left, so
# revert is a no-op. On a kernel that has ipip (the VM) the negative part is
# skipped: the VM's tun lab covers that kernel.
#
# mss = auto (the default) without a default route: plan, apply and verify
# exit 2 with one message naming FILE:LINE of the group and what to do, and
# nothing changes; mss = off needs none (the negative control).

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent
lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }

CONF=$TDIR/agent.conf
cat >"$CONF" <<EOF2
[agent]
arp_ignore = 1
arp_announce = 2

[vip web]
address = 198.51.100.10 2001:db8:100::1

[vip tunnelled]
mode = tun
address = 203.0.113.10
EOF2
CONF6=$TDIR/agent6.conf
cat >"$CONF6" <<EOF2
[vip web]
address = 198.51.100.10

[vip tunnelled6]
mode = tun
address = 2001:db8:200::10
EOF2

# ---- mss = auto and no way back to clients
snapshot rs >"$TDIR/before-route"
for cmd in plan apply verify; do
	agent_run rs -c "$CONF" $cmd
	assert_rc "no default route: $cmd exits 2" 2
	assert_match "no default route: $cmd names FILE:LINE, the group and the route" \
		"^lvs-rs-agent: $CONF:8: vip \"tunnelled\": mss = auto: no IPv4 default route,\$" "$ERR"
	assert_match "no default route: $cmd says what to do" \
		"^  whose MTU auto takes for the way back to clients; add one, or set mss = N\$" "$ERR"
done
assert_snapshot "no default route: nothing changed" rs "$TDIR/before-route"
sed 's/^mode = tun$/mode = tun\nmss = off/' "$CONF" >"$TDIR/off.conf"
agent_run rs -c "$TDIR/off.conf" plan
assert_no_match "mss = off: no default route needed" "default route" "$ERR"
lab_route_back || { fail setup "could not add the default routes"; exit 1; }

# Does this kernel have ipip? Asking in a scratch namespace is the only
# reliable way (it may be a module that the request loads).
ns_new probe
if in_ns probe ip link add lvstprobe type ipip 2>/dev/null; then
	skip "no-ipip" "this kernel has ipip (creating an ipip link works): the negative test needs a kernel without it; the VM tun lab tests this kernel"
	have_ipip=1
else
	have_ipip=0
fi
if in_ns probe ip link add lvstprobe6 type ip6tnl 2>/dev/null; then
	have_ip6tnl=1
else
	have_ip6tnl=0
fi

for case in 4 6; do
	if [ "$case" = 4 ]; then
		[ "$have_ipip" = 1 ] && continue
		conf=$CONF module='CONFIG_NET_IPIP' mod='ipip' name=tunnelled
		support='IP-in-IP tunnel support'
	else
		if [ "$have_ip6tnl" = 1 ]; then
			skip "no-ip6tnl" "this kernel has ip6_tunnel"
			continue
		fi
		conf=$CONF6 module='CONFIG_IPV6_TUNNEL' mod='ip6_tunnel' name=tunnelled6
		support='IPv6 tunnel support'
	fi
	snapshot rs >"$TDIR/before"
	# plan does not ask the kernel (that may load a module): it looks for
	# the module, and tells that apply would fail.
	agent_run rs -c "$conf" plan
	assert_rc "ipv$case: plan exits 3" 3
	assert_match "ipv$case: plan names the missing support" \
		"^lvs-rs-agent: this kernel lacks .*tunnel support \\($module / module $mod\\),$" "$ERR"
	assert_match "ipv$case: plan names the group and says apply would fail" \
		"^  needed by vip \"$name\" mode = tun: .*apply would fail$" "$ERR"
	assert_eq "ipv$case: plan's message is two lines" 2 "$(grep -c . <<<"$ERR")"
	assert_snapshot "ipv$case: plan changes nothing" rs "$TDIR/before"
	agent_run rs -c "$conf" apply
	assert_rc "ipv$case: apply exits 3" 3
	assert_eq "ipv$case: one message on stderr, naming the missing support and the group" \
		"lvs-rs-agent: this kernel lacks $support ($module / module $mod),|  needed by vip \"$name\" mode = tun" \
		"$(sed -n '1h; 2{H; x; s/\n/|/p}' <<<"$ERR")"
	assert_eq "ipv$case: exactly two stderr lines" 2 "$(grep -c . <<<"$ERR")"
	assert_snapshot "ipv$case: kernel state unchanged" rs "$TDIR/before"
	if [ -e "$STATE" ]; then
		fail "ipv$case: no journal left" "$STATE exists: $(head -c 300 "$STATE")"
	else
		pass "ipv$case: no journal left"
	fi
	agent_run rs -c "$conf" revert
	assert_rc "ipv$case: revert is a no-op (exit 0)" 0
	assert_eq "ipv$case: revert prints no change" "" "$(grep '^[-+~]' <<<"$OUT")"
	assert_snapshot "ipv$case: kernel state unchanged after revert" rs "$TDIR/before"
	# --json carries the same single error.
	agent_run rs -c "$conf" --json apply
	assert_rc "ipv$case: apply --json exits 3" 3
	if "$PYTHON" -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["ok"] is False and d["changed"] is False, d
assert "lacks" in d["error"] and sys.argv[2] in d["error"], d["error"]
assert d["changes"] == [], d["changes"]
' "$OUT" "$mod" 2>"$TDIR/.py"; then
		pass "ipv$case: JSON error, no changes"
	else
		fail "ipv$case: JSON error, no changes" "$(cat "$TDIR/.py")"
	fi
	assert_snapshot "ipv$case: kernel state unchanged after apply --json" rs "$TDIR/before"
done

agent_run rs -c "$CONF" check-config
assert_rc "check-config accepts the tun group" 0

# Not vacuous: without its TUN group the same config does change this
# namespace (ARP sysctls, VIPs), so "unchanged" above means rolled back or
# never started, not "nothing to do".
sed '/^\[vip tunnelled\]/,$d' "$CONF" >"$TDIR/dr.conf"
snapshot rs >"$TDIR/before"
agent_run rs -c "$TDIR/dr.conf" apply
assert_rc "the DR part alone applies" 0
if snapshot_diff "$TDIR/before" <(snapshot rs) >/dev/null; then
	fail "the DR part alone changes the namespace" "snapshot unchanged"
else
	pass "the DR part alone changes the namespace"
fi
agent_run rs -c "$TDIR/dr.conf" revert
assert_rc "DR revert" 0
assert_snapshot "DR revert restores" rs "$TDIR/before"

lvst_done
