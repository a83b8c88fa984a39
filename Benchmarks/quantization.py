#!/usr/bin/env python3
"""INT8 quantization benchmarks: edgec against ONNX Runtime's and ExecuTorch's quantizers.

    .venv/bin/python Benchmarks/quantization.py [--sections digits ocr zoo] [--markdown docs/quantization.md]

Every quantized program of edgec and of ExecuTorch runs in ExecuTorch 1.5.1's own runtime (the pip
`executorch.runtime`, XNNPACK delegate); ONNX Runtime's quantized models run in ONNX Runtime. Sections:

digits  Accuracy on real data. A small CNN trained here with a fixed seed on scikit-learn's bundled
        handwritten digits (`sklearn.datasets.load_digits`: 1797 real 8x8 scans, fixed-seed split:
        1200 train, 597 test). The same float model (PyTorch, exported to ONNX) and the same 64
        calibration samples (from the training split) go to:
        - ONNX Runtime `quantize_static` (QDQ, per-channel symmetric INT8 weights, INT8 activations)
          with MinMax, Entropy and Percentile calibration, run in ONNX Runtime;
        - ExecuTorch PT2E: torch.export -> prepare_pt2e(XNNPACKQuantizer, per-channel symmetric
          config) -> calibrate -> convert_pt2e -> to_edge_transform_and_lower(XnnpackPartitioner)
          -> .pte, run in ExecuTorch's runtime;
        - `edgec compile digits.onnx --backend arm-cpu --quantize int8 --calibration ... --observer X`
          for every observer, the .pte run in ExecuTorch's runtime.
ocr     A real pretrained model from a PyPI wheel: the PP-OCRv4 text-recognition model shipped in
        rapidocr-onnxruntime 1.4.4 (`models/ch_PP-OCRv4_rec_infer.onnx`, input 1x3x48x320, CTC over
        the character list stored in the model's metadata). Evaluation data: text lines rendered
        with the DejaVu fonts (Debian's fonts-dejavu-core) from a real English text (the Apache 2.0
        license shipped in Debian's base-files), black on white, resized and normalized as
        rapidocr's TextRecognizer does; ground truth = the rendered string; metric = character
        accuracy (1 - edit distance / characters). Same side by side as digits; ExecuTorch's PT2E
        flow needs a PyTorch module: the ONNX model converted by onnx2torch (checked against ONNX
        Runtime before use).
zoo     mobilenet_v2 and resnet18 of Conformance/models/architectures.py (random fixed-seed weights,
        batch norms calibrated), 8 fixed-seed N(0,1) calibration samples:
        - size: fp32 arm-cpu .pte bytes vs edgec's INT8 .pte (and ExecuTorch's PT2E INT8 .pte);
        - speed: ExecuTorch-runtime latency at 1 thread of the three programs, timed round-robin in
          one run, medians; ratios;
        - calibration: `edgec quantize` wall time per sample (from its per-sample progress lines) and
          peak memory (max RSS of the process, os.wait4).

The markdown of each section goes to stdout and, with --markdown FILE, between the markers
`<!-- BEGIN generated: quantization-SECTION -->` / `<!-- END ... -->` of FILE (appended when absent).
Use a release build of edgec (`swift build -c release --scratch-path .build-release`) for the zoo section.
"""
from __future__ import annotations

import argparse
import logging
import math
import os
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(ROOT, "Conformance", "models"))

OBSERVERS = ["minmax", "percentile", "entropy", "mse", "auto"]
ORT_METHODS = ["MinMax", "Entropy", "Percentile"]
log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731


# ---------------------------------------------------------------------------------------------
# Shared helpers
# ---------------------------------------------------------------------------------------------

def sqnr(reference, q):
    r = np.asarray(reference, np.float64)
    e = np.sum((r - np.asarray(q, np.float64).reshape(r.shape)) ** 2)
    return 10 * np.log10(np.sum(r ** 2) / max(e, 1e-30))


def fmt_db(v):
    return "inf" if v > 200 else f"{v:.1f}"


class Runner:
    """Programs loaded into ExecuTorch's runtime; the bytes and Program objects stay alive."""

    def __init__(self):
        from executorch.runtime import Runtime
        self.rt = Runtime.get()
        self.keep = []

    def load(self, blob: bytes):
        prog = self.rt.load_program(blob)
        method = prog.load_method("forward")
        self.keep.append((blob, prog, method))
        return method

    def run_all(self, blob: bytes, xs: np.ndarray) -> np.ndarray:
        import torch
        m = self.load(blob)
        return np.stack([m.execute([torch.tensor(x)])[0].numpy().copy() for x in xs])


