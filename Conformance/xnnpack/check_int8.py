"""INT8 check: QDQ Edge IR compiled by edgec for arm-cpu, run in ExecuTorch 1.5.1's runtime.

For each model below (a float torch model with fixed-seed weights):
1. calibrate it on seeded random batches (min/max per activation, PT2E's asymmetric int8
   activations; per-channel symmetric int8 weights in [-127, 127]; int32 biases at
   input_scale * weight_scale[c]) and write it as QDQ Edge IR (Conformance/xnnpack/int8/NAME.eir,
   the contract of docs/quantization.md; `--write` rewrites them, otherwise the committed files
   must be what this script produces);
2. `edgec compile NAME.eir --backend arm-cpu` (`--strict-delegation` where every op is delegated), load the
   .pte in ExecuTorch's runtime and run it on a fresh seeded input;
3. compare ExecuTorch's outputs with `edgec run` on the same .pte (edgec's interpreter: INT8
   outputs within 1 quantization step of the output's scale; a float output computed from an INT8
   value within 1.13 steps of that value, gelu's largest slope),
   with a float simulation of the QDQ program (within SIM_STEPS steps) and with the float model
   (cosine >= MIN_COSINE). Differences are printed in output quantization steps.
   The `dq*` models are float IR: `dqmlp` through edgec's `quantize-dynamic-int8` pass, `dq4mlp`
   and `dq4mlp64` compiled with `--quantize int4-weights --group-size 32 / 64` (4-bit blockwise
   weights, XNNPACK qbint4 filters, counted in the payload); their outputs are compared as relative
   differences (DYNAMIC_TOLERANCE of the output's range).

Then a pre-quantized ONNX model: a small CNN (fixed-seed weights, written with onnx.helper) quantized
by ONNX Runtime's own `quantize_static` (QDQ, per-channel int8 weights, MinMax on seeded batches),
once with uint8 activations (edgec's `signed-int8` pass makes them the equal int8 ones) and once
with int8 ones, compiled by `edgec compile q.onnx --backend arm-cpu`: every conv / add / pool /
gemm must run in INT8 XNNPACK partitions (`--stats`), and ExecuTorch's output must be within
ORT_STEPS output quantization steps of ONNX Runtime's run of the same QDQ model as written (graph
optimizations off: Q/DQ evaluated as the ONNX spec defines them), within ORT_OPT_STEPS of ONNX
Runtime's default run (QDQ fused into its QLinear* integer kernels, which round differently),
within 1 step of `edgec run`, and close to the float model (cosine >= MIN_COSINE).

Usage (from the repository root): .venv/bin/python Conformance/xnnpack/check_int8.py [--edgec PATH] [--write]
Deterministic. Exit status 1 on any mismatch.
"""
import argparse, json, os, re, subprocess, sys, tempfile
import numpy as np
import torch
torch.set_num_threads(1)  # calibration is pure torch: one thread gives the same float sums whatever the load
from executorch.runtime import Runtime

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.join(ROOT, "Conformance", "xnnpack", "int8")
EXPECTED = os.path.join(ROOT, "Conformance", "xnnpack", "expected")
F = torch.nn.functional
SIM_STEPS = 3     # ExecuTorch vs the float simulation of the QDQ program, in output quantization steps
MIN_COSINE = 0.99  # ExecuTorch's INT8 output vs the float model


def f32(x):
    return repr(float(np.float32(x)))


