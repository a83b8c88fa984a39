import EdgeIR
import EdgeKernels
import Foundation

/// `quantize-embeddings-int4` (``int4(groupSize:)``; docs/quantization.md, "INT4 weights"):
/// 4-bit embedding tables that portable kernels can gather. ExecuTorch's pip runtime has no
/// quantized gather, so every `edge.index_select(table, ids) {dim = 0}` and `edge.embedding(table,
/// ids)` (its indices viewed as 1-D) of an f32 constant `[V, D]` table (D a multiple of 32)
/// becomes plain integer and float ops:
///
/// - the table as `u8[V, D/2]`, two 4-bit values per byte (``Int4Packing``: element 2j in the low
///   nibble, 2j+1 in the high one, stored `q + 8`), with the integers and bf16-rounded scales of
///   ``QuantizeWeights/symmetricBlockwise(_:shape:axis:blockSize:)`` in blocks of G along D (the
///   group size, or the largest multiple of 32 below it that divides D:
///   ``DynamicQuantization/int4GroupSize(inputSize:requested:)``), and the scales as
///   `bf16[V, D/G]` (they are bf16 values already, so this is exact and half of f32's bytes);
/// - the rows gathered packed, unpacked with `bitwise_and 15` / `bitwise_right_shift 4`,
///   interleaved (reshape, concat, reshape), cast to f32, less 8, times their rows' gathered
///   scales cast to f32: the same numbers `edge.dequantize` of the `qi4` table gives.
///
/// Tables of other shapes, with non-finite values, or (with `minimumSaving`) so small that 4 bits
/// save fewer bytes than that stay f32: `--quantize int4-weights` asks for ``unpackingBytes``, what
/// the unpacking ops take in the program (a BERT token-type table `[2, 64]` stays f32).
public enum QuantizeEmbeddings {
    /// The `quantize-embeddings-int4` pass of the registry (groups of ``DynamicQuantization/defaultGroupSize``).
    public static let int4Pass = int4(groupSize: DynamicQuantization.defaultGroupSize)

    /// `quantize-embeddings-int4` with blocks of `groupSize` (a positive multiple of 32) along each
    /// row, on tables whose 4-bit form saves at least `minimumSaving` bytes.
    public static func int4(groupSize: Int, minimumSaving: Int = 0) -> Pass {
        Pass.perFunction(
            name: "quantize-embeddings-int4",
            summary: "4-bit embedding tables (groups of \(groupSize) along a row, bf16-rounded scales) gathered packed and unpacked with integer ops"
        ) { function, rewriter in
            if let why = DynamicQuantization.groupSizeProblem(groupSize) { throw PassError(why) }
            for op in function.body.operations where op.block != nil && (op.definition === Ops.indexSelect || op.definition === Ops.embedding) {
                try quantize(op, groupSize: groupSize, minimumSaving: minimumSaving, rewriter: rewriter)
            }
        }
    }

    /// About the bytes the ops unpacking one gather's rows take in a program (~10 portable kernel
    /// calls and their values, a few XNNPACK nodes: 1.5 KB measured on the BERT fixture's
    /// token-type table). A table whose 4-bit form saves fewer bytes than this stays f32.
    public static let unpackingBytes = 2048

    /// The bytes a `[v, d]` f32 table saves in 4 bits (blocks of `g`, bf16 scales).
    public static func savedBytes(rows v: Int, rowLength d: Int, groupSize g: Int) -> Int {
        4 * v * d - (v * d / 2 + 2 * v * (d / g))
    }

    /// The gathers of f32 constant 2-D tables in `function` whose rows `groupSize` does not divide,
    /// for the compiler's notes: with the smaller blocks they get, or nil when they stay f32, and
    /// why (tables too small for `minimumSaving` are left out: they stay f32 whatever the groups).
    public static func fallbacks(_ function: Function, groupSize: Int, minimumSaving: Int = 0) -> [(op: EdgeIR.Operation, blockSize: Int?, reason: String)] {
        function.body.operations.compactMap { op in
            guard op.definition === Ops.indexSelect || op.definition === Ops.embedding, let (table, d) = gatheredTable(op),
                  let why = DynamicQuantization.smallerGroupReason(inputSize: d, requested: groupSize) else { return nil }
            let g = DynamicQuantization.int4GroupSize(inputSize: d, requested: groupSize)
            guard savedBytes(rows: table.type.staticShape![0], rowLength: d, groupSize: g ?? 32) >= minimumSaving else { return nil }
            return (op, g, why.replacingOccurrences(of: "input features", with: "row elements"))
        }
    }

