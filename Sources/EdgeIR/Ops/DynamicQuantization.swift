import EdgeKernels

// Dynamic INT8 (docs/quantization.md, "Dynamic INT8"): an activation quantized at run time,
// per row, with parameters chosen from the row's own range, as XNNPACK's qd8 and PT2E's dynamic
// flow (choose_qparams_per_token_asymmetric → quantize → dequantize) do. The op keeps the graph a
// float graph: its result is the dequantized row, so any executor gives the same numbers, and
// the arm-cpu lowering turns `linear(dynamic_quantize(x), dequantize(qi8 weight))` into one
// qd8 fully connected node.

extension Ops {
    public static let dynamicQuantize = OpDefinition(
        "edge.dynamic_quantize",
        summary: "Quantizes each row (the last dim) to int8 with parameters chosen from that row's range at run time (asymmetric, range widened to include 0, XNNPACK's qd8) and returns the dequantized floats.",
        reference: "XNNPACK qd8 (xnn_f32_qd8_asymmetric_quantization_params); PT2E choose_qparams_per_token_asymmetric → quantize → dequantize",
        operands: [OperandSpec("input", .single, "an f32 tensor of rank ≥ 1")],
        traits: [.pure],
        evaluate: { v, _ in [try DynamicQuantize.run(v.first)] }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        guard x.element == .f32, x.rank >= 1 else { throw OpError("input must be an f32 tensor of rank ≥ 1, got \(TypeText.type(x))") }
        return [x]
    }
}
