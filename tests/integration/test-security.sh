#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The journal's directory belongs to the unit's dynamic user and root runs the
# agent by hand: what the directory's owner can plant there never makes root's
# run write anything but the agent's own files and the agent's own kernel
# objects. Each protection beside its negative control:
#
#   - lock: a symlink, a hard link, a FIFO, a directory at STATE.lock, and
#     another user's symlink in place of the journal's directory are refused
#     (exit 3, one line naming what it is, within the wait), the file they
#     point to keeps its content and mode; a plain lock file, and root's
#     symlink as the directory (systemd's for the unit), work;
#   - STATE.tmp planted as a symlink, a hard link or a FIFO: apply replaces it
#     and the file it pointed to is untouched;
#   - the journal as a symlink or a FIFO: status and revert refuse it at once;
#   - a journal naming a sysctl outside the agent's own (kernel/hostname, in a
#     UTS namespace of the test's own; net/ipv4/ip_forward) is damaged:
#     revert, status and apply refuse it and write nothing, its valid lines
#     neither; the same journal without that line is reverted;
#   - --prometheus onto a device node (mknod'd in $TDIR), a symlink, a FIFO,
#     a directory: refused, left as they are; a regular file is replaced;
#   - a config or drop-in that is a FIFO: exit 2 at once; -w nan, inf, -1,
#     -0: exit 2; -w 0.5 is taken;
#   - the journal cannot be written (ENOSPC on a tmpfs mounted in a mount
#     namespace of the test's own; EACCES): exit 3, text and JSON say nothing
#     was changed, the kernel is untouched; with room the same apply works;
#   - max_vips: 10,001 VIPs are refused (exit 2, FILE:LINE naming the limit),
#     max_vips = 10001 takes them (check-config).

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent
lvst_require_cmd unshare mknod mkfifo

ns_new rs || { fail setup "could not create the namespace"; exit 1; }
CONF=$TDIR/agent.conf
write_web_conf "$CONF" 198.51.100.10 2001:db8:100::1
snapshot rs >"$TDIR/before" || { fail setup "snapshot failed"; exit 1; }

# A file someone wants root's run to write through: its content and mode
# must never change.
VICTIM=$TDIR/victim
printf 'secret\n' >"$VICTIM"
chmod 0600 "$VICTIM"
victim_intact()
{
	assert_eq "$1: $VICTIM keeps its content and mode" "secret 600" \
		"$(tr -d '\n' <"$VICTIM") $(stat -c %a "$VICTIM")"
}

# one_line NAME REGEX: stderr is exactly one line, matching REGEX
one_line()
{
	local n

	n=$(printf '%s' "$ERR" | grep -c '')
	if [ "$n" -eq 1 ] && grep -Eq -- "$2" <<<"$ERR"; then
		pass "$1"
	else
		fail "$1" "stderr ($n lines): ${ERR:-<empty>}; wanted one line matching /$2/"
	fi
}

# one_message NAME REGEX: stderr holds one error message (of at most two
# lines: the second indented) whose first line matches REGEX; warnings
# before it do not count
one_message()
{
	local msg n

	msg=$(awk '/^lvs-rs-agent: warning: /{w=1; next} w && /^  /{next} {w=0; print}' <<<"$ERR")
	n=$(printf '%s' "$msg" | grep -c '')
	if [ "$n" -ge 1 ] && [ "$n" -le 2 ] && head -1 <<<"$msg" | grep -Eq -- "$2" &&
		{ [ "$n" -eq 1 ] || sed -n 2p <<<"$msg" | grep -q '^  '; }; then
		pass "$1"
	else
		fail "$1" "stderr ($n lines): ${ERR:-<empty>}; wanted one message matching /$2/"
	fi
}

# timed NAME MAX ARGS...: agent_run, and PASS when it took at most MAX s
timed()
{
	local name=$1 max=$2 t0 ms

	shift 2
	t0=$(date +%s%N)
	agent_run "$@"
	ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	if [ "$ms" -le $((max * 1000)) ]; then
		pass "$name (${ms} ms)"
	else
		fail "$name" "took ${ms} ms, more than ${max} s"
	fi
}

