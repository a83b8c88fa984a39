import EdgeBackends
import EdgeCompiler
import EdgeIR
import EdgePasses
import EdgeProgram
import Foundation
import Testing

/// A compiler for a bounded compile of `--input-shape <name>=<text>`.
func boundedCompiler(_ texts: [String], backend: String = PortableBackend.name) throws -> ProgramCompiler {
    let (shapes, bounded) = try ProgramCompiler.boundedInputShapes(texts)
    var compiler = ProgramCompiler(backend: backend, inputShapes: shapes)
    compiler.boundedShapes = bounded
    return compiler
}

/// A bounded compile of a Grammar example.
func compileBoundedExample(_ name: String, _ texts: [String]) throws -> CompiledProgram {
    try boundedCompiler(texts).compile(try IRFile.read(path: repoRoot.appendingPathComponent("Grammar/examples/\(name).eir").path))
}

/// The message of what `body` throws ("" when it does not throw).
func thrownMessage(_ body: () throws -> Void) -> String {
    do { try body() } catch { return "\(error)" }
    return ""
}

@Suite("Bounded dynamic shapes: options, IR, lowering")
struct BoundedShapeTests {
    @Test("--input-shape takes a range lo..hi; plain parse refuses it")
    func parsing() throws {
        let p = try InputShape.parseBounded("x=1..8,3,224x224")
        #expect(p.name == "x" && p.dims == [8, 3, 224, 224] && p.ranges == [0: 1 ... 8])
        #expect(try InputShape.parseBounded("x=1,3").ranges.isEmpty)
        for bad in ["x=8..1,3", "x=0..4", "x=1..a", "x=4..4", "x=..4"] {
            #expect(throws: DiagnosticError.self, "\(bad)") { try InputShape.parseBounded(bad) }
        }
        let message = thrownMessage { _ = try InputShape.parse("x=1..8,3") }
        #expect(message.contains("dim 0 is a range (1..8)") && message.contains("`edgec compile` and `edgec import`"))
        #expect(thrownMessage { _ = try ProgramCompiler.boundedInputShapes(["x=1..4,3", "x=2,3"]) }.contains("given twice"))
    }

    @Test("the IR carries the range as a named symbol and a module attribute that survives the text form")
    func irCarriesTheBound() throws {
        let module = try IRFile.read(path: repoRoot.appendingPathComponent("Grammar/examples/transformer_block.eir").path)
        let specialized = try boundedCompiler(["tokens=1..4,16,32"]).specialize(module)
        let main = try #require(specialized.mainFunction)
        #expect(main.arguments[0].type == TensorType(.f32, [.symbolic("batch"), 16, 32]))
        #expect(try BoundedDims.bounds(of: specialized) == ["batch": 1 ... 4])
        #expect(main.resultTypes[0].shape[0] == .symbolic("batch"))
        let reparsed = try IRFile.parse(IRPrinter().print(specialized), fileName: "bounded.eir")
        #expect(try BoundedDims.bounds(of: reparsed) == ["batch": 1 ... 4])
        // A static input dim may become the bounded one; the model's own name is kept when it has one.
        let fresh = try boundedCompiler(["x=2..6,8"]).specialize(try IRFile.parse("""
            func @main(%x: f32[1,8]) -> f32[1,8] {
              %y = edge.relu(%x) : f32[1,8]
              return %y
            }
            """, fileName: "static.eir"))
        #expect(try BoundedDims.bounds(of: fresh) == ["bound": 2 ... 6])
        #expect(fresh.mainFunction?.arguments[0].type.shape == [.symbolic("bound"), 8])
    }

    @Test("edge.reshape infers the one named symbol when the known sizes keep their product")
    func reshapeKeepsTheSymbol() throws {
        let m = try IRFile.parse("""
            func @main(%x: f32[?N,16,4,8]) -> f32[?N,16,32] {
              %y = edge.reshape(%x) {shape = [-1, 16, 32]} : f32[?N,16,32]
              %z = edge.reshape(%x) {shape = [-1, 32]} : f32[?,32]
              return %y
            }
            """, fileName: "reshape.eir")
        let ops = try #require(m.mainFunction).body.operations
        #expect(ops[0].result.type.shape == [.symbolic("N"), 16, 32])
        #expect(ops[1].result.type.shape == [.unknown, 32])  // 16·N: not a dim the IR can name
    }

