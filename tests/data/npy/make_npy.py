#!/usr/bin/python3
"""Write the .npy files tests/test_npy.c reads, with numpy itself.

Run from anywhere: python3 tests/data/npy/make_npy.py (numpy 1.24 made the
committed files). Every file holds the same 3 x 2 values, [[0, 1], [-2, 3],
[4, -5]] (b1 and u1: their absolute values capped at 1 / kept), in one dtype,
byte order and format version; plus the files the data-set tests use.
"""
import os
import numpy as np
from numpy.lib import format as npf

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = np.array([[0, 1], [-2, 3], [4, -5]])


def save(name, arr, version=None):
    with open(os.path.join(HERE, name), "wb") as f:
        npf.write_array(f, arr, version=version, allow_pickle=False)


for dt in ["<f8", ">f8", "<f4", ">f4", "<i8", ">i8", "<i4", ">i4", "<i2", ">i2", "|i1"]:
    tag = ("be" if dt[0] == ">" else "le") + "_" + dt[1:]
    save("%s.npy" % tag, BASE.astype(dt))
save("u1.npy", np.abs(BASE).astype("u1"))
save("b1.npy", (BASE > 0))
for v in [(1, 0), (2, 0), (3, 0)]:
    save("v%d.npy" % v[0], BASE.astype("<f8"), version=v)
save("vec.npy", np.arange(5, dtype="<i4"))            # 1-D: 5 x 1
save("fortran.npy", np.asfortranarray(BASE.astype("<f8")))
save("d3.npy", np.zeros((2, 2, 2)))
save("d0.npy", np.float64(1.5))
with open(os.path.join(HERE, "object.npy"), "wb") as f:
    np.save(f, np.array([1, "a"], dtype=object), allow_pickle=True)
save("nan.npy", np.array([[1.0, 2.0], [3.0, np.nan]]))
save("big_i8.npy", np.array([[1], [2 ** 53 + 1]], dtype="<i8"))
save("str.npy", np.array(["ab", "c"]))
save("complex.npy", np.array([1 + 2j]))
save("labels.npy", np.array([0, 2, 1], dtype="<i8"))
save("labels_f.npy", np.array([[0.0], [1.0], [0.5]]))
save("labels4.npy", np.array([0, 1, 1, 0], dtype="|u1"))
save("multi.npy", np.array([[0, 1], [1, 1], [0, 0]], dtype="|b1"))
# The file nn_save_npy must write byte for byte for BASE as float64.
save("save_ref.npy", BASE.astype("<f8"))