def ort_session(path):
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.log_severity_level = 3
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def ort_run_all(path, name, xs):
    s = ort_session(path)
    return np.stack([s.run(None, {name: x})[0] for x in xs])


def ort_static(model, input_name, calib, method, out):
    from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.it = iter([{input_name: c} for c in calib])

        def get_next(self):
            return next(self.it, None)

    quantize_static(model, out, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                    calibrate_method=getattr(CalibrationMethod, method))


def pt2e_int8(module, example, calib):
    """ExecuTorch's own INT8 flow: PT2E XNNPACKQuantizer (per-channel symmetric) -> XNNPACK .pte."""
    import torch
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (XNNPACKQuantizer,
                                                                          get_symmetric_quantization_config)
    from executorch.exir import to_edge_transform_and_lower
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e
    # torch.tensor keeps numpy's 0 stride of an axis added with [:, None], which ExecuTorch's
    # export rejects ("0 in strides is not supported"): give the example standard strides.
    example = torch.empty(example.shape, dtype=example.dtype).copy_(example)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        q = XNNPACKQuantizer().set_global(get_symmetric_quantization_config(is_per_channel=True))
        gm = prepare_pt2e(torch.export.export(module, (example,)).module(), q)
        for c in calib:
            gm(torch.tensor(c))
        gm = convert_pt2e(gm)
        prog = to_edge_transform_and_lower(torch.export.export(gm, (example,)), partitioner=[XnnpackPartitioner()])
        return bytes(prog.to_executorch().buffer)


def et_fp32(module, example):
    import torch
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.exir import to_edge_transform_and_lower
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prog = to_edge_transform_and_lower(torch.export.export(module, (example,)), partitioner=[XnnpackPartitioner()])
        return bytes(prog.to_executorch().buffer)


