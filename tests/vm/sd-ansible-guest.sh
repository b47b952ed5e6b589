#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sd-ansible-guest.sh - runs in the VM as vmrun-job.service, with the host's systemd as PID 1
# and nothing of the agent installed (tests/vm/sd-test.sh ansible|ansible-absent): the role
# contrib/ansible/roles/lvs_rs_agent run by ansible-core from Debian with `connection: local`
# against the VM's own systemd, installing build/deb's package (lvs_rs_agent_install: deb).
# One ansible-playbook run per state, in two VMs (each run takes 40-250 s under emulation,
# with the host's load):
# "sd-ansible-guest.sh apply" (lab ansible):
#   ansible-check   --check on the fresh VM: exit 0, the .deb copy and the config files
#                   reported as changes, nothing installed or written, the kernel untouched
#   ansible-first   the package installed, the config written, the unit enabled and started
#                   (which applied: the VIPs on lo, arp_ignore/arp_announce 1/2 on all and lo;
#                   the reload handler skipped), verify passes
#   ansible-second  the same vars: changed=0, no handler, the kernel as after the first run
#   ansible-edit    a VIP added to a service, one service `state: absent`, one new: its
#                   drop-in deleted, the reload handler runs, the VIP set follows, the others
#                   kept
# "sd-ansible-guest.sh absent" (lab ansible-absent), after a first run as above:
#   ansible-broken  negative control: a service with an invalid address fails the play with
#                   the agent's FILE:LINE naming the drop-in; nothing written, no reload, the
#                   unit still active and every VIP in force
#   ansible-absent  lvs_rs_agent_state: absent: the unit stopped (which reverts) and
#                   disabled, the package purged, the config and the copied .deb removed:
#                   addresses, sysctls and files exactly as before the first run
# Prints "@@RESULT PASS: vm-ansible-NAME" / "@@RESULT FAIL: vm-ansible-NAME: reason", and
# each run's wall time ("took").
SD_LAB=ansible
. "$(dirname "$0")/sd-lib.sh"
PART=${1:-apply}
HERE=$(cd "$(dirname "$0")" && pwd)
A=/run/ansible
ETC=/etc/lvs-rs-agent
D=$ETC/agent.conf.d
CONFIG_TASK="Check, plan and write the configuration (lvs-rs-agent check-config, plan)"
HANDLER="Apply through the unit (systemctl reload lvs-rs-agent)"
VERIFY_TASK="Verify the kernel against the configuration (lvs-rs-agent verify)"

say "uptime $(uptime_s)s; in $PWD; $(systemctl --version | head -1); ansible-core $(dpkg-query -W -f='${Version}' ansible-core)"
DEB=$(ls "$PWD"/build/deb/lvs-rs-agent_*.deb 2>/dev/null | head -n 1)
[ -d contrib/ansible/roles/lvs_rs_agent ] && [ -n "$DEB" ] ||
	{ echo "@@RESULT FAIL: vm-ansible-$([ "$PART" = apply ] && echo check || echo broken): not in the repository or no build/deb/*.deb"; exit 1; }

# ---- test setup (not the role's business): apt and dpkg fast, ansible's module_utils
# byte-compiled (ansible_payload_pyc.py), the module payloads cached across runs (below),
# ansible's files under /run, and the controller's poll of its worker every 0.1 s instead
# of 0.001 s (on one emulated CPU the poll took half of it from the module it waited for)
apt_fast
site=/usr/local/lib/python3.11/dist-packages
mkdir -p "$site" $A && cp "$HERE/ansible_payload_pyc.py" "$site/" &&
	echo "import ansible_payload_pyc" > "$site/lvs-vmtest.pth"
printf '[defaults]\ninternal_poll_interval = 0.1\n' > $A/ansible.cfg
# ansible-playbook with the payloads of its modules (a zip of the module and the module_utils
# it imports, found by parsing them: seconds per module under emulation) kept from one run to
# the next: ansible caches them per run in a directory of its own temporary one, made a link
# here to one that stays (the modules do not change during the job)
mkdir -p $A/ansiballz
cat > $A/ansible-playbook.py <<'EOF'
import os
import sys
from ansible.cli.playbook import main
from ansible import constants as C
os.symlink(sys.argv.pop(1), os.path.join(C.DEFAULT_LOCAL_TMP, "ansiballz_cache"))
sys.argv[0] = "ansible-playbook"
sys.exit(main())
EOF
cat > $A/site.yml <<EOF
- name: lvs-rs-agent on this VM
  hosts: localhost
  gather_facts: false
  roles:
    - lvs_rs_agent
