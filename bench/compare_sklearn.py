#!/usr/bin/env python3
"""libnn's `nn train` defaults against scikit-learn's MLP defaults, on the
data sets scikit-learn bundles, on the same train/test split.

For each data set the script writes train.csv and test.csv (75/25, stratified
for classification, random_state=SEED) into a work directory, then:

  scikit-learn: make_pipeline(StandardScaler(), MLPClassifier()) with every
                MLP default (100 ReLU units, Adam 0.001, batch 200, 200
                iterations unless --max-iter, L2 1e-4, tol 1e-4 over 10
                iterations, early_stopping=False); for regression
                MLPRegressor inside TransformedTargetRegressor(StandardScaler)
                so that both sides standardize features and targets.
  libnn:        nn train --data train.csv --test test.csv --header [--task ...]
                with the tool's defaults (it standardizes features, and
                regression targets, inside the model).

Both scores are the data set's test-set score (accuracy, subset accuracy, or
R^2), wall time is the whole fit (libnn: the whole nn process). The sets:

  iris           150 x 4, 3 classes written as species names (string labels)
  wine           178 x 13, 3 classes
  breast_cancer  569 x 30, 2 classes written as 'malignant'/'benign'
  digits         1797 x 64, 10 classes (8x8 images of digits)
  digits-ml      1797 x 64, multi-label derived from digits: the digit is
                 even / >= 5 / prime / a multiple of 3 (4 labels)
  diabetes       442 x 10, regression (disease progression)

Needs python3-sklearn (Debian); run as /usr/bin/python3 if another python3
comes first in PATH.

Usage: compare_sklearn.py --nn build/release/tools/nn [--seeds 42,1,2] [--sets iris,wine]
                          [--splits 10] [--max-iter 2000] [--nn-args "--epochs 100"]
                          [--workdir DIR] [--markdown]

With --workdir, scikit-learn's scores are kept there (sklearn_scores.json)
and not fitted again by a later run.
"""
import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
from sklearn import datasets
from sklearn.compose import TransformedTargetRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def load(name):
    """(X, Y, task, label names or None, feature names)."""
    if name == "iris":
        d = datasets.load_iris()
        return d.data, d.target_names[d.target], "classify", d.feature_names
    if name == "wine":
        d = datasets.load_wine()
        return d.data, d.target, "classify", d.feature_names
    if name == "breast_cancer":
        d = datasets.load_breast_cancer()
        return d.data, d.target_names[d.target], "classify", d.feature_names
    if name == "digits":
        d = datasets.load_digits()
        return d.data, d.target, "classify", ["p%d" % i for i in range(64)]
    if name == "digits-ml":
        d = datasets.load_digits()
        t = d.target
        Y = np.stack([t % 2 == 0, t >= 5, np.isin(t, [2, 3, 5, 7]), t % 3 == 0], axis=1)
        return d.data, Y.astype(int), "multilabel", ["p%d" % i for i in range(64)]
    if name == "diabetes":
        d = datasets.load_diabetes()
        return d.data, d.target, "regress", d.feature_names
    raise SystemExit("unknown data set " + name)


def write_csv(path, X, Y, features):
    Y2 = Y.reshape(len(Y), -1)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(list(features) + ["target%d" % j for j in range(Y2.shape[1])])
        for x, y in zip(X, Y2):
            w.writerow(["%.17g" % v for v in x] + [str(v) for v in y])


def sklearn_score(task, Xtr, Ytr, Xte, Yte, seed, max_iter):
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if task == "regress":
            model = TransformedTargetRegressor(
                regressor=make_pipeline(StandardScaler(), MLPRegressor(random_state=seed,
                                                                     max_iter=max_iter)),
                transformer=StandardScaler())
        else:
            model = make_pipeline(StandardScaler(), MLPClassifier(random_state=seed,
                                                                 max_iter=max_iter))
        model.fit(Xtr, Ytr)
    score = model.score(Xte, Yte)
    return score, time.perf_counter() - t0


