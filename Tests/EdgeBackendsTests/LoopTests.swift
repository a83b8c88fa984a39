import EdgeBackends
import EdgeCompiler
import EdgeIR
import EdgeKernels
import EdgeProgram
import EdgeRuntime
import Foundation
import Testing

/// Run-time `edge.loop`: a loop in the plan (Rules/ControlFlow.swift), a jump back that the
/// memory plan and the interpreter both honour.
@Suite("edge.loop lowered to a loop in the plan")
struct LoopTests {
    static let w: [Float] = [0.5, -1.0, 2.0, 0.25, 1.5, 0.0, -0.5, 1.0, 0.75, 0.25, -2.0, 1.0, 0.0, 1.0, 0.5, -1.5]

    /// What Grammar/examples/runtime_loop.eir computes, written out.
    static func expected(_ x: [Float], steps: Int64) -> (y: [Float], previous: [Float], count: Int64) {
        var y = x, previous = [Float](repeating: 0, count: 4), count: Int64 = 0, more = true, i: Int64 = 0
        while more, i < steps {
            var h = [Float](repeating: 0, count: 4)
            for j in 0 ..< 4 { for k in 0 ..< 4 { h[j] += y[k] * w[k * 4 + j] } }
            let next = (0 ..< 4).map { Float(Foundation.tanh(Double(h[$0]))) * 0.25 + x[$0] }
            let change = zip(next, y).map { abs($0 - $1) }.reduce(0, +) / 4
            more = change > 0.001
            (previous, y) = (y, next)
            count += 1
            i += 1
        }
        return (y, previous, count)
    }

    @Test func theLoopRunsAsManyIterationsAsItsCountAndConditionSay() throws {
        let compiled = try compileExample("runtime_loop")
        let plan = try #require(compiled.program.plans.first)
        let jumps = plan.instructions.enumerated().compactMap { k, i -> (Int, Int)? in
            if case let .jumpFalse(_, d) = i { return (k, Int(d)) } else { return nil }
        }
        #expect(jumps.count == 2, "one jump out of the loop, one back")
        #expect(jumps.contains { $0.1 <= $0.0 }, "a jump back")
        try checkLoopLifetimes(plan)
        let x = try Tensor([Float]([0.3, -0.2, 0.1, 0.05]), shape: [1, 4])
        var counts: Set<Int64> = []
        for steps: Int64 in [0, 1, 2, 5, 1000] {
            let out = try runCompiled(compiled, [x, try Tensor([steps], shape: [])])
            let (y, previous, count) = Self.expected(floats(x), steps: steps)
            #expect(zip(floats(out[0]), y).allSatisfy { abs($0 - $1) <= 1e-5 }, "steps \(steps): y \(floats(out[0])) vs \(y)")
            #expect(zip(floats(out[1]), previous).allSatisfy { abs($0 - $1) <= 1e-5 }, "steps \(steps): previous \(floats(out[1])) vs \(previous)")
            #expect(out[2].int64s() == [count], "steps \(steps)")
            counts.insert(count)
        }
        #expect(counts.count == 5, "the condition ends the loop before 1000 steps, each count differs: \(counts.sorted())")
        #expect(!counts.contains(1000))
        // The same input compiles to the same bytes.
        #expect(ProgramWriter.serialize(try compileExample("runtime_loop").program) == ProgramWriter.serialize(compiled.program))
    }

    @Test func aLoopThatNeverEndsStopsWithAnErrorInTheInterpreter() throws {
        // The condition is the input itself and the body returns it unchanged.
        let text = """
        func @main(%x: f32[2], %c: bool[]) -> f32[2] {
          %n = edge.constant {value = dense<9223372036854775807>} : i64[]
          %y = edge.loop(%n, %c, %x) {body = @spin} : f32[2] loc("spin")
          return %y
        }
        func @spin(%i: i64[], %c: bool[], %x: f32[2]) -> (bool[], f32[2]) {
          %t = edge.constant {value = dense<true>} : bool[]
          %y = edge.neg(%x) : f32[2] loc("flip")
          return %t, %y
        }
        """
        let compiled = try compileText(text)
        let loaded = try ProgramReader.read(ProgramWriter.serialize(compiled.program))
        let interpreter = try Interpreter(loaded.program)
        interpreter.maxJumpsBack = 1001
        let x = try Tensor([Float]([1, -2]), shape: [2])
        // With the condition false the loop runs no iteration.
        let none = try interpreter.run([x, try Tensor([false], shape: [])])
        #expect(floats(none[0]) == [1, -2])
        do {
            _ = try interpreter.run([x, try Tensor([true], shape: [])])
            Issue.record("an endless loop returned")
        } catch {
            #expect("\(error)".contains("the program jumped back 1001 times in one run (a loop that does not end?)"), "\(error)")
        }
    }

