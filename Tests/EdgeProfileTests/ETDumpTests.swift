import EdgeProfile
import EdgeProgram
import Foundation
import Testing

/// The fixture: Examples/tiny_cnn.onnx compiled by edgec (`tiny_cnn.pte`) and an ETDump of three
/// executions recorded by ExecuTorch 1.5.1's pip runtime (`Benchmarks/make_etdump.py`).
enum Fixture {
    static func bytes(_ name: String, _ ext: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures"))
        return [UInt8](try Data(contentsOf: url))
    }
    static func program() throws -> Program { try ProgramReader.read(try bytes("tiny_cnn", "pte")).program }
    static func etdump() throws -> [UInt8] { try bytes("tiny_cnn", "etdump") }
}

@Suite struct ETDumpTests {
    @Test func readsExecuTorchsOwnETDump() throws {
        let dump = try ETDump.read(try Fixture.etdump())
        // One RunData for loading, one per execute.
        #expect(dump.runs.count == 4)
        #expect(dump.executions.count == 3)
        let plan = try #require(try Fixture.program().plan(named: "forward"))
        for run in dump.executions {
            let calls = run.events.filter { $0.name == ETDump.operatorCall }
            // One OPERATOR_CALL per instruction, in order, and one native_call per kernel call.
            #expect(calls.map(\.instructionID) == (0 ..< Int32(plan.instructions.count)).map { $0 })
            #expect(run.events.filter { $0.name.hasPrefix("native_call_") }.count == plan.instructions.count)
            #expect(run.events.filter { $0.name == ETDump.methodExecute }.count == 1)
            for e in calls { #expect((e.duration ?? 0) > 0) }
        }
    }

    @Test func profileNamesTheSourceNodes() throws {
        let plan = try #require(try Fixture.program().plan(named: "forward"))
        let graph = ProgramGraph(plan)
        let report = try ProfileReport.fromETDump(try ETDump.read(try Fixture.etdump()), graph: graph, arenaBytes: 1, constantBytes: 2)
        #expect(report.runs == 3)
        #expect(report.rows.count == plan.instructions.count)
        for row in report.rows {
            #expect((row.median ?? 0) > 0, "instruction \(row.index) has no time")
            #expect(report.instructionTimes[row.index].count == 3)
        }
        // The user's ONNX node names, not instruction numbers.
        let nodes = Set(report.rows.map(\.node))
        for name in ["/conv1/Conv", "/conv2/Conv", "/conv3/Conv", "/Relu", "/MaxPool", "/ReduceMean", "/fc/Gemm"] {
            #expect(nodes.contains(name), "\(name) missing from \(nodes.sorted())")
        }
        // Every instruction's time lies within its execution's total.
        let sum = report.instructionTimes.map { Stats.median($0) }.reduce(0, +)
        #expect(sum <= Stats.median(report.totalTimes) * 1.5)
        let text = report.text()
        #expect(text.contains("/conv2/Conv  aten::convolution.out"))
        #expect(text.contains("over 3 runs"))
    }

    @Test func anETDumpOfAnotherProgramIsAnError() throws {
        var plan = try #require(try Fixture.program().plan(named: "forward"))
        // The same instruction count, but a different kernel at instruction 0.
        plan.operators[0] = Operator(name: "aten::gelu", overload: "out")
        #expect(throws: ETDumpError.self) {
            try ProfileReport.fromETDump(try ETDump.read(try Fixture.etdump()), graph: ProgramGraph(plan), arenaBytes: 0, constantBytes: 0)
        }
        // Fewer instructions than the ETDump names.
        var short = try #require(try Fixture.program().plan(named: "forward"))
        short.instructions.removeLast(3)
        do {
            _ = try ProfileReport.fromETDump(try ETDump.read(try Fixture.etdump()), graph: ProgramGraph(short), arenaBytes: 0, constantBytes: 0)
            Issue.record("a shorter program was accepted")
        } catch {
            #expect("\(error)".contains("instruction 7"), "\(error)")
        }
    }

    @Test func truncatedAndDamagedFilesAreErrors() throws {
        let bytes = try Fixture.etdump()
        for n in 0 ..< bytes.count {
            #expect(throws: ETDumpError.self) { try ETDump.read(Array(bytes.prefix(n))) }
        }
        // Bit flips: each is rejected with an error or read into some dump; never a crash.
        var rng = SplitMix(seed: 14)
        for _ in 0 ..< 3000 {
            var damaged = bytes
            let at = Int(rng.next() % UInt64(bytes.count))
            damaged[at] ^= UInt8(1 << (rng.next() % 8))
            _ = try? ETDump.read(damaged)
        }
        do { _ = try ETDump.read(Array("not an etdump at all".utf8)); Issue.record("accepted text") } catch {
            #expect("\(error)".hasPrefix("not a valid ETDump"))
        }
    }
}

/// A deterministic generator for damage positions.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