    @Test("a bounded program: DYNAMIC_BOUND tensors at the upper bound, views as view_copy, -1 in reshape sizes, the record")
    func boundedProgram() throws {
        let bounded = try compileBoundedExample("transformer_block", ["tokens=1..4,16,32"])
        let fixed = try compileExample("transformer_block", shapes: ["tokens": [4, 16, 32]])
        let plan = bounded.program.plans[0]
        let input = try #require(plan.values[Int(plan.inputs[0])].tensor)
        #expect(input.sizes == [4, 16, 32] && input.shapeDynamism == 1)
        let mask = try #require(plan.values[Int(plan.inputs[1])].tensor)
        #expect(mask.shapeDynamism == 0)
        #expect(try plan.outputs.allSatisfy { try #require(plan.values[Int($0)].tensor).shapeDynamism == 1 })
        let record = try #require(try BoundedShapes.of(bounded.program))
        #expect(record.symbol == "batch" && record.min == 1 && record.max == 4)
        #expect(record.dims.contains(.init(value: Int(plan.inputs[0]), dim: 0, scale: 1, offset: 0)))
        // Memory covers the upper bound; the static compile has no record and no dynamic tensor.
        #expect(bounded.memory.arenaSize >= fixed.memory.arenaSize)
        #expect(try BoundedShapes.of(fixed.program) == nil)
        #expect(fixed.program.plans[0].values.allSatisfy { ($0.tensor?.shapeDynamism ?? 0) == 0 })
        let kernels = Set(plan.operators.map(\.qualifiedName))
        #expect(kernels.contains("aten::view_copy.out"))
        // Each view_copy whose out is dynamic infers its bounded entry (-1).
        for case let .kernelCall(op, args) in plan.instructions where plan.operators[Int(op)].qualifiedName == "aten::view_copy.out" {
            guard case .intList(let items) = plan.values[Int(args[1])], let out = plan.values[Int(args[2])].tensor else { continue }
            let sizes = items.map { plan.values[Int($0)] }
            #expect(sizes.contains(.int(-1)) == (out.shapeDynamism == 1), "\(sizes) -> \(out.sizes)")
        }
        // The program is the same bytes every time (merged deterministically).
        #expect(try compileBoundedExample("transformer_block", ["tokens=1..4,16,32"]).bytes == bounded.bytes)
        // It round-trips through the writer and the verifying reader.
        #expect(try ProgramReader.read(bounded.bytes).program == bounded.program)
    }

    @Test("edgec reads ExecuTorch's own bounded program: DYNAMIC_BOUND tensors at the bound, as edgec writes them")
    func readsExecuTorchDynamicProgram() throws {
        let path = repoRoot.appendingPathComponent("Tests/fixtures/executorch/dynamic_block.pte").path
        let program = try ProgramReader.read(Array(try Data(contentsOf: URL(fileURLWithPath: path)))).program
        let plan = program.plans[0]
        let input = try #require(plan.values[Int(plan.inputs[0])].tensor)
        let output = try #require(plan.values[Int(plan.outputs[0])].tensor)
        #expect(input.sizes == [8, 16, 32] && input.shapeDynamism == 1)
        #expect(output.sizes == [8, 512] && output.shapeDynamism == 1)
        #expect(plan.operators.map(\.qualifiedName).contains("aten::sym_size.int"))
    }

    @Test("a .pt2 keeps its export symbol bounded; a range outside the export's, or on a static dim, is refused")
    func torchExport() throws {
        let mlp = repoRoot.appendingPathComponent("Tests/EdgeTorchTests/Fixtures/mlp.pt2").path  // batch in 1..64
        let output = try boundedCompiler(["x=1..8,16"]).run(path: mlp)
        let compiled = try #require(output.compiled)
        let record = try #require(try BoundedShapes.of(compiled.program))
        #expect(record.min == 1 && record.max == 8)
        let plan = compiled.program.plans[0]
        #expect(plan.values[Int(plan.inputs[0])].tensor?.sizes == [8, 16])
        let outside = thrownMessage { _ = try boundedCompiler(["x=1..100,16"]).run(path: mlp) }
        #expect(outside.contains("outside the range the model was exported for [1, 64]"), "\(outside)")
        let staticDim = thrownMessage { _ = try boundedCompiler(["x=8,1..16"]).run(path: mlp) }
        #expect(staticDim.contains("dim 1 is a range, but the model was exported with"), "\(staticDim)")
    }

