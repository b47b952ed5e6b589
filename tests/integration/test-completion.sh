#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# completion/lvs-rs-agent (issue 7): sourced into a clean bash, the completion
# function is called with COMP_WORDS/COMP_CWORD set as bash sets them, and its
# candidates are compared: the commands after the binary, the options after
# '-', file names after the options that take a FILE (also "--config=FILE",
# bundled "-jc FILE", names with spaces), nothing after -w, no second command.
# The commands and options must be exactly those of `lvs-rs-agent --help`.
# The script needs nothing from the bash-completion package; when that package
# is installed (BASH_COMPLETION_SCRIPT, default its bash_completion), the cases
# run a second time with it loaded and the script found by its on-demand
# loader, the way an interactive shell finds it.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_cmd bash
lvst_require_agent
COMP=$LVST_ROOT/completion/lvs-rs-agent
BASH_COMPLETION_SCRIPT=${BASH_COMPLETION_SCRIPT:-/usr/share/bash-completion/bash_completion}
[ -f "$COMP" ] || { fail "script" "$COMP missing"; lvst_done; }

# A directory to complete file names in.
F=$TDIR/files
mkdir -p "$F/agent.conf.d" "$F/run" "$TDIR/sp"
: >"$F/agent.conf"
: >"$F/other.conf"
: >"$F/state"
: >"$TDIR/sp/my file.conf"

# The runner: a bash without rc files sources the script (MODE plain) or
# bash-completion first and lets its loader find the script by the command
# name (MODE loader), sets COMP_* for the words given (the last one is being
# completed) and prints the candidates, one per line, sorted.
RUNNER='
mode=$1 comp=$2 bc=$3
shift 3
cd "$LVST_CWD" || exit 1
if [ "$mode" = loader ]; then
	share=$(mktemp -d "$LVST_TMP/share.XXXXXX") || exit 1
	mkdir -p "$share/bash-completion/completions"
	cp "$comp" "$share/bash-completion/completions/lvs-rs-agent"
	export XDG_DATA_DIRS=$share BASH_COMPLETION_USER_DIR=$share/none
	. "$bc" || exit 1
	complete -r lvs-rs-agent 2>/dev/null
	__load_completion lvs-rs-agent || { echo "loader: not found"; exit 1; }
else
	. "$comp" || exit 1
fi
spec=$(complete -p lvs-rs-agent) || exit 1
fn=${spec#*-F }
fn=${fn%% *}
COMP_WORDS=(lvs-rs-agent "$@")
COMP_CWORD=$#
COMP_LINE="${COMP_WORDS[*]}"
COMP_POINT=${#COMP_LINE}
COMPREPLY=()
"$fn" lvs-rs-agent "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf "%s\n" "${COMPREPLY[@]}" | LC_ALL=C sort
'

# complete_words WORD...: the sorted candidates, one per line
complete_words()
{
	LVST_CWD=${CWD:-$TDIR} LVST_TMP=$TDIR \
		bash --norc --noprofile -c "$RUNNER" runner "$MODE" "$COMP" \
		"$BASH_COMPLETION_SCRIPT" "$@" 2>"$TDIR/runner.err"
}

# expect NAME "WANT1 WANT2 ..." WORD...: the candidates are exactly WANT
# (space separated; "" for none)
expect()
{
	local name=$1 want got w

	read -ra w <<<"$2"
	want=$(printf '%s\n' "${w[@]}" | LC_ALL=C sort | sed '/^$/d')
	shift 2
	got=$(complete_words "$@")
	if [ "$got" = "$want" ]; then
		pass "$MODE: $name"
	else
		fail "$MODE: $name" "words: $*; expected: ${want//$'\n'/ }; got: ${got//$'\n'/ }; stderr: $(cat "$TDIR/runner.err")"
	fi
}

# ---- what --help says
HELP=$("$AGENT_BIN" --help) || { fail "--help" "exit $?"; lvst_done; }
HELP_CMDS=$(sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\)  .*/\1/p' <<<"$HELP" | tr '\n' ' ')
# "  -c, --config FILE   ..." and long-only "      --prometheus FILE"
OPT_LINE='^  \(-[A-Za-z], \|    \)\(--[a-z-]*\)\( [A-Z][A-Z]*\)\?\( .*\)\?$'
HELP_OPTS=$(sed -n "s/$OPT_LINE/\1\2/p" <<<"$HELP" | tr -d , | tr '\n' ' ' | tr -s ' ')
HELP_LONG=$(sed -n "s/$OPT_LINE/\2/p" <<<"$HELP" | tr '\n' ' ')
# options with an argument, each as it is spelled, and the argument's kind:
# "-c FILE", "--config FILE", "--prometheus FILE", "-w SECONDS"
HELP_ARGS=$(sed -n "s/$OPT_LINE/\1\2\3/p" <<<"$HELP" | tr -d , |
	awk 'NF == 3 { print $1, $3; print $2, $3 } NF == 2 && $2 ~ /^[A-Z]/ { print $1, $2 }')
assert_eq "--help lists 8 commands" 8 "$(wc -w <<<"$HELP_CMDS")"
missing=
for o in -c --config -s --state -w --wait -j --json -f --force -h --help -V --version; do
	case " $HELP_OPTS " in
	*" $o "*) ;;
	*) missing="$missing $o" ;;
	esac
