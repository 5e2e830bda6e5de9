#!/bin/sh
# The built man page nn.1: one entry per option of nn's option table (the
# page is generated from it by tools/gen_man.sh), every section present, and
# no warning from groff when it renders the page (skipped without groff).
# Usage: check_man.sh NN PAGE
set -u
nn=$1 page=$2
. "$(dirname "$0")/lib.sh"
[ -s "$page" ] || { echo "FAIL: no man page at $page"; exit 1; }

want=$("$nn" --markdown-options | grep -c '^| `')
got=$(sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$page" | grep -c '^\\fB\\-')
[ "$want" -gt 0 ] && [ "$got" -eq "$want" ] ||
    fail "$page lists $got options, nn --markdown-options $want"
cmds=$("$nn" --markdown-options | grep -c '^### nn ')
subs=$(grep -c '^\.SS "nn ' "$page")
[ "$cmds" -eq "$subs" ] || fail "$page has $subs command sections, nn $cmds commands"
for s in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS '"EXIT STATUS"' FILES EXAMPLES '"SEE ALSO"'; do
    grep -q "^\.SH $s\$" "$page" || grep -q "^\.SH $(echo "$s" | tr -d '"')\$" "$page" ||
        fail "$page has no section $s"
done

if command -v groff > /dev/null; then
    warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1)
    [ -z "$warnings" ] || fail "groff warns about $page: $warnings"
    groff -man -Tutf8 "$page" 2> /dev/null | grep -q 'nn train' || fail "$page renders without 'nn train'"
else
    echo "SKIP: no groff, the page's rendering is not checked"
fi

[ "$fails" -eq 0 ] || exit 1
echo "$page: $got options of $cmds commands, renders cleanly"
