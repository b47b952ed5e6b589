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

# ---- the tree itself

for objdir in "$BUILD/obj" "$BUILD/fault"; do
	what=${objdir##*/}
	[ "$what" = obj ] && what=build || what="fault build"
	for d in agent arp conf lib netconf tunnel; do
		out=$("$CHECK" -o "$objdir" circles "$d" 2>&1)
		rc=$?
		if [ $rc -eq 0 ] && grep -q "^layout: $d: no circle" <<<"$out"; then
			pass "$d: no circle ($what)"
		else
			fail "$d: no circle ($what)" "exit $rc: $out"
		fi
	done
done

out=$("$CHECK" lines 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -q "none over 700 lines" <<<"$out"; then
	pass "no C file over 700 lines"
else
	fail "no C file over 700 lines" "exit $rc: $out"
fi

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
out=$("$CHECK" -r "$T" -o "$T/obj" circles x 2>&1)
rc=$?
if [ $rc -eq 1 ] && grep -q '^layout: x: circle between a.c b.c c.c:' <<<"$out" &&
	grep -q '^  c.c a.c calls a$' <<<"$out"; then
	pass "a circle of calls is found (negative control)"
else
	fail "a circle of calls is found (negative control)" "exit $rc: $out"
fi

# Cut one call: one way down, no circle.
mk "$T" x/c.c 'int c(void) { return 1; }'
out=$("$CHECK" -r "$T" -o "$T/obj" circles x 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -q '^layout: x: no circle (2 edges' <<<"$out"; then
	pass "a one-way tree passes"
else
	fail "a one-way tree passes" "exit $rc: $out"
fi

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
out=$("$CHECK" -r "$T" -o "$T/obj" circles y 2>&1)
rc=$?
if [ $rc -eq 1 ] && grep -q '^layout: y: circle between p.c q.c:' <<<"$out" &&
	grep -q '^  q.c p.c includes p.h$' <<<"$out"; then
	pass "a circle of includes through a header is found (negative control)"
else
	fail "a circle of includes through a header is found (negative control)" "exit $rc: $out"
fi

# A missing object is an error, not a pass.
rm "$T/obj/y/q.o"
out=$("$CHECK" -r "$T" -o "$T/obj" circles y 2>&1)
rc=$?
if [ $rc -eq 2 ] && grep -q 'q.o missing' <<<"$out"; then
	pass "a missing object is an error"
else
	fail "a missing object is an error" "exit $rc: $out"
fi

# Lines: 700 pass, 701 are named.
T=$TDIR/lines
mkdir -p "$T/z"
seq 700 | sed 's#.*#/* & */#' >"$T/z/ok.c"
seq 700 | sed 's#.*#/* & */#' >"$T/z/long.h"
out=$("$CHECK" -r "$T" lines 2>&1)
rc=$?
if [ $rc -eq 0 ]; then
	pass "a file of 700 lines passes"
else
	fail "a file of 700 lines passes" "exit $rc: $out"
fi
echo '/* 701 */' >>"$T/z/long.h"
out=$("$CHECK" -r "$T" lines 2>&1)
rc=$?
if [ $rc -eq 1 ] && [ "$out" = "layout: z/long.h: 701 lines, more than 700" ]; then
	pass "a file of 701 lines is named (negative control)"
else
	fail "a file of 701 lines is named (negative control)" "exit $rc: $out"
fi

lvst_done