# ---- the lock
L=$TDIR/lk
mkdir "$L"
STATE=$L/state
ln -s "$VICTIM" "$STATE.lock"
for cmd in apply revert status; do
	agent_run rs -c "$CONF" -w 1 "$cmd"
	assert_rc "lock symlink: $cmd exits 3" 3
	one_line "lock symlink: $cmd says the lock is a symlink" \
		"^lvs-rs-agent: cannot open ${STATE//./\\.}\.lock: a symbolic link"
done
victim_intact "lock symlink"
assert_eq "lock symlink: it is still a symlink to the victim" "$VICTIM" "$(readlink "$STATE.lock")"
assert_snapshot "lock symlink: nothing applied" rs "$TDIR/before"
[ -e "$STATE" ] && fail "lock symlink: no journal" "$STATE exists" || pass "lock symlink: no journal"

# hard link: O_NOFOLLOW does not see it, the link count does
rm -f "$STATE.lock"
ln "$VICTIM" "$STATE.lock"
agent_run rs -c "$CONF" apply
assert_rc "lock hard link: apply exits 3" 3
one_line "lock hard link: apply says why" "cannot open .*: a file with more than one hard link"
victim_intact "lock hard link"
assert_snapshot "lock hard link: nothing applied" rs "$TDIR/before"

# FIFO and directory: refused at once, not after the wait
rm -f "$STATE.lock"
mkfifo "$STATE.lock"
for cmd in apply status; do
	timed "lock FIFO: $cmd ends at once" 5 rs -c "$CONF" -w 30 "$cmd"
	assert_rc "lock FIFO: $cmd exits 3" 3
	one_line "lock FIFO: $cmd says why" "cannot open .*: not a regular file \(a FIFO"
done
rm -f "$STATE.lock"
mkdir "$STATE.lock"
agent_run rs -c "$CONF" apply
assert_rc "lock directory: apply exits 3" 3
one_line "lock directory: apply says why" "cannot open .*: a directory"
rmdir "$STATE.lock"

# the journal's directory itself another user's symlink: refused; root's
# own (as systemd makes /run/lvs-rs-agent for the unit) is followed
mkdir "$TDIR/real"
ln -s "$TDIR/real" "$TDIR/linkdir"
chown -h 65534:65534 "$TDIR/linkdir"
STATE=$TDIR/linkdir/state agent_run rs -c "$CONF" apply
assert_rc "journal directory another user's symlink: apply exits 3" 3
one_line "journal directory another user's symlink: apply says why" \
	"cannot open .*linkdir/state\.lock: a symbolic link, or in another user's symlinked directory: not followed$"
assert_eq "journal directory another user's symlink: nothing written through it" "" \
	"$(ls -A "$TDIR/real")"
chown -h 0:0 "$TDIR/linkdir"
STATE=$TDIR/linkdir/state agent_run rs -c "$CONF" apply
assert_rc "journal directory root's symlink (negative control): apply exits 0" 0
STATE=$TDIR/linkdir/state agent_run rs revert
assert_rc "journal directory root's symlink: revert exits 0" 0

# negative control: a plain lock file works
STATE=$L/state
agent_run rs -c "$CONF" apply
assert_rc "plain lock file: apply exits 0" 0
agent_run rs revert
assert_rc "plain lock file: revert exits 0" 0
assert_snapshot "plain lock file: revert restores" rs "$TDIR/before"

# ---- the temporary journal: whatever is at STATE.tmp is replaced, never
# written through
for kind in symlink hardlink fifo; do
	rm -f "$STATE.tmp"
	case $kind in
	symlink) ln -s "$VICTIM" "$STATE.tmp" ;;
	hardlink) ln "$VICTIM" "$STATE.tmp" ;;
	fifo) mkfifo "$STATE.tmp" ;;
	esac
	agent_run rs -c "$CONF" apply
	assert_rc "$kind at state.tmp: apply exits 0" 0
	victim_intact "$kind at state.tmp"
	[ -e "$STATE.tmp" ] || [ -L "$STATE.tmp" ] &&
		fail "$kind at state.tmp: gone after the apply" "$(ls -l "$STATE.tmp")" ||
		pass "$kind at state.tmp: gone after the apply"
	agent_run rs revert
	assert_rc "$kind at state.tmp: revert exits 0" 0
