import EdgeBackends
import EdgeCompiler
import EdgeIR
import EdgeKernels
import EdgeProgram
import EdgeRuntime
import Foundation
import Testing

@Suite("Bounded dynamic shapes: edgec's interpreter")
struct BoundedInterpreterTests {
    static let mask = { try! wave([1, 1, 16], phase: 1) }()

    /// The bounded transformer block (batch 1..4), loaded from its bytes.
    static func bounded() throws -> Interpreter {
        let compiled = try compileBoundedExample("transformer_block", ["tokens=1..4,16,32"])
        return try Interpreter(try ProgramReader.read(compiled.bytes).program)
    }

    @Test("every batch in the range gives the static program's result at that batch, in any order")
    func matchesStaticCompiles() throws {
        let interpreter = try Self.bounded()
        #expect(interpreter.bounds?.max == 4 && interpreter.boundedSize == 4)
        var expected: [Int: Tensor] = [:]
        for b in 1 ... 4 {
            let fixed = try compileExample("transformer_block", shapes: ["tokens": [b, 16, 32]])
            expected[b] = try runCompiled(fixed, [try wave([b, 16, 32]), Self.mask])[0]
        }
        // Sizes change up and down: every change resizes the values and binds the calls again.
        for b in [3, 1, 4, 2, 2, 3] {
            let out = try interpreter.run([try wave([b, 16, 32]), Self.mask])[0]
            #expect(out.shape == [b, 16, 32])
            #expect(maxError(out, try #require(expected[b])) <= 1e-6, "batch \(b)")
            #expect(interpreter.boundedSize == b)
        }
    }

    @Test("an input past the bound, of another rank or another static dim: an error naming the input and the bound")
    func refusedInputs() throws {
        let interpreter = try Self.bounded()
        func message(_ inputs: [Tensor]) -> String { thrownMessage { _ = try interpreter.run(inputs) } }
        let over = message([try wave([5, 16, 32]), Self.mask])
        #expect(over.contains("\"tokens\"") && over.contains("outside the bound 1..4"), "\(over)")
        let rank = message([try wave([2, 16]), Self.mask])
        #expect(rank.contains("\"tokens\"") && rank.contains("[1..4,16,32]"), "\(rank)")
        let other = message([try wave([2, 16, 31]), Self.mask])
        #expect(other.contains("\"tokens\"") && other.contains("[1..4,16,32]"), "\(other)")
        // The static input keeps its exact shape.
        let mask = message([try wave([2, 16, 32]), try wave([1, 1, 15])])
        #expect(mask.contains("input 1"), "\(mask)")
        // A refused run leaves the interpreter usable.
        #expect(try interpreter.run([try wave([2, 16, 32]), Self.mask])[0].shape == [2, 16, 32])
    }

    @Test("two dims that follow the bound (scores [1, T, T]): unit-dim views become unsqueeze / squeeze copies")
    func sequenceSquared() throws {
        let text = """
            func @main(%x: f32[1,?T,8] {name = "x"}) -> f32[1,?T,?T] {
              %xt = edge.permute(%x) {dims = [0, 2, 1]} : f32[1,8,?T]
              %s = edge.matmul(%x, %xt) : f32[1,?T,?T]
              %p = edge.softmax(%s) {axis = 2} : f32[1,?T,?T]
              return %p
            }
            """
        let compiled = try boundedCompiler(["x=1,1..6,8"]).compile(try IRFile.parse(text, fileName: "scores.eir"))
        let kernels = Set(compiled.program.plans[0].operators.map(\.qualifiedName))
        #expect(kernels.contains("aten::unsqueeze_copy.out") || kernels.contains("aten::squeeze_copy.dims_out"), "\(kernels)")
        let interpreter = try Interpreter(try ProgramReader.read(compiled.bytes).program)
        for t in [5, 2, 6, 1] {
            let fixed = try compileText(text, shapes: ["x": [1, t, 8]])
            let x = try wave([1, t, 8])
            let out = try interpreter.run([x])[0]
            #expect(out.shape == [1, t, t])
            #expect(maxError(out, try runCompiled(fixed, [x])[0]) <= 1e-6, "T = \(t)")
        }
    }

    @Test("a range 1..2 runs at 1 and 2 as the static programs do")
    func smallestRange() throws {
        let compiled = try compileBoundedExample("transformer_block", ["tokens=1..2,16,32"])
        let interpreter = try Interpreter(try ProgramReader.read(compiled.bytes).program)
        for b in [1, 2, 1] {
            let fixed = try compileExample("transformer_block", shapes: ["tokens": [b, 16, 32]])
            let x = try wave([b, 16, 32])
            #expect(maxError(try interpreter.run([x, Self.mask])[0], try runCompiled(fixed, [x, Self.mask])[0]) <= 1e-6, "batch \(b)")
        }
        #expect(thrownMessage { _ = try interpreter.run([try wave([3, 16, 32]), Self.mask]) }.contains("outside the bound 1..2"))
    }

    @Test("a record that does not fit the plan is a load error")
    func badRecord() throws {
        var compiled = try compileBoundedExample("transformer_block", ["tokens=1..4,16,32"])
        let k = try #require(compiled.program.namedData.firstIndex { $0.key == BoundedShapes.key })
        var record = try #require(try BoundedShapes.of(compiled.program))
        record.max = 5  // sizes at 5 would not fit the slots planned for 4
        compiled.program.namedData[k] = record.namedData
        let message = thrownMessage { _ = try Interpreter(compiled.program) }
        #expect(message.contains("does not fit the plan"), "\(message)")
        compiled.program.namedData[k] = NamedData(key: BoundedShapes.key, data: Array("not json".utf8))
        #expect(thrownMessage { _ = try Interpreter(compiled.program) }.contains("not a valid bounded-shape record"))
    }
}
