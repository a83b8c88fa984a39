import EdgeBackends
import EdgeCompiler
import EdgeIR
import EdgeKernels
import EdgePasses
import EdgeProgram
import EdgeRuntime
import Foundation
import Testing

/// The optimization pipelines preserve results: each model compiled at -O0, -O1 and -O2 runs in
/// the interpreter on the same inputs, and the outputs agree within float rounding.
@Suite struct OptimizationNumericsTests {
    static let models: [(path: String, shapes: [String: [Int]])] = [
        ("Grammar/examples/tiny_cnn.eir", [:]),
        ("Grammar/examples/layout_and_pools.eir", [:]),
        ("Grammar/examples/transformer_block.eir", ["tokens": [2, 16, 32]]),
        ("Benchmarks/models/exported_cnn.eir", [:]),
    ]

    static func compile(_ path: String, _ shapes: [String: [Int]], _ level: OptimizationLevel) throws -> CompiledProgram {
        let module = try IRFile.read(path: repoRoot.appendingPathComponent(path).path)
        var instrumentation = PassInstrumentation()
        instrumentation.verifyEach = true
        return try ProgramCompiler(inputShapes: shapes, optimization: level, instrumentation: instrumentation).compile(module)
    }

    /// Inputs for a compiled program: deterministic waves of each input's shape.
    static func inputs(_ compiled: CompiledProgram) throws -> [Tensor] {
        let plan = compiled.program.plans[0]
        return try plan.inputs.enumerated().map { k, v in try wave(plan.values[Int(v)].tensor!.sizes.map(Int.init), phase: Float(k)) }
    }

    @Test(arguments: models.map(\.path))
    func levelsAgree(_ path: String) throws {
        let shapes = Self.models.first { $0.path == path }!.shapes
        let o0 = try Self.compile(path, shapes, .o0)
        let x = try Self.inputs(o0)
        let reference = try runCompiled(o0, x)
        for level in [OptimizationLevel.o1, .o2] {
            let compiled = try Self.compile(path, shapes, level)
            #expect(compiled.instructionCount <= o0.instructionCount, "\(path) \(level) has more kernel calls")
            let y = try runCompiled(compiled, x)
            #expect(y.count == reference.count)
            for (a, b) in zip(y, reference) {
                let scale = max(1, floats(b).map(abs).max() ?? 0)
                #expect(maxError(a, b) <= 1e-5 * scale, "\(path) \(level): outputs differ by \(maxError(a, b))")
            }
        }
    }

    @Test func exportedCNNShrinks() throws {
        let path = "Benchmarks/models/exported_cnn.eir"
        let o0 = try Self.compile(path, [:], .o0), o2 = try Self.compile(path, [:], .o2)
        // conv+bn+relu6, conv+bn+relu, pool, linear, softmax: BN, transposes, reshape, x*1, weight scale gone.
        #expect(o2.instructionCount == 7)
        #expect(o0.instructionCount == 14)
        #expect(o2.constantBytes < o0.constantBytes)
    }

    /// fused_activation is lowered back to separate relu / clamp kernels by the portable backend.
    @Test func fusedActivationsRunAsSeparateKernels() throws {
        let module = try IRFile.read(path: repoRoot.appendingPathComponent("Benchmarks/models/exported_cnn.eir").path)
        let o0 = try ProgramCompiler(optimization: .o0).compile(module)
        let fused = try IRFile.read(path: repoRoot.appendingPathComponent("Benchmarks/models/exported_cnn.eir").path)
        try Optimizer(passes: [FoldConstants.pass, FoldBatchNorm.pass, FuseActivation.pass, DeadCodeElimination.pass]).run(fused)
        let attributes = fused.mainFunction!.body.operations.compactMap { $0.attribute("fused_activation")?.stringValue }.filter { $0 != "none" }
        #expect(attributes.sorted() == ["relu", "relu6"])
        let compiled = try ProgramCompiler(optimization: .o0).compile(fused)
        let x = try Self.inputs(o0)
        #expect(maxError(try runCompiled(compiled, x)[0], try runCompiled(o0, x)[0]) < 1e-6)
    }

    /// Folding uses the same kernels as the runtime: a fully constant model folds to its output.
    @Test func constantModelFoldsToTheInterpretersResult() throws {
        let text = """
        func @main(%x: f32[1,2,3,3]) -> (f32[1,2,3,3], f32[2,3]) {
          %w = edge.constant {value = dense<[0.5, -1.0, 2.0, 0.25]>} : f32[2,2,1,1]
          %c = edge.constant {value = dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, -1.0, -2.0, -3.0, -4.0, -5.0, -6.0, -7.0, -8.0, -9.0]>} : f32[1,2,3,3]
          %k = edge.conv2d(%c, %w) : f32[1,2,3,3]
          %p = edge.global_avg_pool2d(%k) : f32[1,2,1,1]
          %f = edge.reshape(%p) {shape = [2, 1]} : f32[2,1]
          %lw = edge.constant {value = dense<[1.0, 2.0, 3.0]>} : f32[3,1]
          %l = edge.linear(%f, %lw) : f32[2,3]
          %s = edge.softmax(%l) {axis = 1} : f32[2,3]
          %y = edge.add(%x, %k) : f32[1,2,3,3]
          return %y, %s
        }
        """
        let o0 = try ProgramCompiler(optimization: .o0).compile(try IRFile.parse(text, fileName: "c.eir"))
        let module = try IRFile.parse(text, fileName: "c.eir")
        try Optimizer(passes: [FoldConstants.pass, DeadCodeElimination.pass]).run(module)
        let ops = module.mainFunction!.body.operations.map(\.name)
        #expect(ops.filter { $0 != "edge.constant" && $0 != "return" } == ["edge.add"])
        let o2 = try ProgramCompiler(optimization: .o0).compile(module)
        let x = try wave([1, 2, 3, 3])
        let (a, b) = (try runCompiled(o0, [x]), try runCompiled(o2, [x]))
        #expect(maxError(a[0], b[0]) == 0)
        #expect(maxError(a[1], b[1]) == 0)
    }
}
