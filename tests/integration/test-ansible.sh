#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# contrib/ansible, role lvs_rs_agent (issue 7), run for real with
# `ansible-playbook -i localhost, -c local` against a network namespace: the
# role's binary is a wrapper in $TDIR that runs the agent under
# `ip netns exec`, so nothing touches the host's network; config and journal
# live in $TDIR, and so does everything ansible writes (ANSIBLE_HOME, local
# and remote temp). The json stdout callback gives each task's result.
#  1. first run: the apply task is changed, the VIPs are in the namespace,
#     verify passes; second run: changed=0 for every task
#  2. check mode (plan) notices drift (a VIP deleted by hand), changes nothing
#  3. a fragment with an invalid address fails the play with the agent's
#     "FILE:LINE: message"; it is not written, namespace and journal stay
#  4. the same VIP in two services fails the apply task with the message
#     naming both drop-ins; namespace unchanged
#     (exit 3, a runtime failure, takes the same path: rc != 0 fails the task
#     with the agent's stderr in the result)
#  5. a service removed from the list: its drop-in is purged, its VIPs go;
#     an operator's own drop-in stays; the drift is repaired
# ansible-core comes from Debian (tools/deps.sh).

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
mkdir -p "$TDIR/bin" "$A"

# The binary the role runs: the agent inside the namespace.
cat >"$TDIR/bin/lvs-rs-agent" <<EOF
#!/bin/sh
exec ip netns exec $(ns_name rs) $AGENT_BIN "\$@"
EOF
chmod 0755 "$TDIR/bin/lvs-rs-agent"

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

# play [ARGS...]: run the test playbook; sets RC, OUT (the json callback's
# document) and ERR
play()
{
	env ANSIBLE_CONFIG="$A/ansible.cfg" ANSIBLE_HOME="$A/home" \
		ANSIBLE_LOCAL_TEMP="$A/tmp" ANSIBLE_REMOTE_TEMP="$A/remote-tmp" \
		ANSIBLE_ROLES_PATH="$LVST_ROOT/contrib/ansible/roles" \
		ANSIBLE_STDOUT_CALLBACK=json ANSIBLE_NOCOLOR=1 \
		ANSIBLE_RETRY_FILES_ENABLED=0 ANSIBLE_LOCALHOST_WARNING=0 \
		ANSIBLE_PIPELINING=1 \
		ANSIBLE_INVENTORY_UNPARSED_WARNING=0 \
		ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3 \
		ansible-playbook -i localhost, -c local "$TDIR/site.yml" \
		-e "@$TDIR/vars.yml" "$@" >"$TDIR/.out" 2>"$TDIR/.err"
	RC=$?
	OUT=$(cat "$TDIR/.out")
	ERR=$(cat "$TDIR/.err")
}

# Python expressions over the json callback's document d.
# task("NAME"): the localhost result of the role's task whose name ends so
TASK='(lambda n: [t["hosts"]["localhost"] for t in d["plays"][0]["tasks"] if t["task"]["name"].endswith(n)][-1])'
APPLY="$TASK(\"Apply the configuration (lvs-rs-agent apply)\")"
VERIFY="$TASK(\"Verify the kernel against the configuration (lvs-rs-agent verify)\")"
STATS='d["stats"]["localhost"]'
# every string under a "stderr" key, anywhere in the document
STDERRS='(lambda f: f(f, d))(lambda f, x: [s for v in (x.values() if isinstance(x, dict) else x if isinstance(x, list) else []) for s in f(f, v)] + ([x["stderr"]] if isinstance(x, dict) and isinstance(x.get("stderr"), str) else []))'

SERVICES='  - name: web
    address: [198.51.100.10, 2001:db8::10]
  - name: mail
    address: 198.51.100.25'

snapshot rs >"$TDIR/before" || { fail setup "snapshot failed"; exit 1; }
touch "$TDIR/stamp"

