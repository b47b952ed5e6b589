#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The tree's shape (HACKING.md, "Layout"), by tools/check-layout.sh: within
# each module folder no two files call or include each other in a circle,
# in the build's objects and in the fault build's; no C file of the tree
# over 700 lines. The negative controls run the same check on small trees
# made here: a circle of calls over three files, one of includes through a
# header that belongs to no file, and a file of 701 lines are each found
# and named; a one-way tree and a file of 700 lines pass.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_cmd nm tsort cc
CHECK=$LVST_ROOT/tools/check-layout.sh

# check ARGS...: run the check, its output in OUT and its exit in RC.
check()
{
	OUT=$("$CHECK" "$@" 2>&1)
	RC=$?
}

# expect NAME RC LINE...: PASS when the last check exited RC and its output
# has each LINE (a grep -x regex).
expect()
{
	local name=$1 want=$2 line

	shift 2
	if [ "$RC" -ne "$want" ]; then
		fail "$name" "exit $RC, not $want: $OUT"
		return
	fi
	for line in "$@"; do
		if ! grep -qx -- "$line" <<<"$OUT"; then
			fail "$name" "no line \"$line\": $OUT"
			return
		fi
	done
	pass "$name"
}

# ---- the tree itself

for objdir in "$BUILD/obj" "$BUILD/fault"; do
	what=build
	[ "${objdir##*/}" = fault ] && what="fault build"
	for d in agent arp conf lib netconf tunnel; do
		check -o "$objdir" circles "$d"
		expect "$d: no circle ($what)" 0 "layout: $d: no circle .*"
	done
done

check lines
expect "no C file over 700 lines" 0 "layout: [0-9]* C files, none over 700 lines"

# ---- negative controls: small trees with their objects

# mk DIR FILE TEXT: FILE of the tree in DIR, and its object when a .c.
mk()
{
	local t=$1 f=$2

	mkdir -p "$t/$(dirname "$f")" "$t/obj/$(dirname "$f")"
	printf '%s\n' "$3" >"$t/$f"
	case $f in
	*.c) cc -c -I"$t" -o "$t/obj/${f%.c}.o" "$t/$f" || fail "setup" "cc $f" ;;
	esac
}

# Calls in a circle over three files: a -> b -> c -> a.
T=$TDIR/calls
mk "$T" x/a.c 'int b(void); int a(void) { return b(); }'
mk "$T" x/b.c 'int c(void); int b(void) { return c(); }'
mk "$T" x/c.c 'int a(void); int c(void) { return a() + 1; }'
check -r "$T" -o "$T/obj" circles x
expect "a circle of calls is found (negative control)" 1 \
	"layout: x: circle between a.c b.c c.c:" "  c.c a.c calls a"

# Cut one call: one way down, no circle.
mk "$T" x/c.c 'int c(void) { return 1; }'
check -r "$T" -o "$T/obj" circles x
expect "a one-way tree passes" 0 "layout: x: no circle (2 edges between its files)"

# Includes in a circle, one of them through a header of no file's own:
# p.c includes q.h; q.c includes internal.h, which includes p.h. No call.
T=$TDIR/includes
mk "$T" y/p.h '#define P 1'
mk "$T" y/q.h '#define Q 1'
mk "$T" y/internal.h '#include "p.h"'
mk "$T" y/p.c '#include "q.h"
int p(void) { return Q; }'
mk "$T" y/q.c '#include "../y/internal.h"
int q(void) { return P; }'
check -r "$T" -o "$T/obj" circles y
expect "a circle of includes through a header is found (negative control)" 1 \
	"layout: y: circle between p.c q.c:" "  q.c p.c includes p.h"

# A missing object is an error, not a pass.
rm "$T/obj/y/q.o"
check -r "$T" -o "$T/obj" circles y
expect "a missing object is an error" 2 "layout: y: .*/q.o missing: build first"

# Lines: 700 pass, 701 are named.
T=$TDIR/lines
mkdir -p "$T/z"
seq 700 | sed 's#.*#/* & */#' >"$T/z/ok.c"
seq 700 | sed 's#.*#/* & */#' >"$T/z/long.h"
check -r "$T" lines
expect "a file of 700 lines passes" 0 "layout: 2 C files, none over 700 lines"
echo '/* 701 */' >>"$T/z/long.h"
check -r "$T" lines
expect "a file of 701 lines is named (negative control)" 1 \
	"layout: z/long.h: 701 lines, more than 700"

lvst_done
