@testable import EdgeBackends
import EdgeCompiler
import EdgeIR
import EdgeKernels
import EdgeProgram
import EdgeRuntime
import Foundation
import Testing

@Suite struct PortableBackendTests {
    static let examples: [(String, [String: [Int]])] = [
        ("tiny_cnn", [:]), ("layout_and_pools", [:]), ("transformer_block", ["tokens": [2, 16, 32]]),
    ]

    static let registered: Set<String> = {
        let text = (try? String(contentsOf: repoRoot.appendingPathComponent("Tests/fixtures/executorch/registered_operators.txt"), encoding: .utf8)) ?? ""
        return Set(text.split(separator: "\n").map(String.init))
    }()

    /// Ops the portable backend cannot lower, with the reason.
    static let notPortable: [String: String] = [
        "edge.dynamic_quantize": "ExecuTorch's pip runtime registers no quantized kernels; qd8 runs inside XNNPACK delegates (arm-cpu)",
    ]

    @Test func everyDeclaredOpHasALowering() {
        // A new op must add a rule (or this test names it).
        // edge.delegate_call is no kernel: it becomes a DelegateCall of its callee's payload
        // (PortableLowering.delegateCall), given by a backend with a delegate (arm-cpu).
        let ops = OpRegistry.all.map(\.name).filter { $0 != "return" && $0 != Ops.delegateCall.name && Self.notPortable[$0] == nil }
        for op in ops { #expect(PortableBackend.supportedOps.contains(op), "\(op) has no portable lowering") }
        for op in Self.notPortable.keys { #expect(!PortableBackend.supportedOps.contains(op), "\(op) has a portable lowering now; drop it from notPortable") }
        #expect(!Self.registered.isEmpty)
        for k in PortableBackend.kernels { #expect(Self.registered.contains(k), "\(k) is not registered in ExecuTorch's portable runtime") }
        let interpreted = Set(Interpreter.kernelNames)
        for k in PortableBackend.kernels { #expect(interpreted.contains(k), "\(k) has no kernel in edgec's interpreter") }
    }

    @Test func ruleTableHasOneRulePerOpAndEveryKernelIsImplemented() {
        #expect(duplicateKeys(PortableLowering.ruleList) { $0.op }.isEmpty, "an op has two lowering rules")
        #expect(PortableLowering.rules.count == PortableLowering.ruleList.count)
        // Every kernel the interpreter implements is declared in the schema (and so is every
        // kernel the lowering emits: rules name them as ATenKernel cases).
        for name in Interpreter.kernelNames { #expect(ATenKernel(rawValue: name) != nil, "\(name) is not in the kernel schema") }
    }

    @Test func kernelCallsAreBuiltByNameAndChecked() throws {
        let b = PlanBuilder()
        let x = b.planned(.float, [1, 1, 4, 4]), o = b.planned(.float, [1, 1, 4, 4])
        let w = b.constant(.float, [1, 1, 1, 1], bytes: [0, 0, 128, 63])
        let good: [String: Int32] = [
            "input": x, "weight": w, "bias": b.null(), "stride": b.intList([1, 1]), "padding": b.intList([0, 0]),
            "dilation": b.intList([1, 1]), "transposed": b.bool(false), "output_padding": b.intList([0, 0]), "groups": b.int(1), "out": o,
        ]
        func expectError(_ args: [String: Int32], _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let error = #expect(throws: KernelCallError.self, sourceLocation: sourceLocation) { try b.call(.convolution, args) }
            #expect(error?.message == message, sourceLocation: sourceLocation)
        }
        var args = good
        args["groups"] = nil
        expectError(args, "aten::convolution.out is missing argument \"groups\" (int)")
        args = good
        args["group"] = b.int(1)
        expectError(args, "aten::convolution.out has no argument \"group\" (schema: \(ATenKernel.convolution.schema))")
        args = good
        args["stride"] = b.bool(true)
        expectError(args, "aten::convolution.out argument \"stride\" must be int[], got Bool")
        args = good
        args["out"] = w
        expectError(args, "aten::convolution.out writes its out into constant %\(w)")
        #expect(b.instructions.isEmpty)

        try b.call(.convolution, good)
        guard case let .kernelCall(_, conv)? = b.instructions.last else { Issue.record("no call"); return }
        let schema = ATenKernel.convolution.schema
        #expect(conv.count == schema.arity && conv.last == o)
        for (name, v) in good { #expect(conv[schema.position(of: name)!] == v, "\(name)") }
        // Left-out arguments take their schema default as a new value.
        try b.call(.add, ["self": x, "other": x, "out": o])
        guard case let .kernelCall(_, add)? = b.instructions.last else { Issue.record("no call"); return }
        #expect(add.count == 5 && b.values[Int(add[2])] == .int(1) && add[3] == o && add[4] == o)
        #expect(b.operators.map(\.qualifiedName) == ["aten::convolution.out", "aten::add.out"])
    }

    @Test func loweringDocIsCurrent() throws {
        let committed = try String(contentsOf: repoRoot.appendingPathComponent("docs/lowering.md"), encoding: .utf8)
        #expect(committed == PortableBackend.loweringMarkdown(),
                "docs/lowering.md is stale: run `swift run edgec list-ops --lowering > docs/lowering.md`")
    }

    @Test(arguments: examples.map(\.0))
    func examplesCompileToRegisteredKernelsWithATightArena(_ name: String) throws {
        let compiled = try compileExample(name, shapes: Self.examples.first { $0.0 == name }!.1)
        let plan = compiled.program.plans[0]
        for op in plan.operators { #expect(Self.registered.contains(op.qualifiedName), "\(op.qualifiedName)") }
        try checkNoLiveOverlap(plan)
        #expect(compiled.memory.arenaSize >= compiled.memory.lowerBound)
        #expect(compiled.memory.ratio <= 1.05, "arena \(compiled.memory.arenaSize) vs lower bound \(compiled.memory.lowerBound)")
        #expect(plan.nonConstBufferSizes == [0, Int64(compiled.memory.arenaSize)])
        let reread = try ProgramReader.read(ProgramWriter.serialize(compiled.program))
        #expect(reread.program.plans == compiled.program.plans)
    }

    /// The op-coverage programs interop_check.py runs in ExecuTorch's runtime: here they must
    /// compile to registered kernels with a tight, overlap-free arena and run in the interpreter.
    @Test(arguments: ["activations", "compare_select", "shapes_norms"])
    func interopProgramsCompileAndRun(_ name: String) throws {
        let module = try IRFile.read(path: repoRoot.appendingPathComponent("Conformance/interop/\(name).eir").path)
        let compiled = try ProgramCompiler().compile(module)
        let plan = compiled.program.plans[0]
        for op in plan.operators { #expect(Self.registered.contains(op.qualifiedName), "\(op.qualifiedName)") }
        try checkNoLiveOverlap(plan)
        #expect(compiled.memory.ratio <= 1.05)
        let inputs = try module.mainFunction!.arguments.enumerated().map { try wave($0.element.type.staticShape!, phase: Float($0.offset)) }
        let outputs = try runCompiled(compiled, inputs)
        #expect(outputs.count == module.mainFunction!.returnedValues.count)
    }

    @Test func argumentListsFollowTheATenSchemas() throws {
        // -O0: the lowering of every op as written (at -O2 the batch norm folds into the conv).
        let plan = try compileExample("tiny_cnn", optimization: .o0).program.plans[0]
        func call(_ name: String) -> [Int32]? {
            for case let .kernelCall(op, args) in plan.instructions where plan.operators[Int(op)].qualifiedName == name { return args }
            return nil
        }
        /// The value of argument `name` of a call to `kernel`, found through the kernel's schema.
        func value(_ kernel: ATenKernel, _ args: [Int32], _ name: String) throws -> EValue {
            plan.values[Int(args[try #require(kernel.schema.position(of: name), "\(kernel) has no argument \(name)")])]
        }
        let conv = try #require(call("aten::convolution.out"))
        let convOut = try #require(ATenKernel.convolution.schema.position(of: "out"))
        #expect(conv.count == ATenKernel.convolution.schema.arity && conv.last == conv[convOut])
        #expect(try value(.convolution, conv, "transposed") == .bool(false))
        #expect(try value(.convolution, conv, "groups") == .int(1))
        let bn = try #require(call("aten::_native_batch_norm_legit_no_training.out"))
        let bnSchema = ATenKernel.batchNormNoTraining.schema
        #expect(bn.count == bnSchema.arity)
        let outs = try ["out0", "out1", "out2"].map { bn[try #require(bnSchema.position(of: $0))] }
        #expect(plan.values[Int(bn[bn.count - 1])] == .tensorList(outs))  // the returned value
        #expect(try value(.batchNormNoTraining, bn, "eps") == .double(1e-5))
        let mean = try #require(call("aten::mean.out"))
        #expect(try value(.mean, mean, "dtype") == .null)
        #expect(plan.ioNames == IONames(inputs: ["input.1"], outputs: ["logits"]))
    }

    @Test func unsupportedNodesAreListedTogether() throws {
        // f64 pooling whose padding needs the count_include_pad = false rescale, and integer pow.
        let text = """
        func @main(%x: f64[1,2,6,6], %i: i32[4]) -> (f64[1,2,3,3], i32[4]) {
          %a = edge.avg_pool2d(%x) {kernel_size = [2, 2], stride = [2, 2], padding = [0, 0, 1, 1], count_include_pad = false} : f64[1,2,3,3] loc("AvgPool_7")
          %p = edge.pow(%i, %i) : i32[4] loc("Pow_9")
          return %a, %p
        }
        """
        do {
            _ = try compileText(text)
            Issue.record("compiled a program with unsupported nodes")
        } catch let error as LoweringError {
            #expect(error.failures.count == 2)
            #expect(error.description.hasPrefix("error: 2 nodes have no lowering for backend portable: edge.avg_pool2d at \"AvgPool_7\""))
            #expect(error.description.contains("edge.pow at \"Pow_9\""))
        }
    }

    @Test func asymmetricPoolingPadsExplicitly() throws {
        // Max pooling pads with -inf, average pooling with zeros (rescaled for count_include_pad = false).
        let text = """
        func @main(%x: f32[1,1,4,4]) -> (f32[1,1,2,2], f32[1,1,2,2]) {
          %m = edge.max_pool2d(%x) {kernel_size = [3, 3], stride = [2, 2], padding = [0, 0, 1, 1]} : f32[1,1,2,2]
          %a = edge.avg_pool2d(%x) {kernel_size = [3, 3], stride = [2, 2], padding = [0, 0, 1, 1], count_include_pad = false} : f32[1,1,2,2]
          return %m, %a
        }
        """
        let compiled = try compileText(text)
        let kernels = compiled.program.plans[0].operators.map(\.qualifiedName)
        #expect(kernels.contains("aten::constant_pad_nd.out") && kernels.contains("aten::mul.out"))
        // x = -(0..<16): windows rows/cols {0,1,2} and {2,3} (the padded row/col is outside).
        let x = (0 ..< 16).map { -Float($0) }
        let outputs = try runCompiled(compiled, [Tensor(x, shape: [1, 1, 4, 4])]).map(floats)
        #expect(outputs[0] == [0, -2, -8, -10])
        let avg: (Int, Int) -> Float = { r0, c0 in
            var s: Float = 0, n: Float = 0
            for r in r0 ..< min(r0 + 3, 4) { for c in c0 ..< min(c0 + 3, 4) { s += x[r * 4 + c]; n += 1 } }
            return s / n
        }
        let expected = [avg(0, 0), avg(0, 2), avg(2, 0), avg(2, 2)]
        #expect(zip(outputs[1], expected).allSatisfy { abs($0 - $1) < 1e-5 }, "\(outputs[1]) vs \(expected)")
    }

    @Test func dynamicInputsNeedAShape() throws {
        #expect(throws: LoweringError.self) { try compileExample("transformer_block") }
        #expect(throws: DiagnosticError.self) { try compileExample("transformer_block", shapes: ["nope": [1]]) }
        #expect(throws: DiagnosticError.self) { try compileExample("transformer_block", shapes: ["tokens": [1, 17, 32]]) }
    }

    @Test func asymmetricConvPaddingUsesConstantPad() throws {
        let text = """
        func @main(%x: f32[1,1,4,4]) -> f32[1,1,4,4] {
          %w = edge.constant {value = dense<1.0>} : f32[1,1,2,2]
          %y = edge.conv2d(%x, %w) {padding = [0, 0, 1, 1]} : f32[1,1,4,4] loc("Conv_0")
          return %y
        }
        """
        let compiled = try compileText(text)
        #expect(compiled.program.plans[0].operators.map(\.qualifiedName) == ["aten::constant_pad_nd.out", "aten::convolution.out"])
        let x = try Tensor((0 ..< 16).map(Float.init), shape: [1, 1, 4, 4])
        let y = try runCompiled(compiled, [x])[0]
        // Each output sums x[i..i+1, j..j+1] with zero padding below and right (hand-computed).
        var expected: [Float] = []
        let v = floats(x)
        for i in 0 ..< 4 { for j in 0 ..< 4 {
            var s: Float = 0
            for di in 0 ..< 2 { for dj in 0 ..< 2 where i + di < 4 && j + dj < 4 { s += v[(i + di) * 4 + j + dj] } }
            expected.append(s)
        } }
        #expect(floats(y) == expected)
    }
}
