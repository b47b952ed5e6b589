# SPDX-License-Identifier: GPL-2.0-or-later
# lib.sh - helpers for the VM labs, sourced by guest.sh inside the guest (bash, root).
#
# A lab is a function lab_NAME run in a subshell: it builds its namespaces, calls
# `expect`/`fail` for its checks, and its EXIT trap tears everything down. The lab's
# output is evidence for the CI log; its verdict is the last line, printed by guest.sh.

BB=/.vmrun/busybox		# the initramfs' static busybox (httpd, ping, arping)
VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)	# tests/vm
AGENT=${LVS_AGENT:?LVS_AGENT must name the lvs-rs-agent binary}
VIP4=192.168.0.100
VIP6=2001:db8:168::100

# The namespaces and processes of the running lab, removed by teardown.
LAB_NS=()
LAB_PIDS=()

say() { echo "[$LAB_NAME] $*"; }
LAB_T0=$(date +%s)
section() { echo; echo "[$LAB_NAME] === $* === (t+$(($(date +%s) - LAB_T0))s)"; }

# fail REASON: the lab's verdict is FAIL with this reason (the first one counts).
fail() {
	echo "[$LAB_NAME] FAILED CHECK: $*"
	echo "$*" > "$LAB_DIR/verdict"
	exit 1
}

# expect DESCRIPTION TEST...: run the test (a command), report it, fail the lab if false.
expect() {
	local what=$1
	shift
	if "$@"; then
		say "ok: $what"
	else
		fail "$what"
	fi
}

# show NS CMD...: run CMD in NS (or on the guest for NS=-), print it and its indented output.
# Returns CMD's status; the output is also kept in $LAB_DIR/last.
show() {
	local ns=$1 rc
	shift
	if [ "$ns" = - ]; then
		echo "  guest# $*"
		"$@" > "$LAB_DIR/last" 2>&1
	else
		echo "  ${ns#"$P"-}# $*"
		ip netns exec "$ns" "$@" > "$LAB_DIR/last" 2>&1
	fi
	rc=$?
	sed 's/^/    /' "$LAB_DIR/last"
	[ $rc = 0 ] || echo "    (exit $rc)"
	return $rc
}

# nsx NS CMD...: run quietly in NS.
nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

ns_add() { # ns_add NAME...: new namespaces with known sysctls
	local n
	for n in "$@"; do
		ip netns add "$n" || fail "cannot create namespace $n"
		LAB_NS+=("$n")
		# A new namespace copies conf/all and conf/default of the guest's initial one;
		# state the values the labs depend on instead of trusting them.
		nsx "$n" sh -c '
			for k in arp_ignore arp_announce rp_filter; do
				for i in all default; do echo 0 > /proc/sys/net/ipv4/conf/$i/$k; done
			done
			echo 0 > /proc/sys/net/ipv4/ip_forward
			for i in all default; do
				echo "$1" > /proc/sys/net/ipv6/conf/$i/disable_ipv6
				echo 0 > /proc/sys/net/ipv6/conf/$i/accept_dad
				echo 0 > /proc/sys/net/ipv6/conf/$i/forwarding
			done' sh "${LAB_NOIPV6:-1}" || fail "cannot set sysctls in $n"
		ip -n "$n" link set lo up
	done
}

# spawn NS CMD...: start a background process in NS, remembered for teardown.
spawn() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@" &
	LAB_PIDS+=($!)
}

teardown() {
	local p n
	for p in "${LAB_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${LAB_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for n in "${LAB_NS[@]}"; do ip netns del "$n" 2>/dev/null; done
}

# neigh_mac NS DEV ADDR: the link-layer address of a neighbour entry, or "none".
neigh_mac() {
	local m
	m=$(ip -n "$1" neigh show dev "$2" to "$3" |
		awk '{ for (i = 1; i < NF; i++) if ($i == "lladdr") print $(i + 1) }')
	echo "${m:-none}"
}

# The seed's DR topology (section 5.2): client 172.25.254.10 -- router 172.25.254.100 |
# 192.168.0.10 -- segment (bridge in namespace sw) -- director 192.168.0.200, RS1 .101,
# RS2 .102, all with gateway 192.168.0.10. MACs are fixed so the log reads easily:
# 02:00:00:00:00:<last octet in hex>.
P=${P:-lvs}
NS_C=$P-client NS_RT=$P-router NS_DIR=$P-director NS_RS1=$P-rs1 NS_RS2=$P-rs2 NS_SW=$P-sw
MAC_RT=02:00:00:00:00:0a MAC_DIR=02:00:00:00:00:c8 MAC_RS1=02:00:00:00:00:65 MAC_RS2=02:00:00:00:00:66

# nsb NS: run the ip commands on stdin in NS as one batch (a process per command costs
# ~0.2 s under emulation).
nsb() {
	ip -n "$1" -batch - || fail "ip -batch in $1 failed"
}