EOF
# the summary of a run: its tasks' outcomes, from tests/integration/ansible's JSON callback
cat > $A/summary.py <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for h in d["stats"].values():
    print("recap changed=%d failures=%d" % (h["changed"], h["failures"]))
for p in d["plays"]:
    for t in p["tasks"]:
        name = t["task"]["name"].split(" : ", 1)[-1]
        for r in t["hosts"].values():
            st = "failed" if r.get("failed") else "skipped" if r.get("skipped") else \
                "changed" if r.get("changed") else "ok"
            print("task %s %s" % (st, name))
            print("  %6.1fs %s" % (r.get("lvst_seconds", 0), name), file=sys.stderr)
            if name.startswith("Check, plan and write"):
                print("files %s" % " ".join(r.get("files", [])))
                plan = r.get("plan")
                print("plan %s" % ("none" if plan is None else len(plan["changes"])))
                if r.get("failed"):
                    print("msg %s" % r.get("msg"))
EOF

# play NAME VARS [ARGS...]: one ansible-playbook run with the role's variables VARS (YAML);
# its summary in $A/NAME.sum, its exit status in RC
play() {
	local name=$1 t0 t1
	printf '%s\n' "$2" > $A/$name.vars.yml
	shift 2
	t0=$(uptime_s)
	env ANSIBLE_CONFIG=$A/ansible.cfg ANSIBLE_HOME=$A/home ANSIBLE_LOCAL_TEMP=$A/tmp \
		ANSIBLE_REMOTE_TEMP=$A/remote-tmp ANSIBLE_ROLES_PATH="$PWD/contrib/ansible/roles" \
		ANSIBLE_CALLBACK_PLUGINS="$PWD/tests/integration/ansible" ANSIBLE_STDOUT_CALLBACK=lvst_json \
		ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_LOCALHOST_WARNING=0 \
		ANSIBLE_INVENTORY_UNPARSED_WARNING=0 ANSIBLE_PIPELINING=1 \
		ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 \
		$PY $A/ansible-playbook.py $A/ansiballz -i localhost, -c local $A/site.yml -e "@$A/$name.vars.yml" "$@" \
		> $A/$name.json 2> $A/$name.err
	RC=$?
	t1=$(uptime_s)
	$PY $A/summary.py $A/$name.json > $A/$name.sum 2> $A/$name.times
	sed 's/^/  /' $A/$name.sum
	sort -rn $A/$name.times | head -n 8 | sed 's/^/  time: /' 
	[ -s $A/$name.err ] && sed 's/^/  stderr: /' $A/$name.err | tail -n 5
	say "[vm-ansible-$name] took $(echo "$t0 $t1" | awk '{ printf "%.0fs", $2 - $1 }') (exit $RC)"
	SUM=$A/$name.sum
}
# task_is STATUS NAME: the role's task NAME ended so in the last run
task_is() { grep -qxF "task $1 $2" "$SUM" || bad "task '$2' is not $1 ($(grep -F " $2" "$SUM" | cut -d' ' -f2 | paste -sd,))"; }
no_task() { ! grep -q "^task [a-z]* $1\$" "$SUM" || bad "task '$1' ran"; }
sum_is() { grep -qxF "$1" "$SUM" || bad "expected '$1' in the run's summary"; }
rc_is() { [ "$RC" = "$1" ] || bad "ansible-playbook exits $RC, expected $1"; }
unit_is() { # unit_is ACTIVE ENABLED
	local a e
	a=$(systemctl is-active $U 2>&1) e=$(systemctl is-enabled $U 2>&1)
	[ "$a $e" = "$1 $2" ] || bad "$U is $a, $e; expected $1, $2"
}
sysctls_applied() {
	local k
	for k in all lo; do
		[ "$(cat /proc/sys/net/ipv4/conf/$k/arp_ignore)" = 1 ] || bad "conf/$k/arp_ignore is not 1"
		[ "$(cat /proc/sys/net/ipv4/conf/$k/arp_announce)" = 2 ] || bad "conf/$k/arp_announce is not 2"
	done
}

COMMON="lvs_rs_agent_install: deb
lvs_rs_agent_deb: $DEB
lvs_rs_agent_settings:
  arp_suppress: sysctl
  arp_ignore: 1
  arp_announce: 2"
V1="$COMMON
lvs_rs_agent_services:
  - name: web
    address: [192.0.2.10, 2001:db8::10]
  - name: dns
    address: 192.0.2.53"
V2="$COMMON
lvs_rs_agent_services:
  - name: web
    address: [192.0.2.10, 2001:db8::10, 192.0.2.11]
  - name: dns
    state: absent
  - name: mail
    address: 198.51.100.25"
say "test setup done at $(uptime_s)s"
net0=$(net_state)
files0=$(files_state)
echo "$files0" | sed 's/^/  before: /'

