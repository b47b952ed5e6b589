#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The sysctl.d drop-in ([agent] sysctl_dropin): apply writes the agent's
# sysctls as explicit keys to a file of its own, plan and verify show it,
# revert removes it and leaves the directory as it was, a file at the path
# that is not the agent's is refused and untouched, a config that sets no
# sysctl writes none. Then the real systemd-sysctl (when this host has it),
# in a mount namespace of its own whose sysctl.d directories are the test's
# alone: a glob of a file sorted after the drop-in and an explicit key of a
# file sorted before it do not undo the agent's values, as they do without
# the drop-in. Every path is under $TDIR, never the host's /run/sysctl.d.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent
ns_new rs || { fail setup "could not make the namespace"; exit 1; }

# A value is at most 64 bytes: a short name.
SD=$TDIR/sd/sysctl.d
DROPIN=$SD/99-zz-a.conf
CONF=$TDIR/agent.conf
mkdir -p "$SD"
printf '[agent]\nsysctl_dropin = %s\n\n[vip web]\naddress = 198.51.100.10\n' "$DROPIN" >"$CONF"

tree_of() { (cd "$1" && find . -printf '%p %m %s\n' | sort); }
BEFORE=$(tree_of "$TDIR/sd")

agent_run rs -c "$CONF" plan
assert_rc "plan exits 0" 0
assert_match "plan shows the drop-in to be written" "^\+ sysctl\.d $DROPIN\$" "$OUT"
[ -e "$DROPIN" ] && fail "plan writes nothing" "$DROPIN exists" || pass "plan writes nothing"

agent_run rs -c "$CONF" apply
assert_rc "apply exits 0" 0
assert_match "apply says it wrote the drop-in" "^\+ sysctl\.d $DROPIN\$" "$OUT"
assert_eq "the drop-in is mode 0644" 644 "$(stat -c %a "$DROPIN" 2>&1)"
assert_match "its first line is the agent's marker" '^# lvs-rs-agent:' "$(head -1 "$DROPIN")"
assert_eq "it holds the agent's sysctls as explicit keys" \
	"net.ipv4.conf.all.arp_ignore = 1
net.ipv4.conf.lo.arp_ignore = 1
net.ipv4.conf.all.arp_announce = 2
net.ipv4.conf.lo.arp_announce = 2" "$(grep -v '^#' "$DROPIN")"
assert_eq "no temporary file is left" "" "$(find "$SD" -name '.*' -type f)"

agent_run rs -c "$CONF" apply
assert_match "apply again changes nothing" "nothing to change" "$OUT$ERR"
agent_run rs -c "$CONF" verify
assert_rc "verify exits 0" 0
assert_match "verify checks the drop-in" "^ok +sysctl\.d $DROPIN: [0-9a-f]{16}\$" "$OUT"
agent_run rs -c "$CONF" --json verify
assert_json "verify --json has the drop-in's check" "$OUT" \
	"any(c['kind'] == 'sysctl.d' and c['ok'] for c in d['checks'])"

# An edit by hand is drift: verify fails, apply writes the file again.
echo 'net.ipv4.conf.all.arp_ignore = 0' >>"$DROPIN"
agent_run rs -c "$CONF" verify
assert_rc "verify fails on an edited drop-in" 1
agent_run rs -c "$CONF" apply
assert_rc "apply rewrites the edited drop-in" 0
assert_no_match "the edit is gone" "arp_ignore = 0" "$(cat "$DROPIN")"

# A config change rewrites it: arp_ignore 2.
sed -i 's/^\[agent\]$/[agent]\narp_ignore = 2/' "$CONF"
agent_run rs -c "$CONF" apply
assert_rc "apply after a config change exits 0" 0
assert_match "the drop-in follows the config" "^net\.ipv4\.conf\.lo\.arp_ignore = 2\$" \
	"$(cat "$DROPIN")"

agent_run rs -c "$CONF" revert
assert_rc "revert exits 0" 0
assert_match "revert says it removed the drop-in" "^- sysctl\.d $DROPIN\$" "$OUT"
assert_eq "after revert the directory is as before" "$BEFORE" "$(tree_of "$TDIR/sd")"
assert_sysctl "revert puts lo's arp_ignore back" rs net/ipv4/conf/lo/arp_ignore 0

