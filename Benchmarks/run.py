#!/usr/bin/env python3
"""edgec benchmark: compile time and interpreter latency against ExecuTorch and ONNX Runtime.

Per model (mobilenet_v2, resnet18, resnet50 by default; random weights from
Conformance/models/architectures.py, fixed-seed 1x3x224x224 fp32 input), in one run:

  compile   `edgec compile model.onnx -o model.pte` (release build; the whole process: read the
            ONNX file, import, passes, lowering, memory planning, write the .pte), median of
            --compile-runs;
            ExecuTorch's own export of the same PyTorch model: torch.export -> to_edge ->
            to_executorch (portable kernels, serialized), median of --export-runs;
            ONNX Runtime's session creation (InferenceSession, CPU, 1 thread), median of 3.
  latency   edgec's interpreter: `edgec run model.pte --input input=x.npy --repeat N` (the
            median of N runs after one warm-up run, excluding loading the program and inputs);
            ONNX Runtime, intra-op threads 1, median of N after warm-up.
  check     edgec's output against ONNX Runtime's (max |diff| / max |ORT|).

Each edgec build variant is a column group. The default measures the plain release build
(`swift build -c release --scratch-path .build-release`, baseline x86-64: SSE2, no FMA) and,
with --target-cpu CPU, a second build made with `-Xswiftc -target-cpu -Xswiftc CPU` in
`.build-release-CPU` (e.g. haswell: AVX2 + FMA, the x86-64-v3 level; such a binary dies with SIGILL on a CPU
without them, which is why it is a flag of this script and not the default build); --fma adds,
for each target CPU, a build that also defines EDGEKERNELS_FMA (fused multiply-add in the
kernels) in `.build-release-CPU-fma`. --no-build uses the binaries already there.

Writes the markdown report to --out (default docs/benchmarks.md) atomically, with the command
line, the machine (CPU model, cores) and its load average before and after.

Usage (repository root; Scripts/setup-oracles.sh made .venv):
  .venv/bin/python Benchmarks/run.py --target-cpu haswell --fma    # what docs/benchmarks.md shows
  .venv/bin/python Benchmarks/run.py --models resnet18 --runs 5 --out /tmp/bench.md
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from typing import Dict, List, Optional

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(ROOT, "Conformance", "models"))
sys.path.insert(0, os.path.join(ROOT, "Benchmarks"))

DEFAULT_MODELS = ["mobilenet_v2", "resnet18", "resnet50"]


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def scratch_path(label: str) -> str:
    return ".build-release" if label == "baseline" else f".build-release-{label}"


def build_edgec(label: str, flags: List[str], log) -> str:
    cmd = ["swift", "build", "-c", "release", "--scratch-path", scratch_path(label), "--product", "edgec"]
    for f in flags:
        cmd += ["-Xswiftc", f]
    log("$ " + " ".join(cmd))
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return os.path.join(ROOT, scratch_path(label), "release", "edgec")


def time_process(argv: List[str], runs: int) -> Dict[str, float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = subprocess.run(argv, capture_output=True, text=True)
        times.append(time.perf_counter() - t0)
        if r.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed: {r.stderr.strip()}")
    return {"median_s": statistics.median(times), "min_s": min(times), "runs": runs}


def edgec_latency(edgec: str, pte: str, x_path: str, repeat: int, outdir: str) -> Dict[str, float]:
    r = subprocess.run([edgec, "run", pte, "--input", f"input={x_path}", "--repeat", str(repeat), "-o", outdir],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"edgec run failed: {r.stderr.strip()}")
    m = re.search(r"time: median ([\d.]+) ms, min ([\d.]+) ms, max ([\d.]+) ms over (\d+) runs", r.stdout)
    if not m:
        raise RuntimeError(f"no timing line in edgec run's output:\n{r.stdout}")
    return {"median_ms": float(m.group(1)), "min_ms": float(m.group(2)), "max_ms": float(m.group(3)), "runs": int(m.group(4))}


def et_export_time(model, x, runs: int) -> Dict[str, float]:
    import torch
    from executorch.exir import to_edge
    times = []
    for _ in range(runs):
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            prog = to_edge(torch.export.export(model, (x,))).to_executorch()
            _ = prog.buffer
            times.append(time.perf_counter() - t0)
    return {"median_s": statistics.median(times), "min_s": min(times), "runs": runs}


def ort_measure(onnx_path: str, x: np.ndarray, runs: int, warmup: int) -> Dict[str, object]:
    import onnxruntime as ort
    from reference import time_calls

    def session():
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        return ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])

    creations = []
    for _ in range(3):
        t0 = time.perf_counter()
        s = session()
        creations.append(time.perf_counter() - t0)
    feed = {"input": x}
    (y,) = s.run(["output"], feed)
    return {"session_s": statistics.median(creations), "output": y,
            "latency": time_calls(lambda: s.run(["output"], feed), runs, warmup)}


def fmt_ms(v: float) -> str:
    return f"{v:.0f} ms" if v >= 100 else f"{v:.1f} ms" if v >= 10 else f"{v:.2f} ms"


def fmt_s(v: float) -> str:
    return f"{v:.2f} s" if v >= 0.1 else f"{v * 1e3:.0f} ms"


def markdown(res: Dict[str, object], variants: List[str], command: str) -> str:
    p = res["platform"]
    out = ["# Benchmarks", "",
           "Produced by (repository root):", "", "```", command, "```", "",
           f"Machine: {p['cpu']}, {p['cores']} cores, {p['system']}; 1-min load average {p['load_before']:.2f} before "
           f"and {p['load_after']:.2f} after the run (other processes share these cores, so single figures are "
           f"noisy; compare the ratios: ONNX Runtime 1 thread took 3.7 / 15.5 / 34.9 ms for mobilenet_v2 / resnet18 / "
           f"resnet50 on this platform when it was quiet, ../shared/design/ORACLES.md). Versions: {res['versions']}. Random weights (Conformance/models/"
           f"architectures.py), input 1x3x224x224 fp32. {res['settings']}.", ""]
    base = variants[0]

    out += ["## Compile time", "",
            "`edgec compile model.onnx` (whole process, release build) against ExecuTorch's own export "
            "(torch.export -> to_edge -> to_executorch, portable, from the PyTorch model) and ONNX Runtime's "
            "session creation (from the same ONNX file). Ratio = other / edgec (above 1: edgec is faster).", ""]
    head = ["model", f"edgec compile ({base})", "ExecuTorch export", "ratio", "ORT session", "ratio"]
    out += ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for name, e in res["models"].items():
        ec = e["edgec"][base]["compile"]["median_s"]
        et = e["et_export"]["median_s"]
        ort = e["ort"]["session_s"]
        out.append(f"| {name} | {fmt_s(ec)} | {fmt_s(et)} | {et / ec:.1f}x | {fmt_s(ort)} | {ort / ec:.2f}x |")

    out += ["", "## Interpreter latency", "",
            "edgec's bundled interpreter (`edgec run --repeat N`: median, load excluded) against ONNX Runtime "
            "with 1 intra-op thread (median). Ratio = edgec / ORT (how many times slower edgec is).", ""]
    head = ["model", "ORT 1 thread"]
    for v in variants:
        head += [f"edgec {v}", "edgec / ORT"]
    head += ["max \\|edgec − ORT\\| / max \\|ORT\\|"]
    out += ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for name, e in res["models"].items():
        ort = e["ort"]["latency"]["median_ms"]
        row = [name, fmt_ms(ort)]
        for v in variants:
            lat = e["edgec"][v]["latency"]["median_ms"]
            row += [fmt_ms(lat), f"{lat / ort:.1f}x"]
        row.append(", ".join(f"{e['edgec'][v]['rel_err']:.1e}" for v in variants))
        out.append("| " + " | ".join(row) + " |")
    out += ["", "## Builds and the target CPU", "",
            "The kernels (EdgeKernels: SIMD8<Float> conv/GEMM loops) are compiled for the CPU the package "
            "targets. The builds measured above:", ""]
    for label, cmd in res["builds"].items():
        out.append(f"- {label}: `{cmd}`")
    if len(variants) > 1:
        out += ["", "Speed-up of each build over the baseline release build (interpreter median latency): " +
                "; ".join(f"{name}: " + ", ".join(
                    f"{v} {e['edgec'][base]['latency']['median_ms'] / e['edgec'][v]['latency']['median_ms']:.2f}x"
                    for v in variants[1:]) for name, e in res["models"].items()) + "."]
    out += ["", RECOMMENDATION]
    return "\n".join(out) + "\n"


RECOMMENDATION = """**The choice.** Release builds keep Swift's baseline target (x86-64: SSE2, no AVX, no FMA) by
default, so `swift build -c release` gives a binary that runs on every x86-64 machine. A build for
`haswell` (the x86-64-v3 level: AVX2, FMA, BMI2 — Intel since 2013, AMD since Zen) is a deliberate
opt-in, because such a binary dies with SIGILL (illegal instruction) on an older CPU instead of
running slowly:

    swift build -c release -Xswiftc -target-cpu -Xswiftc haswell                            # AVX2
    swift build -c release -Xswiftc -target-cpu -Xswiftc haswell -Xswiftc -DEDGEKERNELS_FMA  # + fused multiply-add

