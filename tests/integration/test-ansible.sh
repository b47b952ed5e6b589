#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# contrib/ansible, role lvs_rs_agent, run for real with `ansible-playbook -i localhost, -c
# local` (ansible-core from Debian) against a network namespace: the role installs the built
# agent as a file into $TDIR (lvs_rs_agent_install: file), and the binary it runs is a wrapper
# that runs that copy under `ip netns exec`, so nothing touches the host's network; config and
# journal live in $TDIR, and so does everything ansible writes (ANSIBLE_HOME, local and
# remote temp). lvs_rs_agent_unit is false here (no systemd in a namespace); the unit's path
# runs in the systemd VM. Each task's result comes from tests/integration/ansible/lvst_json.py,
# a small stdout callback (Debian's ansible-core lacks the json callback of ansible.posix).
#  0. check mode on a fresh host: exit 0, reports the install and the config as changes,
#     creates nothing (no binary, no config), namespace unchanged
#  1. first run: the install, the config and the apply task (the agent's JSON) are changed,
#     the VIPs are in the namespace, verify passes; second run: changed=0 for every task
#  2. check mode plans against the staged config, not the one on disk: a new service and a
#     VIP deleted by hand show in the plan; nothing is written or changed
#  3. a fragment with an invalid address fails the play with the agent's "FILE:LINE:
#     message"; it is not written, namespace and journal stay
#  4. the same VIP in two services fails the staged check naming both drop-ins; neither
#     is written, namespace unchanged
#  5. a service with state: absent and one no longer listed: their drop-ins go, their VIPs
#     go; an operator's own drop-in stays; the drift is repaired
#  6. lvs_rs_agent_state: absent: reverted (the namespace equals its state before the first
#     run), the config and the installed binary removed

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_cmd ansible-playbook
lvst_require_agent
lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }

ETC=$TDIR/etc
CONF=$ETC/agent.conf
D=$CONF.d
A=$TDIR/ansible
NPLAY=0
SBIN=$TDIR/sbin
mkdir -p "$TDIR/bin" "$A"

# The binary the role runs: the copy the role installs, inside the namespace. Before the
# first run the wrapper does not exist either (the role looks for it: a fresh host).
wrapper() {
	cat >"$TDIR/bin/lvs-rs-agent" <<EOF
#!/bin/sh
exec ip netns exec $(ns_name rs) $SBIN/lvs-rs-agent "\$@"
EOF
	chmod 0755 "$TDIR/bin/lvs-rs-agent"
}

cat >"$TDIR/site.yml" <<EOF
- name: lvs-rs-agent integration test
  hosts: localhost
  gather_facts: false
  roles:
    - lvs_rs_agent
EOF
: >"$A/ansible.cfg"

# vars SERVICES_YAML: the role's variables for the next run
vars()
{
	cat >"$TDIR/vars.yml" <<EOF
lvs_rs_agent_state: ${STATE_WANTED:-present}
lvs_rs_agent_install: file
lvs_rs_agent_file_src: $AGENT_BIN
lvs_rs_agent_file_dest: $SBIN/lvs-rs-agent
lvs_rs_agent_unit: false
lvs_rs_agent_binary: $TDIR/bin/lvs-rs-agent
lvs_rs_agent_extra_args: ['-s', '$STATE']
lvs_rs_agent_config_dir: $ETC
lvs_rs_agent_settings:
  arp_ignore: 1
  arp_announce: 2
lvs_rs_agent_services:
$1
EOF
}

