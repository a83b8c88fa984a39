#!/usr/bin/env python3
"""Writes every ONNX backend node test case of the pinned onnx package into a cache folder.

Each case becomes <out>/<case name>/model.onnx with test_data_set_N/input_K.pb and
output_K.pb (ONNX TensorProto; SequenceProto or OptionalProto for values of those types), the layout of onnx's own backend test data, plus
<out>/manifest.json listing each case with the tolerances onnx states for it.
The cache is not committed; `Scripts/test.sh` regenerates it when the onnx version changes.

Usage: .venv/bin/python Conformance/onnx-node/generate.py [--out Conformance/.cache/onnx-node]
"""
import argparse
import json
import os
import shutil
import sys
import warnings

import numpy as np
import onnx
from onnx import numpy_helper
from onnx.backend.test.case import node


# Bumped when the files written change, so that an existing cache is regenerated.
# 2: SequenceProto / OptionalProto files for sequence and optional values, and values that
#    onnx gives as TensorProto (8-bit floats, 4-bit ints, float16 casts) written as they are.
FORMAT = 2


def value_proto(value, name, type_proto):
    """The protobuf message for one test value of the graph input or output typed `type_proto`:
    a TensorProto, a SequenceProto or an OptionalProto (the forms onnx's own backend test data
    uses); None for what cannot be written (maps)."""
    kind = type_proto.WhichOneof("value") if type_proto is not None else "tensor_type"
    if kind == "sequence_type":
        elem = type_proto.sequence_type.elem_type
        if not isinstance(value, list):
            return None
        items = [value_proto(v, None, elem) for v in value]
        if any(i is None for i in items):
            return None
        seq = onnx.SequenceProto()
        if name:
            seq.name = name
        seq.elem_type = onnx.SequenceProto.SEQUENCE if elem.WhichOneof("value") == "sequence_type" else onnx.SequenceProto.TENSOR
        for i in items:
            (seq.sequence_values if seq.elem_type == onnx.SequenceProto.SEQUENCE else seq.tensor_values).append(i)
        return seq
    if kind == "optional_type":
        elem = type_proto.optional_type.elem_type
        opt = onnx.OptionalProto()
        if name:
            opt.name = name
        ek = elem.WhichOneof("value")
        opt.elem_type = onnx.OptionalProto.SEQUENCE if ek == "sequence_type" else onnx.OptionalProto.TENSOR
        if value is None:
            return opt
        inner = value_proto(value, None, elem)
        if inner is None:
            return None
        (opt.sequence_value if ek == "sequence_type" else opt.tensor_value).CopyFrom(inner)
        return opt
    if kind != "tensor_type":
        return None
    if isinstance(value, onnx.TensorProto):
        t = onnx.TensorProto()
        t.CopyFrom(value)
        if name:
            t.name = name
        return t
    if isinstance(value, np.ndarray) or np.isscalar(value):
        return numpy_helper.from_array(np.asarray(value), name)
    return None


def save(message, path):
    with open(path, "wb") as f:
        f.write(message.SerializeToString())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", ".cache", "onnx-node"))
    args = parser.parse_args()
    out = os.path.abspath(args.out)
    stamp = os.path.join(out, "manifest.json")
    if os.path.exists(stamp):
        with open(stamp) as f:
            stamped = json.load(f)
            if stamped.get("onnx_version") == onnx.__version__ and stamped.get("format") == FORMAT:
                print(f"onnx-node cases for onnx {onnx.__version__} already in {out}")
                return 0
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = node.collect_testcases()
    manifest = {"onnx_version": onnx.__version__, "format": FORMAT, "cases": []}
    for case in cases:
        case_dir = os.path.join(out, case.name)
        os.makedirs(case_dir)
        onnx.save(case.model, os.path.join(case_dir, "model.onnx"))
        entry = {"name": case.name, "rtol": case.rtol, "atol": case.atol, "data_sets": 0, "non_tensor_io": False}
        for i, (inputs, outputs) in enumerate(case.data_sets or []):
            ds = os.path.join(case_dir, f"test_data_set_{i}")
            os.makedirs(ds)
            graph = case.model.graph
            for prefix, values, declared in (("input", inputs, graph.input), ("output", outputs, graph.output)):
                for k, value in enumerate(values):
                    name = declared[k].name if k < len(declared) else f"{prefix}_{k}"
                    t = value_proto(value, name, declared[k].type if k < len(declared) else None)
                    if t is None:
                        entry["non_tensor_io"] = True
                        continue
                    save(t, os.path.join(ds, f"{prefix}_{k}.pb"))
            entry["data_sets"] += 1
        manifest["cases"].append(entry)
    with open(stamp, "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"wrote {len(cases)} onnx-node cases (onnx {onnx.__version__}) to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
