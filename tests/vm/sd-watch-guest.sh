#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sd-watch-guest.sh - runs in the VM as vmrun-job.service, with the host's systemd as PID 1
# (tests/vm/sd-test.sh watch prepared the guest root: /usr/sbin/lvs-rs-agent, the unit
# systemd/lvs-rs-agent-watch.service installed and enabled, lvs-before-watch.service and
# lvs-after-watch.service ordered before and after it (the first writes the state before the
# first apply with /usr/local/libexec/lvs-vmtest-state), /etc/lvs-rs-agent/agent.conf with
# 302 VIPs on lo and an anyip prefix (arp_suppress = both), a sysctl.d file making every rp_filter strict, and
# .network files for lo (only 127.0.0.1/8) and tunl0 (no address); networkd is not started
# at boot). Prints "@@RESULT PASS: vm-watch-NAME" / "@@RESULT FAIL: vm-watch-NAME: reason".
U=lvs-rs-agent-watch.service
CONF=/etc/lvs-rs-agent/agent.conf
STATE=/run/lvs-rs-agent/state
PY=/usr/bin/python3
V4=192.0.2.10
V6=2001:db8::10
ANY=203.0.113.0/29
TUNVIPS="198.51.100.10 198.51.100.11 198.51.100.12"
T0=$(cut -d' ' -f1 /proc/uptime)
failed=0
why=""

say() { echo "[vm-watch] $*"; }
bad() { why="${why:+$why; }$*"; say "  not ok: $*"; }
result() {
	if [ -z "$why" ]; then
		echo "@@RESULT PASS: vm-watch-$1"
	else
		echo "@@RESULT FAIL: vm-watch-$1: $why"
		failed=1
		say "journalctl -u $U:"
		journalctl -u $U --no-pager -o short-monotonic | tail -n 30 | sed 's/^/    /'
	fi
	why=""
}
# lo's addresses, one ADDRESS/PREFIXLEN a line (ip and awk: python starts in 0.3 s here)
lo_addrs() { ip -o addr show dev lo | awk '{ print $4 }' | sort; }
on_lo() { lo_addrs | grep -qxF "$1"; }
has_route() { [ -n "$(ip route show table local type local $ANY dev lo)" ]; }
prepared() { on_lo $V4/32 && on_lo $V6/128 && has_route; }
# wait_for SECONDS CMD...: CMD every 10 ms until it succeeds
wait_for() {
	local end=$(($(date +%s%N) + $1 * 1000000000))
	shift
	until "$@"; do
		[ "$(date +%s%N)" -lt $end ] || return 1
		sleep 0.01
	done
}
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
# the journal's steps and priors, one JSON object a line, in the journal's order
priors() { tail -n +2 $STATE | jq -c '{kind, target, prior}'; }
tun_vips_on() {
	local a
	for a in $TUNVIPS; do ip -o addr show dev tunl0 | grep -q " $a/32 " || return 1; done
}
log_since() { journalctl -u $U --no-pager -o cat --since "@$1"; }
mainpid() { systemctl show -P MainPID $U; }
active_new() { [ "$(systemctl is-active $U)" = active ] && [ "$(mainpid)" != "$1" ] && [ "$(mainpid)" != 0 ]; }

say "uptime at job start ${T0}s; $(systemctl --version | head -1)"
systemctl --failed --no-legend --no-pager | sed 's/^/  failed unit: /'

# ---- 1. active only once the first apply is done (Type=notify, READY=1) ----
say "== boot"
st=$(systemctl is-active $U)
[ "$st" = active ] || bad "$U is $st after boot"
systemctl status $U --no-pager -l 2>&1 | sed 's/^/  /'
prepared || bad "not prepared after boot: $(lo_addrs | tr '\n' ' ')"
[ "$(systemctl show -P StatusText $U)" = watching ] ||
	bad "status text '$(systemctl show -P StatusText $U)', expected 'watching'"
# A unit ordered after the watch starts once READY=1 came: it found the VIPs there.
[ "$(systemctl is-active lvs-after-watch.service)" = active ] || bad "lvs-after-watch.service not active"
for a in "$V4/32" "$V6/128"; do
	grep -qF " $a " /run/after-watch.addrs ||
		bad "$a not on lo when a unit ordered after the watch started: $(cat /run/after-watch.addrs)"
