#!/usr/bin/env python3
"""Model interop check: real models through edgec, in edgec's interpreter and in ExecuTorch.

For every chosen model:

  1. compile the ONNX file with `edgec compile model.onnx -o model.pte --stats` (arena and its
     lower bound come from --stats);
  2. run the .pte in edgec's bundled interpreter (`edgec run model.pte --input name=x.pb -o dir`,
     inputs passed as ONNX TensorProto files);
  3. run the same .pte in ExecuTorch 1.5.1's runtime (executorch.runtime.Runtime, portable
     kernels; the Program object is kept alive while its method runs);
  4. run the ONNX file in ONNX Runtime (CPU, 1 thread) on the same inputs: the reference;
  5. compare: relative error = max|out - ORT| / max|ORT| per output, must be <= --rtol
     (default 1e-4: float32 kernels summing in a different order than ORT's MLAS);
  6. for the model zoo, export the same PyTorch model with ExecuTorch's own pipeline
     (torch.export -> to_edge -> to_executorch, portable) and read its planned arena
     (non_const_buffer_sizes), to compare with edgec's arena and lower bound.

Models:
  zoo    Conformance/models/export.py's models (plain-PyTorch architectures, random weights),
         exported to --zoo (default Conformance/.cache/models) when missing: the fixed-seed
         input <name>.input.npy and <name>.onnx (opset 17, BatchNorm folded by the exporter)
  light  the onnx package's `light` models (onnx/backend/test/data/light/light_<name>.onnx,
         weights as ConstantOfShape). Their input is what onnx's backend test runner feeds
         them (runner.generate_dummy_data with random=False): arange(n).reshape(shape) / n in
         float32, dims without a value taken as 1. The expected output beside each model
         (light_<name>_output_0.pb, from onnx's ReferenceEvaluator) is checked against ORT too.

A model that edgec cannot compile (an op without an importer or a lowering yet) is reported
as "unsupported" with the first diagnostic and does not fail the check unless --strict is
given; a compiled model whose outputs differ, or that fails to run in either runtime, does.
The exit status is 1 on any failure.

Usage (repository root, after `swift build`; a release build is much faster for the big models):
  .venv/bin/python Conformance/models/check_models.py                      # default zoo + light sets
  .venv/bin/python Conformance/models/check_models.py --models mobilenet_v2 resnet18 --light none
  .venv/bin/python Conformance/models/check_models.py --edgec .build-release/release/edgec --light all
  .venv/bin/python Conformance/models/check_models.py --models none --light squeezenet --strict
Options: --backend NAME (default portable; arm-cpu adds partitions / delegated ops / portable ops to each
row from --stats), --no-interpreter, --rtol R, --no-et-export (ExecuTorch arena from ORACLES.md where recorded),
--no-executorch (skip running in ExecuTorch), --json PATH, --keep DIR (keep the .pte files).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from typing import Dict, List, Optional

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, HERE)

DEFAULT_ZOO = ["mobilenet_v2", "resnet18", "resnet50", "mobilenet_v3_small", "efficientnet_b0", "squeezenet1_1",
               "shufflenet_v2_x1_0", "vit_tiny", "bert_mini"]
# make_hf_models.py's fixtures: each through the TorchScript ONNX exporter at two opsets and torch.export.
HF_FORMATS = ["opset14", "opset18", "pt2", "core.pt2", "dynamic.pt2"]
# vgg19 (575 MB of weights, ~20 GFLOP) is left out of the default set: minutes per run in the
# portable runtimes; `--light all` includes it.
DEFAULT_LIGHT = ["squeezenet", "shufflenet", "resnet50", "densenet121", "inception_v1", "inception_v2",
                 "bvlc_alexnet", "zfnet512"]
# ../shared/design/ORACLES.md: ExecuTorch's own planned arena (portable export), in bytes.
ORACLES_ET_ARENA = {"mobilenet_v2": 9.94e6, "resnet18": 6.42e6, "resnet50": 14.61e6}


def light_dir() -> str:
    import onnx
    return os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")


def light_models() -> List[str]:
    d = light_dir()
    return sorted(f[len("light_"):-len(".onnx")] for f in os.listdir(d) if f.startswith("light_") and f.endswith(".onnx"))


def onnx_runner_input(value_info) -> np.ndarray:
    """The input onnx's backend test runner feeds a light model (generate_dummy_data, random=False)."""
    t = value_info.type.tensor_type
    if t.elem_type != 1:
        raise ValueError(f"input {value_info.name!r} is not float32")
    shape = tuple(d.dim_value if d.HasField("dim_value") else 1 for d in t.shape.dim)
    n = int(np.prod(shape))
    return (np.arange(n).reshape(shape) / n).astype(np.float32)


