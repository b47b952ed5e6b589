#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A damaged nft table (issue 13, "False ok", done-when 2), on a veth pair
# between an RS namespace (eth0 192.0.2.2/24) and a peer (eth0 192.0.2.1/24),
# arp_ignore and arp_announce at 0 everywhere, arp_suppress = nft, two VIPs
# on lo. The table is owned whole: for each damage made by hand with nft
# (its marker comment left intact)
#
#  - verify exits 1 with a FAIL line for the table (found incomplete, or the
#    part that is gone), also for damage that adds instead of removes (a
#    foreign rule, element, chain or set; the dormant flag);
#  - where the damage opens the RS's ARP, the peer's arping shows it first
#    (the negative control: the test sees the failure it guards against);
#  - apply exits 0 in exactly one nf_tables transaction (`nft monitor`: one
#    new generation), verify exits 0 after, the table is exactly the
#    agent's again (`nft -j`), and the peer's arping of the VIPs gets no
#    reply.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_cmd nft arping timeout
lvst_require_agent

V1=198.51.100.10
V2=198.51.100.11
RIP=192.0.2.2

lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }
pin_arp_zero rs
# The peer reaches the VIPs through the RS, as a director's DR packet would.
ip -n "$(ns_name peer)" route add 198.51.100.0/24 via "$RIP" dev eth0 ||
	{ fail setup "could not route the VIPs through the RS in the peer"; exit 1; }

CONF=$TDIR/agent.conf
printf '[agent]\narp_suppress = nft\n\n[vip web]\naddress = %s %s\n' "$V1" "$V2" >"$CONF"

agent_run rs -c "$CONF" apply
assert_rc "setup: apply exits 0" 0 || lvst_done
assert_nft_table "setup: the agent's table" "['$V1', '$V2']" "{'eth0': '$RIP'}"
assert_replies "setup: no ARP reply for $V1" "$V1" none

# handle CHAIN: the handle of the agent's rule in CHAIN (one rule each).
handle()
{
	in_ns rs nft -a list chain arp lvs_rs_agent "$1" |
		sed -n 's/.*@vips.* # handle \([0-9]*\)$/\1/p' | head -1
}

# The rules as nft writes them, for a set made again by hand.
RULES="add rule arp lvs_rs_agent input arp operation request arp daddr ip @vips drop
add rule arp lvs_rs_agent output oifname \"eth0\" arp operation request arp saddr ip @vips arp saddr ip set $RIP"

# damage NAME OPENS NFT-SCRIPT: make the damage with `nft -f -`, check that
# verify fails and the marker stays, and, when OPENS names an address
# ("-" for none), that the peer's arping of it gets replies now; then
# repair with apply and check everything is as the agent makes it.
damage()
{
	local name=$1 opens=$2 script=$3 mon gens

	if ! in_ns rs nft -f - <<<"$script"; then
		fail "$name: damage" "nft refused the damage script"
		return
	fi
	assert_match "$name: the table keeps its marker" '^\s*comment "managed by lvs-rs-agent' \
		"$(in_ns rs nft list table arp lvs_rs_agent)"
	[ "$opens" != - ] &&
		assert_replies "$name: negative control: arping for $opens answered" "$opens" some
	agent_run rs -c "$CONF" verify
	assert_rc "$name: verify exits 1" 1
	assert_match "$name: verify names the damage" \
		'^FAIL nft arp lvs_rs_agent(| vip [0-9.]+| output eth0): expected [^,]*, found (incomplete|absent|interval)' \
		"$OUT"
	nft_monitor_start
	agent_run rs -c "$CONF" apply
	mon=$(nft_monitor_stop)
	assert_rc "$name: apply exits 0" 0
	gens=$(printf '%s\n' "$mon" | grep -c '^# new generation')
	assert_eq "$name: apply is one nf_tables transaction (nft monitor)" 1 "$gens"
	agent_run rs -c "$CONF" verify
	assert_rc "$name: verify exits 0 after apply" 0
	assert_nft_table "$name: the table is the agent's again" "['$V1', '$V2']" "{'eth0': '$RIP'}"
	assert_replies "$name: no ARP reply for $V1 after apply" "$V1" none
	[ "$opens" != - ] && [ "$opens" != "$V1" ] &&
		assert_replies "$name: no ARP reply for $opens after apply" "$opens" none
}

damage "input rule deleted" "$V1" \
	"delete rule arp lvs_rs_agent input handle $(handle input)"
damage "output rule deleted" - \
	"delete rule arp lvs_rs_agent output handle $(handle output)"
damage "input chain deleted" "$V1" \
	"flush chain arp lvs_rs_agent input
delete chain arp lvs_rs_agent input"
damage "output chain deleted" - \
	"flush chain arp lvs_rs_agent output
delete chain arp lvs_rs_agent output"
damage "set deleted" "$V1" \
	"flush chain arp lvs_rs_agent input
flush chain arp lvs_rs_agent output
delete set arp lvs_rs_agent vips"
damage "set made again with the interval flag" - \
	"flush chain arp lvs_rs_agent input
flush chain arp lvs_rs_agent output
delete set arp lvs_rs_agent vips
add set arp lvs_rs_agent vips { type ipv4_addr; flags interval; elements = { $V1, $V2 }; }
$RULES"
damage "set made again with a timeout" - \
	"flush chain arp lvs_rs_agent input
flush chain arp lvs_rs_agent output
delete set arp lvs_rs_agent vips
add set arp lvs_rs_agent vips { type ipv4_addr; flags timeout; elements = { $V1, $V2 }; }
$RULES"
damage "element removed" "$V2" \
	"delete element arp lvs_rs_agent vips { $V2 }"
# The RS's own address in the set: it stops answering ARP for itself.
damage "foreign element added" "-" \
	"add element arp lvs_rs_agent vips { $RIP }"
assert_replies "foreign element added: the RS answers ARP for $RIP again" "$RIP" some
damage "foreign rule first in the input chain" "$V1" \
	"insert rule arp lvs_rs_agent input arp operation request accept"
damage "foreign rule in the output chain" - \
	"add rule arp lvs_rs_agent output counter"
damage "table made dormant" "$V1" \
	"add table arp lvs_rs_agent { flags dormant; }"
damage "foreign chain in the table" - \
	"add chain arp lvs_rs_agent extra"
damage "foreign set in the table" - \
	"add set arp lvs_rs_agent other { type ipv4_addr; }"

# The foreign element, seen on the wire: before the repair the peer's arping
# of the RS's own address gets nothing.
in_ns rs nft add element arp lvs_rs_agent vips "{ $RIP }"
assert_replies "negative control: with $RIP in the set the RS does not answer ARP for itself" "$RIP" none
agent_run rs -c "$CONF" apply
assert_rc "foreign element: apply exits 0" 0
assert_replies "foreign element: after apply the RS answers ARP for $RIP" "$RIP" some

agent_run rs -c "$CONF" revert
assert_rc "revert exits 0" 0
assert_eq "revert removes the table" "" "$(nft_table_json)"

lvst_done
