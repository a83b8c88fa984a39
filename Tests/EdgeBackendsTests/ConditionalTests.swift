import EdgeBackends
import EdgeCompiler
import EdgeIR
import EdgeKernels
import EdgeProgram
import EdgeRuntime
import Foundation
import Testing

/// Run-time `edge.if`: lowered to JumpFalseCall around inlined branches (Rules/ControlFlow.swift).
@Suite("edge.if lowered to JumpFalseCall")
struct ConditionalTests {
    static let w: [Float] = [0.5, -1.0, 2.0, 0.25, 1.5, 0.0, -0.5, 1.0, 0.75, 0.25, -2.0, 1.0, 0.0, 1.0, 0.5, -1.5]

    /// What Grammar/examples/runtime_if.eir computes, written out.
    static func expected(_ x: [Float]) -> (y: [Float], score: Float) {
        let energy = x.map { $0 * $0 }.reduce(0, +) / Float(x.count)
        guard energy > 1 else { return (x.map { $0 * 0.5 }, -1) }
        var h = [Float](repeating: 0, count: 8)
        for i in 0 ..< 2 { for j in 0 ..< 4 { for k in 0 ..< 4 { h[i * 4 + j] += x[i * 4 + k] * w[k * 4 + j] } } }
        return (energy > 4 ? h.map { Float(Foundation.tanh(Double($0))) } : h, energy)
    }

    @Test func everyPathOfANestedIfComputesItsBranch() throws {
        let compiled = try compileExample("runtime_if")
        let plan = try #require(compiled.program.plans.first)
        let jumps = plan.instructions.compactMap { i -> Int32? in if case let .jumpFalse(_, d) = i { return d } else { return nil } }
        #expect(jumps.count == 4, "two Ifs, two jumps each")
        #expect(jumps.allSatisfy { $0 > 0 && Int($0) <= plan.instructions.count })
        try checkNoLiveOverlap(plan)
        // quiet (else), loud (then, inner else: returns its argument), very loud (then, inner then).
        for scale: Float in [0.3, 1.4, 3] {
            let x = try wave([2, 4], phase: 0.5)
            let scaled = try Tensor(floats(x).map { $0 * scale }, shape: [2, 4])
            let out = try runCompiled(compiled, [scaled])
            let (y, score) = Self.expected(floats(scaled))
            #expect(zip(floats(out[0]), y).allSatisfy { abs($0 - $1) <= 1e-5 }, "scale \(scale): \(floats(out[0])) vs \(y)")
            #expect(abs(floats(out[1])[0] - score) <= 1e-6, "scale \(scale)")
        }
        // The same input compiles to the same bytes.
        #expect(ProgramWriter.serialize(try compileExample("runtime_if").program) == ProgramWriter.serialize(compiled.program))
    }

    @Test func aBranchThatCallsItselfIsALoweringErrorNotAHang() throws {
        let text = """
        func @main(%x: f32[2], %c: bool[]) -> f32[2] {
          %y = edge.if(%c, %x, %c) {then_branch = @again, else_branch = @done} : f32[2] loc("outer")
          return %y
        }
        func @again(%x: f32[2], %c: bool[]) -> f32[2] {
          %y = edge.if(%c, %x, %c) {then_branch = @round, else_branch = @done} : f32[2] loc("loop")
          return %y
        }
        func @round(%x: f32[2], %c: bool[]) -> f32[2] {
          %y = edge.if(%c, %x, %c) {then_branch = @again, else_branch = @done} : f32[2] loc("trip")
          return %y
        }
        func @done(%x: f32[2], %c: bool[]) -> f32[2] {
          return %x
        }
        """
        do {
            _ = try compileText(text)
            Issue.record("a recursive branch compiled")
        } catch {
            #expect("\(error)".contains("calls itself (@again -> @round -> @again)"), "\(error)")
        }
    }

    @Test func branchesThatReturnDifferentTypesAreAVerifierError() throws {
        let text = """
        func @main(%x: f32[2], %c: bool[]) -> f32[2] {
          %y = edge.if(%c, %x) {then_branch = @a, else_branch = @b} : f32[2]
          return %y
        }
        func @a(%x: f32[2]) -> f32[2] {
          return %x
        }
        func @b(%x: f32[2]) -> f32[1,2] {
          %r = edge.reshape(%x) {shape = [1, 2]} : f32[1,2]
          return %r
        }
        """
        do {
            _ = try IRFile.parse(text, fileName: "bad.eir")
            Issue.record("branches of different types parsed")
        } catch {
            #expect("\(error)".contains("the branches return different types"), "\(error)")
        }
        let notBool = text.replacingOccurrences(of: "%c: bool[]", with: "%c: f32[]")
        do {
            _ = try IRFile.parse(notBool, fileName: "bad.eir")
            Issue.record("a float condition parsed")
        } catch {
            #expect("\(error)".contains("the condition must be a bool tensor of one element, got f32[]"), "\(error)")
        }
    }

    @Test func theReaderChecksJumpsAndTheInterpreterRunsMoves() throws {
        var program = try compileExample("runtime_if").program
        let count = program.plans[0].instructions.count
        let k = try #require(program.plans[0].instructions.firstIndex { if case .jumpFalse = $0 { return true } else { return false } })
        guard case let .jumpFalse(c, _) = program.plans[0].instructions[k] else { return }
        var broken = program
        broken.plans[0].instructions[k] = .jumpFalse(condition: c, destination: Int32(count + 1))
        #expect(throws: ProgramError.self) { try ProgramReader.read(ProgramWriter.serialize(broken)) }
        do { _ = try ProgramReader.read(ProgramWriter.serialize(broken)) } catch {
            #expect("\(error)".contains("instruction \(k) (JumpFalseCall) jumps to instruction \(count + 1), but there are \(count) instructions"), "\(error)")
        }
        var wrongCondition = program
        wrongCondition.plans[0].instructions[k] = .jumpFalse(condition: program.plans[0].inputs[0], destination: 0)
        do { _ = try ProgramReader.read(ProgramWriter.serialize(wrongCondition)); Issue.record("a float condition was read") } catch {
            #expect("\(error)".contains("is a Tensor"), "\(error)")
        }
        // A jump to itself reads and loads (ExecuTorch's loops jump back); on a quiet input (the
        // condition false) it would spin forever, so the interpreter stops after its jump budget.
        var looping = program
        looping.plans[0].instructions[k] = .jumpFalse(condition: c, destination: Int32(k))
        let readBack = try ProgramReader.read(ProgramWriter.serialize(looping))
        let spinning = try Interpreter(readBack.program)
        spinning.maxJumpsBack = 50
        do { _ = try spinning.run([try Tensor(floats(try wave([2, 4])).map { $0 * 0.1 }, shape: [2, 4])]); Issue.record("a jump to itself returned") } catch {
            #expect("\(error)".contains("instruction \(k)") && "\(error)".contains("jumped back 50 times in one run"), "\(error)")
        }
        // A MoveCall appended after the last instruction moves the input (f32[2,4], as output 0
        // is) into output 0: the interpreter copies its bytes, so the program returns its input.
        let input = program.plans[0].inputs[0], output = program.plans[0].outputs[0]
        program.plans[0].instructions.append(.move(from: input, to: output))
        program.plans[0].stacktrace?.append(FrameList())
        let loaded = try ProgramReader.read(ProgramWriter.serialize(program))
        #expect(loaded.program.plans[0].instructions.last == .move(from: input, to: output))
        let x = try wave([2, 4])
        let out = try Interpreter(loaded.program).run([x])
        #expect(floats(out[0]) == floats(x))
    }
}