# play [ARGS...]: run the test playbook; sets RC, OUT (the callback's document) and ERR
play()
{
	env ANSIBLE_CONFIG="$A/ansible.cfg" ANSIBLE_HOME="$A/home" \
		ANSIBLE_LOCAL_TEMP="$A/tmp" ANSIBLE_REMOTE_TEMP="$A/remote-tmp" \
		ANSIBLE_ROLES_PATH="$LVST_ROOT/contrib/ansible/roles" \
		ANSIBLE_CALLBACK_PLUGINS="$LVST_ROOT/tests/integration/ansible" \
		ANSIBLE_STDOUT_CALLBACK=lvst_json ANSIBLE_NOCOLOR=1 \
		ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_LOCALHOST_WARNING=0 \
		ANSIBLE_PIPELINING=1 \
		ANSIBLE_INVENTORY_UNPARSED_WARNING=0 \
		ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 \
		ansible-playbook -i localhost, -c local "$TDIR/site.yml" \
		-e "@$TDIR/vars.yml" "$@" >"$TDIR/.out" 2>"$TDIR/.err"
	RC=$?
	[ -n "${LVST_ANSIBLE_DEBUG:-}" ] && cp "$TDIR/.out" "$LVST_ANSIBLE_DEBUG.$((++NPLAY))"
	OUT=$(cat "$TDIR/.out")
	ERR=$(cat "$TDIR/.err")
}

# Python expressions over the json callback's document d.
# task("NAME"): the localhost result of the role's task whose name ends so
TASK='(lambda n: [t["hosts"]["localhost"] for t in d["plays"][0]["tasks"] if t["task"]["name"].endswith(n)][-1])'
CONFIG="$TASK(\"Check, plan and write the configuration (lvs-rs-agent check-config, plan)\")"
VERIFY="$TASK(\"Verify the kernel against the configuration (lvs-rs-agent verify)\")"
STATS='d["stats"]["localhost"]'
INSTALL="$TASK(\"Install the binary\")"

SERVICES='  - name: web
    address: [198.51.100.10, 2001:db8::10]
  - name: mail
    address: 198.51.100.25'

snapshot rs >"$TDIR/before" || { fail setup "snapshot failed"; exit 1; }
touch "$TDIR/stamp"

# ---- 0. check mode on a fresh host
vars "$SERVICES"
play --check
assert_rc "fresh check mode: exits 0" 0
assert_json "fresh check mode: the install is reported as a change" "$OUT" "${INSTALL}[\"changed\"] is True"
assert_json "fresh check mode: recap changed >= 1, no failures" "$OUT" \
	"${STATS}[\"changed\"] >= 1 and ${STATS}[\"failures\"] == 0"
[ ! -e "$SBIN/lvs-rs-agent" ] && [ ! -e "$ETC" ] && pass "fresh check mode: nothing installed or written" ||
	fail "fresh check mode: nothing installed or written" "$(ls -d "$SBIN"/* "$ETC" 2>&1 | tr '\n' ' ')"
assert_snapshot "fresh check mode: namespace unchanged" rs "$TDIR/before"

# ---- 1. first run, second run
wrapper
play
assert_rc "first run: ansible-playbook exits 0" 0
assert_json "first run: the install task is changed" "$OUT" "${INSTALL}[\"changed\"] is True"
cmp -s "$AGENT_BIN" "$SBIN/lvs-rs-agent" && pass "first run: the agent installed" ||
	fail "first run: the agent installed" "$SBIN/lvs-rs-agent is not the built agent"
assert_json "first run: the config task is changed" "$OUT" "${CONFIG}[\"changed\"] is True"
assert_json "first run: the agent's apply JSON said changed true" "$OUT" \
	"${CONFIG}[\"apply\"][\"command\"] == \"apply\" and ${CONFIG}[\"apply\"][\"changed\"] is True"
assert_json "first run: verify ran and passed" "$OUT" \
	"${VERIFY}[\"rc\"] == 0 and ${VERIFY}[\"changed\"] is False"
assert_json "first run: recap changed >= 1, no failures" "$OUT" \
	"${STATS}[\"changed\"] >= 1 and ${STATS}[\"failures\"] == 0"
assert_addr "namespace: 198.51.100.10/32 on lo" rs lo 198.51.100.10 32 'a["scope"] == "global"'
assert_addr "namespace: 2001:db8::10/128 on lo" rs lo 2001:db8::10 128 'a.get("nodad") is True'
assert_addr "namespace: 198.51.100.25/32 on lo" rs lo 198.51.100.25 32
assert_sysctl "namespace: all.arp_ignore = 1" rs net/ipv4/conf/all/arp_ignore 1
assert_match "drop-in web.conf written with the role's header" \
	'^; managed by Ansible \(role lvs_rs_agent\)$' "$(cat "$D/web.conf" 2>&1)"
