#!/usr/bin/env python3
"""edgec's arm-cpu programs against ExecuTorch's own XNNPACK export, in ExecuTorch's runtime.

Per model (mobilenet_v2, resnet18, resnet50 by default; any zoo model of
Conformance/models/architectures.py: random weights, fixed-seed example input), in one run:

  edgec     the model exported to ONNX (opset 17, constant folding, as Benchmarks/run.py does),
            then `edgec compile model.onnx -o model.pte --backend arm-cpu --stats` (release build;
            the whole process), median of --compile-runs; partitions and delegated / portable
            ops from --stats.
  ExecuTorch
            the same PyTorch model through ExecuTorch's own XNNPACK pipeline: torch.export ->
            to_edge_transform_and_lower(partitioner=[XnnpackPartitioner()]) -> to_executorch
            (serialized), median of --export-runs after one untimed warm-up export.
  latency   both .pte files in executorch.runtime (the pip runtime, XNNPACK delegate), for each
            thread count (--threads, default 1 and the runtime's default): the thread pool is
            reset before the programs are loaded (the delegate captures it at init), then the
            two programs are timed round-robin (so both see the same background load), median of
            --runs after --warmup untimed runs each. Ratio = edgec / ExecuTorch (below 1: edgec
            is faster).
  programs  for each .pte: delegate calls, kernel calls (ops left on portable kernels) and
            instructions, read from the serialized program; outputs of edgec's program against
            ExecuTorch's (max |diff| / max |ExecuTorch|).

Writes the markdown table to stdout and, with --markdown FILE, into FILE between the markers
`<!-- BEGIN generated: xnnpack -->` / `<!-- END generated: xnnpack -->` (appended when absent).

Usage (repository root; `swift build -c release --scratch-path .build-release` first):
  .venv/bin/python Benchmarks/xnnpack.py --markdown docs/benchmarks.md
  .venv/bin/python Benchmarks/xnnpack.py --models resnet18 --runs 5
"""
from __future__ import annotations

import argparse
import logging
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
from typing import Dict, List

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True      # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(ROOT, "Conformance", "models"))

DEFAULT_MODELS = ["mobilenet_v2", "resnet18", "resnet50"]
BEGIN, END = "<!-- BEGIN generated: xnnpack -->", "<!-- END generated: xnnpack -->"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def program_counts(pte: bytes) -> Dict[str, int]:
    """Delegate calls, kernel calls and instructions of a serialized .pte's first plan."""
    from executorch.exir._serialize._program import deserialize_pte_binary
    from executorch.exir.schema import DelegateCall, KernelCall
    prog = deserialize_pte_binary(pte)
    prog = getattr(prog, "program", prog)
    plan = prog.execution_plan[0]
    kinds = [type(i.instr_args) for i in plan.chains[0].instructions]
    return {"delegate_calls": sum(k is DelegateCall for k in kinds), "kernel_calls": sum(k is KernelCall for k in kinds),
            "instructions": len(kinds)}


def et_export(model, x) -> bytes:
    import torch
    from executorch.exir import to_edge_transform_and_lower
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prog = to_edge_transform_and_lower(torch.export.export(model, (x,)), partitioner=[XnnpackPartitioner()]).to_executorch()
        return bytes(prog.buffer)