# ---- check mode on the fresh VM
check_run() {
	say "== check mode, fresh"
	play check "$V1" --check
	rc_is 0
	sum_is "recap changed=2 failures=0"
	task_is changed "Copy the .deb"
	task_is skipped "Install the .deb"
	task_is changed "$CONFIG_TASK"
	sum_is "files $ETC/agent.conf $D/dns.conf $D/web.conf"
	sum_is "plan none"
	task_is skipped "Enable and start the unit"
	task_is skipped "$VERIFY_TASK"
	same_net "check mode changed addresses or sysctls" "$net0"
	same_files "check mode left files" "$files0"
	result check
}

# ---- first run (in the second VM the setup of its checks)
first_run() {
	say "== first run"
	play first "$V1"
	rc_is 0
	task_is changed "Copy the .deb"
	task_is changed "Install the .deb"
	task_is changed "$CONFIG_TASK"
	task_is changed "Enable and start the unit"
	# notified, but the unit this run started has applied the new files already
	task_is skipped "$HANDLER"
	task_is ok "$VERIFY_TASK"
	[ "$(dpkg-query -W -f='${db:Status-Status}' lvs-rs-agent 2>/dev/null)" = installed ] ||
		bad "lvs-rs-agent is not installed"
	unit_is active enabled
	lo_addrs | sed 's/^/  lo: /'
	has 192.0.2.10/32; has 2001:db8::10/128; has 192.0.2.53/32
	sysctls_applied
	grep -qxF '; managed by Ansible (role lvs_rs_agent)' $D/web.conf 2>/dev/null ||
		bad "$D/web.conf lacks the role's header"
	grep -qxF 'address = 192.0.2.10 2001:db8::10' $D/web.conf 2>/dev/null ||
		bad "$D/web.conf lacks its addresses"
	net1=$(net_state)
}

# ---- second run: nothing to do
second_run() {
	say "== second run"
	play second "$V1"
	rc_is 0
	sum_is "recap changed=0 failures=0"
	sum_is "plan 0"
	no_task "$HANDLER"
	task_is ok "$VERIFY_TASK"
	same_net "the second run changed addresses or sysctls" "$net1"
	unit_is active enabled
	result second
}

# ---- an edited service list: a VIP added, a service absent, one new
edit_run() {
	say "== edited service list"
	play edit "$V2"
	rc_is 0
	task_is changed "$CONFIG_TASK"
	sum_is "files $D/dns.conf $D/mail.conf $D/web.conf"
	task_is changed "$HANDLER"
	task_is ok "$VERIFY_TASK"
	lo_addrs | sed 's/^/  lo: /'
	has 192.0.2.10/32; has 2001:db8::10/128; has 192.0.2.11/32; has 198.51.100.25/32
	hasnt 192.0.2.53/32
	[ ! -e $D/dns.conf ] || bad "$D/dns.conf is still there"
	unit_is active enabled
	sysctls_applied
	result edit
}

# ---- negative control: a broken fragment fails the run, and the unit's VIPs stay
broken_run() {
	say "== a broken service fragment"
	play broken "$V1
  - name: bad
    address: [192.0.2.30, 192.0.2.300]"
	rc_is 2
	task_is failed "$CONFIG_TASK"
	sum_is "msg $D/bad.conf:4: vip \"bad\": \"192.0.2.300\" is not an IPv4 or IPv6 address"
	no_task "$HANDLER"
	[ ! -e $D/bad.conf ] || bad "$D/bad.conf was written"
	unit_is active enabled
	same_net "the failed run changed addresses or sysctls" "$net1"
	has 192.0.2.53/32
	result broken
}

# ---- the whole role absent
absent_run() {
	say "== state: absent"
	play absent "$V1
lvs_rs_agent_state: absent"
	rc_is 0
	task_is changed "Stop (revert) and disable the unit"
	task_is changed "Remove the package"
	a=$(systemctl is-active $U 2>&1)
	[ "$a" = inactive ] || bad "$U is $a after absent"
	same_net "absent did not restore addresses and sysctls" "$net0"
	same_files "absent left files behind" "$files0"
	result absent
}

case $PART in
apply)
	check_run
	first_run
	result first
	second_run
	edit_run
	;;
absent)
	first_run
	if [ -n "$why" ]; then
		echo "@@RESULT FAIL: vm-ansible-broken: the first run (setup) failed: $why"
		echo "@@RESULT FAIL: vm-ansible-absent: the first run (setup) failed: $why"
		exit 1
	fi
	broken_run
	absent_run
	;;
esac
say "job done at $(uptime_s)s"
exit $failed
