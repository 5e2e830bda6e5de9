# Helpers of the nn tool's shell tests (sourced): nn is the tool, fails and
# passes count the checks.
fails=0
passes=0

fail() {
    echo "FAIL: $*"
    fails=$((fails + 1))
}

# workdir DIR: remove DIR, make it again, empty, and work in it (or stop
# the test with status 1).
workdir() {
    rm -rf "$1" && mkdir -p "$1" && cd "$1" || exit 1
}

# expect STATUS REGEX -- ARGS...: run nn ARGS, check the status and that
# its output (stderr and stdout) matches REGEX.
expect() {
    want=$1 re=$2
    shift 3
    out=$("$nn" "$@" 2>&1)
    got=$?
    if [ "$got" -ne "$want" ] || ! printf '%s' "$out" | grep -Eq -- "$re"; then
        fail "nn $* -> status $got (want $want), output:"
        printf '%s\n' "$out" | sed 's/^/    /' | head -5
        echo "    (wanted /$re/)"
    else
        passes=$((passes + 1))
    fi
}

# check WHAT COMMAND...: a command that must succeed.
check() {
    what=$1
    shift
    if "$@"; then passes=$((passes + 1)); else fail "$what"; fi
}

# The summary line; the status of the test.
finish() {
    echo "$passes passed, $fails failed"
    [ "$fails" -eq 0 ]
}

# refuse STATUS REGEX -- ARGS...: run nn ARGS, check the status and that
# its output does NOT match REGEX (no internal names, no placeholders).
refuse() {
    want=$1 re=$2
    shift 3
    out=$("$nn" "$@" 2>&1)
    got=$?
    if [ "$got" -ne "$want" ] || printf '%s' "$out" | grep -Eq -- "$re"; then
        fail "nn $* -> status $got (want $want), output:"
        printf '%s\n' "$out" | sed 's/^/    /' | head -5
        echo "    (must not match /$re/)"
    else
        passes=$((passes + 1))
    fi
}
