#!/usr/bin/env python3
"""Compares edgec's compiled torch fixtures with eager PyTorch (run by hand).

    .venv/bin/python Conformance/torch/compare.py [--edgec .build/debug/edgec]

For each Tests/EdgeTorchTests/Fixtures/<name>.pt2 with a <name>.inputs.pt beside it:
1. the archive itself is checked: torch.export.load(...).module() on the saved inputs must
   reproduce the saved eager output (so the fixture is a faithful oracle);
2. `edgec import` must succeed (or, for the fixtures in EXPECTED_REJECTIONS, fail saying why);
3. the model is compiled with the inputs' shapes (`edgec compile`) and run both in edgec's
   interpreter (`edgec run`) and in ExecuTorch 1.5.1's runtime; each must match eager PyTorch
   (rtol 1e-4, atol 1e-5);
4. the same ExportedProgram goes through ExecuTorch's own pipeline
   (`to_edge(ep).to_executorch()`), so edgec's import+compile time and planned arena can be
   set beside ExecuTorch's export time and arena.
Prints a table; `--markdown FILE` also writes it as markdown (docs/torch-benchmarks.md is
made this way). Exit status is non-zero when any check fails.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
FIXTURES = os.path.join(ROOT, "Tests", "EdgeTorchTests", "Fixtures")
# Fixtures edgec must reject, with a phrase its message must contain.
EXPECTED_REJECTIONS = {"unsupported": "cannot import", "inplace_view": "in-place update"}


def flat(x):
    return list(x) if isinstance(x, (tuple, list)) else [x]


def close(a, b):
    return all(torch.allclose(x.float(), y.float(), rtol=1e-4, atol=1e-5) for x, y in zip(flat(a), flat(b)))


def max_error(a, b):
    return max(float((x.float() - y.float()).abs().max()) if x.numel() else 0.0 for x, y in zip(flat(a), flat(b)))


def run_pte(path, args):
    from executorch.runtime import Runtime
    program = Runtime.get().load_program(open(path, "rb").read())  # keep alive while the method runs
    return program.load_method("forward").execute(list(args))


def run_interpreter(edgec, pte, args, tmp):
    """Runs the .pte in edgec's interpreter on `args`, returning the outputs in plan order."""
    cmd = [edgec, "run", pte, "-o", os.path.join(tmp, "out")]
    for i, a in enumerate(args):
        p = os.path.join(tmp, f"in{i}.npy")
        np.save(p, a.numpy())
        cmd += ["--input", p]
    subprocess.run(cmd, capture_output=True, text=True, check=True)
    meta = json.loads(subprocess.run([edgec, "inspect", pte, "--json"], capture_output=True, text=True, check=True).stdout)
    names = [re.sub(r"[^A-Za-z0-9._-]", "_", n) for n in meta["plans"][0]["output_names"]]
    return [torch.from_numpy(np.load(os.path.join(tmp, "out", n + ".npy"))) for n in names]