assert_match "drop-in web.conf holds both addresses" \
	'^address = 198\.51\.100\.10 2001:db8::10$' "$(cat "$D/web.conf" 2>&1)"
assert_match "main config holds the [agent] settings" '^arp_ignore = 1$' "$(cat "$CONF" 2>&1)"
snapshot rs >"$TDIR/applied"

play
assert_rc "second run: ansible-playbook exits 0" 0
assert_json "second run: the config task is ok, not changed, and so was the apply" "$OUT" \
	"${CONFIG}[\"changed\"] is False and ${CONFIG}[\"apply\"][\"changed\"] is False and ${CONFIG}[\"files\"] == []"
assert_json "second run: recap changed=0" "$OUT" \
	"${STATS}[\"changed\"] == 0 and ${STATS}[\"failures\"] == 0 and ${STATS}[\"ok\"] > 0"
assert_snapshot "second run: namespace unchanged" rs "$TDIR/applied"

# ---- 2. drift: a VIP deleted by hand; check mode sees it, changes nothing.
# The failing runs below must leave the drifted namespace as it is; the last
# run repairs it.
ip -n "$(ns_name rs)" addr del 198.51.100.10/32 dev lo
snapshot rs >"$TDIR/drifted"
cp "$STATE" "$TDIR/state.applied"
play --check
assert_rc "check mode: exits 0" 0
assert_json "check mode: the plan reports the drift as changed" "$OUT" \
	"${CONFIG}[\"changed\"] is True and ${CONFIG}[\"files\"] == [] and [c[\"target\"] for c in ${CONFIG}[\"plan\"][\"changes\"]] == [\"198.51.100.10/32 dev lo\"]"
assert_json "check mode: no apply" "$OUT" "\"apply\" not in ${CONFIG}"
assert_snapshot "check mode: namespace unchanged" rs "$TDIR/drifted"
# the staged config: a new service is in the plan, its drop-in is not written
vars "$SERVICES
  - name: extra
    address: 198.51.100.50"
play --check
assert_rc "check mode, staged: exits 0" 0
assert_json "check mode, staged: the plan holds the new service's VIP and the drift" "$OUT" \
	"${CONFIG}[\"changed\"] is True and sorted(c[\"target\"] for c in ${CONFIG}[\"plan\"][\"changes\"]) == [\"198.51.100.10/32 dev lo\", \"198.51.100.50/32 dev lo\"]"
assert_json "check mode, staged: the new drop-in reported, with its text as the diff" "$OUT" \
	"${CONFIG}[\"files\"] == [\"$D/extra.conf\"] and \"address = 198.51.100.50\" in ${CONFIG}[\"diff\"][0][\"after\"]"
[ ! -e "$D/extra.conf" ] && pass "check mode, staged: the new drop-in not written" ||
	fail "check mode, staged: the new drop-in not written" "$D/extra.conf exists"
assert_snapshot "check mode, staged: namespace unchanged" rs "$TDIR/drifted"
cmp -s "$STATE" "$TDIR/state.applied" && pass "check mode: journal unchanged" ||
	fail "check mode: journal unchanged" "the journal changed"

# ---- 3. a fragment with an invalid address: refused before it is written
vars "$SERVICES
  - name: bad
    address: [198.51.100.30, 198.51.100.300]"
play
assert_eq "invalid address: the play fails (exit 2)" 2 "$RC"
assert_json "invalid address: the agent's FILE:LINE: message names the drop-in to be written" "$OUT" \
	"${CONFIG}[\"failed\"] is True and ${CONFIG}[\"msg\"] == '$D/bad.conf:4: vip \"bad\": \"198.51.100.300\" is not an IPv4 or IPv6 address'"
assert_json "invalid address: no apply" "$OUT" "\"apply\" not in ${CONFIG}"
if [ ! -e "$D/bad.conf" ]; then
	pass "invalid address: the fragment was not written"
else
	fail "invalid address: the fragment was not written" "$(cat "$D/bad.conf")"
fi
assert_snapshot "invalid address: namespace unchanged" rs "$TDIR/drifted"

