#!/usr/bin/env python3
"""Records an ETDump of a .pte with ExecuTorch's own pip runtime (event tracing on).

  .venv/bin/python Benchmarks/make_etdump.py model.pte -o run.etdump [--input x.npy]... [--fill 1.0] [--runs 3]

The program runs --runs times on the given inputs (.npy, in the program's input order; without
inputs every input is filled with --fill, default 1.0, in the dtype and shape the program
declares); ExecuTorch records a RunData per execution with an OPERATOR_CALL (or DELEGATE_CALL)
event per instruction, and the file is what `edgec profile model.pte --etdump run.etdump` reads.
The timings are the runtime's ticks (nanoseconds on its POSIX platform layer).

Example (the fixture of Tests/EdgeProfileTests):
  edgec compile Examples/tiny_cnn.onnx -o tiny_cnn.pte
  .venv/bin/python Benchmarks/make_etdump.py tiny_cnn.pte -o tiny_cnn.etdump --input Examples/tiny_cnn.input.npy
"""
import argparse
import os
import sys
import tempfile


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pte")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--input", action="append", default=[])
    ap.add_argument("--fill", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    import numpy as np
    import torch
    from executorch.runtime import Runtime

    with open(args.pte, "rb") as f:
        data = f.read()
    runtime = Runtime.get()
    program = runtime.load_program(data, enable_etdump=True, debug_buffer_size=0)  # kept alive while the method runs
    method = program.load_method("forward")
    meta = method.metadata
    inputs = []
    if args.input:
        if len(args.input) != meta.num_inputs():
            sys.exit(f"error: the program takes {meta.num_inputs()} inputs, {len(args.input)} given")
        inputs = [torch.from_numpy(np.array(np.load(p, allow_pickle=False), order="C", copy=True)) for p in args.input]
    else:
        for k in range(meta.num_inputs()):
            info = meta.input_tensor_meta(k)
            inputs.append(torch.full(tuple(info.sizes()), args.fill, dtype=info.dtype()))
    for _ in range(args.runs):
        method.execute(inputs)
    # The debug buffer (intermediate outputs) is not recorded (size 0); ExecuTorch still wants a path.
    with tempfile.TemporaryDirectory() as tmp:
        out = args.output + ".tmp"
        program.write_etdump_result_to_file(out, os.path.join(tmp, "debug.bin"))
        os.replace(out, args.output)
    print(f"{args.output}: {os.path.getsize(args.output)} bytes, {args.runs} executions")
    del method, program


if __name__ == "__main__":
    main()
