# SPDX-License-Identifier: GPL-2.0-or-later
# labs.sh - the VM labs (sourced by guest.sh after lib.sh). One function per lab:
#   kernel          the stock kernel autoloads what the labs use (IPVS, nf_tables, veth, ...)
#   dr-noarp        negative control: VIP on the real servers by hand, no ARP suppression
#   dr-nft          the DR lab with arp_suppress = nft (sysctls at 0), table-deleted control
#   dr-anyip        the DR lab with anyip = yes (VIPs as local routes, a /28 prefix),
#                   arp sysctls set back to 0 as negative control
#   dr-noannounce   negative control: VIP by hand with arp_ignore=1 but arp_announce=0
#   dr              the seed's DR lab (section 5.2), real servers prepared by the agent
#   fwm             the seed's firewall-mark variant (80 and 443 as one service, mark 666)
#   ipv6-dr         the same DR shape over IPv6
#   tun-fault       fault injection of each kernel change of a TUN apply (fault build)
#   tun-crash       test-crash.sh CRASH_MODE=tun: SIGKILL inside a TUN apply
#   ipv6-tun        IPVS tunnelling (IPv6-in-IPv6) to IPv6 real servers, VIP on ip6tnl0
#   tun             the seed's TUN mode (ipvsadm -i), real servers prepared by the agent;
#                   rp_filter negative control
#   tun-anyip       TUN mode with anyip = yes (VIPs as local routes on tunl0, a /28
#                   prefix), the VIP's route deleted by hand as negative control
#   tun-gue         ipvsadm --tun-type gue --tun-port 6080: a fou port and tunl0 by the
#                   agent; the port deleted by hand as negative control
#   tun-gue-fault   a fault at the fou step and after it, a SIGKILL after it
#   tun-gre         ipvsadm --tun-type gre: gre0 by the agent; gre0 down by hand as
#                   negative control

loaded() { grep -q "^$1 " /proc/modules; }
not() { ! "$@"; }

lab_kernel() {
	local m
	section "stock Debian kernel $(uname -r): modules autoload (none preloaded)"
	for m in ip_vs ip_vs_rr nf_tables veth bridge; do
		expect "$m not loaded before use" not loaded $m
	done
	ns_add "$P-probe"
	show "$P-probe" ipvsadm -Ln
	expect "ipvsadm works and ip_vs autoloaded" loaded ip_vs
	show "$P-probe" ipvsadm -A -t 192.0.2.1:80 -s rr
	expect "ip_vs_rr autoloaded by ipvsadm -s rr" loaded ip_vs_rr
	show "$P-probe" ipvsadm -A -f 666 -s rr
	show "$P-probe" ipvsadm -Ln
	show "$P-probe" nft add table inet lvs_probe
	expect "nf_tables autoloaded by nft" loaded nf_tables
	show "$P-probe" iptables -t mangle -A PREROUTING -d 192.0.2.1 -p tcp \
		-m multiport --dports 80,443 -j MARK --set-mark 666
	expect "iptables MARK rule with multiport accepted" \
		nsx "$P-probe" sh -c 'iptables -t mangle -S PREROUTING | grep -q "MARK --set-xmark 0x29a"'
	show "$P-probe" ip link add v0 type veth peer name v1
	expect "veth autoloaded" loaded veth
	show "$P-probe" ip link add br0 type bridge
	expect "bridge autoloaded" loaded bridge
	show - sh -c 'lsmod | awk "NR > 1 { print \$1 }" | sort | tr "\n" " "; echo'
	show - "$AGENT" --version
	expect "the agent binary runs in the guest ($AGENT)" [ $? = 0 ]
	expect "tcpdump runs" nsx "$P-probe" sh -c 'tcpdump --version > /dev/null 2>&1'
}

# The director of the seed (5.2): VIP on lo, answers ARP for it (arp_ignore=0), one
# service with RS1 and RS2 in gatewaying (DR) mode.
director_dr() {
	section "director (seed 5.2)"
	show "$NS_DIR" ip addr add $VIP4/32 dev lo
	show "$NS_DIR" ipvsadm -A -t $VIP4:80 -s rr
	show "$NS_DIR" ipvsadm -a -t $VIP4:80 -r 192.168.0.101:80 -g
	show "$NS_DIR" ipvsadm -a -t $VIP4:80 -r 192.168.0.102:80 -g
	show "$NS_DIR" ipvsadm -Ln
}

rs_names() { # the RS name for a MAC
	case $1 in
	"$MAC_RS1") echo RS1 ;;
	"$MAC_RS2") echo RS2 ;;
	"$MAC_DIR") echo director ;;
	*) echo "unknown" ;;
	esac
}
ns_of() { case $1 in RS1) echo "$NS_RS1" ;; RS2) echo "$NS_RS2" ;; esac; }

# all_from NAME: every response came from NAME.
all_from() {
	[ -s "$LAB_DIR/responses" ] && not grep -qv "^$1 server" "$LAB_DIR/responses"
}

# fail_line_names WORD: the agent's last output has a FAIL line naming WORD.
fail_line_names() { grep -qE "^FAIL .*$1" "$LAB_DIR/last"; }

# router_resolve ADDR: flush the router's neighbour cache on the segment and make it
# resolve ADDR again; prints the MAC it learnt.
router_resolve() {
	ip -n "$NS_RT" neigh flush dev eth1
	nsx "$NS_RT" $BB ping -c 1 -W 2 "$1" > /dev/null 2>&1
	neigh_mac "$NS_RT" eth1 "$1"
}

# rs_answers_vip: the real servers answer ARP for the VIP (nothing suppresses it): the
# router's entry for the VIP ends up on a real server ($WHO), and the client's requests
# bypass the director.
rs_answers_vip() {
	local i mac c0 c1
	section "the router resolves the VIP"
	capture arp "$NS_SW" br0 arp
	ip -n "$NS_RT" neigh flush dev eth1
	show "$NS_RT" $BB arping -c 1 -w 2 -I eth1 $VIP4
	# Who answers first wins the router's entry (later replies within locktime are
	# ignored), so resolve a few times to catch a real server winning the race.
	for i in 1 2 3 4 5 6 7 8; do
		mac=$(router_resolve $VIP4)
		WHO=$(rs_names "$mac")
		say "resolve $i: router's entry $VIP4 -> $mac ($WHO)"
		case $WHO in RS1 | RS2) break ;; esac
	done
	capture_stop
	say "ARP replies for the VIP seen on the segment:"
	grep "Reply $VIP4 is-at" "$LAB_DIR/arp.txt" | awk '{print $2}' | sort | uniq -c |
		while read -r n m; do echo "    $n from $m ($(rs_names "$m"))"; done
	expect "RS1 answers ARP requests for the VIP" grep -q "$MAC_RS1 > .*Reply $VIP4 is-at" "$LAB_DIR/arp.txt"
	expect "RS2 answers ARP requests for the VIP" grep -q "$MAC_RS2 > .*Reply $VIP4 is-at" "$LAB_DIR/arp.txt"
	show "$NS_RT" ip neigh show dev eth1
	expect "the router's neighbour entry for the VIP holds a real server's MAC ($WHO)" \
		[ "$WHO" = RS1 -o "$WHO" = RS2 ]

	section "six requests from the client"
	c0=$(ipvs_conns "$VIP4:80")
	requests 6 "http://$VIP4/"
	c1=$(ipvs_conns "$VIP4:80")
	show "$NS_DIR" ipvsadm -Lnc
	expect "all six answered by $WHO directly" all_from "$WHO"
	expect "requests bypass the director (its connection table: $c0 before, $c1 after)" [ "$c0" = "$c1" ]
}

lab_dr_noarp() {
	topo_build 4
	web "$NS_RS1" RS1 192.168.0.101 80
	web "$NS_RS2" RS2 192.168.0.102 80
	wait_listen "$NS_RS1" 80
	wait_listen "$NS_RS2" 80
	director_dr
	write_conf $VIP4

	section "real servers: VIP on lo by hand, no ARP suppression (arp_ignore=0, arp_announce=0)"
	for ns in "$NS_RS1" "$NS_RS2"; do
		show "$ns" ip addr add $VIP4/32 dev lo
		show "$ns" sysctl net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce
	done

	rs_answers_vip

	section "the agent's verify on $WHO (lab config) names the cause"
	agent "$(ns_of "$WHO")" verify
	expect "verify exits 1" [ $? = 1 ]
	expect "verify has a FAIL line naming the cause: arp_ignore eth0" \
		fail_line_names "arp_ignore eth0"

	repair_with_agent
}

lab_dr_noannounce() {
	local mac who c0 c1
	topo_build 4
	web "$NS_RS1" RS1 192.168.0.101 80
	web "$NS_RS2" RS2 192.168.0.102 80
	wait_listen "$NS_RS1" 80
	wait_listen "$NS_RS2" 80
	director_dr
	write_conf $VIP4

	section "real servers: VIP on lo and arp_ignore=1 by hand, arp_announce left 0"
	for ns in "$NS_RS1" "$NS_RS2"; do
		show "$ns" ip addr add $VIP4/32 dev lo
		show "$ns" sysctl -w net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.lo.arp_ignore=1
		show "$ns" sysctl net.ipv4.conf.all.arp_announce net.ipv4.conf.lo.arp_announce
	done

	section "the router resolves the VIP: only the director answers"
	capture arp "$NS_SW" br0 arp
	mac=$(router_resolve $VIP4)
	show "$NS_RT" ip neigh show dev eth1
	expect "the router's entry for the VIP holds the director's MAC" [ "$mac" = $MAC_DIR ]

	section "a real server answers a client from the VIP with an empty neighbour cache"
	# The router learns the poisoned entry from the real server's request, unconfirmed:
	# used, it waits delay_first_probe_time (5 s) and probes the real server's MAC, which
	# does not answer for the VIP (arp_ignore=1); the broadcast that follows gives the entry
	# back to the director. Under emulation five requests outlast that: hold the entry.
	nsx "$NS_RT" sysctl -qw net.ipv4.neigh.eth1.delay_first_probe_time=600
	ip -n "$NS_RS1" neigh flush dev eth0
	ip -n "$NS_RS2" neigh flush dev eth0
	c0=$(ipvs_conns "$VIP4:80")
	requests 1 "http://$VIP4/"
	read -r who _ < "$LAB_DIR/responses"
	mac=$(neigh_mac "$NS_RT" eth1 $VIP4)
	show "$NS_RT" ip neigh show dev eth1
	expect "the request went through the director to a real server ($who)" \
		[ "$who" = RS1 -o "$who" = RS2 ]
	expect "the router's entry for the VIP is poisoned with $who's MAC (now $mac)" \
		[ "$(rs_names "$mac")" = "$who" ]

	section "the next requests bypass the director"
	c1=$(ipvs_conns "$VIP4:80")
	requests 5 "http://$VIP4/"
	capture_stop
	show "$NS_DIR" ipvsadm -Lnc
	expect "all five answered by $who" all_from "$who"
	expect "the director saw only the first (connections: $c0 -> $c1 -> $(ipvs_conns "$VIP4:80"))" \
		[ "$(ipvs_conns "$VIP4:80")" = "$c1" ]
	say "ARP on the segment:"
	sed 's/^[^ ]* /    /' "$LAB_DIR/arp.txt"
	mac=$MAC_RS1
	[ "$who" = RS2 ] && mac=$MAC_RS2
	expect "$who asked for its gateway with the VIP as sender" \
		grep -q "$mac > .*Request who-has 192.168.0.10 tell $VIP4," "$LAB_DIR/arp.txt"

	section "the agent's verify on $who (lab config) names the cause"
	agent "$(ns_of "$who")" verify
	expect "verify exits 1" [ $? = 1 ]
	expect "verify has a FAIL line naming the cause: arp_announce eth0" \
		fail_line_names "arp_announce eth0"
	expect "verify does not blame arp_ignore (set by hand)" not fail_line_names arp_ignore

	repair_with_agent
}

# repair_with_agent: apply on the hand-made real servers of a negative control turns the
# lab into a working one; revert then gives back the hand-made state (the VIP that was
# there before the agent is pre-existing and stays).
repair_with_agent() {
	local ns c0 mac
	section "the agent repairs the hand-made real servers"
	for ns in "$NS_RS1" "$NS_RS2"; do
		snapshot "$ns" "$LAB_DIR/${ns#"$P"-}.hand"
		agent "$ns" apply
		expect "apply on ${ns#"$P"-} exits 0" [ $? = 0 ]
		agent "$ns" verify
		expect "verify on ${ns#"$P"-} exits 0" [ $? = 0 ]
	done
	capture arp2 "$NS_SW" br0 arp
	# The router keeps what it learnt until the entry expires; flush it as an operator would.
	for ns in "$NS_RT" "$NS_RS1" "$NS_RS2"; do ip -n "$ns" neigh flush all; done
	c0=$(ipvs_conns "$VIP4:80")
	requests 6 "http://$VIP4/"
	capture_stop
	expect "six responses alternate RS1/RS2, 3 + 3" alternating RS1 RS2 3
	expect "all six went through the director (connections $c0 -> $(ipvs_conns "$VIP4:80"))" \
		[ "$(ipvs_conns "$VIP4:80")" = $((c0 + 6)) ]
	mac=$(neigh_mac "$NS_RT" eth1 $VIP4)
	show "$NS_RT" ip neigh show dev eth1
	expect "the router's entry for the VIP holds the director's MAC ($mac)" [ "$mac" = $MAC_DIR ]
	expect "no ARP reply for the VIP and no request from the VIP by a real server" \
		not grep -qE "($MAC_RS1|$MAC_RS2) > .*(Reply $VIP4 is-at|tell $VIP4,)" "$LAB_DIR/arp2.txt"
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" revert
		expect "revert on ${ns#"$P"-} exits 0" [ $? = 0 ]
		expect "${ns#"$P"-} is back to its hand-made state (VIP kept)" \
			same_snapshot "$ns" "$LAB_DIR/${ns#"$P"-}.hand"
	done
}

# prepare_rs: snapshot both real servers, apply the agent, show what it did.
prepare_rs() { # prepare_rs 4|6
	local ns
	section "real servers prepared by lvs-rs-agent apply (nothing by hand)"
	for ns in "$NS_RS1" "$NS_RS2"; do
		snapshot "$ns" "$LAB_DIR/${ns#"$P"-}.before"
		agent "$ns" apply
		expect "apply on ${ns#"$P"-} exits 0" [ $? = 0 ]
		show "$ns" ip addr show dev lo
	done
	[ "$1" = 4 ] && show "$NS_RS1" sysctl net.ipv4.conf.all.arp_ignore net.ipv4.conf.lo.arp_ignore \
		net.ipv4.conf.all.arp_announce net.ipv4.conf.lo.arp_announce
}

