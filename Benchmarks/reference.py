#!/usr/bin/env python3
"""Reference runtime benchmark: ONNX Runtime and ExecuTorch on mobilenet_v2, resnet18 and
resnet50 (random weights from Conformance/models/architectures.py, 1x3x224x224 fp32), the
numbers edgec is measured against.

Per model, in one run:

  ORT session       onnxruntime.InferenceSession creation (CPU provider, 1 thread; median)
  ORT 1t / 2t       ONNX Runtime latency, intra-op threads 1 and 2 (median after warm-up)
  ET export         ExecuTorch's own export: torch.export -> to_edge -> to_executorch
                    (portable kernels), and torch.export -> to_edge_transform_and_lower with
                    the XNNPACK partitioner -> to_executorch
  ET XNNPACK / portable
                    latency of the two programs in executorch.runtime (Runtime API); the
                    portable program takes ~1-10 s per inference here, so it runs few times
  ET arena          the program's planned memory: sum of execution_plan[0].non_const_buffer_sizes
                    (read back from the serialized .pte, so it works for any .pte, edgec's too).
                    For the XNNPACK program this is only what stays outside the delegate (the
                    input and output); the delegate allocates its own workspace at load time

Every runtime's output is compared with eager PyTorch (max |diff| in the JSON). A second
table compares with the figures in ../shared/design/ORACLES.md.

Adding edgec: ``measure_compiler(label, compile_fn, run_fn, artifacts, ...)`` measures any
compiler: ``compile_fn(artifacts, workdir) -> path`` is timed as the compile time, and
``run_fn(path) -> callable(np.ndarray) -> np.ndarray`` loads the result once (timed as load)
and returns the function whose calls are timed. Register it in ``EXTRA_COMPILERS`` (or pass
``extra=...`` to ``run_benchmark``) and its columns join the table; ``executorch_runner`` and
``pte_arena_bytes`` can be reused for an edgec ``.pte``. ``edgec_compiler()`` is the
placeholder for the day ``edgec compile`` exists.

Usage:
  .venv/bin/python Benchmarks/reference.py                 # defaults, ~3-5 minutes here
  .venv/bin/python Benchmarks/reference.py --quick         # fewer runs, ~1-2 minutes
  .venv/bin/python Benchmarks/reference.py --models resnet18 --json out.json --skip-portable
Options: --runs N (ORT and XNNPACK timed runs), --warmup N, --portable-runs N,
--et-threads N (resets ExecuTorch's thread pool; default: leave it as is), --workdir DIR.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(ROOT, "Conformance", "models"))

DEFAULT_MODELS = ["mobilenet_v2", "resnet18", "resnet50"]

# ../shared/design/ORACLES.md, "Measured on this platform (2 cores, AVX-512), one run".
ORACLES_REFERENCE = {
    "mobilenet_v2": {"ort_1t_ms": 3.7, "ort_2t_ms": 2.8, "et_xnnpack_ms": 1.8, "et_portable_ms": 855, "et_arena_mb": 9.94},
    "resnet18": {"ort_1t_ms": 15.5, "ort_2t_ms": 8.0, "et_xnnpack_ms": 8.3, "et_portable_ms": 3930, "et_arena_mb": 6.42},
    "resnet50": {"ort_1t_ms": 34.9, "ort_2t_ms": 18.4, "et_xnnpack_ms": 18.2, "et_portable_ms": 10338, "et_arena_mb": 14.61},
}


# ----------------------------------------------------------------------------------------------
# Measurement helpers
# ----------------------------------------------------------------------------------------------

def time_calls(fn: Callable[[], object], runs: int, warmup: int) -> Dict[str, float]:
    """Median/min/max wall time of `runs` calls after `warmup` untimed ones, in ms."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(max(1, runs)):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return {"median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times), "runs": len(times),
            "warmup": warmup}