done
assert_snapshot "state.tmp: revert restores" rs "$TDIR/before"

# ---- the journal itself: a symlink or a FIFO is not read
ln -s "$VICTIM" "$STATE"
for cmd in status revert apply; do
	agent_run rs -c "$CONF" "$cmd"
	assert_rc "journal symlink: $cmd exits 3" 3
	one_line "journal symlink: $cmd says why" "cannot read journal ${STATE//./\\.}: a symbolic link"
done
assert_no_match "journal symlink: nothing of the victim shown" secret "$OUT$ERR"
rm -f "$STATE"
mkfifo "$STATE"
timed "journal FIFO: status ends at once" 5 rs -c "$CONF" -w 30 status
assert_rc "journal FIFO: status exits 3" 3
one_line "journal FIFO: status says why" "cannot read journal .*: not a regular file"
rm -f "$STATE"
assert_snapshot "journal symlink, FIFO: nothing changed" rs "$TDIR/before"

# ---- a journal may name only what the agent makes. kernel/hostname is per
# UTS namespace: the test's own (unshare -u), so even a bug cannot rename
# the host.
J=$TDIR/planted
HEAD='{"format":"lvs-rs-agent journal","version":2,"config":"/etc/lvs-rs-agent/agent.conf","created":1,"updated":2,"steps":%d}\n'
GOOD='{"kind":"sysctl","target":"net/ipv4/conf/all/arp_ignore","order":10,"want":"1","prior":"0"}'
BAD='{"kind":"sysctl","target":"kernel/hostname","order":10,"want":"1","prior":"pwned"}'
{ printf "$HEAD" 2; printf '%s\n%s\n' "$GOOD" "$BAD"; } >"$J"
cp "$J" "$J.orig"
sysctl_set rs net.ipv4.conf.all.arp_ignore 1
# revert_uts CMD: the agent's CMD on $J in rs, in a UTS namespace named
# lvst-before; prints the hostname after it on stdout's last line.
revert_uts()
{
	in_ns rs unshare -u sh -c 'hostname lvst-before && "$@"; rc=$?; echo; echo "rc=$rc host=$(cat /proc/sys/kernel/hostname)"' \
		sh "$AGENT_BIN" -s "$J" -c "$CONF" "$1" >"$TDIR/.out" 2>"$TDIR/.err"
	OUT=$(cat "$TDIR/.out")
	ERR=$(cat "$TDIR/.err")
	RC=$(sed -n 's/^rc=\([0-9]*\) .*/\1/p' <<<"$OUT")
	HOST=$(sed -n 's/^rc=[0-9]* host=//p' <<<"$OUT")
}
for cmd in revert status apply; do
	revert_uts "$cmd"
	assert_rc "journal naming kernel/hostname: $cmd exits 3" 3
	one_message "journal naming kernel/hostname: $cmd says line 3 is damaged, and why" \
		"journal ${J//./\\.}: line 3: damaged: sysctl \"kernel/hostname\" is not one the agent makes;$"
	assert_eq "journal naming kernel/hostname: $cmd leaves the hostname" lvst-before "$HOST"
done
assert_sysctl "journal naming kernel/hostname: its valid line is not written either" rs \
	net.ipv4.conf.all.arp_ignore 1
assert_eq "journal naming kernel/hostname: the journal is left as it was" "" \
	"$(cmp "$J" "$J.orig" 2>&1)"
# a sysctl of the network namespace, but not one of the agent's
FWD=$(sysctl_get rs net.ipv4.ip_forward)
{ printf "$HEAD" 2; printf '%s\n%s\n' "$GOOD" \
	'{"kind":"sysctl","target":"net/ipv4/ip_forward","order":10,"want":"1","prior":"7"}'; } >"$J"
STATE=$J agent_run rs revert
assert_rc "journal naming net/ipv4/ip_forward: revert exits 3" 3
one_message "journal naming net/ipv4/ip_forward: revert says why" \
	'line 3: damaged: sysctl "net/ipv4/ip_forward" is not one the agent makes'
assert_sysctl "journal naming net/ipv4/ip_forward: left as it was" rs net.ipv4.ip_forward "$FWD"
# negative control: without the planted line, revert writes the prior value
{ printf "$HEAD" 1; printf '%s\n' "$GOOD"; } >"$J"
revert_uts revert
assert_rc "the journal without the planted line: revert exits 0" 0
assert_sysctl "the journal without the planted line: arp_ignore restored to 0" rs \
	net.ipv4.conf.all.arp_ignore 0