# verify_revert: verify passes on both real servers, revert restores them exactly.
verify_revert() {
	local ns
	section "verify, then revert restores each real server exactly"
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" verify
		expect "verify on ${ns#"$P"-} exits 0" [ $? = 0 ]
	done
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" revert
		expect "revert on ${ns#"$P"-} exits 0" [ $? = 0 ]
		expect "${ns#"$P"-} equals its snapshot from before apply" \
			same_snapshot "$ns" "$LAB_DIR/${ns#"$P"-}.before"
		agent "$ns" revert
		expect "a second revert on ${ns#"$P"-} is a no-op (exit 0)" [ $? = 0 ]
	done
}

lab_dr() {
	local mac
	topo_build 4
	web "$NS_RS1" RS1 192.168.0.101 80
	web "$NS_RS2" RS2 192.168.0.102 80
	wait_listen "$NS_RS1" 80
	wait_listen "$NS_RS2" 80
	director_dr
	write_conf $VIP4
	prepare_rs 4

	section "six requests from the client (all neighbour caches flushed first)"
	capture arp "$NS_SW" br0 arp
	for ns in "$NS_RT" "$NS_RS1" "$NS_RS2"; do ip -n "$ns" neigh flush all; done
	requests 6 "http://$VIP4/"
	capture_stop
	expect "six responses alternate RS1/RS2, 3 + 3" alternating RS1 RS2 3
	show "$NS_DIR" ipvsadm -Ln
	show "$NS_DIR" ipvsadm -Lnc
	expect "the director's connection table shows all six" [ "$(ipvs_conns "$VIP4:80")" = 6 ]
	mac=$(neigh_mac "$NS_RT" eth1 $VIP4)
	show "$NS_RT" ip neigh show dev eth1
	expect "the router's entry for the VIP holds the director's MAC ($mac)" [ "$mac" = $MAC_DIR ]
	say "ARP on the segment:"
	sed 's/^[^ ]* /    /' "$LAB_DIR/arp.txt"
	expect "no ARP reply for the VIP from a real server" \
		not grep -qE "($MAC_RS1|$MAC_RS2) > .*Reply $VIP4 is-at" "$LAB_DIR/arp.txt"
	expect "no ARP request with the VIP as sender" not grep -q "tell $VIP4," "$LAB_DIR/arp.txt"

	verify_revert
}

# arp_zero NS: arp_ignore and arp_announce of conf/all, lo and eth0 all read 0.
arp_zero() {
	[ "$(nsx "$1" cat /proc/sys/net/ipv4/conf/{all,lo,eth0}/{arp_ignore,arp_announce} | tr -d '\n')" = 000000 ]
}

# dr-nft: the seed's DR lab with ARP suppression by nf_tables alone (arp_suppress =
# nft): arp_ignore and arp_announce stay 0 everywhere on the real servers, the table
# arp lvs_rs_agent does the work. Negative control in the same run: the table deleted
# by hand, the real servers answer ARP for the VIP again.
lab_dr_nft() {
	local mac ns c0
	SNAP_NFT=1	# revert must also give back the ruleset
	topo_build 4
	web "$NS_RS1" RS1 192.168.0.101 80
	web "$NS_RS2" RS2 192.168.0.102 80
	wait_listen "$NS_RS1" 80
	wait_listen "$NS_RS2" 80
	director_dr
	printf '%s\n' "# lvs-rs-agent config of the VM nft lab" "[agent]" "arp_suppress = nft" "" \
		"[vip web]" "address = $VIP4" "mode = dr" "device = lo" > "$LAB_DIR/agent.conf"
	say "agent config:"
	sed 's/^/    /' "$LAB_DIR/agent.conf"

	section "real servers: arp_ignore and arp_announce pinned at 0 on all, lo and eth0"
	for ns in "$NS_RS1" "$NS_RS2"; do
		nsx "$ns" sysctl -qw net.ipv4.conf.{all,lo,eth0}.arp_{ignore,announce}=0 ||
			fail "cannot pin the arp sysctls of $ns"
	done
	show "$NS_RS1" sysctl net.ipv4.conf.{all,lo,eth0}.arp_{ignore,announce}

	section "real servers prepared by lvs-rs-agent apply (arp_suppress = nft, nothing by hand)"
	for ns in "$NS_RS1" "$NS_RS2"; do
		snapshot "$ns" "$LAB_DIR/${ns#"$P"-}.before"
		agent "$ns" apply
		expect "apply on ${ns#"$P"-} exits 0" [ $? = 0 ]
		expect "${ns#"$P"-}: apply created the table arp lvs_rs_agent" \
			grep -q "^+ nft arp lvs_rs_agent$" "$LAB_DIR/last"
		expect "${ns#"$P"-}: apply changed no sysctl" not grep -q " sysctl " "$LAB_DIR/last"
		expect "${ns#"$P"-}: arp_ignore/arp_announce of all, lo, eth0 still 0" arp_zero "$ns"
	done
	show "$NS_RS1" nft list table arp lvs_rs_agent

	section "six requests from the client (all neighbour caches flushed first)"
	capture arp "$NS_SW" br0 arp
	for ns in "$NS_RT" "$NS_RS1" "$NS_RS2"; do ip -n "$ns" neigh flush all; done
	requests 6 "http://$VIP4/"
	capture_stop
	expect "six responses alternate RS1/RS2, 3 + 3" alternating RS1 RS2 3
	show "$NS_DIR" ipvsadm -Lnc
	expect "the director's connection table shows all six" [ "$(ipvs_conns "$VIP4:80")" = 6 ]
	mac=$(neigh_mac "$NS_RT" eth1 $VIP4)
	show "$NS_RT" ip neigh show dev eth1
	expect "the router's entry for the VIP holds the director's MAC ($mac)" [ "$mac" = $MAC_DIR ]
	say "ARP on the segment:"
	sed 's/^[^ ]* /    /' "$LAB_DIR/arp.txt"
	expect "no ARP reply for the VIP from a real server" \
		not grep -qE "($MAC_RS1|$MAC_RS2) > .*Reply $VIP4 is-at" "$LAB_DIR/arp.txt"
	expect "no ARP request with the VIP as sender" not grep -q "tell $VIP4," "$LAB_DIR/arp.txt"
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" verify
		expect "verify on ${ns#"$P"-} exits 0" [ $? = 0 ]
	done

	section "negative control: the table deleted by hand on both real servers"
	for ns in "$NS_RS1" "$NS_RS2"; do
		show "$ns" nft delete table arp lvs_rs_agent
		expect "${ns#"$P"-}: arp sysctls still 0" arp_zero "$ns"
	done
	rs_answers_vip
	section "the agent's verify on $WHO names the missing table"
	agent "$(ns_of "$WHO")" verify
	expect "verify exits 1" [ $? = 1 ]
	expect "verify has a FAIL line naming the table" \
		fail_line_names "nft arp lvs_rs_agent: expected present, found absent"

	section "apply repairs both real servers"
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" apply
		expect "apply on ${ns#"$P"-} exits 0" [ $? = 0 ]
		expect "${ns#"$P"-}: apply made the table again" grep -q "^+ nft arp lvs_rs_agent$" "$LAB_DIR/last"
		expect "${ns#"$P"-}: arp sysctls still 0" arp_zero "$ns"
	done
	# The router keeps what it learnt until the entry expires; flush it as an operator would.
	for ns in "$NS_RT" "$NS_RS1" "$NS_RS2"; do ip -n "$ns" neigh flush all; done
	c0=$(ipvs_conns "$VIP4:80")
	requests 6 "http://$VIP4/"
	expect "six responses alternate RS1/RS2 again, 3 + 3" alternating RS1 RS2 3
	expect "all six went through the director (connections $c0 -> $(ipvs_conns "$VIP4:80"))" \
		[ "$(ipvs_conns "$VIP4:80")" = $((c0 + 6)) ]
	mac=$(neigh_mac "$NS_RT" eth1 $VIP4)
	expect "the router's entry for the VIP holds the director's MAC again ($mac)" [ "$mac" = $MAC_DIR ]

	verify_revert
	for ns in "$NS_RS1" "$NS_RS2"; do
		expect "${ns#"$P"-}: arp sysctls 0 after revert" arp_zero "$ns"
	done
}

# ---- dr-anyip: the DR lab with the VIPs as local routes (anyip = yes), not addresses.
# The seed's addresses leave no prefix around the VIP 192.168.0.100 that misses the real
# servers (.101, .102 are its neighbours, and a real server must not make the other's
# address local), so the group holds the VIP as a /32 route and the prefix
# 192.168.0.112/28 beside it, whose address .120 the director balances as a second
# service: both kinds of route carry traffic end to end.
ANY_NET=192.168.0.112/28 ANY_VIP=192.168.0.120 ANY_FREE=192.168.0.113

# local_route NS DST [DEV]: table local of NS holds DST as the agent's route: type
# local, dev DEV (lo), protocol 76 (ip -j prints one flat object per route).
local_route() {
	ip -n "$1" -j route show table local | sed 's/},{/}\n{/g' | grep -F "\"dst\":\"$2\"," |
		grep -F '"type":"local"' | grep -F "\"dev\":\"${3:-lo}\"" | grep -qF '"protocol":"76"'
}

# no_vip_addr NS: no address of NS is the VIP or in the anyip prefix.
no_vip_addr() {
	! ip -n "$1" -j addr show | grep -qE '"local":"192\.168\.0\.(100|11[2-9]|12[0-7])"'
}

# verify_routes_ok [DEV]: the agent's last verify found both routes (on DEV, lo).
verify_routes_ok() {
	grep -qE "^ok +route local $VIP4/32 dev ${1:-lo} table local: present" "$LAB_DIR/last" &&
		grep -qE "^ok +route local $ANY_NET dev ${1:-lo} table local: present" "$LAB_DIR/last"
}

# any_service FLAG: the director balances ANY_VIP too (on its lo), RS1 and RS2 in the
# forwarding method FLAG of ipvsadm (-g DR, -i TUN).
any_service() {
	show "$NS_DIR" ip addr add $ANY_VIP/32 dev lo
	show "$NS_DIR" ipvsadm -A -t $ANY_VIP:80 -s rr
	show "$NS_DIR" ipvsadm -a -t $ANY_VIP:80 -r 192.168.0.101:80 "$1"
	show "$NS_DIR" ipvsadm -a -t $ANY_VIP:80 -r 192.168.0.102:80 "$1"
}

# anyip_apply DEV: apply on both real servers adds the two routes on DEV (the group's
# device) and no address; table local then holds both as the agent's routes, and no
# address of a real server is a VIP.
anyip_apply() {
	local ns dev=$1
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" apply
		expect "apply on ${ns#"$P"-} exits 0" [ $? = 0 ]
		expect "${ns#"$P"-}: apply added the route $VIP4/32" \
			grep -q "^+ route local $VIP4/32 dev $dev table local$" "$LAB_DIR/last"
		expect "${ns#"$P"-}: apply added the route $ANY_NET" \
			grep -q "^+ route local $ANY_NET dev $dev table local$" "$LAB_DIR/last"
		expect "${ns#"$P"-}: apply added no address" not grep -q " address " "$LAB_DIR/last"
	done
	show "$NS_RS1" ip route show table local
	for ns in "$NS_RS1" "$NS_RS2"; do
		expect "${ns#"$P"-}: table local holds $VIP4 (type local, dev $dev, proto 76)" \
			local_route "$ns" $VIP4 "$dev"
		expect "${ns#"$P"-}: table local holds $ANY_NET (type local, dev $dev, proto 76)" \
			local_route "$ns" $ANY_NET "$dev"
		expect "${ns#"$P"-}: ip -j addr has no VIP address" no_vip_addr "$ns"
	done
}

# any_web: HTTP responders on both real servers bound to VIP4 and to ANY_VIP. Bound to
# the VIPs themselves: without IP_FREEBIND a bind needs a local address, which the
# routes alone make them (the wildcard of the other labs would accept too).
any_web() {
	local ns
	section "HTTP responders bound to the VIPs on the real servers"
	WEB_BIND=$VIP4 web "$NS_RS1" RS1 192.168.0.101 80
	WEB_BIND=$VIP4 web "$NS_RS2" RS2 192.168.0.102 80
	WEB_BIND=$ANY_VIP web "$NS_RS1" RS1 192.168.0.101 80
	WEB_BIND=$ANY_VIP web "$NS_RS2" RS2 192.168.0.102 80
	for ns in "$NS_RS1" "$NS_RS2"; do
		wait_listen "$ns" 80 $VIP4
		wait_listen "$ns" 80 $ANY_VIP
	done
	show "$NS_RS1" ss -Hltn
}

# anyip_requests: six requests to VIP4 and four to ANY_VIP (neighbour caches flushed
# first) alternate RS1/RS2, and the director's connection table holds them all (the
# lab's first requests). The caller captures around it.
anyip_requests() {
	local ns
	for ns in "$NS_RT" "$NS_RS1" "$NS_RS2"; do ip -n "$ns" neigh flush all; done
	requests 6 "http://$VIP4/"
	expect "six responses alternate RS1/RS2, 3 + 3" alternating RS1 RS2 3
	requests 4 "http://$ANY_VIP/"
	expect "four responses from the prefix's VIP alternate RS1/RS2, 2 + 2" alternating RS1 RS2 2
	show "$NS_DIR" ipvsadm -Lnc
	expect "the director's connection table shows the six to $VIP4" [ "$(ipvs_conns "$VIP4:80")" = 6 ]
	expect "and the four to $ANY_VIP" [ "$(ipvs_conns "$ANY_VIP:80")" = 4 ]
}

