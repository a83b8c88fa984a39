#!/usr/bin/env python3
"""Writes Tests/EdgeONNXTests/Fixtures/conv_relu.onnx with the pinned onnx package (onnx==1.23.2).

Model: X[1,3,8,8] -> Conv(W[4,3,3,3] initializer, B[4] initializer, pads=1) -> Relu -> Y[1,4,8,8]
Weights are deterministic (no RNG) so the file is byte-for-byte reproducible.

Usage: python3 -m pip install onnx==1.23.2 && python3 Scripts/make-onnx-fixtures.py
"""
from __future__ import annotations

import pathlib
import struct

import onnx
from onnx import TensorProto, helper

EXPECTED_ONNX = "1.23.2"
OPSET = 17
IR_VERSION = 8  # what opset 17 implies; pinned so the fixture doesn't drift with onnx releases

if onnx.__version__ != EXPECTED_ONNX:
    raise SystemExit(f"need onnx=={EXPECTED_ONNX}, found {onnx.__version__}")

out = pathlib.Path(__file__).resolve().parent.parent / "Tests/EdgeONNXTests/Fixtures/conv_relu.onnx"

w_dims = [4, 3, 3, 3]
w_vals = [((i % 7) - 3) * 0.125 for i in range(4 * 3 * 3 * 3)]
b_vals = [0.5, -0.25, 0.0, 1.0]
# raw_data = little-endian float32 (ONNX spec), so the test can check raw_data length = 108 * 4.
weight = helper.make_tensor("W", TensorProto.FLOAT, w_dims, struct.pack(f"<{len(w_vals)}f", *w_vals), raw=True)
bias = helper.make_tensor("B", TensorProto.FLOAT, [4], struct.pack("<4f", *b_vals), raw=True)

conv = helper.make_node("Conv", ["X", "W", "B"], ["conv_out"], name="conv0",
                        kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1])
relu = helper.make_node("Relu", ["conv_out"], ["Y"], name="relu0")

graph = helper.make_graph(
    [conv, relu],
    "conv_relu",
    inputs=[helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 3, 8, 8])],
    outputs=[helper.make_tensor_value_info("Y", TensorProto.FLOAT, [1, 4, 8, 8])],
    initializer=[weight, bias],
)
model = helper.make_model(graph, producer_name="edgec-fixtures", producer_version="1",
                          opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION)
onnx.checker.check_model(model, full_check=True)

out.parent.mkdir(parents=True, exist_ok=True)
onnx.save(model, str(out))
print(f"wrote {out} ({out.stat().st_size} bytes)")

# unsupported_ops.onnx: two NonMaxSuppression nodes and a Relu; `edgec import` must list
# NonMaxSuppression once (×2) and write nothing.
seq = helper.make_tensor_value_info("S", TensorProto.FLOAT, [5, 1, 4])
lstm_w = helper.make_tensor("LW", TensorProto.FLOAT, [1, 32, 4], [0.0] * 128)
lstm_r = helper.make_tensor("LR", TensorProto.FLOAT, [1, 32, 8], [0.0] * 256)
nodes = [
    helper.make_node("NonMaxSuppression", ["S", "LW"], ["h1"], name="nms_1"),
    helper.make_node("Relu", ["h1"], ["r"], name="relu"),
    helper.make_node("Squeeze", ["r", "axes"], ["s2"], name="squeeze"),
    helper.make_node("NonMaxSuppression", ["s2", "LR"], ["h2"], name="nms_2"),
]
graph = helper.make_graph(nodes, "unsupported", [seq], [helper.make_tensor_value_info("h2", TensorProto.FLOAT, None)],
                          initializer=[lstm_w, lstm_r, helper.make_tensor("axes", TensorProto.INT64, [1], [1])])
model = helper.make_model(graph, producer_name="edgec-fixtures", producer_version="1",
                          opset_imports=[helper.make_opsetid("", 14)], ir_version=IR_VERSION)
unsupported = out.parent / "unsupported_ops.onnx"
onnx.save(model, str(unsupported))
print(f"wrote {unsupported} ({unsupported.stat().st_size} bytes)")

# huge_shapes.onnx: ConstantOfShape, Expand, Tile and Resize to shapes of terabytes (no data:
# the sizes are only declared). `edgec compile` must reject each by node against --max-memory.
big = 1_000_000
const = lambda name, vals: helper.make_node("Constant", [], [name], name=name + "_const",
                                           value=helper.make_tensor(name, TensorProto.INT64, [len(vals)], vals))
nodes = [
    const("cshape", [big, big]),
    helper.make_node("ConstantOfShape", ["cshape"], ["filled"], name="node_3",
                     value=helper.make_tensor("v", TensorProto.FLOAT, [1], [1.0])),
    const("eshape", [big, big, 4]),
    helper.make_node("Expand", ["X", "eshape"], ["expanded"], name="expand_0"),
    const("reps", [big, big]),
    helper.make_node("Tile", ["X", "reps"], ["tiled"], name="tile_0"),
    helper.make_node("Resize", ["X4", "", "scales"], ["resized"], name="resize_0", mode="nearest",
                     coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
]
scales = helper.make_tensor("scales", TensorProto.FLOAT, [4], [1.0, 1.0, 100000.0, 100000.0])
graph = helper.make_graph(
    nodes, "huge_shapes",
    [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, 4]), helper.make_tensor_value_info("X4", TensorProto.FLOAT, [1, 1, 2, 2])],
    [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in ["filled", "expanded", "tiled", "resized"]],
    initializer=[scales])
model = helper.make_model(graph, producer_name="edgec-fixtures", producer_version="1",
                          opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION)
huge = out.parent / "huge_shapes.onnx"
onnx.save(model, str(huge))
print(f"wrote {huge} ({huge.stat().st_size} bytes)")