def ort_run(onnx_path: str, feeds: Dict[str, np.ndarray]) -> List[np.ndarray]:
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def rel_err(out: np.ndarray, ref: np.ndarray) -> float:
    out = np.asarray(out, np.float64)
    ref = np.asarray(ref, np.float64)
    if out.shape != ref.shape:
        if out.size == ref.size:          # e.g. [1,1000] vs [1,1000,1,1]; reported, but compare values
            out = out.reshape(ref.shape)
        else:
            return float("inf")
    scale = max(float(np.max(np.abs(ref))) if ref.size else 0.0, 1e-12)
    return float(np.max(np.abs(out - ref))) / scale if ref.size else 0.0


def save_pb(path: str, name: str, array: np.ndarray) -> None:
    from onnx import numpy_helper
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(array, name).SerializeToString())


def et_export_arena(name: str) -> Optional[int]:
    """ExecuTorch's own planned arena for the zoo model (portable export, no delegate)."""
    import torch
    from executorch.exir import to_edge
    import architectures as A
    model = A.build(name)
    x = A.example_input(name)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prog = to_edge(torch.export.export(model, (x,))).to_executorch()
    return int(sum(prog.executorch_program.execution_plan[0].non_const_buffer_sizes))


class Check:
    def __init__(self, args, work: str):
        self.args = args
        self.work = work
        self.failures = 0
        self.rows: List[Dict[str, object]] = []

    def edgec(self, *argv: str, timeout: int = 1800) -> subprocess.CompletedProcess:
        return subprocess.run([self.args.edgec, *argv], capture_output=True, text=True, timeout=timeout)

    def check(self, name: str, source: str, onnx_path: str, feeds: Dict[str, np.ndarray],
              expected: Optional[List[np.ndarray]] = None, zoo_name: Optional[str] = None,
              reference: Optional[List[np.ndarray]] = None, input_shapes: bool = False) -> None:
        """Compiles and runs one model. `onnx_path` may be a .pt2, with `reference` (eager
        PyTorch's outputs) in place of ONNX Runtime's; `input_shapes` passes every feed's shape
        as --input-shape (models exported with symbolic batch and sequence dims)."""
        row: Dict[str, object] = {"model": name, "source": source}
        self.rows.append(row)
        tag = f"{source}:{name}"
        print(f"[{tag}] compiling", file=sys.stderr, flush=True)
        pte = os.path.join(self.work, f"{source}_{name}.pte")
        shapes = [a for n, v in feeds.items() for a in ("--input-shape", f"{n}=" + ",".join(map(str, v.shape)))] \
            if input_shapes else []
        t0 = time.perf_counter()
        c = self.edgec("compile", onnx_path, "-o", pte, "--stats", "--backend", self.args.backend, *shapes)
        row["compile_s"] = time.perf_counter() - t0
        if c.returncode != 0:
            lines = c.stderr.splitlines()
            at = next((i for i, l in enumerate(lines) if "error" in l), None)
            # the error line, and the first node it lists when it ends in a colon
            first = c.stderr.strip()[:200] if at is None else lines[at].replace(onnx_path + ": ", "") + (
                " " + lines[at + 1].strip() if lines[at].endswith(":") and at + 1 < len(lines) else "")
            row["status"] = "unsupported"
            row["detail"] = first[:300]
            if self.args.strict:
                self.failures += 1
                row["status"] = "FAIL (compile)"
            return
        stats = dict(re.findall(r"^(arena bytes|lower bound|instructions):\s+(\d+)", c.stdout, re.M))
        row["arena"], row["bound"] = int(stats["arena bytes"]), int(stats["lower bound"])
        row["instructions"] = int(stats["instructions"])
        delegation = dict(re.findall(r"^(partitions|delegated ops|portable ops):\s+(\d+)", c.stdout, re.M))
        if delegation:
            row["partitions"], row["delegated_ops"] = int(delegation["partitions"]), int(delegation["delegated ops"])
            row["portable_ops"] = int(delegation["portable ops"])
            row["left_out"] = re.findall(r"^  (edge\.\S+.*)$", c.stdout, re.M)
        meta = json.loads(self.edgec("inspect", pte, "--json").stdout)["plans"][0]
        in_names, out_names = meta["input_names"], meta["output_names"]

        if reference is None:
            print(f"[{tag}] onnxruntime", file=sys.stderr, flush=True)
            ref = ort_run(onnx_path, feeds)
        else:
            ref = reference
        if expected is not None:
            row["ort_vs_expected"] = max(rel_err(r, e) for r, e in zip(ref, expected))

        problems = []
        print(f"[{tag}] edgec run", file=sys.stderr, flush=True)
        in_args = []
        for i, n in enumerate(in_names):
            p = os.path.join(self.work, f"{source}_{name}.in{i}.pb")
            save_pb(p, n, feeds[n])
            in_args += ["--input", f"{n}={p}"]
        outdir = os.path.join(self.work, f"{source}_{name}.out")
        t0 = time.perf_counter()
        r = self.edgec("run", pte, "-o", outdir, *in_args) if not self.args.no_interpreter else None
        row["edgec_run_s"] = time.perf_counter() - t0
        edgec_out = None
        if r is None:
            pass
        elif r.returncode != 0:
            problems.append("edgec run: " + r.stderr.strip().splitlines()[-1][:200] if r.stderr.strip() else "edgec run failed")
        else:
            safe = [re.sub(r"[^A-Za-z0-9._-]", "_", n) for n in out_names]
            edgec_out = [np.load(os.path.join(outdir, s + ".npy")) for s in safe]
            row["edgec_vs_ort"] = max(rel_err(o, e) for o, e in zip(edgec_out, ref))

        et_out = None
        if not self.args.no_executorch:
            import torch
            from executorch.runtime import Runtime
            print(f"[{tag}] executorch", file=sys.stderr, flush=True)
            try:
                with open(pte, "rb") as f:
                    data = f.read()
                program = Runtime.get().load_program(data)      # must outlive the method
                method = program.load_method("forward")
                t0 = time.perf_counter()
                outs = method.execute([torch.from_numpy(np.ascontiguousarray(feeds[n])) for n in in_names])
                row["et_run_s"] = time.perf_counter() - t0
                et_out = [o.numpy().copy() for o in outs]
                del method, program
                row["et_vs_ort"] = max(rel_err(o, e) for o, e in zip(et_out, ref))
            except Exception as e:  # noqa: BLE001 - reported as a failure
                problems.append(f"ExecuTorch: {e}"[:200])
        if edgec_out is not None and et_out is not None:
            row["edgec_vs_et"] = max(rel_err(a, b) for a, b in zip(edgec_out, et_out))

        if zoo_name is not None:
            if self.args.no_et_export:
                v = ORACLES_ET_ARENA.get(zoo_name)
                row["et_arena"], row["et_arena_source"] = (v, "ORACLES.md") if v else (None, None)
            else:
                print(f"[{tag}] ExecuTorch's own export (arena)", file=sys.stderr, flush=True)
                try:
                    row["et_arena"], row["et_arena_source"] = et_export_arena(zoo_name), "export"
                except Exception as e:  # noqa: BLE001 - informational
                    row["et_arena_source"] = f"export failed: {e}"[:120]

        for key in ("edgec_vs_ort", "et_vs_ort"):
            if key in row and not row[key] <= self.args.rtol:
                problems.append(f"{key} {row[key]:.2e} > {self.args.rtol:g}")
        if len(ref) != len(out_names):
            problems.append(f"{len(out_names)} outputs, ORT has {len(ref)}")
        row["status"] = "ok" if not problems else "FAIL"
        if problems:
            row["detail"] = "; ".join(problems)
            self.failures += 1
        if self.args.keep:
            shutil.copy(pte, self.args.keep)