# anyip_arp_replies: the router asks for the balanced address of the prefix and for one
# nobody balances; both real servers answer for both (the director for its VIP only).
anyip_arp_replies() {
	local a
	section "the whole prefix answers ARP on the real servers ($ANY_VIP balanced, $ANY_FREE not)"
	capture arpnet "$NS_SW" br0 arp
	for a in $ANY_VIP $ANY_FREE; do
		show "$NS_RT" $BB arping -c 1 -w 2 -I eth1 $a
	done
	capture_stop
	grep "Reply 192.168.0.1[12][0-9] is-at" "$LAB_DIR/arpnet.txt" | sed 's/^[^ ]* /    /'
	for a in $ANY_VIP $ANY_FREE; do
		expect "RS1 answers ARP for $a" grep -q "$MAC_RS1 > .*Reply $a is-at" "$LAB_DIR/arpnet.txt"
		expect "RS2 answers ARP for $a" grep -q "$MAC_RS2 > .*Reply $a is-at" "$LAB_DIR/arpnet.txt"
	done
}

lab_dr_anyip() {
	local mac ns c0 c1
	topo_build 4
	director_dr
	any_service -g
	printf '%s\n' "# lvs-rs-agent config of the VM anyip lab" "[agent]" "arp_suppress = sysctl" \
		"arp_ignore = 1" "arp_announce = 2" "" "[vip web]" "anyip = yes" \
		"address = $VIP4/32 $ANY_NET" "mode = dr" "device = lo" > "$LAB_DIR/agent.conf"
	say "agent config:"
	sed 's/^/    /' "$LAB_DIR/agent.conf"

	section "real servers prepared by lvs-rs-agent apply (anyip = yes, nothing by hand)"
	for ns in "$NS_RS1" "$NS_RS2"; do snapshot "$ns" "$LAB_DIR/${ns#"$P"-}.before"; done
	anyip_apply lo
	show "$NS_RS1" sysctl net.ipv4.conf.all.arp_ignore net.ipv4.conf.lo.arp_ignore \
		net.ipv4.conf.all.arp_announce net.ipv4.conf.lo.arp_announce
	show "$NS_RS1" ip addr show dev lo

	any_web
	section "requests from the client: six to $VIP4, four to $ANY_VIP (neighbour caches flushed)"
	capture arp "$NS_SW" br0 arp
	anyip_requests
	capture_stop
	show "$NS_RT" ip neigh show dev eth1
	mac=$(neigh_mac "$NS_RT" eth1 $VIP4)
	expect "the router's entry for $VIP4 holds the director's MAC ($mac)" [ "$mac" = $MAC_DIR ]
	mac=$(neigh_mac "$NS_RT" eth1 $ANY_VIP)
	expect "the router's entry for $ANY_VIP holds the director's MAC ($mac)" [ "$mac" = $MAC_DIR ]
	say "ARP on the segment:"
	sed 's/^[^ ]* /    /' "$LAB_DIR/arp.txt"
	expect "no ARP reply for a VIP from a real server" \
		not grep -qE "($MAC_RS1|$MAC_RS2) > .*Reply ($VIP4|$ANY_VIP) is-at" "$LAB_DIR/arp.txt"
	expect "no ARP request with a VIP as sender" not grep -qE "tell ($VIP4|$ANY_VIP)," "$LAB_DIR/arp.txt"
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" verify
		expect "verify on ${ns#"$P"-} exits 0" [ $? = 0 ]
		expect "verify found both routes present" verify_routes_ok
	done

	# The classic failure: the VIPs are local through the routes, so with arp_ignore = 0
	# the real servers answer ARP for them (the kernel answers for every address whose
	# route type is local, not only for addresses on the device).
	section "negative control: arp_ignore/arp_announce set back to 0 by hand (all, lo, eth0)"
	for ns in "$NS_RS1" "$NS_RS2"; do
		nsx "$ns" sysctl -qw net.ipv4.conf.{all,lo,eth0}.arp_{ignore,announce}=0 ||
			fail "cannot set the arp sysctls of $ns"
		expect "${ns#"$P"-}: arp_ignore/arp_announce of all, lo, eth0 are 0" arp_zero "$ns"
		expect "${ns#"$P"-}: the routes are still there" local_route "$ns" $ANY_NET
	done
	rs_answers_vip
	anyip_arp_replies
	section "the agent's verify on $WHO names the cause"
	agent "$(ns_of "$WHO")" verify
	expect "verify exits 1" [ $? = 1 ]
	expect "verify has a FAIL line naming the cause: arp_ignore eth0" \
		fail_line_names "arp_ignore eth0"

	section "a second apply repairs both real servers"
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" apply
		expect "apply on ${ns#"$P"-} exits 0" [ $? = 0 ]
		expect "${ns#"$P"-}: it raised arp_ignore again" grep -q "all.arp_ignore 0 -> 1" "$LAB_DIR/last"
		expect "${ns#"$P"-}: it left the routes alone" not grep -q " route " "$LAB_DIR/last"
	done
	# The router keeps what it learnt until the entry expires; flush it as an operator would.
	for ns in "$NS_RT" "$NS_RS1" "$NS_RS2"; do ip -n "$ns" neigh flush all; done
	c0=$(ipvs_conns "$VIP4:80")
	requests 6 "http://$VIP4/"
	c1=$(ipvs_conns "$VIP4:80")
	expect "six responses alternate RS1/RS2 again, 3 + 3" alternating RS1 RS2 3
	expect "all six went through the director (connections $c0 -> $c1)" [ "$c1" = $((c0 + 6)) ]
	mac=$(neigh_mac "$NS_RT" eth1 $VIP4)
	expect "the router's entry for the VIP holds the director's MAC again ($mac)" [ "$mac" = $MAC_DIR ]

	verify_revert
	for ns in "$NS_RS1" "$NS_RS2"; do
		show "$ns" ip route show table local proto 76
		expect "${ns#"$P"-}: no route of the agent left in table local" [ ! -s "$LAB_DIR/last" ]
	done
}

lab_fwm() {
	local mac
	topo_build 4
	web "$NS_RS1" RS1 192.168.0.101 80 443
	web "$NS_RS2" RS2 192.168.0.102 80 443
	for ns in "$NS_RS1" "$NS_RS2"; do
		wait_listen "$ns" 80
		wait_listen "$ns" 443
	done

	section "director: 80 and 443 marked 666, one firewall-mark service (seed)"
	show "$NS_DIR" ip addr add $VIP4/32 dev lo
	show "$NS_DIR" iptables -t mangle -A PREROUTING -d $VIP4 -p tcp \
		-m multiport --dports 80,443 -j MARK --set-mark 666
	show "$NS_DIR" ipvsadm -A -f 666 -s rr
	show "$NS_DIR" ipvsadm -a -f 666 -r 192.168.0.101 -g
	show "$NS_DIR" ipvsadm -a -f 666 -r 192.168.0.102 -g
	write_conf $VIP4
	prepare_rs 4

	# Ports in the order 80 443 443 80 80 443: one round-robin over both ports alternates
	# the servers across the whole sequence and gives each port both servers; two
	# services (one per port) would each start on the same server and break the alternation.
	section "six requests to VIP:80 and VIP:443 (80 443 443 80 80 443)"
	for ns in "$NS_RT" "$NS_RS1" "$NS_RS2"; do ip -n "$ns" neigh flush all; done
	requests 6 "http://$VIP4:80/" "http://$VIP4:443/" "http://$VIP4:443/" \
		"http://$VIP4:80/" "http://$VIP4:80/" "http://$VIP4:443/"
	expect "six responses alternate RS1/RS2 across both ports, 3 + 3" alternating RS1 RS2 3
	expect "three answered on port 80" [ "$(grep -c 'port 80$' "$LAB_DIR/responses")" = 3 ]
	expect "three answered on port 443" [ "$(grep -c 'port 443$' "$LAB_DIR/responses")" = 3 ]
	expect "each port reached both real servers" \
		[ "$(sort -u "$LAB_DIR/responses" | wc -l)" = 4 ]
	show "$NS_DIR" ipvsadm -Ln
	show "$NS_DIR" ipvsadm -Lnc
	show "$NS_DIR" iptables -t mangle -L PREROUTING -n -v
	expect "one firewall-mark service holds all six connections" \
		[ "$(ipvs_conns "$VIP4:")" = 6 ]
	mac=$(neigh_mac "$NS_RT" eth1 $VIP4)
	show "$NS_RT" ip neigh show dev eth1
	expect "the router's entry for the VIP holds the director's MAC ($mac)" [ "$mac" = $MAC_DIR ]

	verify_revert
}

lab_ipv6_dr() {
	local mac
	topo_build 6
	web "$NS_RS1" RS1 2001:db8:168::101 80
	web "$NS_RS2" RS2 2001:db8:168::102 80
	wait_listen "$NS_RS1" 80
	wait_listen "$NS_RS2" 80

	section "director: VIP on eth0 (IPv6 answers solicitations only for addresses on the interface)"
	show "$NS_DIR" ip -6 addr add $VIP6/128 dev eth0 nodad
	show "$NS_DIR" ipvsadm -A -t "[$VIP6]:80" -s rr
	show "$NS_DIR" ipvsadm -a -t "[$VIP6]:80" -r "[2001:db8:168::101]:80" -g
	show "$NS_DIR" ipvsadm -a -t "[$VIP6]:80" -r "[2001:db8:168::102]:80" -g
	write_conf $VIP6
	prepare_rs 6

	section "six requests from the client (all neighbour caches flushed first)"
	capture nd "$NS_SW" br0 'icmp6 and (ip6[40] == 135 or ip6[40] == 136)'
	for ns in "$NS_RT" "$NS_RS1" "$NS_RS2"; do ip -n "$ns" neigh flush all; done
	requests 6 "http://[$VIP6]/"
	capture_stop
	expect "six responses alternate RS1/RS2, 3 + 3" alternating RS1 RS2 3
	show "$NS_DIR" ipvsadm -Ln
	show "$NS_DIR" ipvsadm -Lnc
	expect "the director's connection table shows all six" \
		[ "$(nsx "$NS_DIR" ipvsadm -Lnc | grep -cF "[$VIP6]:80")" = 6 ]
	mac=$(neigh_mac "$NS_RT" eth1 $VIP6)
	show "$NS_RT" ip -6 neigh show dev eth1
	expect "the router's entry for the VIP holds the director's MAC ($mac)" [ "$mac" = $MAC_DIR ]
	say "neighbour discovery on the segment:"
	sed 's/^[^ ]* /    /' "$LAB_DIR/nd.txt"
	expect "the director advertised the VIP" \
		grep -q "$MAC_DIR > .*advertisement, tgt is $VIP6," "$LAB_DIR/nd.txt"
	expect "no neighbour advertisement for the VIP from a real server" \
		not grep -qE "($MAC_RS1|$MAC_RS2) > .*advertisement, tgt is $VIP6," "$LAB_DIR/nd.txt"
	expect "no neighbour discovery packet from a real server with the VIP as source" \
		not grep -qE "($MAC_RS1|$MAC_RS2) > .*: $VIP6 > " "$LAB_DIR/nd.txt"

	verify_revert
}

# ---- TUN (issue 5): the seed's IP-in-IP mode, real servers prepared by the agent

# tun_snapshot NS FILE: the snapshot of `snapshot` without the fallback tunnel devices
# (tunl0, ip6tnl0, sit0; gre0 with gretap0 and erspan0 from ip_gre; ip6gre0), which
# appear in every namespace once their module is loaded and stay
# (a fallback device cannot be deleted); their state is compared apart (tun_state). The
# other devices are listed by name (a new one shows) and dumped one by one; the IPv4
# table local is dumped whole (an address or anyip route left on tunl0 shows there).
# Never name a missing device to ip: looking up "tunl0" makes the kernel load ipip
# (netdev-tunl0 alias).
tun_snapshot() {
	local dev devs
	devs=$(ip -n "$1" -o link show | awk '{ split($2, a, "@"); sub(":$", "", a[1]);
		if (a[1] !~ /^(tunl0|ip6tnl0|sit0|gre0|gretap0|erspan0|ip6gre0)$/) print a[1] }')
	# Few processes: each costs ~0.5 s under emulation on a loaded host.
	{
		echo "devices: $(echo $devs)"
		{
			for dev in $devs; do printf 'addr show dev %s\nlink show dev %s\n' "$dev" "$dev"; done
			echo "route show table local"
		} | ip -n "$1" -j -p -batch -
		nsx "$1" grep -H . /proc/sys/net/ipv4/conf/{all,default,lo,eth0}/{arp_ignore,arp_announce,rp_filter} \
			/proc/sys/net/ipv6/conf/{all,default,lo,eth0}/disable_ipv6
	} > "$2"
}

tun_same() { # tun_same NS BEFORE
	tun_snapshot "$1" "$2.after"
	if diff -u "$2" "$2.after" > "$2.diff"; then
		say "$1: ip -j addr, ip -j link (fallback tunnels apart), table local and the sysctls equal the snapshot"
		return 0
	fi
	sed 's/^/    /' "$2.diff"
	return 1
}

# tun_state NS DEV: absent, down or up (from a dump: see tun_snapshot).
tun_state() {
	ip -n "$1" -o link show | awk -v dev="$2" '{ split($2, a, "@"); sub(":$", "", a[1]);
		if (a[1] == dev) { print ($3 ~ /[<,]UP[,>]/) ? "up" : "down"; found = 1 } }
		END { if (!found) print "absent" }'
}

# mib NS GROUP NAME: the kernel's counter NAME of GROUP (Ip, TcpExt, ...) in NS, from
# /proc/net/snmp or /proc/net/netstat (per group a line of names, then one of values).
mib() {
	nsx "$1" awk -v g="$2:" -v k="$3" '$1 == g { if (!n++) { for (i = 2; i <= NF; i++)
		if ($i == k) c = i } else { print $c; exit } }' /proc/net/snmp /proc/net/netstat
}

# rpf_drops NS: the kernel's TcpExt IPReversePathFilter counter in NS.
rpf_drops() { mib "$1" TcpExt IPReversePathFilter; }

# on_dev NS DEV ADDR: ADDR is on DEV in NS.
on_dev() { ip -n "$1" -o addr show | grep -qE "^[0-9]+: $2 +inet6? ${3//./\\.}/"; }

write_tun_conf() { # [ANYIP=yes] write_tun_conf RP_FILTER ADDR...
	local rp=$1
	shift
	printf '%s\n' "# lvs-rs-agent config of the VM TUN lab" "[agent]" "arp_suppress = sysctl" \
		"rp_filter = $rp" "" "[vip web]" ${ANYIP:+"anyip = $ANYIP"} "address = $*" "mode = tun" \
		> "$LAB_DIR/agent.conf"
	say "agent config:"
	sed 's/^/    /' "$LAB_DIR/agent.conf"
}

