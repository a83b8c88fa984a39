import EdgeIR
import EdgeKernels
import Foundation

/// `fold-constants`: evaluates ops whose operands are all constants with the op's evaluation
/// facet (the EdgeKernels kernel the runtime runs) and replaces them with the result.
///
/// Never inflates the program: an op is folded only when its result takes no more bytes than
/// its constant inputs together plus ``allowance`` (so `expand` of a small constant into a
/// large tensor stays an op). Ops without a kernel, with quantized or dynamic types, or whose
/// kernel rejects the operands are left alone.
public enum FoldConstants {
    /// Bytes a folded result may exceed its inputs by (room for a small `edge.full`).
    public static let allowance = 64

    public static let pass = Pass.perFunction(
        name: "fold-constants",
        summary: "Evaluate ops on constant operands with the runtime kernels (never growing the constants)"
    ) { function, rewriter in
        for op in function.body.operations {
            guard op.definition.evaluate != nil, !op.definition.traits.contains(.constantLike),
                  op.definition.traits.contains(.pure), !op.results.isEmpty else { continue }
            guard let folded = fold(op) else { continue }
            rewriter.setInsertionPoint(before: op)
            var values: [Value] = []
            for (r, t) in zip(op.results, folded) {
                values.append(try Constants.make(t, type: r.type, name: r.nameHint ?? "folded", rewriter: rewriter, location: op.location))
            }
            let inputs = op.presentOperands.compactMap(\.definingOp)
            rewriter.replace(op, with: values)
            // Constants that fed only this op are gone with it.
            for input in inputs where input.block != nil && input.results.allSatisfy({ !$0.hasUses }) {
                rewriter.erase(input)
            }
        }
    }

    /// The results of `op` evaluated on its constant operands, or nil when it must not fold.
    static func fold(_ op: EdgeIR.Operation) -> [Tensor]? {
        var inputBytes = 0
        var flat: [Tensor?] = []
        for v in op.operands {
            guard let v else { flat.append(nil); continue }
            guard let t = Constants.tensor(v) else { return nil }
            inputBytes += t.byteCount
            flat.append(t)
        }
        var resultBytes = 0
        for r in op.results {
            guard case .scalar = r.type.element, let n = r.type.byteCount else { return nil }
            resultBytes += n
        }
        guard resultBytes <= inputBytes + allowance else { return nil }
        guard let out = (try? op.evaluate(flat)) ?? nil, out.count == op.results.count else { return nil }
        for (t, r) in zip(out, op.results) {
            // The kernel must produce exactly the declared type; anything else is not folded.
            guard t.dtype == r.type.element.storage, t.shape == r.type.staticShape else { return nil }
        }
        return out
    }
}