# ---- a file at the path that is not the agent's: refused, untouched
printf 'net.ipv4.conf.all.arp_ignore = 0\n' >"$DROPIN"
touch -d '2001-01-01' "$DROPIN"
SUM=$(stat -c '%Y %s' "$DROPIN"; md5sum <"$DROPIN")
agent_run rs -c "$CONF" apply
assert_rc "apply refuses a foreign file at the path" 3
assert_match "in one line naming the file" "sysctl_dropin $DROPIN exists and is not lvs-rs-agent's" "$ERR"
assert_eq "the refusal is one line" 1 "$(printf '%s\n' "$ERR" | grep -c .)"
assert_eq "the foreign file is untouched" "$SUM" "$(stat -c '%Y %s' "$DROPIN"; md5sum <"$DROPIN")"
assert_sysctl "nothing changed: lo's arp_ignore is still 0" rs net/ipv4/conf/lo/arp_ignore 0
agent_run rs -c "$CONF" plan
assert_rc "plan refuses it too" 3
# Negative control: the same file with the marker is the agent's.
sed -i '1i # lvs-rs-agent: kept from an earlier run' "$DROPIN"
agent_run rs -c "$CONF" apply
assert_rc "a file with the marker is taken as the agent's" 0
agent_run rs -c "$CONF" revert
assert_rc "revert of it exits 0" 0
[ -e "$DROPIN" ] && fail "revert removes the marked file (the agent's, not pre-existing)" \
	"$DROPIN is still there" || pass "revert removes the marked file (the agent's, not pre-existing)"

# ---- none without sysctls, none with no
printf '[agent]\narp_suppress = none\nsysctl_dropin = %s\n\n[vip web]\naddress = 198.51.100.10\n' \
	"$DROPIN" >"$TDIR/none.conf"
agent_run rs -c "$TDIR/none.conf" apply
assert_rc "apply without sysctls exits 0" 0
[ -e "$DROPIN" ] && fail "a config without sysctls writes no drop-in" "$DROPIN exists" ||
	pass "a config without sysctls writes no drop-in"
agent_run rs -c "$TDIR/none.conf" revert
printf '[agent]\nsysctl_dropin = no\n\n[vip web]\naddress = 198.51.100.10\n' >"$TDIR/no.conf"
agent_run rs -c "$TDIR/no.conf" apply
assert_rc "apply with sysctl_dropin = no exits 0" 0
assert_eq "sysctl_dropin = no writes none anywhere" "" \
	"$(find "$TDIR/sd" "$LVS_RS_AGENT_TEST_ROOT" -name '*.conf' 2>/dev/null)"
agent_run rs -c "$TDIR/no.conf" revert

# ---- the default (no) writes none; auto as root: the standard path, under
# the test's root
printf '[vip web]\naddress = 198.51.100.10\n' >"$TDIR/default.conf"
agent_run rs -c "$TDIR/default.conf" apply
assert_rc "apply with the default exits 0" 0
assert_eq "the default writes no drop-in" "" "$(find "$LVS_RS_AGENT_TEST_ROOT" "$TDIR/sd" -name '*.conf')"
agent_run rs -c "$TDIR/default.conf" revert
printf '[agent]\nsysctl_dropin = auto\n[vip web]\naddress = 198.51.100.10\n' >"$TDIR/auto.conf"
agent_run rs -c "$TDIR/auto.conf" apply
assert_rc "apply with auto exits 0" 0
assert_match "auto is /run/sysctl.d/99-zz-lvs-rs-agent.conf" "^\+ sysctl\.d $LVS_RS_AGENT_TEST_ROOT/run/sysctl\.d/99-zz-lvs-rs-agent\.conf\$" "$OUT"
agent_run rs -c "$TDIR/auto.conf" revert
assert_rc "revert with auto exits 0" 0
assert_eq "revert removes it" "" "$(find "$LVS_RS_AGENT_TEST_ROOT" -type f)"
[ -e "$LVS_RS_AGENT_TEST_ROOT/run/sysctl.d" ] &&
	fail "revert removes /run/sysctl.d, which apply made (empty)" "it is still there" ||
	pass "revert removes /run/sysctl.d, which apply made (empty)"
# Negative control: a file of another's beside the agent's keeps the directory.
agent_run rs -c "$TDIR/auto.conf" apply
echo 'net.ipv4.conf.lo.arp_filter = 0' >"$LVS_RS_AGENT_TEST_ROOT/run/sysctl.d/50-other.conf"
agent_run rs -c "$TDIR/auto.conf" revert
assert_rc "revert with another's file beside exits 0" 0
assert_eq "revert leaves /run/sysctl.d and another's file in it" "50-other.conf" \
	"$(ls -A "$LVS_RS_AGENT_TEST_ROOT/run/sysctl.d" 2>&1)"
rm -f "$LVS_RS_AGENT_TEST_ROOT/run/sysctl.d/50-other.conf"