# fault_apply N: the fault build's apply in the lab's real server with the N-th kernel
# change failing; its output in $LAB_DIR/last, its exit status in FRC.
fault_apply() {
	LVS_RS_AGENT_FAULT=$1 ip netns exec "$FAULT_NS" "$FAULT_BIN" -c "$LAB_DIR/agent.conf" \
		-s "$FAULT_STATE" apply > "$LAB_DIR/last" 2>&1
	FRC=$?
}

# fault_failed N: the run of fault_apply N failed the way a fault must: exit 3 naming the
# injected fault at change N, no journal left.
fault_failed() {
	echo "    fault $1: exit $FRC: $(grep -m1 'injected fault' "$LAB_DIR/last")"
	if [ "$FRC" != 3 ]; then
		sed 's/^/      /' "$LAB_DIR/last"
		fail "fault $1: apply exit $FRC, not 3"
	fi
	grep -q "injected fault at kernel change $1\b" "$LAB_DIR/last" ||
		fail "fault $1: the error does not name the injected fault at change $1"
	[ ! -e "$FAULT_STATE" ] || fail "fault $1: a journal was left"
}

# The director of the seed's TUN mode: VIP on lo, one service, RS1 and RS2 tunnelled (-i).
director_tun() {
	section "director: VIP on lo, ipvsadm -i (IP-in-IP to the real servers)"
	show "$NS_DIR" ip addr add $VIP4/32 dev lo
	show "$NS_DIR" ipvsadm -A -t $VIP4:80 -s rr
	show "$NS_DIR" ipvsadm -a -t $VIP4:80 -r 192.168.0.101:80 -i
	show "$NS_DIR" ipvsadm -a -t $VIP4:80 -r 192.168.0.102:80 -i
	show "$NS_DIR" ipvsadm -Ln
}

# six_tunnelled WHAT FILTER PATTERN: six requests from the client, the segment captured
# (tcpdump FILTER): they alternate RS1/RS2 3 + 3 through the director, whose table holds
# them, and it sent WHAT to each real server (a capture line "192.168.0.200[.PORT] >
# 192.168.0.10N[.PORT]PATTERN"); verify exits 0 on both.
six_tunnelled() {
	local what=$1 filter=$2 pat=$3 ns n
	section "six requests from the client"
	for ns in "$NS_RT" "$NS_RS1" "$NS_RS2"; do ip -n "$ns" neigh flush all; done
	capture tun "$NS_SW" br0 "$filter"
	requests 6 "http://$VIP4/"
	capture_stop
	expect "six responses alternate RS1/RS2, 3 + 3" alternating RS1 RS2 3
	show "$NS_DIR" ipvsadm -Lnc
	expect "the director's connection table shows all six" [ "$(ipvs_conns "$VIP4:80")" = 6 ]
	say "$what on the segment (first lines):"
	head -n 4 "$LAB_DIR/tun.txt" | sed 's/^[^ ]* /    /'
	for n in 1 2; do
		expect "the director sent $what to RS$n" \
			grep -qE "192\.168\.0\.200(\.[0-9]+)? > 192\.168\.0\.10$n(\.[0-9]+)?$pat" "$LAB_DIR/tun.txt"
	done
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" verify
		expect "verify on ${ns#"$P"-} exits 0" [ $? = 0 ]
	done
}

lab_tun() {
	local ns r0 r1
	topo_build 4
	web "$NS_RS1" RS1 192.168.0.101 80
	web "$NS_RS2" RS2 192.168.0.102 80
	wait_listen "$NS_RS1" 80
	wait_listen "$NS_RS2" 80
	director_tun
	# rp_filter = 0 in the config: with the default 2 (loose), conf/all = 1 by hand is
	# harmless (effective max(1, 2) = 2), so the negative control below needs 0.
	write_tun_conf 0 $VIP4

	section "real servers: conf/all/rp_filter as distributions set it (RS1 1, RS2 2)"
	show "$NS_RS1" sysctl -w net.ipv4.conf.all.rp_filter=1
	show "$NS_RS2" sysctl -w net.ipv4.conf.all.rp_filter=2
	tun_before

	section "real servers prepared by lvs-rs-agent apply (nothing by hand)"
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" apply
		expect "apply on ${ns#"$P"-} exits 0" [ $? = 0 ]
		expect "${ns#"$P"-}: apply lowered conf/all/rp_filter to 0" \
			grep -qE "all.rp_filter [12] -> 0" "$LAB_DIR/last"
		show "$ns" ip addr show dev tunl0
		expect "${ns#"$P"-}: tunl0 is up" [ "$(tun_state "$ns" tunl0)" = up ]
		expect "${ns#"$P"-}: the VIP is on tunl0" on_dev "$ns" tunl0 $VIP4
	done
	expect "ipip loaded" loaded ipip
	agent "$NS_RS1" apply
	expect "a second apply changes nothing" grep -q "nothing to change" "$LAB_DIR/last"

	six_tunnelled IP-in-IP 'ip proto 4' ": .*$VIP4"

	section "negative control: conf/all/rp_filter = 1 set by hand after apply"
	for ns in "$NS_RS1" "$NS_RS2"; do
		show "$ns" sysctl -w net.ipv4.conf.all.rp_filter=1
	done
	r0=$(($(rpf_drops "$NS_RS1") + $(rpf_drops "$NS_RS2")))
	REQ_TMO=2 requests 2 "http://$VIP4/"
	r1=$(($(rpf_drops "$NS_RS1") + $(rpf_drops "$NS_RS2")))
	expect "both requests time out" [ "$(grep -c '^-$' "$LAB_DIR/responses")" = 2 ]
	expect "TcpExtIPReversePathFilter rises on the real servers ($r0 -> $r1)" [ "$r1" -gt "$r0" ]
	agent "$NS_RS1" verify
	expect "verify exits 1" [ $? = 1 ]
	expect "verify's FAIL line names the effective value on tunl0 (1) and the cause" \
		grep -qE "^FAIL +rp_filter tunl0.*1 \(effective: max\(all 1, tunl0 0\)\).*strict reverse-path filtering drops them" \
		"$LAB_DIR/last"

	section "a second apply repairs it"
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" apply
		expect "apply on ${ns#"$P"-} exits 0" [ $? = 0 ]
		expect "it lowered conf/all/rp_filter 1 -> 0" grep -q "all.rp_filter 1 -> 0" "$LAB_DIR/last"
	done
	requests 6 "http://$VIP4/"
	expect "six responses alternate RS1/RS2 again, 3 + 3" alternating RS1 RS2 3

	tun_revert
}

