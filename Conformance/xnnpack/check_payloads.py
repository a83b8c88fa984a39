"""XNNPACK delegate check: edgec's hand-built XNNPACK programs in ExecuTorch 1.5.1's runtime.

1. Every program in Conformance/xnnpack/programs/ (written by edgec's writer; the Swift test
   XNNPACKRuntimeTests regenerates them with EDGEC_WRITE_XNNPACK_CHECKS=1 and otherwise checks the
   committed bytes are what the writer produces) loads and runs in ExecuTorch's runtime, and its
   outputs match an independent numpy/torch computation of the same graph (weights from the same
   formula as XNNPACKSamples.weights).
2. The runtime's inputs and outputs are saved as .npy next to them (Conformance/xnnpack/expected/)
   and, for ExecuTorch's own reference programs (cnn_fp32, cnn_fp32_split, block_fp32 in
   Tests/fixtures/executorch/xnnpack/), in Tests/fixtures/executorch/xnnpack/expected/: edgec's
   interpreter must reproduce them (Tests/EdgeRuntimeTests/XNNPACKRuntimeTests.swift).

Usage (from the repository root): .venv/bin/python Conformance/xnnpack/check_payloads.py
Deterministic (seeded inputs). Exit status 1 on any mismatch.
"""
import os, sys
import numpy as np
import torch
from executorch.runtime import Runtime

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.join(ROOT, "Conformance", "xnnpack")
FIXTURES = os.path.join(ROOT, "Tests", "fixtures", "executorch", "xnnpack")
TOLERANCE = 1e-5  # max |a - b| / max(1, |b|): XNNPACK's float kernels vs float64 numpy
F = torch.nn.functional


def weights(count, seed):
    return np.array([((i * 37 + seed * 11) % 17 - 8) / 16 for i in range(count)], dtype=np.float32)


def conv_net(x):
    """Mirror of XNNPACKSamples.convGraph, in NCHW torch (float64)."""
    x = torch.tensor(x, dtype=torch.float64)
    w1 = torch.tensor(weights(108, 1), dtype=torch.float64).reshape(4, 3, 3, 3).permute(0, 3, 1, 2)  # OHWI -> OIHW
    c1 = F.relu(F.conv2d(x, w1, torch.tensor(weights(4, 2), dtype=torch.float64), padding=1))
    w2 = torch.tensor(weights(36, 3), dtype=torch.float64).reshape(1, 3, 3, 4).permute(3, 0, 1, 2)  # [1,kh,kw,C] -> [C,1,kh,kw]
    c2 = F.conv2d(c1, w2, torch.tensor(weights(4, 4), dtype=torch.float64), stride=2, padding=1, groups=4).clamp(-0.5, 1.5)
    mp = F.max_pool2d(c2, 2, 1)
    ap = F.avg_pool2d(mp, 3, 1, 1, count_include_pad=False)
    hs = F.hardswish(ap)
    flat = hs.mean(dim=(2, 3))
    y = F.linear(flat, torch.tensor(weights(12, 5), dtype=torch.float64).reshape(3, 4), torch.tensor(weights(3, 6), dtype=torch.float64))
    return [y.numpy(), c1.numpy()]


def ops_net(a, b):
    """Mirror of XNNPACKSamples.opsGraph (float64)."""
    a = torch.tensor(a, dtype=torch.float64); b = torch.tensor(b, dtype=torch.float64)
    s = a + b
    m = (s * a).clamp(-1, 2)
    d = a / torch.tensor([1.5, 2, 2.5, 3], dtype=torch.float64)
    mx, mn = torch.maximum(m, d), torch.minimum(m, d)
    cat = torch.cat([torch.sigmoid(mx), torch.tanh(mn), F.gelu(a)], 2)
    sm = torch.softmax(cat, -1)
    sl = sm[0:2, 1:3, 2:10]
    pd = F.pad(sl, (0, 1, 1, 0, 0, 0), value=0.5)
    bm = torch.bmm(pd, torch.tensor(weights(90, 7), dtype=torch.float64).reshape(2, 9, 5))
    e1 = F.elu(a, 0.7)
    l1 = F.leaky_relu(e1, 0.1)
    r = (l1 * l1 + a.abs().sqrt()) + (torch.log(torch.exp(-a)) + torch.floor(a)) - torch.ceil(a)
    return [bm.numpy(), r.permute(2, 0, 1).numpy()]