def max_abs_diff(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


def pte_arena_bytes(pte: bytes) -> Dict[str, object]:
    """Planned memory of a serialized .pte: execution_plan[0].non_const_buffer_sizes (index 0
    is the reserved placeholder) and their sum."""
    from executorch.exir._serialize._program import deserialize_pte_binary
    program = deserialize_pte_binary(pte).program
    sizes = [int(s) for s in program.execution_plan[0].non_const_buffer_sizes]
    return {"non_const_buffer_sizes": sizes, "arena_bytes": sum(sizes)}


def executorch_runner(pte_path: str) -> Callable[[np.ndarray], np.ndarray]:
    """Loads a .pte into the ExecuTorch runtime (executorch.runtime) and returns a function
    running its `forward` on one input. Usable for ExecuTorch's own programs and edgec's."""
    import torch
    from executorch.runtime import Runtime
    with open(pte_path, "rb") as f:
        data = f.read()
    method = Runtime.get().load_program(data).load_method("forward")

    def run(x: np.ndarray) -> np.ndarray:
        return method.execute([torch.from_numpy(x)])[0].numpy()
    run._keepalive = data  # the program may reference the buffer
    return run


@dataclass
class Artifacts:
    """What a compiler under test may start from, for one model."""
    name: str
    model: object                 # the eager torch.nn.Module
    input: np.ndarray
    reference: np.ndarray         # eager PyTorch output
    onnx_path: str
    pt2_path: str
    workdir: str


@dataclass
class Compiler:
    """A compiler/runtime pair to measure: see measure_compiler."""
    label: str
    compile_fn: Callable[[Artifacts, str], str]
    run_fn: Optional[Callable[[str], Callable[[np.ndarray], np.ndarray]]] = None
    runs: Optional[int] = None    # timed runs (None: the benchmark's --runs)
    warmup: Optional[int] = None
    title: Optional[str] = None   # column title in the table (default: label)


def measure_compiler(c: Compiler, art: Artifacts, runs: int, warmup: int) -> Dict[str, object]:
    """Times c.compile_fn (compile_s), records the artifact's size and, for a .pte, its planned
    arena; then, if c.run_fn is given, times loading (load_s) and `runs` inferences after
    `warmup`, and compares the output with eager PyTorch."""
    res: Dict[str, object] = {"label": c.label, "title": c.title or c.label}
    out_dir = os.path.join(art.workdir, f"{art.name}.{c.label}")
    os.makedirs(out_dir, exist_ok=True)
    t0 = time.perf_counter()
    path = c.compile_fn(art, out_dir)
    res["compile_s"] = time.perf_counter() - t0
    res["artifact"] = path
    res["artifact_bytes"] = os.path.getsize(path)
    if path.endswith(".pte"):
        with open(path, "rb") as f:
            res.update(pte_arena_bytes(f.read()))
    if c.run_fn is not None:
        t0 = time.perf_counter()
        run = c.run_fn(path)
        res["load_s"] = time.perf_counter() - t0
        out = run(art.input)
        res["max_abs_diff_vs_torch"] = max_abs_diff(out, art.reference)
        res["latency"] = time_calls(lambda: run(art.input), c.runs or runs,
                                    c.warmup if c.warmup is not None else warmup)
    return res


# ----------------------------------------------------------------------------------------------
# The reference compilers: ExecuTorch's own pipeline, portable and XNNPACK
# ----------------------------------------------------------------------------------------------

def _et_portable(art: Artifacts, out_dir: str) -> str:
    import torch
    from executorch.exir import to_edge
    x = torch.from_numpy(art.input)
    with torch.no_grad():
        prog = to_edge(torch.export.export(art.model, (x,))).to_executorch()
    path = os.path.join(out_dir, "model.pte")
    with open(path, "wb") as f:
        f.write(prog.buffer)
    return path


def _et_xnnpack(art: Artifacts, out_dir: str) -> str:
    import torch
    from executorch.exir import to_edge_transform_and_lower
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    x = torch.from_numpy(art.input)
    with torch.no_grad():
        prog = to_edge_transform_and_lower(torch.export.export(art.model, (x,)),
                                           partitioner=[XnnpackPartitioner()]).to_executorch()
    path = os.path.join(out_dir, "model.pte")
    with open(path, "wb") as f:
        f.write(prog.buffer)
    return path


def edgec_compiler(edgec: str = "edgec") -> Compiler:  # pragma: no cover - for later
    """Placeholder for the edgec column: compile the ONNX file with the edgec CLI to a .pte,
    run it in the ExecuTorch runtime (or swap run_fn for `edgec run`). Not registered until
    `edgec compile` exists; the command line below is a guess to be fixed then."""
    import subprocess

    def compile_fn(art: Artifacts, out_dir: str) -> str:
        out = os.path.join(out_dir, "model.pte")
        subprocess.run([edgec, "compile", art.onnx_path, "-o", out], check=True)
        return out
    return Compiler("edgec", compile_fn, executorch_runner, title="edgec")


# Extra compilers measured after the reference ones (e.g. [edgec_compiler("/path/to/edgec")]).
EXTRA_COMPILERS: List[Compiler] = []


# ----------------------------------------------------------------------------------------------
# The benchmark
# ----------------------------------------------------------------------------------------------

def measure_ort(onnx_path: str, x: np.ndarray, ref: np.ndarray, runs: int, warmup: int) -> Dict[str, object]:
    import onnxruntime as ort

    def session(threads: int):
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        return ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])

    res: Dict[str, object] = {}
    creations = []
    for _ in range(3):
        t0 = time.perf_counter()
        s = session(1)
        creations.append(time.perf_counter() - t0)
    res["session_s"] = statistics.median(creations)
    for threads in (1, 2):
        s = session(threads)
        feed = {"input": x}
        (y,) = s.run(["output"], feed)
        res[f"max_abs_diff_vs_torch_{threads}t"] = max_abs_diff(y, ref)
        res[f"latency_{threads}t"] = time_calls(lambda: s.run(["output"], feed), runs, warmup)
    return res