done
s=$(systemctl show -P ExecMainStartTimestampMonotonic $U)
a=$(systemctl show -P ActiveEnterTimestampMonotonic $U)
say "watch started at ${s}us, active (READY=1) at ${a}us"
[ "$a" -gt "$s" ] || bad "active ($a) not after the start ($s)"
journalctl -u $U --no-pager -o cat | grep -q '^watch: keeping' || bad "no 'watch: keeping' line"
priors > /run/priors.boot
result boot

# ---- 2. attribution under DynamicUser: a root ip (long-lived, from a FIFO) ----
say "== attribution"
t=$(date +%s)
mkfifo /run/ip.fifo
ip -batch /run/ip.fifo &
ippid=$!
exec 7> /run/ip.fifo
echo "address del $V4/32 dev lo" >&7
wait_for 5 on_lo $V4/32 || bad "$V4 not back after ip addr del"
sleep 0.3
line=$(log_since "$t" | grep "^address $V4/32 dev lo removed by")
say "the log says: $line"
[[ $line == *"removed by ip[$ippid], restored in"* ]] ||
	bad "the log does not name ip[$ippid]: '$line'"
exec 7>&-
wait $ippid
say "the agent's uid: $(ps -o uid= -p "$(mainpid)")"
result attribution

# ---- 3. SIGKILL at random moments of a repair: restarted, takes the journal up, converges ----
say "== sigkill"
# The burst: the config's 300 VIPs beyond the two above, deleted by one ip -batch (more than
# the watch keeps notifications of: it reads the kernel whole). Its repair lasts long enough
# under emulation for a random kill to land inside it, and its progress is countable.
lo_addrs | grep -E '^(192\.0\.2\.(1[0-9][0-9]|2[0-4][0-9])/32|2001:db8::1:[0-9a-f]+/128)$' |
	sed 's/^/address del /; s/$/ dev lo/' > /run/burst
N=$(wc -l < /run/burst)
[ "$N" = 300 ] || bad "the burst holds $N VIPs, expected 300"
burst_back() { lo_addrs | grep -cE '^(192\.0\.2\.(1[0-9][0-9]|2[0-4][0-9])/32|2001:db8::1:[0-9a-f]+/128)$'; }
all_back() { [ "$(burst_back)" = "$N" ] && prepared; }
BURST_RE='(192\.0\.2\.(1[0-9][0-9]|2[0-4][0-9])/32|2001:db8::1:[0-9a-f]+/128)'
# repairs PID logged since the wall-clock second T: the burst's VIPs it had put back
repaired_by() {
	journalctl _PID="$1" --no-pager -o cat --since "@$2" | grep -cE "^address $BURST_RE dev lo removed by"
}
# The repair's duration, from the watch's own clock: the longest "restored in" of its repair
# lines (from the deletion's notification to the VIP back; the first deletion is at the
# batch's start). Polling lo from here slows the one vCPU the watch runs on (3.5 s, not
# 0.6), and the journal's times of the lines trail: journald takes 300 lines slowly.
D=0
for m in 1 2; do
	sleep 1
	t=$(date +%s)
	pid=$(mainpid)
	ip -batch /run/burst
	wait_for 30 all_back || bad "measure $m: the burst not repaired within 30 s"
	sleep 1
	k=$(repaired_by "$pid" "$t")
	took=$(journalctl _PID="$pid" --no-pager -o cat --since "@$t" |
		grep -E "^address $BURST_RE dev lo removed by " |
		sed -n 's/.*, restored in \([0-9]*\)[.0-9]* ms$/\1/p' |
		sort -n | tail -1)
	say "measure $m: $k repairs logged, the longest restored in ${took:-?} ms"
	[ "$k" = "$N" ] || bad "measure $m: $k repairs logged, expected $N"
	[ "${took:-0}" -gt "$D" ] && D=$took
