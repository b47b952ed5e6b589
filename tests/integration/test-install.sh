#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test-install.sh - `make install DESTDIR=... PREFIX=/usr` puts every file where Debian
# expects it (binary in /usr/sbin, man pages in /usr/share/man/man8 and man5, the unit in
# systemd's unit directory, the example config in /usr/share/doc, the bash completion in
# /usr/share/bash-completion/completions, the JSON schema in /usr/share/lvs-rs-agent),
# `man -l` renders both
# pages without warnings, a PREFIX=/usr/local install points the unit at its binary, and
# `make uninstall` removes everything again. Only a mktemp DESTDIR is touched.
. "$(dirname "$0")/lib.sh"

lvst_require_cmd make install
lvst_require_agent
UNITDIR=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
[ -n "$UNITDIR" ] || UNITDIR=/lib/systemd/system
# bash-completion loads completions/<command> on demand from here.
COMPDIR=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null)
[ -n "$COMPDIR" ] || COMPDIR=/usr/share/bash-completion/completions

D=$TDIR/destdir
echo "\$ make install DESTDIR=$D PREFIX=/usr"
if out=$(make -s --no-print-directory install DESTDIR="$D" PREFIX=/usr 2>&1); then
	pass "make install"
else
	fail "make install" "$out"
	lvst_done
fi
(cd "$D" && find . -type f -printf '  %m %p\n' | sort -k2)

# expect_file NAME PATH MODE
expect_file() {
	local m
	if [ ! -f "$D$2" ]; then
		fail "$1" "$2 not installed"
	elif m=$(stat -c %a "$D$2") && [ "$m" != "$3" ]; then
		fail "$1" "$2 has mode $m, expected $3"
	else
		pass "$1 $2"
	fi
}
expect_file binary /usr/sbin/lvs-rs-agent 755
expect_file man8 /usr/share/man/man8/lvs-rs-agent.8 644
expect_file man5 /usr/share/man/man5/lvs-rs-agent.conf.5 644
expect_file unit "$UNITDIR/lvs-rs-agent.service" 644
expect_file verify-unit "$UNITDIR/lvs-rs-agent-verify.service" 644
expect_file verify-timer "$UNITDIR/lvs-rs-agent-verify.timer" 644
# No config: an enabled unit must not apply an example's VIPs on a real server.
[ -e "$D/etc/lvs-rs-agent/agent.conf" ] && fail "no config" "make install wrote /etc/lvs-rs-agent/agent.conf" ||
	pass "no config installed"
expect_file example /usr/share/doc/lvs-rs-agent/examples/agent.conf 644
expect_file completion "$COMPDIR/lvs-rs-agent" 644
expect_file "JSON schema" /usr/share/lvs-rs-agent/lvs-rs-agent.schema.json 644

v=$("$D/usr/sbin/lvs-rs-agent" --version 2>&1)
if [ $? = 0 ] && [ -n "$v" ]; then pass "installed binary runs ($v)"; else fail "installed binary runs" "$v"; fi
if cmp -s systemd/lvs-rs-agent.service "$D$UNITDIR/lvs-rs-agent.service"; then
	pass "unit with PREFIX=/usr is the shipped unit"
else
	fail "unit with PREFIX=/usr is the shipped unit" \
		"$(diff systemd/lvs-rs-agent.service "$D$UNITDIR/lvs-rs-agent.service")"
fi
if cmp -s completion/lvs-rs-agent "$D$COMPDIR/lvs-rs-agent" &&
	spec=$(bash --norc --noprofile -c '. "$1" && complete -p lvs-rs-agent' x \
		"$D$COMPDIR/lvs-rs-agent" 2>&1) &&
	[ "$spec" = "complete -F _lvs_rs_agent lvs-rs-agent" ]; then
	pass "installed completion is the shipped one and registers lvs-rs-agent"
else
	fail "installed completion" "differs from completion/lvs-rs-agent or does not register: ${spec:-}"
fi
# Nothing may land outside the expected places.
extra=$(cd "$D" && find . -type f | sed 's#^\.##' | grep -vxF -e /usr/sbin/lvs-rs-agent \
	-e /usr/share/man/man8/lvs-rs-agent.8 -e /usr/share/man/man5/lvs-rs-agent.conf.5 \
	-e "$UNITDIR/lvs-rs-agent.service" -e /usr/share/doc/lvs-rs-agent/examples/agent.conf \
	-e "$UNITDIR/lvs-rs-agent-watch.service" \
	-e "$UNITDIR/lvs-rs-agent-verify.service" -e "$UNITDIR/lvs-rs-agent-verify.timer" \
	-e "$COMPDIR/lvs-rs-agent" -e /usr/share/lvs-rs-agent/lvs-rs-agent.schema.json)
# Files other issues install (bash completion, ...) are reported, not failed.
[ -z "$extra" ] || echo "  also installed: $(echo $extra)"

if command -v man >/dev/null; then
	for p in /usr/share/man/man8/lvs-rs-agent.8 /usr/share/man/man5/lvs-rs-agent.conf.5; do
		[ -f "$D$p" ] || continue
		txt=$(MANWIDTH=80 man --warnings -l "$D$p" 2> "$TDIR/man.err")
		rc=$?
		err=$(cat "$TDIR/man.err")
		echo "\$ man -l $p | head -4"
		echo "$txt" | head -4 | sed 's/^/  /'
		if [ $rc = 0 ] && [ -z "$err" ] && echo "$txt" | grep -q '^NAME' &&
			[ "$(echo "$txt" | wc -l)" -gt 20 ]; then
			pass "man -l ${p##*/} ($(echo "$txt" | wc -l) lines)"
		else
			fail "man -l ${p##*/}" "exit $rc, warnings: $err"
		fi
	done
else
	skip "man -l" "man not installed"
fi

echo "\$ make uninstall DESTDIR=$D PREFIX=/usr"
if out=$(make -s --no-print-directory uninstall DESTDIR="$D" PREFIX=/usr 2>&1); then
	left=$(cd "$D" && find . -type f)
	if [ -z "$left" ]; then pass "make uninstall"; else fail "make uninstall" "left: $(echo $left)"; fi
else
	fail "make uninstall" "$out"
fi

# PREFIX=/usr/local: the installed unit must start the binary where it was installed.
L=$TDIR/destdir-local
if out=$(make -s --no-print-directory install DESTDIR="$L" PREFIX=/usr/local 2>&1); then
	n=$(grep -cE '^Exec(Start|Stop|Reload)=/usr/local/sbin/lvs-rs-agent ' "$L$UNITDIR/lvs-rs-agent.service")
	if [ -x "$L/usr/local/sbin/lvs-rs-agent" ] && [ "$n" = 3 ]; then
		pass "PREFIX=/usr/local unit runs /usr/local/sbin/lvs-rs-agent"
	else
		fail "PREFIX=/usr/local" "binary or the 3 Exec lines missing ($n)"
	fi
else
	fail "PREFIX=/usr/local install" "$out"
fi
lvst_done
