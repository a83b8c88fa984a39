#!/usr/bin/env python3
"""edgec benchmark: compile time and interpreter latency against ExecuTorch and ONNX Runtime.

Per model (mobilenet_v2, resnet18, resnet50, efficientnet_b0, bert_mini by default; random
weights from Conformance/models/architectures.py, fixed-seed example input), in one run:

  compile   `edgec compile model.onnx -o model.pte` (release build; the whole process: read the
            ONNX file, import, passes, lowering, memory planning, write the .pte), median of
            --compile-runs;
            ExecuTorch's own export of the same PyTorch model: torch.export -> to_edge ->
            to_executorch (portable kernels, serialized), median of --export-runs;
            ONNX Runtime's session creation (InferenceSession, CPU, 1 thread), median of 3.
  latency   for each --threads N (default 1 and 2): edgec's interpreter, `edgec run model.pte
            --input input=x.npy --repeat R --threads N` (the median of R runs after one warm-up
            run, excluding loading the program and inputs), and ONNX Runtime with N intra-op
            threads (median of R after warm-up).
  check     edgec's output against ONNX Runtime's (max |diff| / max |ORT|), and edgec's outputs
            at every thread count bit-identical to each other.

The release build (`swift build -c release --scratch-path .build-release`) carries every kernel
variant and picks the best one for the CPU at start-up; --isa NAME adds a column group with
EDGEC_ISA=NAME (baseline, avx2, avx512) forcing a variant. --target-cpu CPU additionally measures
a build made with `-Xswiftc -target-cpu -Xswiftc CPU` in `.build-release-CPU` (it only changes the
Swift code around the C kernels). --no-build uses the binaries already there.

Writes the markdown report to --out (default docs/benchmarks.md) atomically, with the command
line, the machine (CPU model, cores) and its load average before and after.

Usage (repository root; Scripts/setup-oracles.sh made .venv):
  .venv/bin/python Benchmarks/run.py --isa baseline --isa avx2    # what docs/benchmarks.md shows
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

DEFAULT_MODELS = ["mobilenet_v2", "resnet18", "resnet50", "efficientnet_b0", "bert_mini"]


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


def edgec_latency(edgec: str, pte: str, x_path: str, repeat: int, outdir: str, threads: int,
                  env: Dict[str, str]) -> Dict[str, float]:
    r = subprocess.run([edgec, "run", pte, "--input", f"input={x_path}", "--repeat", str(repeat), "-o", outdir,
                        "--threads", str(threads), "--profile"], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"edgec run failed: {r.stderr.strip()}")
    m = re.search(r"time: median ([\d.]+) ms, min ([\d.]+) ms, max ([\d.]+) ms over (\d+) runs", r.stdout)
    if not m:
        raise RuntimeError(f"no timing line in edgec run's output:\n{r.stdout}")
    isa = re.search(r"profile: .*\((\w+) kernels, (\d+) threads\)", r.stdout)
    profile = [line.strip() for line in r.stdout.splitlines() if re.match(r"^  \S+ +\d+ calls", line)]
    return {"median_ms": float(m.group(1)), "min_ms": float(m.group(2)), "max_ms": float(m.group(3)), "runs": int(m.group(4)),
            "isa": isa.group(1) if isa else "?", "profile": profile}


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


def ort_measure(onnx_path: str, x: np.ndarray, runs: int, warmup: int, threads: int) -> Dict[str, object]:
    import onnxruntime as ort
    from reference import time_calls

    def session():
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
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


def markdown(res: Dict[str, object], variants: List[str], threads: List[int], command: str) -> str:
    p = res["platform"]
    out = ["# Benchmarks", "",
           "Produced by (repository root):", "", "```", command, "```", "",
           f"Machine: {p['cpu']}, {p['cores']} cores, {p['system']}; kernels chosen at start-up: {res['isa']}. "
           f"1-min load average {p['load_before']:.2f} before and {p['load_after']:.2f} after the run (other "
           f"processes share these cores, so single figures are noisy; compare the ratios, which pair each edgec "
           f"figure with ONNX Runtime measured minutes apart). Versions: {res['versions']}. Random weights "
           f"(Conformance/models/architectures.py), the models' example inputs (1x3x224x224 fp32 images; 32 "
           f"token ids for bert_mini). {res['settings']}.", ""]
    base = variants[0]

    out += ["## Compile time", "",
            "`edgec compile model.onnx` (whole process, release build) against ExecuTorch's own export "
            "(torch.export -> to_edge -> to_executorch, portable, from the PyTorch model) and ONNX Runtime's "
            "session creation (from the same ONNX file). Ratio = other / edgec (above 1: edgec is faster).", ""]
    head = ["model", f"edgec compile", "ExecuTorch export", "ratio", "ORT session", "ratio"]
    out += ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for name, e in res["models"].items():
        ec = e["edgec"][base]["compile"]["median_s"]
        et = e["et_export"]["median_s"]
        ort = e["ort"]["session_s"]
        out.append(f"| {name} | {fmt_s(ec)} | {fmt_s(et)} | {et / ec:.1f}x | {fmt_s(ort)} | {ort / ec:.2f}x |")

    out += ["", "## Interpreter latency", "",
            "edgec's bundled interpreter (`edgec run --repeat N --threads T`: median, load excluded) against "
            "ONNX Runtime with T intra-op threads (median). Ratio = edgec / ORT (below 1: edgec is faster). "
            "The last column checks that edgec's outputs are bit-identical at every thread count.", ""]
    head = ["model"]
    for t in threads:
        head += [f"ORT {t}T"]
        for v in variants:
            head += [f"edgec {v} {t}T", "ratio"]
    head += ["max \\|edgec − ORT\\| / max \\|ORT\\|", "same at any T"]
    out += ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for name, e in res["models"].items():
        row = [name]
        for t in threads:
            ort = e["ort"][str(t)]["latency"]["median_ms"]
            row.append(fmt_ms(ort))
            for v in variants:
                lat = e["edgec"][v]["latency"][str(t)]["median_ms"]
                row += [fmt_ms(lat), f"{lat / ort:.2f}x"]
        row.append(", ".join(f"{e['edgec'][v]['rel_err']:.1e}" for v in variants))
        row.append("yes" if all(e["edgec"][v]["identical"] for v in variants) else "**no**")
        out.append("| " + " | ".join(row) + " |")
    out += ["", "## Builds and kernel variants", "",
            "The column groups above:", ""]
    for label, cmd in res["builds"].items():
        out.append(f"- {label}: `{cmd}`")
    out += ["", RECOMMENDATION]
    return "\n".join(out) + "\n"


RECOMMENDATION = """**Kernel variants.** `swift build -c release` gives one binary that runs on every x86-64
machine: the hot kernels (GEMM micro-kernels and packing, im2col, depthwise convolution) are C
(Sources/CEdgeKernels) compiled once per instruction set — baseline SSE2, AVX2+FMA, AVX-512F —
and the best one the CPU supports is chosen at start-up from CPUID (docs/design.md, "Kernel
dispatch"). `EDGEC_ISA=baseline|avx2|avx512` forces one. The AVX2 and AVX-512 variants fuse
multiply-adds (one rounding), the x86-64 baseline does not, so outputs differ between variants in
the last bits (the error column shows each against ONNX Runtime); a given variant is deterministic,
and the thread count never changes a result (work is split only over independent outputs).
On arm64 the baseline is NEON with fused multiply-add."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--models", nargs="+", default=DEFAULT_MODELS)
    parser.add_argument("--target-cpu", action="append", default=[],
                        help="also measure a build with -Xswiftc -target-cpu -Xswiftc CPU (repeatable)")
    parser.add_argument("--isa", action="append", default=[], choices=["baseline", "avx2", "avx512"],
                        help="also measure the release build with EDGEC_ISA=NAME (repeatable)")
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                        help="thread counts for edgec --threads and ORT intra-op threads; default 1 2")
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
    binaries: Dict[str, str] = {}
    for label, flags in specs.items():
        path = os.path.join(ROOT, scratch_path(label), "release", "edgec")
        binaries[label] = path if args.no_build else build_edgec(label, flags, log)
        if not os.access(binaries[label], os.X_OK):
            parser.error(f"{binaries[label]} missing; build it or drop --no-build")
    # column label -> (binary, extra environment)
    clean_env = {k: v for k, v in os.environ.items() if k not in ("EDGEC_ISA", "EDGEC_THREADS")}
    variants: Dict[str, tuple] = {"auto": (binaries["baseline"], {})}
    for isa in args.isa:
        variants[isa] = (binaries["baseline"], {"EDGEC_ISA": isa})
    for cpu in args.target_cpu:
        variants[cpu] = (binaries[cpu], {})

    load_before = os.getloadavg()[0]
    res: Dict[str, object] = {
        "platform": {"cpu": cpu_model(), "cores": os.cpu_count(), "system": f"{platform.system()} {platform.machine()}"},
        "versions": f"torch {torch.__version__}, onnxruntime {ort.__version__}, executorch 1.5.1",
        "builds": {**{"auto": "swift build -c release --scratch-path .build-release (variant chosen from CPUID)"},
                   **{isa: f"the same binary with EDGEC_ISA={isa}" for isa in args.isa},
                   **{cpu: f"swift build -c release --scratch-path {scratch_path(cpu)} -Xswiftc -target-cpu -Xswiftc {cpu}"
                      for cpu in args.target_cpu}},
        "isa": "?",
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
            entry: Dict[str, object] = {"edgec": {}, "ort": {}}
            y_ort = None
            for t in args.threads:
                log(f"[{name}] onnxruntime, {t} threads")
                o = ort_measure(onnx_path, x, args.runs, args.warmup, t)
                y_ort = o.pop("output")
                entry["ort"][str(t)] = o
            entry["ort"]["session_s"] = entry["ort"][str(args.threads[0])]["session_s"]
            log(f"[{name}] ExecuTorch export")
            entry["et_export"] = et_export_time(model, xt, args.export_runs)
            for label, (edgec, env) in variants.items():
                pte = os.path.join(wd, f"{name}.{label}.pte")
                comp = time_process([edgec, "compile", onnx_path, "-o", pte], args.compile_runs)
                lat, outs = {}, []
                for t in args.threads:
                    log(f"[{name}] edgec ({label}), {t} threads")
                    outdir = os.path.join(wd, f"{name}.{label}.{t}.out")
                    lat[str(t)] = edgec_latency(edgec, pte, x_path, args.runs, outdir, t, {**clean_env, **env})
                    if label == "auto":
                        res["isa"] = lat[str(t)]["isa"]
                    outs.append(np.load(os.path.join(outdir, "output.npy")))
                y = outs[0]
                rel = float(np.max(np.abs(y.astype(np.float64) - y_ort)) / np.max(np.abs(y_ort)))
                identical = all(o.shape == y.shape and o.tobytes() == y.tobytes() for o in outs)
                entry["edgec"][label] = {"binary": os.path.relpath(edgec, ROOT), "compile": comp, "latency": lat,
                                         "rel_err": rel, "identical": identical}
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
    text = markdown(res, list(variants), args.threads, command.strip())
    # Keep the arm-cpu section Benchmarks/xnnpack.py writes into the same file.
    old = open(args.out).read() if os.path.exists(args.out) else ""
    begin, end = "<!-- BEGIN generated: xnnpack -->", "<!-- END generated: xnnpack -->"
    if begin in old and end in old:
        text += "\n" + old[old.index(begin):old.index(end) + len(end)] + "\n"
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
