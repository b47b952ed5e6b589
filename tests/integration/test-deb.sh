#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-deb.sh - `make deb` builds the Debian package into build/deb (the systemd VM test
# installs and purges that very file), and lintian reports no error and no warning:
#   build     make deb exits 0 and leaves build/deb/lvs-rs-agent_VERSION_ARCH.deb
#   lintian   lintian --fail-on error,warning: no E: and no W: line
#   contents  the binary, both man pages, the three units, the example config (not in
#             /etc), the completion; the binary links its libraries shared (LINK=shared)
#   maintscripts  no unit enabled or started by postinst; prerm stops the unit on remove and
#             refuses when it stays active or kept its journal; postrm purge removes
#             /etc/lvs-rs-agent and /run/lvs-rs-agent
. "$(dirname "$0")/lib.sh"

lvst_require_cmd make dpkg-buildpackage lintian dh git
DEB_DIR=build/deb
echo "\$ make deb"
if out=$(make --no-print-directory deb 2>&1); then
	pass "build"
else
	echo "$out" | tail -n 30 | sed 's/^/  /'
	fail "build" "make deb failed: $(echo "$out" | tail -n 1)"
	lvst_done
fi
deb=$(ls "$DEB_DIR"/lvs-rs-agent_*_*.deb 2>/dev/null | grep -v dbgsym | head -n 1)
[ -n "$deb" ] || { fail "build" "no .deb in $DEB_DIR"; lvst_done; }
echo "  $deb"

lintian --fail-on error,warning "$deb" > "$TDIR/lintian" 2>&1
rc=$?
out=$(grep -v 'running with root privileges' "$TDIR/lintian")
echo "$out" | sed 's/^/  lintian: /'
if [ "$rc" = 0 ] && ! grep -qE '^[EW]: ' <<<"$out"; then
	pass "lintian"
else
	fail "lintian" "exit $rc: $(grep -E '^[EW]: ' <<<"$out" | head -n 3 | tr '\n' ' ')"
fi

list=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's#^\./#/#')
missing=""
for f in /usr/sbin/lvs-rs-agent /usr/share/man/man8/lvs-rs-agent.8.gz \
	/usr/share/man/man5/lvs-rs-agent.conf.5.gz /lib/systemd/system/lvs-rs-agent.service \
	/lib/systemd/system/lvs-rs-agent-watch.service \
	/lib/systemd/system/lvs-rs-agent-verify.service /lib/systemd/system/lvs-rs-agent-verify.timer \
	/usr/share/doc/lvs-rs-agent/examples/agent.conf /usr/share/doc/lvs-rs-agent/copyright \
	/usr/share/bash-completion/completions/lvs-rs-agent; do
	grep -qxF "$f" <<<"$list" || missing="$missing $f"
done
grep -q '^/etc/' <<<"$list" && missing="$missing (ships a file in /etc: $(grep '^/etc/' <<<"$list" | head -n 1))"
x=$TDIR/x
dpkg-deb -x "$deb" "$x"
libs=$(objdump -p "$x/usr/sbin/lvs-rs-agent" 2>/dev/null | awk '$1 == "NEEDED" { print $2 }' | tr '\n' ' ')
echo "  NEEDED: $libs"
for l in libmnl libnftnl libcap-ng libjson-c; do
	grep -q "$l\.so" <<<"$libs" || missing="$missing (not linked shared: $l)"
done
[ -z "$missing" ] && pass "contents" || fail "contents" "missing:$missing"

c=$TDIR/ctl
dpkg-deb -e "$deb" "$c"
why=""
grep -qE 'deb-systemd-helper enable|deb-systemd-invoke (start|restart)' "$c/postinst" &&
	! grep -q 'was-enabled' "$c/postinst" && why="$why postinst enables or starts a unit;"
grep -qE '^[^#]*deb-systemd-invoke (start|restart)' "$c/postinst" && why="$why postinst starts a unit;"
tr -d '\\\n' < "$c/prerm" | grep -qE 'deb-systemd-invoke stop [^;]*lvs-rs-agent\.service' ||
	why="$why prerm does not stop lvs-rs-agent.service;"
grep -q 'rm -rf /etc/lvs-rs-agent /run/lvs-rs-agent' "$c/postrm" || why="$why postrm purge keeps /etc or /run;"
# a stop that kept the server prepared (broken config) must not lead to a purge of its journal
grep -q '^[^#]*-s /run/lvs-rs-agent/state' "$c/prerm" || why="$why prerm removes a package whose journal is still there;"
[ -z "$why" ] && pass "maintscripts" || fail "maintscripts" "$why"
lvst_done
