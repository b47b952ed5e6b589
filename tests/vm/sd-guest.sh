#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sd-guest.sh - runs in the VM as vmrun-job.service, with the host's systemd as PID 1
# (tests/vm/sd-test.sh prepared the guest root: /usr/sbin/lvs-rs-agent, the unit from
# systemd/ installed and enabled, /etc/lvs-rs-agent/agent.conf with an IPv4 and an IPv6
# VIP, and a sysctl.d file that sets arp_ignore=0 and arp_announce=1 for conf/all).
# Prints "@@RESULT PASS: vm-systemd-NAME" / "@@RESULT FAIL: vm-systemd-NAME: reason".
SD_LAB=systemd SD_JOURNAL_LINES=40
. "$(dirname "$0")/sd-lib.sh"
CONF=/etc/lvs-rs-agent/agent.conf
STATE=/run/lvs-rs-agent/state
V4=${LVS_SD_V4:-192.0.2.10}
V6=${LVS_SD_V6:-2001:db8::10}
V4B=${LVS_SD_V4B:-198.51.100.10}
T0=$(cut -d' ' -f1 /proc/uptime)
sysctl_is() { # sysctl_is KEY VALUE
	local v
	v=$(cat "/proc/sys/net/ipv4/conf/${1%%.*}/${1#*.}")
	[ "$v" = "$2" ] || bad "conf/$1 is $v, expected $2"
}
mono() { systemctl show -P "$2" "$1"; }

say "uptime at job start ${T0}s; PID 1 is $(cat /proc/1/comm); $(systemctl --version | head -1)"
say "system state: $(systemctl is-system-running 2>&1)"
systemctl --failed --no-legend --no-pager | sed 's/^/  failed unit: /'

# ---- 1. started at boot, applied, after systemd-sysctl ----
say "== boot"
st=$(systemctl is-active $U)
[ "$st" = active ] || bad "$U is $st after boot"
en=$(systemctl is-enabled $U 2>&1)
[ "$en" = enabled ] || bad "$U is-enabled says $en"
[ -L /etc/systemd/system/multi-user.target.wants/$U ] || bad "no multi-user.target.wants/$U link"
rc=$(systemctl show -P ExecMainStatus $U)
[ "$rc" = 0 ] || bad "ExecStart exit status $rc"
systemctl status $U --no-pager -l 2>&1 | sed 's/^/  /'
lo_addrs | sed 's/^/  lo: /'
has "$V4/32"
has "$V6/128"
for k in all.arp_ignore lo.arp_ignore; do sysctl_is $k 1; done
for k in all.arp_announce lo.arp_announce; do sysctl_is $k 2; done
# systemd-sysctl applied 90-lvs-test.conf (arp_ignore=0, arp_announce=1) at boot, and
# finished before the agent started: so the values above are the agent's, and they won.
sres=$(systemctl show -P Result systemd-sysctl.service)
[ "$sres" = success ] || bad "systemd-sysctl.service result: $sres"
s_end=$(mono systemd-sysctl.service ExecMainExitTimestampMonotonic)
a_start=$(mono $U ExecMainStartTimestampMonotonic)
say "systemd-sysctl exited at ${s_end}us, the agent started at ${a_start}us (monotonic)"
[ -n "$s_end" ] && [ -n "$a_start" ] && [ "$s_end" -gt 0 ] && [ "$s_end" -le "$a_start" ] ||
	bad "systemd-sysctl did not finish before the agent started ($s_end > $a_start)"
npa=$(systemctl show -P ActiveEnterTimestampMonotonic network-pre.target)
a_end=$(mono $U ExecMainExitTimestampMonotonic)
say "network-pre.target reached at ${npa}us, the agent finished at ${a_end}us"
[ -n "$npa" ] && [ "$npa" -gt 0 ] && [ "$a_end" -le "$npa" ] ||
	bad "network-pre.target ($npa) was not reached after the agent finished ($a_end)"
result boot