def upsample_net(x):
    """Mirror of XNNPACKSamples.upsampleGraph (float64)."""
    def t(a):
        return torch.tensor(a, dtype=torch.float64)
    x = t(x)
    w1 = t(weights(54, 8)).reshape(3, 3, 3, 2).permute(3, 0, 1, 2)  # [Cout,kh,kw,Cin] -> [Cin,Cout,kh,kw]
    t1 = F.conv_transpose2d(x, w1, t(weights(3, 9)), stride=2, padding=1, output_padding=1).clamp(-0.75, 0.75)
    slope = t(weights(3, 10)).reshape(1, 3, 1, 1)
    out0 = torch.where(t1 >= 0, t1, t1 * slope).clamp(-0.5, 0.5)
    w2 = t(weights(54, 11)).reshape(6, 3, 3, 1).permute(0, 3, 1, 2)
    t2 = F.conv2d(t1, w2, t(weights(6, 12)), padding=1, groups=3)
    r1 = F.interpolate(t2, size=(7, 7), mode="bilinear", align_corners=False)
    r2 = F.interpolate(t2, size=(13, 13), mode="bilinear", align_corners=True)
    w3x = weights(48, 13).reshape(4, 2, 2, 3)  # [g*goc, kh, kw, gic], groups 2, goc 2, gic 3
    w3 = np.zeros((6, 2, 2, 2))
    for g in range(2):
        for oc in range(2):
            for ic in range(3):
                w3[g * 3 + ic, oc] = w3x[g * 2 + oc, :, :, ic]
    out3 = F.conv_transpose2d(r1, t(w3), t(weights(4, 14)), stride=2, groups=2)
    sn, cs, rs = torch.sin(x), torch.cos(x), 1 / torch.sqrt(x * x + 1)
    out4 = torch.cat([sn, cs, x, rs, torch.cat([x, x], 3)], 3)
    out5 = torch.cat([x, sn, cs, rs], 0)
    return [o.numpy() for o in (out0, r1, r2, out3, out4, out5)]


HAND_BUILT = {"conv_net.pte": conv_net, "ops_net.pte": ops_net, "upsample_net.pte": upsample_net}
REFERENCE = ["cnn_fp32.pte", "cnn_fp32_split.pte", "block_fp32.pte"]


def run(rt, path, seed):
    blob = open(path, "rb").read()
    program = rt.load_program(blob)
    method = program.load_method("forward")
    meta = method.metadata
    rng = np.random.default_rng(seed)
    inputs = [rng.standard_normal(meta.input_tensor_meta(i).sizes()).astype(np.float32) for i in range(meta.num_inputs())]
    outputs = [o.numpy().copy() for o in method.execute([torch.from_numpy(x) for x in inputs])]
    del method, program, blob
    return inputs, outputs


def save(folder, stem, inputs, outputs):
    os.makedirs(folder, exist_ok=True)
    for i, x in enumerate(inputs):
        np.save(os.path.join(folder, f"{stem}.input{i}.npy"), x)
    for i, y in enumerate(outputs):
        np.save(os.path.join(folder, f"{stem}.output{i}.npy"), y)


def main():
    rt = Runtime.get()
    failures = 0
    for name, reference in HAND_BUILT.items():
        path = os.path.join(HERE, "programs", name)
        inputs, outputs = run(rt, path, seed=1)
        expected = reference(*inputs)
        for k, (got, want) in enumerate(zip(outputs, expected)):
            err = float(np.max(np.abs(got - want) / np.maximum(1, np.abs(want)))) if got.size else 0.0
            ok = got.shape == want.shape and err <= TOLERANCE
            failures += not ok
            print(f"{name} output {k} {list(got.shape)}: max rel error vs numpy/torch {err:.2e} {'ok' if ok else 'MISMATCH'}")
        if len(outputs) != len(expected):
            print(f"{name}: {len(outputs)} outputs, expected {len(expected)} MISMATCH"); failures += 1
        save(os.path.join(HERE, "expected"), name[:-4], inputs, outputs)
    for name in REFERENCE:
        inputs, outputs = run(rt, os.path.join(FIXTURES, name), seed=2)
        save(os.path.join(FIXTURES, "expected"), name[:-4], inputs, outputs)
        print(f"{name}: ExecuTorch outputs {[list(o.shape) for o in outputs]} saved")
    print("FAILED" if failures else "all XNNPACK checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