def edgec_compile(edgec: str, onnx_path: str, pte: str) -> Dict[str, object]:
    t0 = time.perf_counter()
    r = subprocess.run([edgec, "compile", onnx_path, "-o", pte, "--backend", "arm-cpu", "--stats"], capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if r.returncode != 0:
        raise RuntimeError(f"edgec compile failed: {r.stderr.strip()}")
    stats = dict(re.findall(r"^(partitions|delegated ops|portable ops):\s+(\d+)", r.stdout, re.M))
    left = re.findall(r"^  (edge\.\S+.*)$", r.stdout, re.M)
    return {"seconds": seconds, "partitions": int(stats.get("partitions", 0)), "delegated_ops": int(stats.get("delegated ops", 0)),
            "portable_ops": int(stats.get("portable ops", 0)), "left_out": left}


def fmt_ms(v: float) -> str:
    return f"{v:.0f} ms" if v >= 100 else f"{v:.1f} ms" if v >= 10 else f"{v:.2f} ms"


def fmt_s(v: float) -> str:
    return f"{v:.2f} s" if v >= 0.1 else f"{v * 1e3:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--models", nargs="+", default=DEFAULT_MODELS)
    parser.add_argument("--edgec", default=os.path.join(ROOT, ".build-release", "release", "edgec"))
    parser.add_argument("--threads", nargs="+", default=["1", "default"],
                        help="ExecuTorch thread-pool sizes (numbers or 'default'); default 1 default")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per program and thread count (default 30)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--compile-runs", type=int, default=3)
    parser.add_argument("--export-runs", type=int, default=1)
    parser.add_argument("--markdown", help="replace the generated section of this markdown file (docs/benchmarks.md)")
    args = parser.parse_args()
    if not os.access(args.edgec, os.X_OK):
        parser.error(f"{args.edgec} is not an executable; build it (swift build -c release --scratch-path .build-release)")

    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    import torch
    import executorch.extension.pybindings.portable_lib as pl
    from executorch.runtime import Runtime
    import architectures as A
    unknown = [m for m in args.models if m not in A.MODELS]
    if unknown:
        parser.error(f"unknown model(s) {unknown}; known: {', '.join(A.MODELS)}")
    default_threads = pl._threadpool_get_thread_count()
    thread_counts = [default_threads if t == "default" else int(t) for t in args.threads]
    labels = [f"{t}T" + (" (default)" if a == "default" else "") for t, a in zip(thread_counts, args.threads)]

    load_before = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory(prefix="edgec-xnnpack-bench-") as wd:
        log("warming up ExecuTorch's export (tiny_cnn, untimed)")
        et_export(A.build("tiny_cnn"), A.example_input("tiny_cnn"))
        for name in args.models:
            model = A.build(name)
            xt = A.example_input(name)
            onnx_path = os.path.join(wd, f"{name}.onnx")
            log(f"[{name}] ONNX export")
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(model, (xt,), onnx_path, dynamo=False, opset_version=17, input_names=["input"],
                                  output_names=["output"], do_constant_folding=True)
            log(f"[{name}] edgec compile --backend arm-cpu")
            edgec_pte = os.path.join(wd, f"{name}.edgec.pte")
            compiles = [edgec_compile(args.edgec, onnx_path, edgec_pte) for _ in range(args.compile_runs)]
            ec = compiles[0]
            ec["seconds"] = statistics.median(c["seconds"] for c in compiles)
            log(f"[{name}] ExecuTorch export (XnnpackPartitioner)")
            times = []
            for _ in range(args.export_runs):
                t0 = time.perf_counter()
                et_bytes = et_export(model, xt)
                times.append(time.perf_counter() - t0)
            with open(edgec_pte, "rb") as f:
                edgec_bytes = f.read()
            row = {"model": name, "edgec": ec, "et_export_s": statistics.median(times),
                   "edgec_counts": program_counts(edgec_bytes), "et_counts": program_counts(et_bytes), "latency": {}}
            x = xt.contiguous()
            for t, label in zip(thread_counts, labels):
                log(f"[{name}] latency, {label}")
                pl._unsafe_reset_threadpool(t)   # before load: the delegate captures the pool at init
                programs = {"edgec": Runtime.get().load_program(edgec_bytes), "et": Runtime.get().load_program(et_bytes)}
                methods = {k: p.load_method("forward") for k, p in programs.items()}
                outs = {k: m.execute([x])[0].numpy().copy() for k, m in methods.items()}
                for k, m in methods.items():
                    for _ in range(args.warmup):
                        m.execute([x])
                times = {k: [] for k in methods}
                for _ in range(args.runs):
                    for k, m in methods.items():
                        t0 = time.perf_counter()
                        m.execute([x])
                        times[k].append((time.perf_counter() - t0) * 1e3)
                ref = outs["et"].astype(np.float64)
                row["rel_err"] = float(np.max(np.abs(outs["edgec"].reshape(ref.shape) - ref)) / max(np.max(np.abs(ref)), 1e-30))
                row["latency"][label] = {k: statistics.median(v) for k, v in times.items()}
                del methods, programs
            pl._unsafe_reset_threadpool(default_threads)
            rows.append(row)
            del model
    load_after = os.getloadavg()[0]

    argv, shown = sys.argv[1:], []
    while argv:
        a = argv.pop(0)
        if a == "--markdown":
            argv = argv[1:]
        elif not a.startswith("--markdown="):
            shown.append(a)
    rel = os.path.relpath(os.path.abspath(args.edgec), ROOT)
    build = "release build" if rel == os.path.join(".build-release", "release", "edgec") else f"the binary {rel}"
    command = (".venv/bin/python Benchmarks/xnnpack.py " + " ".join(shlex.quote(a) for a in shown)).strip()
    out = [BEGIN, "## arm-cpu: edgec's XNNPACK programs against ExecuTorch's own XNNPACK export", "",
           "Produced by (repository root, after `swift build -c release --scratch-path .build-release`):", "",
           "```", command + (" --markdown docs/benchmarks.md" if args.markdown else ""), "```", "",
           f"Machine: {cpu_model()}, {os.cpu_count()} cores; 1-min load average {load_before:.2f} before and {load_after:.2f} "
           f"after (other processes share these cores: compare the ratios, whose two sides were timed round-robin). "
           f"Both programs run in ExecuTorch 1.5.1's pip runtime (`executorch.runtime`, XNNPACK delegate) on the model's "
           f"example input; median of {args.runs} runs each after {args.warmup} warm-up runs. edgec: `edgec compile "
           f"model.onnx --backend arm-cpu` ({build}, whole process, median of {args.compile_runs}) from the model's "
           f"ONNX export; ExecuTorch: torch.export -> to_edge_transform_and_lower(XnnpackPartitioner) -> to_executorch "
           f"from the same PyTorch model (median of {args.export_runs} after an untimed warm-up export). Delegate / "
           f"kernel calls: instructions of each program (kernel calls are ops left on portable kernels). "
           f"Ratio = edgec / ExecuTorch.", ""]
    head = ["model"]
    for label in labels:
        head += [f"edgec {label}", f"ExecuTorch {label}", "ratio"]
    head += ["delegate calls edgec / ET", "kernel calls edgec / ET", "edgec compile", "ET export", "compile ratio ET / edgec",
             "max \\|edgec − ET\\| / max \\|ET\\|"]
    out += ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for r in rows:
        cells = [r["model"]]
        for label in labels:
            e, t = r["latency"][label]["edgec"], r["latency"][label]["et"]
            cells += [fmt_ms(e), fmt_ms(t), f"{e / t:.2f}x"]
        ec, tc = r["edgec_counts"], r["et_counts"]
        cells += [f"{ec['delegate_calls']} / {tc['delegate_calls']}", f"{ec['kernel_calls']} / {tc['kernel_calls']}",
                  fmt_s(r["edgec"]["seconds"]), fmt_s(r["et_export_s"]), f"{r['et_export_s'] / r['edgec']['seconds']:.1f}x",
                  f"{r['rel_err']:.1e}"]
        out.append("| " + " | ".join(cells) + " |")
    out += ["", "Both sides hand the runtime one XNNPACK subgraph per delegate call; with equal delegate and kernel "
            "counts the runtime executes the same XNNPACK operators, and a ratio away from 1.0 is either noise (the two "
            "sides are timed round-robin, so compare ratios, not milliseconds) or a difference inside the subgraph "
            "(`edgec inspect model.pte` lists its XNNPACK nodes: transposes only at the delegate's edges, activations "
            "fused into the producers' output ranges). edgec keeps the weights in the payload's constant region, "
            "ExecuTorch in the program's named data: that changes loading, not inference."]
    left = [f"{r['model']}: " + "; ".join(r["edgec"]["left_out"]) for r in rows if r["edgec"]["left_out"]]
    if left:
        out += ["", "Ops edgec left on portable kernels: " + " — ".join(left)]
    out.append(END)
    section = "\n".join(out) + "\n"
    print(section)
    if args.markdown:
        text = open(args.markdown).read() if os.path.exists(args.markdown) else "# Benchmarks\n\n"
        b, e = text.find(BEGIN), text.find(END)
        if b >= 0 and e > b:
            text = text[:b] + section + text[e + len(END):].lstrip("\n")
        else:
            text = text.rstrip("\n") + "\n\n" + section
        tmp = args.markdown + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