def act_params(lo, hi):
    """PT2E's asymmetric int8 activation parameters (qmin -128, qmax 127) from a range."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    scale = np.float32(max((hi - lo) / 255.0, 1e-8))
    zp = int(np.clip(-128 - round(lo / float(scale)), -128, 127))
    return float(scale), zp


def weight_params(w, axis=0):
    """Per-channel symmetric int8 in [-127, 127] along `axis`."""
    m = np.moveaxis(np.abs(w), axis, 0).reshape(w.shape[axis], -1).max(1)
    scales = np.maximum(m / 127.0, 1e-8).astype(np.float32)
    shape = [1] * w.ndim; shape[axis] = -1
    q = np.clip(np.round(w / scales.reshape(shape)), -127, 127).astype(np.int8)
    return q, scales


class Builder:
    """Writes QDQ Edge IR text."""

    def __init__(self, name):
        self.name, self.lines, self.n = name, [], 0

    def fresh(self, hint):
        self.n += 1
        return f"%{hint}{self.n}"

    @staticmethod
    def shape(s):
        return "[" + ",".join(str(d) for d in s) + "]"

    def op(self, text, type_text, hint="v", loc=None):
        v = self.fresh(hint)
        self.lines.append(f"  {v} = {text} : {type_text}" + (f' loc("{loc}")' if loc else ""))
        return v

    def q(self, x, shape, p):
        return self.op(f"edge.quantize({x})", f"qi8<scale={f32(p[0])}, zp={p[1]}>{self.shape(shape)}", "q")

    def dq(self, x, shape):
        return self.op(f"edge.dequantize({x})", f"f32{self.shape(shape)}", "dq")

    def qdq(self, x, shape, p):
        return self.dq(self.q(x, shape, p), shape)

    def weight(self, w, axis=0):
        q, scales = weight_params(w, axis)
        data = ", ".join(str(int(v)) for v in q.reshape(-1))
        ss = ", ".join(f32(s) for s in scales)
        zs = ", ".join("0" for _ in scales)
        c = self.op(f"edge.constant {{value = dense<[{data}]>}}", f"qi8<axis={axis}, scales=[{ss}], zps=[{zs}]>{self.shape(w.shape)}", "w")
        return self.dq(c, w.shape), scales

    def bias(self, b, in_scale, w_scales):
        s = (np.float32(in_scale) * w_scales).astype(np.float32)
        q = np.round(b / s).astype(np.int64)
        data = ", ".join(str(int(v)) for v in q)
        c = self.op(f"edge.constant {{value = dense<[{data}]>}}",
                    f"qi32<axis=0, scales=[{', '.join(f32(v) for v in s)}], zps=[{', '.join('0' for _ in s)}]>[{len(b)}]", "b")
        return self.dq(c, [len(b)])

    def text(self, args, results):
        sig = ", ".join(f"%{n}: f32{self.shape(s)}" for n, s in args)
        res = ", ".join(f"f32{self.shape(s)}" for _, s in results)
        head = [f"// QDQ Edge IR written by Conformance/xnnpack/check_int8.py (do not edit): {self.name}",
                f"module @{self.name}", "", f"func @main({sig}) -> ({res}) {{"]
        return "\n".join(head + self.lines + ["  return " + ", ".join(v for v, _ in results), "}", ""])


def rand(shape, seed, scale=1.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


# ---- models: float forward (returns every activation to calibrate) and the QDQ writer ----

def cnn_params():
    return dict(w1=rand((8, 3, 3, 3), 1, 0.3), b1=rand(8, 2, 0.1), w2=rand((8, 1, 3, 3), 3, 0.3), b2=rand(8, 4, 0.1),
                w3=rand((8, 8, 1, 1), 5, 0.3), b3=rand(8, 6, 0.1), w4=rand((4, 8), 7, 0.3), b4=rand(4, 8, 0.1))


def cnn_float(x, P, fq=lambda n, a: a):
    t = lambda a: torch.from_numpy(a)
    x = fq("x", t(x))
    a1 = fq("a1", F.relu(F.conv2d(x, t(P["w1"]), t(P["b1"]), padding=1)))
    a2 = fq("a2", F.relu(F.conv2d(a1, t(P["w2"]), t(P["b2"]), padding=1, groups=8)))
    a3 = fq("a3", F.conv2d(a2, t(P["w3"]), t(P["b3"])))
    a4 = fq("a4", a3 + a1)
    mp = fq("a4", F.max_pool2d(a4, 2))
    hs = F.hardswish(mp)
    m = hs.mean(dim=(2, 3), keepdim=True)
    a5 = fq("a5", m.flatten(1))
    y = fq("y", F.linear(a5, t(P["w4"]), t(P["b4"])))
    return dict(x=x, a1=a1, a2=a2, a3=a3, a4=a4, a5=a5, y=y), [y]


def cnn_qdq(R, P):
    b = Builder("qcnn")
    x = b.qdq("%x", [1, 3, 16, 16], R["x"])
    w1, s1 = b.weight(P["w1"]); b1 = b.bias(P["b1"], R["x"][0], s1)
    c1 = b.op(f"edge.conv2d({x}, {w1}, {b1}) {{padding = [1, 1]}}", "f32[1,8,16,16]", "conv", "conv1")
    r1 = b.op(f"edge.relu({c1})", "f32[1,8,16,16]", "relu", "relu1")
    a1q = b.q(r1, [1, 8, 16, 16], R["a1"])
    a1 = b.dq(a1q, [1, 8, 16, 16])
    w2, s2 = b.weight(P["w2"]); b2 = b.bias(P["b2"], R["a1"][0], s2)
    c2 = b.op(f"edge.conv2d({a1}, {w2}, {b2}) {{padding = [1, 1], groups = 8}}", "f32[1,8,16,16]", "conv", "dwconv")
    r2 = b.op(f"edge.relu({c2})", "f32[1,8,16,16]", "relu", "relu2")
    a2 = b.qdq(r2, [1, 8, 16, 16], R["a2"])
    w3, s3 = b.weight(P["w3"]); b3 = b.bias(P["b3"], R["a2"][0], s3)
    c3 = b.op(f"edge.conv2d({a2}, {w3}, {b3})", "f32[1,8,16,16]", "conv", "pointwise")
    a3 = b.qdq(c3, [1, 8, 16, 16], R["a3"])
    a1b = b.dq(a1q, [1, 8, 16, 16])
    s = b.op(f"edge.add({a3}, {a1b})", "f32[1,8,16,16]", "add", "residual")
    a4 = b.qdq(s, [1, 8, 16, 16], R["a4"])
    mp = b.op(f"edge.max_pool2d({a4}) {{kernel_size = [2, 2], stride = [2, 2]}}", "f32[1,8,8,8]", "pool", "maxpool")
    mpd = b.qdq(mp, [1, 8, 8, 8], R["a4"])  # max pooling keeps its input's parameters
    hs = b.op(f"edge.hardswish({mpd})", "f32[1,8,8,8]", "hs", "hardswish")  # fp32 island
    m = b.op(f"edge.mean({hs}) {{axes = [2, 3], keepdim = true}}", "f32[1,8,1,1]", "mean", "mean")
    fl = b.op(f"edge.flatten({m})", "f32[1,8]", "flat", "flatten")
    a5 = b.qdq(fl, [1, 8], R["a5"])
    w4, s4 = b.weight(P["w4"]); b4 = b.bias(P["b4"], R["a5"][0], s4)
    y = b.op(f"edge.linear({a5}, {w4}, {b4})", "f32[1,4]", "fc", "fc")
    yd = b.qdq(y, [1, 4], R["y"])
    return b.text([("x", [1, 3, 16, 16])], [(yd, [1, 4])]), ["y"]


def block_params():
    return dict(w1=rand((32, 16), 11, 0.25), b1=rand(32, 12, 0.1), w2=rand((16, 32), 13, 0.2), b2=rand(16, 14, 0.1),
                w3=rand((16, 8), 15, 0.3))


def block_float(x, P, fq=lambda n, a: a):
    t = lambda a: torch.from_numpy(a)
    x = fq("x", t(x))
    a1 = fq("a1", F.relu(F.linear(x, t(P["w1"]), t(P["b1"]))))
    a2 = fq("a2", F.linear(a1, t(P["w2"]), t(P["b2"])))
    a3 = fq("a3", a2 + x)
    mm = fq("mm", a3.mean(dim=-1, keepdim=True))   # portable: XNNPACK's mean is 4-D only
    a6 = fq("a6", a3 - mm)                         # int8 a3 crosses from one delegate into the next
    a4 = fq("a4", a3 * a6)
    cat = fq("cat", torch.cat([a3, a4], 2))        # [1,8,32]
    p = fq("cat", cat.permute(0, 2, 1))            # [1,32,8]
    y = fq("y", torch.matmul(p, t(P["w3"]).T.contiguous()))  # constant [8,16] rhs -> fully connected
    g = F.gelu(y)                                  # fp32 island
    return dict(x=x, a1=a1, a2=a2, a3=a3, mm=mm, a6=a6, a4=a4, cat=cat, y=y), [y, g]


def block_qdq(R, P):
    b = Builder("qblock")
    sh = [1, 8, 16]
    xq = b.q("%x", sh, R["x"])
    x = b.dq(xq, sh)
    w1, s1 = b.weight(P["w1"]); b1 = b.bias(P["b1"], R["x"][0], s1)
    l1 = b.op(f"edge.linear({x}, {w1}, {b1})", "f32[1,8,32]", "fc", "fc1")
    r1 = b.op(f"edge.relu({l1})", "f32[1,8,32]", "relu", "relu1")
    a1 = b.qdq(r1, [1, 8, 32], R["a1"])
    w2, s2 = b.weight(P["w2"]); b2 = b.bias(P["b2"], R["a1"][0], s2)
    l2 = b.op(f"edge.linear({a1}, {w2}, {b2})", "f32[1,8,16]", "fc", "fc2")
    a2 = b.qdq(l2, sh, R["a2"])
    x2 = b.dq(xq, sh)
    s = b.op(f"edge.add({a2}, {x2})", "f32[1,8,16]", "add", "residual")
    a3q = b.q(s, sh, R["a3"])
    a3 = b.dq(a3q, sh)
    mm = b.op(f"edge.mean({a3}) {{axes = [-1], keepdim = true}}", "f32[1,8,1]", "mean", "row_mean")
    mmd = b.qdq(mm, [1, 8, 1], R["mm"])
    a3b = b.dq(a3q, sh)
    d = b.op(f"edge.sub({a3b}, {mmd})", "f32[1,8,16]", "sub", "center")
    a6 = b.qdq(d, sh, R["a6"])
    a3c = b.dq(a3q, sh)
    m = b.op(f"edge.mul({a3c}, {a6})", "f32[1,8,16]", "mul", "mul")
    a4 = b.qdq(m, sh, R["a4"])
    a3d = b.dq(a3q, sh)
    cat = b.op(f"edge.concat({a3d}, {a4}) {{axis = 2}}", "f32[1,8,32]", "cat", "concat")
    catd = b.qdq(cat, [1, 8, 32], R["cat"])
    p = b.op(f"edge.permute({catd}) {{dims = [0, 2, 1]}}", "f32[1,32,8]", "perm", "permute")
    pd = b.qdq(p, [1, 32, 8], R["cat"])
    w3, _ = b.weight(np.ascontiguousarray(P["w3"].T), axis=1)  # [K=8, N=16], output channels on axis 1
    y = b.op(f"edge.matmul({pd}, {w3})", "f32[1,32,16]", "mm", "matmul")
    yq = b.q(y, [1, 32, 16], R["y"])
    yd = b.dq(yq, [1, 32, 16])
    yd2 = b.dq(yq, [1, 32, 16])
    g = b.op(f"edge.gelu({yd2})", "f32[1,32,16]", "gelu", "gelu")
    return b.text([("x", sh)], [(yd, [1, 32, 16]), (g, [1, 32, 16])]), ["y", None]


def mlp_params():
    return dict(w1=rand((64, 32), 21, 0.2), b1=rand(64, 22, 0.1), w2=rand((32, 64), 23, 0.15), b2=rand(32, 24, 0.1),
                w3=rand((64, 16), 25, 0.2))


def mlp_float(x, P, fq=None):
    t = lambda a: torch.from_numpy(a)
    x = t(x)
    h = F.gelu(F.linear(x, t(P["w1"]), t(P["b1"])))
    y = F.linear(h, t(P["w2"]), t(P["b2"])) + x
    z = torch.matmul(h, t(P["w3"]))
    return {}, [y, z]


def mlp_float_ir(R_, P, name="dqmlp"):
    """A float transformer MLP; `edgec opt --passes quantize-dynamic-int8` makes it dynamic INT8
    (`dqmlp`), `edgec compile --quantize int4-weights` gives it 4-bit weights (`dq4mlp*`)."""
    b = Builder(name)
    c = lambda a: b.op(f"edge.constant {{value = dense<[{', '.join(f32(v) for v in a.reshape(-1))}]>}}", f"f32{b.shape(a.shape)}", "c")
    w1, b1, w2, b2, w3 = (c(P[k]) for k in ("w1", "b1", "w2", "b2", "w3"))
    h = b.op(f"edge.linear(%x, {w1}, {b1})", "f32[1,8,64]", "fc", "fc1")
    g = b.op(f"edge.gelu({h})", "f32[1,8,64]", "gelu", "gelu")
    y = b.op(f"edge.linear({g}, {w2}, {b2})", "f32[1,8,32]", "fc", "fc2")
    r = b.op(f"edge.add({y}, %x)", "f32[1,8,32]", "add", "residual")
    z = b.op(f"edge.matmul({g}, {w3})", "f32[1,8,16]", "mm", "proj")
    return b.text([("x", [1, 8, 32])], [(r, [1, 8, 32]), (z, [1, 8, 16])]), [None, None]


MODELS = [  # name, input shape, params, float forward, QDQ writer, edgec flags
    ("qcnn", (1, 3, 16, 16), cnn_params, cnn_float, cnn_qdq, ["--strict-delegation"]),
    ("qblock", (1, 8, 16), block_params, block_float, block_qdq, []),  # the row mean stays on portable kernels
    ("dqmlp", (1, 8, 32), mlp_params, mlp_float, mlp_float_ir, ["--strict-delegation"]),  # float IR, made dynamic INT8 by edgec
    # The same float IR with INT4 weights (XNNPACK's qbint4 filters), groups of 32; with groups of 64
    # fc1 (32 input features) takes groups of 32 (the largest multiple of 32 dividing them, with a
    # note) and the other two layers groups of 64.
    ("dq4mlp", (1, 8, 32), mlp_params, mlp_float, lambda R, P: mlp_float_ir(R, P, "dq4mlp"),
     ["--strict-delegation", "--quantize", "int4-weights", "--group-size", "32"]),
    ("dq4mlp64", (1, 8, 32), mlp_params, mlp_float, lambda R, P: mlp_float_ir(R, P, "dq4mlp64"),
     ["--strict-delegation", "--quantize", "int4-weights", "--group-size", "64"]),
]
ORT_STEPS = 1     # ExecuTorch vs ONNX Runtime running the QDQ model as written (no graph optimizations), in output steps
ORT_OPT_STEPS = 8  # ExecuTorch vs ONNX Runtime's optimized run (its fused integer kernels round differently: 6 steps measured)
DYNAMIC_TOLERANCE = 1e-5  # ExecuTorch vs edgec on qd8 outputs (float results of integer dot products), relative to the output's range


def blob_of(path):
    return open(path, "rb").read()


def count_qbint4(pte):
    """qbint4 filters (PerChannelGroupQuant) in the .pte's XNNPACK payloads: each payload found by
    ExecuTorch's own reader, its FlatBuffer printed by the wheel's flatc with ExecuTorch's schema."""
    import executorch
    root = list(executorch.__path__)[0]
    flatc, schema = os.path.join(root, "data/bin/flatc"), os.path.join(root, "backends/xnnpack/serialization/schema.fbs")
    from executorch.exir._serialize._program import _extract_delegate_payload
    n, i = 0, 0
    while True:
        payload = _extract_delegate_payload(pte, "XnnpackBackend", i)
        if payload is None:
            break
        off, size = int.from_bytes(payload[10:14], "little"), int.from_bytes(payload[14:18], "little")
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "g.bin"); open(p, "wb").write(payload[off:off + size])
            subprocess.run([flatc, "--json", "--raw-binary", "--strict-json", "-o", d, schema, "--", p], check=True, capture_output=True)
            g = json.load(open(os.path.join(d, "g.json")))
        n += sum(1 for v in g.get("xvalues", []) if v.get("xvalue_union_type") == "XNNQuantizedTensorValue"
                 and v["xvalue_union"]["tensor_value"].get("datatype") == "xnn_datatype_qbint4"
                 and v["xvalue_union"].get("quant_params_type") == "PerChannelGroupQuant")
        i += 1
    return n


