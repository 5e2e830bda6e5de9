#!/usr/bin/env python3
"""Time the tutorial's 2-H-2 network in vectorized numpy and compare with libnn.

The numpy side is the network of /work/shared/reference/numpy_vec.py (what a
competent numpy user writes): ReLU hidden layer, softmax output, gradient of
the MEAN cross-entropy over the minibatch, plain SGD with lr 1e-3, rows
permuted each epoch. The data is the tutorial's moons (5000 points, noise
0.1) split 75/25, generated here with numpy the way scikit-learn does it
(scikit-learn is not needed): 3750 training rows, as in bench/epoch_bench.

For each (batch, hidden) cell it runs 1 warm-up epoch and EPOCHS timed ones
and reports the median ms per epoch. With --epoch-bench PATH it also runs
`epoch_bench --shape tutorial --csv ...` on the same cells (or reads an
existing CSV with --libnn-csv) and prints numpy/libnn per cell.

Needs only numpy (Debian: python3-numpy, so run it as /usr/bin/python3
bench/compare_numpy.py if another python3 comes first in PATH).

Two modes for `epoch_bench --compare`, which runs this script itself:
--one-cell times the single cell given by --batch and --hidden and prints
one line `numpy_ms=<median ms per epoch>`; --probe prints
`numpy=<version>` (and fails without numpy).

Usage: compare_numpy.py [--batch 1,10,32] [--hidden 64] [--epochs 5]
                        [--threads T] [--epoch-bench PATH | --libnn-csv FILE]
       compare_numpy.py --one-cell --batch B --hidden H [--epochs 5] [--threads T]
       compare_numpy.py --probe
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time


def int_list(text):
    try:
        values = [int(v) for v in text.split(",") if v]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of integers: {text}")
    if not values or min(values) <= 0:
        raise argparse.ArgumentTypeError(f"not a list of positive integers: {text}")
    return values


def make_moons(np, n_samples, noise, rng):
    """scikit-learn's algorithm: n//2 points on the upper half circle, the
    rest on the lower one, rows shuffled, N(0, noise^2) on every coordinate."""
    n_upper = n_samples // 2
    n_lower = n_samples - n_upper
    t_up = np.linspace(0.0, np.pi, n_upper)
    t_lo = np.linspace(0.0, np.pi, n_lower)
    x = np.vstack([np.column_stack([np.cos(t_up), np.sin(t_up)]),
                   np.column_stack([1.0 - np.cos(t_lo), 0.5 - np.sin(t_lo)])])
    y = np.concatenate([np.zeros(n_upper, dtype=np.intp), np.ones(n_lower, dtype=np.intp)])
    order = rng.permutation(n_samples)
    x, y = x[order], y[order]
    return x + rng.normal(0.0, noise, size=x.shape), y


def train_split(np, x, y, test_fraction, rng):
    n_test = int(round(test_fraction * len(y)))
    order = rng.permutation(len(y))
    keep = order[n_test:]
    return np.ascontiguousarray(x[keep]), y[keep]


def time_numpy(np, x, y, batch, hidden, epochs, seed=0):
    rng = np.random.default_rng(seed)
    w1 = rng.standard_normal((2, hidden))
    b1 = np.zeros(hidden)
    w2 = rng.standard_normal((hidden, 2)) * np.sqrt(2.0 / hidden)
    b2 = np.zeros(2)
    lr = 1e-3

    def epoch():
        nonlocal w1, b1, w2, b2
        p = rng.permutation(len(y))
        xs, ys = x[p], y[p]
        for i in range(0, len(ys), batch):
            xb = xs[i:i + batch]
            yb = ys[i:i + batch]
            n = len(yb)
            z1 = np.maximum(xb @ w1 + b1, 0)
            a2 = z1 @ w2 + b2
            a2 -= a2.max(axis=1, keepdims=True)
            e = np.exp(a2)
            d2 = e / e.sum(axis=1, keepdims=True)
            d2[np.arange(n), yb] -= 1
            d2 /= n
            dw2 = z1.T @ d2
            db2 = d2.sum(0)
            d1 = d2 @ w2.T
            d1[z1 <= 0] = 0
            dw1 = xb.T @ d1
            db1 = d1.sum(0)
            w1 -= lr * dw1
            b1 -= lr * db1
            w2 -= lr * dw2
            b2 -= lr * db2

    times = []
    for _ in range(epochs + 1):
        t0 = time.perf_counter()
        epoch()
        times.append(time.perf_counter() - t0)
    times = sorted(times[1:])
    mid = len(times) // 2
    return times[mid] if len(times) % 2 else 0.5 * (times[mid - 1] + times[mid])


def run_epoch_bench(path, batches, hiddens, epochs, threads):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "epoch_bench.csv")
        cmd = [path, "--shape", "tutorial", "--batch", ",".join(map(str, batches)),
               "--hidden", ",".join(map(str, hiddens)), "--csv", out]
        if epochs is not None:
            cmd += ["--epochs", str(epochs)]
        if threads:
            cmd += ["--threads", str(threads)]
        print("# running:", " ".join(cmd), file=sys.stderr)
        subprocess.run(cmd, check=True, stdout=sys.stderr)
        return read_libnn_csv(out)


def read_libnn_csv(path):
    cells = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row["shape"] == "tutorial":
                cells[(int(row["batch"]), int(row["hidden"]))] = float(row["epoch_ms_median"])
    return cells


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batch", type=int_list, default=[1, 10, 32, 128, 1024])
    ap.add_argument("--hidden", type=int_list, default=[16, 64, 256, 1024, 4096])
    ap.add_argument("--epochs", type=int, default=5, help="timed numpy epochs per cell")
    ap.add_argument("--threads", type=int, default=0,
                    help="OPENBLAS_NUM_THREADS for numpy, --threads for epoch_bench")
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--epoch-bench", metavar="PATH", help="run this epoch_bench too")
    src.add_argument("--libnn-csv", metavar="FILE", help="read libnn times from this CSV")
    src.add_argument("--one-cell", action="store_true",
                     help="time the one (--batch, --hidden) cell; print numpy_ms=<ms>")
    src.add_argument("--probe", action="store_true", help="print numpy=<version> and exit")
    args = ap.parse_args()
    if args.epochs < 1:
        ap.error("--epochs must be at least 1")
    if args.one_cell and (len(args.batch) != 1 or len(args.hidden) != 1):
        ap.error("--one-cell takes one --batch and one --hidden")
    if args.threads:
        # Must be set before numpy loads its BLAS.
        os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
        os.environ["OMP_NUM_THREADS"] = str(args.threads)
    try:
        import numpy as np
    except ImportError:
        sys.exit(f"compare_numpy: numpy is not importable from {sys.executable}; "
                 "run it with Debian's /usr/bin/python3 (package python3-numpy)")

    if args.probe:
        print(f"numpy={np.__version__}")
        return 0

    if args.one_cell:
        rng = np.random.default_rng(42)
        x, y = make_moons(np, 5000, 0.1, rng)
        x, y = train_split(np, x, y, 0.25, rng)
        t = time_numpy(np, x, y, args.batch[0], args.hidden[0], args.epochs) * 1e3
        print(f"numpy_ms={t:.6f}", flush=True)
        return 0

    libnn = {}
    if args.epoch_bench:
        libnn = run_epoch_bench(args.epoch_bench, args.batch, args.hidden, None, args.threads)
    elif args.libnn_csv:
        libnn = read_libnn_csv(args.libnn_csv)

    rng = np.random.default_rng(42)
    x, y = make_moons(np, 5000, 0.1, rng)
    x, y = train_split(np, x, y, 0.25, rng)
    print(f"# compare_numpy: numpy {np.__version__}, python {sys.version.split()[0]}, "
          f"{len(y)} training rows, 2-H-2, SGD lr 1e-3, median of {args.epochs} epochs after 1 "
          f"warm-up; OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}")
    print(f"{'batch':>6} {'hidden':>6} {'numpy ms':>11} {'libnn ms':>10} {'numpy/libnn':>11}")
    for h in args.hidden:
        for b in args.batch:
            t = time_numpy(np, x, y, b, h, args.epochs) * 1e3
            lib = libnn.get((b, h))
            if lib:
                print(f"{b:6d} {h:6d} {t:11.3f} {lib:10.3f} {t / lib:11.1f}", flush=True)
            else:
                print(f"{b:6d} {h:6d} {t:11.3f} {'-':>10} {'-':>11}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
