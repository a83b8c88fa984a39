import EdgeKernels
import Foundation
import Testing

@testable import EdgeIR

/// The evaluation facets: every op with an EdgeKernels kernel declares one (constant folding
/// at import and in fold-constants, and the runtime, then run the same kernel).
@Suite struct EvaluationTests {
    /// Ops that are never evaluated, each with the reason. Nothing else may lack a facet.
    static let notEvaluated: [String: String] = [
        "edge.constant": "constant-like: its value is its attribute, there is nothing to compute",
        "return": "terminator: it has no results",
        "edge.delegate_call": "calls an outlined partition function run by a backend delegate; the partition's ops fold before outlining",
        "edge.if": "calls a branch function; an If whose condition is known at import time takes its branch there instead",
        "edge.loop": "calls its body function per iteration; the IR evaluator (calibration) runs it, and a Loop whose trip count is known at import time unrolls there instead",
    ]

    @Test func everyOpWithAKernelEvaluates() {
        for op in OpRegistry.all where Self.notEvaluated[op.name] == nil {
            #expect(op.evaluate != nil, "\(op.name) has no evaluate: facet; declare one calling its EdgeKernels kernel (or list it in notEvaluated with the reason)")
        }
        for (name, reason) in Self.notEvaluated {
            let op = OpRegistry.lookup(name)
            #expect(op != nil, "notEvaluated lists \(name), which is not an op")
            #expect(op?.evaluate == nil, "\(name) has an evaluate: facet but is listed as not evaluated (\(reason))")
        }
    }

    func eval(_ op: OpDefinition, _ operands: [Tensor?], _ attributes: [String: Attribute] = [:],
              sourceLocation: SourceLocation = #_sourceLocation) throws -> [Tensor] {
        let out = try op.evaluate(operands, attributes: attributes)
        return try #require(out, "\(op.name) did not evaluate", sourceLocation: sourceLocation)
    }

    @Test func newFacetsComputeWithTheKernels() throws {
        let x = try Tensor([Float]([1, -2, 3, -4, 5, -6]), shape: [2, 3])
        #expect(try eval(Ops.slice, [x], ["dim": .int(1), "start": .int(1), "end": .int(3)])[0].floats() == [-2, 3, 5, -6])
        #expect(try eval(Ops.maximum, [x, try Tensor([Float(0)], shape: [])])[0].floats() == [1, 0, 3, 0, 5, 0])
        let gt = try eval(Ops.gt, [x, try Tensor([Float(0)], shape: [])])[0]
        #expect(gt.dtype == .bool && gt.bools() == [true, false, true, false, true, false])
        #expect(try eval(Ops.where, [gt, x, try Tensor([Float(9)], shape: [])])[0].floats() == [1, 9, 3, 9, 5, 9])
        #expect(try eval(Ops.logicalNot, [gt])[0].bools() == [false, true, false, true, false, true])
        #expect(try eval(Ops.abs, [x])[0].floats() == [1, 2, 3, 4, 5, 6])
        #expect(try eval(Ops.amax, [x], ["axes": .ints([1])])[0].floats() == [3, 5])
        #expect(try eval(Ops.argmin, [x], ["dim": .int(1)])[0].int64s() == [1, 2])
        let parts = try eval(Ops.split, [x], ["dim": .int(1), "sizes": .ints([1, 2])])
        #expect(parts.count == 2 && parts[0].floats() == [1, -4] && parts[1].shape == [2, 2])
        #expect(try eval(Ops.expand, [try Tensor([Float]([1, 2]), shape: [2, 1])], ["shape": .ints([2, 3])])[0].floats() == [1, 1, 1, 2, 2, 2])
        #expect(try eval(Ops.repeat, [try Tensor([Float]([1, 2]))], ["repeats": .ints([2])])[0].floats() == [1, 2, 1, 2])
        #expect(try eval(Ops.pad, [try Tensor([Float]([1, 2]))], ["pad": .ints([1, 0]), "value": .float(7)])[0].floats() == [7, 1, 2])
        let table = try Tensor([Float]([0, 1, 10, 11, 20, 21]), shape: [3, 2])
        let rows = try eval(Ops.embedding, [table, try Tensor([Int64]([2, 0, 1, 2]), shape: [2, 2])])[0]
        #expect(rows.shape == [2, 2, 2] && rows.floats() == [20, 21, 0, 1, 10, 11, 20, 21])
        let silu = try eval(Ops.silu, [try Tensor([Float]([0, 2]))])[0].floats()
        #expect(silu[0] == 0 && abs(silu[1] - 2 / (1 + exp(-2))) < 1e-6)
        let image = try Tensor([Float]((0..<16).map(Float.init)), shape: [1, 1, 4, 4])
        #expect(try eval(Ops.maxPool2d, [image], ["kernel_size": .ints([2, 2])])[0].floats() == [5, 7, 13, 15])
        #expect(try eval(Ops.avgPool2d, [image], ["kernel_size": .ints([2, 2])])[0].floats() == [2.5, 4.5, 10.5, 12.5])
        #expect(try eval(Ops.upsampleNearest2d, [try Tensor([Float]([1, 2]), shape: [1, 1, 1, 2])], ["size": .ints([2, 4])])[0].floats() == [1, 1, 2, 2, 1, 1, 2, 2])
    }

