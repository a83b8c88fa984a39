#!/usr/bin/env python3
"""Bounded dynamic shapes end to end: `edgec compile --input-shape x=1..8,...` programs run at
every size in the range in edgec's interpreter (`edgec run`) and in ExecuTorch 1.5.1's runtime,
against ONNX Runtime.

Models (built here with onnx.helper, fixed seeds; Examples/tiny_cnn.onnx read as shipped):
  mlp        Gemm -> Relu -> Gemm -> Softmax, x: [N, 64]
  cnn        Conv -> BatchNorm -> Relu -> MaxPool -> Conv -> Relu -> Flatten -> Gemm, x: [N, 3, 16, 16]
  tiny_cnn   Examples/tiny_cnn.onnx (declares batch 1; compiled with a range; ONNX Runtime runs
             a copy whose batch is the symbol N)
  attention  a transformer-ish block, x: [N, 16, 32]: q/k/v MatMuls, Reshape to heads
             ([0, 16, 4, 8]), Transpose, scaled MatMul, Softmax, MatMul, Transpose, Reshape back
             ([-1, 16, 32]), LayerNormalization, residual Add
  sequence   the bounded dim is a sequence length: ids [1, T] -> Gather (embedding) -> attention
             scores [1, T, T] -> Softmax -> MatMul -> ReduceMean over T
  gate       a run-time If (JumpFalseCall) on mean(x²) > 1, x: [N, 8]; odd sizes take the then
             branch (loud inputs), even ones the else branch
  settle     a run-time Loop (JumpFalseCall back) of at most 1000 iterations that stops when
             its carried h: [N, 8] settles
  mlp.pt2, encoder.pt2  torch.export archives with a dynamic dim (the committed fixtures of
             Conformance/torch/make_fixtures.py: batch 1..64, sequence 2..32) compiled with a range
             inside the export's (x=1..8,16; ids=1,2..16) and compared with eager PyTorch at
             sizes in the range; one past the range must be refused.
Each ONNX model is compiled with --input-shape x=1..8,<other dims> (ids=1,1..8 for sequence; portable
backend, -O2), run at batch (sequence: length)
1, 3, 5 and 8 in both executors and compared with ONNX Runtime (max |edgec - ORT| <= TOLERANCE);
size 9 must be refused by both. Refusals checked too: --backend arm-cpu with a range, and a model
whose Slice end follows the bounded dim (the error must name the node; nothing written).

Usage: .venv/bin/python Conformance/bounded/check_bounded.py --edgec .build/debug/edgec
Prints one line per model and batch; exits 1 on any failure.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOLERANCE = 1e-5  # measured: all <= 1.5e-6 (float32 sums in other orders than ORT)
BATCHES = [1, 3, 5, 8]
F = TensorProto.FLOAT


def init(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def model(graph):
    m = helper.make_model(graph, producer_name="edgec-bounded", opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.checker.check_model(m, full_check=True)
    return m


def mlp(rng):
    nodes = [helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], transB=1),
             helper.make_node("Relu", ["h"], ["r"]),
             helper.make_node("Gemm", ["r", "w2", "b2"], ["z"], transB=1),
             helper.make_node("Softmax", ["z"], ["y"], axis=-1)]
    inits = [init("w1", rng.standard_normal((32, 64)) * 0.2), init("b1", rng.standard_normal(32) * 0.1),
             init("w2", rng.standard_normal((10, 32)) * 0.2), init("b2", rng.standard_normal(10) * 0.1)]
    g = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", F, ["N", 64])],
                          [helper.make_tensor_value_info("y", F, ["N", 10])], inits)
    return model(g), [64]


def cnn(rng):
    nodes = [helper.make_node("Conv", ["x", "c1", "cb1"], ["a"], pads=[1, 1, 1, 1]),
             helper.make_node("BatchNormalization", ["a", "g", "be", "mu", "var"], ["bn"]),
             helper.make_node("Relu", ["bn"], ["r"]),
             helper.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Conv", ["p", "c2", "cb2"], ["a2"], pads=[1, 1, 1, 1], strides=[2, 2]),
             helper.make_node("Relu", ["a2"], ["r2"]),
             helper.make_node("Flatten", ["r2"], ["f"], axis=1),
             helper.make_node("Gemm", ["f", "w", "b"], ["y"], transB=1)]
    inits = [init("c1", rng.standard_normal((8, 3, 3, 3)) * 0.3), init("cb1", rng.standard_normal(8) * 0.1),
             init("g", 1 + rng.standard_normal(8) * 0.1), init("be", rng.standard_normal(8) * 0.1),
             init("mu", rng.standard_normal(8) * 0.1), init("var", 1 + rng.random(8)),
             init("c2", rng.standard_normal((16, 8, 3, 3)) * 0.2), init("cb2", rng.standard_normal(16) * 0.1),
             init("w", rng.standard_normal((10, 16 * 4 * 4)) * 0.05), init("b", rng.standard_normal(10) * 0.1)]
    g = helper.make_graph(nodes, "cnn", [helper.make_tensor_value_info("x", F, ["N", 3, 16, 16])],
                          [helper.make_tensor_value_info("y", F, ["N", 10])], inits)
    return model(g), [3, 16, 16]


def attention(rng):
    d, heads, t = 32, 4, 16
    ints = lambda name, v: numpy_helper.from_array(np.array(v, dtype=np.int64), name)
    nodes = []
    for n in "qkv":
        nodes += [helper.make_node("MatMul", ["x", f"w{n}"], [f"{n}0"]),
                  helper.make_node("Reshape", [f"{n}0", "heads"], [f"{n}1"]),
                  helper.make_node("Transpose", [f"{n}1"], [f"{n}"], perm=[0, 2, 3, 1] if n == "k" else [0, 2, 1, 3])]
    nodes += [helper.make_node("MatMul", ["q", "k"], ["s0"]),
              helper.make_node("Mul", ["s0", "scale"], ["s"]),
              helper.make_node("Softmax", ["s"], ["p"], axis=-1),
              helper.make_node("MatMul", ["p", "v"], ["o0"]),
              helper.make_node("Transpose", ["o0"], ["o1"], perm=[0, 2, 1, 3]),
              helper.make_node("Reshape", ["o1", "back"], ["o"]),
              helper.make_node("MatMul", ["o", "wo"], ["proj"]),
              helper.make_node("Add", ["proj", "x"], ["res"]),
              helper.make_node("LayerNormalization", ["res", "ln_g", "ln_b"], ["y"], axis=-1)]
    inits = [init(f"w{n}", rng.standard_normal((d, d)) / np.sqrt(d)) for n in "qkvo"]
    inits += [ints("heads", [0, t, heads, d // heads]), ints("back", [-1, t, d]),
              init("scale", np.array(1 / np.sqrt(d // heads))), init("ln_g", 1 + rng.standard_normal(d) * 0.1),
              init("ln_b", rng.standard_normal(d) * 0.1)]
    g = helper.make_graph(nodes, "attention", [helper.make_tensor_value_info("x", F, ["N", t, d])],
                          [helper.make_tensor_value_info("y", F, ["N", t, d])], inits)
    return model(g), [t, d]


def sequence(rng):
    """The bounded dim is a sequence length: token ids [1, T] (T in 1..8) through an embedding
    table, self-attention scores [1, T, T] (two dims follow T), Softmax, mean over T."""
    nodes = [helper.make_node("Gather", ["table", "ids"], ["e"], axis=0),
             helper.make_node("MatMul", ["e", "wq"], ["q"]),
             helper.make_node("Transpose", ["e"], ["et"], perm=[0, 2, 1]),
             helper.make_node("MatMul", ["q", "et"], ["s"]),
             helper.make_node("Softmax", ["s"], ["p"], axis=-1),
             helper.make_node("MatMul", ["p", "e"], ["o"]),
             helper.make_node("ReduceMean", ["o"], ["y"], axes=[1], keepdims=0)]
    inits = [init("table", rng.standard_normal((100, 32)) * 0.3), init("wq", rng.standard_normal((32, 32)) / 6)]
    g = helper.make_graph(nodes, "sequence", [helper.make_tensor_value_info("ids", TensorProto.INT64, [1, "T"])],
                          [helper.make_tensor_value_info("y", F, [1, 32])], inits)
    m = helper.make_model(g, producer_name="edgec-bounded", opset_imports=[helper.make_opsetid("", 13)], ir_version=8)
    onnx.checker.check_model(m, full_check=True)
    return m


def gate(rng):
    """A run-time If (JumpFalseCall) on a condition computed from the bounded input: both
    branches follow N (the inputs alternate loud and quiet, so both run)."""
    then_b = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["xw"]), helper.make_node("Relu", ["xw"], ["loud"])],
                               "then", [], [helper.make_tensor_value_info("loud", F, ["N", 8])])
    else_b = helper.make_graph([helper.make_node("Mul", ["x", "half"], ["h"]), helper.make_node("Tanh", ["h"], ["quiet"])],
                               "else", [], [helper.make_tensor_value_info("quiet", F, ["N", 8])])
    nodes = [helper.make_node("Mul", ["x", "x"], ["sq"]),
             helper.make_node("ReduceMean", ["sq"], ["energy"], keepdims=0),
             helper.make_node("Greater", ["energy", "one"], ["loud_enough"]),
             helper.make_node("If", ["loud_enough"], ["g"], then_branch=then_b, else_branch=else_b),
             helper.make_node("Add", ["g", "x"], ["y"])]
    inits = [init("w", rng.standard_normal((8, 8)) * 0.3), init("half", np.float32(0.5)), init("one", np.float32(1.0))]
    g = helper.make_graph(nodes, "gate", [helper.make_tensor_value_info("x", F, ["N", 8])],
                          [helper.make_tensor_value_info("y", F, ["N", 8])], inits)
    return model(g), [8]


def settle(rng):
    """A loop in the plan on the bounded input: a Loop of at most 1000 iterations (past the
    unrolling limit) that stops once h <- tanh(h·w)/2 + x settles, so the iteration count
    depends on the data; the carried h follows N."""
    body = helper.make_graph([
        helper.make_node("MatMul", ["h_in", "w"], ["hw"]),
        helper.make_node("Tanh", ["hw"], ["t"]),
        helper.make_node("Mul", ["t", "half"], ["damped"]),
        helper.make_node("Add", ["damped", "x"], ["h_out"]),
        helper.make_node("Sub", ["h_out", "h_in"], ["delta"]),
        helper.make_node("Abs", ["delta"], ["size"]),
        helper.make_node("ReduceMean", ["size"], ["change"], keepdims=0),
        helper.make_node("Greater", ["change", "eps"], ["cond_out"]),
    ], "body", [helper.make_tensor_value_info("i", TensorProto.INT64, []), helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
                helper.make_tensor_value_info("h_in", F, ["N", 8])],
        [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []), helper.make_tensor_value_info("h_out", F, ["N", 8])])
    inits = [init("w", rng.standard_normal((8, 8)) * 0.4), init("half", np.float32(0.5)), init("eps", np.float32(1e-4)),
             numpy_helper.from_array(np.array(1000, np.int64), "limit"), numpy_helper.from_array(np.array(True), "go")]
    g = helper.make_graph([helper.make_node("Loop", ["limit", "go", "x"], ["y"], body=body)], "settle",
                          [helper.make_tensor_value_info("x", F, ["N", 8])], [helper.make_tensor_value_info("y", F, ["N", 8])], inits)
    return model(g), [8]


def slice_on_bound():
    """Slice that drops the last row of the bounded dim: its end argument follows the size, a
    compile error naming the node."""
    ints = lambda name, v: numpy_helper.from_array(np.array(v, dtype=np.int64), name)
    nodes = [helper.make_node("Slice", ["x", "starts", "ends", "axes"], ["y"], name="drop_last")]
    g = helper.make_graph(nodes, "slice", [helper.make_tensor_value_info("x", F, ["N", 8])],
                          [helper.make_tensor_value_info("y", F, ["M", 8])],
                          [ints("starts", [0]), ints("ends", [-1]), ints("axes", [0])])
    return model(g)


def tiny_cnn():
    m = onnx.load(os.path.join(ROOT, "Examples", "tiny_cnn.onnx"))
    dynamic = onnx.load(os.path.join(ROOT, "Examples", "tiny_cnn.onnx"))
    for v in list(dynamic.graph.input) + list(dynamic.graph.output):
        v.type.tensor_type.shape.dim[0].dim_param = "N"
    return m, dynamic, [int(d.dim_value) for d in m.graph.input[0].type.tensor_type.shape.dim[1:]]


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


class ExecuTorch:
    def __init__(self, path):
        from executorch.runtime import Runtime
        self.blob = open(path, "rb").read()  # bytes and Program stay alive while the Method runs
        self.program = Runtime.get().load_program(self.blob)
        self.method = self.program.load_method("forward")

    def __call__(self, x):
        import torch
        return self.method.execute([torch.from_numpy(x)])[0].numpy()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--edgec", default=os.path.join(ROOT, ".build", "debug", "edgec"))
    args = parser.parse_args()
    edgec = os.path.abspath(args.edgec)
    rng = np.random.default_rng(13)
    failures = []
    work = tempfile.mkdtemp(prefix="edgec-bounded-")
    # (name, model, ORT's model, --input-shape dims with "1..8", input for size b)
    cases = []
    for name, build in [("mlp", mlp), ("cnn", cnn), ("attention", attention)]:
        m, dims = build(rng)
        cases.append((name, m, m, ["1..8"] + dims, lambda b, d=dims: rng.standard_normal([b] + d).astype(np.float32)))
    m, dims = gate(rng)
    cases.append(("gate", m, m, ["1..8"] + dims,
                  lambda b, d=dims: (rng.standard_normal([b] + d) * (3 if b % 2 else 0.1)).astype(np.float32)))
    m, dims = settle(rng)
    cases.append(("settle", m, m, ["1..8"] + dims, lambda b, d=dims: rng.standard_normal([b] + d).astype(np.float32)))
    m, dynamic, dims = tiny_cnn()
    cases.append(("tiny_cnn", m, dynamic, ["1..8"] + dims, lambda b, d=dims: rng.standard_normal([b] + d).astype(np.float32)))
    m = sequence(rng)
    cases.append(("sequence", m, m, [1, "1..8"], lambda b: rng.integers(0, 100, (1, b)).astype(np.int64)))
    print(f"tolerance: max |edgec - reference| <= {TOLERANCE:g} (ONNX Runtime; eager PyTorch for a .pt2); "
          f"sizes {BATCHES} (encoder.pt2: 2, 5, 11, 16), one past the bound refused")
    print(f"{'model':<12} {'size':>5} {'interpreter':>12} {'executorch':>12}")
    for name, m, reference, dims, make_input in cases:
        onnx_path = os.path.join(work, f"{name}.onnx")
        onnx.save(m, onnx_path)
        input_name = m.graph.input[0].name
        pte = os.path.join(work, f"{name}.pte")
        shape = ",".join(str(d) for d in dims)
        r = run([edgec, "compile", onnx_path, "-o", pte, "--input-shape", f"{input_name}={shape}"])
        if r.returncode != 0:
            failures.append(f"{name}: compile failed: {r.stderr.strip()}")
            print(f"{name:<12} compile failed: {r.stderr.strip()}")
            continue
        session = ort.InferenceSession(reference.SerializeToString(), providers=["CPUExecutionProvider"])
        et = ExecuTorch(pte)
        for batch in BATCHES + [9]:
            x = make_input(batch)
            x_path = os.path.join(work, f"{name}_x{batch}.npy")
            np.save(x_path, x)
            out_dir = os.path.join(work, f"{name}_out{batch}")
            r = run([edgec, "run", pte, "--input", f"{input_name}={x_path}", "-o", out_dir])
            try:
                et_out, et_error = et(x), None
            except Exception as e:  # ExecuTorch refuses an input past the bound
                et_out, et_error = None, e
            if batch == 9:
                ok_i = r.returncode != 0 and "outside the bound" in r.stderr
                ok_e = et_error is not None
                print(f"{name:<12} {batch:>5} {'refused' if ok_i else 'RAN':>12} {'refused' if ok_e else 'RAN':>12}")
                if not ok_i:
                    failures.append(f"{name}: edgec run did not refuse batch 9: {r.stderr.strip()}")
                if not ok_e:
                    failures.append(f"{name}: ExecuTorch did not refuse batch 9")
                continue
            ref = session.run(None, {input_name: x})[0]
            if r.returncode != 0:
                failures.append(f"{name} batch {batch}: edgec run failed: {r.stderr.strip()}")
                di = float("inf")
            else:
                files = sorted(f for f in os.listdir(out_dir) if f.endswith(".npy"))
                out = np.load(os.path.join(out_dir, files[0]))
                di = float(np.abs(out - ref).max()) if out.shape == ref.shape else float("inf")
            if et_error is not None:
                failures.append(f"{name} batch {batch}: ExecuTorch failed: {et_error}")
                de = float("inf")
            else:
                de = float(np.abs(et_out - ref).max()) if et_out.shape == ref.shape else float("inf")
            for who, d in (("interpreter", di), ("executorch", de)):
                if not d <= TOLERANCE:
                    failures.append(f"{name} batch {batch}: {who} differs from ONNX Runtime by {d:g}")
            print(f"{name:<12} {batch:>5} {di:>12.3g} {de:>12.3g}")

    # torch.export archives (the committed fixtures of Conformance/torch/make_fixtures.py) whose
    # dynamic dim gets a range inside the export's: against eager PyTorch.
    import torch
    fixtures = os.path.join(ROOT, "Tests", "EdgeTorchTests", "Fixtures")
    for name, shape, make_input, sizes in [
            ("mlp", "x=1..8,16", lambda b: torch.randn(b, 16, generator=torch.Generator().manual_seed(b)), BATCHES + [9]),
            ("encoder", "ids=1,2..16", lambda t: torch.randint(0, 20, (1, t), generator=torch.Generator().manual_seed(t)), [2, 5, 11, 16, 17])]:
        label = f"{name}.pt2"
        pte = os.path.join(work, f"{name}_pt2.pte")
        r = run([edgec, "compile", os.path.join(fixtures, f"{name}.pt2"), "-o", pte, "--input-shape", shape])
        if r.returncode != 0:
            failures.append(f"{label}: compile failed: {r.stderr.strip()}")
            print(f"{label:<12} compile failed: {r.stderr.strip()}")
            continue
        eager = torch.export.load(os.path.join(fixtures, f"{name}.pt2")).module()
        et = ExecuTorch(pte)
        top = sizes[-2]
        for size in sizes:
            x = make_input(size)
            x_path = os.path.join(work, f"{name}_pt2_x{size}.npy")
            np.save(x_path, x.numpy())
            out_dir = os.path.join(work, f"{name}_pt2_out{size}")
            r = run([edgec, "run", pte, "--input", x_path, "-o", out_dir])
            try:
                et_out, et_error = et(x.numpy()), None
            except Exception as e:
                et_out, et_error = None, e
            if size > top:
                ok_i, ok_e = r.returncode != 0 and "outside the bound" in r.stderr, et_error is not None
                print(f"{label:<12} {size:>5} {'refused' if ok_i else 'RAN':>12} {'refused' if ok_e else 'RAN':>12}")
                if not (ok_i and ok_e):
                    failures.append(f"{label}: size {size} past the bound was not refused by both")
                continue
            with torch.no_grad():
                ref = eager(x)
            ref = (ref[0] if isinstance(ref, (tuple, list)) else ref).numpy()
            di = de = float("inf")
            if r.returncode == 0:
                out = np.load(os.path.join(out_dir, sorted(f for f in os.listdir(out_dir) if f.endswith(".npy"))[0]))
                di = float(np.abs(out - ref).max()) if out.shape == ref.shape else di
            else:
                failures.append(f"{label} size {size}: edgec run failed: {r.stderr.strip()}")
            if et_error is None:
                de = float(np.abs(et_out - ref).max()) if et_out.shape == ref.shape else de
            else:
                failures.append(f"{label} size {size}: ExecuTorch failed: {et_error}")
            for who, d in (("interpreter", di), ("executorch", de)):
                if not d <= TOLERANCE:
                    failures.append(f"{label} size {size}: {who} differs from eager PyTorch by {d:g}")
            print(f"{label:<12} {size:>5} {di:>12.3g} {de:>12.3g}")

    # Refusals: a range with arm-cpu; a Slice whose end follows the bounded dim.
    mlp_path = os.path.join(work, "mlp.onnx")
    r = run([edgec, "compile", mlp_path, "-o", os.path.join(work, "arm.pte"), "--input-shape", "x=1..8,64", "--backend", "arm-cpu"])
    ok = r.returncode != 0 and "drop --backend arm-cpu" in r.stderr and not os.path.exists(os.path.join(work, "arm.pte"))
    print(f"refused: --backend arm-cpu with a range: {'yes' if ok else 'NO'}  ({r.stderr.strip()})")
    if not ok:
        failures.append("arm-cpu with a range was not refused")
    p = os.path.join(work, "slice.onnx")
    onnx.save(slice_on_bound(), p)
    r = run([edgec, "compile", p, "-o", os.path.join(work, "slice.pte"), "--input-shape", "x=1..8,8"])
    ok = r.returncode != 0 and '"drop_last"' in r.stderr and not os.path.exists(os.path.join(work, "slice.pte"))
    print(f"refused: Slice whose end follows the bounded dim: {'yes' if ok else 'NO'}  ({r.stderr.strip()})")
    if not ok:
        failures.append("a Slice whose end follows the bounded dim was not refused by node")

    if failures:
        print("FAIL:\n  " + "\n  ".join(failures))
        return 1
    print("ok: every bounded program matches its reference (ONNX Runtime, eager PyTorch) at every size on both executors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