done
[ "$D" -gt 0 ] || { bad "no repair time measured"; D=1000; }
say "killing at a random moment from $((D / 4)) to $D ms after the batch's start"
restarted=0 partial=0 taken=0 before=0 after=0 converged=0
sleep 1
for i in $(seq 20); do
	# 20 kills in a row are a crash loop to systemd (StartLimitBurst): the test resets it
	# (which also zeroes NRestarts: a restart is told by a new MainPID).
	systemctl reset-failed $U 2> /dev/null
	pid=$(mainpid)
	t=$(date +%s)
	# From a quarter of the way in: the watch takes 100-200 ms here to read the burst at all.
	d=$((D / 4 + RANDOM % (D - D / 4)))
	ip -batch /run/burst &
	ippid=$!
	sleep "$(printf '%d.%03d' $((d / 1000)) $((d % 1000)))"
	kill -KILL "$pid"
	wait $ippid
	if ! wait_for 30 active_new "$pid"; then
		bad "trial $i: not active again after SIGKILL of $pid ($(systemctl is-active $U))"
		break
	fi
	restarted=$((restarted + 1))
	ok=1
	wait_for 10 all_back || { ok=0; bad "trial $i: not converged: $(burst_back) of $N back"; }
	# What the killed watch had done, from its own log (the next one, started 1 s later
	# by Restart=, repairs the rest: the VIPs on lo cannot tell them apart).
	k=$(repaired_by "$pid" "$t")
	if [ "$k" -ge "$N" ]; then
		after=$((after + 1)) where="after the repair"
	elif [ "$k" -gt 0 ]; then
		partial=$((partial + 1)) where="mid-repair ($k of $N put back)"
	elif journalctl _PID="$pid" --no-pager -o cat --since "@$t" | grep -q '^watch: more than'; then
		taken=$((taken + 1)) where="mid-repair (taken up, none back yet)"
	else
		before=$((before + 1)) where="before the watch had read the burst"
	fi
	lvs-rs-agent verify > /run/verify.out 2>&1 ||
		{ ok=0; bad "trial $i: verify exit $? ($(grep -v '^ok' /run/verify.out | head -2 | tr '\n' ' '))"; }
	priors > /run/priors.now
	cmp -s /run/priors.boot /run/priors.now ||
		{ ok=0; bad "trial $i: the journal's priors changed: $(diff /run/priors.boot /run/priors.now | head -4 | tr '\n' ' ')"; }
	[ $ok = 1 ] && converged=$((converged + 1))
	say "trial $i: killed $d ms after the batch's start, $where; converged: $([ $ok = 1 ] && echo yes || echo NO)"
done
mid=$((partial + taken))
say "SIGKILL: $restarted of 20 restarted, $converged converged (all back, verify 0, priors of the boot);" \
	"mid-repair $mid of 20 ($partial with some but not all back, $taken taken up with none back)," \
	"$before before the watch read the burst, $after after the repair"
[ $restarted = 20 ] || bad "$restarted restarts, expected 20"
[ $converged = 20 ] || bad "$converged of 20 converged"
# Most kills land inside the repair (17 of 20 seen here); a kill before the watch read the
# burst or after it had put all back is a trial all the same, but not what is proven here.
[ $mid -ge 10 ] || bad "only $mid of 20 kills landed mid-repair (at least 10 wanted)"
result sigkill

# ---- 4. tunl0 created (modprobe ipip), udev runs systemd-sysctl: rp_filter not left strict ----
say "== tunl0"
if ! modprobe ipip; then
	bad "modprobe ipip failed"
else
	udevadm settle -t 10
	v=$(cat /proc/sys/net/ipv4/conf/tunl0/rp_filter)
	say "tunl0 rp_filter after modprobe (udev's systemd-sysctl, sysctl.d says 1): $v"
	[ "$v" = 1 ] || say "(udev did not make it strict here: the case below is made by hand all the same)"
	# mss = 1400: the clamp's table, kept like the ARP table (auto needs a default route,
	# which this VM has not).
	printf '\n[vip tun]\nmode = tun\nmss = 1400\naddress = %s\n' "$TUNVIPS" >> $CONF
	systemctl reload $U
	wait_for 10 grep -qx 2 /proc/sys/net/ipv4/conf/tunl0/rp_filter || bad "the reload did not set tunl0's rp_filter to 2"
	wait_for 10 tun_vips_on || bad "the reload did not put $TUNVIPS on tunl0"
	t=$(date +%s)
	# What udev's 99-systemd.rules runs for a net device that appears (seen above: it made
	# the new tunl0 strict), run again as the rule runs it.
	/lib/systemd/systemd-sysctl --prefix=/net/ipv4/conf/tunl0 --prefix=/net/ipv4/neigh/tunl0 \
		--prefix=/net/ipv6/conf/tunl0 --prefix=/net/ipv6/neigh/tunl0
	sleep 0.5
	v=$(cat /proc/sys/net/ipv4/conf/tunl0/rp_filter)
	a=$(cat /proc/sys/net/ipv4/conf/all/rp_filter)
	say "after udev's add of tunl0: tunl0 rp_filter $v, all $a"
	line=$(log_since "$t" | grep "^sysctl net.ipv4.conf.tunl0.rp_filter")
	say "the log: $line"
	[ "$v" = 2 ] || bad "tunl0's rp_filter is $v, expected 2"
	[ "$a" -le 2 ] || bad "all.rp_filter $a: effective strict"
	[ -n "$line" ] || bad "no repair of tunl0's rp_filter logged"
