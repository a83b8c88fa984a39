import EdgeKernels

extension Ops {
    public static let pad = OpDefinition(
        "edge.pad",
        summary: "Pads (or, with negative amounts, crops) the last dims; `pad` lists [last_begin, last_end, prev_begin, prev_end, ...].",
        reference: "aten::constant_pad_nd / aten::reflection_pad2d / aten::replication_pad2d",
        operands: [OperandSpec("input")],
        attributes: [
            AttributeSpec("pad", .ints, .required, "pairs of (begin, end) amounts, last dim first"),
            AttributeSpec("mode", .string, .defaulted(.string("constant")), "\"constant\", \"reflect\" or \"replicate\""),
            AttributeSpec("value", .float, .defaulted(.float(0)), "fill value of constant mode"),
        ],
        evaluate: { v, ctx in
            let name = ctx.attribute("mode")?.stringValue ?? ""
            guard let mode = PadMode(rawValue: name) else { throw EvaluationError("mode \"\(name)\"") }
            return [try Pad.run(v.first, pad: try ctx.required(ctx.ints("pad"), "pad"), mode: mode, value: try ctx.required(ctx.float("value"), "value"))]
        }
    ) { ctx throws(OpError) in
        let x = ctx.type("input")!
        let pad = ctx.ints("pad")!
        let mode = ctx.attribute("mode")?.stringValue ?? ""
        guard ["constant", "reflect", "replicate"].contains(mode) else {
            throw OpError("mode \"\(mode)\" must be \"constant\", \"reflect\" or \"replicate\"")
        }
        guard pad.count % 2 == 0, pad.count / 2 <= x.rank else {
            throw OpError("pad \(pad) must hold (begin, end) pairs for at most \(x.rank) dims")
        }
        if mode != "constant", pad.contains(where: { $0 < 0 }) { throw OpError("\(mode) padding cannot be negative") }
        var shape = x.shape
        for i in 0..<(pad.count / 2) {
            let d = x.rank - 1 - i
            guard let v = shape[d].value else {
                if pad[2 * i] != 0 || pad[2 * i + 1] != 0 { shape[d] = .unknown }
                continue
            }
            let n = v + pad[2 * i] + pad[2 * i + 1]
            guard n >= 0 else { throw OpError("padding dim \(d) of size \(v) by \(pad[2 * i]), \(pad[2 * i + 1]) gives a negative size") }
            if mode == "reflect", pad[2 * i] >= v || pad[2 * i + 1] >= v {
                throw OpError("reflect padding must be smaller than the dim size \(v)")
            }
            shape[d] = .known(n)
        }
        return [TensorType(x.element, shape)]
    }
}