def run_benchmark(models: List[str], runs: int, warmup: int, portable_runs: int, portable_warmup: int,
                  workdir: str, skip_portable: bool = False, extra: Optional[List[Compiler]] = None,
                  log=print) -> Dict[str, object]:
    import torch
    import onnxruntime as ort
    import executorch
    import architectures as A

    results: Dict[str, object] = {
        "platform": {"machine": platform.machine(), "processor": platform.processor(), "cpus": os.cpu_count(),
                     "python": platform.python_version()},
        "versions": {"torch": torch.__version__, "onnxruntime": ort.__version__,
                     "executorch": getattr(executorch, "__version__", "?")},
        "settings": {"runs": runs, "warmup": warmup, "portable_runs": portable_runs,
                     "portable_warmup": portable_warmup},
        "models": {},
    }
    try:
        from executorch.extension.pybindings import portable_lib
        results["settings"]["executorch_threads"] = portable_lib._threadpool_get_thread_count()
    except Exception:  # noqa: BLE001 - informational only
        pass
    compilers = [Compiler("et_xnnpack", _et_xnnpack, executorch_runner, title="ET XNNPACK")]
    if not skip_portable:
        compilers.append(Compiler("et_portable", _et_portable, executorch_runner, portable_runs, portable_warmup,
                                  title="ET portable"))
    compilers += list(extra or []) + EXTRA_COMPILERS

    for name in models:
        log(f"[{name}] building and exporting", flush=True)
        model = A.build(name)
        xt = A.example_input(name)
        x = xt.numpy()
        with torch.no_grad():
            ref = model(xt).numpy()
        onnx_path = os.path.join(workdir, f"{name}.onnx")
        pt2_path = os.path.join(workdir, f"{name}.pt2")
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            torch.onnx.export(model, (xt,), onnx_path, dynamo=False, opset_version=17, input_names=["input"],
                              output_names=["output"], do_constant_folding=True)
            onnx_export_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            torch.export.save(torch.export.export(model, (xt,)), pt2_path)
            torch_export_s = time.perf_counter() - t0
        art = Artifacts(name, model, x, ref, onnx_path, pt2_path, workdir)
        entry: Dict[str, object] = {"onnx_export_s": onnx_export_s, "torch_export_s": torch_export_s,
                                    "onnx_bytes": os.path.getsize(onnx_path)}
        log(f"[{name}] onnxruntime", flush=True)
        entry["ort"] = measure_ort(onnx_path, x, ref, runs, warmup)
        for c in compilers:
            log(f"[{name}] {c.label}", flush=True)
            entry[c.label] = measure_compiler(c, art, runs, warmup)
            gc.collect()
        results["models"][name] = entry
        del model, art
        gc.collect()
    return results


def _fmt_ms(v: Optional[float]) -> str:
    if v is None:
        return "–"
    return f"{v:.0f} ms" if v >= 100 else f"{v:.2f} ms" if v < 10 else f"{v:.1f} ms"


def _fmt_s(v: Optional[float]) -> str:
    return "–" if v is None else f"{v:.2f} s"


def _fmt_mb(b: Optional[int]) -> str:
    return "–" if b is None else f"{b / 1e6:.2f} MB"


