// The interpreter's fused calls (EdgeRuntime/Fusion.swift): a convolution applying the
// activation after it as it stores its outputs, and sigmoid → mul of one value as one silu pass.
import EdgeKernels
import EdgeProgram
import EdgeRuntime
import Testing

@Suite("Interpreter call fusion")
struct InterpreterFusionTests {
    static let text = """
    module @fusion

    func @main(%x: f32[1,4,6,6], %wi: f32[4,4,3,3]) -> (f32[1,4,6,6]) {
      %w = edge.constant {value = dense<0.125>} : f32[4,4,3,3]
      %b = edge.constant {value = dense<[-0.5, 0.25, -0.125, 0.5]>} : f32[4]
      %c1 = edge.conv2d(%x, %w, %b) {stride = [1, 1], padding = [1, 1]} : f32[1,4,6,6]
      %r = edge.relu(%c1) : f32[1,4,6,6]
      %c2 = edge.conv2d(%r, %w, %b) {stride = [1, 1], padding = [1, 1]} : f32[1,4,6,6]
      %k = edge.clamp(%c2) {min = 0.0, max = 0.3} : f32[1,4,6,6]
      %c3 = edge.conv2d(%k, %w, %b) {stride = [1, 1], padding = [1, 1]} : f32[1,4,6,6]
      %s3 = edge.sigmoid(%c3) : f32[1,4,6,6]
      %m3 = edge.mul(%c3, %s3) : f32[1,4,6,6]
      %c4 = edge.conv2d(%m3, %w, %b) {stride = [1, 1], padding = [1, 1]} : f32[1,4,6,6]
      %g = edge.sigmoid(%c4) : f32[1,4,6,6]
      %m = edge.mul(%x, %g) : f32[1,4,6,6]
      %t = edge.sigmoid(%m) : f32[1,4,6,6]
      %u = edge.mul(%m, %t) : f32[1,4,6,6]
      %wa = edge.mul(%wi, %wi) : f32[4,4,3,3]
      %c5 = edge.conv2d(%u, %wa, %b) {stride = [1, 1], padding = [1, 1]} : f32[1,4,6,6]
      %r5 = edge.relu(%c5) : f32[1,4,6,6]
      return %r5
    }
    """

    @Test("fused calls give the kernels' values and are named in the profile")
    func fusedCalls() throws {
        let compiled = try compileText(Self.text)
        let loaded = try ProgramReader.read(ProgramWriter.serialize(compiled.program))
        let interpreter = try Interpreter(loaded.program)
        let names = interpreter.callNames
        // A pair fuses only when the activation's out does not share memory with what the conv
        // reads; the planner starts such outs' lifetimes at the conv where that does not raise
        // the arena's lower bound (PlanBuilder.keepEpiloguesApart), so here every pair fuses.
        for expected in ["aten::convolution.out+relu", "aten::convolution.out+clamp", "aten::convolution.out+sigmoid+mul (silu)",
                         "aten::convolution.out+sigmoid", "aten::sigmoid.out+mul (silu)"] {
            #expect(names.contains(expected), "\(expected) not in \(names)")
        }
        #expect(names.filter { $0 == "aten::convolution.out+relu" }.count == 2, "\(names)")
        #expect(names.filter { $0.hasSuffix("(fused into the call before)") }.count == 7, "\(names)")
        #expect(names.count == interpreter.instructionCount)
        // The last conv's weight is computed in the arena and dies at the conv: the fused relu
        // must not write where the planner may have put it.
        let x = try wave([1, 4, 6, 6]), wi = try wave([4, 4, 3, 3], phase: 1)
        let got = try interpreter.run([x, wi])[0]

        // The same with EdgeKernels, call by call.
        let w = try Tensor([Float](repeating: 0.125, count: 144), shape: [4, 4, 3, 3]), b = try Tensor([-0.5, 0.25, -0.125, 0.5] as [Float])
        let params = Conv2DParams(padding: Padding2D(1, 1))
        func conv(_ t: Tensor) throws -> Tensor { try Conv2D.run(t, weight: w, bias: b, params: params) }
        func silu(_ t: Tensor) throws -> Tensor {
            var out = try Tensor(zeros: t.shape)
            try t.withView { v in try out.withMutableView { try Math.silu(input: v, output: $0) } }
            return out
        }
        let r = try Unary.run(.relu, try conv(x))
        let k = try Unary.run(.clamp(min: 0, max: 0.3), try conv(r))
        let m3 = try silu(try conv(k))
        let m = try Binary.run(.mul, x, try Math.run(.sigmoid, try conv(m3)))
        let u = try silu(m)
        let wa = try Binary.run(.mul, wi, wi)
        let expected = try Unary.run(.relu, try Conv2D.run(u, weight: wa, bias: b, params: params))
        #expect(floats(got).map(\.bitPattern) == floats(expected).map(\.bitPattern))
        // x·sigmoid(x) in one pass is within a few ulp of sigmoid, then mul (the unfused calls).
        let unfused = try Unary.run(.relu, try Conv2D.run(try Binary.run(.mul, m, try Math.run(.sigmoid, m)), weight: wa, bias: b, params: params))
        #expect(maxError(got, unfused) <= 1e-5)
    }

