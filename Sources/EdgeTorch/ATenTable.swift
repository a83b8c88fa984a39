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
        for part in [core, convolution, normalization, linearAlgebra, elementwise, activations, layout, indexing, reductions, pooling, attention, recurrent, controlFlow] {
            for (k, v) in part {
                precondition(table[k] == nil, "ATen target \(k) lowered twice")
                table[k] = v
            }
        }
        return table
    }()

    /// The lowering of a node target (`torch.ops.aten.relu.default`), if edgec has one.
    /// An in-place variant (`aten.relu_.default`) uses its functional form's lowering.
    static func lowering(for target: String) -> ATenLowering? {
        let short = shortName(target)
        return lowerings[short] ?? inPlaceBase(short).flatMap { lowerings[$0] }
    }

    /// The functional form of an in-place target: `aten.add_.Tensor` → `aten.add.Tensor`.
    static func inPlaceBase(_ short: String) -> String? {
        let parts = short.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1].hasSuffix("_"), !parts[1].hasPrefix("_") else { return nil }
        return "\(parts[0]).\(parts[1].dropLast()).\(parts[2])"
    }

    /// Targets whose result may share memory with their input (so an in-place update of
    /// either would be seen through the other).
    static let viewTargets: Set<String> = [
        "aten.view.default", "aten.reshape.default", "aten._unsafe_view.default", "aten.permute.default",
        "aten.transpose.int", "aten.t.default", "aten.flatten.using_ints", "aten.unsqueeze.default",
        "aten.squeeze.dim", "aten.squeeze.dims", "aten.squeeze.default", "aten.expand.default",
        "aten.slice.Tensor", "aten.select.int", "aten.split.Tensor", "aten.split_with_sizes.default",
        "aten.alias.default", "aten.detach.default", "aten.contiguous.default", "aten.dropout.default",
        "aten.lift_fresh_copy.default",
    ]

    /// The target without torch's `torch.ops.` prefix: `aten.relu.default`.
    static func shortName(_ target: String) -> String {
        target.hasPrefix("torch.ops.") ? String(target.dropFirst("torch.ops.".count)) : target
    }
}
