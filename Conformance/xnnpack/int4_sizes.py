"""Sizes of the .pte edgec writes for --backend arm-cpu: fp32, --quantize dynamic-int8 and
--quantize int4-weights (groups 32 and 128), on a linear-heavy MLP (an ONNX model written here with
fixed-seed weights: 512 -> 1024 -> 1024 -> 512, gelu between), on the Hugging Face BERT fixture
(Conformance/models/make_hf_models.py bert; pass its folder with --hf) and on the zoo's bert_mini
(Conformance/models/export.py bert_mini; pass its folder with --zoo), plus the cosine of each
quantized program's first output against the fp32 one (both run by `edgec run`), and how far
ExecuTorch 1.5.1's runtime running the same .pte is from `edgec run` (max |Δ| over the first
output's range).
Prints the Markdown table of docs/quantization.md ("INT4 weights").

Usage (from the repository root): .venv/bin/python Conformance/xnnpack/int4_sizes.py [--edgec PATH] [--hf DIR] [--zoo DIR]
Deterministic.
"""
import argparse, os, subprocess, sys, tempfile
import numpy as np

from check_int8 import cosine  # the same measure as the INT8 checks (this folder)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCHEMES = [("fp32", []), ("dynamic-int8", ["--quantize", "dynamic-int8"]),
           ("int4-weights g32", ["--quantize", "int4-weights", "--group-size", "32"]),
           ("int4-weights g128", ["--quantize", "int4-weights", "--group-size", "128"])]


def mlp_onnx(path):
    import onnx
    from onnx import helper, numpy_helper, TensorProto
    rng = np.random.default_rng(12)
    dims = [512, 1024, 1024, 512]
    inits, nodes, x = [], [], "x"
    for k in range(3):
        w = (rng.standard_normal((dims[k], dims[k + 1])) / np.sqrt(dims[k])).astype(np.float32)
        b = (0.1 * rng.standard_normal(dims[k + 1])).astype(np.float32)
        inits += [numpy_helper.from_array(w, f"w{k}"), numpy_helper.from_array(b, f"b{k}")]
        nodes.append(helper.make_node("Gemm", [x, f"w{k}", f"b{k}"], [f"h{k}"], name=f"fc{k}"))
        x = f"h{k}"
        if k < 2:
            nodes.append(helper.make_node("Gelu", [x], [f"g{k}"], name=f"gelu{k}", domain=""))
            x = f"g{k}"
    graph = helper.make_graph(nodes, "mlp", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 512])],
                              [helper.make_tensor_value_info(x, TensorProto.FLOAT, [4, 512])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 20)])
    model.ir_version = 9
    onnx.save(model, path)
    np.save(path + ".x.npy", rng.standard_normal((4, 512)).astype(np.float32))
    return [f"--input", path + ".x.npy"], []


def run(edgec, pte, inputs, out):
    subprocess.run([edgec, "run", pte, "-o", out] + inputs, check=True, capture_output=True)
    files = sorted(f for f in os.listdir(out) if f.endswith(".npy"))
    return np.load(os.path.join(out, files[0]))


def run_executorch(edgec, pte, inputs):
    """The first output of `pte` in ExecuTorch's runtime, fed the --input files in the program's order."""
    import json, torch
    from executorch.runtime import Runtime
    plan = json.loads(subprocess.run([edgec, "inspect", pte, "--json"], check=True, capture_output=True, text=True).stdout)["plans"][0]
    files = dict(a.split("=", 1) if "=" in a else (plan["input_names"][0], a) for a in inputs[1::2])
    blob = open(pte, "rb").read()
    program = Runtime.get().load_program(blob)
    method = program.load_method("forward")
    outs = method.execute([torch.from_numpy(np.load(files[n])) for n in plan["input_names"]])
    first = plan["output_names"][0]
    return outs[0].numpy(), first


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--edgec", default=os.path.join(ROOT, ".build", "debug", "edgec"))
    ap.add_argument("--hf", help="folder of make_hf_models.py's output (bert.opset18.onnx, bert.inputs.npz)")
    ap.add_argument("--zoo", help="folder of Conformance/models/export.py's output (bert_mini.onnx, bert_mini.input.npy)")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        models = []
        mlp = os.path.join(tmp, "mlp.onnx")
        run_inputs, compile_flags = mlp_onnx(mlp)
        models.append(("MLP 512-1024-1024-512", mlp, run_inputs, compile_flags))
        if args.hf:
            onnx_path = os.path.join(args.hf, "bert.opset18.onnx")
            z = np.load(os.path.join(args.hf, "bert.inputs.npz"))
            ins, shapes = [], []
            for name in z.files:
                p = os.path.join(tmp, f"bert_{name}.npy"); np.save(p, z[name])
                ins += ["--input", f"{name}={p}"]
                shapes += ["--input-shape", f"{name}=" + ",".join(str(d) for d in z[name].shape)]
            models.append(("HF BERT (2 layers, hidden 64, vocab 1000)", onnx_path, ins, shapes))
        if args.zoo:
            models.append(("zoo bert_mini (4 layers, hidden 128, vocab 30522)", os.path.join(args.zoo, "bert_mini.onnx"),
                           ["--input", os.path.join(args.zoo, "bert_mini.input.npy")], []))
        for title, path, ins, flags in models:
            ref, base = None, None
            for label, q in SCHEMES:
                pte = os.path.join(tmp, f"m_{len(rows)}.pte")
                c = subprocess.run([args.edgec, "compile", path, "-o", pte, "--backend", "arm-cpu"] + flags + q, capture_output=True, text=True)
                if c.returncode != 0:
                    print(title, label, "compile failed:", c.stderr.strip(), file=sys.stderr); return 1
                size = os.path.getsize(pte)
                out = run(args.edgec, pte, ins, os.path.join(tmp, f"out_{len(rows)}"))
                et, _ = run_executorch(args.edgec, pte, ins)
                et_delta = float(np.abs(et - out).max()) / max(float(np.abs(out).max()), 1e-6)
                if ref is None:
                    ref, base = out, size
                notes = sum(1 for line in c.stderr.splitlines() if "keeps INT8 weights" in line)
                rows.append((title, label, size, base / size, cosine(out, ref), notes, et_delta))
    print("| model | --quantize | .pte bytes | fp32 / this | cosine vs fp32 (first output) | layers kept INT8 | ExecuTorch vs edgec run |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for t, l, s, r, c, n, e in rows:
        print(f"| {t} | {l} | {s} | {r:.2f}× | {c:.6f} | {n if l.startswith('int4') else '-'} | {e:.1e} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
