#!/usr/bin/env python3
"""Writes the README example model: the tiny CNN of architectures.py (conv-bn-relu-maxpool x2,
conv-bn-relu, global average pool, linear; f32[1,3,32,32] -> f32[1,10], ~15k parameters) as
an ONNX file (opset 17, legacy TorchScript exporter, input "input", output "output"). The
exporter folds each BatchNorm into the preceding Conv (graph: Conv, Relu, MaxPool,
ReduceMean, Gemm; ~60 KB); --keep-batchnorm keeps BatchNormalization nodes in the graph.

The bytes are deterministic: weights come from a fixed seed with random BN statistics (no
data-dependent calibration), and the exporter's output is stable, so running the script
twice (or on another machine with the pinned packages) gives the same sha256. The script
checks the file with onnx.checker and compares ONNX Runtime with eager PyTorch.

With --io it also writes, next to the model, the fixed-seed input and the ONNX Runtime
output as <stem>.input.npy / <stem>.output.npy, and with --pb as
<stem>/test_data_set_0/{input_0,output_0}.pb (ONNX TensorProto).

Usage:
  .venv/bin/python Conformance/models/make_example.py Examples/tiny_cnn.onnx [--io] [--pb] [--keep-batchnorm] [--seed 0]
"""
from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import numpy_helper

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import architectures as A  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("path", help="where to write the .onnx file")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--opset", type=int, default=17)
    parser.add_argument("--keep-batchnorm", action="store_true",
                        help="keep the BatchNormalization nodes (default: the exporter folds them into the convs)")
    parser.add_argument("--io", action="store_true", help="also write <stem>.input.npy and <stem>.output.npy")
    parser.add_argument("--pb", action="store_true", help="also write <stem>/test_data_set_0/*.pb")
    args = parser.parse_args()

    model = A.build("tiny_cnn", args.seed)
    x = A.example_input("tiny_cnn", args.seed)
    buf = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")          # the legacy exporter's deprecation notice
        torch.onnx.export(model, (x,), buf, dynamo=False, opset_version=args.opset, input_names=["input"],
                          output_names=["output"], do_constant_folding=True,
                          **({"training": torch.onnx.TrainingMode.PRESERVE} if args.keep_batchnorm else {}))
        y_torch = model(x).numpy()
    data = buf.getvalue()
    proto = onnx.load_from_string(data)
    onnx.checker.check_model(proto, full_check=True)

    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])
    (y_ort,) = sess.run(["output"], {"input": x.numpy()})
    diff = float(np.max(np.abs(y_ort - y_torch)))
    if diff > 1e-4:
        print(f"ONNX Runtime and PyTorch disagree: max |diff| {diff:.3e}", file=sys.stderr)
        return 1

    os.makedirs(os.path.dirname(os.path.abspath(args.path)), exist_ok=True)
    with open(args.path, "wb") as f:
        f.write(data)
    stem = os.path.splitext(args.path)[0]
    written = [args.path]
    if args.io:
        np.save(stem + ".input.npy", x.numpy())
        np.save(stem + ".output.npy", y_ort)
        written += [stem + ".input.npy", stem + ".output.npy"]
    if args.pb:
        ds = os.path.join(stem, "test_data_set_0")
        os.makedirs(ds, exist_ok=True)
        for fname, arr, name in (("input_0.pb", x.numpy(), "input"), ("output_0.pb", y_ort, "output")):
            with open(os.path.join(ds, fname), "wb") as f:
                f.write(numpy_helper.from_array(arr, name).SerializeToString())
            written.append(os.path.join(ds, fname))
    for p in written:
        with open(p, "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        print(f"{p}  {os.path.getsize(p)} bytes  sha256 {digest}")
    print(f"ops: {', '.join(sorted({n.op_type for n in proto.graph.node}))}; max |ort - torch| {diff:.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