def markdown(results: Dict[str, object]) -> str:
    labels, titles = [], {}
    for e in results["models"].values():
        for k, v in e.items():
            if isinstance(v, dict) and "label" in v and k not in labels:
                labels.append(k)
                titles[k] = v.get("title", k)
    head = ["model", "ORT session", "ORT 1 thread", "ORT 2 threads"]
    for l in labels:
        head += [f"{titles[l]} export", f"{titles[l]} latency", f"{titles[l]} arena"]
    rows = [head, ["---"] * len(head)]
    for name, e in results["models"].items():
        o = e["ort"]
        row = [name, _fmt_s(o["session_s"]), _fmt_ms(o["latency_1t"]["median_ms"]), _fmt_ms(o["latency_2t"]["median_ms"])]
        for l in labels:
            c = e.get(l, {})
            lat = c.get("latency", {}).get("median_ms")
            row += [_fmt_s(c.get("compile_s")), _fmt_ms(lat), _fmt_mb(c.get("arena_bytes"))]
        rows.append(row)
    lines = ["| " + " | ".join(r) + " |" for r in rows]

    # Comparison with ORACLES.md
    comp = [["model", "ORT 1t (now / ORACLES)", "ORT 2t", "ET XNNPACK", "ET portable", "ET arena"],
            ["---"] * 6]
    for name, e in results["models"].items():
        ref = ORACLES_REFERENCE.get(name)
        if not ref:
            continue
        xnn, por = e.get("et_xnnpack", {}), e.get("et_portable", {})
        comp.append([
            name,
            f"{_fmt_ms(e['ort']['latency_1t']['median_ms'])} / {ref['ort_1t_ms']} ms",
            f"{_fmt_ms(e['ort']['latency_2t']['median_ms'])} / {ref['ort_2t_ms']} ms",
            f"{_fmt_ms(xnn.get('latency', {}).get('median_ms'))} / {ref['et_xnnpack_ms']} ms",
            f"{_fmt_ms(por.get('latency', {}).get('median_ms'))} / {ref['et_portable_ms']} ms",
            f"{_fmt_mb(por.get('arena_bytes'))} (XNNPACK {_fmt_mb(xnn.get('arena_bytes'))}) / {ref['et_arena_mb']} MB",
        ])
    if len(comp) > 2:
        lines += ["", "Compared with ../shared/design/ORACLES.md (measured now / recorded there):", ""]
        lines += ["| " + " | ".join(r) + " |" for r in comp]
    diffs = []
    for name, e in results["models"].items():
        parts = [f"ORT {e['ort']['max_abs_diff_vs_torch_1t']:.1e}"]
        for l in labels:
            if "max_abs_diff_vs_torch" in e.get(l, {}):
                parts.append(f"{l} {e[l]['max_abs_diff_vs_torch']:.1e}")
        diffs.append(f"{name}: " + ", ".join(parts))
    lines += ["", "max |output - eager PyTorch|: " + "; ".join(diffs)]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--models", nargs="+", default=DEFAULT_MODELS)
    parser.add_argument("--quick", action="store_true", help="fewer runs (ORT/XNNPACK 10, portable 1, warm-up 2)")
    parser.add_argument("--runs", type=int, help="timed runs for ORT and XNNPACK (default 50; quick 10)")
    parser.add_argument("--warmup", type=int, help="warm-up runs (default 5; quick 2)")
    parser.add_argument("--portable-runs", type=int, help="timed runs of the portable program (default 3; quick 1)")
    parser.add_argument("--portable-warmup", type=int, help="portable warm-up runs (default 1; quick 0)")
    parser.add_argument("--skip-portable", action="store_true", help="leave out the ExecuTorch portable program")
    parser.add_argument("--et-threads", type=int, help="reset ExecuTorch's thread pool to N threads")
    parser.add_argument("--workdir", help="keep exported files here (default: a temporary folder)")
    parser.add_argument("--json", help="also write the results as JSON to this path")
    args = parser.parse_args()

    q = args.quick
    runs = args.runs if args.runs is not None else (10 if q else 50)
    warmup = args.warmup if args.warmup is not None else (2 if q else 5)
    p_runs = args.portable_runs if args.portable_runs is not None else (1 if q else 3)
    p_warm = args.portable_warmup if args.portable_warmup is not None else (0 if q else 1)

    import architectures as A
    unknown = [m for m in args.models if m not in A.MODELS]
    if unknown:
        parser.error(f"unknown model(s): {unknown}")
    if args.et_threads:
        from executorch.extension.pybindings import portable_lib
        portable_lib._unsafe_reset_threadpool(args.et_threads)

    load_before = os.getloadavg()
    t0 = time.perf_counter()
    if args.workdir:
        os.makedirs(args.workdir, exist_ok=True)
        results = run_benchmark(args.models, runs, warmup, p_runs, p_warm, args.workdir, args.skip_portable,
                                log=lambda *a, **k: print(*a, file=sys.stderr, **k))
    else:
        with tempfile.TemporaryDirectory(prefix="edgec-bench-") as wd:
            results = run_benchmark(args.models, runs, warmup, p_runs, p_warm, wd, args.skip_portable,
                                    log=lambda *a, **k: print(*a, file=sys.stderr, **k))
    results["total_s"] = time.perf_counter() - t0
    results["platform"]["loadavg_before"] = list(load_before)
    results["platform"]["loadavg_after"] = list(os.getloadavg())
    print(markdown(results))
    print(f"\ntotal {results['total_s']:.0f} s; runs {runs} (warm-up {warmup}), portable runs {p_runs} "
          f"(warm-up {p_warm}), ExecuTorch threads {results['settings'].get('executorch_threads', '?')}; "
          f"1-min load average {load_before[0]:.2f} before, {results['platform']['loadavg_after'][0]:.2f} after "
          f"(on {os.cpu_count()} CPUs: other processes skew the timings)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