assert_eq "the journal without the planted line: hostname unchanged" lvst-before "$HOST"
assert_snapshot "planted journals: the namespace is as before" rs "$TDIR/before"

# ---- --prometheus: only a regular file is replaced
P=$TDIR/prom
mkdir "$P"
mknod "$P/null" c 1 3
printf 'old\n' >"$P/real.prom"
ln -s "$P/real.prom" "$P/link.prom"
mkfifo "$P/fifo.prom"
mkdir "$P/dir.prom"
for t in null link.prom fifo.prom dir.prom; do
	timed "--prometheus onto $t: verify ends at once" 5 rs -c "$CONF" --prometheus "$P/$t" verify
	assert_rc "--prometheus onto $t: exit 3" 3
	assert_match "--prometheus onto $t: says why" \
		"cannot write the metrics file ${P//./\\.}/$t: (not a regular file|a symbolic link|a directory)" "$ERR"
done
assert_eq "--prometheus onto a device node: still the character device 1,3" \
	"character special file 1,3" "$(stat -c '%F %t,%T' "$P/null")"
assert_eq "--prometheus onto a symlink: still a symlink, its target untouched" \
	"$P/real.prom old" "$(readlink "$P/link.prom") $(cat "$P/real.prom")"
assert_eq "--prometheus onto a FIFO, a directory: left as they are" "fifo directory" \
	"$(stat -c %F "$P/fifo.prom" | cut -d' ' -f1) $(stat -c %F "$P/dir.prom")"
assert_eq "--prometheus: no temporary file left" "" "$(ls -A "$P" | grep tmp)"
agent_run rs -c "$CONF" --prometheus "$P/real.prom" verify
assert_rc "--prometheus onto a regular file: verify exits 1 (nothing applied)" 1
assert_match "--prometheus onto a regular file: replaced with the metrics" \
	'^lvs_rs_agent_verify_success 0$' "$(cat "$P/real.prom")"

# ---- FIFOs as config and drop-in, and --wait
mkfifo "$TDIR/fifo.conf"
for cmd in check-config apply; do
	timed "config FIFO: $cmd ends at once" 5 rs -c "$TDIR/fifo.conf" -w 30 "$cmd"
	assert_rc "config FIFO: $cmd exits 2" 2
	one_line "config FIFO: $cmd says FILE: a FIFO" \
		"^${TDIR//./\\.}/fifo\.conf: a FIFO, not a regular file: the config is read from regular files only$"
done
mkdir "$CONF.d"
mkfifo "$CONF.d/10-fifo.conf"
timed "drop-in FIFO: apply ends at once" 5 rs -c "$CONF" apply
assert_rc "drop-in FIFO: apply exits 2" 2
one_line "drop-in FIFO: apply names it" "^${CONF//./\\.}\.d/10-fifo\.conf: a FIFO, not a regular file"
rm -rf "$CONF.d"
for w in nan inf -1 -0 -nan 1e9; do
	agent_run rs -c "$CONF" -w "$w" apply
	assert_rc "-w $w: exit 2" 2
	one_line "-w $w: says why" "^lvs-rs-agent: --wait \"$w\": not a number of seconds from 0 to 86400$"
done
assert_snapshot "FIFOs, --wait: nothing applied" rs "$TDIR/before"
agent_run rs -c "$CONF" -w 0.5 apply
assert_rc "-w 0.5 (negative control): apply exits 0" 0
agent_run rs revert
assert_rc "-w 0.5: revert exits 0" 0

