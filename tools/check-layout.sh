#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# tools/check-layout.sh [-r ROOT] [-o OBJDIR] [-n MAX] [circles [FOLDER...] | lines]
#
# The tree's shape, as HACKING.md ("Layout") asks it:
#
#   circles  Within each FOLDER (default: the modules agent arp conf lib
#            netconf tunnel) no two files call or include each other in a
#            circle. A file X.c points to Y.c of the same folder when X.o uses
#            a symbol Y.o defines (nm, objects under OBJDIR/FOLDER), or when
#            X.c includes Y.h, directly or through other headers of the tree.
#            A circle is named with the edges that make it.
#   lines    No C file (.c, .h) of the tree has more than MAX lines.
#
# Without a mode, both. ROOT is the tree (default: this script's repository),
# OBJDIR the objects of a build of it (default ROOT/$BUILD/obj, BUILD default
# build), MAX 700. Exit 0 when the shape holds, 1 when it does not, 2 on a
# usage error or a missing object.

set -u -o pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OBJDIR=
MAX=700
MODULES=(agent arp conf lib netconf tunnel)

usage()
{
	echo "usage: $0 [-r ROOT] [-o OBJDIR] [-n MAX] [circles [FOLDER...] | lines]" >&2
	exit 2
}

while getopts r:o:n: opt; do
	case $opt in
	r) ROOT=$(cd "$OPTARG" && pwd) || exit 2 ;;
	o) OBJDIR=$OPTARG ;;
	n) MAX=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[[ $MAX =~ ^[0-9]+$ ]] || usage
OBJDIR=${OBJDIR:-$ROOT/${BUILD:-build}/obj}
case $OBJDIR in /*) ;; *) OBJDIR=$PWD/$OBJDIR ;; esac
MODE=${1:-both}
[ $# -gt 0 ] && shift
case $MODE in
circles | both) [ $# -gt 0 ] && FOLDERS=("$@") || FOLDERS=("${MODULES[@]}") ;;
lines) [ $# -eq 0 ] || usage ;;
*) usage ;;
esac
cd "$ROOT" || exit 2

# The C files of the tree, relative to ROOT: git's (tracked and new) in a
# checkout, else every one outside the build directories.
c_files()
{
	if [ "$(git rev-parse --show-toplevel 2>/dev/null)" = "$ROOT" ]; then
		git ls-files --cached --others --exclude-standard -- '*.c' '*.h'
	else
		find . \( -name .git -o -name 'build*' \) -prune -o \
			-type f \( -name '*.c' -o -name '*.h' \) -print | sed 's#^\./##'
	fi | sort -u
}

# norm PATH: REPLY = PATH relative to ROOT without "." and ".." parts.
norm()
{
	local IFS=/ part out=()

	set -f
	for part in $1; do
		case $part in
		'' | .) ;;
		..) [ ${#out[@]} -gt 0 ] && unset 'out[-1]' ;;
		*) out+=("$part") ;;
		esac
	done
	set +f
	REPLY="${out[*]}"
}

# includes FILE: the files FILE names in #include "..." lines, relative to
# ROOT: beside FILE first, then from ROOT (the build's -I.).
includes()
{
	local f=$1 inc p

	while IFS= read -r inc; do
		for p in "${f%/*}/$inc" "$inc"; do
			norm "$p"
			if [ -f "$REPLY" ]; then
				echo "$REPLY"
				break
			fi
		done
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
}

# REACH = every file FILE reaches through #include, itself not counted.
declare -A INC
closure()
{
	local todo=("$1") seen=" $1 " f g

	REACH=()
	while [ ${#todo[@]} -gt 0 ]; do
		f=${todo[0]}
		todo=("${todo[@]:1}")
		[ -n "${INC[$f]+x}" ] || INC[$f]=$(includes "$f")
		for g in ${INC[$f]}; do
			case $seen in *" $g "*) continue ;; esac
			seen+="$g "
			todo+=("$g")
			REACH+=("$g")
		done
	done
}

# edges FOLDER: "FROM TO WHY" lines between the .c files of FOLDER.
edges()
{
	local d=$1 c o h t sym

	for c in "$d"/*.c; do
		[ -f "$c" ] || continue
		closure "$c"
		for h in "${REACH[@]}"; do
			case $h in "$d"/*.h) ;; *) continue ;; esac
			t=${h%.h}.c
			[ "$t" != "$c" ] && [ -f "$t" ] && echo "${c##*/} ${t##*/} includes ${h##*/}"
		done
	done
	# Symbols: who defines each global one, then who uses it.
	for c in "$d"/*.c; do
		[ -f "$c" ] || continue
		o=$OBJDIR/${c%.c}.o
		nm -g --defined-only "$o" | awk -v f="${c##*/}" 'NF == 3 { print "D", $3, f }'
		nm -u "$o" | awk -v f="${c##*/}" '{ print "U", $NF, f }'
	done | awk '
		$1 == "D" { def[$2] = $3; next }
		{ use[++n] = $3 " " $2 }
		END {
			for (i = 1; i <= n; i++) {
				split(use[i], u, " ")
				if ((u[2] in def) && def[u[2]] != u[1])
					print u[1], def[u[2]], "calls " u[2]
			}
		}'
}

check_circles()
{
	local d c bad=0 e loop n

	for d in "${FOLDERS[@]}"; do
		d=${d%/}
		if [ ! -d "$d" ]; then
			echo "layout: $d: no such folder" >&2
			return 2
		fi
		for c in "$d"/*.c; do
			[ -f "$c" ] || continue
			if [ ! -f "$OBJDIR/${c%.c}.o" ]; then
				echo "layout: $d: $OBJDIR/${c%.c}.o missing: build first" >&2
				return 2
			fi
		done
		e=$(edges "$d" | sort -u) || return 2
		# tsort names the files of each loop it finds on stderr.
		loop=$(awk '{ print $1, $2 }' <<<"$e" | tsort 2>&1 >/dev/null |
			sed -n 's/^tsort: \([^:]*\)$/\1/p' | sort -u | tr '\n' ' ')
		n=$(grep -c . <<<"$e")
		if [ -z "$loop" ]; then
			echo "layout: $d: no circle ($n edges between its files)"
			continue
		fi
		bad=1
		echo "layout: $d: circle between ${loop% }:"
		awk -v l=" $loop" 'index(l, " " $1 " ") && index(l, " " $2 " ") {
			print "  " $0 }' <<<"$e"
	done
	return $bad
}

check_lines()
{
	local f n bad=0 files=0

	while IFS= read -r f; do
		files=$((files + 1))
		n=$(wc -l <"$f")
		if [ "$n" -gt "$MAX" ]; then
			echo "layout: $f: $n lines, more than $MAX"
			bad=1
		fi
	done < <(c_files)
	[ "$bad" -eq 0 ] && echo "layout: $files C files, none over $MAX lines"
	return $bad
}

rc=0
if [ "$MODE" != lines ]; then
	check_circles
	r=$?
	[ $r -gt $rc ] && rc=$r
fi
if [ "$MODE" != circles ] && [ $rc -lt 2 ]; then
	check_lines || rc=1
fi
exit $rc
