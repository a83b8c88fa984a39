#!/usr/bin/env python3
"""INT8 accuracy of edgec's observers vs ONNX Runtime's quantize_static, side by side.

    .venv/bin/python Benchmarks/quantization.py [--edgec .build/debug/edgec] [--work DIR]

The model: a small CNN trained here with a fixed seed on synthetic digits (ten hand-drawn 8×8
glyphs, upsampled to 16×16, randomly rotated / scaled / shifted, with pixel noise: scikit-learn's
bundled digits are not installed in the oracle environment). The same float ONNX model and the
same 64 calibration samples go to:
- ONNX Runtime `quantize_static` (QDQ format, per-channel symmetric INT8 weights, INT8
  activations) with MinMax, Entropy and Percentile calibration, evaluated in ONNX Runtime;
- `edgec quantize` with each observer, evaluated by edgec's IR evaluator on the QDQ Edge IR
  (`--evaluate`; INT8 simulated by the quantize/dequantize ops).
It prints one markdown table: top-1 accuracy on 2000 held-out samples, the drop from float, and
the SQNR of the logits against the float model's (ONNX Runtime) on the same samples.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnxruntime as ort
import torch
import torch.nn as nn
import torch.nn.functional as F

GLYPHS = [
    ["..####..", ".#....#.", "#......#", "#......#", "#......#", "#......#", ".#....#.", "..####.."],
    ["...##...", "..###...", ".#.##...", "...##...", "...##...", "...##...", "...##...", ".######."],
    ["..####..", ".#....#.", "......#.", ".....#..", "....#...", "...#....", "..#.....", ".######."],
    [".#####..", "......#.", "......#.", "..####..", "......#.", "......#.", "......#.", ".#####.."],
    ["....##..", "...#.#..", "..#..#..", ".#...#..", "#######.", ".....#..", ".....#..", ".....#.."],
    [".######.", ".#......", ".#......", ".#####..", "......#.", "......#.", ".#....#.", "..####.."],
    ["..####..", ".#......", "#.......", "#.####..", "##....#.", "#......#", ".#....#.", "..####.."],
    [".######.", "......#.", ".....#..", "....#...", "...#....", "...#....", "...#....", "...#...."],
    ["..####..", ".#....#.", ".#....#.", "..####..", ".#....#.", "#......#", ".#....#.", "..####.."],
    ["..####..", ".#....#.", "#......#", ".#....##", "..####.#", "......#.", ".....#..", "..###..."],
]


def digits(n, seed):
    """n images [n, 1, 16, 16] and labels, randomly transformed glyphs with noise."""
    g = torch.Generator().manual_seed(seed)
    base = torch.tensor([[[1.0 if c == "#" else 0.0 for c in row] for row in glyph] for glyph in GLYPHS])
    base = F.interpolate(base[:, None], size=(16, 16), mode="bilinear", align_corners=False)
    labels = torch.randint(0, 10, (n,), generator=g)
    angle = (torch.rand(n, generator=g) - 0.5) * 0.6
    scale = 1 + (torch.rand(n, generator=g) - 0.5) * 0.3
    shift = (torch.rand(n, 2, generator=g) - 0.5) * 0.3
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
    grid = F.affine_grid(theta, (n, 1, 16, 16), align_corners=False)
    x = F.grid_sample(base[labels], grid, align_corners=False)
    x = x * (0.6 + 0.8 * torch.rand(n, 1, 1, 1, generator=g)) + 0.45 * torch.randn(x.shape, generator=g)
    return x.float(), labels


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 8, 3, padding=1)
        self.c2 = nn.Conv2d(8, 16, 3, padding=1)
        self.f1 = nn.Linear(16 * 4 * 4, 32)
        self.f2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        return self.f2(F.relu(self.f1(torch.flatten(x, 1))))


def train(path):
    torch.manual_seed(0)
    torch.set_num_threads(1)
    x, y = digits(6000, seed=1)
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=3e-3)
    for epoch in range(6):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 64):
            idx = perm[i:i + 64]
            opt.zero_grad()
            F.cross_entropy(net(x[idx]), y[idx]).backward()
            opt.step()
    net.eval()
    torch.onnx.export(net, (torch.zeros(1, 1, 16, 16),), path, input_names=["input"], output_names=["logits"],
                      opset_version=17, dynamo=False)


def logits_ort(model, x):
    s = ort.InferenceSession(model, providers=["CPUExecutionProvider"])
    return np.concatenate([s.run(None, {"input": x[i:i + 1]})[0] for i in range(len(x))])


def sqnr(reference, q):
    return 10 * np.log10(np.sum(reference.astype(np.float64) ** 2) / max(np.sum((reference.astype(np.float64) - q) ** 2), 1e-30))


def ort_static(model, calib, method, out):
    from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter([{"input": calib[i:i + 1]} for i in range(len(calib))])

        def get_next(self):
            return next(self.it, None)

    quantize_static(model, out, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                    calibrate_method=getattr(CalibrationMethod, method))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--edgec", default=".build/debug/edgec")
    ap.add_argument("--work", default=None)
    args = ap.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="edgec-quant-")
    os.makedirs(work, exist_ok=True)
    model = os.path.join(work, "digits.onnx")
    train(model)
    calib, _ = digits(64, seed=2)
    test, labels = digits(2000, seed=3)
    calib, test, labels = calib.numpy(), test.numpy(), labels.numpy()
    np.save(os.path.join(work, "calib.npy"), calib[:, None])  # [N, 1, 1, 16, 16]
    np.save(os.path.join(work, "test.npy"), test[:, None])

    rows = []
    reference = logits_ort(model, test)
    float_acc = float(np.mean(reference.argmax(1) == labels))
    rows.append(("float (ONNX Runtime)", reference))
    for method in ["MinMax", "Entropy", "Percentile"]:
        out = os.path.join(work, f"ort_{method}.onnx")
        ort_static(model, calib, method, out)
        rows.append((f"ONNX Runtime quantize_static {method}", logits_ort(out, test)))

    def edgec(name, extra):
        out = os.path.join(work, f"edgec_{name}.npy")
        cmd = [args.edgec, "quantize", model, "--calibration", "input=" + os.path.join(work, "calib.npy"),
               "-o", os.path.join(work, f"edgec_{name}.eir"), "--evaluate", "input=" + os.path.join(work, "test.npy"),
               "--evaluate-output", out] + extra
        subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
        return np.load(out).reshape(len(test), -1)

    rows.append(("float (edgec IR evaluator, --keep-float '*')", edgec("float", ["--keep-float", "*"])))
    for observer in ["minmax", "percentile", "entropy", "mse", "auto"]:
        rows.append((f"edgec --observer {observer}", edgec(observer, ["--observer", observer])))

    print("| quantizer | top-1 | drop vs float (points) | logits SQNR vs float (dB) |")
    print("| --- | --- | --- | --- |")
    for name, logits in rows:
        acc = float(np.mean(logits.argmax(1) == labels))
        s = sqnr(reference, logits)
        print(f"| {name} | {acc * 100:.2f} % | {(float_acc - acc) * 100:+.2f} | {'inf' if s > 200 else f'{s:.1f}'} |")
    print(f"\n{len(test)} test samples, 64 calibration samples; work files in {work}", file=sys.stderr)


if __name__ == "__main__":
    main()