def fake_quantized(P, R):
    """The QDQ program's semantics in float: weights dequantized, activations quantized and
    dequantized at every quantize point (biases kept in float: their int32 rounding is below
    half of input_scale * weight_scale)."""
    Q = {k: (v if not k.startswith("w") else (lambda q_s: q_s[0].astype(np.float32) * q_s[1].reshape([-1] + [1] * (v.ndim - 1)))(weight_params(v))) for k, v in P.items()}

    def fq(name, a):
        s, z = R[name]
        return ((torch.clamp(torch.round(a / np.float32(s)) + z, -128, 127) - z) * np.float32(s)).to(torch.float32)
    return Q, fq


def calibrate(shape, P, forward, seed=100, batches=8):
    lo, hi = {}, {}
    for k in range(batches):
        acts, _ = forward(rand(shape, seed + k), P)
        for n, a in acts.items():
            a = a.detach().numpy()
            lo[n] = min(lo.get(n, np.inf), float(a.min())); hi[n] = max(hi.get(n, -np.inf), float(a.max()))
    return {n: act_params(lo[n], hi[n]) for n in lo}


def cosine(a, b):
    a, b = a.reshape(-1).astype(np.float64), b.reshape(-1).astype(np.float64)
    return float(a @ b / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-30))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--edgec", default=os.path.join(ROOT, ".build", "debug", "edgec"))
    ap.add_argument("--write", action="store_true", help="rewrite Conformance/xnnpack/int8/*.eir")
    args = ap.parse_args()
    failures = 0
    print(f"{'model':8} {'output':7} {'delegates':>9} {'vs edgec':>12} {'vs QDQ sim':>12} {'cos vs float':>14} {'pte bytes':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, shape, params, forward, writer, flags in MODELS:
            P = params()
            dynamic = name.startswith("dq")
            R = {} if dynamic else calibrate(shape, P, forward)
            text, out_acts = writer(R, P)
            path = os.path.join(HERE, name + ".eir")
            if args.write:
                os.makedirs(HERE, exist_ok=True)
                open(path, "w").write(text)
            elif not os.path.exists(path) or open(path).read() != text:
                print(name, f"{path} is stale (rerun with --write)"); failures += 1; continue
            pte = os.path.join(tmp, name + ".pte")
            if dynamic and "int4-weights" in flags:  # edgec compile quantizes the float IR itself
                pass
            elif dynamic:  # the float IR through edgec's dynamic INT8 pass
                qpath = os.path.join(tmp, name + ".dq.eir")
                o = subprocess.run([args.edgec, "opt", path, "--passes", "quantize-dynamic-int8", "-o", qpath], capture_output=True, text=True)
                if o.returncode != 0:
                    print(name, "quantize-dynamic-int8 failed:", o.stderr.strip()); failures += 1; continue
                path = qpath
            c = subprocess.run([args.edgec, "compile", path, "-o", pte, "--backend", "arm-cpu", "--stats"] + flags,
                               capture_output=True, text=True)
            if c.returncode != 0:
                print(name, "compile failed:", c.stderr.strip()); failures += 1; continue
            parts = re.search(r"^partitions:\s+(\d+)", c.stdout, re.M)
            if "int4-weights" in flags:  # the payload holds qbint4 filters (as ExecuTorch's torchao 8da4w export)
                n4 = count_qbint4(blob_of(pte))
                if n4 != 3:
                    print(name, f"{n4} qbint4 filters in the payload, expected 3"); failures += 1; continue
                note = "'edge.linear' at \"fc1\" has 4-bit weights in groups of 32"
                if ("64" in flags) != (note in c.stderr):
                    print(name, "the compiler's note on fc1's groups is", "missing" if "64" in flags else "unexpected", c.stderr.strip()); failures += 1; continue
            x = rand(shape, 7)
            blob = open(pte, "rb").read()
            program = Runtime.get().load_program(blob)  # keep the bytes and the program alive while the method runs
            try:
                method = program.load_method("forward")
                et = [o.numpy() for o in method.execute([torch.from_numpy(x)])]
            except Exception as e:  # noqa: BLE001 - report and continue
                print(name, "ExecuTorch failed:", e); failures += 1; continue
            # Recorded for edgec's interpreter (Tests/EdgeBackendsTests/XNNPACKInt8Tests.swift).
            os.makedirs(EXPECTED, exist_ok=True)
            np.save(os.path.join(EXPECTED, f"int8_{name}.input0.npy"), x)
            for k, o in enumerate(et):
                np.save(os.path.join(EXPECTED, f"int8_{name}.output{k}.npy"), o)
            xin = os.path.join(tmp, name + "_x.npy"); np.save(xin, x)
            outdir = os.path.join(tmp, name + "_out")
            r = subprocess.run([args.edgec, "run", pte, "-o", outdir, "--input", xin], capture_output=True, text=True)
            if r.returncode != 0:
                print(name, "edgec run failed:", r.stderr.strip()); failures += 1; continue
            names = json.loads(subprocess.run([args.edgec, "inspect", pte, "--json"], capture_output=True, text=True).stdout)["plans"][0]["output_names"]
            mine = [np.load(os.path.join(outdir, re.sub(r"[^A-Za-z0-9._-]", "_", n) + ".npy")) for n in names]
            _, ref = forward(x, P)
            if dynamic:
                for k, (a, m, f) in enumerate(zip(et, mine, ref)):
                    f = f.detach().numpy()
                    span = max(float(np.abs(f).max()), 1e-6)
                    d_mine = float(np.abs(a - m).max()) / span
                    cos = cosine(a, f)
                    ok = d_mine <= DYNAMIC_TOLERANCE and cos >= MIN_COSINE
                    failures += 0 if ok else 1
                    print(f"{name:8} {k:<7} {parts.group(1) if parts else '?':>9} {d_mine:>11.1e}r {'-':>12} {cos:>14.5f} {len(blob):>10}" + ("" if ok else "  FAIL"))
                continue
            Q, fq = fake_quantized(P, R)
            _, sim = forward(x, Q, fq)
            for k, (a, m, f, fs) in enumerate(zip(et, mine, ref, sim)):
                f, fs = f.detach().numpy(), fs.detach().numpy()
                act = out_acts[k]
                # Steps of the output's quantization (a float output behind an INT8 value: of the INT8 value it reads).
                step = R[act or out_acts[0]][0]
                d_mine, d_sim = float(np.abs(a - m).max()) / step, float(np.abs(a - fs).max()) / step
                cos = cosine(a, f)
                ok = d_mine <= (1.0001 if act else 1.13) and d_sim <= SIM_STEPS and cos >= MIN_COSINE
                failures += 0 if ok else 1
                print(f"{name:8} {k:<7} {parts.group(1) if parts else '?':>9} {d_mine:>12.2f} {d_sim:>12.2f} {cos:>14.5f} {len(blob):>10}" + ("" if ok else "  FAIL"))
        failures += check_single_ops(args, tmp)
        failures += check_ort_qdq(args, tmp)
    print("ok" if failures == 0 else f"{failures} failure(s)")
    return 1 if failures else 0


# ---- single qs8 ops: ExecuTorch's XNNPACK kernels and edgec's interpreter, integer for integer ----

def op_program(name, ins, body, out_shape, out_q):
    """One op between QDQ points: every input quantized (and dequantized), the op, its output
    quantized with `out_q`, dequantized and returned."""
    b = Builder(name)
    vals = [b.qdq(f"%{n}", s, q) for n, s, q in ins]
    r = b.op(body.format(*vals), f"f32{b.shape(out_shape)}", "op", name)
    return b.text([(n, s) for n, s, _ in ins], [(b.qdq(r, out_shape, out_q), out_shape)])


def on_grid(shape, q, seed):
    """Random values on the quantization grid of `q` covering all of [-128, 127]."""
    k = np.random.default_rng(seed).integers(-128, 128, size=shape)
    return ((k - q[1]) * np.float32(q[0])).astype(np.float32)


def pixels(shape, seed):
    """An image normalized as PP-OCR does, (p / 255 - 0.5) / 0.5: quantized with scale 2/255 and
    zero point -1, nearly every value is a tie of round half to even."""
    p = np.random.default_rng(seed).integers(0, 256, size=shape).astype(np.float32)
    return ((p / np.float32(255) - np.float32(0.5)) / np.float32(0.5)).astype(np.float32)


# Scales and zero points taken from edgec's INT8 PP-OCRv4 recognizer (Benchmarks/quantization.py --sections ocr).
OCR_X, OCR_A, OCR_B, OCR_O = (0.007843137718737125, -1), (0.08812537044286728, -14), (0.030712412670254707, 9), (0.13561709225177765, -118)
OCR_HS, OCR_W0, OCR_W1 = (0.04151400178670883, -119), (0.0006569364340975881, -128), (1.3608011784072005e-07, -128)
OCR_M, OCR_M2 = (0.006954375654459, -119), (0.006954302079975605, -119)
TIE_A, TIE_B, TIE_O = (0.03, 3), (0.07, -5), (0.06, 2)
SE = [1, 32, 12, 40]
OPS = [  # name, inputs (name, shape, quantization, values), op (format of the dequantized inputs), output shape, output quantization
    ("op_quantize", [("x", [1, 3, 48, 64], OCR_X, pixels)], "edge.relu({0})", [1, 3, 48, 64], (0.003937007859349251, -128)),
    ("op_add", [("a", SE, OCR_A, on_grid), ("b", SE, OCR_B, on_grid)], "edge.add({0}, {1})", SE, OCR_O),
    ("op_add_same", [("a", SE, (0.05, 3), on_grid), ("b", SE, (0.05, 3), on_grid)], "edge.add({0}, {1})", SE, (0.1, 0)),
    ("op_add_const", [("a", SE, OCR_M, on_grid), ("b", [1], OCR_W1, on_grid)], "edge.add({0}, {1})", SE, OCR_M2),
    ("op_sub", [("a", SE, OCR_A, on_grid), ("b", SE, OCR_B, on_grid)], "edge.sub({0}, {1})", SE, (0.15, 5)),
    ("op_mul", [("a", SE, OCR_A, on_grid), ("b", SE, OCR_B, on_grid)], "edge.mul({0}, {1})", SE, OCR_O),
    ("op_mul_const", [("a", [1], OCR_W0, on_grid), ("b", SE, OCR_HS, on_grid)], "edge.mul({0}, {1})", SE, OCR_M),
    ("op_mul_se", [("a", SE, OCR_B, on_grid), ("b", [1, 32, 1, 1], (1 / 255, -128), on_grid)], "edge.mul({0}, {1})", SE, (0.02, 5)),
    ("op_gap", [("a", [1, 256, 6, 40], OCR_B, on_grid)], "edge.mean({0}) {{axes = [2, 3], keepdim = true}}", [1, 256, 1, 1], (0.004, -100)),
    ("op_gap_odd", [("a", [1, 512, 3, 5], OCR_HS, on_grid)], "edge.mean({0}) {{axes = [2, 3], keepdim = true}}", [1, 512, 1, 1], (0.0123, 7)),
    ("op_slice", [("a", SE, OCR_A, on_grid)], "edge.slice({0}) {{dim = 3, start = 3, end = 35}}", [1, 32, 12, 32], OCR_A),
    # Scale ratios 0.5 and 7/6 that f32 division leaves just off their ties: XNNPACK's 20-bit fixed-point
    # multipliers put ~2 % of the code pairs on the other side of the rounding than a float formula does.
    ("op_add_tie", [("a", SE, TIE_A, on_grid), ("b", SE, TIE_B, on_grid)], "edge.add({0}, {1})", SE, TIE_O),
    ("op_sub_tie", [("a", SE, TIE_A, on_grid), ("b", SE, TIE_B, on_grid)], "edge.sub({0}, {1})", SE, TIE_O),
]


def check_single_ops(args, tmp):
    """Every OPS program compiled with --strict-delegation, run on seeded inputs in ExecuTorch and
    edgec: the outputs, as int8 codes, must be identical."""
    failures = 0
    print()
    print(f"{'single qs8 op':14} {'elements':>9} {'delegates':>9} {'codes differ':>13} {'max steps':>10} {'pte bytes':>10}")
    for seed, (name, ins, body, out_shape, out_q) in enumerate(OPS):
        text = op_program(name, [(n, s, q) for n, s, q, _ in ins], body, out_shape, out_q)
        path = os.path.join(HERE, name + ".eir")
        if args.write:
            open(path, "w").write(text)
        elif not os.path.exists(path) or open(path).read() != text:
            print(name, f"{path} is stale (rerun with --write)"); failures += 1; continue
        pte = os.path.join(tmp, name + ".pte")
        c = subprocess.run([args.edgec, "compile", path, "-o", pte, "--backend", "arm-cpu", "--stats", "--strict-delegation"],
                           capture_output=True, text=True)
        if c.returncode != 0:
            print(name, "compile failed:", c.stderr.strip()); failures += 1; continue
        parts = re.search(r"^partitions:\s+(\d+)", c.stdout, re.M)
        xs = [gen(s, q, 300 + 10 * seed + k) if gen is on_grid else gen(s, 300 + 10 * seed + k) for k, (_, s, q, gen) in enumerate(ins)]
        blob = open(pte, "rb").read()
        program = Runtime.get().load_program(blob)
        try:
            et = program.load_method("forward").execute([torch.from_numpy(x) for x in xs])[0].numpy()
        except Exception as e:  # noqa: BLE001
            print(name, "ExecuTorch failed:", e); failures += 1; continue
        cmd = [args.edgec, "run", pte, "-o", os.path.join(tmp, name + "_out")]
        for k, x in enumerate(xs):
            np.save(os.path.join(tmp, f"{name}_in{k}.npy"), x); cmd += ["--input", os.path.join(tmp, f"{name}_in{k}.npy")]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            print(name, "edgec run failed:", r.stderr.strip()); failures += 1; continue
        outdir = os.path.join(tmp, name + "_out")
        mine = np.load(os.path.join(outdir, sorted(os.listdir(outdir))[0]))
        step = np.float32(out_q[0])
        d = np.round(et / step).astype(np.int64) - np.round(mine / step).astype(np.int64)
        ok = mine.shape == et.shape and not d.any()
        failures += 0 if ok else 1
        print(f"{name:14} {et.size:>9} {parts.group(1) if parts else '?':>9} {int((d != 0).sum()):>13} {int(np.abs(d).max()):>10} {len(blob):>10}"
              + ("" if ok else "  FAIL"))
    return failures


# ---- pre-quantized ONNX: ONNX Runtime's quantize_static output through edgec ----

def ort_cnn():
    """conv+relu, strided conv+relu, depthwise conv+relu, residual add, max pool, global
    average pool, flatten, gemm: a float ONNX model (opset 17) with fixed-seed weights."""
    import onnx
    from onnx import helper, numpy_helper, TensorProto
    init = lambda n, a: numpy_helper.from_array(a, n)
    W = dict(w1=rand((8, 3, 3, 3), 31, 0.3), b1=rand(8, 32, 0.1), w2=rand((8, 8, 3, 3), 33, 0.15), b2=rand(8, 34, 0.1),
             w3=rand((8, 1, 3, 3), 35, 0.3), b3=rand(8, 36, 0.1), w4=rand((4, 8), 37, 0.3), b4=rand(4, 38, 0.1))
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], name="conv2", pads=[1, 1, 1, 1], strides=[2, 2]),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("Conv", ["r2", "w3", "b3"], ["c3"], name="dwconv", pads=[1, 1, 1, 1], group=8),
        helper.make_node("Relu", ["c3"], ["r3"], name="relu3"),
        helper.make_node("Add", ["r3", "r2"], ["s"], name="residual"),
        helper.make_node("MaxPool", ["s"], ["p"], name="maxpool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("GlobalAveragePool", ["p"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "w4", "b4"], ["logits"], name="fc", transB=1),
    ]
    graph = helper.make_graph(nodes, "ort_cnn", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 4])], [init(k, v) for k, v in W.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def output_scale(qmodel_path):
    """The scale of the DequantizeLinear that produces the graph output."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(qmodel_path)
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    out = m.graph.output[0].name
    node = next(n for n in m.graph.node if out in n.output)
    assert node.op_type == "DequantizeLinear", node.op_type
    return float(inits[node.input[1]])


def check_ort_qdq(args, tmp):
    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import quantize_static, CalibrationDataReader, QuantFormat, QuantType
    failures = 0
    model = ort_cnn()
    fpath = os.path.join(tmp, "ort_cnn.onnx")
    onnx.save(model, fpath)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.batches = iter([{"x": rand((1, 3, 16, 16), 200 + k)} for k in range(16)])

        def get_next(self):
            return next(self.batches, None)

    x = rand((1, 3, 16, 16), 7)
    so = ort.SessionOptions(); so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    ref = ort.InferenceSession(fpath, so, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    print()
    print(f"{'ONNX Runtime quantize_static':30} {'delegates':>9} {'int8 ops':>9} {'vs edgec':>9} {'vs ORT QDQ':>11} {'vs ORT opt':>11} {'cos vs float':>13} {'pte bytes':>10}")
    for act in (QuantType.QUInt8, QuantType.QInt8):
        label = f"activations {'uint8' if act == QuantType.QUInt8 else 'int8'}"
        qpath = os.path.join(tmp, f"ort_cnn.{act.name}.onnx")
        quantize_static(fpath, qpath, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=act, weight_type=QuantType.QInt8)
        pte = os.path.join(tmp, f"ort_cnn.{act.name}.pte")
        c = subprocess.run([args.edgec, "compile", qpath, "-o", pte, "--backend", "arm-cpu", "--stats"], capture_output=True, text=True)
        if c.returncode != 0:
            print(label, "compile failed:", c.stderr.strip()); failures += 1; continue
        parts = re.search(r"^partitions:\s+(\d+)", c.stdout, re.M)
        # Every partition must run INT8 (qs8) nodes; the conv / add / pool / gemm are all INT8 groups.
        int8_parts = len(re.findall(r"int8 \(qs8\)", c.stdout))
        blob = open(pte, "rb").read()
        program = Runtime.get().load_program(blob)
        try:
            et = program.load_method("forward").execute([torch.from_numpy(x)])[0].numpy()
        except Exception as e:  # noqa: BLE001
            print(label, "ExecuTorch failed:", e); failures += 1; continue
        xin = os.path.join(tmp, "ort_x.npy"); np.save(xin, x)
        outdir = os.path.join(tmp, f"ort_out_{act.name}")
        r = subprocess.run([args.edgec, "run", pte, "-o", outdir, "--input", xin], capture_output=True, text=True)
        if r.returncode != 0:
            print(label, "edgec run failed:", r.stderr.strip()); failures += 1; continue
        mine = np.load(os.path.join(outdir, "logits.npy"))
        qdq = ort.InferenceSession(qpath, so, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
        fused = ort.InferenceSession(qpath, providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
        step = output_scale(qpath)
        d_mine, d_ort = float(np.abs(et - mine).max()) / step, float(np.abs(et - qdq).max()) / step
        d_opt = float(np.abs(et - fused).max()) / step
        cos = cosine(et, ref)
        ok = (parts is not None and int8_parts >= 1 and int8_parts == int(parts.group(1)) and d_mine <= 1.0001
              and d_ort <= ORT_STEPS and d_opt <= ORT_OPT_STEPS and cos >= MIN_COSINE)
        failures += 0 if ok else 1
        print(f"{label:30} {parts.group(1) if parts else '?':>9} {int8_parts:>9} {d_mine:>9.2f} {d_ort:>11.2f} {d_opt:>11.2f} {cos:>13.5f} {len(blob):>10}"
              + ("" if ok else "  FAIL\n" + c.stdout))
    return failures


if __name__ == "__main__":
    sys.exit(main())