fi
result tunl0

# ---- 4b. nft flush ruleset (a reload of nftables.service): both tables made again at once ----
say "== mss"
tables() { nft list tables 2> /dev/null | tr '\n' ' '; }
both_tables() { nft list table inet lvs_rs_agent_mss > /dev/null 2>&1 &&
	nft list table arp lvs_rs_agent > /dev/null 2>&1; }
if ! nft list table inet lvs_rs_agent_mss > /dev/null 2>&1; then
	bad "no table inet lvs_rs_agent_mss after the reload with mss = 1400: $(tables)"
else
	nft list chain inet lvs_rs_agent_mss output | grep -q 'maxseg size set 1400' ||
		bad "the clamp's rule does not set 1400: $(nft list chain inet lvs_rs_agent_mss output | tr '\n' ' ')"
	# The watch never owns the clamp's table, nor on 6.1 (no NFT_TABLE_F_PERSIST) the ARP
	# table (arp_suppress = both): the flush deletes both; each is made again at its
	# notification (not at the periodic full reconcile, a minute away), named by the nft
	# that flushed.
	nft list table arp lvs_rs_agent > /dev/null 2>&1 ||
		bad "no table arp lvs_rs_agent before the flush (arp_suppress = both): $(tables)"
	t=$(date +%s)
	t_ns=$(date +%s%N)
	nft flush ruleset &
	nftpid=$!
	wait $nftpid
	if wait_for 5 both_tables; then
		say "both tables back $(ms_since "$t_ns") ms after the flush began"
	else
		bad "not both tables back within 5 s of nft flush ruleset: $(tables)"
	fi
	sleep 0.5
	for w in "mss inet lvs_rs_agent_mss" "nft arp lvs_rs_agent"; do
		line=$(log_since "$t" | grep "^$w removed by")
		say "the log: $line"
		[[ $line == *" removed by nft[$nftpid], restored in "*" ms" ]] ||
			bad "the log does not say that nft[$nftpid] removed $w: '$line'"
		echo "$line" | awk '{ if ($(NF - 1) + 0 >= 1000) exit 1 }' ||
			bad "$w: restored in a second or more: '$line'"
	done
	nft list chain inet lvs_rs_agent_mss output | grep -q 'maxseg size set 1400' ||
		bad "the clamp's rule after the repair does not set 1400"
	lvs-rs-agent verify > /run/verify.out 2>&1 ||
		bad "verify exit $? after the repair: $(grep -v '^ok' /run/verify.out | head -3 | tr '\n' ' ')"
fi
result mss

