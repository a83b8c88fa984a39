import EdgeIR
import EdgeKernels
import Foundation

/// `signed-int8`: re-expresses uint8 quantized values as int8 ones, exactly. ONNX Runtime's
/// `quantize_static` writes uint8 activations by default (`activation_type=QUInt8`), while
/// XNNPACK's INT8 path (qint8 / qcint8) is signed. For u8 storage with zero point z,
/// `saturate_u8(round(x / s) + z) − 128 = saturate_i8(round(x / s) + (z − 128))` for every x, so
/// `qu8<s, z>` and `qi8<s, z − 128>` dequantize to the same reals: an `edge.quantize` to u8 gets
/// the i8 type, and a u8 quantized constant gets its bytes shifted by −128 (each byte xor 0x80),
/// when every reader of the value is an `edge.dequantize` (nothing else sees the integers; a
/// returned u8 tensor keeps its type). The arm-cpu backend runs it before partitioning.
public enum SignedInt8 {
    public static let pass = Pass.perFunction(
        name: "signed-int8",
        summary: "Rewrite uint8 quantized values read only by dequantize as the equal int8 ones (zero point − 128)"
    ) { function, rewriter in
        for op in function.body.operations where op.block != nil {
            try rewrite(op, rewriter: rewriter)
        }
    }

    /// The i8 type equal to a u8 quantized type (every zero point less 128).
    public static func signed(_ q: QuantizedType) -> QuantizedType? {
        guard q.storage == .u8 else { return nil }
        switch q.scheme {
        case .perTensor(let s, let z): return QuantizedType(storage: .i8, scheme: .perTensor(scale: s, zeroPoint: z - 128))
        case .perChannel(let a, let s, let z): return QuantizedType(storage: .i8, scheme: .perChannel(axis: a, scales: s, zeroPoints: z.map { $0 - 128 }))
        case .blockwise: return nil
        }
    }

    static func rewrite(_ op: EdgeIR.Operation, rewriter: Rewriter) throws {
        guard op.definition === Ops.quantize || op.definition === Ops.constant, op.results.count == 1,
              case .quantized(let q) = op.result.type.element, let signed = signed(q),
              op.result.hasUses, op.result.uses.allSatisfy({ $0.user.definition === Ops.dequantize }) else { return }
        let type = TensorType(.quantized(signed), op.result.type.shape)
        rewriter.setInsertionPoint(before: op)
        let replacement: Value
        if op.definition === Ops.quantize {
            replacement = try rewriter.create(Ops.quantize, op.operands, attributes: op.attributes, resultTypes: [type], location: op.location).result
        } else {
            guard let bytes = Constants.bytes(of: op.result) else { return }
            replacement = try rewriter.constant(Data(bytes.map { $0 ^ 0x80 }), type: type, name: op.result.nameHint ?? "q", location: op.location)
        }
        replacement.nameHint = op.result.nameHint
        rewriter.replace(op, with: [replacement])
    }
}
