"""Interop check: edgec's .pte files in ExecuTorch 1.5.1's own runtime.

For each example model: compile it with edgec (--stats), load the .pte with ExecuTorch's
runtime (and check that ExecuTorch's deserializer reads its per-instruction stacktrace), run it on seeded random inputs, run the same inputs through `edgec run` (edgec's
interpreter) and through an eager PyTorch definition of the same model, and compare. The
PyTorch model is also exported with ExecuTorch's own pipeline to compare arena sizes.

Usage (from the repository root, after `swift build`):
    .venv/bin/python Conformance/interop_check.py [--edgec .build/debug/edgec]
Needs: torch 2.13.0+cpu, executorch 1.5.1, numpy (see docs/pte.md). Exit status 1 on any mismatch.
"""
import argparse, os, re, subprocess, sys, tempfile
import numpy as np
import torch
from executorch.runtime import Runtime

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from interop_ops import PROGRAMS  # noqa: E402

TOLERANCE = 1e-4  # max |a - b| allowed, on outputs of magnitude <= ~10 (float32 kernels, different summation order)
F = torch.nn.functional


class TinyCNN(torch.nn.Module):
    def forward(self, x):
        w = torch.full((8, 3, 3, 3), 0.5); b = torch.arange(8, dtype=torch.float32) / 10
        y = F.conv2d(x, w, b, padding=1)
        y = F.batch_norm(y, torch.zeros(8), torch.ones(8), torch.ones(8), torch.zeros(8), eps=1e-5)
        y = torch.relu(y).mean(dim=(2, 3))
        return F.linear(y, torch.full((4, 8), 0.25))


class LayoutAndPools(torch.nn.Module):
    def forward(self, img):
        mp = F.max_pool2d(img, 3, 2, 1)
        ap = F.avg_pool2d(img, 2, 2, count_include_pad=False)
        joined = torch.cat([ap.clamp(0, 6).reshape(2, 4, -1), ap.reshape(2, 4, 16)], 1)
        return mp, ap, joined


class TransformerBlock(torch.nn.Module):
    def forward(self, tokens, mask):
        q = F.linear(tokens, torch.full((32, 32), 0.125))
        scores = q @ q.permute(0, 2, 1) * 0.17677669529663687 + mask
        res = torch.softmax(scores, -1) @ q + tokens
        return res - res.mean(-1, keepdim=True)


MODELS = [  # (program, edgec flags, input shapes, eager model, compare arenas with ExecuTorch's own export)
    ("Grammar/examples/tiny_cnn.eir", [], [(1, 3, 8, 8)], TinyCNN(), True),
    ("Grammar/examples/layout_and_pools.eir", [], [(2, 4, 9, 9)], LayoutAndPools(), True),
    ("Grammar/examples/transformer_block.eir", ["--input-shape", "tokens=2,16,32"], [(2, 16, 32), (1, 1, 16)], TransformerBlock(), True),
] + [(path, flags, shapes, model, False) for path, flags, shapes, model in PROGRAMS]  # op coverage: Conformance/interop_ops.py


def max_error(a, b):
    """max |a - b| over float64 copies (bool and integer outputs compare exactly through it)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return float("inf")
    if a.size == 0:
        return 0.0
    return float(np.abs(a.astype(np.float64) - b.astype(np.float64)).max())


def executorch_arena(model, inputs):
    """The planned arena of ExecuTorch's own export of the same model (portable, no delegate)."""
    from executorch.exir import to_edge
    prog = to_edge(torch.export.export(model, tuple(inputs))).to_executorch()
    return prog.executorch_program.execution_plan[0].non_const_buffer_sizes[-1]


