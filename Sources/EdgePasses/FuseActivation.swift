import EdgeIR

/// `fuse-activation`: moves a `relu` (or `clamp` to [0, 6], relu6) that is the only user of a
/// conv2d or linear result into that op's `fused_activation` attribute, for backends that run
/// the pair as one kernel. Backends without fused kernels (portable) lower it back to two.
public enum FuseActivation {
    public static let pass = Pass.perFunction(
        name: "fuse-activation",
        summary: "Fold relu / relu6 after conv2d or linear into the op's fused_activation attribute"
    ) { function, rewriter in
        for op in function.body.operations where op.block != nil {
            guard let activation = kind(of: op), let y = op.operand(0), y.soleUser === op, y.type == op.result.type,
                  let producer = y.definingOp, producer.is(Ops.conv2d) || producer.is(Ops.linear),
                  producer.attribute("fused_activation")?.stringValue == "none" else { continue }
            rewriter.setAttribute("fused_activation", .string(activation), on: producer)
            rewriter.replaceAndClean(op, with: y)
        }
    }

    /// "relu" for relu and clamp(min 0); "relu6" for clamp to [0, 6]; nil otherwise.
    static func kind(of op: EdgeIR.Operation) -> String? {
        if op.is(Ops.relu) { return "relu" }
        guard op.is(Ops.clamp), op.attribute("min")?.floatValue == 0 else { return nil }
        switch op.attribute("max")?.floatValue {
        case nil: return "relu"
        case 6?: return "relu6"
        default: return nil
        }
    }
}
