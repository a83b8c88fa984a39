import EdgeProgram
import Foundation
import Testing

/// The chain's `stacktrace` (one `FrameList` per instruction) through the writer and the
/// verified reader.
@Suite struct StacktraceTests {
    static var withFrames: Program {
        var p = Samples.addRelu
        p.plans[0].stacktrace = [
            FrameList([Frame(filename: "model.py", lineno: 12, name: "add_1", context: "x + w"), Frame(name: "outer")]),
            FrameList([Frame(name: "Relu_7")]),
        ]
        return p
    }

    @Test func framesRoundTrip() throws {
        let program = Self.withFrames
        let read = try ProgramReader.read(ProgramWriter.serialize(program))
        #expect(read.program == program)
        let plan = read.program.plans[0]
        #expect(plan.stacktrace?.count == plan.instructions.count)
        #expect(plan.stacktrace?[0].items[0] == Frame(filename: "model.py", lineno: 12, name: "add_1", context: "x + w"))
        #expect(plan.stacktrace?[1].items == [Frame(name: "Relu_7")])
    }

    @Test func absentFieldsStayAbsent() throws {
        var p = Samples.addRelu
        p.plans[0].stacktrace = [FrameList([Frame(filename: "only_file.py")]), FrameList()]
        let plan = try ProgramReader.read(ProgramWriter.serialize(p)).program.plans[0]
        #expect(plan.stacktrace?[0].items == [Frame(filename: "only_file.py")])
        #expect(plan.stacktrace?[0].items[0].name == nil && plan.stacktrace?[0].items[0].lineno == 0)
        #expect(plan.stacktrace?[1].items == [])
        #expect(plan.source(ofInstruction: 1) == nil)
    }

    @Test func programWithoutFramesHasNoStacktrace() throws {
        let plan = try ProgramReader.read(ProgramWriter.serialize(Samples.addRelu)).program.plans[0]
        #expect(plan.stacktrace == nil)
        #expect(plan.describeInstruction(1) == "instruction 1 (kernel aten::relu.out)")
    }

    @Test func instructionsAreDescribedByTheirNode() {
        let plan = Self.withFrames.plans[0]
        #expect(plan.describeInstruction(1) == "instruction 1 (kernel aten::relu.out at node \"Relu_7\")")
        #expect(plan.source(ofInstruction: 0) == "\"add_1\" (model.py:12) via \"outer\"")
        #expect(plan.source(ofInstruction: 2) == nil)
    }

    /// A stacktrace that does not have one frame list per instruction is rejected by name.
    @Test func wrongFrameListCountIsRejected() throws {
        var p = Samples.addRelu
        p.plans[0].stacktrace = [FrameList([Frame(name: "only_one")])]
        #expect { try ProgramReader.read(ProgramWriter.serialize(p)) } throws: {
            "\($0)".contains("stacktrace has 1 frame lists for 2 instructions")
        }
    }

    /// Damaged copies of a program with frames are rejected or read, never trusted blindly
    /// (the verifier checks every offset of the new tables like the rest).
    @Test func damagedFramesNeverCrash() throws {
        let bytes = ProgramWriter.serialize(Self.withFrames)
        var rejected = 0
        for i in stride(from: 8, to: bytes.count, by: 3) {
            for v: UInt8 in [0xFF, 0x7F] {
                var damaged = bytes
                damaged[i] = v
                if (try? ProgramReader.read(damaged)) == nil { rejected += 1 }
            }
        }
        #expect(rejected > 0)
    }
}
