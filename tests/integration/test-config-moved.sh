#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# A config path that changed (issue 13): `-c other.conf apply` on a host
# whose journal came from another config removes every VIP that only the
# other config had. plan and apply say so, in text (stderr, before the
# changes are made) and in --json's "warnings" (an array of strings, always
# there): the journal's config, this run's, and what is undone because of
# it. It is not refused (configuration management moves configs), and the
# journal then names the new config, so it is said once.

. "$(dirname "$0")/lib.sh"
set -u -o pipefail

lvst_require_root
lvst_require_agent
ns_new rs || { fail setup "could not create a namespace"; exit 1; }

A=$TDIR/a.conf
B=$TDIR/b.conf
B2=$TDIR/moved/b.conf
mkdir -p "$TDIR/moved"
write_web_conf "$A" 198.51.100.10 198.51.100.11 198.51.100.12
write_web_conf "$B" 198.51.100.10
cp "$B" "$B2"

agent_run rs -c "$A" --json apply
assert_rc "apply of a.conf exits 0" 0
assert_json "--json: warnings is an empty array when there are none" "$OUT" "d['warnings'] == []"

agent_run rs -c "$B" --json plan
assert_rc "plan with b.conf exits 0" 0
assert_json "plan --json: one warning naming both configs and what is undone" "$OUT" \
	"len(d['warnings']) == 1 and d['warnings'][0] == 'plan: the last apply used the config $A, this run $B:\\nwhat only that one asked for is undone (2 changes: address 198.51.100.12/32 dev lo, address 198.51.100.11/32 dev lo)'"
assert_match "plan: the warning on stderr" "^lvs-rs-agent: warning: plan: the last apply used the config $A, this run $B:$" "$ERR"

agent_run rs -c "$B" apply
assert_rc "apply with b.conf exits 0 (not refused)" 0
assert_match "apply: the warning on stderr" \
	"^lvs-rs-agent: warning: apply: the last apply used the config $A, this run $B:$" "$ERR"
assert_match "apply: the warning's second line says what is undone" \
	"^  what only that one asked for is undone \(2 changes: address 198\.51\.100\.12/32 dev lo, address 198\.51\.100\.11/32 dev lo\)$" "$ERR"
assert_match "apply: the removals" '^- address 198\.51\.100\.11/32 dev lo$' "$OUT"
assert_no_addr "apply: 198.51.100.11 removed" rs lo 198.51.100.11

agent_run rs -c "$B" --json apply
assert_json "apply again with b.conf: no warning (the journal names b.conf)" "$OUT" \
	"d['warnings'] == [] and d['changed'] is False"

# The same config at another path: nothing is undone, nothing to warn of.
agent_run rs -c "$B2" --json apply
assert_json "moved config that undoes nothing: no warning" "$OUT" \
	"d['changed'] is False and d['warnings'] == []"
assert_match "the journal names the new path" "\"config\":\"$B2\"" "$(head -1 "$STATE")"

lvst_done