    @Test("a range 1..2 compiles (size 1 takes lowering shortcuts; 3 probes how dims follow) and runs at both sizes")
    func smallestRange() throws {
        let compiled = try compileBoundedExample("transformer_block", ["tokens=1..2,16,32"])
        let record = try #require(try BoundedShapes.of(compiled.program))
        #expect(record.min == 1 && record.max == 2)
        let plan = compiled.program.plans[0]
        #expect(plan.values[Int(plan.inputs[0])].tensor?.sizes == [2, 16, 32])
        let fixed = try compileExample("transformer_block", shapes: ["tokens": [2, 16, 32]])
        #expect(compiled.memory.arenaSize >= fixed.memory.arenaSize)
    }

    @Test("the checked sizes: every size of a small range, both ends and spread sizes of a large one")
    func checkedSizes() {
        #expect(BoundedLowering.checkedSizes(1 ... 4) == [4, 3, 2])
        #expect(BoundedLowering.checkedSizes(1 ... 2) == [2, 3])  // 3: a probe past the bound
        #expect(BoundedLowering.checkedSizes(3 ... 5) == [5, 4, 3])
        let large = BoundedLowering.checkedSizes(1 ... 100)
        #expect(large.first == 100 && large.contains(2) && large.contains(99) && large.count <= BoundedLowering.maxCheckedSizes)
        #expect(Set(large).count == large.count)
    }

    @Test("refused with a clear error: arm-cpu, --quantize, unequal ranges")
    func refusedOptions() throws {
        let module = try IRFile.read(path: repoRoot.appendingPathComponent("Grammar/examples/transformer_block.eir").path)
        let arm = thrownMessage { _ = try boundedCompiler(["tokens=1..4,16,32"], backend: "arm-cpu").compile(module) }
        #expect(arm.contains("drop --backend arm-cpu"))
        var quantized = try boundedCompiler(["tokens=1..4,16,32"])
        quantized.dynamicInt8 = true
        #expect(thrownMessage { _ = try quantized.compile(module) }.contains("drop --quantize"))
        let unequal = thrownMessage { _ = try boundedCompiler(["tokens=1..4,16,32", "mask=1..2,1,16"]).compile(module) }
        #expect(unequal.contains("must be equal"))
        // Lowering the bounded IR for arm-cpu directly is refused by the backend too.
        #expect(thrownMessage { _ = try ArmCPUBackend().lower(module, options: LoweringOptions(copyViews: true)) }.contains("static shapes only"))
    }

    @Test("an argument that follows the bounded size is an error naming the node; a baked reshape too")
    func sizeDependentArguments() throws {
        let slice = """
            func @main(%x: f32[?N,8] {name = "x"}) -> f32[?,8] {
              %y = edge.slice(%x) {dim = 0, start = 1, end = 9223372036854775807, step = 1} : f32[?,8] loc("drop_first")
              return %y
            }
            """
        let message = thrownMessage { _ = try boundedCompiler(["x=1..8,8"]).compile(try IRFile.parse(slice, fileName: "slice.eir")) }
        #expect(message.contains("\"drop_first\"") && message.contains("depends on the bounded size"), "\(message)")
        let baked = """
            func @main(%x: f32[?N,4,8] {name = "x"}) -> f32[8,32] {
              %y = edge.reshape(%x) {shape = [8, 32]} : f32[8,32] loc("flatten_baked")
              return %y
            }
            """
        let bakedMessage = thrownMessage { _ = try boundedCompiler(["x=1..8,4,8"]).compile(try IRFile.parse(baked, fileName: "baked.eir")) }
        #expect(bakedMessage.contains("flatten_baked"), "\(bakedMessage)")
    }
}
