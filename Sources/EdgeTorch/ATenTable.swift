import EdgeIR

/// How one ATen operator becomes Edge IR: a one-line summary (for docs/torch.md) and the
/// lowering, which returns one value per node output (nil for outputs edgec does not
/// produce, such as batch norm's saved statistics).
struct ATenLowering: Sendable {
    let summary: String
    let lower: @Sendable (inout ATenCall) throws(OpError) -> [Value?]

    init(_ summary: String, _ lower: @escaping @Sendable (inout ATenCall) throws(OpError) -> [Value?]) {
        self.summary = summary
        self.lower = lower
    }

    /// A lowering whose node has a single output.
    static func one(_ summary: String, _ lower: @escaping @Sendable (inout ATenCall) throws(OpError) -> Value) -> ATenLowering {
        ATenLowering(summary) { call throws(OpError) in [try lower(&call)] }
    }
}

/// The ATen operators edgec imports, keyed by overload (`aten.conv2d.default`). Each concept
/// file (`ATen+Convolution.swift`, ...) contributes its part; docs/torch.md is derived from it.
enum ATenTable {
    static let lowerings: [String: ATenLowering] = {
        var table: [String: ATenLowering] = [:]
        for part in [core, convolution, normalization, linearAlgebra, elementwise, activations, layout, indexing, reductions, pooling, attention] {
            for (k, v) in part {
                precondition(table[k] == nil, "ATen target \(k) lowered twice")
                table[k] = v
            }
        }
        return table
    }()

    /// The lowering of a node target (`torch.ops.aten.relu.default`), if edgec has one.
    static func lowering(for target: String) -> ATenLowering? {
        lowerings[shortName(target)]
    }

    /// The target without torch's `torch.ops.` prefix: `aten.relu.default`.
    static func shortName(_ target: String) -> String {
        target.hasPrefix("torch.ops.") ? String(target.dropFirst("torch.ops.".count)) : target
    }
}
