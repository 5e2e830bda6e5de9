#!/usr/bin/python3
"""Time the deep cell in PyTorch on the CPU, float32 and float64, beside libnn.

The PyTorch side is what a PyTorch user writes for epoch_bench's deep cell:
784-H-H-10, ReLU hidden layers, He (kaiming normal) initialisation, the
mean cross-entropy over each minibatch, plain SGD at lr 1e-3, rows permuted
each epoch (torch.randperm), the batch gathered by index. The data has
epoch_bench's shape: 3750 rows of 784 standard normal features and labels
0..9. Each (dtype, batch, hidden) cell runs 1 warm-up epoch and EPOCHS
timed ones; the median ms per epoch is reported. torch.set_num_threads(T)
fixes the intra-op threads; OpenBLAS in libnn gets the same T.

With --epoch-bench PATH it first runs `epoch_bench --shape deep --dtype
f64,f32 --threads T` on the same cells (one process, one run) and prints,
per cell, libnn F64 and F32, PyTorch float64 and float32, and the ratios
PyTorch float32 / libnn F32 and libnn F32 / F64.

Needs python3-torch (Debian's; run as /usr/bin/python3 if another python3
comes first in PATH).

Usage: compare_torch.py [--batch 128] [--hidden 1024] [--epochs 5] [--threads 2]
                        [--epoch-bench PATH]
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time

ROWS, FEATURES, CLASSES = 3750, 784, 10


def int_list(text):
    values = [int(v) for v in text.split(",") if v]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return values


def torch_epoch_ms(torch, dtype, batch, hidden, epochs):
    g = torch.Generator().manual_seed(42)
    x = torch.randn(ROWS, FEATURES, generator=g, dtype=dtype)
    y = torch.randint(0, CLASSES, (ROWS,), generator=g)
    model = torch.nn.Sequential(
        torch.nn.Linear(FEATURES, hidden), torch.nn.ReLU(),
        torch.nn.Linear(hidden, hidden), torch.nn.ReLU(),
        torch.nn.Linear(hidden, CLASSES)).to(dtype)
    for m in model:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            torch.nn.init.zeros_(m.bias)
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    for epoch in range(epochs + 1):
        t0 = time.perf_counter()
        perm = torch.randperm(ROWS, generator=g)
        for i in range(0, ROWS, batch):
            idx = perm[i:i + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
        if epoch > 0:  # the first is the warm-up
            times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    n = len(times)
    return times[n // 2] if n % 2 else 0.5 * (times[n // 2 - 1] + times[n // 2])


def libnn_cells(path, batches, hiddens, threads):
    """epoch_bench's median ms per epoch, keyed by (dtype, batch, hidden)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "deep.csv")
        cmd = [path, "--shape", "deep", "--dtype", "f64,f32", "--threads", str(threads),
               "--batch", ",".join(map(str, batches)), "--hidden", ",".join(map(str, hiddens)),
               "--csv", out]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        with open(out) as f:
            return {(r["dtype"], int(r["batch"]), int(r["hidden"])): float(r["epoch_ms_median"])
                    for r in csv.DictReader(f)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int_list, default=[128])
    ap.add_argument("--hidden", type=int_list, default=[1024])
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epoch-bench", metavar="PATH")
    a = ap.parse_args()
    try:
        import torch
    except ImportError as e:
        print(f"compare_torch: {e} (apt-get install python3-torch)", file=sys.stderr)
        return 77
    torch.set_num_threads(a.threads)
    libnn = libnn_cells(a.epoch_bench, a.batch, a.hidden, a.threads) if a.epoch_bench else {}
    print(f"# torch {torch.__version__}, {a.threads} threads, deep cell 784-H-H-10, "
          f"{ROWS} rows, SGD lr 1e-3; median ms per epoch of {a.epochs} after 1 warm-up")
    head = "batch hidden  torch_f64  torch_f32"
    if libnn:
        head += "  libnn_f64  libnn_f32  torch_f32/libnn_f32  libnn_f32/f64"
    print(head)
    for b in a.batch:
        for h in a.hidden:
            t64 = torch_epoch_ms(torch, torch.float64, b, h, a.epochs)
            t32 = torch_epoch_ms(torch, torch.float32, b, h, a.epochs)
            line = f"{b:5d} {h:6d} {t64:10.1f} {t32:10.1f}"
            if libnn:
                l64, l32 = libnn[("f64", b, h)], libnn[("f32", b, h)]
                line += f" {l64:10.1f} {l32:10.1f} {t32 / l32:20.2f} {l32 / l64:14.2f}"
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