    /// The f32 constant `[V, D]` table a gather `op` reads whole rows of, and D.
    static func gatheredTable(_ op: EdgeIR.Operation) -> (table: Value, rowLength: Int)? {
        guard op.definition === Ops.embedding || op.attribute("dim")?.intValue == 0, let table = op.operand(0),
              table.type.element == .f32, let shape = table.type.staticShape, shape.count == 2,
              let out = op.result.type.staticShape, out.count >= 2, out.last == shape[1], Constants.isConstant(table) else { return nil }
        return (table, shape[1])
    }

    static func quantize(_ op: EdgeIR.Operation, groupSize requested: Int, minimumSaving: Int, rewriter: Rewriter) throws {
        let isEmbedding = op.definition === Ops.embedding
        guard let (table, _) = gatheredTable(op), let indices = op.operand(1), let shape = table.type.staticShape,
              let out = op.result.type.staticShape, let values = Constants.tensor(table) else { return }
        let (rows, d) = (out.dropLast().reduce(1, *), shape[1])
        guard let g = DynamicQuantization.int4GroupSize(inputSize: d, requested: requested),
              savedBytes(rows: shape[0], rowLength: d, groupSize: g) >= minimumSaving else { return }
        let (type, q, absMax) = try QuantizeWeights.symmetricBlockwise(values, shape: shape, axis: 1, blockSize: g)
        guard absMax.allSatisfy(\.isFinite), case .blockwise(_, _, let scales) = type.scheme else { return }
        let packed = try Int4Packing.pack(q.int64s().map { Int8(truncatingIfNeeded: $0) }, rowLength: d)
        rewriter.setInsertionPoint(before: op)
        let base = table.nameHint ?? "table", loc = op.location
        func scalar<T>(_ v: T, _ dtype: ScalarType, _ name: String) throws -> Value {
            try rewriter.constant(withUnsafeBytes(of: v) { Data($0) }, type: TensorType(.scalar(dtype), [Int]()), name: name, location: loc)
        }
        func reshape(_ v: Value, _ dims: [Int]) throws -> Value {
            try rewriter.value(Ops.reshape, [v], attributes: ["shape": .ints(dims.map(Int64.init))], location: loc)
        }
        let ids = isEmbedding ? try reshape(indices, [rows]) : indices
        let packedTable = try rewriter.constant(Data(packed), type: TensorType(.u8, [shape[0], d / 2]), name: base + "_q4", location: table.definingOp?.location)
        var scaleBytes = Data()
        for s in scales { withUnsafeBytes(of: HalfPrecision.bf16(from: Float(s)).littleEndian) { scaleBytes.append(contentsOf: $0) } }
        let scaleTable = try rewriter.constant(scaleBytes, type: TensorType(.bf16, [shape[0], d / g]), name: base + "_scales", location: table.definingOp?.location)
        let gathered = try rewriter.value(Ops.indexSelect, [packedTable, ids], attributes: ["dim": .int(0)], location: loc)
        let low = try rewriter.value(Ops.bitwiseAnd, [gathered, try scalar(UInt8(15), .u8, "nibble_mask")], location: loc)
        let high = try rewriter.value(Ops.bitwiseRightShift, [gathered, try scalar(UInt8(4), .u8, "nibble_shift")], location: loc)
        let pairs = try rewriter.value(Ops.concat, [try reshape(low, [rows, d / 2, 1]), try reshape(high, [rows, d / 2, 1])],
                                       attributes: ["axis": .int(2)], location: loc)
        let nibbles = try rewriter.value(Ops.cast, [try reshape(pairs, [rows, d / g, g])], attributes: ["dtype": .string("f32")], location: loc)
        let centered = try rewriter.value(Ops.sub, [nibbles, try scalar(Float(8).bitPattern.littleEndian, .f32, "nibble_zero")], location: loc)
        let rowScales = try rewriter.value(Ops.cast, [try rewriter.value(Ops.indexSelect, [scaleTable, ids], attributes: ["dim": .int(0)], location: loc)],
                                           attributes: ["dtype": .string("f32")], location: loc)
        let real = try rewriter.value(Ops.mul, [centered, try reshape(rowScales, [rows, d / g, 1])], location: loc)
        let result = try reshape(real, out)
        result.nameHint = op.result.nameHint
        rewriter.replace(op, with: [result])
        if let c = table.definingOp, !table.hasUses { rewriter.erase(c) }
    }
}