    @Test func evaluationChecksLikeCreation() throws {
        let x = try Tensor([Float]([1, 2, 3]))
        // A bad attribute is the same OpError creating the op gives.
        #expect(throws: OpError.self) { _ = try Ops.slice.evaluate([x], attributes: ["dim": .int(3)]) }
        #expect(throws: OpError.self) { _ = try Ops.add.evaluate([x, try Tensor([Float]([1, 2]))]) }
        // A kernel that does not take the operands leaves the op unevaluated (nil), no error.
        let h = try Tensor(converting: [1, 2], dtype: .f16)
        #expect(try Ops.add.evaluate([h, h]) == nil)
    }

    @Test func fullUsesTheConstantPolicy() throws {
        // 0.2 as bf16 rounds to nearest even: 0x3E4D (truncation would give 0x3E4C).
        let b = try eval(Ops.full, [], ["shape": .ints([1]), "value": .float(0.2), "dtype": .string("bf16")])[0]
        #expect(b.bytes() == [0x4D, 0x3E])
        let i = try eval(Ops.full, [], ["shape": .ints([2]), "value": .float(1e20), "dtype": .string("i32")])[0]
        #expect(i.int32s() == [.max, .max])
    }

    @Test func parserEncodesHalfPrecisionWithTheSharedCodec() throws {
        let text = """
        module @m

        func @main() -> (bf16[2], f16[2]) {
          %b = edge.constant {value = dense<[0.2, -0.2]>} : bf16[2]
          %h = edge.constant {value = dense<[0.1, 65520.0]>} : f16[2]
          return %b, %h
        }
        """
        let module = try IRParser.parse(text)
        let ops = try #require(module.mainFunction).body.operations
        func bytes(_ i: Int) -> [UInt8]? {
            guard case .dense(.inline(let b))? = ops[i].attribute("value") else { return nil }
            return b
        }
        #expect(bytes(0) == [0x4D, 0x3E, 0x4D, 0xBE])
        // 0.1 → 0x2E66; 65520 overflows to +inf (0x7C00).
        #expect(bytes(1) == [0x66, 0x2E, 0x00, 0x7C])
    }

    @Test func scalarTypeIsTheKernelElementType() {
        // One enum: the IR's element type is EdgeKernels' DType (no mapping table).
        let s: ScalarType = .bf16
        let d: DType = s
        #expect(d.byteSize == 2 && s.isFloat && !s.isInteger && ScalarType.i8.isInteger && !ScalarType.bool.isInteger)
        #expect(ScalarType.allCases.map(\.rawValue) == ["f32", "f16", "bf16", "f64", "i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "bool"])
        #expect(ScalarType.u64.isInteger && ScalarType.u64.byteSize == 8)
    }
}