# ---- the journal cannot be written: nothing changes, and the output says so
# full_apply FILL JSON|TEXT: apply with the journal on a 64k tmpfs, filled
# up when FILL is "full", mounted in a mount namespace that dies with the
# command; when the apply succeeds, a revert from the same journal follows
# (its output in $TDIR/revert.rc).
full_apply()
{
	local out=$TDIR/full.out err=$TDIR/full.err fmt=()

	mkdir -p "$TDIR/full"
	[ "$2" = json ] && fmt=(--json)
	in_ns rs unshare -m --propagation private sh -c '
		dir=$1 fill=$2 rcfile=$3; shift 3
		mount -t tmpfs -o size=64k lvst-full "$dir" || exit 99
		[ "$fill" = full ] && dd if=/dev/zero of="$dir/fill" bs=4k 2>/dev/null
		"$@" apply || exit
		"$@" revert >/dev/null 2>&1
		echo $? >"$rcfile"' sh "$TDIR/full" "$1" "$TDIR/revert.rc" \
		"$AGENT_BIN" -s "$TDIR/full/state" -c "$CONF" "${fmt[@]}" >"$out" 2>"$err"
	RC=$?
	OUT=$(cat "$out")
	ERR=$(cat "$err")
}
full_apply full json
assert_rc "ENOSPC: apply exits 3" 3
one_line "ENOSPC: one line: cannot write the journal, nothing was changed" \
	"^lvs-rs-agent: apply: cannot write the journal ${TDIR//./\\.}/full/state: No space left on device; nothing was changed$"
assert_json "ENOSPC: --json says changed false, each change \"not made\"" "$OUT" \
	'd["changed"] is False and len(d["changes"]) == 6 and all(c["state"] == "not made" for c in d["changes"]) and "No space left" in d["error"]'
assert_snapshot "ENOSPC: the kernel is untouched" rs "$TDIR/before"
assert_eq "ENOSPC: the tmpfs was never mounted on the host" "" "$(ls -A "$TDIR/full")"
full_apply full text
assert_rc "ENOSPC, text: apply exits 3" 3
assert_no_match "ENOSPC, text: no change is listed as made" '^[-+~] ' "$OUT"
assert_match "ENOSPC, text: each change is listed as not made" \
	'^\(not made\) \+ address 198\.51\.100\.10/32 dev lo$' "$OUT"
full_apply room json
assert_rc "ENOSPC negative control (room on the tmpfs): apply exits 0" 0
assert_json "... --json says changed true, each change done" "$OUT" \
	'd["changed"] is True and all(c["state"] == "done" for c in d["changes"])'
assert_eq "... and its revert exits 0" 0 "$(cat "$TDIR/revert.rc")"
assert_snapshot "ENOSPC negative control: revert restores" rs "$TDIR/before"

# EACCES: a directory of another user, the lock file root's own (so the lock
# is taken and the journal's temporary file is what fails)
D=$TDIR/other
install -d -m 0755 -o 65534 -g 65534 "$D"
install -m 0644 /dev/null "$D/state.lock"
STATE=$D/state agent_run rs -c "$CONF" --json apply
assert_rc "EACCES: apply exits 3" 3
one_line "EACCES: one line: cannot write the journal, nothing was changed" \
	"cannot write the journal ${D//./\\.}/state: Permission denied; nothing was changed$"
assert_json "EACCES: --json says changed false, each change \"not made\"" "$OUT" \
	'd["changed"] is False and d["changes"] and all(c["state"] == "not made" for c in d["changes"])'
assert_snapshot "EACCES: the kernel is untouched" rs "$TDIR/before"

# ---- max_vips: 10,001 VIPs are refused at the first one over the limit
BIG=$TDIR/big.conf
"$PYTHON" - "$BIG" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("[vip big]\naddress = 2001:db8:f::1\n")
    for i in range(2, 10002):
        f.write("\t2001:db8:%x::%x\n" % (0x100 + i // 65536, i % 65536 + 1))
PY
agent_run rs -c "$BIG" check-config
assert_rc "10,001 VIPs: check-config exits 2" 2
one_line "10,001 VIPs: FILE:LINE of VIP 10,001, the limit and how to raise it" \
	"^${BIG//./\\.}:10002: vip \"big\": VIP number 10001 is over \[agent\] max_vips = 10000: .*raise max_vips to allow more$"
agent_run rs -c "$BIG" apply
assert_rc "10,001 VIPs: apply exits 2" 2
assert_snapshot "10,001 VIPs: nothing applied" rs "$TDIR/before"
sed -i '1i [agent]\nmax_vips = 10001' "$BIG"
agent_run rs -c "$BIG" check-config
assert_rc "10,001 VIPs with max_vips = 10001: check-config exits 0" 0

lvst_done
