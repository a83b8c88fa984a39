#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses (Fuzz/corpus/<harness>/) from the repository's
examples and fixtures, and, when present, small cases of the ONNX node suite
(Conformance/.cache/onnx-node) and .pte files compiled from them by an edgec binary.

Deterministic: the same inputs give the same files (names are content hashes). Run from the
repository root:  .venv/bin/python Fuzz/make-corpus.py [--edgec .build/debug/edgec]
"""
import argparse, hashlib, io, os, pathlib, struct, subprocess, sys, tempfile, zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
CORPUS = ROOT / "Fuzz" / "corpus"
NODE = ROOT / "Conformance" / ".cache" / "onnx-node"
MAX_SEED = 64 * 1024


def put(harness, data):
    if len(data) > MAX_SEED:
        return
    d = CORPUS / harness
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()[:16]).write_bytes(data)


def node_cases(limit, max_bytes):
    """Small node-suite cases, one per op family (the name up to the second underscore)."""
    if not NODE.is_dir():
        return []
    seen, out = set(), []
    for case in sorted(NODE.iterdir()):
        model = case / "model.onnx"
        if not model.is_file() or model.stat().st_size > max_bytes:
            continue
        family = "_".join(case.name.split("_")[:2])
        if family in seen:
            continue
        seen.add(family)
        out.append(case)
        if len(out) >= limit:
            break
    return out


def eirb(blobs):
    out = bytearray(b"EIRB" + struct.pack("<III", 1, len(blobs), 0))
    for name, data in blobs:
        n = name.encode()
        out += struct.pack("<I", len(n)) + n + struct.pack("<Q", len(data))
        out += b"\0" * ((64 - len(out) % 64) % 64) + data
    return bytes(out)


def npy(descr, shape, payload):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, "".join(f"{d}, " for d in shape).rstrip(" ") if len(shape) != 1 else f"{shape[0]},")
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--edgec", help="an edgec binary to compile node-suite models into .pte seeds")
    args = ap.parse_args()

    # onnx: the example, the importer fixtures, one small model per node-suite op family.
    # onnx: also the control-flow cases (run-time If and Loop, long Scan, recurrent layers).
    for f in [ROOT / "Examples/tiny_cnn.onnx", *sorted((ROOT / "Tests/EdgeONNXTests/Fixtures").glob("*.onnx")),
              *sorted((ROOT / "Conformance/control-flow").glob("*/model.onnx"))]:
        put("onnx", f.read_bytes())
    cases = node_cases(160, 4096)
    for case in cases:
        put("onnx", (case / "model.onnx").read_bytes())
    try:  # a model with an initializer in external data (the harness's side folder has weights.bin)
        import onnx
        from onnx import helper, TensorProto
        w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4])
        w.data_location = TensorProto.EXTERNAL
        for k, v in [("location", "weights.bin"), ("offset", "64"), ("length", "16")]:
            e = w.external_data.add(); e.key = k; e.value = v
        g = helper.make_graph([helper.make_node("Add", ["x", "w"], ["y"], name="add_0")], "external",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])], [w])
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="make-corpus")
        m.ir_version = 8
        put("onnx", m.SerializeToString())
    except ImportError:
        print("onnx not installed: no external-data seed", file=sys.stderr)

    # onnx-tensor: the example input, node-suite inputs and outputs of many element types.
    put("onnx-tensor", (ROOT / "Examples/tiny_cnn/test_data_set_0/output_0.pb").read_bytes())
    for case in cases:
        for pb in sorted((case / "test_data_set_0").glob("*.pb"))[:2]:
            if pb.stat().st_size <= 2048:
                put("onnx-tensor", pb.read_bytes())

    # onnx-value: the sequence and optional values of the node suite, each behind the byte that
    # selects its kind in the harness (Fuzz/Harnesses/onnx-value: the order of its `kinds`).
    kinds = ["tensor", "seq(tensor)", "seq(seq(tensor))", "opt(tensor)", "opt(seq(tensor))", "opt(opt(tensor))"]
    try:
        import onnx

        def kind(t):
            which = t.WhichOneof("value")
            if which == "tensor_type":
                return "tensor"
            if which == "sequence_type":
                return "seq(" + kind(t.sequence_type.elem_type) + ")"
            if which == "optional_type":
                return "opt(" + kind(t.optional_type.elem_type) + ")"
            return which or "unknown"
        for case in sorted(NODE.iterdir()) if NODE.is_dir() else []:
            if not any(w in case.name for w in ("sequence", "optional", "split_to", "concat_from")):
                continue
            model = onnx.load(str(case / "model.onnx"))
            values = list(model.graph.input) + list(model.graph.output)
            for i, pb in enumerate(sorted((case / "test_data_set_0").glob("*.pb"))):
                stem = pb.stem  # input_K / output_K
                idx = int(stem.split("_")[1])
                v = (model.graph.input if stem.startswith("input") else model.graph.output)
                if idx >= len(v) or pb.stat().st_size > 2048:
                    continue
                k = kind(v[idx].type)
                if k in kinds and k != "tensor":
                    put("onnx-value", bytes([kinds.index(k)]) + pb.read_bytes())
    except ImportError:
        print("onnx not installed: no onnx-value seeds", file=sys.stderr)

    # pt2 / pt2-entries: the torch.export fixtures, as archives and as entry lists.
    for f in sorted((ROOT / "Tests/EdgeTorchTests/Fixtures").glob("*.pt2")):
        raw = f.read_bytes()
        put("pt2", raw)
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            parts = []
            for info in z.infolist():
                if info.is_dir():
                    continue
                rel = info.filename.split("/", 1)[1]
                parts.append(b"#entry " + rel.encode() + b"\n" + z.read(info) + b"\n")
            put("pt2-entries", b"".join(parts))

    # eir: the examples and each case of the text tests; one module using the side folder's blobs.
    for f in sorted((ROOT / "Grammar/examples").glob("*.eir")):
        put("eir", f.read_bytes())
    for f in sorted((ROOT / "Tests/text").rglob("*.eir")):
        for part in f.read_text().split("// -----"):
            body = "\n".join(l for l in part.splitlines() if not l.lstrip().startswith("// RUN") and "CHECK" not in l)
            if "module" in body or "func" in body:
                put("eir", body.strip().encode() + b"\n")
    put("eir", b'module @m {blobs = "model.eirb"}\n\nfunc @main(%x: f32[2,3,2,2]) -> (f32[2,4,2,2]) {\n'
               b'  %w = edge.constant {value = #blob<"w">} : f32[4,3,1,2]\n  %b = edge.constant {value = #blob<"b">} : f32[4]\n'
               b'  %y = edge.conv2d(%x, %w, %b) {padding = [0, 0, 0, 1]} : f32[2,4,2,2] loc("conv")\n  return %y\n}\n')

    # eirb: small blob files (empty, one blob, several, unaligned names).
    put("eirb", eirb([]))
    put("eirb", eirb([("w", bytes(range(96))), ("b", bytes(16))]))
    put("eirb", eirb([("conv1.weight", bytes(range(256)) * 2), ("layer.0/bias", b"\1" * 40), ("x", b"")]))

    # pte: ExecuTorch's own programs, and edgec's for node-suite models.
    for f in sorted((ROOT / "Tests/fixtures/executorch").glob("*.pte")):
        put("pte", f.read_bytes())
    if args.edgec:
        with tempfile.TemporaryDirectory() as tmp:
            for case in cases[::4]:
                out = pathlib.Path(tmp) / (case.name + ".pte")
                r = subprocess.run([args.edgec, "compile", str(case / "model.onnx"), "-o", str(out)], capture_output=True)
                if r.returncode == 0:
                    put("pte", out.read_bytes())

    # npy: the example input and one small array per element type.
    put("npy", (ROOT / "Examples/tiny_cnn.output.npy").read_bytes())
    for descr, size in [("<f4", 4), ("<f8", 8), ("<f2", 2), ("|i1", 1), ("<i2", 2), ("<i4", 4), ("<i8", 8), ("|u1", 1), ("|b1", 1)]:
        put("npy", npy(descr, [2, 3], bytes(range(6 * size))))
    put("npy", npy("<f4", [], bytes(4)))
    put("npy", npy("<f4", [0, 5], b""))


if __name__ == "__main__":
    main()