def zoo_files(name: str, zoo: str, log) -> str:
    onnx_path = os.path.join(zoo, name + ".onnx")
    if not (os.path.exists(onnx_path) and os.path.exists(os.path.join(zoo, name + ".input.npy"))):
        log(f"[zoo:{name}] exporting with Conformance/models/export.py")
        subprocess.run([sys.executable, os.path.join(HERE, "export.py"), name, "--skip-pt2", "--out", zoo],
                       check=True, stdout=subprocess.DEVNULL)
    return onnx_path


def hf_files(name: str, hf: str, formats: List[str], log) -> None:
    """Makes the Hugging Face fixtures with make_hf_models.py when any file is missing."""
    want = [f"{name}.{f}.onnx" if f.startswith("opset") else f"{name}.{f}" for f in formats if f != "core.pt2" and f != "dynamic.pt2"]
    want += [f"{name}.inputs.npz", f"{name}.torch.npz", "manifest.json"]   # core/dynamic .pt2 may fail in torch
    if not all(os.path.exists(os.path.join(hf, w)) for w in want):
        opsets = sorted({int(f[len("opset"):]) for f in formats if f.startswith("opset")} | {14, 18})
        log(f"[hf:{name}] building with Conformance/models/make_hf_models.py")
        subprocess.run([sys.executable, os.path.join(HERE, "make_hf_models.py"), name, "--out", hf,
                        "--opsets", *map(str, opsets)], check=True, stdout=subprocess.DEVNULL)


