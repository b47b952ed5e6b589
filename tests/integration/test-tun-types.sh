#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tun_type = gue and gre. The config's rules (FILE:LINE errors, exit 2,
# nothing changed); then, on a kernel without fou, ip_gre or ip6_gre (this
# development machine), plan and apply of a GUE or GRE group beside a DR
# group: exit 3, one message naming the missing support and the group,
# nothing changed (addresses, links, routes, sysctls read back; no fou
# port), no journal, revert a no-op. On a kernel that has them the negative
# part is skipped: the VM's labs vm-tun-gue and vm-tun-gre test that kernel.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent
lab_new && lab_route_back || { fail setup "could not build the rs/peer namespaces"; exit 1; }

# ---- the config's rules: exit 2 at FILE:LINE, nothing changed

snapshot rs >"$TDIR/before"
conf_case() { # conf_case NAME 'ERROR LINE' CONFIG-TEXT
	local name=$1 want=$2
	printf '%b' "$3" >"$TDIR/bad.conf"
	for cmd in check-config apply; do
		agent_run rs -c "$TDIR/bad.conf" $cmd
		assert_rc "$name: $cmd exits 2" 2
		assert_eq "$name: $cmd's one line at FILE:LINE" "lvs-rs-agent: $TDIR/bad.conf:$want" \
			"$(sed 's#^\(lvs-rs-agent: \)\?#lvs-rs-agent: #' <<<"$ERR" | grep -v '^lvs-rs-agent: .*nothing was changed' | head -n 1)"
	done
	assert_snapshot "$name: nothing changed" rs "$TDIR/before"
}
conf_case "gue without a port" \
	'4: vip "g": tun_type: gue needs tun_port, the UDP port the director sends to (ipvsadm ... -i --tun-type gue --tun-port PORT)' \
	'[vip g]\naddress = 203.0.113.10\nmode = tun\ntun_type = gue\n'
conf_case "a port without gue" \
	'4: vip "g": tun_port: only tun_type = gue has a port, and this group'"'"'s tun_type is ipip; set tun_type = gue or drop tun_port' \
	'[vip g]\naddress = 203.0.113.10\nmode = tun\ntun_port = 6080\n'
conf_case "tun_type in a dr group" \
	'3: vip "g": tun_type: only a mode = tun group is tunnelled, and this one is mode = dr; set mode = tun or drop the key' \
	'[vip g]\naddress = 203.0.113.10\ntun_type = gre\n'
conf_case "a misspelt type" \
	'4: vip "g": tun_type: "geu" is not one of ipip, gue, gre: did you mean gue?' \
	'[vip g]\naddress = 203.0.113.10\nmode = tun\ntun_type = geu\ntun_port = 6080\n'
conf_case "a port out of range" \
	'5: vip "g": tun_port: "65536" is out of range; allowed: 1 to 65535' \
	'[vip g]\naddress = 203.0.113.10\nmode = tun\ntun_type = gue\ntun_port = 65536\n'
conf_case "a GRE group on tunl0" \
	'5: vip "g": device: tunl0 does not receive the director'"'"'s tun_type = gre packets; use gre0' \
	'[vip g]\naddress = 203.0.113.10\nmode = tun\ntun_type = gre\ndevice = tunl0\n'

# ---- the kernel's lack: exit 3, nothing changed

# Does this kernel have it? Asked in a scratch namespace (it may be a module
# that the request loads).
ns_new probe
have() { # have gue|gre|ip6gre
	case $1 in
	gue) in_ns probe ip fou add port 6999 gue >/dev/null 2>&1 ;;
	gre) in_ns probe ip link add lvstprobe type gre >/dev/null 2>&1 ;;
	ip6gre) in_ns probe ip link add lvstprobe6 type ip6gre >/dev/null 2>&1 ;;
	esac
}
# fou_ports: the fou ports of the rs namespace, as ip shows them ("" when
# the kernel has no fou at all: then there is none).
fou_ports() { in_ns rs ip fou show 2>/dev/null; }

