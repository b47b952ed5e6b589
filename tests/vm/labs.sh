# SPDX-License-Identifier: GPL-2.0-or-later
# labs.sh - the VM labs (sourced by guest.sh after lib.sh). One function per lab:
#   kernel          the stock kernel autoloads what the labs use (IPVS, nf_tables, veth, ...)
#   dr-noarp        negative control: VIP on the real servers by hand, no ARP suppression
#   dr-noannounce   negative control: VIP by hand with arp_ignore=1 but arp_announce=0
#   dr              the seed's DR lab (section 5.2), real servers prepared by the agent
#   fwm             the seed's firewall-mark variant (80 and 443 as one service, mark 666)
#   ipv6-dr         the same DR shape over IPv6
#   tun-fault       fault injection of each kernel change of a TUN apply (fault build)
#   ipv6-tun        IPVS tunnelling (IPv6-in-IPv6) to IPv6 real servers, VIP on ip6tnl0
#   tun             the seed's TUN mode (ipvsadm -i), real servers prepared by the agent;
#                   rp_filter negative control

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

# ---- TUN (issue 5): the seed's IP-in-IP mode, real servers prepared by the agent

# tun_snapshot NS FILE: the snapshot of `snapshot` without the fallback tunnel devices
# (tunl0, ip6tnl0), which appear in every namespace once their module is loaded and stay
# (a fallback device cannot be deleted); their state is compared apart (tun_state). The
# other devices are listed by name (a new one shows) and dumped one by one. Never name a
# missing device to ip: looking up "tunl0" makes the kernel load ipip (netdev-tunl0 alias).
tun_snapshot() {
	local dev devs
	devs=$(ip -n "$1" -o link show | awk '{ split($2, a, "@"); sub(":$", "", a[1]);
		if (a[1] != "tunl0" && a[1] != "ip6tnl0") print a[1] }')
	# Few processes: each costs ~0.5 s under emulation on a loaded host.
	{
		echo "devices: $(echo $devs)"
		for dev in $devs; do printf 'addr show dev %s\nlink show dev %s\n' "$dev" "$dev"; done |
			ip -n "$1" -j -p -batch -
		nsx "$1" grep -H . /proc/sys/net/ipv4/conf/{all,default,lo,eth0}/{arp_ignore,arp_announce,rp_filter} \
			/proc/sys/net/ipv6/conf/{all,default,lo,eth0}/disable_ipv6
	} > "$2"
}

tun_same() { # tun_same NS BEFORE
	tun_snapshot "$1" "$2.after"
	if diff -u "$2" "$2.after" > "$2.diff"; then
		say "$1: ip -j addr, ip -j link (fallback tunnels apart) and the sysctls equal the snapshot"
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

# rpf_drops NS: the kernel's TcpExt IPReversePathFilter counter in NS.
rpf_drops() {
	nsx "$1" awk '$1 == "TcpExt:" { if (!n++) { for (i = 2; i <= NF; i++)
		if ($i == "IPReversePathFilter") c = i } else { print $c; exit } }' /proc/net/netstat
}

# on_dev NS DEV ADDR: ADDR is on DEV in NS.
on_dev() { ip -n "$1" -o addr show | grep -qE "^[0-9]+: $2 +inet6? ${3//./\\.}/"; }

write_tun_conf() { # write_tun_conf RP_FILTER ADDR...
	local rp=$1
	shift
	printf '%s\n' "# lvs-rs-agent config of the VM TUN lab" "[agent]" "arp_suppress = sysctl" \
		"rp_filter = $rp" "" "[vip web]" "address = $*" "mode = tun" > "$LAB_DIR/agent.conf"
	say "agent config:"
	sed 's/^/    /' "$LAB_DIR/agent.conf"
}

