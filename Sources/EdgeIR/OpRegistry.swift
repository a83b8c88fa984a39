/// Every op edgec knows, looked up by printed name.
public enum OpRegistry {
    /// All declarations, in documentation order.
    public static let all: [OpDefinition] = [
        Ops.constant, Ops.full, Ops.return,
        Ops.add, Ops.sub, Ops.mul, Ops.div, Ops.pow, Ops.maximum, Ops.minimum,
        Ops.eq, Ops.lt, Ops.le, Ops.gt, Ops.ge,
        Ops.logicalAnd, Ops.logicalOr, Ops.logicalXor, Ops.logicalNot, Ops.where,
        Ops.exp, Ops.log, Ops.sqrt, Ops.rsqrt, Ops.reciprocal, Ops.erf, Ops.neg, Ops.abs,
        Ops.floor, Ops.ceil, Ops.sin, Ops.cos, Ops.cast,
        Ops.quantize, Ops.dequantize, Ops.dynamicQuantize,
        Ops.relu, Ops.clamp, Ops.sigmoid, Ops.tanh, Ops.hardswish, Ops.hardsigmoid, Ops.gelu, Ops.leakyRelu, Ops.elu, Ops.silu,
        Ops.conv2d, Ops.convTranspose2d, Ops.batchNorm, Ops.layerNorm, Ops.groupNorm,
        Ops.matmul, Ops.linear,
        Ops.maxPool2d, Ops.avgPool2d, Ops.globalAvgPool2d,
        Ops.upsampleNearest2d, Ops.upsampleBilinear2d,
        Ops.softmax, Ops.logSoftmax, Ops.mean, Ops.sum, Ops.amax, Ops.amin, Ops.argmax, Ops.argmin,
        Ops.reshape, Ops.permute, Ops.concat, Ops.flatten, Ops.squeeze, Ops.unsqueeze, Ops.expand, Ops.repeat,
        Ops.slice, Ops.indexSelect, Ops.gather, Ops.embedding, Ops.split, Ops.pad,
        Ops.tan, Ops.asin, Ops.acos, Ops.atan, Ops.sinh, Ops.cosh, Ops.asinh, Ops.acosh, Ops.atanh, Ops.round,
        Ops.bitwiseAnd, Ops.bitwiseOr, Ops.bitwiseXor, Ops.bitwiseNot, Ops.bitwiseLeftShift, Ops.bitwiseRightShift,
        Ops.prod, Ops.scatter, Ops.topk, Ops.gridSample,
        Ops.delegateCall, Ops.conditional, Ops.loop,
    ]

    private static let byName: [String: OpDefinition] = {
        var table: [String: OpDefinition] = [:]
        for op in all {
            precondition(table[op.name] == nil, "op \(op.name) declared twice")
            table[op.name] = op
        }
        return table
    }()

    /// The declaration named `name`, if any.
    public static func lookup(_ name: String) -> OpDefinition? { byName[name] }

    /// Known op names closest to `name`, for "did you mean" hints.
    public static func suggestions(for name: String, limit: Int = 3) -> [String] {
        let close = all.map { ($0.name, editDistance($0.name, name)) }.filter { $0.1 <= max(2, name.count / 3) }
        // Only the closest names: with many short op names, farther ones are noise.
        guard let best = close.map(\.1).min() else { return [] }
        return close.filter { $0.1 == best }.prefix(limit).map(\.0)
    }
}

/// Levenshtein distance, for suggestions.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.utf8), b = Array(b.utf8)
    var row = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var prev = row[0]
        row[0] = i
        for j in 1...max(b.count, 1) where !b.isEmpty {
            let tmp = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
            prev = tmp
        }
    }
    return row[b.count]
}
