#!/usr/bin/env python3
"""Compares edgec's compiled torch fixtures with eager PyTorch (run by hand).

    .venv/bin/python Conformance/torch/compare.py [--edgec .build/debug/edgec]

For each Tests/EdgeTorchTests/Fixtures/<name>.pt2 with a <name>.inputs.pt beside it:
1. the archive itself is checked: torch.export.load(...).module() on the saved inputs must
   reproduce the saved eager output (so the fixture is a faithful oracle);
2. `edgec import` must succeed (or, for the fixtures in EXPECTED_REJECTIONS, fail saying why);
3. when the edgec binary has `compile` (the .pte backend), the model is compiled with the
   inputs' shapes and run in the ExecuTorch runtime, and its outputs are compared with eager
   PyTorch (rtol 1e-4, atol 1e-5). Until then this step reports "skipped".
Exit status is non-zero when any check fails.
"""
import argparse
import os
import subprocess
import sys
import tempfile

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


def has_compile(edgec):
    r = subprocess.run([edgec, "--help"], capture_output=True, text=True)
    return any(line.strip().startswith("compile ") for line in r.stdout.splitlines())


def run_pte(path, args):
    from executorch.runtime import Runtime
    program = Runtime.get().load_program(open(path, "rb").read())
    return program.load_method("forward").execute(list(args))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--edgec", default=os.path.join(ROOT, ".build", "debug", "edgec"))
    opts = ap.parse_args()
    compile_ok = has_compile(opts.edgec)
    failures = 0
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
            r = subprocess.run([opts.edgec, "import", pt2, "-o", eir] + shapes, capture_output=True, text=True)
            imported = r.returncode == 0
            if name in EXPECTED_REJECTIONS:
                ok = not imported and EXPECTED_REJECTIONS[name] in r.stderr
                status.append("import rejected as expected" if ok else "IMPORT SHOULD FAIL")
                failures += not ok
            else:
                status.append("import ok" if imported else "IMPORT FAILED: " + r.stderr.strip().splitlines()[0])
                failures += not imported
            if imported and compile_ok:
                pte = os.path.join(tmp, name + ".pte")
                c = subprocess.run([opts.edgec, "compile", eir, "-o", pte], capture_output=True, text=True)
                if c.returncode != 0:
                    status.append("COMPILE FAILED: " + c.stderr.strip().splitlines()[0])
                    failures += 1
                else:
                    out = run_pte(pte, args)
                    ok = close(out, expected)
                    status.append("pte matches eager" if ok else "PTE MISMATCH")
                    failures += not ok
            elif imported:
                status.append("pte comparison skipped (edgec has no `compile` yet)")
        print(f"{name}: " + "; ".join(status))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
