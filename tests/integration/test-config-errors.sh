#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A bad config is refused before anything happens: check-config and apply
# exit 2 with exactly one line FILE:LINE: on stderr naming the offending
# line, and the kernel state of the namespace is unchanged. The slips an
# operator makes (an indented key line, commas between addresses, a misspelt
# key, a key in the wrong section) say what was meant, and the config mended
# as they say passes. A good config passes check-config.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent
lab_new || { fail setup "could not build the rs/peer namespaces"; exit 1; }
snapshot rs >"$TDIR/before" || { fail setup "snapshot failed"; exit 1; }

LONG=$(printf 'x%.0s' $(seq 1100))

# bad NAME LINE [MESSAGE]: the config comes on stdin; LINE is the line the
# error must name, MESSAGE (an extended regex) what it must say after it.
bad()
{
	local name=$1 line=$2 msg=${3:-.+} conf="$TDIR/$1.conf" cmd re nlines

	cat >"$conf"
	re="^(lvs-rs-agent: )?${conf//./\\.}:$line: $msg\$"
	for cmd in check-config apply; do
		STATE=$TDIR/$name.state agent_run rs -c "$conf" "$cmd"
		assert_rc "$name: $cmd exits 2" 2
		nlines=$(printf '%s' "$ERR" | grep -c '')
		if [ "$nlines" -eq 1 ] && grep -Eq -- "$re" <<<"$ERR"; then
			pass "$name: $cmd prints one line FILE:$line:"
		else
			fail "$name: $cmd prints one line FILE:$line:" "stderr ($nlines lines): ${ERR:-<empty>}"
		fi
	done
	if [ -e "$TDIR/$name.state" ]; then
		fail "$name: no journal written" "$TDIR/$name.state exists"
	else
		pass "$name: no journal written"
	fi
	assert_snapshot "$name: kernel unchanged" rs "$TDIR/before"
}

bad bad-address 3 <<'EOF'
[vip web]
mode = dr
address = 198.51.100.10 300.1.1.1
EOF

bad duplicate-vip 5 <<'EOF'
[vip web]
address = 198.51.100.10 2001:db8:100::1

[vip api]
address = 198.51.100.11 198.51.100.10/32
EOF

bad duplicate-vip-ipv6-spelling 3 <<'EOF'
[vip web]
address = 2001:db8:100::1
	2001:0db8:0100:0000:0000:0000:0000:0001
EOF

bad arp-ignore-0 3 <<'EOF'
[agent]
arp_suppress = sysctl
arp_ignore = 0

[vip web]
address = 198.51.100.10
EOF

bad arp-announce-garbage 2 <<'EOF'
[agent]
arp_announce = 2x
[vip web]
address = 198.51.100.10
EOF

bad line-too-long 3 <<EOF
[vip web]
address = 198.51.100.10
; $LONG
EOF

bad non-host-prefix 2 <<'EOF'
[vip web]
address = 198.51.100.0/24
EOF

bad multicast 4 <<'EOF'
[agent]

[vip web]
address = 224.0.0.5
EOF

bad link-local-ipv6 2 <<'EOF'
[vip web]
address = fe80::1
EOF

bad device-name-too-long 3 <<'EOF'
[vip web]
address = 198.51.100.10
device = abcdefghijklmnop
EOF

bad unknown-key 2 <<'EOF'
[agent]
arp_ignor = 1
[vip web]
address = 198.51.100.10
EOF

# The slips an operator makes get a hint that says what was meant.
bad indented-key 3 '"mode = tun": an indented line continues the previous value \(address\): remove the indentation or join the lines' <<'EOF'
[vip web]
address = 198.51.100.10
    mode = tun
EOF

bad commas 2 'vip "web": addresses are separated by spaces, not commas: "198\.51\.100\.10, 198\.51\.100\.11"' <<'EOF'
[vip web]
address = 198.51.100.10, 198.51.100.11
EOF

bad misspelt-key 2 'unknown key "arp_ignor" in \[agent\]: did you mean arp_ignore\?' <<'EOF'
[agent]
arp_ignor = 1
[vip web]
address = 198.51.100.10
EOF

bad key-in-the-wrong-section 3 'vip "web": unknown key "arp_ignore": it belongs under \[agent\]' <<'EOF'
[vip web]
address = 198.51.100.10
arp_ignore = 1
EOF

# ... and the same configs, mended as the hints say, pass.
good_after()
{
	local name=$1 conf="$TDIR/$1-fixed.conf"

	cat >"$conf"
	STATE=$TDIR/$name.state agent_run rs -c "$conf" check-config
	assert_rc "$name, mended: check-config exits 0" 0
}
good_after indented-key <<'EOF'
[vip web]
address = 198.51.100.10
mode = tun
EOF
good_after commas <<'EOF'
[vip web]
address = 198.51.100.10 198.51.100.11
EOF
good_after misspelt-key <<'EOF'
[agent]
arp_ignore = 1
[vip web]
address = 198.51.100.10
EOF

# ---- a good config (with the accepted extras: BOM, CRLF, comments, /32)
GOOD=$TDIR/good.conf
printf '\357\273\277# good\r\n[agent]\r\narp_suppress = sysctl ; inline comment\r\narp_ignore = 2\r\narp_announce = 2\r\n\r\n[vip web]\r\naddress = 198.51.100.10/32 203.0.113.7\r\n\t2001:db8:100::1/128\r\nmode = dr\r\ndevice = lo\r\n' >"$GOOD"
STATE=$TDIR/good.state agent_run rs -c "$GOOD" check-config
assert_rc "good config: check-config exits 0" 0
assert_eq "good config: check-config prints nothing on stderr" "" "$ERR"
assert_snapshot "good config: check-config changed nothing" rs "$TDIR/before"

# A config that is missing is an error too, not an empty config.
STATE=$TDIR/missing.state agent_run rs -c "$TDIR/does-not-exist.conf" apply
assert_rc "missing config: apply exits 2" 2
assert_match "missing config: message names the file" "does-not-exist\.conf" "$ERR"
assert_snapshot "missing config: kernel unchanged" rs "$TDIR/before"

lvst_done
