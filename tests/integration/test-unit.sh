#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-unit.sh - static checks of systemd/lvs-rs-agent.service with systemd-analyze:
#   verify    `systemd-analyze verify` is clean (no output, exit 0)
#   security  `systemd-analyze security --offline=yes` rates the exposure <= 2.0
# The unit names /usr/sbin/lvs-rs-agent, which need not exist here, and its
# Documentation= man pages, which verify looks up with man(1): the checks run on
# a copy whose Exec*= paths point at the built binary, with MANPATH pointing at
# the pages in doc/. Nothing else in the copy differs from the shipped unit.
. "$(dirname "$0")/lib.sh"

UNIT=systemd/lvs-rs-agent.service
MAX_EXPOSURE=2.0
lvst_require_cmd systemd-analyze
lvst_require_agent
[ -r "$UNIT" ] || { fail exists "$UNIT missing"; lvst_done; }

copy=$TDIR/unit/lvs-rs-agent.service
mkdir -p "$TDIR/unit" "$TDIR/man/man8" "$TDIR/man/man5"
sed "s#=/usr/sbin/lvs-rs-agent #=$AGENT_BIN #" "$UNIT" > "$copy"
# The copy must differ only in the Exec lines, or we would test something else.
d=$(diff "$UNIT" "$copy" | grep -E '^[<>]' | grep -vE '^[<>] Exec(Start|Stop|Reload)=')
[ -z "$d" ] || { fail copy "the copy differs beyond Exec*=: $d"; lvst_done; }
n=$(grep -cE "^Exec(Start|Stop|Reload)=$AGENT_BIN " "$copy")
[ "$n" = 3 ] || { fail copy "expected 3 rewritten Exec lines, got $n"; lvst_done; }
cp doc/lvs-rs-agent.8 "$TDIR/man/man8/"
cp doc/lvs-rs-agent.conf.5 "$TDIR/man/man5/"

echo "\$ MANPATH=$TDIR/man systemd-analyze verify $copy"
out=$(cd "$TDIR" && MANPATH=$TDIR/man SYSTEMD_LOG_COLOR=0 systemd-analyze verify "$copy" 2>&1)
rc=$?
[ -z "$out" ] || echo "$out" | sed 's/^/  /'
echo "  (exit $rc, ${#out} bytes of complaints)"
if [ $rc = 0 ] && [ -z "$out" ]; then
	pass "verify"
else
	fail "verify" "exit $rc: $out"
fi

echo "\$ systemd-analyze security --offline=yes $copy"
out=$(SYSTEMD_COLORS=0 systemd-analyze security --offline=yes --no-pager "$copy" 2>&1)
rc=$?
# The full table for the log; the items that cost something first.
echo "$out" | grep -vE '^✓' | sed 's/^/  /'
echo "  ($(echo "$out" | grep -cE '^✓') settings pass, exit $rc)"
score=$(echo "$out" | sed -nE 's/.*Overall exposure level for [^:]*: ([0-9]+\.[0-9]+).*/\1/p')
if [ -z "$score" ]; then
	fail "security" "no exposure score in the output (exit $rc)"
elif awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s + 0 <= m + 0) }'; then
	echo "exposure: $score (limit $MAX_EXPOSURE)"
	pass "security exposure $score <= $MAX_EXPOSURE"
else
	fail "security" "exposure $score > $MAX_EXPOSURE"
fi

# The options the VM test relies on must be in the unit (a quiet edit could
# otherwise keep the score and lose the behaviour).
for want in Type=oneshot RemainAfterExit=yes \
	'ExecStart=/usr/sbin/lvs-rs-agent --keep-on-config-error apply' \
	'ExecStop=/usr/sbin/lvs-rs-agent --keep-on-config-error revert' \
	'ExecReload=/usr/sbin/lvs-rs-agent apply' 'After=local-fs.target systemd-sysctl.service' \
	'Before=network-pre.target shutdown.target' Wants=network-pre.target WantedBy=multi-user.target \
	CapabilityBoundingSet=CAP_NET_ADMIN AmbientCapabilities=CAP_NET_ADMIN \
	RuntimeDirectory=lvs-rs-agent RuntimeDirectoryPreserve=yes \
	ProtectKernelTunables=yes ReadWritePaths=/proc/sys/net; do
	grep -qxF "$want" "$UNIT" || { fail "settings" "$UNIT lacks $want"; lvst_done; }
done
pass "settings"

# The verify timer and its service: verify clean, exposure within the same limit, and the
# textfile path the README and the man page name.
V=systemd/lvs-rs-agent-verify
for f in $V.service $V.timer; do
	[ -r "$f" ] || { fail "verify-timer" "$f missing"; lvst_done; }
	sed "s#=/usr/sbin/lvs-rs-agent #=$AGENT_BIN #" "$f" > "$TDIR/unit/${f##*/}"
done
out=$(cd "$TDIR" && MANPATH=$TDIR/man SYSTEMD_LOG_COLOR=0 systemd-analyze verify \
	"$TDIR/unit/lvs-rs-agent-verify.service" "$TDIR/unit/lvs-rs-agent-verify.timer" 2>&1)
rc=$?
[ $rc = 0 ] && [ -z "$out" ] && pass "verify-timer: systemd-analyze verify" ||
	fail "verify-timer: systemd-analyze verify" "exit $rc: $out"
out=$(SYSTEMD_COLORS=0 systemd-analyze security --offline=yes --no-pager \
	"$TDIR/unit/lvs-rs-agent-verify.service" 2>&1)
score=$(echo "$out" | sed -nE 's/.*Overall exposure level for [^:]*: ([0-9]+\.[0-9]+).*/\1/p')
if [ -n "$score" ] && awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s + 0 <= m + 0) }'; then
	pass "verify-timer: security exposure $score <= $MAX_EXPOSURE"
else
	fail "verify-timer: security" "exposure '${score:-none}' > $MAX_EXPOSURE"
fi
for want in 'ExecStart=/usr/sbin/lvs-rs-agent --prometheus /var/lib/prometheus/node-exporter/lvs_rs_agent.prom verify' \
	CapabilityBoundingSet=CAP_NET_ADMIN StateDirectory=prometheus/node-exporter ProtectSystem=strict; do
	grep -qxF "$want" $V.service || { fail "verify-timer: settings" "$V.service lacks $want"; lvst_done; }
done
grep -qxF Unit=lvs-rs-agent-verify.service $V.timer || grep -q '^OnUnitActiveSec=' $V.timer ||
	{ fail "verify-timer: settings" "$V.timer starts nothing periodically"; lvst_done; }
pass "verify-timer: settings"
lvst_done