# tun_fault NS BEFORE DEV: every kernel change N of a TUN apply fails in turn (the fault
# build): exit 3, NS back to BEFORE, no journal; until an apply with no fault left
# succeeds, which revert then undoes.
tun_fault() {
	local ns=$1 before=$2 dev=$3 n rc=1 fbin=${AGENT%/*}/lvs-rs-agent-fault st
	[ -x "$fbin" ] || fail "no fault build $fbin (make build-tests)"
	st=$LAB_DIR/fault.state
	for n in $(seq 1 20); do
		LVS_RS_AGENT_FAULT=$n ip netns exec "$ns" "$fbin" -c "$LAB_DIR/agent.conf" -s "$st" apply \
			> "$LAB_DIR/last" 2>&1
		rc=$?
		if [ $rc = 0 ]; then
			say "fault $n: apply exits 0 (a TUN apply here makes $((n - 1)) kernel changes)"
			sed 's/^/      /' "$LAB_DIR/last"
			break
		fi
		echo "    fault $n: exit $rc: $(grep -m1 'injected fault' "$LAB_DIR/last")"
		[ $rc = 3 ] || { sed 's/^/      /' "$LAB_DIR/last"; fail "fault $n: apply exit $rc, not 3"; }
		grep -q "injected fault" "$LAB_DIR/last" || fail "fault $n: no injected fault in the output"
		[ ! -e "$st" ] || fail "fault $n: a journal was left"
		tun_same "$ns" "$before" > /dev/null || { sed 's/^/    /' "$before.diff"; fail "fault $n: $ns changed"; }
		[ "$(tun_state "$ns" "$dev")" != up ] || fail "fault $n: $dev left up"
	done
	[ $rc = 0 ] || fail "apply still failing after 20 faults"
	expect "fault build: each of the $((n - 1)) kernel changes failed in turn, rolled back exactly" [ "$n" -ge 4 ]
	ip netns exec "$ns" "$fbin" -c "$LAB_DIR/agent.conf" -s "$st" revert > /dev/null 2>&1
	expect "fault build: revert after the successful apply exits 0" [ $? = 0 ]
	expect "fault build: $ns equals its snapshot again" tun_same "$ns" "$before"
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

lab_tun() {
	local ns n r0 r1 state body
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
	# Once loaded (by tun-fault in the same boot), ipip stays: tunl0 is then already
	# there, down, in every namespace.
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

	section "six requests from the client"
	for ns in "$NS_RT" "$NS_RS1" "$NS_RS2"; do ip -n "$ns" neigh flush all; done
	capture ipip "$NS_SW" br0 'ip proto 4'
	requests 6 "http://$VIP4/"
	capture_stop
	expect "six responses alternate RS1/RS2, 3 + 3" alternating RS1 RS2 3
	show "$NS_DIR" ipvsadm -Lnc
	expect "the director's connection table shows all six" [ "$(ipvs_conns "$VIP4:80")" = 6 ]
	say "IP-in-IP on the segment (first lines):"
	head -n 4 "$LAB_DIR/ipip.txt" | sed 's/^[^ ]* /    /'
	expect "the director sent IP-in-IP to RS1" grep -q "192.168.0.200 > 192.168.0.101: .*$VIP4" "$LAB_DIR/ipip.txt"
	expect "the director sent IP-in-IP to RS2" grep -q "192.168.0.200 > 192.168.0.102: .*$VIP4" "$LAB_DIR/ipip.txt"
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" verify
		expect "verify on ${ns#"$P"-} exits 0" [ $? = 0 ]
	done

	section "negative control: conf/all/rp_filter = 1 set by hand after apply"
	for ns in "$NS_RS1" "$NS_RS2"; do
		show "$ns" sysctl -w net.ipv4.conf.all.rp_filter=1
	done
	r0=$(($(rpf_drops "$NS_RS1") + $(rpf_drops "$NS_RS2")))
	: > "$LAB_DIR/responses"
	for n in 1 2; do
		body=$(nsx "$NS_C" curl -s -m 2 "http://$VIP4/") || body=-
		echo "  client# curl -m 2 http://$VIP4/ -> ${body:--}"
		echo "${body:--}" >> "$LAB_DIR/responses"
	done
	r1=$(($(rpf_drops "$NS_RS1") + $(rpf_drops "$NS_RS2")))
	expect "both requests time out" [ "$(grep -c '^-$' "$LAB_DIR/responses")" = 2 ]
	expect "TcpExtIPReversePathFilter rises on the real servers ($r0 -> $r1)" [ "$r1" -gt "$r0" ]
	agent "$NS_RS1" verify
	expect "verify exits 1" [ $? = 1 ]
	expect "verify's FAIL line names the effective value on tunl0 (1) and the cause" \
		grep -qE "^FAIL +rp_filter tunl0 \(effective\).*1 \(all=1, tunl0=0\).*strict reverse-path filtering drops them" \
		"$LAB_DIR/last"

	section "a second apply repairs it"
	for ns in "$NS_RS1" "$NS_RS2"; do
		agent "$ns" apply
		expect "apply on ${ns#"$P"-} exits 0" [ $? = 0 ]
		expect "it lowered conf/all/rp_filter 1 -> 0" grep -q "all.rp_filter 1 -> 0" "$LAB_DIR/last"
	done
	requests 6 "http://$VIP4/"
	expect "six responses alternate RS1/RS2 again, 3 + 3" alternating RS1 RS2 3

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

# tun-fault: the fault build fails each kernel change of a TUN apply in turn, starting
# with the request that loads ipip; every failure leaves the real server as it was.
lab_tun_fault() {
	local rs=$P-rs1 i
	ns_add "$rs"
	ip -n "$rs" link add eth0 type veth peer name eth1 || fail "veth"
	nsb "$rs" <<-EOF
		link set eth1 up
		link set eth0 up
		addr add 192.168.0.101/24 dev eth0
	EOF
	# The snapshots compare link state: let carrier settle first.
	for i in $(seq 50); do
		ip -n "$rs" -o link show dev eth0 | grep -q "state UP" && break
		sleep 0.1
	done
	show "$rs" sysctl -w net.ipv4.conf.all.rp_filter=1
	write_tun_conf 0 $VIP4
	expect "ipip not loaded before the agent asks" not loaded ipip
	tun_snapshot "$rs" "$LAB_DIR/rs1.before"
	expect "no tunl0 before" [ "$(tun_state "$rs" tunl0)" = absent ]
	section "fault injection: every kernel change of a TUN apply fails in turn"
	tun_fault "$rs" "$LAB_DIR/rs1.before" tunl0
	expect "ipip autoloaded by the agent's RTM_NEWLINK kind ipip" loaded ipip
	expect "tunl0 down after revert" [ "$(tun_state "$rs" tunl0)" = down ]
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