# ---- 1. first run, second run
vars "$SERVICES"
play
assert_rc "first run: ansible-playbook exits 0" 0
assert_json "first run: the apply task is changed" "$OUT" "${APPLY}[\"changed\"] is True"
assert_json "first run: the agent's JSON said changed true" "$OUT" \
	"json.loads(${APPLY}[\"stdout\"])[\"changed\"] is True"
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
assert_json "second run: the apply task is ok, not changed" "$OUT" \
	"${APPLY}[\"changed\"] is False and ${APPLY}[\"rc\"] == 0"
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
assert_json "check mode: the apply task runs plan and reports the drift as changed" "$OUT" \
	"${APPLY}[\"changed\"] is True and \"plan\" in ${APPLY}[\"cmd\"] and [c[\"target\"] for c in json.loads(${APPLY}[\"stdout\"])[\"changes\"]] == [\"198.51.100.10/32 dev lo\"]"
assert_snapshot "check mode: namespace unchanged" rs "$TDIR/drifted"

# ---- 3. a fragment with an invalid address: refused before it is written
vars "$SERVICES
  - name: bad
    address: [198.51.100.30, 198.51.100.300]"
play
assert_eq "invalid address: the play fails (exit 2)" 2 "$RC"
assert_json "invalid address: the agent's FILE:LINE: message is in the output" "$OUT" \
	"any(__import__(\"re\").match(r'^/\\S+:4: vip \"bad\": \"198\\.51\\.100\\.300\" is not an IPv4 or IPv6 address\$', s) for s in $STDERRS)"
assert_json "invalid address: the apply task did not run" "$OUT" \
	"not any(t[\"task\"][\"name\"].endswith(\"(lvs-rs-agent apply)\") for t in d[\"plays\"][0][\"tasks\"])"
if [ ! -e "$D/bad.conf" ]; then
	pass "invalid address: the fragment was not written"
else
	fail "invalid address: the fragment was not written" "$(cat "$D/bad.conf")"
fi
assert_snapshot "invalid address: namespace unchanged" rs "$TDIR/drifted"

# ---- 4. the same VIP in two services: apply fails naming both drop-ins
# (dup.conf sorts before web.conf, so the error is at web.conf's line)
vars "$SERVICES
  - name: dup
    address: 198.51.100.10"
play
assert_eq "duplicate VIP: the play fails (exit 2)" 2 "$RC"
assert_json "duplicate VIP: the apply task failed with exit 2" "$OUT" \
	"${APPLY}[\"failed\"] is True and ${APPLY}[\"rc\"] == 2"
assert_json "duplicate VIP: its stderr names both drop-ins and lines" "$OUT" \
	"${APPLY}[\"stderr\"] == '$D/web.conf:4: vip \"web\": 198.51.100.10 is already listed at $D/dup.conf:4 (vip \"dup\")'"
assert_snapshot "duplicate VIP: namespace unchanged" rs "$TDIR/drifted"
if cmp -s "$STATE" "$TDIR/state.applied"; then
	pass "config errors: journal unchanged"
else
	fail "config errors: journal unchanged" "the journal changed"
fi

# ---- 5. a service removed: drop-in purged, VIPs gone; foreign drop-ins stay;
# the drift is repaired
printf '; the operator'"'"'s own\n[vip own]\naddress = 203.0.113.7\n' >"$D/own.conf"
vars '  - name: web
    address: [198.51.100.10, 2001:db8::10]
  - name: new
    address: 198.51.100.40'
play
assert_rc "service removed: ansible-playbook exits 0" 0
assert_json "service removed: the apply task is changed" "$OUT" "${APPLY}[\"changed\"] is True"
assert_json "service removed: apply -.25 (mail), +.40 (new), +.10 (drift), +203.0.113.7 (own.conf)" "$OUT" \
	"sorted((c[\"op\"], c[\"target\"]) for c in json.loads(${APPLY}[\"stdout\"])[\"changes\"]) == [(\"+\", \"198.51.100.10/32 dev lo\"), (\"+\", \"198.51.100.40/32 dev lo\"), (\"+\", \"203.0.113.7/32 dev lo\"), (\"-\", \"198.51.100.25/32 dev lo\")]"
for f in mail dup; do
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
agent_run rs -c "$CONF" revert
assert_rc "revert exits 0" 0
assert_snapshot "after revert the namespace equals its state before the first run" \
	rs "$TDIR/before"

lvst_done
