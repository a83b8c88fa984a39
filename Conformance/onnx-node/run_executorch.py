#!/usr/bin/env python3
"""Runs edgec's .pte programs in ExecuTorch 1.5.1's own runtime and writes their outputs.

One program:
  run_executorch.py model.pte --input x.npy --input y.pb --out outdir/
    writes outdir/output_K.npy for each output (inputs are .npy files, or ONNX TensorProto .pb
    files, given in the program's input order).

Many programs (what `edgec conformance --executor executorch` uses):
  run_executorch.py --serve
    prints {"ready": true}, then reads one JSON request per line on stdin:
      {"case": name, "runs": [{"pte": path, "inputs": [npy paths], "out": dir}, ...]}
    and answers each with one line: {"case": name, "ok": true} or {"case": name, "ok": false,
    "error": message}. Outputs go to <out>/output_K.npy. Nothing else is printed on stdout.
    A program that crashes the runtime takes this process down; the caller restarts it.
"""
import argparse
import json
import os
import sys
import warnings


def load_input(path):
    """An input as a NumPy array, or a torch tensor for bfloat16 (NumPy has no bfloat16: edgec
    writes such a tensor as its int16 bits in x.npy with an empty x.bf16 marker beside it)."""
    import numpy as np
    if path.endswith(".pb"):
        import onnx
        from onnx import numpy_helper
        return numpy_helper.to_array(onnx.load_tensor(path))
    a = np.load(path, allow_pickle=False)
    if os.path.exists(path[:-len(".npy")] + ".bf16"):
        import torch
        return torch.from_numpy(np.array(a, dtype=np.int16, order="C", copy=True)).view(torch.bfloat16)
    return a


def to_tensor(a):
    """A torch tensor owning a C-ordered copy of `a`, rank 0 kept (np.ascontiguousarray would
    make it rank 1), empty tensors with proper strides (from_numpy gives zero strides that
    ExecuTorch rejects)."""
    import numpy as np
    import torch
    if isinstance(a, torch.Tensor):
        if a.numel() == 0:  # an empty bfloat16 input (CastLike's target): proper strides, as below
            return torch.empty(tuple(a.shape), dtype=a.dtype)
        return a.contiguous().clone()
    a = np.array(a, order="C", copy=True)
    if a.size == 0:
        return torch.empty(a.shape, dtype=torch.from_numpy(np.zeros(1, a.dtype)).dtype)
    return torch.from_numpy(a)


def run_program(runtime, pte, inputs, out):
    import numpy as np
    import torch
    with open(pte, "rb") as f:
        data = f.read()
    program = runtime.load_program(data)  # kept alive while the method runs
    method = program.load_method("forward")
    tensors = [to_tensor(load_input(p)) for p in inputs]
    outputs = method.execute(tensors)
    os.makedirs(out, exist_ok=True)
    for k, t in enumerate(outputs):
        if not isinstance(t, torch.Tensor):
            raise RuntimeError(f"output {k} is a {type(t).__name__}, not a tensor")
        if t.dtype == torch.bfloat16:  # as int16 bits, marked (see load_input)
            np.save(os.path.join(out, f"output_{k}.npy"), t.detach().clone().view(torch.int16).numpy())
            open(os.path.join(out, f"output_{k}.bf16"), "wb").close()
            continue
        np.save(os.path.join(out, f"output_{k}.npy"), t.detach().clone().numpy())
    del method, program
    return len(outputs)


def serve(runtime):
    out = sys.stdout
    sys.stdout = sys.stderr  # stray prints must not break the protocol
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        request = json.loads(line)
        reply = {"case": request.get("case"), "ok": True}
        try:
            for run in request["runs"]:
                run_program(runtime, run["pte"], run["inputs"], run["out"])
        except Exception as e:  # the runtime's load and execute errors are answers, not crashes
            reply = {"case": request.get("case"), "ok": False, "error": f"{type(e).__name__}: {e}"[:4000]}
        out.write(json.dumps(reply) + "\n")
        out.flush()
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pte", nargs="?", help="the .pte program to run")
    parser.add_argument("--input", action="append", default=[], help=".npy or .pb input, in order (repeatable)")
    parser.add_argument("--out", help="folder for output_K.npy")
    parser.add_argument("--serve", action="store_true", help="answer JSON requests on stdin (see above)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    from executorch.runtime import Runtime
    runtime = Runtime.get()
    if args.serve:
        return serve(runtime)
    if not args.pte or not args.out:
        parser.error("give a .pte program and --out (or --serve)")
    n = run_program(runtime, args.pte, args.input, args.out)
    print(f"wrote {n} outputs to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