def executorch_export(ep):
    """ExecuTorch's own export of the same program: (seconds, planned arena bytes)."""
    from executorch.exir import to_edge
    start = time.perf_counter()
    prog = to_edge(ep).to_executorch()
    seconds = time.perf_counter() - start
    return seconds, prog.executorch_program.execution_plan[0].non_const_buffer_sizes[-1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--edgec", default=os.path.join(ROOT, ".build", "debug", "edgec"))
    ap.add_argument("--markdown", help="also write the table as markdown to this file")
    opts = ap.parse_args()
    failures = 0
    rows = []
    for name in sorted(f[:-4] for f in os.listdir(FIXTURES) if f.endswith(".pt2")):
        pt2 = os.path.join(FIXTURES, name + ".pt2")
        saved = torch.load(os.path.join(FIXTURES, name + ".inputs.pt"))
        args, expected = saved["args"], saved["out"]
        ep = torch.export.load(pt2)
        with torch.no_grad():
            got = ep.module()(*args)
        # Import with the sample inputs' shapes, so dynamic dims are fixed to what eager ran.
        shapes = []
        for inp, a in zip(ep.graph_signature.user_inputs, args):
            shapes += ["--input-shape", f"{inp}=" + ",".join(map(str, a.shape))]
        status = ["archive ok" if close(got, expected) else "ARCHIVE MISMATCH"]
        failures += not close(got, expected)
        with tempfile.TemporaryDirectory() as tmp:
            eir = os.path.join(tmp, name + ".eir")
            start = time.perf_counter()
            r = subprocess.run([opts.edgec, "import", pt2, "-o", eir] + shapes, capture_output=True, text=True)
            imported = r.returncode == 0
            if name in EXPECTED_REJECTIONS:
                ok = not imported and EXPECTED_REJECTIONS[name] in r.stderr
                status.append("import rejected as expected" if ok else "IMPORT SHOULD FAIL")
                failures += not ok
            else:
                status.append("import ok" if imported else "IMPORT FAILED: " + r.stderr.strip().splitlines()[0])
                failures += not imported
            if imported:
                pte = os.path.join(tmp, name + ".pte")
                c = subprocess.run([opts.edgec, "compile", eir, "-o", pte, "--stats"], capture_output=True, text=True)
                edgec_seconds = time.perf_counter() - start
                if c.returncode != 0:
                    status.append("COMPILE FAILED: " + c.stderr.strip().splitlines()[0])
                    failures += 1
                else:
                    arena = int(re.search(r"^arena bytes:\s+(\d+)", c.stdout, re.M).group(1))
                    et_out, in_out = run_pte(pte, args), run_interpreter(opts.edgec, pte, args, tmp)
                    et_err, in_err = max_error(et_out, expected), max_error(in_out, expected)
                    ok = len(flat(et_out)) == len(flat(in_out)) == len(flat(expected)) and close(et_out, expected) and close(in_out, expected)
                    status.append(("pte matches eager" if ok else "PTE MISMATCH") + f" (interpreter {in_err:.2g}, ExecuTorch {et_err:.2g})")
                    failures += not ok
                    try:
                        et_seconds, et_arena = executorch_export(ep)
                    except Exception as e:  # ExecuTorch's own pipeline rejects some programs edgec compiles
                        et_seconds, et_arena = None, None
                        status.append("ExecuTorch's own export fails: " + str(e).strip().splitlines()[0])
                    rows.append((name, in_err, et_err, edgec_seconds, et_seconds, arena, et_arena))
        print(f"{name}: " + "; ".join(status))
    header = "| model | max err, interpreter | max err, ExecuTorch | edgec import+compile (s) | ExecuTorch export (s) | export ratio | edgec arena (B) | ExecuTorch arena (B) | arena ratio |"
    lines = [header, "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for name, ie, ee, es, xs, a, xa in rows:
        if xs is None:
            lines.append(f"| {name} | {ie:.2g} | {ee:.2g} | {es:.2f} | fails | – | {a} | fails | – |")
        else:
            lines.append(f"| {name} | {ie:.2g} | {ee:.2g} | {es:.2f} | {xs:.2f} | {es / xs:.2f} | {a} | {xa} | {a / max(xa, 1):.2f} |")
    print("\n".join(lines))
    if opts.markdown:
        with open(opts.markdown, "w") as f:
            f.write("# torch.export (.pt2) models: edgec against ExecuTorch's own pipeline\n\n")
            f.write("Made by `.venv/bin/python Conformance/torch/compare.py --edgec .build/debug/edgec --markdown docs/torch-benchmarks.md`"
                    " (debug edgec binary, one run each, 2 shared cores: times are noisy, ratios matter). Errors are the max absolute"
                    " difference from eager PyTorch on the fixture's saved inputs. edgec's time is `edgec import` + `edgec compile`"
                    " as processes; ExecuTorch's is `to_edge(ep).to_executorch()` in-process. Arena: planned activation memory.\n\n")
            f.write("\n".join(lines) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