def run_edgec(argv, what):
    """Runs edgec; returns (stdout, stderr lines with their arrival times, seconds, max RSS bytes)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
    lines = []
    for line in p.stderr:
        lines.append((time.perf_counter(), line.rstrip("\n")))
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - t0
    if p.returncode != 0:
        err = "\n".join(l for _, l in lines if not l.startswith("calibrating:"))
        raise RuntimeError(f"{what}: edgec failed ({' '.join(shlex.quote(a) for a in argv)}):\n{err.strip()}")
    return out, lines, seconds, usage.ru_maxrss * 1024


def edgec_compile(edgec, model, pte, extra=(), shapes=()):
    argv = [edgec, "compile", model, "-o", pte, "--backend", "arm-cpu", "--stats", *extra]
    for s in shapes:
        argv += ["--input-shape", s]
    out, lines, seconds, rss = run_edgec(argv, os.path.basename(pte))
    parts = re.findall(r"^  @\S+: (.*?), \d+ nodes", out, re.M)
    stats = dict(re.findall(r"^(partitions|delegated ops|portable ops):\s+(\d+)", out, re.M))
    return {"seconds": seconds, "rss": rss, "bytes": os.path.getsize(pte), "partitions": int(stats.get("partitions", 0)),
            "precisions": parts, "portable_ops": int(stats.get("portable ops", 0)), "stdout": out}


def onnx_export(module, example, path, input_name="input"):
    import torch
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (example,), path, input_names=[input_name], output_names=["output"],
                          opset_version=17, dynamo=False, do_constant_folding=True)


# ---------------------------------------------------------------------------------------------
# Section: accuracy side by side (shared by digits and ocr)
# ---------------------------------------------------------------------------------------------

def side_by_side(args, work, tag, onnx_path, input_name, module, calib, test, metric, shapes=()):
    """Returns rows (name, where it ran, outputs) for float, ORT x3, PT2E, edgec x observers."""
    import torch
    runner = Runner()
    rows = []
    log(f"[{tag}] float in ONNX Runtime")
    ref = ort_run_all(onnx_path, input_name, test)
    rows.append(("float", "ONNX Runtime", ref))
    log(f"[{tag}] float arm-cpu .pte (edgec)")
    fp32_pte = os.path.join(work, f"{tag}.fp32.pte")
    edgec_compile(args.edgec, onnx_path, fp32_pte, shapes=shapes)
    rows.append(("float, `edgec compile --backend arm-cpu`", "ExecuTorch", runner.run_all(open(fp32_pte, "rb").read(), test)))
    for method in ORT_METHODS:
        log(f"[{tag}] ONNX Runtime quantize_static {method}")
        out = os.path.join(work, f"{tag}.ort_{method}.onnx")
        try:
            ort_static(onnx_path, input_name, calib, method, out)
            rows.append((f"ONNX Runtime `quantize_static` {method}", "ONNX Runtime", ort_run_all(out, input_name, test)))
        except Exception as e:  # noqa: BLE001 - a peer's failure is a result
            rows.append((f"ONNX Runtime `quantize_static` {method}", f"failed: {str(e).splitlines()[0][:120]}", None))
    log(f"[{tag}] ExecuTorch PT2E XNNPACKQuantizer")
    try:
        blob = pt2e_int8(module, torch.tensor(test[0]), calib)
        rows.append(("ExecuTorch PT2E `XNNPACKQuantizer`", "ExecuTorch", runner.run_all(blob, test)))
    except Exception as e:  # noqa: BLE001
        rows.append(("ExecuTorch PT2E `XNNPACKQuantizer`", f"failed: {str(e).splitlines()[0][:120]}", None))
    calib_path = os.path.join(work, f"{tag}.calib.npy")
    np.save(calib_path, calib)
    for obs in OBSERVERS:
        log(f"[{tag}] edgec --quantize int8 --observer {obs}")
        pte = os.path.join(work, f"{tag}.edgec_{obs}.pte")
        r = edgec_compile(args.edgec, onnx_path, pte, ["--quantize", "int8", "--calibration", f"{input_name}={calib_path}",
                                                       "--observer", obs], shapes)
        rows.append((f"edgec `--observer {obs}`", "ExecuTorch", runner.run_all(open(pte, "rb").read(), test)))
        log(f"   {r['seconds']:.1f} s, partitions {r['precisions']}")
    return rows


def accuracy_table(rows, metric, metric_name, n_test, n_calib):
    ref = rows[0][2]
    base = metric(ref)
    out = [f"| quantizer | runs in | {metric_name} | drop vs float (points) | output SQNR vs float (dB) |",
           "| --- | --- | ---: | ---: | ---: |"]
    drops = {}
    for name, where, outs in rows:
        if outs is None:
            out.append(f"| {name} | {where} | — | — | — |")
            continue
        m = metric(outs)
        drops[name] = (base - m) * 100
        out.append(f"| {name} | {where} | {m * 100:.2f} % | {(base - m) * 100:+.2f} | {fmt_db(sqnr(ref, outs))} |")
    return out, drops


def summary(drops):
    peers = {k: v for k, v in drops.items() if k.startswith(("ONNX", "ExecuTorch"))}
    ours = {k: v for k, v in drops.items() if k.startswith("edgec")}
    if not peers or not ours:
        return ""
    best_peer = min(peers, key=peers.get)
    auto = ours.get("edgec `--observer auto`")
    best_ours = min(ours, key=ours.get)
    s = (f"Best peer: {best_peer}, drop {peers[best_peer]:+.2f} points; edgec's best: {best_ours}, "
         f"{ours[best_ours]:+.2f}")
    if auto is not None:
        s += f"; edgec's default (`auto`): {auto:+.2f}"
    return s + "."


# ---------------------------------------------------------------------------------------------
# digits
# ---------------------------------------------------------------------------------------------

def digits_section(args, work):
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from sklearn.datasets import load_digits

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.c1 = nn.Conv2d(1, 16, 3, padding=1)
            self.c2 = nn.Conv2d(16, 32, 3, padding=1)
            self.c3 = nn.Conv2d(32, 64, 3, padding=1)
            self.f1 = nn.Linear(64 * 2 * 2, 64)
            self.f2 = nn.Linear(64, 10)

        def forward(self, x):
            x = F.relu(self.c1(x))
            x = F.max_pool2d(F.relu(self.c2(x)), 2)
            x = F.max_pool2d(F.relu(self.c3(x)), 2)
            return self.f2(F.relu(self.f1(torch.flatten(x, 1))))

    d = load_digits()
    x = (d.images.astype(np.float32) / 16.0)[:, None]            # [1797, 1, 8, 8] in [0, 1]
    y = d.target.astype(np.int64)
    perm = np.random.default_rng(0).permutation(len(x))
    train_idx, test_idx = perm[:1200], perm[1200:]
    xtr, ytr = torch.from_numpy(x[train_idx]), torch.from_numpy(y[train_idx])
    torch.manual_seed(0)
    torch.set_num_threads(1)
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=2e-3)
    log("[digits] training (scikit-learn's digits, 1200 samples, 40 epochs)")
    for _ in range(40):
        p = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 32):
            idx = p[i:i + 32]
            opt.zero_grad()
            F.cross_entropy(net(xtr[idx]), ytr[idx]).backward()
            opt.step()
    net.eval()
    onnx_path = os.path.join(work, "digits.onnx")
    onnx_export(net, torch.zeros(1, 1, 8, 8), onnx_path)
    calib = x[train_idx[:64]][:, None]       # [64, 1, 1, 8, 8]: samples stacked on a new leading axis
    test = x[test_idx][:, None]
    labels = y[test_idx]
    metric = lambda outs: float(np.mean(outs.reshape(len(labels), -1).argmax(1) == labels))  # noqa: E731
    rows = side_by_side(args, work, "digits", onnx_path, "input", net, calib, test, metric)
    table, drops = accuracy_table(rows, metric, "top-1", len(test), len(calib))
    text = ["Model: a 3-conv / 2-linear CNN (conv+relu ×3, two max pools, linear+relu, linear; 43 k parameters) "
            "trained here with a fixed seed on scikit-learn's bundled handwritten digits (`load_digits`, 1797 real "
            "8×8 scans, pixel values / 16; fixed-seed split: 1200 train, 597 test). Every quantizer gets the same "
            "float model (ONNX, opset 17, for ONNX Runtime and edgec; the same PyTorch module for PT2E) and the "
            f"same {len(calib)} calibration samples (the first of the training split). Top-1 on the "
            f"{len(test)} test samples (one sample = {100 / len(test):.2f} points).", ""] + table
    s = summary(drops)
    return text + (["", s] if s else [])


# ---------------------------------------------------------------------------------------------
# OCR (rapidocr-onnxruntime's PP-OCRv4 recognition model)
# ---------------------------------------------------------------------------------------------

OCR_FONTS = ["DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSansMono.ttf", "DejaVuSans-Bold.ttf"]
OCR_TEXT = "/usr/share/common-licenses/Apache-2.0"


def ocr_model_path():
    import importlib.util
    spec = importlib.util.find_spec("rapidocr_onnxruntime")
    if spec is None:
        raise RuntimeError("rapidocr-onnxruntime is not installed (Conformance/requirements-nodeps.txt; Scripts/setup-oracles.sh)")
    return os.path.join(list(spec.submodule_search_locations)[0], "models", "ch_PP-OCRv4_rec_infer.onnx")


def ocr_lines(n, seed):
    """n text lines of 8..28 characters cut at word boundaries from a real English text."""
    words = open(OCR_TEXT, encoding="utf-8").read().split()
    rng = np.random.default_rng(seed)
    lines = []
    while len(lines) < n:
        i = int(rng.integers(0, len(words) - 10))
        target = int(rng.integers(8, 29))
        s = words[i]
        for w in words[i + 1:i + 12]:
            if len(s) + 1 + len(w) > target:
                break
            s += " " + w
        lines.append(s)
    return lines


def ocr_render(text, font_name, size=32):
    """The line rendered black on white with 6 px margins, preprocessed as rapidocr's TextRecognizer
    (height 48, width by aspect ratio up to 320, (x/255 - 0.5)/0.5, zero-padded to 320)."""
    from PIL import Image, ImageDraw, ImageFont
    font = ImageFont.truetype(os.path.join("/usr/share/fonts/truetype/dejavu", font_name), size)
    x0, y0, x1, y1 = font.getbbox(text)
    img = Image.new("RGB", (x1 - x0 + 12, y1 - y0 + 12), "white")
    ImageDraw.Draw(img).text((6 - x0, 6 - y0), text, font=font, fill="black")
    w = min(320, int(math.ceil(48 * img.width / img.height)))
    a = np.asarray(img.resize((w, 48), Image.BILINEAR), np.float32).transpose(2, 0, 1) / 255
    out = np.zeros((3, 48, 320), np.float32)
    out[:, :, :w] = (a - 0.5) / 0.5
    return out[None]


def ctc_decode(probs, chars):
    idx = probs.argmax(-1)
    keep = np.ones(len(idx), bool)
    keep[1:] = idx[1:] != idx[:-1]
    keep &= idx != 0
    return "".join(chars[i] for i in idx[keep])


def edit_distance(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def ocr_static_onnx(src, shape, out):
    """The ONNX model with its input fixed to `shape`, weights as initializers (the exporter wrote them as
    Constant nodes) and shape computations folded by ONNX Runtime's basic graph optimizations (constant
    folding, Conv+BatchNorm folding): the form onnx2torch converts."""
    import onnx
    import onnxruntime as ort
    m = onnx.load(src)
    nodes = []
    for n in m.graph.node:
        if n.op_type == "Constant" and len(n.attribute) == 1 and n.attribute[0].name == "value":
            t = n.attribute[0].t
            t.name = n.output[0]
            m.graph.initializer.append(t)
        else:
            nodes.append(n)
    del m.graph.node[:]
    m.graph.node.extend(nodes)
    dims = m.graph.input[0].type.tensor_type.shape.dim
    for d, v in zip(dims, shape):
        d.ClearField("dim_param")
        d.dim_value = v
    fixed = out + ".fixed.onnx"
    onnx.save(m, fixed)
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    so.optimized_model_filepath = out
    so.log_severity_level = 3
    ort.InferenceSession(fixed, so, providers=["CPUExecutionProvider"])
    onnx.save(onnx.shape_inference.infer_shapes(onnx.load(out)), out)
    return out


def onnx_to_torch(onnx_path):
    """The ONNX model as a PyTorch module that torch.export can trace: onnx2torch's conversion, with each
    Reshape / Slice whose shape / starts / ends are initializers replaced by one on Python constants
    (onnx2torch reads them from tensors at run time, which torch.export rejects as data-dependent).
    torchvision, which onnx2torch imports only for its NMS / RoIAlign converters, is not in the oracle
    environment: its import is stubbed."""
    import types
    import onnx
    import torch
    if "torchvision" not in sys.modules:
        try:
            import torchvision  # noqa: F401
        except ImportError:
            def unavailable(*_a, **_k):
                raise RuntimeError("torchvision is not installed")
            stub = types.ModuleType("torchvision")
            stub.ops = types.ModuleType("torchvision.ops")
            def attribute(name):
                if name.startswith("__"):
                    raise AttributeError(name)
                return unavailable
            stub.ops.__getattr__ = attribute
            sys.modules["torchvision"] = stub
            sys.modules["torchvision.ops"] = stub.ops
    from onnx2torch import convert
    from onnx2torch.node_converters import slice as o2t_slice

    class StaticReshape(torch.nn.Module):
        def __init__(self, shape):
            super().__init__()
            self.shape = shape

        def forward(self, x):
            return x.reshape([x.shape[i] if s == 0 else s for i, s in enumerate(self.shape)])

    class StaticSlice(torch.nn.Module):
        def __init__(self, parts):
            super().__init__()
            self.parts = parts

        def forward(self, x):
            return o2t_slice._do_slice(x, *self.parts)

    gm = convert(onnx.load(onnx_path)).eval()

    def constant(node):
        if node is None:
            return None
        if not isinstance(node, torch.fx.Node) or node.op != "get_attr":
            raise ValueError("not a constant")
        v = gm
        for a in node.target.split("."):
            v = getattr(v, a)
        return v

    for k, node in enumerate(list(gm.graph.nodes)):
        if node.op != "call_module":
            continue
        kind = type(gm.get_submodule(node.target)).__name__
        try:
            if kind == "OnnxReshape":
                new = StaticReshape([int(v) for v in constant(node.args[1]).tolist()])
            elif kind == "OnnxSlice":
                new = StaticSlice(o2t_slice._get_slices(*[constant(a) for a in node.args[1:]]))
            else:
                continue
        except ValueError:
            continue
        name = f"static_{k}"
        gm.add_submodule(name, new)
        node.target, node.args = name, (node.args[0],)
    gm.graph.eliminate_dead_code()
    gm.recompile()
    return gm


def ocr_section(args, work):
    import onnx
    import torch
    src = ocr_model_path()
    model = onnx.load(src)
    meta = {p.key: p.value for p in model.metadata_props}
    chars = ["blank"] + meta["character"].splitlines() + [" "]
    # the model with the static input shape edgec and PT2E compile for (rapidocr feeds 1x3x48x320 lines)
    onnx_path = src
    torch_onnx = ocr_static_onnx(src, (1, 3, 48, 320), os.path.join(work, "ocr.static.onnx"))
    lines = ocr_lines(args.ocr_test + args.ocr_calib, seed=0)
    samples = np.stack([ocr_render(t, OCR_FONTS[i % len(OCR_FONTS)]) for i, t in enumerate(lines)])
    calib, test = samples[:args.ocr_calib], samples[args.ocr_calib:]
    truth = lines[args.ocr_calib:]
    module = onnx_to_torch(torch_onnx)
    check = ort_run_all(onnx_path, "x", test[:4])
    with torch.no_grad():
        mine = np.stack([module(torch.tensor(t)).numpy() for t in test[:4]])
    conv_err = float(np.abs(mine - check).max())

    def metric(outs):
        errs = sum(edit_distance(ctc_decode(o.reshape(-1, o.shape[-1]), chars), t) for o, t in zip(outs, truth))
        return 1 - errs / sum(len(t) for t in truth)

    rows = side_by_side(args, work, "ocr", onnx_path, "x", module, calib, test, metric, shapes=("x=1,3,48,320",))
    table, drops = accuracy_table(rows, metric, "character accuracy", len(test), len(calib))
    text = ["Model: PP-OCRv4 text recognition (`models/ch_PP-OCRv4_rec_infer.onnx` of the rapidocr-onnxruntime "
            "1.4.4 wheel: PPLCNetV3 backbone, SVTR neck with attention, CTC head over the 6625 characters in its "
            "metadata), input 1×3×48×320. Data: text lines of 8–28 characters cut at word boundaries from a real "
            f"English text ({OCR_TEXT}, Debian's base-files), rendered at 32 px in DejaVu Sans / Serif / Sans Mono / "
            "Sans Bold (fonts-dejavu-core), black on white, preprocessed as rapidocr's TextRecognizer; ground truth "
            f"= the rendered string. {len(calib)} calibration lines, {len(test)} test lines "
            f"({sum(len(t) for t in truth)} characters); metric: character accuracy = 1 − edit distance / "
            "characters, greedy CTC decoding. ExecuTorch's PT2E flow starts from the ONNX model converted to "
            f"PyTorch by onnx2torch (max |onnx2torch − ONNX Runtime| = {conv_err:.1e} on 4 test lines).", ""] + table
    s = summary(drops)
    return text + (["", s] if s else [])


# ---------------------------------------------------------------------------------------------
# zoo: size, speed, calibration cost
# ---------------------------------------------------------------------------------------------

def int8_floor(onnx_path):
    """Bytes an INT8 program of this ONNX model cannot go below in XNNPACK's format: one byte per weight,
    four per INT32 bias, and two f32 scales per output channel (the qcint8 weight's and the qcint32
    bias's per-channel scales)."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(onnx_path)
    weights = {n.input[1] for n in m.graph.node if n.op_type in ("Conv", "Gemm", "MatMul") and len(n.input) > 1}
    biases = {n.input[2] for n in m.graph.node if n.op_type in ("Conv", "Gemm") and len(n.input) > 2}
    total = 0
    for t in m.graph.initializer:
        a = numpy_helper.to_array(t)
        if t.name in weights:
            total += a.size + 4 * a.shape[0]
        elif t.name in biases:
            total += 4 * a.size + 4 * a.size
    return total


def zoo_section(args, work):
    import torch
    import executorch.extension.pybindings.portable_lib as pl
    from executorch.runtime import Runtime
    import architectures as A
    load_before = os.getloadavg()[0]
    results = []
    for name in args.zoo:
        model = A.build(name)
        x = A.example_input(name)
        onnx_path = os.path.join(work, f"{name}.onnx")
        log(f"[{name}] ONNX export")
        onnx_export(model, x, onnx_path)
        g = torch.Generator().manual_seed(1)
        calib = torch.randn((args.zoo_calib,) + tuple(x.shape), generator=g).numpy()
        calib_path = os.path.join(work, f"{name}.calib.npy")
        np.save(calib_path, calib)
        log(f"[{name}] edgec fp32 arm-cpu")
        fp32 = edgec_compile(args.edgec, onnx_path, os.path.join(work, f"{name}.fp32.pte"))
        log(f"[{name}] edgec quantize (calibration time, peak memory)")
        qeir = os.path.join(work, f"{name}.q.eir")
        _, lines, q_seconds, q_rss = run_edgec([args.edgec, "quantize", onnx_path, "--calibration", f"input={calib_path}",
                                                "-o", qeir], f"{name} quantize")
        stamps = [t for t, l in lines if l.startswith("calibrating:")]
        per_sample = (stamps[-1] - stamps[0]) * 2 / max(len(stamps) - 1, 1) if len(stamps) > 1 else float("nan")
        log(f"[{name}] edgec compile --quantize int8")
        int8 = edgec_compile(args.edgec, onnx_path, os.path.join(work, f"{name}.int8.pte"),
                             ["--quantize", "int8", "--calibration", f"input={calib_path}"])
        log(f"[{name}] ExecuTorch PT2E INT8 export")
        et_blob = pt2e_int8(model, x, calib)
        blobs = {"fp32": open(os.path.join(work, f"{name}.fp32.pte"), "rb").read(),
                 "int8": open(os.path.join(work, f"{name}.int8.pte"), "rb").read(), "et_int8": et_blob}
        log(f"[{name}] latency (1 thread, round-robin)")
        pl._unsafe_reset_threadpool(1)
        progs = {k: Runtime.get().load_program(b) for k, b in blobs.items()}
        methods = {k: p.load_method("forward") for k, p in progs.items()}
        xin = x.contiguous()
        with torch.no_grad():
            ref = model(x).numpy()
        outs = {k: m.execute([xin])[0].numpy().copy() for k, m in methods.items()}
        for _ in range(args.warmup):
            for m in methods.values():
                m.execute([xin])
        times = {k: [] for k in methods}
        for _ in range(args.runs):
            for k, m in methods.items():
                t0 = time.perf_counter()
                m.execute([xin])
                times[k].append((time.perf_counter() - t0) * 1e3)
        del methods, progs
        med = {k: statistics.median(v) for k, v in times.items()}
        cos = {k: float(np.dot(o.reshape(-1), ref.reshape(-1)) / (np.linalg.norm(o) * np.linalg.norm(ref))) for k, o in outs.items()}
        results.append({"name": name, "fp32": fp32, "floor": int8_floor(onnx_path), "int8": int8, "et_bytes": len(et_blob), "med": med, "cos": cos,
                        "q_seconds": q_seconds, "q_rss": q_rss, "per_sample": per_sample, "n_calib": args.zoo_calib,
                        "onnx_bytes": os.path.getsize(onnx_path)})
    load_after = os.getloadavg()[0]
    mb = lambda b: f"{b / 1e6:.2f} MB"  # noqa: E731
    out = ["Models: Conformance/models/architectures.py (random fixed-seed weights, batch norms calibrated; no "
           f"task metric, so the output cosine against the float PyTorch model is shown), {args.zoo_calib} fixed-seed "
           "N(0,1) calibration samples, ONNX export (opset 17, batch norms folded) for edgec, the same PyTorch "
           "module for ExecuTorch's PT2E `XNNPACKQuantizer` (per-channel symmetric) with the same samples. "
           "edgec INT8: `edgec compile model.onnx --backend arm-cpu --quantize int8 --calibration input=calib.npy` "
           "(default observer `auto`).", "", "#### Size", "",
           "| model | fp32 arm-cpu .pte | edgec INT8 .pte | fp32 / INT8 | ExecuTorch PT2E INT8 .pte | fp32 / ExecuTorch INT8 | "
           "INT8 floor | fp32 / floor | edgec INT8 partitions |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in results:
        f = r["fp32"]["bytes"]
        out.append(f"| {r['name']} | {mb(f)} | {mb(r['int8']['bytes'])} | {f / r['int8']['bytes']:.2f}× | "
                   f"{mb(r['et_bytes'])} | {f / r['et_bytes']:.2f}× | {mb(r['floor'])} | {f / r['floor']:.2f}× | "
                   f"{r['int8']['partitions']}: {', '.join(sorted(set(r['int8']['precisions'])))} |")
    out += ["", "INT8 floor: the bytes no INT8 program of the model can go below in XNNPACK's format: one per weight, "
            "four per INT32 bias and two f32 per-channel scales per output channel (the qcint8 weight's and the "
            "qcint32 bias's). A model with many channels per weight (depthwise convolutions) cannot reach 4×."]
    out += ["", "#### Speed (ExecuTorch runtime, 1 thread)", "",
            f"Machine: {os.cpu_count()} cores shared with other jobs (1-min load average {load_before:.1f} before, "
            f"{load_after:.1f} after): the three programs of a model are timed round-robin in one run, so compare the "
            f"ratios, not the milliseconds. Median of {args.runs} runs each after {args.warmup} warm-up rounds, on the "
            "model's example input; cosine of each program's output against the float PyTorch model.", "",
            "| model | fp32 arm-cpu | edgec INT8 | ExecuTorch PT2E INT8 | fp32 / edgec INT8 | edgec INT8 / ExecuTorch INT8 | "
            "cosine fp32 / edgec INT8 / ET INT8 |", "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for r in results:
        m, c = r["med"], r["cos"]
        out.append(f"| {r['name']} | {m['fp32']:.1f} ms | {m['int8']:.1f} ms | {m['et_int8']:.1f} ms | "
                   f"{m['fp32'] / m['int8']:.2f}× | {m['int8'] / m['et_int8']:.2f}× | "
                   f"{c['fp32']:.5f} / {c['int8']:.4f} / {c['et_int8']:.4f} |")
    out += ["", "#### Calibration cost (`edgec quantize`)", "",
            "`edgec quantize model.onnx --calibration input=calib.npy -o model.q.eir` (default observer `auto`, two "
            "passes over the samples). Per sample: the time between the first and last per-sample progress lines "
            "(2 × samples − 1 sample runs), × 2 (both passes). Peak memory: the process's max RSS (os.wait4), "
            "which includes the imported model and its weights.", "",
            "| model | samples | calibration per sample (2 passes) | whole `edgec quantize` | peak RSS | ONNX file |",
            "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        out.append(f"| {r['name']} | {r['n_calib']} | {r['per_sample']:.2f} s | {r['q_seconds']:.1f} s | "
                   f"{r['q_rss'] / 2**20:.0f} MiB | {mb(r['onnx_bytes'])} |")
    return out


# ---------------------------------------------------------------------------------------------

SECTIONS = {"digits": ("Accuracy on real data: digits CNN", digits_section),
            "ocr": ("Accuracy of a pretrained model: PP-OCRv4 text recognition", ocr_section),
            "zoo": ("Size, speed and calibration cost: mobilenet_v2, resnet18", zoo_section)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], epilog=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sections", nargs="+", default=list(SECTIONS), choices=list(SECTIONS))
    ap.add_argument("--edgec", default=os.path.join(ROOT, ".build-release", "release", "edgec"))
    ap.add_argument("--work", default=None, help="keep the models and programs here")
    ap.add_argument("--markdown", help="replace the generated sections of this file (docs/quantization.md)")
    ap.add_argument("--ocr-test", type=int, default=200)
    ap.add_argument("--ocr-calib", type=int, default=32)
    ap.add_argument("--zoo", nargs="+", default=["mobilenet_v2", "resnet18"])
    ap.add_argument("--zoo-calib", type=int, default=8)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    args = ap.parse_args()
    if not os.access(args.edgec, os.X_OK):
        ap.error(f"{args.edgec} is not an executable; build it (swift build -c release --scratch-path .build-release)")
    args.edgec = os.path.abspath(args.edgec)
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    work = args.work or tempfile.mkdtemp(prefix="edgec-quant-bench-")
    os.makedirs(work, exist_ok=True)
    shown = []
    argv = sys.argv[1:]
    while argv:
        a = argv.pop(0)
        if a in ("--markdown", "--work"):
            argv = argv[1:]
        elif not a.startswith(("--markdown=", "--work=")):
            shown.append(a)
    rel = os.path.relpath(args.edgec, ROOT)
    build = "release build" if rel == os.path.join(".build-release", "release", "edgec") else f"edgec binary {rel}"
    for key in args.sections:
        title, fn = SECTIONS[key]
        t0 = time.perf_counter()
        body = fn(args, work)
        cmd = ".venv/bin/python Benchmarks/quantization.py " + " ".join(shlex.quote(a) for a in shown)
        begin, end = f"<!-- BEGIN generated: quantization-{key} -->", f"<!-- END generated: quantization-{key} -->"
        section = "\n".join([begin, f"### {title}", "", f"Produced by `{cmd.strip()} --markdown docs/quantization.md` "
                             f"({build}, {time.strftime('%Y-%m-%d')}, {time.perf_counter() - t0:.0f} s for this section):",
                             ""] + body + [end]) + "\n"
        print(section, flush=True)
        if args.markdown:
            text = open(args.markdown).read() if os.path.exists(args.markdown) else ""
            b, e = text.find(begin), text.find(end)
            if b >= 0 and e > b:
                text = text[:b] + section + text[e + len(end):].lstrip("\n")
            else:
                text = text.rstrip("\n") + "\n\n" + section
            with open(args.markdown + ".tmp", "w") as f:
                f.write(text)
            os.replace(args.markdown + ".tmp", args.markdown)
    log(f"work files in {work}")


if __name__ == "__main__":
    main()