# ---- check-config knows the key
for v in auto no "$DROPIN"; do
	printf '[agent]\nsysctl_dropin = %s\n[vip web]\naddress = 198.51.100.10\n' "$v" >"$TDIR/cc.conf"
	agent_run rs -c "$TDIR/cc.conf" check-config
	assert_rc "check-config takes sysctl_dropin = ${v##*/}" 0
done
for v in yes relative/sysctl.d/a.conf /etc/sysctl.conf /run/sysctl.d/a.txt "/run/sysctl.d/a.conf x"; do
	printf '[agent]\nsysctl_dropin = %s\n[vip web]\naddress = 198.51.100.10\n' "$v" >"$TDIR/cc.conf"
	agent_run rs -c "$TDIR/cc.conf" check-config
	assert_rc "check-config refuses sysctl_dropin = $v" 2
	assert_match "at FILE:LINE" "^$TDIR/cc.conf:2: .*sysctl_dropin" "$ERR"
done

# ---- the real systemd-sysctl against the drop-in
SYSCTLD=/lib/systemd/systemd-sysctl
if [ ! -x "$SYSCTLD" ]; then
	skip systemd-sysctl "$SYSCTLD is not on this host: what systemd-sysctl makes of the drop-in is not tested"
	lvst_done
fi
agent_run rs -c "$CONF" apply
assert_rc "apply for systemd-sysctl exits 0" 0
mkdir -p "$TDIR/etc"
# Sorted after the drop-in: a glob; before it: an explicit key.
echo 'net.ipv4.conf.*.arp_ignore = 0' >"$TDIR/etc/99-zzz-glob.conf"
echo 'net.ipv4.conf.all.arp_announce = 0' >"$TDIR/etc/99-sysctl.conf"

# run_sysctld [--prefix=P]: systemd-sysctl in the namespace and a mount
# namespace whose sysctl.d directories hold only the test's files (every
# mount checked: a directory of the host left visible stops it unrun).
run_sysctld()
{
	ip netns exec "$(ns_name rs)" unshare --mount --propagation private \
		/bin/sh -ec '
		mount -t tmpfs lvst /run
		mkdir /run/sysctl.d
		mount --bind "$1" /run/sysctl.d
		mount --bind "$2" /etc/sysctl.d
		mount -t tmpfs lvst /usr/lib/sysctl.d
		[ ! -d /usr/local/lib/sysctl.d ] || mount -t tmpfs lvst /usr/local/lib/sysctl.d
		[ -z "$(ls /usr/lib/sysctl.d)" ] && [ "$(ls /etc/sysctl.d)" = "$(ls "$2")" ]
		shift 2
		exec '"$SYSCTLD"' "$@"' sh "$SD" "$TDIR/etc" "$@"
}

sysctl_set rs net/ipv4/conf/default/arp_ignore 1
run_sysctld --prefix=net.ipv4.conf >"$TDIR/.sd" 2>&1
RC=$? ERR=$(cat "$TDIR/.sd") OUT=
assert_rc "systemd-sysctl (all of net.ipv4.conf) exits 0" 0
assert_sysctl "the glob sorted after the drop-in sets what the drop-in does not name" \
	rs net/ipv4/conf/default/arp_ignore 0
assert_sysctl "but not all.arp_ignore, an explicit key of the drop-in" rs net/ipv4/conf/all/arp_ignore 2
assert_sysctl "nor lo.arp_ignore" rs net/ipv4/conf/lo/arp_ignore 2
assert_sysctl "an explicit key of a file sorted before it loses" rs net/ipv4/conf/all/arp_announce 2
run_sysctld --prefix=net.ipv4.conf.lo >"$TDIR/.sd" 2>&1
RC=$? ERR=$(cat "$TDIR/.sd") OUT=
assert_rc "systemd-sysctl --prefix=net.ipv4.conf.lo (udev's for a new device) exits 0" 0
assert_sysctl "it keeps the drop-in's value for lo" rs net/ipv4/conf/lo/arp_ignore 2
agent_run rs -c "$CONF" verify
assert_rc "verify after systemd-sysctl exits 0" 0

# Negative control: without the drop-in the same files undo the agent.
mv "$DROPIN" "$TDIR/dropin.saved"
run_sysctld --prefix=net.ipv4.conf >"$TDIR/.sd" 2>&1
assert_sysctl "without the drop-in the glob undoes all.arp_ignore" rs net/ipv4/conf/all/arp_ignore 0
assert_sysctl "and the explicit key all.arp_announce" rs net/ipv4/conf/all/arp_announce 0
mv "$TDIR/dropin.saved" "$DROPIN"
agent_run rs -c "$CONF" revert
assert_rc "revert after systemd-sysctl exits 0" 0
assert_eq "after revert the directory is as before" "$BEFORE" "$(tree_of "$TDIR/sd")"

lvst_done