# ---- 2. the agent's own process: uid, capabilities, seccomp, mounts ----
# The oneshot's process is gone once it has run, so we make it wait: this script holds
# the agent's lock (fcntl, like the agent itself), `systemctl reload` starts the agent
# (ExecReload=apply) in the unit's sandbox, and it polls for the lock for up to 10 s.
# Meanwhile we read /proc/PID/status and mountinfo of that very process (after its own
# capability drop, which happens before it takes the lock), then let it go.
say "== sandbox of the running agent"
flag=/run/sd-guest.locked
rm -f $flag
if [ ! -e $STATE.lock ]; then
	bad "no $STATE.lock after boot"
else
	$PY -c 'import fcntl, os, sys, time
f = open(sys.argv[1], "r+")
fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
t = time.time()
while os.path.exists(sys.argv[2]) and time.time() - t < 20:
    time.sleep(0.05)' $STATE.lock $flag &
	lockpid=$!
	for _ in $(seq 100); do [ -e $flag ] && break; sleep 0.05; done
	[ -e $flag ] || bad "could not take the agent's lock"
	systemctl reload --no-block $U
	pid=""
	for _ in $(seq 100); do
		pid=$(pgrep -x lvs-rs-agent | head -1)
		[ -n "$pid" ] && break
		sleep 0.05
	done
	if [ -z "$pid" ]; then
		bad "no lvs-rs-agent process appeared after systemctl reload"
	else
		st=$(grep -E '^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/$pid/status)
		mi=$(cat /proc/$pid/mountinfo)
		cg=$(cat /proc/$pid/cgroup)
		cmd=$(tr '\0' ' ' < /proc/$pid/cmdline)
	fi
	rm -f $flag
	wait $lockpid
	if [ -n "$pid" ]; then
		say "PID $pid: $cmd($cg)"
		echo "$st" | sed 's/^/  /'
		uids=$(echo "$st" | awk '$1 == "Uid:" { print $2, $3, $4, $5 }')
		set -- $uids
		[ $# = 4 ] && [ "$1" != 0 ] && [ "$1" = "$2" ] && [ "$1" = "$3" ] && [ "$1" = "$4" ] ||
			bad "Uid (real, effective, saved, fs) is '$uids', expected one non-root uid"
		dyn=$(getent passwd "$1" | cut -d: -f1)
		say "uid $1 is '${dyn:-?}' (DynamicUser)"
		[ "$1" -ge 61184 ] && [ "$1" -le 65519 ] || bad "uid $1 is not a dynamic uid (61184-65519)"
		# CAP_NET_ADMIN is bit 12: 0x1000
		for c in CapEff CapPrm CapBnd; do
			v=$(echo "$st" | awk -v c="$c:" '$1 == c { print $2 }')
			[ "$v" = 0000000000001000 ] || bad "$c is $v, expected 0000000000001000 (CAP_NET_ADMIN only)"
		done
		v=$(echo "$st" | awk '$1 == "NoNewPrivs:" { print $2 }')
		[ "$v" = 1 ] || bad "NoNewPrivs is $v"
		v=$(echo "$st" | awk '$1 == "Seccomp:" { print $2 }')
		[ "$v" = 2 ] || bad "Seccomp is $v, expected 2 (filter)"
		# ProtectKernelTunables=yes + ReadWritePaths=/proc/sys/net: /proc/sys read-only,
		# /proc/sys/net writable (mountinfo field 5 is the mount point, 6 its options).
		ro=$(echo "$mi" | awk '$5 == "/proc/sys" { print $6 }' | tail -1)
		rw=$(echo "$mi" | awk '$5 == "/proc/sys/net" { print $6 }' | tail -1)
		say "in the agent's mount namespace: /proc/sys ${ro:-not a mount}, /proc/sys/net ${rw:-not a mount}"
		case ,$ro, in *,ro,*) ;; *) bad "/proc/sys is not read-only for the agent ($ro)" ;; esac
		case ,$rw, in *,rw,*) ;; *) bad "/proc/sys/net is not writable for the agent ($rw)" ;; esac
	fi
	for _ in $(seq 200); do
		systemctl list-jobs --no-legend 2>/dev/null | grep -q " $U " || break
		sleep 0.1
	done
	r=$(systemctl show -P Result $U)
	[ "$r" = success ] && [ "$(systemctl is-active $U)" = active ] ||
		bad "the reload held on the lock did not end well (Result=$r)"
