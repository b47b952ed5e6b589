#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Least privilege (issue 3, done-when 9): as uid 65534 with nothing but an
# ambient CAP_NET_ADMIN, apply/verify/revert work (read back from the
# kernel); without CAP_NET_ADMIN (uid 65534 without capabilities, or root
# with CAP_NET_ADMIN removed from its bounding set) apply and revert exit 3
# with a message naming CAP_NET_ADMIN, and nothing changes.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_cmd setpriv
lvst_require_agent
lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }

NOBODY=65534
# The agent runs as another uid: it must be able to reach the binary, read
# the config and write the journal's directory.
lvst_agent_for_others
mkdir -m 0700 "$TDIR/run"
chown "$NOBODY:$NOBODY" "$TDIR/run"
STATE=$TDIR/run/state
CONF=$TDIR/agent.conf
cat >"$CONF" <<'EOF'
[agent]
arp_ignore = 1
arp_announce = 2
[vip web]
address = 198.51.100.10 203.0.113.10 2001:db8:100::1
EOF
chmod 0644 "$CONF"
if ! setpriv "--reuid=$NOBODY" "--regid=$NOBODY" --clear-groups test -x "$AGENT_BIN"; then
	skip_all "uid $NOBODY cannot execute $AGENT_BIN (a parent directory is not searchable)"
fi

# LeakSanitizer needs ptrace, which an unprivileged process lacks.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0

AMBIENT=(setpriv "--reuid=$NOBODY" "--regid=$NOBODY" --clear-groups
	 --inh-caps=-all,+net_admin --ambient-caps=-all,+net_admin)
NOCAPS=(setpriv "--reuid=$NOBODY" "--regid=$NOBODY" --clear-groups
	--inh-caps=-all --ambient-caps=-all)
ROOT_NO_NET_ADMIN=(setpriv --bounding-set=-net_admin --inh-caps=-net_admin)

# run_as WRAPPER... -- agent args: run the agent in the rs namespace through a
# setpriv command line; sets RC, OUT, ERR like agent_run.
run_as()
{
	local w=()

	while [ "$1" != -- ]; do
		w+=("$1")
		shift
	done
	shift
	in_ns rs "${w[@]}" "$AGENT_BIN" -s "$STATE" "$@" >"$TDIR/.out" 2>"$TDIR/.err"
	RC=$?
	OUT=$(cat "$TDIR/.out")
	ERR=$(cat "$TDIR/.err")
}

snapshot rs >"$TDIR/before" || { fail setup "snapshot failed"; exit 1; }

# ---- without CAP_NET_ADMIN
run_as "${NOCAPS[@]}" -- -c "$CONF" apply
assert_rc "uid $NOBODY without capabilities: apply exits 3" 3
assert_match "uid $NOBODY without capabilities: message names CAP_NET_ADMIN" \
	'^lvs-rs-agent: .*CAP_NET_ADMIN' "$ERR"
assert_snapshot "uid $NOBODY without capabilities: nothing changed" rs "$TDIR/before"

run_as "${ROOT_NO_NET_ADMIN[@]}" -- -c "$CONF" apply
assert_rc "root without CAP_NET_ADMIN: apply exits 3" 3
assert_match "root without CAP_NET_ADMIN: message names CAP_NET_ADMIN" 'CAP_NET_ADMIN' "$ERR"
assert_snapshot "root without CAP_NET_ADMIN: nothing changed" rs "$TDIR/before"

run_as "${NOCAPS[@]}" -- -c "$CONF" check-config
assert_rc "uid $NOBODY without capabilities: check-config still works" 0

# ---- uid 65534 with ambient CAP_NET_ADMIN only
run_as "${AMBIENT[@]}" -- -c "$CONF" --json apply
assert_rc "uid $NOBODY + ambient CAP_NET_ADMIN: apply exits 0" 0
assert_json "uid $NOBODY + ambient CAP_NET_ADMIN: apply changed true" "$OUT" \
	'd["changed"] is True and d["ok"] is True'
assert_addr "kernel: 198.51.100.10/32 on lo" rs lo 198.51.100.10 32 'a["scope"] == "global"'
assert_addr "kernel: 203.0.113.10/32 on lo" rs lo 203.0.113.10 32 'a["scope"] == "global"'
assert_addr "kernel: 2001:db8:100::1/128 on lo, deprecated" rs lo 2001:db8:100::1 128 \
	'a.get("deprecated") is True and a["preferred_life_time"] == 0'
for c in all lo; do
	assert_sysctl "kernel: $c.arp_ignore = 1" rs "net/ipv4/conf/$c/arp_ignore" 1
	assert_sysctl "kernel: $c.arp_announce = 2" rs "net/ipv4/conf/$c/arp_announce" 2
done
assert_eq "the journal belongs to uid $NOBODY (the run really was unprivileged)" \
	"$NOBODY" "$(stat -c %u "$STATE" 2>&1)"

run_as "${AMBIENT[@]}" -- -c "$CONF" verify
assert_rc "uid $NOBODY + ambient CAP_NET_ADMIN: verify exits 0" 0
run_as "${AMBIENT[@]}" -- -c "$CONF" status
assert_rc "uid $NOBODY + ambient CAP_NET_ADMIN: status exits 0" 0

# Revert refuses without the capability too, and leaves everything in place.
snapshot rs >"$TDIR/applied"
run_as "${NOCAPS[@]}" -- -c "$CONF" revert
assert_rc "uid $NOBODY without capabilities: revert exits 3" 3
assert_match "uid $NOBODY without capabilities: revert names CAP_NET_ADMIN" 'CAP_NET_ADMIN' "$ERR"
assert_snapshot "uid $NOBODY without capabilities: revert changed nothing" rs "$TDIR/applied"

run_as "${AMBIENT[@]}" -- -c "$CONF" revert
assert_rc "uid $NOBODY + ambient CAP_NET_ADMIN: revert exits 0" 0
assert_snapshot "uid $NOBODY + ambient CAP_NET_ADMIN: revert restores the state" rs "$TDIR/before"

lvst_done