# tun_before: the real servers' snapshots and tunl0's state before the agent. Once
# loaded (by an earlier lab of the same boot), ipip stays: tunl0 is then already there,
# down, in every namespace.
tun_before() {
	local ns
	if loaded ipip; then
		say "ipip is loaded already (an earlier lab of this boot loaded it)"
	else
		say "ipip is not loaded: the agent's request must load it"
	fi
	for ns in "$NS_RS1" "$NS_RS2"; do
		tun_snapshot "$ns" "$LAB_DIR/${ns#"$P"-}.before"
		tun_state "$ns" tunl0 > "$LAB_DIR/${ns#"$P"-}.tunl0"
		say "${ns#"$P"-}: tunl0 before: $(cat "$LAB_DIR/${ns#"$P"-}.tunl0")"
	done
}

# tun_revert: revert restores each real server to its tun_before snapshot, tunl0 down
# and without the VIP; a second revert is a no-op.
tun_revert() {
	local ns state
	section "revert restores each real server (tunl0 stays, down: the module stays loaded)"
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" revert
		expect "revert on ${ns#"$P"-} exits 0" [ $? = 0 ]
		expect "${ns#"$P"-} equals its snapshot from before apply" \
			tun_same "$ns" "$LAB_DIR/${ns#"$P"-}.before"
		state=$(tun_state "$ns" tunl0)
		say "${ns#"$P"-}: tunl0 $(cat "$LAB_DIR/${ns#"$P"-}.tunl0") before apply, $state after revert"
		expect "${ns#"$P"-}: tunl0 is down after revert" [ "$state" = down ]
		expect "${ns#"$P"-}: no address left on tunl0" not on_dev "$ns" tunl0 $VIP4
		agent "$ns" revert
		expect "a second revert on ${ns#"$P"-} is a no-op (exit 0)" [ $? = 0 ]
	done
}

# ---- tun-anyip: TUN mode with the VIPs as local routes on tunl0 (anyip = yes): the
# decapsulated requests reach services bound to the VIP and to the balanced address of
# the prefix (ANY_NET, as in dr-anyip) through the routes alone. Negative control: the
# VIP's route deleted by hand, as an operator might.
lab_tun_anyip() {
	local ns a n r0 r1
	topo_build 4
	director_tun
	any_service -i
	# rp_filter = 0 as in lab_tun: decapsulated requests arrive on tunl0, their reverse
	# path is eth0.
	ANYIP=yes write_tun_conf 0 $VIP4/32 $ANY_NET
	tun_before

	section "real servers prepared by lvs-rs-agent apply (anyip = yes, mode = tun, nothing by hand)"
	anyip_apply tunl0
	for ns in "$NS_RS1" "$NS_RS2"; do
		expect "${ns#"$P"-}: tunl0 is up" [ "$(tun_state "$ns" tunl0)" = up ]
	done
	expect "ipip loaded" loaded ipip

	any_web
	section "requests from the client: six to $VIP4, four to $ANY_VIP"
	capture ipip "$NS_SW" br0 'ip proto 4'
	anyip_requests
	capture_stop
	say "IP-in-IP on the segment (first lines):"
	head -n 2 "$LAB_DIR/ipip.txt" | sed 's/^[^ ]* /    /'
	for a in $VIP4 $ANY_VIP; do
		for n in 1 2; do
			expect "the director sent IP-in-IP for $a to RS$n" grep -qE \
				"192\.168\.0\.200 > 192\.168\.0\.10$n: .* > ${a//./\\.}\.80:" "$LAB_DIR/ipip.txt"
		done
	done
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" verify
		expect "verify on ${ns#"$P"-} exits 0" [ $? = 0 ]
		expect "verify found both routes present" verify_routes_ok tunl0
	done

	# Without its route the VIP is not local: the decapsulated request is one to forward,
	# which a real server (ip_forward = 0) drops, counting Ip InAddrErrors.
	section "negative control: the VIP's route deleted by hand on both real servers"
	for ns in "$NS_RS1" "$NS_RS2"; do
		show "$ns" ip route del local $VIP4/32 dev tunl0 table local
		expect "${ns#"$P"-}: table local no longer holds $VIP4" not local_route "$ns" $VIP4 tunl0
	done
	r0=$(($(mib "$NS_RS1" Ip InAddrErrors) + $(mib "$NS_RS2" Ip InAddrErrors)))
	REQ_TMO=2 requests 2 "http://$VIP4/"
	r1=$(($(mib "$NS_RS1" Ip InAddrErrors) + $(mib "$NS_RS2" Ip InAddrErrors)))
	expect "both requests time out" [ "$(grep -c '^-$' "$LAB_DIR/responses")" = 2 ]
	expect "the real servers drop them as not local: Ip InAddrErrors $r0 -> $r1" [ "$r1" -gt "$r0" ]
	agent "$NS_RS1" verify
	expect "verify exits 1" [ $? = 1 ]
	expect "verify has a FAIL line naming the route" \
		fail_line_names "route local $VIP4/32 dev tunl0 table local"
	expect "verify still finds the prefix's route" \
		grep -qE "^ok +route local $ANY_NET dev tunl0 table local: present" "$LAB_DIR/last"

	section "a second apply adds the route back"
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" apply
		expect "apply on ${ns#"$P"-} exits 0" [ $? = 0 ]
		expect "${ns#"$P"-}: it added the route $VIP4/32 again" \
			grep -q "^+ route local $VIP4/32 dev tunl0 table local$" "$LAB_DIR/last"
		expect "${ns#"$P"-}: it left the prefix's route alone" not grep -qF "$ANY_NET" "$LAB_DIR/last"
		expect "${ns#"$P"-}: table local holds $VIP4 again" local_route "$ns" $VIP4 tunl0
	done
	requests 4 "http://$VIP4/"
	expect "four responses alternate RS1/RS2 again, 2 + 2" alternating RS1 RS2 2

	tun_revert
	for ns in "$NS_RS1" "$NS_RS2"; do
		show "$ns" ip route show table local proto 76
		expect "${ns#"$P"-}: no route of the agent left in table local" [ ! -s "$LAB_DIR/last" ]
	done
}

# tun-fault: the fault build fails each kernel change of an apply with a TUN group (and a
# DR group) in turn. First with ipip not loaded: change 1 is the request that loads it
# (the probe); a fault there leaves no trace, a fault at the next change leaves only
# the module and its fallback tunl0 (down), which nothing can remove. Then, with the
# module loaded, as every later apply sees it: the number of changes of an undelayed
# apply is counted, and each change N = 1..count fails in turn (exit 3, no journal, the
# namespace equal to its snapshot: tunl0's link state, every arp/rp_filter sysctl,
# addresses), and N = count + 1 succeeds.
lab_tun_fault() {
	local rs=$P-rs1 i n count
	FAULT_NS=$rs FAULT_BIN=${AGENT%/*}/lvs-rs-agent-fault FAULT_STATE=$LAB_DIR/fault.state
	[ -x "$FAULT_BIN" ] || fail "no fault build $FAULT_BIN (make build-tests)"
	LAB_NOIPV6=0 ns_add "$rs"	# the DR group has an IPv6 VIP
	ip -n "$rs" link add eth0 type veth peer name eth1 || fail "veth"
	nsb "$rs" <<-EOF
		link set eth1 up
		link set eth0 up
		addr add 192.168.0.101/24 dev eth0
		route add default via 192.168.0.10
	EOF
	# The snapshots compare link state: let carrier settle first.
	for i in $(seq 50); do
		ip -n "$rs" -o link show dev eth0 | grep -q "state UP" && break
		sleep 0.1
	done
	# Strict rp_filter as distributions set it: on all, and on tunl0 through default
	# (a device copies conf/default when it appears, tunl0 too when ipip loads). The
	# apply lowers both: every TUN step kind is in it.
	show "$rs" sysctl -w net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.default.rp_filter=1
	printf '%s\n' "# lvs-rs-agent config of the VM TUN fault lab" "[agent]" \
		"arp_suppress = sysctl" "rp_filter = 0" "" "[vip web]" "address = $VIP4" \
		"mode = tun" "mss = off" "" "[vip local]" "address = 192.168.0.110 2001:db8:168::110" \
		"mode = dr" > "$LAB_DIR/agent.conf"
	sed 's/^/    /' "$LAB_DIR/agent.conf"

	section "ipip not loaded: the first change is the request that loads it"
	expect "ipip not loaded before the agent asks" not loaded ipip
	expect "no tunl0 before" [ "$(tun_state "$rs" tunl0)" = absent ]
	tun_snapshot "$rs" "$LAB_DIR/rs1.noipip"
	fault_apply 1
	fault_failed 1
	expect "fault 1 (the probe): ipip still not loaded" not loaded ipip
	expect "fault 1: no tunl0, the namespace as before" tun_same "$rs" "$LAB_DIR/rs1.noipip"
	expect "fault 1: tunl0 absent" [ "$(tun_state "$rs" tunl0)" = absent ]
	fault_apply 2
	fault_failed 2
	expect "fault 2: the probe loaded ipip" loaded ipip
	expect "fault 2: the namespace as before, tunl0 apart" tun_same "$rs" "$LAB_DIR/rs1.noipip"
	expect "fault 2: tunl0 is there, down (a fallback device stays)" [ "$(tun_state "$rs" tunl0)" = down ]

	section "ipip loaded: count the changes of an undelayed apply"
	# From here on the namespace holds tunl0 (down, conf/tunl0/rp_filter = 1 from
	# default) as any namespace does once ipip is loaded: the snapshot includes it.
	# tunl0 keeps a trace of its first "up" that only deleting it would remove: its
	# default qdisc (ip shows noqueue instead of noop; its IPv6 settings appear too).
	# The state before is therefore that of a tunl0 that has been up once, as on any
	# server that used TUN mode before; everything is then compared exactly.
	show "$rs" ip link set tunl0 up
	show "$rs" ip link set tunl0 down
	snapshot "$rs" "$LAB_DIR/rs1.before"
	show "$rs" grep -H . /proc/sys/net/ipv4/conf/tunl0/rp_filter
	agent "$rs" apply
	expect "apply exits 0" [ $? = 0 ]
	count=$(sed -n 's/^apply: \([0-9][0-9]*\) changes$/\1/p' "$LAB_DIR/last")
	expect "the apply brings tunl0 up" grep -q "link tunl0 .*up" "$LAB_DIR/last"
	expect "the apply lowers conf/tunl0/rp_filter" grep -q "conf.tunl0.rp_filter 1 -> 0" "$LAB_DIR/last"
	expect "the apply lowers conf/all/rp_filter" grep -q "conf.all.rp_filter 1 -> 0" "$LAB_DIR/last"
	expect "the apply puts the VIP on tunl0" grep -q "address $VIP4/32 dev tunl0" "$LAB_DIR/last"
	expect "the apply counts its changes ($count)" [ -n "$count" ]
	agent "$rs" revert
	expect "revert exits 0" [ $? = 0 ]
	expect "the namespace equals its snapshot after revert" same_snapshot "$rs" "$LAB_DIR/rs1.before"

	section "fault injection at every change N = 1..$count"
	for n in $(seq 1 "$count"); do
		fault_apply "$n"
		fault_failed "$n"
		same_snapshot "$rs" "$LAB_DIR/rs1.before" > /dev/null ||
			{ sed 's/^/    /' "$LAB_DIR/rs1.before.diff"; fail "fault $n: $rs changed"; }
	done
	say "ok: each of the $count changes failed in turn: exit 3, no journal, state as before"
	fault_apply $((count + 1))
	sed 's/^/    /' "$LAB_DIR/last"
	expect "fault $((count + 1)) (past the last change): apply exits 0" [ "$FRC" = 0 ]
	expect "tunl0 up" [ "$(tun_state "$rs" tunl0)" = up ]
	ip netns exec "$rs" "$FAULT_BIN" -c "$LAB_DIR/agent.conf" -s "$FAULT_STATE" revert > /dev/null 2>&1
	expect "revert after it exits 0" [ $? = 0 ]
	expect "the namespace equals its snapshot again" same_snapshot "$rs" "$LAB_DIR/rs1.before"
	expect "tunl0 down after revert" [ "$(tun_state "$rs" tunl0)" = down ]
}

# ---- tun-crash: SIGKILL inside an apply with a TUN group, on the real ipip. The same
# test as tests/integration/test-crash.sh CRASH_MODE=tun, with this lib's cheap
# snapshots (that script's Python-based ones cost ~10 s a trial under emulation).

# LANDED_AWK, on a state dump (ip -o addr, ip -o link, the sysctls as grep -H) and then
# the change lines of an apply (+/~ KIND TARGET ... -> VALUE) in their order: prints
# "K N LAST | KIND DONE/ALL, ...": the first K of the N changes are in the kernel.
LANDED_AWK='
BEGIN { k = 0; n = 0; ng = 0 }
FNR == NR {
	if ($1 ~ /^\/proc\/sys\//) {
		split($1, kv, ":"); sk = substr(kv[1], 11); gsub("/", ".", sk)
		have["sysctl " sk " " kv[2]] = 1
	} else if ($3 == "inet" || $3 == "inet6") {
		have["address " $4 " dev " $2] = 1
	} else if ($2 ~ /:$/) {
		d = $2; sub(/@.*/, "", d); sub(/:$/, "", d)
		if ($3 ~ /[<,]UP[,>]/) have["link " d " up"] = 1
	}
	next
}
$1 == "+" || $1 == "~" {
	n++
	if ($2 == "address") { key = "address " $3 " dev " $5; g = "address dev " $5 }
	else { key = $2 " " $3 " " $NF; g = $2 }
	ok = (key in have)
	if (g != lastg) { ng++; gname[ng] = g; lastg = g }
	gall[ng]++; gdone[ng] += ok
	if (ok && k == n - 1) { k = n; last = $2 " " $3 }
}
END {
	printf "%d %d %s |", k, n, (k ? last : "none")
	for (i = 1; i <= ng; i++) printf " %s %d/%d%s", gname[i], gdone[i], gall[i], (i < ng ? "," : "")
	print ""
}'

# landed NS: where the kill left the apply; sets LK (changes made, in order), LTEXT.
landed() {
	nsx "$1" sh -c 'ip -o addr show; ip -o link show; grep -H . /proc/sys/net/ipv4/conf/*/arp_ignore \
		/proc/sys/net/ipv4/conf/*/arp_announce /proc/sys/net/ipv4/conf/*/rp_filter' > "$LAB_DIR/at-kill"
	read -r LK _ LTEXT < <(awk "$LANDED_AWK" "$LAB_DIR/at-kill" "$LAB_DIR/changes")
}

# crash_kill NS DELAY_US FROM_MS TO_MS STATE: the fault build's apply, slowed by DELAY_US
# before each kernel change, SIGKILLed at a random moment between FROM_MS and TO_MS after
# its start; KILL_MS, KRC.
crash_kill() {
	local pid
	KILL_MS=$(( $3 + (RANDOM * 32768 + RANDOM) % ($4 - $3) ))
	# A simple command in the background: ip netns exec execs the agent, $! is its PID.
	LVS_RS_AGENT_DELAY_US=$2 ip netns exec "$1" "$FAULT_BIN" -c "$LAB_DIR/agent.conf" \
		-s "$5" apply > /dev/null 2>&1 &
	pid=$!
	sleep "$(awk -v m="$KILL_MS" 'BEGIN { printf "%.3f", m / 1000 }')"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	KRC=$?
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

lab_tun_crash() {
	local rs=$P-rs1 i t set focus what n k_tun k_focus delay t0 t_base t1 st
	local delay_us window_ms focus_us focus_ms midway=0 tunhit=0 landings="" from to
	local trials=${LVS_VM_CRASH_TRIALS:-4} w=1.2 seed=${LVS_VM_CRASH_SEED:-$(( $(date +%s%N) % 32768 ))}
	FAULT_BIN=${AGENT%/*}/lvs-rs-agent-fault
	[ -x "$FAULT_BIN" ] || fail "no fault build $FAULT_BIN (make build-tests)"
	RANDOM=$seed
	say "seed $seed (LVS_VM_CRASH_SEED=$seed repeats the kill moments)"
	LAB_NOIPV6=0 ns_add "$rs"
	ip -n "$rs" link add eth0 type veth peer name eth1 || fail "veth"
	nsb "$rs" <<-EOF
		link set eth1 up
		link set eth0 up
		addr add 192.168.0.101/24 dev eth0
		route add default via 192.168.0.10
	EOF
	for i in $(seq 50); do
		ip -n "$rs" -o link show dev eth0 | grep -q "state UP" && break
		sleep 0.1
	done
	{
		printf '%s\n' "# lvs-rs-agent config of the VM TUN crash lab" "[agent]" \
			"arp_suppress = sysctl" "rp_filter = 0" "" "[vip tun]" "mode = tun" "device = tunl0" \
			"mss = off"
		printf 'address ='; printf ' 198.51.100.%d' $(seq 1 10); printf '\n\n'
		printf '%s\n' "[vip dr]" "mode = dr"
		printf 'address ='; printf ' 203.0.113.%d' $(seq 1 10); printf ' 2001:db8:100::%x' $(seq 1 10)
		printf '\n'
	} > "$LAB_DIR/agent.conf"
	sed 's/^/    /' "$LAB_DIR/agent.conf"

	section "ipip loaded and the real server as before the agent"
	if ! loaded ipip; then
		# The agent's own request loads it (its probe), in a throw-away namespace.
		ns_add "$P-load"
		agent "$P-load" apply > /dev/null
		expect "the agent's first TUN apply loads ipip" loaded ipip
		agent "$P-load" revert > /dev/null
	fi
	# Once ipip is loaded every namespace is born with tunl0, down, and nothing can
	# delete it: the state before the agent has tunl0. It keeps a trace of its first
	# "up" that only deleting it would remove (its default qdisc: ip shows noqueue
	# instead of noop; its IPv6 settings appear): the state before is therefore that of
	# a tunl0 that has been up once, as on any server that used TUN mode before, and
	# everything is compared exactly.
	expect "tunl0 present (down) in a new namespace" [ "$(tun_state "$rs" tunl0)" = down ]
	nsb "$rs" <<-EOF
		link set tunl0 up
		link set tunl0 down
	EOF
	# Strict rp_filter as distributions set it, on all and tunl0: the apply lowers both.
	show "$rs" sysctl -w net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.tunl0.rp_filter=1

	section "calibration: the changes of an undelayed apply, the delays"
	snapshot "$rs" "$LAB_DIR/rs1.before"
	st=$LAB_DIR/cal.state
	t0=$(now_ms)
	ip netns exec "$rs" "$FAULT_BIN" -c "$LAB_DIR/agent.conf" -s "$st" apply > "$LAB_DIR/changes" 2>&1
	expect "apply exits 0" [ $? = 0 ]
	t_base=$(( $(now_ms) - t0 ))
	sed 's/^/    /' "$LAB_DIR/changes"
	n=$(grep -cE '^[+~] ' "$LAB_DIR/changes")
	expect "apply made 37 changes (4 arp sysctls, tunl0 up, 2 rp_filter, 30 VIPs)" [ "$n" = 37 ]
	ip netns exec "$rs" "$FAULT_BIN" -s "$st" revert > /dev/null 2>&1
	expect "revert exits 0" [ $? = 0 ]
	t0=$(now_ms)
	LVS_RS_AGENT_FAULT=1 ip netns exec "$rs" "$FAULT_BIN" -c "$LAB_DIR/agent.conf" -s "$st" apply \
		> /dev/null 2>&1
	t1=$(( $(now_ms) - t0 ))
	# The TUN steps the kernel can show one by one: from "link tunl0" to the last change
	# before the VIPs. The VIPs (on tunl0 and on lo) reach the kernel together, in the
	# agent's netlink batch after the last one is queued: a kill lands before all of
	# them or after all of them.
	k_tun=$(awk '/^[+~] / { n++ } /^[+~] link tunl0 / { print n; exit }' "$LAB_DIR/changes")
	k_focus=$(awk '/^[+~] / { n++ } /^[+~] address / { print n - 1; exit }' "$LAB_DIR/changes")
	delay_us=$(awk -v w=$w -v b="$t_base" -v c="$n" \
		'BEGIN { d = (w * 1000 - b) * 1000 / c; m = w * 1e6 / c / 2; print int(d < m ? m : d) }')
	window_ms=
	for i in 1 2; do
		t0=$(now_ms)
		LVS_RS_AGENT_DELAY_US=$delay_us ip netns exec "$rs" "$FAULT_BIN" -c "$LAB_DIR/agent.conf" \
			-s "$st" apply > /dev/null 2>&1 || fail "delayed apply failed"
		t=$(( $(now_ms) - t0 ))
		[ -z "$window_ms" ] || [ "$t" -lt "$window_ms" ] && window_ms=$t
		ip netns exec "$rs" "$FAULT_BIN" -s "$st" revert > /dev/null 2>&1 || fail "revert failed"
	done
	# Focus trials: each change up to the last TUN step waits w / (k_focus + 1), so the
	# kill lands before the first, between two, or half a delay after the last (the VIPs
	# then still queued).
	focus_us=$(awk -v w=$w -v k="$k_focus" 'BEGIN { print int(w * 1e6 / (k + 1)) }')
	focus_ms=$(awk -v t="$t1" -v k="$k_focus" -v d="$focus_us" \
		'BEGIN { print int(t + (k + 0.5) * d / 1000) }')
	# The kills fall where changes are made: from the first change (after the start,
	# t1: config, journal, observation; 0.2-0.7 s under emulation, longer with ASan) to
	# two delays before the last one (the kill itself starts a sleep, tens of ms late).
	# A kill before the first change or after the last tests little and is left to
	# chance, not aimed at.
	say "undelayed apply ${t_base} ms (first change after about ${t1} ms); whole apply with" \
		"LVS_RS_AGENT_DELAY_US=$delay_us: ${window_ms} ms, kills between $((t1 + delay_us / 1000)) and" \
		"$((t1 + (n - 2) * delay_us / 1000)) ms; the TUN steps are changes $k_tun..$k_focus," \
		"the focus window with $focus_us: $((t1 + focus_us / 1000))..${focus_ms} ms"
	expect "revert restored the namespace after calibration" same_snapshot "$rs" "$LAB_DIR/rs1.before"

	for set in A B; do
		section "set $set: SIGKILL, then $([ $set = A ] && echo "revert" || echo "apply, verify, revert")"
		for t in $(seq 1 "$trials"); do
			st=$LAB_DIR/state-$set$t
			focus=$((t % 2))
			if [ $focus = 1 ]; then
				delay=$focus_us from=$((t1 + focus_us / 1000)) to=$focus_ms what="focus"
			else
				delay=$delay_us from=$((t1 + delay_us / 1000))
				to=$((t1 + (n - 2) * delay_us / 1000)) what="whole apply"
				[ "$to" -le "$window_ms" ] || to=$window_ms
			fi
			[ "$to" -gt "$from" ] || to=$((from + 1))
			crash_kill "$rs" "$delay" "$from" "$to" "$st"
			landed "$rs"
			[ "$KRC" = 137 ] || LTEXT="apply had ended (exit $KRC): $LTEXT"
			echo "    trial $set$t: kill at $KILL_MS ms ($what window): after change $LK of $n ($LTEXT)"
			landings="$landings $LK"
			[ "$KRC" = 137 ] && [ "$LK" -gt 0 ] && [ "$LK" -lt "$n" ] && midway=$((midway + 1))
			[ "$KRC" = 137 ] && [ "$LK" -ge "$k_tun" ] && [ "$LK" -le "$k_focus" ] && tunhit=$((tunhit + 1))
			if [ $set = B ]; then
				ip netns exec "$rs" "$AGENT" -c "$LAB_DIR/agent.conf" -s "$st" apply > "$LAB_DIR/last" 2>&1 ||
					{ sed 's/^/      /' "$LAB_DIR/last"; fail "$set$t: apply after the kill failed"; }
				ip netns exec "$rs" "$AGENT" -c "$LAB_DIR/agent.conf" -s "$st" verify > "$LAB_DIR/last" 2>&1 ||
					{ sed 's/^/      /' "$LAB_DIR/last"; fail "$set$t: verify after that apply failed"; }
			fi
			ip netns exec "$rs" "$AGENT" -s "$st" revert > "$LAB_DIR/last" 2>&1 ||
				{ sed 's/^/      /' "$LAB_DIR/last"; fail "$set$t: revert failed"; }
			same_snapshot "$rs" "$LAB_DIR/rs1.before" > /dev/null ||
				{ sed 's/^/      /' "$LAB_DIR/rs1.before.diff"; fail "$set$t: revert left a difference"; }
		done
		say "ok: set $set: after each of the $trials kills $([ $set = A ] && echo "revert" ||
			echo "apply converged, verify passed, revert") restored the state before exactly"
	done
	say "kills landed after change (change x trials): $(printf '%s\n' $landings | sort -n | uniq -c |
		awk '{ printf "%s x%s  ", $2, $1 }')"
	expect "at least half of the kills landed mid-apply ($midway of $((2 * trials)))" \
		[ $midway -ge "$trials" ]
	what="kills landed amid the TUN steps, after tunl0 up and before the VIPs"
	expect "$what (change $k_tun..$k_focus: $tunhit of $((2 * trials)))" [ $tunhit -ge 1 ]
}

# ipv6-tun: IPVS tunnelling to IPv6 real servers (IPv6-in-IPv6), VIP on ip6tnl0.
lab_ipv6_tun() {
	local ns
	topo_build 6
	web "$NS_RS1" RS1 2001:db8:168::101 80
	web "$NS_RS2" RS2 2001:db8:168::102 80
	wait_listen "$NS_RS1" 80
	wait_listen "$NS_RS2" 80

	# The director picks the outer source toward a real server by source address
	# selection: VIP and RIPs share a /64, so the VIP would win (longest match), and
	# ip6_tunnel on the real server, which holds the VIP too, drops a packet whose outer
	# source is one of its own addresses. A deprecated VIP (preferred_lft 0) is never
	# chosen while the director's own address is preferred, and still answers
	# neighbour solicitations.
	section "director: VIP on eth0, deprecated; ipvsadm -i to IPv6 real servers"
	show "$NS_DIR" ip -6 addr add $VIP6/128 dev eth0 nodad preferred_lft 0
	show "$NS_DIR" ipvsadm -A -t "[$VIP6]:80" -s rr
	show "$NS_DIR" ipvsadm -a -t "[$VIP6]:80" -r "[2001:db8:168::101]:80" -i
	show "$NS_DIR" ipvsadm -a -t "[$VIP6]:80" -r "[2001:db8:168::102]:80" -i
	printf '%s\n' "# lvs-rs-agent config of the VM IPv6 TUN lab" "[vip web6]" \
		"address = $VIP6" "mode = tun" > "$LAB_DIR/agent.conf"
	sed 's/^/    /' "$LAB_DIR/agent.conf"
	if loaded ip6_tunnel; then
		say "ip6_tunnel is loaded already"
	else
		say "ip6_tunnel is not loaded: the agent's request must load it"
	fi

	section "real servers prepared by lvs-rs-agent apply (nothing by hand)"
	for ns in "$NS_RS1" "$NS_RS2"; do
		tun_snapshot "$ns" "$LAB_DIR/${ns#"$P"-}.before"
		tun_state "$ns" ip6tnl0 > "$LAB_DIR/${ns#"$P"-}.ip6tnl0"
	done
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" apply
		expect "apply on ${ns#"$P"-} exits 0" [ $? = 0 ]
		show "$ns" ip -6 addr show dev ip6tnl0
		expect "${ns#"$P"-}: ip6tnl0 is up" [ "$(tun_state "$ns" ip6tnl0)" = up ]
		expect "${ns#"$P"-}: the VIP is on ip6tnl0" on_dev "$ns" ip6tnl0 $VIP6
	done
	expect "ip6_tunnel loaded" loaded ip6_tunnel

	section "six requests from the client"
	for ns in "$NS_RT" "$NS_RS1" "$NS_RS2"; do ip -n "$ns" neigh flush all; done
	requests 6 "http://[$VIP6]/"
	expect "six responses alternate RS1/RS2, 3 + 3" alternating RS1 RS2 3
	show "$NS_DIR" ipvsadm -Lnc
	expect "the director's connection table shows all six" \
		[ "$(nsx "$NS_DIR" ipvsadm -Lnc | grep -cF "[$VIP6]:80")" = 6 ]
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" verify
		expect "verify on ${ns#"$P"-} exits 0" [ $? = 0 ]
	done

	section "revert restores each real server (ip6tnl0 stays, down)"
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" revert
		expect "revert on ${ns#"$P"-} exits 0" [ $? = 0 ]
		expect "${ns#"$P"-} equals its snapshot from before apply" \
			tun_same "$ns" "$LAB_DIR/${ns#"$P"-}.before"
		say "${ns#"$P"-}: ip6tnl0 $(cat "$LAB_DIR/${ns#"$P"-}.ip6tnl0") before apply, $(tun_state "$ns" ip6tnl0) after revert"
		expect "${ns#"$P"-}: ip6tnl0 is not up after revert" [ "$(tun_state "$ns" ip6tnl0)" != up ]
		expect "${ns#"$P"-}: no address left on ip6tnl0" not on_dev "$ns" ip6tnl0 $VIP6
	done
}

# ---- the MSS clamp (tun-mss, tun-mss-gue, tun-mss-gre): the director tunnels to RS1 with
# each type in turn; the real server's config says the same.
MSS_PORT=9000

# upload [MSS]: 1 MB from the client to the VIP (the client's own MSS lowered to MSS), the
# server's byte count back: "ok 1048576", or "stalled" when it did not complete in 6 s.
upload() {
	[ -e "$LAB_DIR/1mb" ] || head -c 1048576 /dev/zero > "$LAB_DIR/1mb"
	local n
	n=$(timeout 6 ip netns exec "$NS_C" socat -t 6 - \
		"TCP:$VIP4:$MSS_PORT${1:+,mss=$1}" < "$LAB_DIR/1mb" 2>/dev/null)
	if [ -n "$n" ]; then echo "ok $n"; else echo stalled; fi > "$LAB_DIR/upload"
	say "upload${1:+ (client MSS $1)}: $(cat "$LAB_DIR/upload")"
}

# sink NS: a server on MSS_PORT answering each connection with the bytes it read.
sink() {
	spawn "$1" socat "TCP-LISTEN:$MSS_PORT,reuseaddr,fork" SYSTEM:"wc -c"
	wait_listen "$1" "$MSS_PORT"
}

# synack_mss: the MSS of the last SYN-ACK from the VIP that the client saw.
synack_mss() {
	grep -E "$VIP4\.$MSS_PORT > .*Flags \[S\.\]" "$LAB_DIR/syn.txt" | tail -1 |
		grep -oE 'mss [0-9]+' | awk '{print $2}'
}

# frag_drops: the ICMP "fragmentation needed" the director sent and its output chain dropped.
frag_drops() {
	nsx "$NS_DIR" nft list chain inet lab out | grep -oE 'packets [0-9]+' | awk '{ print $2; exit }'
}

# ip_len: the first IP total length on stdin (tcpdump -v's "length N)").
ip_len() {
	grep -m1 -oE 'length [0-9]+\)' | tr -dc 0-9
}

# mss_lab TYPE: 1500-byte links, the director tunnelling TYPE to RS1 with its ICMP
# "fragmentation needed" dropped. mss = off: a 1 MB upload through the VIP stalls (the
# director's dropped ICMP counted); mss = auto: the table clamps to the documented value,
# the SYN-ACK carries it, the upload completes, and the director's real overhead is
# measured against the 1500 bytes; a client offering less keeps its own.
mss_lab() {
	local type=$1 got d0 d1 inner outer over
	tun_type_of "$type"
	topo_build 4
	section "director: $type to RS1 only (ipvsadm -i $TT_OPT), ICMP fragmentation-needed dropped on its path"
	show "$NS_DIR" ip addr add $VIP4/32 dev lo
	show "$NS_DIR" ipvsadm -A -t $VIP4:$MSS_PORT -s rr
	show "$NS_DIR" ipvsadm -a -t $VIP4:$MSS_PORT -r 192.168.0.101:$MSS_PORT -i $TT_OPT
	show "$NS_DIR" nft 'add table inet lab { chain out { type filter hook output priority 0;
		icmp type destination-unreachable icmp code frag-needed counter drop; }; }'
	[ "$type" != gue ] || loaded fou || show - modprobe fou	# not loaded on demand (tun-gue)
	sink "$NS_RS1"

	section "negative control: mss = off, the client's full-size segments do not fit the tunnel"
	write_tun_conf 2 $VIP4
	printf '%s\n' "$TT_CONF" "mss = off" >> "$LAB_DIR/agent.conf"
	agent "$NS_RS1" apply
	expect "apply (mss = off) exits 0" [ $? = 0 ]
	capture syn "$NS_C" eth0 -v "tcp port $MSS_PORT and tcp[tcpflags] & tcp-syn != 0"
	d0=$(frag_drops)
	upload
	d1=$(frag_drops)
	capture_stop
	expect "the 1 MB upload stalls without the clamp" grep -q '^stalled$' "$LAB_DIR/upload"
	expect "the director sent ICMP fragmentation-needed, dropped on its path ($d0 -> $d1)" [ "$d1" -gt "$d0" ]
	got=$(synack_mss)
	expect "the SYN-ACK carries the server's own MSS 1460 ($got)" [ "$got" = 1460 ]

	section "mss = auto: the table, the SYN-ACK's MSS $TT_MSS, the upload completes"
	write_tun_conf 2 $VIP4
	printf '%s\n' "$TT_CONF" >> "$LAB_DIR/agent.conf"
	agent "$NS_RS1" apply
	expect "apply (mss = auto) exits 0" [ $? = 0 ]
	expect "apply made the table and the VIP's step" \
		grep -qE "^\+ mss inet lvs_rs_agent_mss vip $VIP4\$" "$LAB_DIR/last"
	show "$NS_RS1" nft list table inet lvs_rs_agent_mss
	expect "the table clamps to $TT_MSS" grep -q "maxseg size set $TT_MSS" "$LAB_DIR/last"
	capture syn "$NS_C" eth0 -v "tcp port $MSS_PORT and tcp[tcpflags] & tcp-syn != 0"
	capture tsyn "$NS_RS1" eth0 -v -c 1 "src 192.168.0.200 and $TT_FILTER"
	upload
	capture_stop
	expect "the 1 MB upload completes (1048576 bytes)" grep -q '^ok 1048576$' "$LAB_DIR/upload"
	got=$(synack_mss)
	say "SYN-ACK: $(grep -E "Flags \[S\.\]" "$LAB_DIR/syn.txt" | tail -1)"
	expect "tcpdump: the SYN-ACK's MSS is $TT_MSS ($got)" [ "$got" = "$TT_MSS" ]
	# What the director really adds: its tunnelled SYN (the first packet to RS1) against the
	# client's. The data segments themselves pass the veths as GSO packets, tens of KB each
	# in a capture, so the arithmetic is checked on the SYN: a full-size segment is MSS + 40.
	inner=$(grep -B1 -E "> $VIP4\.$MSS_PORT: Flags \[S\]," "$LAB_DIR/syn.txt" | head -1 | ip_len)
	outer=$(ip_len < "$LAB_DIR/tsyn.txt")
	over=$((outer - inner))
	say "tcpdump: the client's SYN $inner bytes, tunnelled by the director $outer: $type adds $over;" \
		"a full-size segment at MSS $TT_MSS is $((TT_MSS + 40 + over)) bytes on the 1500-byte path," \
		"$((1500 - TT_MSS - 40 - over)) to spare (the documented allowance: $((1500 - 40 - TT_MSS)))"
	expect "the director's $type overhead ($over) is within mss = auto's allowance" \
		[ "$over" -gt 0 -a $((TT_MSS + 40 + over)) -le 1500 ]

	section "a client offering a smaller MSS keeps it"
	capture syn "$NS_C" eth0 -v "tcp port $MSS_PORT and tcp[tcpflags] & tcp-syn != 0"
	upload 1000
	capture_stop
	expect "the upload with MSS 1000 completes" grep -q '^ok 1048576$' "$LAB_DIR/upload"
	expect "the client's SYN carries its own 1000" \
		grep -qE "> $VIP4\.$MSS_PORT: Flags \[S\].*mss 1000" "$LAB_DIR/syn.txt"
}

lab_tun_mss() {
	mss_lab ipip
	section "apply again, damage, verify, revert"
	agent "$NS_RS1" apply
	expect "a second apply changes nothing" grep -q "nothing to change" "$LAB_DIR/last"
	show "$NS_RS1" nft flush chain inet lvs_rs_agent_mss output
	agent "$NS_RS1" verify
	expect "verify exits 1 on the damaged table" [ $? = 1 ]
	expect "verify says why" grep -q "uploads stall where ICMP is filtered" "$LAB_DIR/last"
	agent "$NS_RS1" apply
	expect "apply rebuilds it" [ $? = 0 ]
	agent "$NS_RS1" verify
	expect "verify exits 0" [ $? = 0 ]
	mss_revert
}

# mss_revert: revert on RS1 removes the table (and a fou port the apply made).
mss_revert() {
	agent "$NS_RS1" revert
	expect "revert exits 0" [ $? = 0 ]
	expect "revert removed the table" not has_table "$NS_RS1"
	expect "no fou port left" [ -z "$(fou_show "$NS_RS1")" ]
}

lab_tun_mss_gue() {
	mss_lab gue
	mss_revert
}

lab_tun_mss_gre() {
	mss_lab gre
	mss_revert
}

# ---- tun-gue, tun-gre: the director's other tunnel types (ipvsadm --tun-type), IPv4

# fou_show NS: the fou ports of NS, one line each ("" without fou).
fou_show() { nsx "$1" ip fou show 2>/dev/null; }

# tun_type_of ipip|gue|gre: for an IPv4 VIP tunnelled with that type, the director's
# ipvsadm options (TT_OPT), the real server's config lines (TT_CONF), tcpdump's filter for
# the tunnelled packets (TT_FILTER) and mss = auto's value at 1500 bytes
# (lvs-rs-agent.conf(5)'s arithmetic: TT_MSS).
tun_type_of() {
	case $1 in
	ipip) TT_OPT="" TT_CONF="tun_type = ipip" TT_FILTER="ip proto 4" TT_MSS=1440 ;;
	gue) TT_OPT="--tun-type gue --tun-port 6080" TT_CONF=$'tun_type = gue\ntun_port = 6080'
		TT_FILTER="udp dst port 6080" TT_MSS=1420 ;;
	gre) TT_OPT="--tun-type gre" TT_CONF="tun_type = gre" TT_FILTER="ip proto 47" TT_MSS=1432 ;;
	*) fail "unknown tunnel type $1" ;;
	esac
}

# tun_type_lab gue|gre: the seed's TUN topology with the director's --tun-type; the real
# servers prepared by the agent (tun_type, and tun_port for gue; rp_filter = 0 with
# conf/all 1 by hand as distributions set it), six requests alternate, verify 0; the
# receiver removed by hand (the fou port, gre0 down): requests time out and verify names
# it; apply repairs it; revert restores each real server (the fou port gone, the
# fallback device down).
tun_type_lab() {
	local type=$1 ns dev mod what pat receiver failing
	tun_type_of "$type"
	case $type in
	gue)
		dev=tunl0 mod=fou what=GUE pat='\.6080: UDP'
		receiver="ip fou del port 6080"
		failing="^FAIL +fou gue 6080 inet: expected present, found absent.*the director's GUE packets to UDP 6080 \(IPv4\) are dropped: nothing receives them" ;;
	gre)
		dev=gre0 mod=ip_gre what=GRE pat=": GREv0.*${VIP4//./\\.}"
		receiver="ip link set gre0 down"
		failing="^FAIL +link gre0: expected up, found down.*the kernel drops the director's GRE packets" ;;
	esac
	topo_build 4
	web "$NS_RS1" RS1 192.168.0.101 80
	web "$NS_RS2" RS2 192.168.0.102 80
	wait_listen "$NS_RS1" 80
	wait_listen "$NS_RS2" 80
	section "director: VIP on lo, ipvsadm -i $TT_OPT"
	show "$NS_DIR" ip addr add $VIP4/32 dev lo
	show "$NS_DIR" ipvsadm -A -t $VIP4:80 -s rr
	show "$NS_DIR" ipvsadm -a -t $VIP4:80 -r 192.168.0.101:80 -i $TT_OPT
	show "$NS_DIR" ipvsadm -a -t $VIP4:80 -r 192.168.0.102:80 -i $TT_OPT
	show "$NS_DIR" ipvsadm -Ln --tun-info
	expect "the director's service tunnels with $type" grep -qi "$type" "$LAB_DIR/last"
	write_tun_conf 0 $VIP4
	printf '%s\n' "$TT_CONF" >> "$LAB_DIR/agent.conf"
	sed 's/^/    /' "$LAB_DIR/agent.conf"

	section "real servers: conf/all/rp_filter = 1 as distributions set it"
	for ns in "$NS_RS1" "$NS_RS2"; do
		show "$ns" sysctl -w net.ipv4.conf.all.rp_filter=1
	done
	if loaded $mod; then say "$mod is loaded already"; else say "$mod is not loaded: the agent's request must load it"; fi
	for ns in "$NS_RS1" "$NS_RS2"; do
		tun_snapshot "$ns" "$LAB_DIR/${ns#"$P"-}.before"
		tun_state "$ns" $dev > "$LAB_DIR/${ns#"$P"-}.dev"
		fou_show "$ns" > "$LAB_DIR/${ns#"$P"-}.fou"
		say "${ns#"$P"-}: $dev before: $(cat "$LAB_DIR/${ns#"$P"-}.dev"), fou ports: $(wc -l < "$LAB_DIR/${ns#"$P"-}.fou")"
	done

	if [ $type = gue ] && ! loaded fou; then
		# Debian 12's fou has no alias for its generic netlink family: the kernel does not
		# load it on demand, and the operator loads it (modules-load.d, modprobe).
		section "fou not loaded: apply and plan tell, and change nothing"
		agent "$NS_RS1" apply
		expect "apply exits 3" [ $? = 3 ]
		expect "it names the module and what to do" grep -q "module fou is not loaded, and this kernel does not load it on demand" "$LAB_DIR/last"
		expect "rs1 equals its snapshot" tun_same "$NS_RS1" "$LAB_DIR/rs1.before"
		expect "no journal" [ ! -e "$LAB_DIR/rs1.state" ]
		agent "$NS_RS1" plan
		expect "plan exits 3 with the same words" [ $? = 3 ]
		expect "plan names the module" grep -q "module fou is not loaded" "$LAB_DIR/last"
		show - modprobe fou
		expect "fou loaded by modprobe" loaded fou
	fi

	section "real servers prepared by lvs-rs-agent apply (tun_type = $type, nothing by hand)"
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" apply
		expect "apply on ${ns#"$P"-} exits 0" [ $? = 0 ]
		expect "${ns#"$P"-}: $dev is up" [ "$(tun_state "$ns" $dev)" = up ]
		expect "${ns#"$P"-}: the VIP is on $dev" on_dev "$ns" $dev $VIP4
		if [ $type = gue ]; then
			expect "${ns#"$P"-}: apply says it added the fou port" grep -q "^+ fou gue 6080 inet$" "$LAB_DIR/last"
			show "$ns" ip fou show
			expect "${ns#"$P"-}: ip fou show lists port 6080 gue" grep -qx "port 6080 gue" "$LAB_DIR/last"
		fi
	done
	expect "$mod loaded" loaded $mod
	agent "$NS_RS1" apply
	expect "a second apply changes nothing" grep -q "nothing to change" "$LAB_DIR/last"

	six_tunnelled "$what" "$TT_FILTER" "$pat"

	section "negative control: the receiver removed by hand ($receiver)"
	for ns in "$NS_RS1" "$NS_RS2"; do
		show "$ns" $receiver
	done
	REQ_TMO=2 requests 2 "http://$VIP4/"
	expect "both requests time out" [ "$(grep -c '^-$' "$LAB_DIR/responses")" = 2 ]
	agent "$NS_RS1" verify
	expect "verify exits 1" [ $? = 1 ]
	expect "verify's FAIL line names the receiver and why" grep -qE "$failing" "$LAB_DIR/last"

	section "a second apply repairs it"
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" apply
		expect "apply on ${ns#"$P"-} exits 0" [ $? = 0 ]
	done
	requests 2 "http://$VIP4/"
	expect "two responses alternate RS1/RS2 again" alternating RS1 RS2 1

	section "revert restores each real server ($dev stays, down: its module stays loaded)"
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" revert
		expect "revert on ${ns#"$P"-} exits 0" [ $? = 0 ]
		expect "${ns#"$P"-} equals its snapshot from before apply" \
			tun_same "$ns" "$LAB_DIR/${ns#"$P"-}.before"
		expect "${ns#"$P"-}: $dev is down after revert" [ "$(tun_state "$ns" $dev)" = down ]
		expect "${ns#"$P"-}: no address left on $dev" not on_dev "$ns" $dev $VIP4
		expect "${ns#"$P"-}: the fou ports are as before apply ($(wc -l < "$LAB_DIR/${ns#"$P"-}.fou"))" \
			[ "$(fou_show "$ns")" = "$(cat "$LAB_DIR/${ns#"$P"-}.fou")" ]
		agent "$ns" revert
		expect "a second revert on ${ns#"$P"-} is a no-op (exit 0)" [ $? = 0 ]
	done
}

# tun-gue-fault: a real server alone (the tun-fault lab's), with the GUE config of
# tun-gue: the fault build fails the fou step (nothing made, nothing left) and the change
# after it (the port made, then rolled back: FOU_CMD_DEL); then a SIGKILL right after the
# fou step (the port made, the run killed before its next change): revert removes the
# port and restores the snapshot.
lab_tun_gue_fault() {
	local rs=$P-rs1 k n pid st=$LAB_DIR/fault.state i
	FAULT_NS=$rs FAULT_BIN=${AGENT%/*}/lvs-rs-agent-fault FAULT_STATE=$st
	[ -x "$FAULT_BIN" ] || fail "no fault build $FAULT_BIN (make build-tests)"
	ns_add "$rs"
	ip -n "$rs" link add eth0 type veth peer name eth1 || fail "veth"
	nsb "$rs" <<-EOF
		link set eth1 up
		link set eth0 up
		addr add 192.168.0.101/24 dev eth0
		route add default via 192.168.0.10
	EOF
	for i in $(seq 50); do
		ip -n "$rs" -o link show dev eth0 | grep -q "state UP" && break
		sleep 0.1
	done
	loaded fou || show - modprobe fou	# Debian 12's kernel does not load it on demand
	# ipip loaded too, so that no probe (the request that loads it, a change of its own:
	# the tun-fault lab's) shifts the numbers of the changes from plan's.
	loaded ipip || show - modprobe ipip
	show "$rs" sysctl -w net.ipv4.conf.all.rp_filter=1
	write_tun_conf 0 $VIP4
	printf '%s\n' "tun_type = gue" "tun_port = 6080" >> "$LAB_DIR/agent.conf"
	tun_snapshot "$rs" "$LAB_DIR/rs1.before"
	fou_show "$rs" > "$LAB_DIR/rs1.fou"

	section "fault injection at the fou step (fault build)"
	# The changes of an apply, in order: the fou step's number among them.
	ip netns exec "$rs" "$FAULT_BIN" -c "$LAB_DIR/agent.conf" -s "$st" plan > "$LAB_DIR/plan" 2>&1
	sed 's/^/    /' "$LAB_DIR/plan"
	k=$(grep -E '^[-+~] ' "$LAB_DIR/plan" | grep -n '^+ fou gue 6080 inet$' | cut -d: -f1)
	n=$(grep -cE '^[-+~] ' "$LAB_DIR/plan")
	expect "plan lists the fou step among the $n changes (number ${k:-none})" [ -n "$k" ]
	for i in $k $((k + 1)); do
		fault_apply $i
		fault_failed $i
		sed 's/^/      /' "$LAB_DIR/last"
		[ $i != "$k" ] || expect "fault $i failed the fou step" \
			grep -q "(failed) + fou gue 6080 inet" "$LAB_DIR/last"
		expect "fault $i: rs1 equals its snapshot" tun_same "$rs" "$LAB_DIR/rs1.before"
		expect "fault $i: no fou port left" [ "$(fou_show "$rs")" = "$(cat "$LAB_DIR/rs1.fou")" ]
	done
	expect "fault $((k + 1)) came after the port was made, and undid it" \
		grep -q "(undone) + fou gue 6080 inet" "$LAB_DIR/last"

	section "SIGKILL right after the fou step"
	LVS_RS_AGENT_DELAY_US=1500000 ip netns exec "$rs" "$FAULT_BIN" -c "$LAB_DIR/agent.conf" \
		-s "$st" apply > /dev/null 2>&1 &
	pid=$!
	for i in $(seq 100); do
		fou_show "$rs" | grep -q "port 6080" && break
		sleep 0.05
	done
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	show "$rs" ip fou show
	expect "killed with the fou port made" grep -qx "port 6080 gue" "$LAB_DIR/last"
	expect "the journal was left" [ -s "$st" ]
	ip netns exec "$rs" "$AGENT" -c "$LAB_DIR/agent.conf" -s "$st" revert > "$LAB_DIR/last" 2>&1
	expect "revert after the kill exits 0" [ $? = 0 ]
	sed 's/^/    /' "$LAB_DIR/last"
	expect "revert removed the fou port" grep -q "^- fou gue 6080 inet$" "$LAB_DIR/last"
	expect "rs1 equals its snapshot after revert" tun_same "$rs" "$LAB_DIR/rs1.before"
	expect "no fou port left" [ "$(fou_show "$rs")" = "$(cat "$LAB_DIR/rs1.fou")" ]
}

lab_tun_gue() {
	tun_type_lab gue
}

lab_tun_gre() {
	tun_type_lab gre
}

# ---- tun-mss-fault: the MSS table's step under the fault build and SIGKILL. A real server
# alone (as in tun-fault) with an IPv4 TUN group on tunl0 and an IPv6 one on ip6tnl0, mss =
# auto (the table then holds a set per family, v4_1440 and v6_1400), both default routes.
# The fault build fails the change before the table's transaction, the transaction and the
# change after it: exit 3, no journal, the snapshot with the ruleset (no table); a kill
# while the transaction waits (no table) and one right after it (the table whole): status
# reads the journal, revert restores the snapshot.

# mss_snapshot NS FILE: tun_snapshot and the nf_tables ruleset.
mss_snapshot() {
	tun_snapshot "$1" "$2"
	nsx "$1" nft list ruleset >> "$2"
}

mss_same() { # mss_same NS BEFORE
	mss_snapshot "$1" "$2.after"
	if diff -u "$2" "$2.after" > "$2.diff"; then
		say "$1: addresses, links (fallback tunnels apart), table local, the sysctls and the ruleset equal the snapshot"
		return 0
	fi
	sed 's/^/    /' "$2.diff"
	return 1
}

# mss_whole NS: the table holds both sets with their VIPs and both rules (from nft's text).
mss_whole() {
	nsx "$1" nft list table inet lvs_rs_agent_mss > "$LAB_DIR/table" 2>&1 || return 1
	grep -q "maxseg size set 1440" "$LAB_DIR/table" && grep -q "maxseg size set 1400" "$LAB_DIR/table" &&
		grep -qF "$VIP4" "$LAB_DIR/table" && grep -qF "$VIP6" "$LAB_DIR/table"
}

link_up() { [ "$(tun_state "$1" "$2")" = up ]; }	# link_up NS DEV
has_table() { nsx "$1" nft list table inet lvs_rs_agent_mss > /dev/null 2>&1; }	# has_table NS

# mss_kill WHEN: the fault build's apply, LVS_RS_AGENT_DELAY_US=1.5 s before each change,
# SIGKILLed once WHEN (a command) holds, polled; then the state at the kill, status, and
# revert, which must restore the snapshot.
mss_kill() {
	local pid i rs=$FAULT_NS
	rm -f "$FAULT_STATE"
	LVS_RS_AGENT_DELAY_US=1500000 ip netns exec "$rs" "$FAULT_BIN" -c "$LAB_DIR/agent.conf" \
		-s "$FAULT_STATE" apply > /dev/null 2>&1 &
	pid=$!
	for i in $(seq 300); do
		"$@" && break
		sleep 0.05
	done
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	expect "the apply was killed (exit 137, not ended)" [ $? = 137 ]
	expect "the journal was left" [ -s "$FAULT_STATE" ]
	if mss_whole "$rs"; then
		KILL_TABLE=whole
	elif has_table "$rs"; then
		KILL_TABLE=partial
		sed 's/^/    /' "$LAB_DIR/table"
	else
		KILL_TABLE=absent
	fi
	say "at the kill: the table $KILL_TABLE"
	ip netns exec "$rs" "$AGENT" -c "$LAB_DIR/agent.conf" -s "$FAULT_STATE" status > "$LAB_DIR/last" 2>&1
	i=$?
	expect "status reads the journal the kill left (exit $i: 1 while its checks fail)" [ $i -le 1 ]
	expect "the journal names the table" grep -q "lvs_rs_agent_mss" "$LAB_DIR/last"
	ip netns exec "$rs" "$AGENT" -c "$LAB_DIR/agent.conf" -s "$FAULT_STATE" revert > "$LAB_DIR/last" 2>&1
	expect "revert after the kill exits 0" [ $? = 0 ]
	sed 's/^/    /' "$LAB_DIR/last"
	expect "the real server equals its snapshot after revert" mss_same "$rs" "$LAB_DIR/rs1.before"
	expect "tunl0 and ip6tnl0 down" [ "$(tun_state "$rs" tunl0)$(tun_state "$rs" ip6tnl0)" = downdown ]
}

lab_tun_mss_fault() {
	local rs=$P-rs1 i n k prev dev
	FAULT_NS=$rs FAULT_BIN=${AGENT%/*}/lvs-rs-agent-fault FAULT_STATE=$LAB_DIR/fault.state
	[ -x "$FAULT_BIN" ] || fail "no fault build $FAULT_BIN (make build-tests)"
	# Loaded first, so that no probe (the request that loads a module, a change of its own:
	# tun-fault) shifts the numbers.
	loaded ipip || show - modprobe ipip
	loaded ip6_tunnel || show - modprobe ip6_tunnel
	LAB_NOIPV6=0 ns_add "$rs"
	ip -n "$rs" link add eth0 type veth peer name eth1 || fail "veth"
	nsb "$rs" <<-EOF
		link set eth1 up
		link set eth0 up
		addr add 192.168.0.101/24 dev eth0
		addr add 2001:db8:168::101/64 dev eth0 nodad
		route add default via 192.168.0.10
		route add default via 2001:db8:168::10
	EOF
	for i in $(seq 50); do
		ip -n "$rs" -o link show dev eth0 | grep -q "state UP" && break
		sleep 0.1
	done
	show "$rs" sysctl -w net.ipv4.conf.all.rp_filter=1
	printf '%s\n' "# lvs-rs-agent config of the VM MSS fault lab" "[agent]" "arp_suppress = sysctl" \
		"rp_filter = 0" "" "[vip v4]" "address = $VIP4" "mode = tun" "" "[vip v6]" \
		"address = $VIP6" "mode = tun" > "$LAB_DIR/agent.conf"
	sed 's/^/    /' "$LAB_DIR/agent.conf"
	mss_snapshot "$rs" "$LAB_DIR/rs1.before"

	section "the changes of an apply"
	agent "$rs" apply
	expect "apply exits 0" [ $? = 0 ]
	grep -E '^[-+~] ' "$LAB_DIR/last" > "$LAB_DIR/changes"
	expect "the table and both VIPs' steps are among them" \
		grep -qx "+ mss inet lvs_rs_agent_mss vip $VIP6" "$LAB_DIR/changes"
	expect "the table is whole: v4 1440, v6 1400, both VIPs" mss_whole "$rs"
	prev=$(grep -B1 -m1 '^+ mss inet lvs_rs_agent_mss' "$LAB_DIR/changes" | head -1)
	agent "$rs" revert
	expect "revert exits 0" [ $? = 0 ]
	expect "revert restores the snapshot" mss_same "$rs" "$LAB_DIR/rs1.before"

	# The changes before the table are one kernel change each (sysctls, links): the table's
	# transaction, its three steps in one, is change k. The other changes' faults are
	# tun-fault's.
	k=$(grep -n -m1 '^+ mss inet lvs_rs_agent_mss$' "$LAB_DIR/changes" | cut -d: -f1)
	section "fault injection before the table's transaction, at it (change $k) and after it"
	for n in $((k - 1)) "$k" $((k + 1)); do
		fault_apply "$n"
		fault_failed "$n"
		mss_same "$rs" "$LAB_DIR/rs1.before" > /dev/null ||
			{ sed 's/^/    /' "$LAB_DIR/rs1.before.diff"; fail "fault $n: $rs changed"; }
		not has_table "$rs" || fail "fault $n: the table was left"
		case $n in
		$((k - 1))) expect "fault $n: the table's steps not made" \
			grep -q '(not made) + mss inet lvs_rs_agent_mss$' "$LAB_DIR/last" ;;
		"$k") expect "fault $n failed the table's transaction" \
			grep -q '(failed) + mss inet lvs_rs_agent_mss$' "$LAB_DIR/last" ;;
		*) sed 's/^/      /' "$LAB_DIR/last"
			expect "fault $n, after the table was made: undone" \
				grep -q '(undone) + mss inet lvs_rs_agent_mss$' "$LAB_DIR/last" ;;
		esac
	done
	say "ok: each fault: exit 3, no journal, no table, the snapshot (ruleset included)"

	section "SIGKILL while the table's transaction waits (after: $prev)"
	case $prev in
	[+~]" link "*) dev=${prev#? link }; dev=${dev%% *} ;;
	*) fail "the change before the table is not a link's ($prev): the lab polls links only" ;;
	esac
	mss_kill link_up "$rs" "$dev"
	expect "killed before the table's change: the table absent" [ "$KILL_TABLE" = absent ]

	section "SIGKILL right after the table's transaction"
	mss_kill has_table "$rs"
	expect "killed after the table's change: the table whole" [ "$KILL_TABLE" = whole ]
}

# ---- ipv6-tun-gue, ipv6-tun-gre: GUE and GRE over IPv6 (the ipv6-tun topology): the
# director's --tun-type to IPv6 real servers, the real servers' fou port of family inet6 on
# ip6tnl0 (GUE) or ip6gre0 (GRE) prepared by the agent; six requests alternate, verify 0;
# the receiver removed by hand: requests time out, verify names it; apply repairs it;
# revert restores each real server.
ipv6_type_lab() {
	local type=$1 ns n dev mod filter receiver failing
	tun_type_of "$type"
	case $type in
	gue) dev=ip6tnl0 mod=fou filter="ip6 and udp dst port 6080" receiver="ip fou del port 6080 -6"
		failing="^FAIL +fou gue 6080 inet6: expected present, found absent.*UDP 6080 \(IPv6\) are dropped: nothing receives them" ;;
	gre) dev=ip6gre0 mod=ip6_gre filter="ip6 and ip6 proto 47" receiver="ip link set ip6gre0 down"
		failing="^FAIL +link ip6gre0: expected up, found down.*the kernel drops the director's" ;;
	esac
	topo_build 6
	web "$NS_RS1" RS1 2001:db8:168::101 80
	web "$NS_RS2" RS2 2001:db8:168::102 80
	wait_listen "$NS_RS1" 80
	wait_listen "$NS_RS2" 80
	# The VIP deprecated on the director's eth0, as in ipv6-tun: the outer source must be
	# the director's own address, not the VIP the real servers hold too.
	section "director: VIP on eth0, deprecated; ipvsadm -i $TT_OPT to IPv6 real servers"
	show "$NS_DIR" ip -6 addr add $VIP6/128 dev eth0 nodad preferred_lft 0
	show "$NS_DIR" ipvsadm -A -t "[$VIP6]:80" -s rr
	show "$NS_DIR" ipvsadm -a -t "[$VIP6]:80" -r "[2001:db8:168::101]:80" -i $TT_OPT
	show "$NS_DIR" ipvsadm -a -t "[$VIP6]:80" -r "[2001:db8:168::102]:80" -i $TT_OPT
	show "$NS_DIR" ipvsadm -Ln --tun-info
	expect "the director's service tunnels with $type" grep -qi "$type" "$LAB_DIR/last"
	printf '%s\n' "# lvs-rs-agent config of the VM IPv6 $type lab" "[vip web6]" \
		"address = $VIP6" "mode = tun" "$TT_CONF" > "$LAB_DIR/agent.conf"
	sed 's/^/    /' "$LAB_DIR/agent.conf"
	[ "$type" != gue ] || loaded fou || show - modprobe fou	# not loaded on demand (tun-gue)
	if loaded $mod; then say "$mod is loaded already"; else say "$mod is not loaded: the agent's request must load it"; fi
	for ns in "$NS_RS1" "$NS_RS2"; do
		tun_snapshot "$ns" "$LAB_DIR/${ns#"$P"-}.before"
		fou_show "$ns" > "$LAB_DIR/${ns#"$P"-}.fou"
		say "${ns#"$P"-}: $dev before: $(tun_state "$ns" $dev), fou ports: $(wc -l < "$LAB_DIR/${ns#"$P"-}.fou")"
	done

	section "real servers prepared by lvs-rs-agent apply (tun_type = $type, IPv6, nothing by hand)"
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" apply
		expect "apply on ${ns#"$P"-} exits 0" [ $? = 0 ]
		expect "${ns#"$P"-}: $dev is up" [ "$(tun_state "$ns" $dev)" = up ]
		expect "${ns#"$P"-}: the VIP is on $dev" on_dev "$ns" $dev $VIP6
		if [ $type = gue ]; then
			expect "${ns#"$P"-}: apply says it added the fou port" grep -q "^+ fou gue 6080 inet6$" "$LAB_DIR/last"
			show "$ns" ip fou show
			expect "${ns#"$P"-}: ip fou show lists port 6080 gue -6" grep -qx "port 6080 gue -6" "$LAB_DIR/last"
		fi
	done
	expect "$mod loaded" loaded $mod

	section "six requests from the client"
	for ns in "$NS_RT" "$NS_RS1" "$NS_RS2"; do ip -n "$ns" neigh flush all; done
	capture tun "$NS_SW" br0 "$filter"
	requests 6 "http://[$VIP6]/"
	capture_stop
	expect "six responses alternate RS1/RS2, 3 + 3" alternating RS1 RS2 3
	expect "the director's connection table shows all six" \
		[ "$(nsx "$NS_DIR" ipvsadm -Lnc | grep -cF "[$VIP6]:80")" = 6 ]
	say "$type over IPv6 on the segment (first lines):"
	head -n 2 "$LAB_DIR/tun.txt" | sed 's/^[^ ]* /    /'
	for n in 1 2; do
		expect "the director sent $type over IPv6 to RS$n" \
			grep -qE "2001:db8:168::200(\.[0-9]+)? > 2001:db8:168::10$n(\.[0-9]+)?" "$LAB_DIR/tun.txt"
	done
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" verify
		expect "verify on ${ns#"$P"-} exits 0" [ $? = 0 ]
	done

	section "negative control: the receiver removed by hand ($receiver)"
	for ns in "$NS_RS1" "$NS_RS2"; do
		show "$ns" $receiver
	done
	REQ_TMO=2 requests 2 "http://[$VIP6]/"
	expect "both requests time out" [ "$(grep -c '^-$' "$LAB_DIR/responses")" = 2 ]
	agent "$NS_RS1" verify
	expect "verify exits 1" [ $? = 1 ]
	expect "verify's FAIL line names the receiver and why" grep -qE "$failing" "$LAB_DIR/last"
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" apply
		expect "apply on ${ns#"$P"-} repairs it (exit 0)" [ $? = 0 ]
	done
	requests 2 "http://[$VIP6]/"
	expect "two responses alternate RS1/RS2 again" alternating RS1 RS2 1

	section "revert restores each real server ($dev stays, down)"
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" revert
		expect "revert on ${ns#"$P"-} exits 0" [ $? = 0 ]
		expect "${ns#"$P"-} equals its snapshot from before apply" \
			tun_same "$ns" "$LAB_DIR/${ns#"$P"-}.before"
		expect "${ns#"$P"-}: $dev is down after revert" [ "$(tun_state "$ns" $dev)" = down ]
		expect "${ns#"$P"-}: no address left on $dev" not on_dev "$ns" $dev $VIP6
		expect "${ns#"$P"-}: the fou ports are as before apply" \
			[ "$(fou_show "$ns")" = "$(cat "$LAB_DIR/${ns#"$P"-}.fou")" ]
	done
}

lab_ipv6_tun_gue() {
	ipv6_type_lab gue
}

lab_ipv6_tun_gre() {
	ipv6_type_lab gre
}
