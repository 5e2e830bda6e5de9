#!/bin/sh
# README's "The `nn` tool in a few commands", run as written: every line of
# the section's ```sh block, in order, in one shell, from a scratch directory
# that holds a copy of examples/data (so the block's relative paths resolve
# as from the repository root and nothing is written into the source tree),
# with the built nn first on PATH. Any non-zero exit fails the test. The
# mpirun line is skipped, saying so, without an MPI build or mpirun. Then the
# section's ```c program is compiled against the header the block exported,
# and run.
# Usage: readme_examples.sh SOURCE_DIR NN CC WORKDIR [MPI(0|1)]
set -u
src=$1 nn=$2 cc=$3 dir=$4 mpi=${5:-0}
readme=$src/README.md
section='## The `nn` tool in a few commands'
ran=0
. "$(dirname "$0")/lib.sh"

# The first fenced block of language $1 in the section.
extract() {
    awk -v h="$section" -v lang="$1" '
        $0 == h { in_sec = 1; next }
        in_sec && /^## / { exit }
        in_sec && !found && $0 == "```" lang { found = 1; next }
        found && /^```/ { exit }
        found { print }' "$readme"
}

case $nn in /*) ;; *) nn=$PWD/$nn ;; esac
[ -x "$nn" ] || { echo "FAIL: no nn at $nn"; exit 1; }
rm -rf "$dir" && mkdir -p "$dir/examples" && cp -R "$src/examples/data" "$dir/examples/data" &&
    cd "$dir" || exit 1
extract sh > commands.sh
extract c > app.c
if ! grep -Eq '^(nn|mpirun) ' commands.sh; then
    echo "FAIL: $readme has no \`\`\`sh block of nn commands under \"$section\""
    exit 1
fi

PATH=$(dirname "$nn"):$PATH
export PATH
# Open MPI refuses to start as root unless told; oversubscribe in case ctest
# counts fewer slots than the block's ranks.
if [ "$(id -u)" -eq 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_rmaps_base_oversubscribe=1

n=0
while IFS= read -r line; do
    n=$((n + 1))
    case $(printf '%s' "$line" | sed 's/^[[:space:]]*//') in '' | '#'*) continue ;; esac
    case $line in
    mpirun*)
        if [ "$mpi" != 1 ]; then
            echo "SKIP (nn built without MPI): $line"
            continue
        fi
        if ! command -v mpirun > /dev/null; then
            echo "SKIP (no mpirun on PATH): $line"
            continue
        fi ;;
    esac
    echo "+ $line"
    # In this shell, so that an export in the block holds for what follows.
    eval "$line" < /dev/null > out.log 2>&1
    rc=$?
    sed 's/^/    /' out.log
    if [ $rc -ne 0 ]; then
        fail "README line $n of the block exited with $rc: $line"
    else
        ran=$((ran + 1))
    fi
done < commands.sh
[ "$ran" -gt 0 ] || fail "no command of the block ran"
echo "ran $ran commands with $(command -v nn)"

# The C program under the block, against the exported header.
if [ ! -s app.c ]; then
    fail "$readme has no \`\`\`c program under \"$section\""
elif [ ! -f iris.h ]; then
    fail "the block did not write iris.h, which the C program includes"
elif ! "$cc" -std=c99 -Wall -Wextra -Werror app.c -lm -o app 2> cc.log; then
    fail "README's C program does not compile: $(cat cc.log)"
elif ! ./app > app.log 2>&1 || ! grep -q '^setosa ' app.log; then
    fail "README's C program printed: $(cat app.log)"
else
    echo "README's C program:" && sed 's/^/    /' app.log
fi

[ "$fails" -eq 0 ] || { echo "$fails failure(s)"; exit 1; }
echo "README's nn examples: all ran"
