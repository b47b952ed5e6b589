#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# --keep-on-config-error, the unit's start and stop (systemctl restart = revert, then apply):
# with a present but broken config and a journal, both keep what the last apply made, exit 0
# and say so after the config's FILE:LINE; a plain apply (the unit's reload) still refuses the
# broken config and changes nothing; a missing config, or a valid one, still reverts exactly;
# with nothing applied (boot) a broken config is exit 2 and changes nothing.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent
ns_new rs || { fail setup "could not create the namespace"; exit 1; }

V1=198.51.100.20
V2=198.51.100.21
CONF=$TDIR/agent.conf
KEEP=--keep-on-config-error
write_web_conf "$CONF" "$V1 $V2"
# break: a typo on line 2 (arp_ignore misspelt), as an operator's edit would make it
break_conf() { sed -i 's/^arp_ignore = 1$/arp_ingore = 1/' "$CONF"; }
fix_conf() { write_web_conf "$CONF" "$V1 $V2"; }
# prepared NAME: the VIPs and the ARP policy are in force
prepared() {
	assert_addr "$1: $V1 stays" rs lo "$V1" 32 &&
		assert_addr "$1: $V2 stays" rs lo "$V2" 32 &&
		assert_sysctl "$1: arp_ignore stays" rs net.ipv4.conf.all.arp_ignore 1 &&
		assert_sysctl "$1: arp_announce stays" rs net.ipv4.conf.all.arp_announce 2
}
sysctl_set rs net.ipv4.conf.all.arp_ignore 0
sysctl_set rs net.ipv4.conf.all.arp_announce 0
snapshot rs >"$TDIR/before"

# ---- boot: nothing applied, broken config: exit 2, nothing changed
break_conf
agent_run rs -c "$CONF" $KEEP apply
assert_rc "boot: broken config fails" 2
assert_match "boot: FILE:LINE" "^$CONF:2: " "$ERR"
assert_no_match "boot: nothing claimed kept" "kept" "$ERR"
assert_snapshot "boot: nothing changed" rs "$TDIR/before"

# ---- prepared server, then a typo
fix_conf
agent_run rs -c "$CONF" $KEEP apply
assert_rc "apply" 0
break_conf
snapshot rs >"$TDIR/prepared"

# restart = stop (revert) + start (apply)
agent_run rs -c "$CONF" $KEEP revert
assert_rc "restart's stop: exit 0" 0
assert_match "restart's stop: FILE:LINE first" "^$CONF:2: " "$(echo "$ERR" | head -n 1)"
assert_match "restart's stop: says kept" \
	"^lvs-rs-agent: warning: revert: the config has errors: kept the [0-9]+ changes of the last apply;$" "$ERR"
assert_match "restart's stop: ... and what to do" "^  fix it, then systemctl reload lvs-rs-agent \(or remove it to revert\)$" "$ERR"
prepared "restart's stop"
agent_run rs -c "$CONF" $KEEP apply
assert_rc "restart's start: exit 0" 0
assert_match "restart's start: FILE:LINE" "^$CONF:2: " "$ERR"
assert_match "restart's start: says kept" "^lvs-rs-agent: warning: apply: the config has errors: kept the" "$ERR"
prepared "restart's start"
assert_snapshot "restart: state unchanged" rs "$TDIR/prepared"
test -s "$STATE" && pass "restart: journal kept" || fail "restart: journal kept" "no $STATE"

# reload (plain apply) refuses the broken config, changes nothing
agent_run rs -c "$CONF" apply
assert_rc "reload with the typo fails" 2
assert_snapshot "reload with the typo: nothing changed" rs "$TDIR/prepared"

# After the fix a reload applies an edit (V2 dropped)
write_web_conf "$CONF" "$V1"
agent_run rs -c "$CONF" apply
assert_rc "reload after the fix" 0
assert_no_addr "reload after the fix: $V2 removed" rs lo "$V2"

# ---- a valid config: the stop reverts exactly
agent_run rs -c "$CONF" $KEEP revert
assert_rc "stop with a valid config" 0
assert_snapshot "stop with a valid config: reverted exactly" rs "$TDIR/before"

# ---- a missing config (the uninstall order): the stop reverts exactly
fix_conf
agent_run rs -c "$CONF" $KEEP apply
assert_rc "apply again" 0
rm -f "$CONF"
agent_run rs -c "$CONF" $KEEP revert
assert_rc "stop with no config" 0
assert_no_match "stop with no config: nothing kept" "kept" "$ERR"
assert_snapshot "stop with no config: reverted exactly" rs "$TDIR/before"
test -e "$STATE" && fail "stop with no config: journal removed" "$STATE is still there" ||
	pass "stop with no config: journal removed"

# ---- negative control: without the option the same stop drops the VIPs
fix_conf
agent_run rs -c "$CONF" apply
break_conf
agent_run rs -c "$CONF" revert
assert_rc "control: plain revert with the typo" 0
assert_no_addr "control: plain revert with the typo drops $V1" rs lo "$V1"

# ---- only with apply and revert
agent_run rs -c "$CONF" $KEEP verify
assert_rc "verify refuses the option" 2
assert_match "verify refuses the option: says which" "keep-on-config-error goes with apply, revert or watch, not with verify" "$ERR"
lvst_done