(Swift 6.3.1's clang importer rejects the name `x86-64-v3`, so the CPU name `haswell` stands for that
level; `-target-cpu native` gives a binary that only runs where it was built.) `-DEDGEKERNELS_FMA` makes
the kernels use `addingProduct` (one rounding per multiply-add, so outputs differ from the
unfused build in the last bits; the error column above shows both against ONNX Runtime); without
a CPU target that has FMA it would become a libm call per lane, which is why it is a separate
switch. On arm64 (Apple silicon, Android phones) the baseline target already has NEON with
fused multiply-add, so no flag is needed there and `-DEDGEKERNELS_FMA` is always safe.
`Benchmarks/run.py --target-cpu CPU [--fma]` measures any such build beside the baseline. Picking
kernels at run time (dispatch on CPUID) would give one fast portable binary; it is not done yet."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--models", nargs="+", default=DEFAULT_MODELS)
    parser.add_argument("--target-cpu", action="append", default=[],
                        help="also measure a build with -Xswiftc -target-cpu -Xswiftc CPU (repeatable)")
    parser.add_argument("--fma", action="store_true",
                        help="for each --target-cpu, also a build with -DEDGEKERNELS_FMA (fused multiply-add in the kernels)")
    parser.add_argument("--no-build", action="store_true", help="use the release binaries already built")
    parser.add_argument("--runs", type=int, default=10, help="timed inferences (edgec --repeat, ORT); default 10")
    parser.add_argument("--warmup", type=int, default=3, help="ORT warm-up runs (edgec: its first run); default 3")
    parser.add_argument("--compile-runs", type=int, default=3)
    parser.add_argument("--export-runs", type=int, default=1)
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    parser.add_argument("--json", help="also write the raw results here")
    args = parser.parse_args()

    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    import torch
    import onnxruntime as ort
    import executorch  # noqa: F401
    import architectures as A
    unknown = [m for m in args.models if m not in A.MODELS]
    if unknown:
        parser.error(f"unknown model(s): {unknown}")

    # label -> swiftc flags; each is its own release build in .build-release[-label].
    specs: Dict[str, List[str]] = {"baseline": []}
    for cpu in args.target_cpu:
        specs[cpu] = ["-target-cpu", cpu]
        if args.fma:
            specs[cpu + "-fma"] = ["-target-cpu", cpu, "-DEDGEKERNELS_FMA"]
    variants: Dict[str, str] = {}
    for label, flags in specs.items():
        path = os.path.join(ROOT, scratch_path(label), "release", "edgec")
        variants[label] = path if args.no_build else build_edgec(label, flags, log)
        if not os.access(variants[label], os.X_OK):
            parser.error(f"{variants[label]} missing; build it or drop --no-build")

    load_before = os.getloadavg()[0]
    res: Dict[str, object] = {
        "platform": {"cpu": cpu_model(), "cores": os.cpu_count(), "system": f"{platform.system()} {platform.machine()}"},
        "versions": f"torch {torch.__version__}, onnxruntime {ort.__version__}, executorch 1.5.1",
        "builds": {label: "swift build -c release --scratch-path " + scratch_path(label) + "".join(
            f" -Xswiftc {f}" for f in flags) for label, flags in specs.items()},
        "settings": f"{args.runs} timed runs per latency (ORT after {args.warmup} warm-up runs, edgec after 1), "
                    f"edgec compile median of {args.compile_runs}, ExecuTorch export median of {args.export_runs} after an untimed warm-up export",
        "models": {},
    }
    with tempfile.TemporaryDirectory(prefix="edgec-bench-") as wd:
        # One untimed ExecuTorch export first: the first export in a process pays for loading and
        # warming torch.export/exir (seconds), which is not the cost of exporting a model.
        log("warming up ExecuTorch's export (tiny_cnn, untimed)")
        et_export_time(A.build("tiny_cnn"), A.example_input("tiny_cnn"), 1)
        for name in args.models:
            log(f"[{name}] building the model and exporting ONNX")
            model = A.build(name)
            xt = A.example_input(name)
            x = xt.numpy()
            onnx_path = os.path.join(wd, f"{name}.onnx")
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(model, (xt,), onnx_path, dynamo=False, opset_version=17, input_names=["input"],
                                  output_names=["output"], do_constant_folding=True)
            x_path = os.path.join(wd, f"{name}.input.npy")
            np.save(x_path, x)
            entry: Dict[str, object] = {"edgec": {}}
            log(f"[{name}] onnxruntime")
            o = ort_measure(onnx_path, x, args.runs, args.warmup)
            y_ort = o.pop("output")
            entry["ort"] = o
            log(f"[{name}] ExecuTorch export")
            entry["et_export"] = et_export_time(model, xt, args.export_runs)
            for label, edgec in variants.items():
                log(f"[{name}] edgec ({label})")
                pte = os.path.join(wd, f"{name}.{label}.pte")
                comp = time_process([edgec, "compile", onnx_path, "-o", pte], args.compile_runs)
                outdir = os.path.join(wd, f"{name}.{label}.out")
                lat = edgec_latency(edgec, pte, x_path, args.runs, outdir)
                y = np.load(os.path.join(outdir, "output.npy"))
                rel = float(np.max(np.abs(y.astype(np.float64) - y_ort)) / np.max(np.abs(y_ort)))
                entry["edgec"][label] = {"binary": os.path.relpath(edgec, ROOT), "compile": comp, "latency": lat,
                                         "rel_err": rel}
            res["models"][name] = entry
            del model
    p = res["platform"]
    p["load_before"], p["load_after"] = load_before, os.getloadavg()[0]
    # The command as given, less --json PATH (where the raw results went does not change them).
    argv, shown = sys.argv[1:], []
    while argv:
        a = argv.pop(0)
        if a == "--json":
            argv = argv[1:]
        elif not a.startswith("--json="):
            shown.append(a)
    command = ".venv/bin/python Benchmarks/run.py " + " ".join(shlex.quote(a) for a in shown)
    text = markdown(res, list(variants), command.strip())
    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, args.out)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
