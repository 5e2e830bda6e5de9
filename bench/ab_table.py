#!/usr/bin/env python3
"""The before/after table of bench/ab_grid.sh's CSV files (a Markdown table).

For each cell: the median over rounds of each run's median epoch, and of
each run's paired epoch / floor ratio (epoch_bench's ratio_paired)."""
import csv
import glob
import os
import statistics
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: ab_table.py OUT_DIR")
    cells = {}
    for path in glob.glob(os.path.join(sys.argv[1], "*-*-*.csv")):
        _, version, rnd = os.path.basename(path)[:-4].split("-")
        with open(path) as f:
            for row in csv.DictReader(f):
                key = (row["arch"], int(row["batch"]))
                cells.setdefault(key, {}).setdefault(version, {})[rnd] = row

    def order(key):
        units = [int(u) for u in key[0].split("-")]
        return (len(units), units[1], key[1])

    print("| net | threads | batch | before epoch ms | after epoch ms"
          " | before epoch / floor | after epoch / floor |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for key in sorted(cells, key=order):
        runs = cells[key]
        rounds = sorted(set(runs.get("before", {})) & set(runs.get("after", {})))
        if not rounds:
            continue
        med = lambda v, col: statistics.median(float(runs[v][r][col]) for r in rounds)
        ms = [med(v, "epoch_ms_median") for v in ("before", "after")]
        fmt = "%.3f" if max(ms) < 10 else "%.1f"
        print("| %s | %s | %d | %s | %s | %.2f | %.2f |" % (
            key[0], runs["after"][rounds[0]]["threads"], key[1], fmt % ms[0], fmt % ms[1],
            med("before", "ratio_paired"), med("after", "ratio_paired")))


if __name__ == "__main__":
    main()