def stacktrace_matches(blob, plan):
    """ExecuTorch's own deserializer reads the per-instruction stacktrace edgec wrote: one frame
    list per instruction, with the node names `edgec inspect --json` shows."""
    from executorch.exir._serialize._program import deserialize_pte_binary
    prog = deserialize_pte_binary(blob)
    prog = getattr(prog, "program", prog)
    chain = prog.execution_plan[0].chains[0]
    expected = [[f.get("name") for f in i.get("frames", [])] for i in plan["instructions"]]
    if not any(expected):
        return not chain.stacktrace
    got = [[f.name for f in frames.items] for frames in (chain.stacktrace or [])]
    return len(chain.stacktrace or []) == len(chain.instructions) and got == expected


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--edgec", default=".build/debug/edgec")
    ap.add_argument("--no-export", action="store_true", help="skip ExecuTorch's own export (arena comparison)")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    failures = 0
    print(f"{'model':20} {'ET loads':8} {'ET vs edgec':>12} {'ET vs torch':>12} {'arena':>8} {'bound':>8} {'ratio':>6} {'ET arena':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for path, flags, shapes, model, compare_arena in MODELS:
            name = os.path.splitext(os.path.basename(path))[0]
            pte = os.path.join(tmp, name + ".pte")
            c = subprocess.run([args.edgec, "compile", path, "-o", pte, "--stats"] + flags,
                               capture_output=True, text=True)
            if c.returncode != 0:
                print(name, "compile failed:", c.stderr); failures += 1; continue
            stats = dict(re.findall(r"^(arena bytes|lower bound):\s+(\d+)", c.stdout, re.M))
            arena, bound = int(stats["arena bytes"]), int(stats["lower bound"])
            inputs = [rng.standard_normal(s).astype(np.float32) for s in shapes]
            program = Runtime.get().load_program(open(pte, "rb").read())  # keep alive while the method runs
            try:
                method = program.load_method("forward")
                et_out = [o.numpy() for o in method.execute([torch.from_numpy(x) for x in inputs])]
                loads = "yes"
            except Exception as e:  # noqa: BLE001 - report and continue
                print(name, "ExecuTorch failed:", e); failures += 1; continue
            in_args = []
            for i, x in enumerate(inputs):
                p = os.path.join(tmp, f"{name}_in{i}.npy"); np.save(p, x); in_args += ["--input", p]
            outdir = os.path.join(tmp, name + "_out")
            r = subprocess.run([args.edgec, "run", pte, "-o", outdir] + in_args, capture_output=True, text=True)
            if r.returncode != 0:
                print(name, "edgec run failed:", r.stderr); failures += 1; continue
            meta = subprocess.run([args.edgec, "inspect", pte, "--json"], capture_output=True, text=True)
            import json
            plan = json.loads(meta.stdout)["plans"][0]
            names = plan["output_names"]
            if not stacktrace_matches(open(pte, "rb").read(), plan):
                print(name, "ExecuTorch's deserializer does not read the stacktrace edgec wrote"); failures += 1; continue
            safe = [re.sub(r"[^A-Za-z0-9._-]", "_", n) for n in names]
            edgec_out = [np.load(os.path.join(outdir, s + ".npy")) for s in safe]
            ref = model(*[torch.from_numpy(x) for x in inputs]); ref = ref if isinstance(ref, tuple) else (ref,)
            e1 = max(max_error(a, b) for a, b in zip(et_out, edgec_out))
            e2 = max(max_error(a, b.numpy()) for a, b in zip(et_out, ref))
            worst = [k for k, (a, b) in enumerate(zip(et_out, ref)) if not max_error(a, b.numpy()) <= TOLERANCE]
            et_arena = "-" if args.no_export or not compare_arena else executorch_arena(model, [torch.from_numpy(x) for x in inputs])
            ok = (e1 <= TOLERANCE and e2 <= TOLERANCE and len(et_out) == len(edgec_out) == len(ref)
                  and (et_arena == "-" or arena <= et_arena))
            if worst:
                print(f"{name}: outputs {worst} differ from PyTorch")
            failures += not ok
            print(f"{name:20} {loads:8} {e1:12.3g} {e2:12.3g} {arena:8} {bound:8} {arena / max(bound, 1):6.3f} {et_arena!s:>9}"
                  + ("" if ok else "  FAIL"))
    print(f"tolerance: max abs error <= {TOLERANCE}; {'all passed' if not failures else f'{failures} failed'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
