#!/bin/sh
# The shape of lib/ as docs/design.md states it, checked on the build:
#   1. no dependency cycle between the library's translation units: from nm
#      of each object, a unit depends on another when it uses an nn_ symbol
#      (internal nn__ or public) that the other defines; any cycle fails,
#      printed unit by unit;
#   2. no .c under lib/ over 700 lines, no private header (.h under lib/)
#      over 250 lines.
# Usage: check_layers.sh NM LIB_SOURCE_DIR OBJECT...
set -eu
nm_tool=$1
lib=$2
shift 2
[ "$#" -gt 0 ] || { echo "check_layers: no object files given" >&2; exit 2; }

# "unit symbol D|U" for every nn_ symbol each object defines or uses.
syms=$(for o in "$@"; do
    unit=$(printf '%s\n' "$o" | sed -e 's|.*/nn_obj\.dir/||' -e 's|\.o$||' -e 's|\.obj$||')
    "$nm_tool" -P "$o" | awk -v u="$unit" '
        $1 ~ /^nn_/ { print u, $1, ($2 == "U" ? "U" : "D") }'
done)

status=0
printf '%s\n' "$syms" | awk '
    $3 == "D" { def[$2] = $1; units[$1] = 1 }
    $3 == "U" { use[NR] = $1 " " $2; units[$1] = 1 }
    END {
        for (i in use) {
            split(use[i], p, " ")
            d = def[p[2]]
            if (d != "" && d != p[1] && !((p[1], d) in edge)) {
                edge[p[1], d] = p[2]
                out[p[1]] = out[p[1]] " " d
            }
        }
        n = 0
        for (u in units) { names[++n] = u; color[u] = 0 }
        bad = 0
        for (i = 1; i <= n; i++)
            if (color[names[i]] == 0)
                bad += visit(names[i], 0)
        if (bad) exit 1
        printf "check_layers: %d translation units, no dependency cycle\n", n
    }
    # Depth-first search; a grey unit met again closes a cycle.
    function visit(u, depth,    k, m, vs, v, j, line) {
        color[u] = 1
        stack[depth] = u
        m = split(out[u], vs, " ")
        for (k = 1; k <= m; k++) {
            v = vs[k]
            if (color[v] == 1) {
                line = ""
                for (j = 0; j <= depth; j++)
                    if (line != "" || stack[j] == v)
                        line = line stack[j] " -> "
                printf "check_layers: dependency cycle: %s%s (%s uses %s)\n", line, v, u,
                       edge[u, v] > "/dev/stderr"
                color[u] = 2
                return 1
            }
            if (color[v] == 0 && visit(v, depth + 1))
                { color[u] = 2; return 1 }
        }
        color[u] = 2
        return 0
    }' || status=1

# Size limits: a .c file under lib/ at most 700 lines, a private header at
# most 250.
for f in $(cd "$lib" && find . -name '*.c' -o -name '*.h' | sed 's|^\./||' | sort); do
    lines=$(wc -l < "$lib/$f")
    case $f in
    *.c) limit=700 ;;
    *) limit=250 ;;
    esac
    if [ "$lines" -gt "$limit" ]; then
        echo "check_layers: lib/$f has $lines lines; the limit is $limit" >&2
        status=1
    fi
done
exit $status