topo_build() { # topo_build 4|6
	local fam=$1 n
	[ "$fam" = 6 ] && LAB_NOIPV6=0
	ns_add "$NS_SW" "$NS_C" "$NS_RT" "$NS_DIR" "$NS_RS1" "$NS_RS2"
	# The segment: a bridge with no STP delay and no multicast snooping, a plain hub.
	nsb "$NS_SW" <<-EOF
		link add br0 type bridge forward_delay 0 stp_state 0 mcast_snooping 0
		link set br0 up
		link add p-router type veth peer name eth1 netns $NS_RT
		link add p-director type veth peer name eth0 netns $NS_DIR
		link add p-rs1 type veth peer name eth0 netns $NS_RS1
		link add p-rs2 type veth peer name eth0 netns $NS_RS2
		link set p-router master br0 up
		link set p-director master br0 up
		link set p-rs1 master br0 up
		link set p-rs2 master br0 up
	EOF
	nsb "$NS_C" <<-EOF
		link add eth0 type veth peer name eth0 netns $NS_RT
		link set eth0 up
	EOF
	nsb "$NS_RT" <<-EOF
		link set eth0 up
		link set eth1 address $MAC_RT up
	EOF
	nsb "$NS_DIR" <<< "link set eth0 address $MAC_DIR up"
	nsb "$NS_RS1" <<< "link set eth0 address $MAC_RS1 up"
	nsb "$NS_RS2" <<< "link set eth0 address $MAC_RS2 up"
	if [ "$fam" = 4 ]; then
		nsb "$NS_C" <<-EOF
			addr add 172.25.254.10/24 dev eth0
			route add default via 172.25.254.100
		EOF
		nsb "$NS_RT" <<-EOF
			addr add 172.25.254.100/24 dev eth0
			addr add 192.168.0.10/24 dev eth1
		EOF
		nsx "$NS_RT" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
		for n in DIR:200 RS1:101 RS2:102; do
			nsb "$(eval echo "\$NS_${n%:*}")" <<-EOF
				addr add 192.168.0.${n#*:}/24 dev eth0
				route add default via 192.168.0.10
			EOF
		done
	else
		nsb "$NS_C" <<-EOF
			addr add 2001:db8:254::10/64 dev eth0 nodad
			route add default via 2001:db8:254::100
		EOF
		nsb "$NS_RT" <<-EOF
			addr add 2001:db8:254::100/64 dev eth0 nodad
			addr add 2001:db8:168::10/64 dev eth1 nodad
		EOF
		nsx "$NS_RT" sh -c 'echo 1 > /proc/sys/net/ipv6/conf/all/forwarding'
		for n in DIR:200 RS1:101 RS2:102; do
			nsb "$(eval echo "\$NS_${n%:*}")" <<-EOF
				addr add 2001:db8:168::${n#*:}/64 dev eth0 nodad
				route add default via 2001:db8:168::10
			EOF
		done
	fi
	say "topology: client -- router -- [director $MAC_DIR, rs1 $MAC_RS1, rs2 $MAC_RS2] (IPv$fam)"
}

# web NS NAME ADDR PORT...: a tiny HTTP responder per port answering "NAME server - ADDR".
# With WEB_BIND=IP it listens on that IPv4 address only, else on the wildcard.
web() {
	local ns=$1 name=$2 addr=$3 port dir
	shift 3
	for port in "$@"; do
		dir=$LAB_DIR/www-$name-${WEB_BIND:+$WEB_BIND-}$port
		mkdir -p "$dir"
		echo "$name server - $addr port $port${WEB_BIND:+ bound to $WEB_BIND}" > "$dir/index.html"
		# busybox httpd binds the IPv6 wildcard, which takes IPv4 too (dual stack).
		spawn "$ns" $BB httpd -f -p "${WEB_BIND:+$WEB_BIND:}$port" -h "$dir"
	done
}

# wait_listen NS PORT [ADDR]: until something listens on PORT (on ADDR) in NS (bounded).
wait_listen() {
	local i filter="sport = :$2"
	[ -z "${3:-}" ] || filter="src $3:$2"
	for i in $(seq 50); do
		nsx "$1" ss -Hltn "$filter" | grep -q . && return 0
		sleep 0.1
	done
	fail "nothing listens on ${3:+$3 }port $2 in $1"
}

# capture NAME NS DEV FILTER...: tcpdump in the background into $LAB_DIR/NAME.txt.
CAP_PIDS=()
capture() {
	local name=$1 ns=$2 dev=$3 i
	shift 3
	spawn "$ns" tcpdump --immediate-mode -l -nn -e -i "$dev" "$@" > "$LAB_DIR/$name.txt" 2> "$LAB_DIR/$name.err"
	CAP_PIDS+=($!)
	for i in $(seq 50); do
		grep -q "listening on" "$LAB_DIR/$name.err" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "tcpdump $name did not start: $(cat "$LAB_DIR/$name.err")"
}

# capture_stop: stop every tcpdump started by capture (lets them flush).
capture_stop() {
	local p
	sleep 0.2
	for p in "${CAP_PIDS[@]}"; do kill -INT "$p" 2>/dev/null; done
	for p in "${CAP_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	CAP_PIDS=()
}

# agent NS CMD [ARGS]: run the agent in NS with the lab's config and that NS's journal.
agent() {
	local ns=$1
	shift
	echo "  ${ns#"$P"-}# lvs-rs-agent -c agent.conf -s ${ns#"$P"-}.state $*"
	ip netns exec "$ns" "$AGENT" -c "$LAB_DIR/agent.conf" -s "$LAB_DIR/${ns#"$P"-}.state" "$@" \
		> "$LAB_DIR/last" 2>&1
	local rc=$?
	sed 's/^/    /' "$LAB_DIR/last"
	echo "    (exit $rc)"
	return $rc
}

# snapshot NS FILE: what revert must restore exactly (ip -j addr/link, the routes of
# table local of both families (anyip VIPs are local routes, not addresses), the ARP
# and rp_filter sysctls of every device; the nf_tables ruleset too when the lab sets
# SNAP_NFT=1: nft costs ~1 s a call under emulation). One ip batch for addr, link and
# the IPv4 routes (a process costs ~0.2 s under emulation); IPv6 needs its own: with a
# table named, ip dumps one family, IPv4 unless -6. The sysctls are found by a glob,
# never by naming a device: asking ip for a missing "tunl0" makes the kernel load ipip.
# Once a fallback tunnel's module is loaded (by the agent, or a lab earlier in the
# boot), every namespace holds that device from its birth.
snapshot() {
	nsx "$1" sh -c 'printf "addr show\nlink show\nroute show table local\n" | ip -j -p -batch -
		ip -6 -j -p route show table local
		grep -H . /proc/sys/net/ipv4/conf/*/arp_ignore \
			/proc/sys/net/ipv4/conf/*/arp_announce /proc/sys/net/ipv4/conf/*/rp_filter
		[ "$1" != 1 ] || nft list ruleset' sh "${SNAP_NFT:-0}" > "$2"
}

# same_snapshot NS BEFORE: compare the current state of NS with BEFORE, print a diff.
same_snapshot() {
	snapshot "$1" "$2.after"
	if diff -u "$2" "$2.after" > "$2.diff"; then
		say "$1: ip -j addr, ip -j link, table local$([ "${SNAP_NFT:-0}" = 1 ] &&
			echo ", nft list ruleset") and the arp/rp_filter sysctls equal the snapshot"
		return 0
	fi
	sed 's/^/    /' "$2.diff"
	return 1
}

# requests N URL...: N requests from the client, cycling through the URLs; the bodies
# go to $LAB_DIR/responses (one line each, "-" for a failed request). Each may take
# REQ_TMO seconds (5).
requests() {
	local n=$1 i url body
	shift
	local urls=("$@")
	: > "$LAB_DIR/responses"
	for i in $(seq 0 $((n - 1))); do
		url=${urls[$((i % ${#urls[@]}))]}
		body=$(nsx "$NS_C" curl -s -m "${REQ_TMO:-5}" "$url") || body=-
		echo "  client# curl${REQ_TMO:+ -m $REQ_TMO} $url -> ${body:--}"
		echo "${body:--}" >> "$LAB_DIR/responses"
	done
}

# alternating NAME1 NAME2 K: the responses alternate between two servers, K each.
alternating() {
	local a=$1 b=$2 k=$3 prev="" cur na=0 nb=0
	while read -r cur _; do
		case $cur in
		"$a") na=$((na + 1)) ;;
		"$b") nb=$((nb + 1)) ;;
		*) return 1 ;;
		esac
		[ "$cur" != "$prev" ] || return 1
		prev=$cur
	done < "$LAB_DIR/responses"
	say "responses: $a=$na $b=$nb"
	[ $na = "$k" ] && [ $nb = "$k" ]
}

# ipvs_conns VIPPATTERN: number of entries in the director's connection table.
ipvs_conns() {
	nsx "$NS_DIR" ipvsadm -Lnc | grep -c -- "$1"
}

write_conf() { # write_conf ADDR...: the agent config of the lab
	cat > "$LAB_DIR/agent.conf" <<EOF
# lvs-rs-agent config of the VM lab
[agent]
arp_suppress = sysctl
arp_ignore = 1
arp_announce = 2

[vip web]
address = $*
mode = dr
device = lo
EOF
	say "agent config:"
	sed 's/^/    /' "$LAB_DIR/agent.conf"
}
