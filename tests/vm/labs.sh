# SPDX-License-Identifier: GPL-2.0-or-later
# labs.sh - the VM labs (sourced by guest.sh after lib.sh). One function per lab:
#   kernel          the stock kernel autoloads what the labs use (IPVS, nf_tables, veth, ...)
#   dr-noarp        negative control: VIP on the real servers by hand, no ARP suppression
#   dr-noannounce   negative control: VIP by hand with arp_ignore=1 but arp_announce=0
#   dr              the seed's DR lab (section 5.2), real servers prepared by the agent
#   fwm             the seed's firewall-mark variant (80 and 443 as one service, mark 666)
#   ipv6-dr         the same DR shape over IPv6

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

lab_dr_noarp() {
	local i mac who c0 c1
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

	section "the router resolves the VIP"
	capture arp "$NS_SW" br0 arp
	ip -n "$NS_RT" neigh flush dev eth1
	show "$NS_RT" $BB arping -c 1 -w 2 -I eth1 $VIP4
	# Who answers first wins the router's entry (later replies within locktime are
	# ignored), so resolve a few times to catch a real server winning the race.
	for i in 1 2 3 4 5 6 7 8; do
		mac=$(router_resolve $VIP4)
		who=$(rs_names "$mac")
		say "resolve $i: router's entry $VIP4 -> $mac ($who)"
		case $who in RS1 | RS2) break ;; esac
	done
	capture_stop
	say "ARP replies for the VIP seen on the segment:"
	grep "Reply $VIP4 is-at" "$LAB_DIR/arp.txt" | awk '{print $2}' | sort | uniq -c |
		while read -r n m; do echo "    $n from $m ($(rs_names "$m"))"; done
	expect "RS1 answers ARP requests for the VIP" grep -q "$MAC_RS1 > .*Reply $VIP4 is-at" "$LAB_DIR/arp.txt"
	expect "RS2 answers ARP requests for the VIP" grep -q "$MAC_RS2 > .*Reply $VIP4 is-at" "$LAB_DIR/arp.txt"
	show "$NS_RT" ip neigh show dev eth1
	expect "the router's neighbour entry for the VIP holds a real server's MAC ($who)" \
		[ "$who" = RS1 -o "$who" = RS2 ]

	section "six requests from the client"
	c0=$(ipvs_conns "$VIP4:80")
	requests 6 "http://$VIP4/"
	c1=$(ipvs_conns "$VIP4:80")
	show "$NS_DIR" ipvsadm -Lnc
	expect "all six answered by $who directly" all_from "$who"
	expect "requests bypass the director (its connection table: $c0 before, $c1 after)" [ "$c0" = "$c1" ]

	section "the agent's verify on $who (lab config) names the cause"
	agent "$(ns_of "$who")" verify
	expect "verify exits 1" [ $? = 1 ]
	expect "verify has a FAIL line naming the cause: arp_ignore eth0" \
		fail_line_names "arp_ignore eth0 \(effective\)"

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
		fail_line_names "arp_announce eth0 \(effective\)"
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
