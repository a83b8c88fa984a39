#!/usr/bin/env python3
"""A real streaming model with control flow: the pretrained Silero voice-activity detector
(silero_vad/data/silero_vad.onnx of the silero-vad 6.2.3 wheel, pinned in
Conformance/requirements-nodeps.txt). Its graph is one If on the sample rate `sr` (16 kHz
and 8 kHz paths, each an STFT convolution, four convolutions and an LSTM cell) with the LSTM
state as an input and an output.

For each backend (portable, arm-cpu) the model is compiled with `--input-value sr=16000` (the
If takes its 16 kHz branch at compile time; `sr` is no longer an input) and 512-sample chunks
are streamed through edgec's interpreter and ExecuTorch's runtime, each executor carrying its
own state from chunk to chunk, against ONNX Runtime carrying its own (sr = 16000). Compiled
without --input-value, the error must say that the condition depends on `sr` and name the flag
(the 8 kHz branch cannot take 512-sample chunks).

Usage: .venv/bin/python Conformance/models/check_vad.py [--edgec .build/debug/edgec] [--chunks 8]
"""
import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnxruntime as ort
import torch
from executorch.runtime import Runtime

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOLERANCE = 1e-4  # max |edgec - ONNX Runtime| over the probability and the carried state


def model_path():
    spec = importlib.util.find_spec("silero_vad")
    if spec is None:
        sys.exit("silero-vad is not installed: run Scripts/setup-oracles.sh")
    return os.path.join(spec.submodule_search_locations[0], "data", "silero_vad.onnx")


def chunk(k, rng):
    """A voiced-like chunk: a few harmonics of a drifting pitch, an envelope, a little noise."""
    t = (np.arange(512) + 512 * k) / 16000.0
    f0 = 140 + 30 * np.sin(k)
    x = sum(np.sin(2 * np.pi * f0 * h * t) / h for h in range(1, 6)) * (0.3 + 0.2 * np.sin(3 * t))
    return (x + rng.standard_normal(512) * 0.02).astype(np.float32)[None]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--edgec", default=os.path.join(ROOT, ".build", "debug", "edgec"))
    ap.add_argument("--chunks", type=int, default=8)
    opts = ap.parse_args()
    onnx_path = model_path()
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    failures = []
    shapes = ["--input-shape", "input=1,512", "--input-shape", "state=2,1,128"]
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run([opts.edgec, "compile", onnx_path, "-o", os.path.join(tmp, "no.pte")] + shapes, capture_output=True, text=True)
        ok = r.returncode != 0 and '"sr"' in r.stderr and "--input-value sr=VALUE" in r.stderr and not os.path.exists(os.path.join(tmp, "no.pte"))
        print("without --input-value: " + ("refused, naming sr and --input-value" if ok else "UNEXPECTED: " + (r.stderr.strip() or "compiled")))
        if not ok:
            failures.append("the run-time If error does not name sr and --input-value")
        for backend in ["portable", "arm-cpu"]:
            pte = os.path.join(tmp, f"vad_{backend}.pte")
            r = subprocess.run([opts.edgec, "compile", onnx_path, "-o", pte, "--backend", backend, "--input-value", "sr=16000"] + shapes,
                               capture_output=True, text=True)
            if r.returncode != 0:
                failures.append(f"{backend}: compile failed: {r.stderr.strip()}")
                print(f"{backend}: COMPILE FAILED: {r.stderr.strip()}")
                continue
            blob = open(pte, "rb").read()
            runtime = Runtime.get()
            program = runtime.load_program(blob)  # kept alive while the method runs
            method = program.load_method("forward")
            rng = np.random.default_rng(7)
            zero = np.zeros((2, 1, 128), np.float32)
            state = {"ort": zero, "interpreter": zero, "executorch": zero}
            worst = {"interpreter": 0.0, "executorch": 0.0}
            probs = []
            for k in range(opts.chunks):
                x = chunk(k, rng)
                ref = session.run(None, {"input": x, "state": state["ort"], "sr": np.array(16000, np.int64)})
                np.save(os.path.join(tmp, "x.npy"), x)
                np.save(os.path.join(tmp, "s.npy"), state["interpreter"])
                out = os.path.join(tmp, f"out_{backend}")
                r = subprocess.run([opts.edgec, "run", pte, "--input", "input=" + os.path.join(tmp, "x.npy"),
                                    "--input", "state=" + os.path.join(tmp, "s.npy"), "-o", out], capture_output=True, text=True)
                if r.returncode != 0:
                    failures.append(f"{backend} chunk {k}: edgec run failed: {r.stderr.strip()}")
                    break
                mine = [np.load(os.path.join(out, "output.npy")), np.load(os.path.join(out, "stateN.npy"))]
                et = [t.numpy() for t in method.execute([torch.from_numpy(x), torch.from_numpy(state["executorch"])])]
                for who, got in (("interpreter", mine), ("executorch", et)):
                    worst[who] = max(worst[who], max(float(np.abs(a - b).max()) for a, b in zip(ref, got)))
                state = {"ort": ref[1], "interpreter": mine[1], "executorch": et[1]}
                probs.append(float(ref[0].reshape(-1)[0]))
            for who, d in worst.items():
                if not d <= TOLERANCE:
                    failures.append(f"{backend}: {who} differs from ONNX Runtime by {d:.3g} over {opts.chunks} chunks")
            print(f"{backend}: {opts.chunks} streamed chunks, speech probability {min(probs):.3f}..{max(probs):.3f} (ONNX Runtime); "
                  f"max |edgec - ORT| interpreter {worst['interpreter']:.3g}, ExecuTorch {worst['executorch']:.3g} (tolerance {TOLERANCE:g})")
    if failures:
        print("FAIL:\n  " + "\n  ".join(failures))
        return 1
    print("ok: silero-vad streams on both backends and both executors within tolerance")
    return 0


if __name__ == "__main__":
    sys.exit(main())