# ---- 4. the same VIP in two services: the staged check fails naming both drop-ins
# (dup.conf sorts before web.conf, so the error is at web.conf's line)
vars "$SERVICES
  - name: dup
    address: 198.51.100.10"
play
assert_eq "duplicate VIP: the play fails (exit 2)" 2 "$RC"
assert_json "duplicate VIP: the staged check failed with exit 2" "$OUT" \
	"${CONFIG}[\"failed\"] is True and ${CONFIG}[\"rc\"] == 2"
assert_json "duplicate VIP: its message names both drop-ins and lines" "$OUT" \
	"${CONFIG}[\"msg\"] == '$D/web.conf:4: vip \"web\": 198.51.100.10 is already listed at $D/dup.conf:4 (vip \"dup\")'"
[ ! -e "$D/dup.conf" ] && pass "duplicate VIP: dup.conf not written" ||
	fail "duplicate VIP: dup.conf not written" "$D/dup.conf exists"
assert_snapshot "duplicate VIP: namespace unchanged" rs "$TDIR/drifted"
if cmp -s "$STATE" "$TDIR/state.applied"; then
	pass "config errors: journal unchanged"
else
	fail "config errors: journal unchanged" "the journal changed"
fi

# ---- 5. a service removed: drop-in purged, VIPs gone; foreign drop-ins stay;
# the drift is repaired
printf '; the operator'"'"'s own\n[vip own]\naddress = 203.0.113.7\n' >"$D/own.conf"
printf '; %s\n[vip gone]\naddress = 198.51.100.60\n' 'managed by Ansible (role lvs_rs_agent)' >"$D/gone.conf"
vars '  - name: web
    address: [198.51.100.10, 2001:db8::10]
  - name: new
    address: 198.51.100.40
  - name: mail
    state: absent'
play
assert_rc "service removed: ansible-playbook exits 0" 0
assert_json "service removed: the config task is changed" "$OUT" "${CONFIG}[\"changed\"] is True"
assert_json "service removed: apply -.25 (mail), +.40 (new), +.10 (drift), +203.0.113.7 (own.conf)" "$OUT" \
	"sorted((c[\"op\"], c[\"target\"]) for c in ${CONFIG}[\"apply\"][\"changes\"]) == [(\"+\", \"198.51.100.10/32 dev lo\"), (\"+\", \"198.51.100.40/32 dev lo\"), (\"+\", \"203.0.113.7/32 dev lo\"), (\"-\", \"198.51.100.25/32 dev lo\")]"
for f in mail gone; do
	if [ ! -e "$D/$f.conf" ]; then pass "service removed: $f.conf purged"
	else fail "service removed: $f.conf purged" "still there"; fi
done
if [ -e "$D/own.conf" ]; then pass "service removed: the operator's own.conf kept"
else fail "service removed: the operator's own.conf kept" "deleted"; fi
assert_no_addr "namespace: 198.51.100.25 gone" rs lo 198.51.100.25
assert_addr "namespace: 198.51.100.40/32 on lo" rs lo 198.51.100.40 32
assert_addr "namespace: 198.51.100.10/32 back on lo" rs lo 198.51.100.10 32

# ---- nothing written to ~/.ansible; the namespace restored
home_new=$(find "${HOME:-/root}/.ansible" -newer "$TDIR/stamp" 2>/dev/null | head -3)
assert_eq "nothing written to ~/.ansible" "" "$home_new"

# ---- 6. the whole role absent
STATE_WANTED=absent vars '  - name: web
    address: [198.51.100.10, 2001:db8::10]'
play
assert_rc "absent: ansible-playbook exits 0" 0
assert_json "absent: the revert task is changed" "$OUT" "$TASK(\"Revert (lvs-rs-agent revert)\")[\"changed\"] is True"
assert_snapshot "absent: the namespace equals its state before the first run" rs "$TDIR/before"
[ ! -e "$ETC" ] && [ ! -e "$SBIN/lvs-rs-agent" ] && pass "absent: config and agent removed" ||
	fail "absent: config and agent removed" "$(ls -d "$ETC" "$SBIN"/* 2>&1 | tr '\n' ' ')"
test -e "$STATE" && fail "absent: journal gone" "$STATE is still there" || pass "absent: journal gone"

lvst_done
