import EdgeIR

/// How an op takes part in INT8 quantization (docs/quantization.md, "QDQ Edge IR").
public enum QuantizationRole: Sendable, Equatable {
    /// Has a constant weight quantized per output channel (symmetric INT8, axis `weightAxis`)
    /// and an optional bias quantized to INT32 at input_scale × weight_scale; its output gets
    /// its own activation parameters. A negative axis counts from the weight's last dimension.
    case weighted(weight: Int, weightAxis: Int, bias: Int?)
    /// Runs on quantized inputs and gives its output its own activation parameters (add, mul,
    /// average pools, mean, sigmoid).
    case compute
    /// Moves or selects values without changing them (reshape, flatten, permute, max pool,
    /// relu and clamp of a quantized input): the output reuses the input's parameters.
    case passThrough
    /// All inputs and the output share one scale and zero point (concat).
    case shared
}

/// The ops that have a quantized form, with their role: the one table the quantizer reads
/// (its `--help` and docs/quantization.md list it). Which of them a program runs in INT8 is the
/// backend's to say (``PassTarget/int8Ops``, for arm-cpu derived from XNNPACK's INT8 forms): the
/// quantizer plans the ops in both, and a test checks that every backend INT8 op has a role here
/// of the matching kind.
public enum QuantizableOps {
    public static let table: [(op: OpDefinition, role: QuantizationRole)] = [
        (Ops.conv2d, .weighted(weight: 1, weightAxis: 0, bias: 2)),
        (Ops.linear, .weighted(weight: 1, weightAxis: 0, bias: 2)),
        (Ops.matmul, .weighted(weight: 1, weightAxis: -1, bias: nil)),
        (Ops.add, .compute),
        (Ops.sub, .compute),
        (Ops.mul, .compute),
        (Ops.avgPool2d, .compute),
        (Ops.globalAvgPool2d, .compute),
        (Ops.mean, .compute),
        (Ops.sigmoid, .compute),
        (Ops.maxPool2d, .passThrough),
        (Ops.relu, .passThrough),
        (Ops.clamp, .passThrough),
        (Ops.reshape, .passThrough),
        (Ops.flatten, .passThrough),
        (Ops.squeeze, .passThrough),
        (Ops.unsqueeze, .passThrough),
        (Ops.permute, .passThrough),
        (Ops.slice, .passThrough),
        (Ops.concat, .shared),
    ]

    private static let byName: [String: QuantizationRole] = {
        var t: [String: QuantizationRole] = [:]
        for (op, role) in table {
            precondition(t[op.name] == nil, "\(op.name) is listed twice in QuantizableOps.table")
            t[op.name] = role
        }
        return t
    }()

    /// The role of `op` when it can be quantized as written (f32 operands and result, a
    /// constant weight for weighted ops), or nil.
    public static func role(of op: Operation) -> QuantizationRole? {
        guard let role = byName[op.name], op.results.count == 1, op.result.type.element == .f32 else { return nil }
        for v in op.presentOperands where v.type.element != .f32 { return nil }
        if case .weighted(let w, _, _) = role {
            guard let weight = op.operand(w), weight.definingOp?.definition === Ops.constant, weight.type.staticShape != nil else { return nil }
        }
        return role
    }

    /// Why `op` stays float, for the report; nil when it has a quantized form.
    public static func floatReason(_ op: Operation) -> String? {
        guard byName[op.name] != nil else { return "\(op.name) has no quantized form" }
        guard role(of: op) == nil else { return nil }
        if case .weighted? = byName[op.name] { return "its weight is not a constant f32 tensor" }
        return "an operand or the result is not f32"
    }

    /// The operand indices of `op` that carry activations (everything but the weight and bias
    /// of a weighted op).
    public static func activationOperands(of op: Operation, role: QuantizationRole) -> [Int] {
        switch role {
        case .weighted(let w, _, let b): return op.operands.indices.filter { $0 != w && $0 != b && op.operands[$0] != nil }
        default: return op.operands.indices.filter { op.operands[$0] != nil }
        }
    }
}