    @Test func bodyAndCarriedTypesAreVerifierErrors() throws {
        let text = """
        func @main(%x: f32[2], %n: i64[]) -> f32[2] {
          %c = edge.constant {value = dense<true>} : bool[]
          %y = edge.loop(%n, %c, %x) {body = @grow} : f32[2]
          return %y
        }
        func @grow(%i: i64[], %c: bool[], %x: f32[2]) -> (bool[], f32[1,2]) {
          %r = edge.reshape(%x) {shape = [1, 2]} : f32[1,2]
          return %c, %r
        }
        """
        do {
            _ = try IRFile.parse(text, fileName: "bad.eir")
            Issue.record("a carried value that changes type parsed")
        } catch {
            #expect("\(error)".contains("carried value #0 enters the loop as f32[2] but body @grow returns f32[1,2]"), "\(error)")
        }
        let floatTrips = text.replacingOccurrences(of: "%n: i64[]", with: "%n: f32[]")
        do {
            _ = try IRFile.parse(floatTrips, fileName: "bad.eir")
            Issue.record("a float trip count parsed")
        } catch {
            #expect("\(error)".contains("max_trips must be an int64 tensor of one element, got f32[]"), "\(error)")
        }
    }

    @Test func theMemoryPlanKeepsWhatALoopReadsLiveToTheJumpBack() {
        let b = PlanBuilder()
        let x = b.planned(.float, [4]), y = b.planned(.float, [4])
        let go = b.planned(.bool, [1])
        try? b.call(.clone, ["self": x, "out": y])  // 0: y made before the loop
        let top = b.nextInstruction
        let exit = b.jumpFalse(go)                  // 1
        try? b.call(.clone, ["self": y, "out": x])  // 2: the last instruction naming y
        let late = b.planned(.float, [4])
        try? b.call(.clone, ["self": x, "out": late])  // 3
        b.jumpFalse(b.bool(false), destination: top)  // 4: back to 1
        b.setDestination(of: exit)
        let lifetimes = b.lifetimes(inputs: [], outputs: [x])
        #expect(lifetimes[1].lastUse == 4, "y is read again in the next iteration, so it lives to the jump back")
        #expect(lifetimes[3].firstUse == 3 && lifetimes[3].lastUse == 3, "a value made and read inside the loop keeps its own span")
    }
}

/// Every storage a loop reads but that was made before it stays live to the loop's jump back:
/// an independent check of the plan's lifetimes, as written in the program.
func checkLoopLifetimes(_ plan: ExecutionPlan) throws {
    var first: [Int: Int] = [:], last: [Int: Int] = [:]
    for (s, i) in plan.instructions.enumerated() {
        for v in i.valueIndices where plan.values[Int(v)].tensor?.allocation != nil {
            first[Int(v)] = min(first[Int(v)] ?? s, s)
            last[Int(v)] = max(last[Int(v)] ?? s, s)
        }
    }
    for (b, i) in plan.instructions.enumerated() {
        guard case let .jumpFalse(_, d) = i, Int(d) <= b else { continue }
        for (v, f) in first where f < Int(d) && last[v]! >= Int(d) {
            let t = plan.values[v].tensor!
            for (u, g) in first where u != v && g > last[v]! && g <= b {
                let o = plan.values[u].tensor!
                let (oa, ob) = (Int(t.allocation!.offset), Int(o.allocation!.offset))
                if oa < ob + o.byteCount! && ob < oa + t.byteCount! && t.byteCount! > 0 && o.byteCount! > 0 && oa != ob {
                    Issue.record("value %\(v), read by the loop \(d)...\(b) and made before it, shares bytes with %\(u) made later in the loop")
                }
            }
        }
    }
}
