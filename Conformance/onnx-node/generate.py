#!/usr/bin/env python3
"""Writes every ONNX backend node test case of the pinned onnx package into a cache folder.

Each case becomes <out>/<case name>/model.onnx with test_data_set_N/input_K.pb and
output_K.pb (ONNX TensorProto), the layout of onnx's own backend test data, plus
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


def tensor_proto(value, name):
    # Sequences, optionals and maps cannot be written as one TensorProto; edgec does not
    # support them, so the case is recorded with its kind and the runner reports it.
    if isinstance(value, np.ndarray) or np.isscalar(value):
        return numpy_helper.from_array(np.asarray(value), name)
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", ".cache", "onnx-node"))
    args = parser.parse_args()
    out = os.path.abspath(args.out)
    stamp = os.path.join(out, "manifest.json")
    if os.path.exists(stamp):
        with open(stamp) as f:
            if json.load(f).get("onnx_version") == onnx.__version__:
                print(f"onnx-node cases for onnx {onnx.__version__} already in {out}")
                return 0
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = node.collect_testcases()
    manifest = {"onnx_version": onnx.__version__, "cases": []}
    for case in cases:
        case_dir = os.path.join(out, case.name)
        os.makedirs(case_dir)
        onnx.save(case.model, os.path.join(case_dir, "model.onnx"))
        entry = {"name": case.name, "rtol": case.rtol, "atol": case.atol, "data_sets": 0, "non_tensor_io": False}
        for i, (inputs, outputs) in enumerate(case.data_sets or []):
            ds = os.path.join(case_dir, f"test_data_set_{i}")
            os.makedirs(ds)
            graph = case.model.graph
            for k, value in enumerate(inputs):
                name = graph.input[k].name if k < len(graph.input) else f"input_{k}"
                t = tensor_proto(value, name)
                if t is None:
                    entry["non_tensor_io"] = True
                    continue
                onnx.save_tensor(t, os.path.join(ds, f"input_{k}.pb"))
            for k, value in enumerate(outputs):
                name = graph.output[k].name if k < len(graph.output) else f"output_{k}"
                t = tensor_proto(value, name)
                if t is None:
                    entry["non_tensor_io"] = True
                    continue
                onnx.save_tensor(t, os.path.join(ds, f"output_{k}.pb"))
            entry["data_sets"] += 1
        manifest["cases"].append(entry)
    with open(stamp, "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"wrote {len(cases)} onnx-node cases (onnx {onnx.__version__}) to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
