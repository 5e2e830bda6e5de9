#!/bin/sh
# Regenerate the option tables at the end of docs/cli.md from the tool's
# option table: sh tools/gen_cli_doc.sh [path/to/nn]
set -eu
cd "$(dirname "$0")/.."
nn=${1:-build/release/tools/nn}
marker='this section equal to it.'
tmp=$(mktemp)
sed "/$marker/q" docs/cli.md > "$tmp"
"$nn" --markdown-options >> "$tmp"
mv "$tmp" docs/cli.md