done
assert_eq "--help lists the options of the CLI contract ($HELP_OPTS)" "" "$missing"
assert_match "--help: -c, -s, -w take FILE, FILE, SECONDS" \
	'^-c FILE -s FILE -w SECONDS$' "$(grep '^-. ' <<<"$HELP_ARGS" | tr '\n' ' ' | sed 's/ $//')"

run_cases()
{
	local o kind

	expect "commands after the binary are those of --help" "$HELP_CMDS" ''
	expect "commands: 'ch' -> check-config" "check-config" ch
	expect "commands: 're' -> revert" "revert" re
	expect "commands: 'fo' -> forget" "forget" fo
	expect "options after '-' are those of --help" "$HELP_OPTS" -
	expect "options after '--' are the long ones of --help" "$HELP_LONG" --
	expect "options: '--c' -> --config" "--config" --c
	expect "options: '-j' -> -j" "-j" -j

	# file names after each option that --help says takes a FILE
	while read -r o kind; do
		case $kind in
		FILE)
			expect "files after $o" "$F/agent.conf $F/agent.conf.d" \
				"$o" "$F/ag"
			;;
		SECONDS | COUNT)
			expect "nothing after $o $kind" "" "$o" ''
			;;
		*)
			fail "$MODE: argument kind of $o" "--help says $kind: teach the completion and this test"
			;;
		esac
	done <<<"$HELP_ARGS"
	expect "files after --state: the state file" "$F/state" --state "$F/st"
	expect "files after bundled -jc" "$F/agent.conf $F/agent.conf.d" -jc "$F/ag"
	expect "files after -c: every name in a directory" \
		"$F/agent.conf $F/agent.conf.d $F/other.conf $F/run $F/state" -c "$F/"
	# a name with a space is one candidate
	got=$(complete_words -c "$TDIR/sp/my")
	assert_eq "$MODE: a file name with a space is one candidate" "$TDIR/sp/my file.conf" "$got"
	# "--config=FILE", split by COMP_WORDBREAKS into "--config" "=" "FILE"
	CWD=$F expect "files after '--config='" \
		"agent.conf agent.conf.d other.conf run state" --config =
	expect "files after '--config=' and a prefix" "$F/agent.conf $F/agent.conf.d" \
		--config = "$F/ag"
	# ... and not split (COMP_WORDBREAKS without '=')
	expect "files after '--config=PREFIX' as one word" \
		"--config=$F/agent.conf --config=$F/agent.conf.d" "--config=$F/ag"

	# the command comes once; option arguments are not commands
	expect "commands after -c FILE" "$HELP_CMDS" -c "$F/agent.conf" ''
	expect "commands after --config = FILE" "$HELP_CMDS" --config = "$F/agent.conf" ''
	expect "commands after -w 5 -j" "$HELP_CMDS" -w 5 -j ''
	expect "no second command after apply" "" apply ''
	expect "no second command after -c FILE plan" "" -c "$F/agent.conf" plan ''
	expect "options after the command" "--json" apply --js
	expect "files after the command's -c" "$F/agent.conf $F/agent.conf.d" \
		verify -c "$F/ag"
}

MODE=plain
spec=$(bash --norc --noprofile -c '. "$1" && complete -p lvs-rs-agent' x "$COMP" 2>&1)
assert_eq "sourcing registers the function for lvs-rs-agent" \
	"complete -F _lvs_rs_agent lvs-rs-agent" "$spec"
out=$(bash --norc --noprofile -c '. "$1"' x "$COMP" 2>&1)
assert_eq "sourcing prints nothing" "" "$out"
run_cases

if [ -f "$BASH_COMPLETION_SCRIPT" ]; then
	MODE=loader
	echo "with bash-completion: $BASH_COMPLETION_SCRIPT"
	expect "bash-completion's loader finds the script by the command name" \
		"$HELP_CMDS" ''
	run_cases
else
	echo "note: $BASH_COMPLETION_SCRIPT absent: the script was tested without bash-completion only"
fi

lvst_done