def fmt_err(v) -> str:
    return "–" if v is None else f"{v:.1e}"


def fmt_mb(v) -> str:
    return "–" if v is None else f"{v / 1e6:.2f}"


def table(rows: List[Dict[str, object]]) -> str:
    head = ["model", "edgec compiles", "edgec vs ORT", "ExecuTorch vs ORT", "edgec vs ExecuTorch", "arena MB",
            "lower bound MB", "arena / bound", "ExecuTorch arena MB", "status"]
    delegated = any("partitions" in r for r in rows)
    if delegated:
        head.insert(2, "partitions / delegated / portable ops")
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in rows:
        compiled = "arena" in r
        et_arena = r.get("et_arena")
        et_cell = fmt_mb(et_arena) + (" (ORACLES.md)" if r.get("et_arena_source") == "ORACLES.md" else "")
        status = r["status"] + (f": {r['detail']}" if r.get("detail") else "")
        cells = [f"{r['source']}:{r['model']}", "yes" if compiled else "no",
                 fmt_err(r.get("edgec_vs_ort")), fmt_err(r.get("et_vs_ort")), fmt_err(r.get("edgec_vs_et")),
                 fmt_mb(r.get("arena")), fmt_mb(r.get("bound")),
                 f"{r['arena'] / max(r['bound'], 1):.3f}" if compiled else "–",
                 et_cell if et_arena is not None else "–", status.replace("|", "\\|")]
        if delegated:
            cells.insert(2, f"{r['partitions']} / {r['delegated_ops']} / {r['portable_ops']}" if "partitions" in r else "–")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--edgec", default=os.path.join(ROOT, ".build", "debug", "edgec"))
    parser.add_argument("--models", nargs="+", default=DEFAULT_ZOO, help="zoo models ('none' for no zoo model)")
    parser.add_argument("--light", nargs="+", default=DEFAULT_LIGHT,
                        help="onnx light models without the light_ prefix ('all', or 'none')")
    parser.add_argument("--zoo", default=os.path.join(ROOT, "Conformance", ".cache", "models"))
    parser.add_argument("--hf", nargs="+", default=["all"],
                        help="Hugging Face transformers fixtures of make_hf_models.py ('all', or 'none')")
    parser.add_argument("--hf-formats", nargs="+", default=HF_FORMATS,
                        help=f"which exports of each fixture (default {' '.join(HF_FORMATS)}; opsetN is the .onnx of opset N)")
    parser.add_argument("--hf-dir", default=os.path.join(ROOT, "Conformance", ".cache", "models", "hf"))
    parser.add_argument("--rtol", type=float, default=1e-4, help="max |out - ORT| / max |ORT| (default 1e-4)")
    parser.add_argument("--strict", action="store_true", help="a model edgec cannot compile is a failure")
    parser.add_argument("--no-executorch", action="store_true", help="do not run the .pte in ExecuTorch")
    parser.add_argument("--no-interpreter", action="store_true", help="do not run the .pte in edgec's interpreter")
    parser.add_argument("--backend", default="portable",
                        help="edgec compile --backend (portable, arm-cpu: XNNPACK delegate + portable kernels)")
    parser.add_argument("--no-et-export", action="store_true",
                        help="do not export with ExecuTorch for its arena (use ORACLES.md's figures where recorded)")
    parser.add_argument("--json", help="write the rows as JSON here")
    parser.add_argument("--keep", help="copy every compiled .pte into this folder")
    args = parser.parse_args()

    import architectures as A
    import make_hf_models as HF
    hf = [] if args.hf == ["none"] else list(HF.HF_MODELS) if args.hf == ["all"] else args.hf
    unknown = [m for m in hf if m not in HF.HF_MODELS]
    if unknown:
        parser.error(f"unknown Hugging Face fixture(s) {unknown}; known: {', '.join(HF.HF_MODELS)}")
    bad = [f for f in args.hf_formats if f not in ("pt2", "core.pt2", "dynamic.pt2") and not re.fullmatch(r"opset\d+", f)]
    if bad:
        parser.error(f"unknown --hf-formats {bad}: use opsetN, pt2, core.pt2 or dynamic.pt2")
    zoo = [] if args.models == ["none"] else args.models
    unknown = [m for m in zoo if m not in A.MODELS]
    if unknown:
        parser.error(f"unknown zoo model(s) {unknown}; known: {', '.join(A.MODELS)}")
    available = light_models()
    light = [] if args.light == ["none"] else available if args.light == ["all"] else args.light
    unknown = [m for m in light if m not in available]
    if unknown:
        parser.error(f"unknown light model(s) {unknown}; known: {', '.join(available)}")
    if not os.access(args.edgec, os.X_OK):
        parser.error(f"{args.edgec} is not an executable; build edgec first (swift build)")
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)

    import onnx
    from onnx import numpy_helper
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    load_before = os.getloadavg()
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="edgec-models-") as work:
        check = Check(args, work)
        os.makedirs(args.zoo, exist_ok=True)
        for name in zoo:
            onnx_path = zoo_files(name, args.zoo, log)
            x = np.load(os.path.join(args.zoo, name + ".input.npy"))
            check.check(name, "zoo", onnx_path, {"input": x}, zoo_name=name)
        for name in light:
            onnx_path = os.path.join(light_dir(), f"light_{name}.onnx")
            proto = onnx.load(onnx_path, load_external_data=False)
            inits = {i.name for i in proto.graph.initializer}
            feeds = {v.name: onnx_runner_input(v) for v in proto.graph.input if v.name not in inits}
            expected = []
            for i in range(len(proto.graph.output)):
                p = os.path.join(light_dir(), f"light_{name}_output_{i}.pb")
                if not os.path.exists(p):
                    expected = None
                    break
                t = onnx.TensorProto()
                with open(p, "rb") as f:
                    t.ParseFromString(f.read())
                expected.append(numpy_helper.to_array(t))
            del proto
            check.check(name, "light", onnx_path, feeds, expected=expected)
        for name in hf:
            hf_files(name, args.hf_dir, args.hf_formats, log)
            with np.load(os.path.join(args.hf_dir, name + ".inputs.npz")) as z:
                feeds = {k: z[k] for k in z.files}
            outputs = HF.HF_MODELS[name].outputs
            with np.load(os.path.join(args.hf_dir, name + ".torch.npz")) as z:
                eager = [z[k] for k in outputs]
            with open(os.path.join(args.hf_dir, "manifest.json")) as f:
                made = json.load(f)["models"].get(name, {})
            for fmt in args.hf_formats:
                if fmt.endswith("pt2"):        # the reference is eager PyTorch
                    path = os.path.join(args.hf_dir, f"{name}.{fmt}")
                    if not os.path.exists(path):    # torch itself could not export it (recorded by make_hf_models.py)
                        why = made.get(fmt, {}).get("error", "missing; run make_hf_models.py")
                        check.rows.append({"model": f"{name}.{fmt}", "source": "hf", "status": "not exported",
                                           "detail": f"torch: {why}"[:200]})
                        continue
                    check.check(f"{name}.{fmt}", "hf", path, feeds, reference=eager, input_shapes=True)
                else:                   # the reference is ONNX Runtime; eager PyTorch is the expected output
                    check.check(f"{name}.{fmt}", "hf", os.path.join(args.hf_dir, f"{name}.{fmt}.onnx"), feeds,
                                expected=eager, input_shapes=True)

    print(table(check.rows))
    notes = [f"{r['source']}:{r['model']} ORT vs onnx's expected output {r['ort_vs_expected']:.1e}"
             for r in check.rows if "ort_vs_expected" in r and r["source"] == "light"]
    hf_notes = [f"{r['model']} {r['ort_vs_expected']:.1e}" for r in check.rows if "ort_vs_expected" in r and r["source"] == "hf"]
    n_ok = sum(r["status"] == "ok" for r in check.rows)
    n_uns = sum(r["status"] == "unsupported" for r in check.rows)
    print(f"\nerrors are max |out - ref| / max |ref| (tolerance {args.rtol:g} against ONNX Runtime, CPU, 1 thread); "
          f"ExecuTorch arena: its own portable export of the same PyTorch model (sum of non_const_buffer_sizes)")
    if notes:
        print("light models, ONNX Runtime vs the expected outputs shipped with onnx: " + "; ".join(notes))
    if any(r["source"] == "hf" for r in check.rows):
        print("hf: the reference of the .onnx rows is ONNX Runtime, of the .pt2 rows eager PyTorch"
              + (" (ONNX Runtime vs eager PyTorch: " + "; ".join(hf_notes) + ")" if hf_notes else ""))
    print(f"{n_ok} ok, {n_uns} unsupported, {check.failures} failed; edgec {args.edgec}; "
          f"{time.perf_counter() - t_start:.0f} s; 1-min load average {load_before[0]:.2f} before, {os.getloadavg()[0]:.2f} after")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(check.rows, f, indent=2)
            f.write("\n")
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main())
