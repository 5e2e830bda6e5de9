#!/usr/bin/env python3
"""Generate the load benchmark's files, or time numpy loading them.

  load_numpy.py gen DIR ROWS COLS      DIR/data.csv (COLS features with 6
                                       decimals, then a string label of 5
                                       classes; a header), DIR/x.npy (f8),
                                       DIR/y.npy (the labels' class numbers, i4)
  load_numpy.py loadtxt DIR RUNS       np.loadtxt of data.csv (features and
                                       labels in one pass, a structured dtype)
  load_numpy.py load DIR RUNS          np.load of x.npy and y.npy

A timing mode prints one line: the median, min and max seconds of RUNS
loads, the peak RSS of this process (ru_maxrss) and that of the process
after importing numpy, before any load. Needs numpy (Debian: run it as
/usr/bin/python3).
"""
import os
import resource
import sys
import time

import numpy as np


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def gen(d, rows, cols):
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(42)
    names = np.array(["setosa", "versicolor", "virginica", "other", "unknown"])
    x = np.empty((rows, cols))
    y = np.empty(rows, dtype=np.int32)
    fmt = ",".join(["%.6f"] * cols) + ",%s"
    with open(os.path.join(d, "data.csv"), "w") as f:
        f.write(",".join("f%d" % j for j in range(cols)) + ",label\n")
        for at in range(0, rows, 50000):
            n = min(50000, rows - at)
            xb = np.round(rng.standard_normal((n, cols)), 6)
            yb = rng.integers(0, len(names), n).astype(np.int32)
            x[at:at + n] = xb
            y[at:at + n] = yb
            lines = [fmt % (tuple(r) + (names[c],)) for r, c in zip(xb.tolist(), yb)]
            f.write("\n".join(lines) + "\n")
    # nn_load_csv numbers the names in sorted order; so does this.
    order = np.argsort(np.argsort(names))
    np.save(os.path.join(d, "x.npy"), x)
    np.save(os.path.join(d, "y.npy"), order[y].astype(np.int32))


def timed(fn, runs):
    base = peak_mb()
    t = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        t.append(time.perf_counter() - t0)
        del out
    t.sort()
    print("median %.3f s min %.3f max %.3f peak RSS %.1f MB (numpy imported: %.1f MB)"
          % (t[len(t) // 2], t[0], t[-1], peak_mb(), base))


def main():
    mode, d = sys.argv[1], sys.argv[2]
    if mode == "gen":
        gen(d, int(sys.argv[3]), int(sys.argv[4]))
        return
    runs = int(sys.argv[3])
    csv = os.path.join(d, "data.csv")
    if mode == "loadtxt":
        with open(csv) as f:
            cols = f.readline().count(",")
        dt = np.dtype([("x", "f8", (cols,)), ("y", "U16")])
        timed(lambda: np.loadtxt(csv, delimiter=",", skiprows=1, dtype=dt), runs)
    elif mode == "load":
        timed(lambda: (np.load(os.path.join(d, "x.npy")), np.load(os.path.join(d, "y.npy"))),
              runs)
    else:
        sys.exit("usage: load_numpy.py gen DIR ROWS COLS | loadtxt DIR RUNS | load DIR RUNS")


if __name__ == "__main__":
    main()
