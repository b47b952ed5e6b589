# SPDX-License-Identifier: GPL-2.0-or-later
# sd-lib.sh - sourced by the jobs of the systemd VMs (sd-guest.sh, sd-pkg-guest.sh,
# sd-ansible-guest.sh): the result protocol and what they read back from the guest.
# SD_LAB names the results: "@@RESULT PASS: vm-$SD_LAB-NAME" / "@@RESULT FAIL: ...: reason".
U=lvs-rs-agent.service
PY=/usr/bin/python3
failed=0
why=""

say() { echo "[vm-$SD_LAB] $*"; }
bad() { why="${why:+$why; }$*"; say "  not ok: $*"; }
# result NAME: report the checks since the last result, then start afresh
result() {
	if [ -z "$why" ]; then
		echo "@@RESULT PASS: vm-$SD_LAB-$1"
	else
		echo "@@RESULT FAIL: vm-$SD_LAB-$1: $why"
		failed=1
		say "journalctl -u $U:"
		journalctl -u $U --no-pager -o short-monotonic 2>/dev/null | tail -n "${SD_JOURNAL_LINES:-20}" |
			sed 's/^/    /'
	fi
	why=""
}
uptime_s() { cut -d' ' -f1 /proc/uptime; }
# lo_addrs: the addresses on lo as "ADDR/PREFIX" lines, sorted
lo_addrs() {
	ip -j addr show dev lo | $PY -c 'import json, sys
for i in json.load(sys.stdin):
    for a in i.get("addr_info", []):
        print("%s/%s" % (a["local"], a["prefixlen"]))' | sort
}
has() { lo_addrs | grep -qxF "$1" || bad "$1 not on lo"; }
hasnt() { ! lo_addrs | grep -qxF "$1" || bad "$1 still on lo"; }
# net_state: every address on every link and every arp_* sysctl (for "revert exact")
net_state() {
	ip -j addr | $PY -c 'import json, sys
for i in json.load(sys.stdin):
    for a in i.get("addr_info", []):
        print(i["ifname"], a["local"], a["prefixlen"], a.get("scope"))' | sort
	grep -H . /proc/sys/net/ipv4/conf/*/arp_* | sort
}
# same_net WHAT BEFORE: net_state equals BEFORE, else say how it differs
same_net() {
	local now
	now=$(net_state)
	[ "$now" = "$2" ] && return 0
	bad "$1"
	diff <(echo "$2") <(echo "$now") | sed 's/^/  /'
	return 1
}
# files_state: every file or link named after the agent where the package, the operator, the
# units or the Ansible role put one, and the package's dpkg status (globs, not a find over
# the trees: those are slow over 9p under emulation)
files_state() {
	ls -d /etc/lvs-rs-agent /etc/systemd/system/*lvs-rs-agent* /etc/systemd/system/*/*lvs-rs-agent* \
		/lib/systemd/system/*lvs-rs-agent* /usr/sbin/lvs-rs-agent /usr/share/doc/lvs-rs-agent \
		/usr/share/man/man*/lvs-rs-agent* /usr/share/bash-completion/completions/lvs-rs-agent \
		/run/lvs-rs-agent /run/private/lvs-rs-agent /var/lib/prometheus \
		/var/lib/systemd/deb-systemd-helper-enabled/*lvs-rs-agent* \
		/var/lib/systemd/deb-systemd-helper-enabled/*/*lvs-rs-agent* \
		/var/lib/systemd/deb-systemd-helper-masked/*lvs-rs-agent* \
		/var/lib/dpkg/info/lvs-rs-agent.* /var/cache/lvs-rs-agent/*.deb /var/cache/lvs-rs-agent-deb 2>/dev/null
	dpkg-query -W -f='dpkg ${Package} ${db:Status-Status}\n' lvs-rs-agent 2>/dev/null
}
# same_files WHAT BEFORE: files_state equals BEFORE, else say how it differs
same_files() {
	local now
	now=$(files_state)
	[ "$now" = "$2" ] && return 0
	bad "$1"
	diff <(echo "$2") <(echo "$now") | sed 's/^/  /'
	return 1
}
# apt_fast: test setup, not an operator's step. No man-db index rebuild, no package lists
# for apt to parse (a local .deb whose dependencies are installed needs none): each costs
# half a minute or more under emulation. dpkg's database (sd-test.sh packed it into
# /.vmtest/dpkg.tgz) in RAM, where dpkg reads its thousands of file lists in a second
# instead of a minute over 9p. A container image's policy-rc.d (exit 101: no service
# actions) would refuse the package's stop; a server has none (nor has a fresh Debian root).
apt_fast() {
	rm -f /var/lib/man-db/auto-update /usr/sbin/policy-rc.d /var/cache/apt/*.bin
	mount -t tmpfs -o mode=755 tmpfs /var/lib/apt/lists && mkdir -p /var/lib/apt/lists/partial
	if [ -s /.vmtest/dpkg.tgz ]; then
		mkdir -p /run/vmtest-dpkg && tar -C /run/vmtest-dpkg -xzf /.vmtest/dpkg.tgz &&
			mount --bind /run/vmtest-dpkg/dpkg /var/lib/dpkg || bad "cannot put dpkg's database into RAM"
	fi
}