fi
result sandbox

# ---- 3. reload after a config edit reconciles ----
say "== reload after adding $V4B to $CONF"
printf '\n[vip added]\naddress = %s\n' "$V4B" >> $CONF
hasnt "$V4B/32"		# else the reload check below would prove nothing
if systemctl reload $U; then
	has "$V4B/32"
	has "$V4/32"
	has "$V6/128"
	[ "$(systemctl is-active $U)" = active ] || bad "not active after reload"
else
	bad "systemctl reload failed"
fi
journalctl -u $U --no-pager -o cat | tail -n 3 | sed 's/^/  journal: /'
result reload

# ---- 4. restart keeps the journal ----
say "== restart"
if systemctl restart $U; then
	if [ -s $STATE ]; then
		ls -lnd /run/lvs-rs-agent | sed 's/^/  /'
		ls -lnL /run/lvs-rs-agent/ | sed 's/^/  /'
		owner=$(stat -c %u $STATE)
		[ "$owner" != 0 ] || bad "$STATE is owned by root"
		for a in "$V4" "$V6" "$V4B"; do grep -qF "$a" $STATE || bad "$a not in the journal"; done
		# The journal after restart must hold the boot-time priors (sysctl.d values),
		# not the agent's own values: revert ran before the new apply.
		$PY -c 'import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]  # JSON Lines: header, steps
pr = {j["target"]: j["prior"] for j in lines[1:] if j.get("kind") == "sysctl"}
print("  journal priors:", pr)
ok = pr.get("net/ipv4/conf/all/arp_ignore") == "0" and pr.get("net/ipv4/conf/all/arp_announce") == "1"
sys.exit(0 if ok else 1)' $STATE || bad "the journal's priors are not the sysctl.d values"
	else
		bad "no journal $STATE after restart"
	fi
	has "$V4/32"; has "$V6/128"; has "$V4B/32"
	sysctl_is all.arp_ignore 1
else
	bad "systemctl restart failed"
fi
result restart

# ---- 5. the operator, root, by hand on the unit's journal ----
# The agent keeps only CAP_NET_ADMIN, so root reads the dynamic user's files with the
# access of any user: the unit's RuntimeDirectoryMode=0755 and the agent's 0644 journal
# and lock make status work; revert cannot, and must say why and what to do instead.
say "== status and revert by root, by hand (at $(cut -d' ' -f1 /proc/uptime)s)"
A=/usr/sbin/lvs-rs-agent
if [ -s $STATE ]; then
	# with DynamicUser=yes, /run/lvs-rs-agent is a link to private/lvs-rs-agent
	ls -lnd /run/lvs-rs-agent/ $STATE $STATE.lock | sed 's/^/  /'
	m=$(stat -L -c '%a' /run/lvs-rs-agent $STATE $STATE.lock | tr '\n' ' ')
	[ "$m" = "755 644 644 " ] || bad "modes of the directory, journal, lock are $m, expected 755 644 644"
	out=$($A status 2>&1)
	r=$?
	echo "$out" | sed 's/^/  status: /'
	[ $r = 0 ] || bad "\`lvs-rs-agent status\` by root exits $r"
	echo "$out" | grep -qE '^journal: [0-9]+ steps, first apply ' || bad "status shows no journal"
	echo "$out" | grep -qxF "  config of the last apply: $CONF" || bad "status does not name $CONF"
	echo "$out" | grep -qE "^  - address $V4B/32 dev lo\$" || bad "status: revert would not remove $V4B"
	echo "$out" | grep -qE '^status: [0-9]+ checks, 0 failed$' || bad "status: no summary with 0 failed"
	out=$($A --prometheus /run/lvs-test.prom verify 2>&1)
	r=$?
	[ $r = 0 ] && grep -qx 'lvs_rs_agent_verify_success 1' /run/lvs-test.prom ||
		bad "verify --prometheus by root: exit $r: $(echo "$out" | tail -n 1); $(grep verify_success /run/lvs-test.prom 2>&1)"
	before=$(net_state)
	out=$($A revert 2>&1)
	r=$?
	say "revert by root: exit $r: $out"
	[ $r = 3 ] || bad "\`lvs-rs-agent revert\` by root exits $r, expected 3"
	echo "$out" | grep -qF "is the unit's (uid $(stat -c %u $STATE.lock))" ||
		bad "revert by root does not name the owner (the unit's dynamic uid)"
	echo "$out" | grep -qF 'systemctl reload lvs-rs-agent applies, stop reverts' ||
		bad "revert by root does not say to use systemctl reload or stop lvs-rs-agent"
	[ "$(echo "$out" | wc -l)" -le 2 ] || bad "revert by root says it in more than two lines"
	[ "$(net_state)" = "$before" ] || bad "revert by root changed something"
	[ "$(systemctl is-active $U)" = active ] || bad "$U not active after the tries by hand"
	say "done at $(cut -d' ' -f1 /proc/uptime)s"
