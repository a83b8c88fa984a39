#!/usr/bin/env python3
"""Writes the control-flow and recurrent fixture suite: small ONNX models built with onnx.helper,
each with one test data set whose outputs come from ONNX Runtime (the reference).

Layout (that of the node suite, so `edgec conformance` runs it on every executor):
    Conformance/control-flow/<name>/model.onnx
    Conformance/control-flow/<name>/test_data_set_0/input_K.pb, output_K.pb

Cases:
  vad_streaming     a silero-style voice-activity step: an If switches on the audio chunk's
                    static length (the sample rate), then an LSTM with its state as
                    inputs and outputs, and a second If on a Constant condition
  loop_nested_if    a Loop (static trip count) whose body holds an If on the iteration number,
                    reading a value two scopes out, with a scan output
  scan_axes         Scan over axis 1, reversed, scan output on the last axis
  lstm_variants     bidirectional LSTM: peepholes, clip, input_forget, a constant sequence_lens
                    with different lengths, initial states
  gru_dynamic_lens  GRU with linear_before_reset and sequence_lens as a run-time input
  runtime_if        an If on a condition computed from the data (run time: JumpFalseCall); one
                    data set per branch
  runtime_if_nested a run-time If inside a run-time If's branch, three data sets
  runtime_loop      a Loop with a run-time trip count and a condition computed from the data (a
                    loop in the plan: JumpFalseCall back); 0, 3 and "until settled" iterations
  scan_long         a Scan of 300 steps (over the unrolling limit: a loop in the plan), scan
                    inputs on axes 0 and 1 (one reversed), scan outputs on axes 1 and 0 (one reversed)
  runtime_loop_nested a run-time Loop holding a Loop on the outer iteration number and a
                    run-time If, carried values swapped; then a 300-iteration Loop (over the
                    unrolling limit), three data sets
  rnn_activations   bidirectional RNN with non-default activations (Relu / HardSigmoid with
                    alpha and beta), reverse-direction masking with sequence_lens

Usage: .venv/bin/python Conformance/control-flow/generate.py
Deterministic (fixed seeds): rerunning writes the same bytes.
"""
import os
import shutil

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.abspath(__file__))
OPSET = 17
F = TensorProto.FLOAT


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def write(name, graph, inputs, more=()):
    """Writes the case with test_data_set_0 from `inputs` and one more data set per entry of `more`."""
    model = helper.make_model(graph, producer_name="edgec-control-flow", producer_version="1",
                              opset_imports=[helper.make_opsetid("", OPSET)], ir_version=8)
    onnx.checker.check_model(model, full_check=True)
    folder = os.path.join(ROOT, name)
    shutil.rmtree(folder, ignore_errors=True)
    data = os.path.join(folder, "test_data_set_0")
    os.makedirs(data)
    onnx.save(model, os.path.join(folder, "model.onnx"))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    for n, given in enumerate([inputs, *more]):
        data = os.path.join(folder, f"test_data_set_{n}")
        os.makedirs(data, exist_ok=True)
        feeds = {i.name: v for i, v in zip(graph.input, given)}
        outputs = session.run(None, feeds)
        for k, (i, v) in enumerate(zip(graph.input, given)):
            with open(os.path.join(data, f"input_{k}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(v, i.name).SerializeToString())
        for k, (o, v) in enumerate(zip(graph.output, outputs)):
            with open(os.path.join(data, f"output_{k}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(v, o.name).SerializeToString())
    print(f"{name}: {os.path.getsize(os.path.join(folder, 'model.onnx'))} bytes")


def vad_streaming(rng):
    frames, width, hidden = 8, 64, 16
    chunk = frames * width  # 512 samples: the 16 kHz chunk size
    w16 = rng.standard_normal((width, hidden)).astype(np.float32) * 0.2
    w8 = rng.standard_normal((width // 2, hidden)).astype(np.float32) * 0.2
    lw = rng.standard_normal((1, 4 * hidden, hidden)).astype(np.float32) * 0.3
    lr = rng.standard_normal((1, 4 * hidden, hidden)).astype(np.float32) * 0.3
    lb = rng.standard_normal((1, 8 * hidden)).astype(np.float32) * 0.1
    head = rng.standard_normal((hidden, 1)).astype(np.float32) * 0.5
    then16 = helper.make_graph([
        helper.make_node("Reshape", ["audio", "frames16"], ["f16"]),
        helper.make_node("MatMul", ["f16", "w16"], ["feat16"]),
    ], "sr16k", [], [helper.make_tensor_value_info("feat16", F, None)])
    else8 = helper.make_graph([
        helper.make_node("Reshape", ["audio", "frames8"], ["f8"]),
        helper.make_node("MatMul", ["f8", "w8"], ["feat8"]),
    ], "sr8k", [], [helper.make_tensor_value_info("feat8", F, None)])
    scaled = helper.make_graph([helper.make_node("Mul", ["prob_raw", "half"], ["p_scaled"])], "scaled", [],
                               [helper.make_tensor_value_info("p_scaled", F, None)])
    plain = helper.make_graph([helper.make_node("Identity", ["prob_raw"], ["p_plain"])], "plain", [],
                              [helper.make_tensor_value_info("p_plain", F, None)])
    nodes = [
        helper.make_node("Shape", ["audio"], ["audio_shape"]),
        helper.make_node("Gather", ["audio_shape", "one"], ["samples"]),
        helper.make_node("Equal", ["samples", "chunk16"], ["is16k"]),
        helper.make_node("If", ["is16k"], ["features"], name="sample_rate_switch", then_branch=then16, else_branch=else8),
        helper.make_node("Transpose", ["features"], ["steps"], perm=[1, 0, 2]),
        helper.make_node("LSTM", ["steps", "lw", "lr", "lb", "", "h", "c"], ["", "h_out", "c_out"], name="lstm",
                         hidden_size=hidden),
        helper.make_node("Flatten", ["h_out"], ["h_flat"], axis=1),
        helper.make_node("MatMul", ["h_flat", "head"], ["logit"]),
        helper.make_node("Sigmoid", ["logit"], ["prob_raw"]),
        helper.make_node("Constant", [], ["scale_flag"], value=helper.make_tensor("v", TensorProto.BOOL, [], [False])),
        helper.make_node("If", ["scale_flag"], ["prob"], name="calibration", then_branch=scaled, else_branch=plain),
    ]
    graph = helper.make_graph(nodes, "vad_streaming", [
        helper.make_tensor_value_info("audio", F, [1, chunk]),
        helper.make_tensor_value_info("h", F, [1, 1, hidden]),
        helper.make_tensor_value_info("c", F, [1, 1, hidden]),
    ], [
        helper.make_tensor_value_info("prob", F, [1, 1]),
        helper.make_tensor_value_info("h_out", F, [1, 1, hidden]),
        helper.make_tensor_value_info("c_out", F, [1, 1, hidden]),
    ], initializer=[
        init("one", np.int64(1)), init("chunk16", np.int64(chunk)), init("half", np.float32(0.5)),
        init("frames16", np.array([1, frames, width], np.int64)), init("frames8", np.array([1, 2 * frames, width // 2], np.int64)),
        init("w16", w16), init("w8", w8), init("lw", lw), init("lr", lr), init("lb", lb), init("head", head),
    ])
    write("vad_streaming", graph, [
        rng.standard_normal((1, chunk)).astype(np.float32),
        rng.standard_normal((1, 1, hidden)).astype(np.float32) * 0.5,
        rng.standard_normal((1, 1, hidden)).astype(np.float32) * 0.5,
    ])


def loop_nested_if(rng):
    then_b = helper.make_graph([helper.make_node("Mul", ["acc_in", "x"], ["m"])], "then", [],
                               [helper.make_tensor_value_info("m", F, None)])
    else_b = helper.make_graph([helper.make_node("Add", ["acc_in", "x"], ["s"])], "else", [],
                               [helper.make_tensor_value_info("s", F, None)])
    body = helper.make_graph([
        helper.make_node("Equal", ["i", "one"], ["is_one"]),
        helper.make_node("If", ["is_one"], ["acc_out"], name="inner_if", then_branch=then_b, else_branch=else_b),
        helper.make_node("Identity", ["cond_in"], ["cond_out"]),
        helper.make_node("Identity", ["acc_out"], ["trace"]),
    ], "body", [
        helper.make_tensor_value_info("i", TensorProto.INT64, []),
        helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
        helper.make_tensor_value_info("acc_in", F, [3]),
    ], [
        helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
        helper.make_tensor_value_info("acc_out", F, [3]),
        helper.make_tensor_value_info("trace", F, [3]),
    ])
    graph = helper.make_graph([
        helper.make_node("Loop", ["trip", "", "acc0"], ["acc", "traces"], name="loop", body=body),
    ], "loop_nested_if", [helper.make_tensor_value_info("x", F, [3])], [
        helper.make_tensor_value_info("acc", F, [3]),
        helper.make_tensor_value_info("traces", F, [5, 3]),
    ], initializer=[init("trip", np.int64(5)), init("one", np.int64(1)), init("acc0", np.ones(3, np.float32))])
    write("loop_nested_if", graph, [rng.standard_normal(3).astype(np.float32)])


def runtime_if(rng):
    # The condition is computed from the data (mean energy above a threshold), so it is known
    # only at run time: edgec lowers it to JumpFalseCall. The branches read outer values (the
    # input, an initializer), return a value of their own, an outer value, and a constant.
    w = rng.standard_normal((8, 8)).astype(np.float32) * 0.3
    then_b = helper.make_graph([
        helper.make_node("MatMul", ["x", "w"], ["xw"]),
        helper.make_node("Relu", ["xw"], ["loud"]),
        helper.make_node("ReduceSum", ["x"], ["score_t"], keepdims=0),
    ], "then", [], [helper.make_tensor_value_info("loud", F, [2, 8]), helper.make_tensor_value_info("score_t", F, [])])
    else_b = helper.make_graph([
        helper.make_node("Mul", ["x", "half"], ["quiet_raw"]),
        helper.make_node("Tanh", ["quiet_raw"], ["quiet"]),
        helper.make_node("Constant", [], ["score_e"], value=numpy_helper.from_array(np.float32(-1), "score_e")),
    ], "else", [], [helper.make_tensor_value_info("quiet", F, [2, 8]), helper.make_tensor_value_info("score_e", F, [])])
    graph = helper.make_graph([
        helper.make_node("Mul", ["x", "x"], ["energy"]),
        helper.make_node("ReduceMean", ["energy"], ["mean_energy"], keepdims=0),
        helper.make_node("Greater", ["mean_energy", "threshold"], ["loud_enough"]),
        helper.make_node("If", ["loud_enough"], ["y", "score"], name="gate", then_branch=then_b, else_branch=else_b),
        helper.make_node("Add", ["y", "x"], ["out"]),
    ], "runtime_if", [helper.make_tensor_value_info("x", F, [2, 8])], [
        helper.make_tensor_value_info("out", F, [2, 8]), helper.make_tensor_value_info("score", F, []),
    ], initializer=[init("w", w), init("half", np.float32(0.5)), init("threshold", np.float32(1.0))])
    loud = (rng.standard_normal((2, 8)) * 2).astype(np.float32)
    quiet = (rng.standard_normal((2, 8)) * 0.1).astype(np.float32)
    write("runtime_if", graph, [loud], more=[[quiet]])


def runtime_if_nested(rng):
    # An If inside a run-time If's branch, on a second run-time condition; the inner branches
    # read a value of the outer branch and the graph input; one inner branch returns its input.
    inner_then = helper.make_graph([helper.make_node("Sigmoid", ["t"], ["it"])], "inner_then", [],
                                   [helper.make_tensor_value_info("it", F, [4])])
    inner_else = helper.make_graph([helper.make_node("Identity", ["t"], ["ie"])], "inner_else", [],
                                   [helper.make_tensor_value_info("ie", F, [4])])
    outer_then = helper.make_graph([
        helper.make_node("Add", ["x", "x"], ["t"]),
        helper.make_node("ReduceMax", ["x"], ["mx"], keepdims=0),
        helper.make_node("Greater", ["mx", "zero"], ["positive"]),
        helper.make_node("If", ["positive"], ["ot"], name="inner", then_branch=inner_then, else_branch=inner_else),
    ], "outer_then", [], [helper.make_tensor_value_info("ot", F, [4])])
    outer_else = helper.make_graph([helper.make_node("Neg", ["x"], ["oe"])], "outer_else", [],
                                   [helper.make_tensor_value_info("oe", F, [4])])
    graph = helper.make_graph([
        helper.make_node("Cast", ["flag"], ["take"], to=TensorProto.BOOL),
        helper.make_node("If", ["take"], ["y"], name="outer", then_branch=outer_then, else_branch=outer_else),
    ], "runtime_if_nested", [helper.make_tensor_value_info("x", F, [4]), helper.make_tensor_value_info("flag", TensorProto.INT32, [1])],
        [helper.make_tensor_value_info("y", F, [4])], initializer=[init("zero", np.float32(0))])
    x = rng.standard_normal(4).astype(np.float32)
    write("runtime_if_nested", graph, [np.abs(x) + 0.1, np.array([1], np.int32)],
          more=[[-np.abs(x) - 0.1, np.array([1], np.int32)], [x, np.array([0], np.int32)]])


def runtime_loop(rng):
    # A Loop whose trip count is a graph input and whose condition the body computes from the
    # data (it stops once the state settles): a loop in the plan. The body reads an outer graph
    # input and an initializer and uses the iteration number; three data sets run 0 iterations,
    # 3 (the trip count ends it) and fewer than the trip count (the condition ends it).
    w = rng.standard_normal((4, 4)).astype(np.float32) * 0.5
    body = helper.make_graph([
        helper.make_node("MatMul", ["h_in", "w"], ["hw"]),
        helper.make_node("Tanh", ["hw"], ["t"]),
        helper.make_node("Mul", ["t", "half"], ["damped"]),
        helper.make_node("Add", ["damped", "x"], ["h_out"]),
        helper.make_node("Sub", ["h_out", "h_in"], ["delta"]),
        helper.make_node("Abs", ["delta"], ["size"]),
        helper.make_node("ReduceMean", ["size"], ["change"], keepdims=0),
        helper.make_node("Greater", ["change", "eps"], ["cond_out"]),
        helper.make_node("Add", ["isum_in", "i"], ["isum_out"]),
    ], "body", [
        helper.make_tensor_value_info("i", TensorProto.INT64, []),
        helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
        helper.make_tensor_value_info("h_in", F, [1, 4]),
        helper.make_tensor_value_info("isum_in", TensorProto.INT64, []),
    ], [
        helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
        helper.make_tensor_value_info("h_out", F, [1, 4]),
        helper.make_tensor_value_info("isum_out", TensorProto.INT64, []),
    ])
    graph = helper.make_graph([
        helper.make_node("Loop", ["steps", "go", "x", "isum0"], ["h", "isum"], name="settle", body=body),
    ], "runtime_loop", [helper.make_tensor_value_info("x", F, [1, 4]), helper.make_tensor_value_info("steps", TensorProto.INT64, [])], [
        helper.make_tensor_value_info("h", F, [1, 4]), helper.make_tensor_value_info("isum", TensorProto.INT64, []),
    ], initializer=[init("w", w), init("half", np.float32(0.5)), init("eps", np.float32(1e-3)),
                    init("go", np.array(True)), init("isum0", np.int64(0))])
    x = rng.standard_normal((1, 4)).astype(np.float32)
    write("runtime_loop", graph, [x, np.array(3, np.int64)], more=[[x, np.array(0, np.int64)], [x * 0.5, np.array(1000, np.int64)]])


def runtime_loop_nested(rng):
    # A run-time Loop (trip count from the data, no condition input) whose body holds a second
    # Loop that runs as many times as the outer iteration number, and a run-time If; the body
    # swaps its two carried values through the If. Then a Loop with a static trip count of 300
    # (over edgec's unrolling limit of 256) that also becomes a loop in the plan.
    inner_body = helper.make_graph([
        helper.make_node("Mul", ["x", "tenth"], ["step"]),
        helper.make_node("Add", ["s_in", "step"], ["s_out"]),
        helper.make_node("Identity", ["c_in"], ["c_out"]),
    ], "inner_body", [
        helper.make_tensor_value_info("j", TensorProto.INT64, []),
        helper.make_tensor_value_info("c_in", TensorProto.BOOL, []),
        helper.make_tensor_value_info("s_in", F, [3]),
    ], [helper.make_tensor_value_info("c_out", TensorProto.BOOL, []), helper.make_tensor_value_info("s_out", F, [3])])
    then_b = helper.make_graph([helper.make_node("Add", ["a_in", "s"], ["mixed"])], "then", [],
                               [helper.make_tensor_value_info("mixed", F, [3])])
    else_b = helper.make_graph([helper.make_node("Sub", ["a_in", "s"], ["mixed_e"])], "else", [],
                               [helper.make_tensor_value_info("mixed_e", F, [3])])
    body = helper.make_graph([
        helper.make_node("Loop", ["i", "", "b_in"], ["s"], name="inner", body=inner_body),
        helper.make_node("ReduceSum", ["a_in"], ["total"], keepdims=0),
        helper.make_node("Greater", ["total", "zero"], ["positive"]),
        helper.make_node("If", ["positive"], ["b_out"], name="mix", then_branch=then_b, else_branch=else_b),
        helper.make_node("Identity", ["b_in"], ["a_out"]),
        helper.make_node("Identity", ["cond_in"], ["cond_out"]),
    ], "body", [
        helper.make_tensor_value_info("i", TensorProto.INT64, []),
        helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
        helper.make_tensor_value_info("a_in", F, [3]),
        helper.make_tensor_value_info("b_in", F, [3]),
    ], [
        helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
        helper.make_tensor_value_info("a_out", F, [3]),
        helper.make_tensor_value_info("b_out", F, [3]),
    ])
    long_body = helper.make_graph([
        helper.make_node("Mul", ["acc_in", "decay"], ["kept"]),
        helper.make_node("Add", ["kept", "x"], ["acc_out"]),
        helper.make_node("Identity", ["c_in"], ["c_out"]),
    ], "long_body", [
        helper.make_tensor_value_info("k", TensorProto.INT64, []),
        helper.make_tensor_value_info("c_in", TensorProto.BOOL, []),
        helper.make_tensor_value_info("acc_in", F, [3]),
    ], [helper.make_tensor_value_info("c_out", TensorProto.BOOL, []), helper.make_tensor_value_info("acc_out", F, [3])])
    graph = helper.make_graph([
        helper.make_node("ReduceMax", ["n"], ["trips"], keepdims=0),
        helper.make_node("Loop", ["trips", "", "x", "y"], ["a", "b"], name="outer", body=body),
        helper.make_node("Loop", ["three_hundred", "", "a"], ["acc"], name="long", body=long_body),
    ], "runtime_loop_nested", [
        helper.make_tensor_value_info("x", F, [3]), helper.make_tensor_value_info("y", F, [3]),
        helper.make_tensor_value_info("n", TensorProto.INT64, [2]),
    ], [
        helper.make_tensor_value_info("a", F, [3]), helper.make_tensor_value_info("b", F, [3]),
        helper.make_tensor_value_info("acc", F, [3]),
    ], initializer=[init("tenth", np.float32(0.1)), init("zero", np.float32(0)), init("decay", np.float32(0.99)),
                    init("three_hundred", np.int64(300))])
    x = rng.standard_normal(3).astype(np.float32)
    y = rng.standard_normal(3).astype(np.float32)
    write("runtime_loop_nested", graph, [x, y, np.array([4, 2], np.int64)],
          more=[[-np.abs(x), y, np.array([1, 0], np.int64)], [x, -y, np.array([0, -3], np.int64)]])


def scan_long(rng):
    # A Scan of 300 steps (past edgec's unrolling limit of 256): a loop in the plan that selects
    # each step's element and writes each scan output element at its position. Two scan inputs
    # (the second read in reverse, along axis 1), a state, two scan outputs (one on axis 1, one
    # written in reverse).
    steps = 300
    body = helper.make_graph([
        helper.make_node("Mul", ["a", "decay"], ["kept"]),
        helper.make_node("Add", ["s_in", "kept"], ["mixed"]),
        helper.make_node("Tanh", ["mixed"], ["s_out"]),
        helper.make_node("Mul", ["s_out", "b"], ["y1"]),
        helper.make_node("Sub", ["s_out", "a"], ["y2"]),
    ], "body", [
        helper.make_tensor_value_info("s_in", F, [2]),
        helper.make_tensor_value_info("a", F, [2]),
        helper.make_tensor_value_info("b", F, [2]),
    ], [
        helper.make_tensor_value_info("s_out", F, [2]),
        helper.make_tensor_value_info("y1", F, [2]),
        helper.make_tensor_value_info("y2", F, [2]),
    ])
    graph = helper.make_graph([
        helper.make_node("Scan", ["s0", "xa", "xb"], ["s", "ys1", "ys2"], name="long_scan", body=body, num_scan_inputs=2,
                         scan_input_axes=[0, 1], scan_input_directions=[0, 1], scan_output_axes=[1, 0], scan_output_directions=[0, 1]),
    ], "scan_long", [
        helper.make_tensor_value_info("s0", F, [2]), helper.make_tensor_value_info("xa", F, [steps, 2]),
        helper.make_tensor_value_info("xb", F, [2, steps]),
    ], [
        helper.make_tensor_value_info("s", F, [2]), helper.make_tensor_value_info("ys1", F, [2, steps]),
        helper.make_tensor_value_info("ys2", F, [steps, 2]),
    ], initializer=[init("decay", np.float32(0.9))])
    write("scan_long", graph, [rng.standard_normal(2).astype(np.float32), rng.standard_normal((steps, 2)).astype(np.float32),
                               rng.standard_normal((2, steps)).astype(np.float32)])


def scan_axes(rng):
    body = helper.make_graph([
        helper.make_node("Add", ["sum_in", "col"], ["sum_out"]),
        helper.make_node("Tanh", ["sum_out"], ["y"]),
    ], "body", [helper.make_tensor_value_info("sum_in", F, [2]), helper.make_tensor_value_info("col", F, [2])],
        [helper.make_tensor_value_info("sum_out", F, [2]), helper.make_tensor_value_info("y", F, [2])])
    graph = helper.make_graph([
        helper.make_node("Scan", ["s0", "x"], ["s", "ys"], name="scan", body=body, num_scan_inputs=1,
                         scan_input_axes=[1], scan_input_directions=[1], scan_output_axes=[-1]),
    ], "scan_axes", [helper.make_tensor_value_info("s0", F, [2]), helper.make_tensor_value_info("x", F, [2, 6])],
        [helper.make_tensor_value_info("s", F, [2]), helper.make_tensor_value_info("ys", F, [2, 6])])
    write("scan_axes", graph, [rng.standard_normal(2).astype(np.float32), rng.standard_normal((2, 6)).astype(np.float32)])


def lstm_variants(rng):
    seq, batch, size, hidden, dirs = 5, 3, 4, 6, 2
    graph = helper.make_graph([
        helper.make_node("LSTM", ["x", "w", "r", "b", "lens", "h0", "c0", "p"], ["y", "yh", "yc"], name="lstm",
                         hidden_size=hidden, direction="bidirectional", clip=1.5, input_forget=1),
    ], "lstm_variants", [
        helper.make_tensor_value_info("x", F, [seq, batch, size]),
        helper.make_tensor_value_info("h0", F, [dirs, batch, hidden]),
        helper.make_tensor_value_info("c0", F, [dirs, batch, hidden]),
    ], [
        helper.make_tensor_value_info("y", F, [seq, dirs, batch, hidden]),
        helper.make_tensor_value_info("yh", F, [dirs, batch, hidden]),
        helper.make_tensor_value_info("yc", F, [dirs, batch, hidden]),
    ], initializer=[
        init("w", rng.standard_normal((dirs, 4 * hidden, size)).astype(np.float32)),
        init("r", rng.standard_normal((dirs, 4 * hidden, hidden)).astype(np.float32) * 0.5),
        init("b", rng.standard_normal((dirs, 8 * hidden)).astype(np.float32) * 0.2),
        init("p", rng.standard_normal((dirs, 3 * hidden)).astype(np.float32) * 0.3),
        init("lens", np.array([5, 2, 4], np.int32)),
    ])
    write("lstm_variants", graph, [
        rng.standard_normal((seq, batch, size)).astype(np.float32),
        rng.standard_normal((dirs, batch, hidden)).astype(np.float32) * 0.5,
        rng.standard_normal((dirs, batch, hidden)).astype(np.float32) * 0.5,
    ])


def gru_dynamic_lens(rng):
    seq, batch, size, hidden = 4, 3, 5, 4
    graph = helper.make_graph([
        helper.make_node("GRU", ["x", "w", "r", "b", "lens"], ["y", "yh"], name="gru", hidden_size=hidden,
                         linear_before_reset=1, direction="reverse"),
    ], "gru_dynamic_lens", [
        helper.make_tensor_value_info("x", F, [seq, batch, size]),
        helper.make_tensor_value_info("lens", TensorProto.INT32, [batch]),
    ], [
        helper.make_tensor_value_info("y", F, [seq, 1, batch, hidden]),
        helper.make_tensor_value_info("yh", F, [1, batch, hidden]),
    ], initializer=[
        init("w", rng.standard_normal((1, 3 * hidden, size)).astype(np.float32) * 0.5),
        init("r", rng.standard_normal((1, 3 * hidden, hidden)).astype(np.float32) * 0.5),
        init("b", rng.standard_normal((1, 6 * hidden)).astype(np.float32) * 0.2),
    ])
    write("gru_dynamic_lens", graph, [rng.standard_normal((seq, batch, size)).astype(np.float32), np.array([4, 1, 3], np.int32)])


def rnn_activations(rng):
    seq, batch, size, hidden = 4, 2, 3, 5
    graph = helper.make_graph([
        helper.make_node("RNN", ["x", "w", "r", "b", "lens"], ["y", "yh"], name="rnn", hidden_size=hidden,
                         direction="bidirectional", activations=["Relu", "HardSigmoid"],
                         activation_alpha=[0.3], activation_beta=[0.4]),
    ], "rnn_activations", [helper.make_tensor_value_info("x", F, [seq, batch, size])], [
        helper.make_tensor_value_info("y", F, [seq, 2, batch, hidden]),
        helper.make_tensor_value_info("yh", F, [2, batch, hidden]),
    ], initializer=[
        init("w", rng.standard_normal((2, hidden, size)).astype(np.float32) * 0.5),
        init("r", rng.standard_normal((2, hidden, hidden)).astype(np.float32) * 0.5),
        init("b", rng.standard_normal((2, 2 * hidden)).astype(np.float32) * 0.2),
        init("lens", np.array([3, 4], np.int32)),
    ])
    write("rnn_activations", graph, [rng.standard_normal((seq, batch, size)).astype(np.float32)])


def main():
    for i, make in enumerate([vad_streaming, loop_nested_if, scan_axes, lstm_variants, gru_dynamic_lens, rnn_activations,
                                 runtime_if, runtime_if_nested, runtime_loop, runtime_loop_nested, scan_long]):
        make(np.random.default_rng(100 + i))


if __name__ == "__main__":
    main()
