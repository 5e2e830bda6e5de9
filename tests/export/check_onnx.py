#!/usr/bin/python3
"""Check the ONNX files written by export_gen (tests/export/export_gen.c).

For every case of DIR/cases.txt with an ONNX file: onnx.checker.check_model
(full check, with shape inference), the interface nn_net_export_onnx
documents (IR 7, opset 13, input "x" float [N, n_inputs] with N symbolic,
output "y" float [N, n_outputs], metadata), then an evaluation of the graph
in float32 by the small numpy interpreter below (initializers read with
onnx.numpy_helper), compared with nn_net_forward's outputs (DIR/CASE.out):
the error |got - want| / max(|want|, 1) must be <= 1e-5.

Usage: /usr/bin/python3 check_onnx.py DIR
Exit status: 0 all passed, 1 a failure, 77 (ctest SKIP_RETURN_CODE) when
python3-onnx is not installed.
"""
import json
import sys

try:
    import numpy as np
    import onnx
    from onnx import numpy_helper
except ImportError as e:  # python3-onnx (or numpy) missing: skip, do not fail
    print(f"check_onnx: skipped, {e} (apt-get install python3-onnx python3-numpy)")
    sys.exit(77)

TOL = 1e-5
# export_gen's class names as the JSON metadata holds them: its Latin-1 byte
# is not UTF-8 and becomes U+FFFD.
NAMES = ["setosa", 'with "quotes"', "back\\slash ??= trigraph", "caf\u00e9 tab\there",
         "latin1 caf\ufffd"]
F32 = onnx.TensorProto.FLOAT


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def sigmoid(x):
    return np.float32(1) / (np.float32(1) + np.exp(-x))


def gemm(a, b, c, at):
    if at.get("transA", 0):
        a = a.T
    if at.get("transB", 0):
        b = b.T
    alpha = np.float32(at.get("alpha", 1.0))
    beta = np.float32(at.get("beta", 1.0))
    return alpha * (a @ b) + beta * c


# Every operator nn_net_export_onnx emits, by the ONNX opset 13 definitions;
# anything else is an error.
OPS = {
    "Sub": lambda i, at: i[0] - i[1],
    "Div": lambda i, at: i[0] / i[1],
    "Mul": lambda i, at: i[0] * i[1],
    "Add": lambda i, at: i[0] + i[1],
    "Gemm": lambda i, at: gemm(i[0], i[1], i[2] if len(i) > 2 else np.float32(0), at),
    "Relu": lambda i, at: np.maximum(i[0], np.float32(0)),
    "LeakyRelu": lambda i, at: np.where(i[0] >= 0, i[0], np.float32(at.get("alpha", 0.01)) * i[0]),
    "Tanh": lambda i, at: np.tanh(i[0]),
    "Sigmoid": lambda i, at: sigmoid(i[0]),
    "Identity": lambda i, at: i[0],
    "Softmax": lambda i, at: softmax(i[0], at.get("axis", -1)),
}


def lossless(model, params_path):
    """A single-precision net's initializers W<l> (in x out) and b<l> hold
    exactly its float32 parameters (export_gen's NAME.params: W then b,
    layer by layer), bit for bit."""
    init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    with open(params_path) as f:
        rows = [np.array([float.fromhex(v) for v in line.split()], dtype=np.float32)
                for line in f]
    for k, want in enumerate(rows):
        got = init[f"{'b' if k % 2 else 'W'}{k // 2}"]
        if got.dtype != np.float32 or got.size != want.size:
            return False
        if not np.array_equal(got.reshape(-1).view(np.uint32), want.view(np.uint32)):
            return False
    return True


def run(model, x):
    env = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    env["x"] = x.astype(np.float32)
    with np.errstate(over="ignore", under="ignore"):
        for node in model.graph.node:
            if node.op_type not in OPS or node.domain not in ("", "ai.onnx"):
                raise ValueError(f"operator {node.domain}:{node.op_type} is not one the exporter emits")
            out = OPS[node.op_type]([env[n] for n in node.input], attrs(node))
            env[node.output[0]] = np.asarray(out, dtype=np.float32)
    return env["y"]


def read_hex(path):
    """Rows of %a-printed doubles, as export_gen writes them."""
    with open(path) as f:
        return np.array([[float.fromhex(v) for v in line.split()] for line in f], dtype=np.float64)


def check_interface(model, n_in, n_out):
    assert model.ir_version == 7, model.ir_version
    assert [(o.domain, o.version) for o in model.opset_import] == [("", 13)], model.opset_import
    assert model.producer_name == "libnn"
    g = model.graph
    assert [i.name for i in g.input] == ["x"] and [o.name for o in g.output] == ["y"]
    for vi, width in ((g.input[0], n_in), (g.output[0], n_out)):
        t = vi.type.tensor_type
        assert t.elem_type == F32, t.elem_type
        dims = t.shape.dim
        assert len(dims) == 2 and dims[0].dim_param == "N" and dims[1].dim_value == width, dims
    for t in g.initializer:
        assert t.data_type == F32, (t.name, t.data_type)
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta.get("task") in ("classify", "multilabel", "regress"), meta
    if "class_names" in meta:
        names = json.loads(meta["class_names"])
        assert names == NAMES[:n_out], names
    return meta


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    d = sys.argv[1]
    failed = checked = 0
    worst = 0.0
    for line in open(f"{d}/cases.txt"):
        name, n_in, n_out, has_onnx, dtype = line.split()
        if has_onnx != "1":
            continue
        n_in, n_out = int(n_in), int(n_out)
        try:
            model = onnx.load(f"{d}/{name}.onnx")
            onnx.checker.check_model(model, full_check=True)
            meta = check_interface(model, n_in, n_out)
            x, want = read_hex(f"{d}/{name}.in"), read_hex(f"{d}/{name}.out")
            got = run(model, x).astype(np.float64)
            assert got.shape == want.shape, (got.shape, want.shape)
            err = float(np.max(np.abs(got - want) / np.maximum(np.abs(want), 1.0)))
            ops = sorted({n.op_type for n in model.graph.node})
            ok = err <= TOL
            if dtype == "f32":
                ok = ok and lossless(model, f"{d}/{name}.params")
            worst = max(worst, err)
            print(f"{'ok  ' if ok else 'FAIL'} {name}.onnx ({meta['task']}; {' '.join(ops)}): "
                  f"max error {err:.3g} over {x.shape[0]} rows, tolerance {TOL:g}")
            failed += not ok
        except Exception as e:  # report every case, then fail
            print(f"FAIL {name}.onnx: {type(e).__name__}: {e}")
            failed += 1
        checked += 1
    print(f"{checked} ONNX models checked (onnx {onnx.__version__}), {failed} failed, "
          f"worst error {worst:.3g}")
    return 1 if failed or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
