import EdgeProgram
import Foundation
import Testing

@Suite struct ProgramRoundTripTests {
    @Test func writeThenReadGivesTheSameProgram() throws {
        let program = Samples.addRelu
        let bytes = ProgramWriter.serialize(program)
        let loaded = try ProgramReader.read(bytes)
        #expect(loaded.program.plans == program.plans)
        // Every constant but the last is padded to 16 bytes in the segment.
        #expect(loaded.program.constantBuffers.count == program.constantBuffers.count)
        for (read, written) in zip(loaded.program.constantBuffers, program.constantBuffers) {
            #expect(Array(read.prefix(written.count)) == written)
        }
        #expect(loaded.program.plans[0].ioNames == IONames(inputs: ["input.1"], outputs: ["y/out"]))
    }

    @Test func layoutMatchesExecuTorch() throws {
        let bytes = ProgramWriter.serialize(Samples.addRelu)
        #expect(Array(bytes[4 ..< 8]) == Array("ET12".utf8))
        #expect(Array(bytes[8 ..< 12]) == Array("eh00".utf8))
        let loaded = try ProgramReader.read(bytes)
        let header = try #require(loaded.header)
        #expect(header.segmentBaseOffset % 128 == 0)
        #expect(header.segmentBaseOffset >= header.programSize)
        #expect(Int(header.segmentBaseOffset + header.segmentDataSize) == bytes.count)
        #expect(header.segmentDataSize == 24)
    }

    @Test func programWithoutConstantsHasNoHeader() throws {
        var program = Samples.addRelu
        program.constantBuffers = [[]]
        program.plans[0].values[1] = .tensor(TensorValue(scalarType: .float, sizes: [2, 3], allocation: Allocation(memoryID: 1, offset: 32)))
        let bytes = ProgramWriter.serialize(program)
        #expect(Array(bytes[8 ..< 12]) != Array("eh00".utf8))
        let loaded = try ProgramReader.read(bytes)
        #expect(loaded.header == nil)
        #expect(loaded.program.plans == program.plans)
    }

    @Test(arguments: ["tiny_cnn.pte", "kitchen_sink.pte"])
    func readsProgramsExportedByExecuTorch(_ name: String) throws {
        let loaded = try ProgramReader.read(try Samples.fixture(name))
        let plan = try #require(loaded.program.plan(named: "forward"))
        #expect(plan.nonConstBufferSizes.first == 0)
        #expect(plan.operators.contains(Operator(name: "aten::convolution", overload: "out")))
        #expect(loaded.header?.segmentBaseOffset.isMultiple(of: 128) == true)
        if name == "tiny_cnn.pte" {
            #expect(plan.instructions.count == 6)
            #expect(plan.nonConstBufferSizes == [0, 16384])
            #expect(loaded.program.constantBuffers.count == 8)
            #expect(plan.values[0].tensor?.sizes == [8, 3, 3, 3])
        }
    }

    @Test func rewritingAnExecuTorchProgramKeepsItsPlan() throws {
        let original = try ProgramReader.read(try Samples.fixture("tiny_cnn.pte")).program
        let again = try ProgramReader.read(ProgramWriter.serialize(original)).program
        #expect(again.plans[0].values == original.plans[0].values)
        #expect(again.plans[0].instructions == original.plans[0].instructions)
        #expect(again.plans[0].operators == original.plans[0].operators)
    }
}