else
	bad "no journal $STATE to read"
fi
result status-by-root

# ---- 6. a typo, then restart: the server stays prepared; the fix is applied by reload ----
say "== restart with a typo in $CONF"
cp $CONF /run/sd-conf.good
before=$(net_state)
n=$(grep -n '^arp_ignore = 1$' $CONF | cut -d: -f1)
sed -i 's/^arp_ignore = 1$/arp_ingore = 1/' $CONF
[ -n "$n" ] && grep -q '^arp_ingore' $CONF || bad "could not put the typo into $CONF"
systemctl restart $U || bad "systemctl restart with the typo failed"
[ "$(systemctl is-active $U)" = active ] || bad "$U is $(systemctl is-active $U) after the restart"
[ "$(net_state)" = "$before" ] || { bad "the restart with a typo changed addresses or arp sysctls"; net_state | diff <(echo "$before") - | sed 's/^/  /'; }
has "$V4/32"; has "$V6/128"; has "$V4B/32"
sysctl_is all.arp_ignore 1; sysctl_is all.arp_announce 2
st=$(systemctl status $U --no-pager -l -n 20 2>&1)
echo "$st" | sed 's/^/  /'
echo "$st" | grep -qF "$CONF:$n: " || bad "systemctl status does not show $CONF:$n"
echo "$st" | grep -qF 'systemctl reload lvs-rs-agent' || bad "systemctl status does not say to reload after the fix"
# the fix, with an edit: the group added by the reload check goes
grep -v '^\[vip added\]$' /run/sd-conf.good | grep -vF "address = $V4B" > $CONF
if systemctl reload $U; then
	hasnt "$V4B/32"; has "$V4/32"; has "$V6/128"
else
	bad "systemctl reload after the fix failed"
fi
[ "$(systemctl is-active $U)" = active ] || bad "$U not active after the reload"
result restart-typo

# ---- 7. stop reverts exactly ----
say "== stop"
if systemctl stop $U; then
	st=$(systemctl is-active $U)
	[ "$st" = inactive ] || bad "$U is $st after stop"
	lo_addrs | sed 's/^/  lo: /'
	got=$(lo_addrs | tr '\n' ' ')
	[ "$got" = "127.0.0.1/8 ::1/128 " ] || bad "lo has '$got', expected only 127.0.0.1/8 ::1/128"
	# the values of 90-lvs-test.conf and the kernel defaults
	sysctl_is all.arp_ignore 0; sysctl_is all.arp_announce 1
	sysctl_is lo.arp_ignore 0; sysctl_is lo.arp_announce 0
	[ -d /run/lvs-rs-agent ] || bad "/run/lvs-rs-agent removed despite RuntimeDirectoryPreserve=yes"
	# And once more from this reverted state: start + stop leaves the snapshot unchanged.
	net_state > /run/sd-snap.1
	systemctl start $U || bad "start after stop failed"
	has "$V4/32"
	systemctl stop $U || bad "second stop failed"
	net_state > /run/sd-snap.2
	diff -u /run/sd-snap.1 /run/sd-snap.2 > /run/sd-snap.diff ||
		{ bad "start+stop changed the state"; sed 's/^/  /' /run/sd-snap.diff; }
else
	bad "systemctl stop failed"
fi
result stop

say "job done at $(cut -d' ' -f1 /proc/uptime)s (started at ${T0}s)"
exit $failed