# ---- 5. systemd-networkd restarted: lo (127.0.0.1/8 only) and tunl0 (no address) managed ----
say "== networkd"
tun_none_on() { ! ip -o addr show dev tunl0 | grep -qE ' 198\.51\.100\.1[0-2]/32 '; }
lo_whole() { [ "$(burst_back)" = "$N" ] && prepared; }
# round NAME WHO: networkd (re)started with the watch running; each TUN VIP networkd
# removed is repaired within a second of its notification, named WHO (a regex; NPID in it
# is networkd's MainPID).
round() {
	local t t_ns lines n ms npid who
	t=$(date +%s)
	t_ns=$(date +%s%N)
	systemctl restart systemd-networkd || { bad "$1: systemd-networkd does not start"; return; }
	npid=$(systemctl show -P MainPID systemd-networkd)
	who=${2//NPID/$npid}
	wait_for 30 eval '[ "$(log_since "$t" | grep -c "^address 198\.51\.100\.1[0-2]/32 dev tunl0 removed by")" -ge 3 ]' ||
		bad "$1: not 3 repairs of tunl0's VIPs logged within 30 s"
	lines=$(log_since "$t" | grep -E "^address 198\.51\.100\.1[0-2]/32 dev tunl0 removed by")
	ms=$(echo "$lines" | sed -n 's/.*, restored in \([0-9.]*\) ms$/\1/p' | sort -n | tail -1)
	say "$1: networkd[$npid]; all back $(ms_since "$t_ns") ms after the restart began; restored in at most $ms ms:"
	echo "$lines" | sed 's/^/    /'
	n=$(grep -cE " removed by $who, restored in " <<< "$lines")
	[ "$n" = 3 ] || bad "$1: $n of 3 repairs name $who"
	echo "$lines" | awk '{ ms = $NF == "ms" ? $(NF - 1) : 1e9; if (ms + 0 >= 1000) exit 1 }' ||
		bad "$1: a repair took a second or more"
	tun_vips_on && lo_whole || bad "$1: not all back (a fight?)"
	rounds_ms="$rounds_ms $ms"
}
rounds_ms=""
# networkd's first start: it takes up lo and tunl0 (udev has initialised them).
round "start" "unknown process \(port 1: PID 1 or a service it gave the socket\)"
# networkd's own state file of each link (what `networkctl list` reads; `networkctl status`
# wants D-Bus, which a minimal Debian root, like the fresh one CI boots, has not).
for l in lo tunl0; do
	f=/run/systemd/netif/links/$(cat /sys/class/net/$l/ifindex)
	st=$(sed -n 's/^ADMIN_STATE=//p' "$f" 2>/dev/null)
	say "networkd's $f ($l): ADMIN_STATE=$st NETWORK_FILE=$(sed -n 's/^NETWORK_FILE=//p' "$f" 2>/dev/null)"
	[ "$st" = configured ] || bad "networkd does not manage $l: ADMIN_STATE '$st' in $f"
done
# Negative control: the watch stopped (SIGSTOP), networkd restarted. networkd 252 leaves
# lo's foreign addresses and routes alone (src/network/networkd-link.c,
# link_drop_foreign_config(): IFF_LOOPBACK returns first, since v250 for every caller), and
# removes tunl0's VIPs, which stay gone.
pid=$(mainpid)
kill -STOP "$pid"
t=$(date +%s)
systemctl restart systemd-networkd
if wait_for 30 tun_none_on; then
	sleep 1
	tun_none_on && say "control: networkd removed tunl0's VIPs, gone 1 s later with the watch stopped" ||
		bad "control: tunl0's VIPs back with the watch stopped"
else
	bad "control: networkd did not remove tunl0's VIPs: $(ip -o addr show dev tunl0 | awk '{ print $4 }' | tr '\n' ' ')"
fi
lo_whole && say "control: lo still holds all $((N + 2)) VIPs and the anyip route (networkd leaves lo alone)" ||
	say "control: networkd removed from lo: $(burst_back) of $N burst VIPs, V4/V6/route: $(prepared && echo there || echo not all)"
journalctl -u systemd-networkd --no-pager -o cat --since "@$t" | sed 's/^/    networkd: /'
kill -CONT "$pid"
wait_for 10 tun_vips_on || bad "control: tunl0's VIPs not back after SIGCONT"
wait_for 10 lo_whole || bad "control: lo not whole after SIGCONT"
# Started by its socket (the default): the socket is PID 1's (port 1), networkd's descriptors
# are not the unit's agent's to read.
for r in 1 2; do
	round "socket round $r" "unknown process \(port 1: PID 1 or a service it gave the socket\)"
done
# Each round above made networkd remove tunl0's VIPs once more: four repairs of each within
# a minute (start, control, two socket rounds), and the watch's budget is five (--budget): a
# sixth within 60 s would make them contested, left alone for a back-off (seen here: round
# six logged 'tried again after its back-off' 26 s later). The window passes first.
sleep 61
# On a socket of its own (its socket unit masked): the port is networkd's PID.
systemctl stop systemd-networkd systemd-networkd.socket
systemctl mask --runtime systemd-networkd.socket > /dev/null 2>&1
for r in 1 2; do
	round "own-socket round $r" "systemd-networkd\[NPID\]"
done
systemctl stop systemd-networkd
systemctl unmask --runtime systemd-networkd.socket > /dev/null 2>&1
say "networkd rounds: restored in at most (ms):$rounds_ms"
result networkd

# ---- 6. stop reverts to the state before the first apply ----
say "== stop"
systemctl stop $U
[ -e $STATE ] && bad "journal still there after stop"
nft list tables 2> /dev/null | grep -q lvs_rs_agent &&
	bad "an agent's table left after stop: $(nft list tables | tr '\n' ' ')"
/usr/local/libexec/lvs-vmtest-state > /run/after-stop.state
if cmp -s /run/before-watch.state /run/after-stop.state; then
	say "the state after the stop equals the one before the first apply ($(wc -l < /run/after-stop.state) lines)"
else
	bad "the state after the stop differs from the one before the first apply"
	diff /run/before-watch.state /run/after-stop.state | head -20 | sed 's/^/    /'
fi
result stop

say "job done at $(cut -d' ' -f1 /proc/uptime)s (started at ${T0}s)"
exit $failed