    /// Where keeping the activation's out apart from the conv's input would raise the arena's
    /// lower bound (here: the input, the conv's out and the clamp's out would be live at once),
    /// the plan stays at the bound and the pair runs as two calls.
    @Test func epilogueNeverRaisesTheArena() throws {
        let text = """
        module @peak

        func @main(%x: f32[1,4,6,6]) -> (f32[1,4,6,6]) {
          %w = edge.constant {value = dense<0.125>} : f32[4,4,3,3]
          %c = edge.conv2d(%x, %w) {stride = [1, 1], padding = [1, 1]} : f32[1,4,6,6]
          %k = edge.clamp(%c) {min = 0.0, max = 0.3} : f32[1,4,6,6]
          return %k
        }
        """
        let compiled = try compileText(text)
        #expect(compiled.memory.arenaSize == compiled.memory.lowerBound)
        #expect(compiled.memory.lowerBound == 2 * 576, "\(compiled.memory)")
        let interpreter = try Interpreter(try ProgramReader.read(ProgramWriter.serialize(compiled.program)).program)
        #expect(interpreter.callNames == ["aten::convolution.out", "aten::clamp.out"])
        let x = try wave([1, 4, 6, 6])
        let w = try Tensor([Float](repeating: 0.125, count: 144), shape: [4, 4, 3, 3])
        let expected = try Unary.run(.clamp(min: 0, max: 0.3), try Conv2D.run(x, weight: w, params: Conv2DParams(padding: Padding2D(1, 1))))
        #expect(floats(try interpreter.run([x])[0]).map(\.bitPattern) == floats(expected).map(\.bitPattern))
    }

    /// Packed weight copies count against the memory limit: with a limit that leaves no room for
    /// them the interpreter packs in every call instead, with the same results.
    @Test func packingRespectsTheMemoryLimit() throws {
        let compiled = try compileText(Self.text)
        let program = try ProgramReader.read(ProgramWriter.serialize(compiled.program)).program
        let packing = try Interpreter(program)
        #expect(packing.packedWeightBytes > 0)
        let constants = program.constantBuffers.reduce(0) { $0 + ($1.count + 63) / 64 * 64 }
        let tight = try Interpreter(program, maxMemory: MemoryLimit(bytes: compiled.memory.arenaSize + constants))
        #expect(tight.packedWeightBytes == 0)
        let x = try wave([1, 4, 6, 6]), wi = try wave([4, 4, 3, 3], phase: 1)
        let a = try packing.run([x, wi])[0], b = try tight.run([x, wi])[0]
        #expect(floats(a).map(\.bitPattern) == floats(b).map(\.bitPattern))
    }

    /// A linear layer's constant weight is packed for products of several rows, not for a
    /// single row (a vector-matrix product reads the weight as it is).
    @Test(arguments: [1, 3])
    func linearWeightPackedOnlyForSeveralRows(_ rows: Int) throws {
        let text = """
        module @linear

        func @main(%x: f32[\(rows),8]) -> (f32[\(rows),5]) {
          %w = edge.constant {value = dense<0.25>} : f32[5,8]
          %b = edge.constant {value = dense<0.5>} : f32[5]
          %y = edge.linear(%x, %w, %b) : f32[\(rows),5]
          return %y
        }
        """
        let compiled = try compileText(text)
        let interpreter = try Interpreter(try ProgramReader.read(ProgramWriter.serialize(compiled.program)).program)
        #expect((interpreter.packedWeightBytes > 0) == (rows > 1), "\(interpreter.packedWeightBytes) bytes packed")
        let x = try wave([rows, 8])
        let got = floats(try interpreter.run([x])[0]), xs = floats(x)
        for r in 0..<rows {
            let expected = 0.25 * xs[(r * 8)..<(r * 8 + 8)].reduce(0, +) + 0.5
            for c in 0..<5 { #expect(abs(got[r * 5 + c] - expected) <= 1e-5, "row \(r) column \(c)") }
        }
    }
}
