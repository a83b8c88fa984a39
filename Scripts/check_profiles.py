#!/usr/bin/env python3
"""`edgec profile` and `edgec report` on zoo models, for each backend; fails on any error.

For every chosen model (Conformance/models/export.py's zoo; exported into --zoo when missing)
and every --backend (default portable and arm-cpu):

  1. edgec compile <name>.onnx -o <name>.<backend>.pte --backend B --stats
  2. edgec profile <pte> --input <name>.input.npy --runs 1 --warmup 0 --json   (interpreter)
  3. edgec profile --static <pte> --json                                        (no run)
  4. edgec profile --static <name>.onnx --backend B --json                      (Edge IR view)
  5. edgec report <name>.onnx -o <name>.<backend>.html --backend B --input <name>.input.npy --runs 1 --warmup 0

A step that exits non-zero, prints an `error`, gives JSON without rows, or reports 0 constant
bytes for a model that has weights, is a failure. The constants of an arm-cpu program are
inside its delegate payloads (or in the program's named data); both views must count them, and
the Edge IR view, the program view and `--stats` must agree within 1% (`--stats` counts whole
constant buffers, the views the tensors read).

Usage (repository root, after `swift build`):
  .venv/bin/python Scripts/check_profiles.py                           # every zoo model, both backends
  .venv/bin/python Scripts/check_profiles.py --models mobilenet_v2 --backends arm-cpu
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
ZOO = ["mobilenet_v2", "mobilenet_v3_small", "resnet18", "resnet50", "efficientnet_b0", "squeezenet1_1",
       "shufflenet_v2_x1_0", "vit_tiny", "bert_mini"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--edgec", default=os.path.join(ROOT, ".build", "debug", "edgec"))
    ap.add_argument("--models", nargs="+", default=ZOO)
    ap.add_argument("--backends", nargs="+", default=["portable", "arm-cpu"])
    ap.add_argument("--zoo", default=os.path.join(ROOT, "Conformance", ".cache", "models"))
    ap.add_argument("--out", help="keep the programs and reports here (default: a temporary folder)")
    args = ap.parse_args()
    args.edgec = os.path.abspath(args.edgec)   # the steps run in the work folder
    if not os.access(args.edgec, os.X_OK):
        ap.error(f"{args.edgec} is not an executable; build edgec first (swift build)")
    os.makedirs(args.zoo, exist_ok=True)
    missing = [m for m in args.models if not (os.path.exists(os.path.join(args.zoo, m + ".onnx"))
                                             and os.path.exists(os.path.join(args.zoo, m + ".input.npy")))]
    if missing:
        print(f"exporting {' '.join(missing)} with Conformance/models/export.py", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, os.path.join(ROOT, "Conformance", "models", "export.py"), *missing, "--skip-pt2",
                        "--out", args.zoo], check=True, stdout=subprocess.DEVNULL)
    failures = []
    rows = []
    work = args.out or tempfile.mkdtemp(prefix="edgec-profiles-")
    os.makedirs(work, exist_ok=True)

    def run(tag, argv):
        t0 = time.perf_counter()
        r = subprocess.run([args.edgec, *argv], capture_output=True, text=True, cwd=work)
        seconds = time.perf_counter() - t0
        bad = r.returncode != 0 or re.search(r"(^|\s)error:", r.stderr)
        if bad:
            failures.append(f"{tag}: edgec {' '.join(argv)} exited {r.returncode}: {r.stderr.strip()[-400:]}")
        return (None if bad else r.stdout), seconds

    for name in args.models:
        onnx = os.path.join(args.zoo, name + ".onnx")
        x = os.path.join(args.zoo, name + ".input.npy")
        for backend in args.backends:
            tag = f"{name} ({backend})"
            print(f"[{tag}]", file=sys.stderr, flush=True)
            pte = os.path.join(work, f"{name}.{backend}.pte")
            row = {"model": name, "backend": backend}
            rows.append(row)
            out, row["compile_s"] = run(tag, ["compile", onnx, "-o", pte, "--backend", backend, "--stats"])
            if out is None:
                continue
            row["stats_constants"] = int(re.search(r"^constant bytes:\s+(\d+)", out, re.M).group(1))
            out, row["profile_s"] = run(tag, ["profile", pte, "--input", f"input={x}", "--runs", "1", "--warmup", "0", "--json"])
            if out is not None:
                p = json.loads(out)
                row["profile_constants"] = p.get("constant_bytes")
                row["instructions"] = len(p.get("instructions", p.get("rows", [])))
                if not row["instructions"]:
                    failures.append(f"{tag}: edgec profile printed no instruction rows")
            out, _ = run(tag, ["profile", "--static", pte, "--json"])
            if out is not None:
                row["static_constants"] = json.loads(out).get("constant_bytes")
            out, _ = run(tag, ["profile", "--static", onnx, "--backend", backend, "--json"])
            if out is not None:
                s = json.loads(out)
                row["ir_constants"] = s.get("constant_bytes")
                row["ir_parameter_bytes"] = sum(l.get("parameter_bytes", 0) for l in s.get("layers", []))
            html = os.path.join(work, f"{name}.{backend}.html")
            out, row["report_s"] = run(tag, ["report", onnx, "-o", html, "--backend", backend, "--input", f"input={x}",
                                             "--runs", "1", "--warmup", "0"])
            if out is not None and not (os.path.exists(html) and os.path.getsize(html) > 0):
                failures.append(f"{tag}: edgec report wrote no {html}")
            figures = {k: row.get(k) for k in ("stats_constants", "profile_constants", "static_constants", "ir_constants", "ir_parameter_bytes")}
            if any(v is not None and v <= 0 for v in figures.values()):
                failures.append(f"{tag}: a constants figure is 0 for a model with weights: {figures}")
            known = [v for v in figures.values() if v]
            if known and max(known) > 1.01 * min(known):
                failures.append(f"{tag}: the constants figures disagree: {figures}")

    print("| model | backend | compile s | constants (--stats) | profile | profile --static .pte | profile --static .onnx | layers' parameter bytes | profile s | report s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        cells = [r["model"], r["backend"]] + [
            (f"{r[k]:.1f}" if isinstance(r.get(k), float) else str(r.get(k, "–")))
            for k in ("compile_s", "stats_constants", "profile_constants", "static_constants", "ir_constants", "ir_parameter_bytes",
                      "profile_s", "report_s")]
        print("| " + " | ".join(cells) + " |")
    for f in failures:
        print("FAIL: " + f)
    print(f"{len(rows)} model/backend pairs, {len(failures)} failures; edgec {args.edgec}; files in {work}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
