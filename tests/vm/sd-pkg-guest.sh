#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sd-pkg-guest.sh - runs in the VM as vmrun-job.service, with the host's systemd as PID 1 and
# nothing of the agent installed (tests/vm/sd-test.sh package). The operator's path, from
# README.md's marked blocks run verbatim (`<!-- readme-test: NAME -->` before a sh fence),
# with the package `make deb` built into build/deb:
#   package-install  the install block: the package is installed, its unit neither enabled
#                    nor started, the kernel untouched
#   package-enable   the config, check and enable blocks: the unit is active and enabled, the
#                    example's VIPs are on lo, the ARP sysctls at 1/2
#   package-verify   the verify block: exit 0, the timer active, the textfile says success 1
#   package-undo     the undo block: the unit and the timer stopped and disabled, addresses
#                    and sysctls exactly as before the install
#   package-purge    enabled again, then the uninstall block (apt purge): reverted, and no
#                    file of the package, its config, runtime directory or metrics file left
# Prints "@@RESULT PASS: vm-package-NAME" / "@@RESULT FAIL: vm-package-NAME: reason".
SD_LAB=package
. "$(dirname "$0")/sd-lib.sh"
P=/var/lib/prometheus/node-exporter/lvs_rs_agent.prom

# block NAME: README.md's sh block after the marker "<!-- readme-test: NAME -->", into a file
block() {
	awk -v m="<!-- readme-test: $1 -->" '
		$0 == m { armed = 1; next }
		armed && /^```sh$/ { inside = 1; armed = 0; next }
		inside && /^```$/ { exit }
		inside { print }' README.md > "/run/readme-$1.sh"
	[ -s "/run/readme-$1.sh" ] || { bad "README.md has no block marked $1"; return 1; }
	sed "s/^/  readme $1: /" "/run/readme-$1.sh"
}
# run NAME: run README's block NAME verbatim (bash -e: each command must succeed)
run() {
	local rc
	block "$1" || return 1
	bash -e "/run/readme-$1.sh" > "/run/readme-$1.out" 2>&1
	rc=$?
	grep -v '^(Reading database' "/run/readme-$1.out" | sed "s/^/    /" | tail -n 25
	say "README block $1: exit $rc at $(cut -d' ' -f1 /proc/uptime)s"
	[ $rc = 0 ] || bad "README block $1 exits $rc"
	return $rc
}

say "uptime $(cut -d' ' -f1 /proc/uptime)s; in $PWD; $(systemctl --version | head -1)"
[ -f README.md ] && ls build/deb/lvs-rs-agent_*.deb > /dev/null 2>&1 ||
	{ echo "@@RESULT FAIL: vm-package-install: not in the repository or no build/deb/*.deb"; exit 1; }
apt_fast
say "test setup done at $(cut -d' ' -f1 /proc/uptime)s"
net0=$(net_state)
files0=$(files_state)
echo "$files0" | sed 's/^/  before: /'

# ---- install
say "== install"
run install
[ "$(dpkg-query -W -f='${db:Status-Status}' lvs-rs-agent 2>/dev/null)" = installed ] ||
	bad "lvs-rs-agent is not installed"
[ -x /usr/sbin/lvs-rs-agent ] || bad "no /usr/sbin/lvs-rs-agent"
e=$(systemctl is-enabled $U 2>&1)
[ "$e" = disabled ] || bad "$U is-enabled: $e after the install (expected disabled)"
a=$(systemctl is-active $U 2>&1)
[ "$a" = inactive ] || bad "$U is $a after the install (expected inactive)"
[ "$(net_state)" = "$net0" ] || bad "the install changed addresses or sysctls"
result install

# ---- config, check, enable
say "== config, check, enable"
run config && run check && run enable
[ "$(systemctl is-active $U)" = active ] || bad "$U is $(systemctl is-active $U)"
[ "$(systemctl is-enabled $U)" = enabled ] || bad "$U is not enabled"
has 192.0.2.100/32; has 2001:db8::100/128; has 192.0.2.101/32
for k in all lo; do
	[ "$(cat /proc/sys/net/ipv4/conf/$k/arp_ignore)" = 1 ] || bad "conf/$k/arp_ignore is not 1"
	[ "$(cat /proc/sys/net/ipv4/conf/$k/arp_announce)" = 2 ] || bad "conf/$k/arp_announce is not 2"
done
result enable

# ---- verify
say "== verify"
run verify
[ "$(systemctl is-active lvs-rs-agent-verify.timer)" = active ] || bad "the verify timer is not active"
if [ -s $P ]; then
	grep -qx 'lvs_rs_agent_verify_success 1' $P || bad "$P: $(grep verify_success $P)"
	m=$(stat -c '%u %a' $P)
	[ "$m" = "0 644" ] || bad "$P has owner and mode $m, expected 0 644"
	grep -c '^lvs_rs_agent_check_ok' $P | sed 's/^/  check_ok lines: /'
else
	bad "no $P after the verify service ran"
fi
result verify

# ---- undo
say "== undo"
run undo
for u in $U lvs-rs-agent-verify.timer; do
	[ "$(systemctl is-active $u)" = inactive ] || bad "$u is $(systemctl is-active $u) after undo"
	[ "$(systemctl is-enabled $u)" = disabled ] || bad "$u is still enabled after undo"
done
same_net "undo did not restore addresses and sysctls" "$net0"
# The verify service on the reverted server fails, and its metrics say so.
systemctl start lvs-rs-agent-verify.service && bad "the verify service succeeded on a reverted server"
grep -qx 'lvs_rs_agent_verify_success 0' $P 2>/dev/null || bad "$P does not say verify_success 0 after undo"
result undo

# ---- purge of a prepared server
say "== uninstall (prepared again first)"
systemctl enable --now $U || bad "enable --now again failed"
has 192.0.2.100/32
run uninstall
same_net "apt purge did not revert addresses and sysctls" "$net0"
same_files "apt purge left files behind" "$files0"
result purge

say "job done at $(cut -d' ' -f1 /proc/uptime)s"
exit $failed