# The DR group changes the namespace if anything does: "unchanged" below
# means never started.
dr='[vip web]\naddress = 198.51.100.10 2001:db8:100::1\n\n'
for case in gue4 gue6 gre4 gre6; do
	case $case in
	gue4) need=gue name=tunnelled support='FOU support (CONFIG_NET_FOU / module fou)'
	      group='[vip tunnelled]\nmode = tun\ntun_type = gue\ntun_port = 6080\naddress = 203.0.113.10\n' ;;
	gue6) need=gue name=tunnelled6 support='FOU support (CONFIG_NET_FOU / module fou)'
	      group='[vip tunnelled6]\nmode = tun\ntun_type = gue\ntun_port = 6080\naddress = 2001:db8:200::10\n' ;;
	gre4) need=gre name=tunnelled support='GRE tunnel support (CONFIG_NET_IPGRE / module ip_gre)'
	      group='[vip tunnelled]\nmode = tun\ntun_type = gre\naddress = 203.0.113.10\n' ;;
	gre6) need=ip6gre name=tunnelled6 support='GRE over IPv6 tunnel support (CONFIG_IPV6_GRE / module ip6_gre)'
	      group='[vip tunnelled6]\nmode = tun\ntun_type = gre\naddress = 2001:db8:200::10\n' ;;
	esac
	type=${case%[46]}
	if have $need; then
		skip "$case: no $need" "this kernel has $need: the negative test needs a kernel without it; the VM lab vm-tun-$type tests this kernel"
		continue
	fi
	printf '%b' "$dr$group" >"$TDIR/$case.conf"
	snapshot rs >"$TDIR/before"
	fou_ports >"$TDIR/fou.before"
	agent_run rs -c "$TDIR/$case.conf" check-config
	assert_rc "$case: check-config accepts the group" 0
	# plan asks the kernel nothing that may load a module: it looks for it.
	agent_run rs -c "$TDIR/$case.conf" plan
	assert_rc "$case: plan exits 3" 3
	assert_eq "$case: plan names the missing support, the group and that apply would fail" \
		"lvs-rs-agent: this kernel lacks $support,|  needed by vip \"$name\" mode = tun, tun_type = $type: no such module is loaded, built in or installed, so apply would fail" \
		"$(sed -n '1h; 2{H; x; s/\n/|/p}' <<<"$ERR")"
	assert_eq "$case: plan's message is two lines" 2 "$(grep -c . <<<"$ERR")"
	assert_snapshot "$case: plan changes nothing" rs "$TDIR/before"
	agent_run rs -c "$TDIR/$case.conf" apply
	assert_rc "$case: apply exits 3" 3
	assert_eq "$case: one message naming the missing support and the group" \
		"lvs-rs-agent: this kernel lacks $support,|  needed by vip \"$name\" mode = tun, tun_type = $type" \
		"$(sed -n '1h; 2{H; x; s/\n/|/p}' <<<"$ERR")"
	assert_eq "$case: exactly two stderr lines" 2 "$(grep -c . <<<"$ERR")"
	assert_snapshot "$case: addresses, links, routes and sysctls unchanged" rs "$TDIR/before"
	assert_eq "$case: no fou port appeared" "$(cat "$TDIR/fou.before")" "$(fou_ports)"
	if [ -e "$STATE" ]; then
		fail "$case: no journal left" "$STATE exists: $(head -c 300 "$STATE")"
	else
		pass "$case: no journal left"
	fi
	agent_run rs -c "$TDIR/$case.conf" --json apply
	assert_rc "$case: apply --json exits 3" 3
	if "$PYTHON" -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["ok"] is False and d["changed"] is False, d
assert "lacks " + sys.argv[2] in d["error"], d["error"]
assert d["changes"] == [], d["changes"]
' "$OUT" "$support" 2>"$TDIR/.py"; then
		pass "$case: JSON error, no changes"
	else
		fail "$case: JSON error, no changes" "$(cat "$TDIR/.py")"
	fi
	agent_run rs -c "$TDIR/$case.conf" revert
	assert_rc "$case: revert is a no-op (exit 0)" 0
	assert_eq "$case: revert prints no change" "" "$(grep '^[-+~]' <<<"$OUT")"
	assert_snapshot "$case: kernel state unchanged after revert" rs "$TDIR/before"
done

# Negative control: the DR group alone does change this namespace, so the
# snapshots above are equal because the run stopped before any change.
printf '%b' "$dr" >"$TDIR/dr.conf"
snapshot rs >"$TDIR/before"
agent_run rs -c "$TDIR/dr.conf" apply
assert_rc "the DR group alone applies" 0
if snapshot_diff "$TDIR/before" <(snapshot rs) >/dev/null; then
	fail "the DR group alone changes the namespace" "snapshot unchanged"
else
	pass "the DR group alone changes the namespace"
fi
agent_run rs -c "$TDIR/dr.conf" revert
assert_rc "DR revert" 0
assert_snapshot "DR revert restores" rs "$TDIR/before"

lvst_done
