import EdgeIR
import EdgeKernels
import Foundation
import Testing

@testable import EdgeONNX

/// Runs @main of an imported module with the ops' evaluation facets (the kernels folding and
/// the runtime share), binding the arguments to `inputs`.
func evaluateMain(_ module: Module, _ inputs: [Tensor]) throws -> [Tensor] {
    let f = try #require(module.mainFunction)
    var known: [ObjectIdentifier: Tensor] = [:]
    for (a, t) in zip(f.arguments, inputs) { known[ObjectIdentifier(a)] = t }
    for op in f.body.operations {
        if op.name == "return" {
            return try op.operands.map { v in
                let value = try #require(v)
                return try #require(known[ObjectIdentifier(value)])
            }
        }
        let results: [Tensor]
        if op.name == "edge.constant" {
            // A quantized constant evaluates to its stored integers (as the kernels take it).
            guard case .dense(let d)? = op.attribute("value"), case let s = op.result.type.element.storage,
                  let shape = op.result.type.staticShape else { throw ImportError("bad constant") }
            let bytes: [UInt8]
            switch d {
            case .inline(let b): bytes = b
            case .blob(let name): bytes = [UInt8](try #require(module.blobs[name]))
            }
            results = [try Tensor(bytes: bytes, dtype: s, shape: shape)]
        } else {
            let operands = try op.operands.map { v in try v.map { try #require(known[ObjectIdentifier($0)]) } }
            results = try #require(try op.evaluate(operands), "\(op.name) has no evaluation facet")
        }
        for (r, t) in zip(op.results, results) { known[ObjectIdentifier(r)] = t }
    }
    throw ImportError("no return")
}

/// The inline bytes of the constant that defines operand `i` of `op`.
func constantBytes(_ op: EdgeIR.Operation?, operand i: Int) -> [UInt8]? {
    guard let op, i < op.operands.count, let c = op.operands[i]?.definingOp, case .dense(.inline(let b))? = c.attribute("value") else { return nil }
    return b
}

@Suite("ONNX import-time folding through the ops' evaluation facets")
struct ImportFoldingTests {
    @Test func hardSigmoidAlphaRoundsToNearestEvenInBF16() throws {
        // alpha 0.2 (the default) as a bf16 scalar is 0x3E4D; truncating the float gives 0x3E4C.
        let m = singleNode("HardSigmoid", element: .bfloat16)
        let module = try m.importModule()
        #expect(module.opNames == ["edge.mul", "edge.add", "edge.clamp"])
        #expect(constantBytes(module.first("edge.mul"), operand: 1) == [0x4D, 0x3E])
        #expect(constantBytes(module.first("edge.add"), operand: 1) == [0x00, 0x3F])  // beta 0.5
    }

    @Test func shapeChainsFoldCompletely() throws {
        // Shape → Gather → Unsqueeze → Concat → Reshape, as exporters write flatten.
        var m = ModelBuilder(opset: 13)
        m.input("x", [2, 3, 4])
        m.initializer("zero", [], ints: [0])
        m.initializer("minus1", [1], ints: [-1])
        m.initializer("axes", [1], ints: [0])
        m.node("Shape", ["x"], ["s"])
        m.node("Gather", ["s", "zero"], ["n"], [Attr.int("axis", 0)])
        m.node("Unsqueeze", ["n", "axes"], ["n1"])
        m.node("Concat", ["n1", "minus1"], ["target"], [Attr.int("axis", 0)])
        m.node("Reshape", ["x", "target"], ["y"])
        m.output("y")
        let module = try m.importModule()
        #expect(module.opNames == ["edge.reshape"])
        #expect(module.resultTypes == ["f32[2,12]"])
    }

    @Test func rowsOfAFloatInitializerStayAGatherOfTheTable() throws {
        // Position embeddings: a float table picked by constant ids stays edge.index_select of the
        // whole table (weight passes see it; fold-constants folds it later), while the same
        // Gather of integer shape data folds at import.
        var m = ModelBuilder(opset: 13)
        m.input("x", [2, 4])
        m.initializer("table", [3, 4], (0 ..< 12).map(Float.init))
        m.initializer("ids", [2], ints: [2, 0])
        m.initializer("shape_data", [3], ints: [7, 8, 9])
        m.node("Gather", ["table", "ids"], ["rows"], [Attr.int("axis", 0)])
        m.node("Gather", ["shape_data", "ids"], ["picked"], [Attr.int("axis", 0)])
        m.node("Add", ["x", "rows"], ["y"])
        m.node("Cast", ["picked"], ["pf"], [Attr.int("to", 1)])
        m.output("y")
        m.output("pf")
        let module = try m.importModule()
        #expect(module.opNames == ["edge.index_select", "edge.add"])
        let y = try evaluateMain(module, [try Tensor([Float](repeating: 1, count: 8), shape: [2, 4])])
        #expect(y[0].floats() == [9, 10, 11, 12, 1, 2, 3, 4])
        #expect(y[1].floats() == [9, 7])
    }

    @Test func constantArithmeticFoldsWithTheKernels() throws {
        // Where, comparisons, Cast, Slice, Expand on constants become one constant.
        var m = ModelBuilder(opset: 13)
        m.initializer("a", [4], ints: [5, -3, 8, 0])
        m.initializer("b", [], ints: [2])
        m.initializer("starts", [1], ints: [1])
        m.initializer("ends", [1], ints: [4])
        m.initializer("shape", [2], ints: [2, 3])
        m.node("Greater", ["a", "b"], ["gt"])
        m.node("Where", ["gt", "a", "b"], ["w"])
        m.node("Slice", ["w", "starts", "ends"], ["s"])
        m.node("Cast", ["s"], ["f"], [Attr.int("to", 1)])
        m.node("Expand", ["f", "shape"], ["y"])
        m.output("y")
        let module = try m.importModule()
        #expect(module.opNames.isEmpty)
        let y = try evaluateMain(module, [])
        #expect(y[0].dtype == .f32 && y[0].shape == [2, 3] && y[0].floats() == [2, 8, 2, 2, 8, 2])
    }

    @Test func modFoldsAndRunsWithPythonAndCSemantics() throws {
        let a: [Int64] = [-4, 7, 5, 4, -7, 8], b: [Int64] = [2, -3, 8, -2, 3, 5]
        for (fmod, expected) in [(0, [0, -2, 5, 0, 2, 3] as [Int64]), (1, [0, 1, 5, 0, -1, 3])] {
            // Known inputs fold at import.
            var c = ModelBuilder(opset: 13)
            c.initializer("a", [6], ints: a)
            c.initializer("b", [6], ints: b)
            c.node("Mod", ["a", "b"], ["y"], [Attr.int("fmod", fmod)])
            c.output("y", .int64)
            let folded = try c.importModule()
            #expect(folded.opNames.isEmpty)
            #expect(try evaluateMain(folded, [])[0].int64s() == expected)
            // Run-time inputs import as ops with the same result.
            var r = ModelBuilder(opset: 13)
            r.input("a", [6], .int64)
            r.input("b", [6], .int64)
            r.node("Mod", ["a", "b"], ["y"], [Attr.int("fmod", fmod)])
            r.output("y", .int64)
            let ops = try r.importModule()
            #expect(!ops.opNames.isEmpty)
            #expect(try evaluateMain(ops, [try Tensor(a), try Tensor(b)])[0].int64s() == expected)
        }
        var z = ModelBuilder(opset: 13)
        z.input("a", [2], .int64)
        z.initializer("b", [2], ints: [1, 0])
        z.node("Mod", ["a", "b"], ["y"])
        z.output("y", .int64)
        #expect(z.importError().contains("integer modulo by zero"))
    }

    @Test func largeConstantsAreLeftToTheFoldPass() throws {
        // A Transpose-free big constant expression: Cast of 70 000 elements stays an op.
        var m = ModelBuilder(opset: 13)
        m.initializer("w", [70_000], [Float](repeating: 1, count: 70_000))
        m.node("Cast", ["w"], ["y"], [Attr.int("to", 11)])
        m.output("y", .double)
        #expect(try m.importModule().opNames == ["edge.cast"])
        // Reshaping a big constant is only a new shape: it folds at any size.
        var r = ModelBuilder(opset: 13)
        r.initializer("w", [70_000], [Float](repeating: 1, count: 70_000))
        r.initializer("axes", [1], ints: [0])
        r.node("Unsqueeze", ["w", "axes"], ["y"])
        r.output("y")
        let module = try r.importModule()
        #expect(module.opNames.isEmpty && module.resultTypes == ["f32[1,70000]"])
    }
}
