#!/usr/bin/python3
"""Write the sample CSV files of examples/data/ (see README.md there).

Run from anywhere: /usr/bin/python3 examples/data/make_samples.py
iris.csv and diabetes.csv need scikit-learn (Debian: python3-sklearn), whose
bundled copies they are; tags.csv and iris_new.csv need only Python. The
output is the same on every run.
"""
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def write(name, header, rows):
    with open(os.path.join(HERE, name), "w", newline="\n") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(row) + "\n")


def num(x):
    """A decimal without trailing zeros: 5.1, 2, 0.0381."""
    return "%g" % x


def iris():
    from sklearn.datasets import load_iris

    d = load_iris()
    header = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
    rows = [[num(v) for v in x] + [d.target_names[y]] for x, y in zip(d.data, d.target)]
    write("iris.csv", header, rows)
    # Four new flowers, no label: one like each species and one between
    # versicolor and virginica.
    new = [[5.0, 3.4, 1.5, 0.2], [6.1, 2.9, 4.5, 1.4], [6.9, 3.1, 5.8, 2.2], [6.0, 2.8, 4.9, 1.7]]
    write("iris_new.csv", header[:-1], [[num(v) for v in x] for x in new])


def diabetes():
    from sklearn.datasets import load_diabetes

    d = load_diabetes(scaled=False)
    header = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6", "progression"]
    rows = [[num(v) for v in x] + [num(y)] for x, y in zip(d.data, d.target)]
    write("diabetes.csv", header, rows)


def tags():
    """Synthetic multi-label data: four features uniform in [-2, 2], three
    0/1 labels that are functions of them (no noise)."""
    rng = random.Random(20260101)
    rows = []
    for _ in range(400):
        x = [round(rng.uniform(-2, 2), 3) for _ in range(4)]
        pos_sum = int(x[0] + x[1] > 0)
        same_sign = int(x[2] * x[3] > 0)
        near = int(x[0] ** 2 + x[2] ** 2 < 1.5)
        rows.append([num(v) for v in x] + [str(pos_sum), str(same_sign), str(near)])
    write("tags.csv", ["x1", "x2", "x3", "x4", "pos_sum", "same_sign", "near_origin"], rows)


if __name__ == "__main__":
    iris()
    diabetes()
    tags()
