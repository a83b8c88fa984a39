#!/usr/bin/env python3
"""Exports the model zoo (architectures.py) to ONNX and torch.export archives, with fixed-seed
inputs and reference outputs, for edgec's importers, conformance suite and benchmarks.

For every chosen model it writes into the output folder:

  <name>.onnx        opset 17 (default), legacy TorchScript exporter (torch.onnx.export with
                     dynamo=False), graph input "input", output "output", constant folding,
                     weights inline (no external data; the zoo stays far below 2 GB).
                     BatchNorm after Conv is folded into the Conv by that exporter unless
                     --keep-batchnorm is given
  <name>.pt2         torch.export.export(...) saved with torch.export.save (the IR export
                     returns by default in torch 2.13: aten.conv2d, aten.linear, aten.batch_norm …)
  <name>.core.pt2    with --core-aten: the same after run_decompositions() (core ATen opset:
                     aten.convolution, aten.addmm, aten._native_batch_norm_legit_no_training …)
  <name>.input.npy   the fixed-seed input (float32, or int64 token ids for bert_mini)
  <name>.torch.npy   eager PyTorch output
  <name>.ort.npy     ONNX Runtime output (CPU provider, 1 intra-op and 1 inter-op thread)
  manifest.json      per model: input/output shape and dtype, files (bytes, sha256),
                     max |torch - ort| and |torch - pt2|, export/run times, ONNX op counts

With --onnx-input-pb it also writes the ONNX backend-test layout (TensorProto files):

  <name>/model.onnx                       symlink to ../<name>.onnx (a copy if links fail)
  <name>/test_data_set_0/input_0.pb       the input, tensor name "input"
  <name>/test_data_set_0/output_0.pb      the ONNX Runtime output, tensor name "output"

The manifest is merged: exporting a subset replaces only those models' entries. The exit
status is 1 if any model's torch/ORT or torch/pt2 difference exceeds --atol + --rtol * max|torch|.

Usage:
  .venv/bin/python Conformance/models/export.py                       # every model
  .venv/bin/python Conformance/models/export.py resnet18 bert_mini    # a subset
  .venv/bin/python Conformance/models/export.py --out /tmp/zoo --onnx-input-pb --opset 17
  .venv/bin/python Conformance/models/export.py --keep-batchnorm --core-aten --out /tmp/zoo-bn
  .venv/bin/python Conformance/models/export.py --list
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import shutil
import sys
import time
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
from onnx import numpy_helper

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import architectures as A  # noqa: E402

DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".cache", "models")


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def export_onnx(model: torch.nn.Module, x: torch.Tensor, path: str, opset: int, keep_batchnorm: bool = False) -> str:
    """Writes `path` with the legacy TorchScript exporter; returns the exporter's name.
    Falls back to the dynamo exporter (which needs the onnxscript package) only if the
    legacy one is missing.

    In eval mode with constant folding, the legacy exporter folds every BatchNorm that
    follows a Conv into the Conv's weights (its "eval peephole" pass). keep_batchnorm
    exports with training=TrainingMode.PRESERVE instead: the model is still in eval mode,
    so BatchNormalization nodes (training_mode=0) stay in the graph and everything else is
    constant-folded as usual."""
    kwargs = dict(input_names=["input"], output_names=["output"], opset_version=opset, do_constant_folding=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")          # the legacy exporter's deprecation notice
            extra = {"training": torch.onnx.TrainingMode.PRESERVE} if keep_batchnorm else {}
            torch.onnx.export(model, (x,), path, dynamo=False, **kwargs, **extra)
        return "torchscript"
    except (TypeError, NotImplementedError, ImportError) as e:  # pragma: no cover - not the case in torch 2.13
        print(f"  legacy ONNX exporter unavailable ({e}); using dynamo=True (needs onnxscript)", file=sys.stderr)
        torch.onnx.export(model, (x,), path, dynamo=True, external_data=False, optimize=True, **kwargs)
        return "dynamo"


def ort_session(path: str, threads: int = 1) -> ort.InferenceSession:
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def op_counts(model: onnx.ModelProto) -> dict:
    c = collections.Counter(n.op_type if not n.domain else f"{n.domain}::{n.op_type}" for n in model.graph.node)
    return dict(sorted(c.items()))


def write_pb_layout(out: str, name: str, x: np.ndarray, y: np.ndarray) -> list:
    case = os.path.join(out, name)
    ds = os.path.join(case, "test_data_set_0")
    shutil.rmtree(case, ignore_errors=True)
    os.makedirs(ds)
    link = os.path.join(case, "model.onnx")
    try:
        os.symlink(os.path.join("..", name + ".onnx"), link)
    except OSError:
        shutil.copyfile(os.path.join(out, name + ".onnx"), link)
    paths = []
    for fname, arr, tname in (("input_0.pb", x, "input"), ("output_0.pb", y, "output")):
        p = os.path.join(ds, fname)
        with open(p, "wb") as f:
            f.write(numpy_helper.from_array(arr, tname).SerializeToString())
        paths.append(p)
    return paths


def max_abs(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64))))


def export_model(name: str, out: str, opset: int, seed: int, pb: bool, skip_pt2: bool, core_aten: bool,
                 keep_batchnorm: bool = False) -> dict:
    spec = A.MODELS[name]
    entry = {"model": name, "description": spec.description, "seed": seed, "opset": opset}
    t0 = time.perf_counter()
    model = A.build(name, seed)
    x = A.example_input(name, seed)
    entry["build_s"] = round(time.perf_counter() - t0, 3)
    entry["parameters"] = int(sum(p.numel() for p in model.parameters()))

    t0 = time.perf_counter()
    with torch.no_grad():
        y_torch = model(x).numpy()
    entry["torch_eager_s"] = round(time.perf_counter() - t0, 3)
    x_np = x.numpy()
    entry["input"] = {"name": "input", "shape": list(x_np.shape), "dtype": str(x_np.dtype)}
    entry["output"] = {"name": "output", "shape": list(y_torch.shape), "dtype": str(y_torch.dtype)}

    files = {}
    p = os.path.join(out, name + ".input.npy"); np.save(p, x_np); files["input"] = p
    p = os.path.join(out, name + ".torch.npy"); np.save(p, y_torch); files["torch"] = p

    # ONNX
    onnx_path = os.path.join(out, name + ".onnx")
    t0 = time.perf_counter()
    with torch.no_grad():
        entry["onnx_exporter"] = export_onnx(model, x, onnx_path, opset, keep_batchnorm)
    entry["onnx_batchnorm"] = "kept" if keep_batchnorm else "folded into Conv"
    entry["onnx_export_s"] = round(time.perf_counter() - t0, 3)
    files["onnx"] = onnx_path
    proto = onnx.load(onnx_path)
    onnx.checker.check_model(proto, full_check=True)
    entry["onnx_ops"] = op_counts(proto)
    entry["onnx_nodes"] = len(proto.graph.node)
    entry["onnx_initializers"] = len(proto.graph.initializer)
    entry["onnx_opset_imports"] = {(o.domain or "ai.onnx"): o.version for o in proto.opset_import}

    t0 = time.perf_counter()
    sess = ort_session(onnx_path, 1)
    entry["ort_session_s"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    (y_ort,) = sess.run(["output"], {"input": x_np})
    entry["ort_run_s"] = round(time.perf_counter() - t0, 3)
    p = os.path.join(out, name + ".ort.npy"); np.save(p, y_ort); files["ort"] = p
    entry["max_abs_diff_torch_ort"] = max_abs(y_torch, y_ort)
    entry["max_abs_torch"] = float(np.max(np.abs(y_torch)))

    # torch.export
    if not skip_pt2:
        pt2_path = os.path.join(out, name + ".pt2")
        t0 = time.perf_counter()
        with torch.no_grad():
            ep = torch.export.export(model, (x,))
        torch.export.save(ep, pt2_path)
        entry["torch_export_s"] = round(time.perf_counter() - t0, 3)
        files["pt2"] = pt2_path
        ops = collections.Counter(str(n.target) for n in ep.graph.nodes if n.op == "call_function")
        entry["pt2_ops"] = dict(sorted(ops.items()))
        with torch.no_grad():
            y_pt2 = torch.export.load(pt2_path).module()(x).numpy()
        entry["max_abs_diff_torch_pt2"] = max_abs(y_torch, y_pt2)
        if core_aten:
            core_path = os.path.join(out, name + ".core.pt2")
            t0 = time.perf_counter()
            core = ep.run_decompositions()
            torch.export.save(core, core_path)
            entry["torch_core_aten_s"] = round(time.perf_counter() - t0, 3)
            files["core_pt2"] = core_path
            ops = collections.Counter(str(n.target) for n in core.graph.nodes if n.op == "call_function")
            entry["core_pt2_ops"] = dict(sorted(ops.items()))
            with torch.no_grad():
                y_core = torch.export.load(core_path).module()(x).numpy()
            entry["max_abs_diff_torch_core_pt2"] = max_abs(y_torch, y_core)

    if pb:
        pi, po = write_pb_layout(out, name, x_np, y_ort)
        files["pb_input"], files["pb_output"] = pi, po

    entry["files"] = {k: {"path": os.path.relpath(v, out), "bytes": os.path.getsize(v), "sha256": sha256(v)}
                      for k, v in files.items()}
    return entry


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("models", nargs="*", help="models to export (default: all)")
    parser.add_argument("--out", default=DEFAULT_OUT, help="output folder (default Conformance/.cache/models)")
    parser.add_argument("--opset", type=int, default=17)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--onnx-input-pb", action="store_true", help="also write <name>/test_data_set_0/*.pb")
    parser.add_argument("--skip-pt2", action="store_true", help="do not write the torch.export archives")
    parser.add_argument("--core-aten", action="store_true",
                        help="also write <name>.core.pt2, decomposed to the core ATen opset")
    parser.add_argument("--keep-batchnorm", action="store_true",
                        help="keep BatchNormalization nodes in the ONNX files (default: folded into Conv)")
    parser.add_argument("--atol", type=float, default=1e-4)
    parser.add_argument("--rtol", type=float, default=1e-4)
    parser.add_argument("--list", action="store_true", help="list the models and exit")
    args = parser.parse_args()

    if args.list:
        for n, s in A.MODELS.items():
            print(f"{n:20s} {str(tuple(s.input_shape)):18s} {str(s.input_dtype):14s} {s.description}")
        return 0
    names = args.models or list(A.MODELS)
    unknown = [n for n in names if n not in A.MODELS]
    if unknown:
        parser.error(f"unknown model(s) {unknown}; known: {', '.join(A.MODELS)}")

    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    manifest_path = os.path.join(out, "manifest.json")
    manifest = {"models": {}}
    if os.path.exists(manifest_path):
        with open(manifest_path) as f:
            manifest = json.load(f)
    manifest.update({"torch": torch.__version__, "onnx": onnx.__version__, "onnxruntime": ort.__version__,
                     "numpy": np.__version__})

    failed = []
    print(f"{'model':20s} {'params':>9s} {'onnx KB':>9s} {'pt2 KB':>9s} {'|torch-ort|':>11s} {'|torch-pt2|':>11s} "
          f"{'onnx s':>7s} {'pt2 s':>7s}")
    for name in names:
        e = export_model(name, out, args.opset, args.seed, args.onnx_input_pb, args.skip_pt2,
                         args.core_aten, args.keep_batchnorm)
        manifest["models"][name] = e
        tol = args.atol + args.rtol * e["max_abs_torch"]
        diffs = [v for k, v in e.items() if k.startswith("max_abs_diff_")]
        ok = all(d <= tol for d in diffs)
        e["within_tolerance"] = ok
        if not ok:
            failed.append(name)
        f = e["files"]
        print(f"{name:20s} {e['parameters']:9d} {f['onnx']['bytes']/1024:9.1f} "
              f"{f['pt2']['bytes']/1024 if 'pt2' in f else float('nan'):9.1f} {e['max_abs_diff_torch_ort']:11.2e} "
              f"{e.get('max_abs_diff_torch_pt2', float('nan')):11.2e} {e['onnx_export_s']:7.2f} "
              f"{e.get('torch_export_s', float('nan')):7.2f}{'' if ok else '  EXCEEDS TOLERANCE'}", flush=True)
        with open(manifest_path, "w") as fh:          # after every model, so partial runs leave a manifest
            json.dump(manifest, fh, indent=2, sort_keys=False)
            fh.write("\n")
    print(f"manifest: {manifest_path}")
    if failed:
        print(f"outside tolerance (atol {args.atol}, rtol {args.rtol}): {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