def nn_score(nn, task, train, test, n_targets, seed, extra):
    cmd = [nn, "train", "--data", train, "--test", test, "--header", "--seed", str(seed),
           "--quiet"] + extra
    if task != "classify":
        # The targets are the file's last n_targets columns (--label-col last).
        cmd += ["--task", task, "--targets", str(n_targets)]
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit("nn failed: %s\n%s" % (" ".join(cmd), out.stderr))
    m = re.search(r"test (accuracy|subset accuracy|R\^2) (-?[0-9.]+).*?(\d+) epochs", out.stdout)
    if not m:
        raise SystemExit("cannot read nn's output:\n" + out.stdout)
    return float(m.group(2)), elapsed, int(m.group(3)), " ".join(cmd)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nn", required=True, help="path of the nn tool")
    ap.add_argument("--sets", default="iris,wine,breast_cancer,digits,digits-ml,diabetes")
    ap.add_argument("--seeds", default=None,
                    help="split (and init) seeds, comma-separated (default: --splits)")
    ap.add_argument("--splits", type=int, default=1,
                    help="without --seeds: this many splits, seeds 1..N (1: seed 42)")
    ap.add_argument("--max-iter", type=int, default=200,
                    help="scikit-learn's max_iter (200, its default; 2000 lets it converge)")
    ap.add_argument("--nn-args", default="",
                    help="more options for nn train, space-separated (default: none)")
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    work = a.workdir or tempfile.mkdtemp(prefix="nn_sklearn_")
    os.makedirs(work, exist_ok=True)
    if a.seeds:
        seeds = [int(s) for s in a.seeds.split(",")]
    else:
        seeds = [42] if a.splits == 1 else list(range(1, a.splits + 1))
    extra = a.nn_args.split()
    # scikit-learn's results are kept in the work directory: with --workdir,
    # a second run (another nn build or --nn-args) does not fit them again.
    cache_path = os.path.join(work, "sklearn_scores.json")
    cache = {}
    if os.path.exists(cache_path):
        with open(cache_path) as f:
            cache = json.load(f)
    rows = []
    for name in a.sets.split(","):
        X, Y, task, features = load(name)
        for seed in seeds:
            strat = Y if task == "classify" else None
            Xtr, Xte, Ytr, Yte = train_test_split(X, Y, test_size=0.25, random_state=seed,
                                                  stratify=strat)
            tr = os.path.join(work, "%s_%d_train.csv" % (name, seed))
            te = os.path.join(work, "%s_%d_test.csv" % (name, seed))
            write_csv(tr, Xtr, Ytr, features)
            write_csv(te, Xte, Yte, features)
            n_t = 1 if Y.ndim == 1 else Y.shape[1]
            key = "%s %d %d" % (name, seed, a.max_iter)
            if key not in cache:
                cache[key] = sklearn_score(task, Xtr, Ytr, Xte, Yte, seed, a.max_iter)
                with open(cache_path, "w") as f:
                    json.dump(cache, f)
            s_sk, t_sk = cache[key]
            s_nn, t_nn, epochs, cmd = nn_score(a.nn, task, tr, te, n_t, seed, extra)
            rows.append((name, seed, len(Xtr), len(Xte), task, s_sk, t_sk, s_nn, t_nn, epochs))
            print("%-14s seed %3d  %4d/%4d rows  sklearn %.4f (%.2f s)  libnn %.4f (%.2f s, "
                  "%d epochs)" % (name, seed, len(Xtr), len(Xte), s_sk, t_sk, s_nn, t_nn,
                                  epochs), file=sys.stderr)
    if a.markdown:
        # One line per data set: mean (and std) over the seeds' splits.
        print("| data set | task, score | train / test rows | splits | scikit-learn | "
              "libnn `nn train` | difference | sklearn s | libnn s | libnn epochs |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        score = {"classify": "accuracy", "multilabel": "subset accuracy", "regress": "R^2"}
        for name in a.sets.split(","):
            rs = [r for r in rows if r[0] == name]
            sk = np.array([r[5] for r in rs])
            nn = np.array([r[7] for r in rs])
            print("| %s | %s, %s | %d / %d | %d | %.4f +- %.4f | %.4f +- %.4f | %+.4f | %.2f |"
                  " %.2f | %.0f |"
                  % (name, rs[0][4], score[rs[0][4]], rs[0][2], rs[0][3], len(rs), sk.mean(),
                     sk.std(), nn.mean(), nn.std(), nn.mean() - sk.mean(),
                     np.mean([r[6] for r in rs]), np.mean([r[8] for r in rs]),
                     np.mean([r[9] for r in rs])))
    print("workdir:", work, file=sys.stderr)


if __name__ == "__main__":
    main()
