import EdgeProgram
import FlatBuffers
import Foundation
import Testing

/// Damaged and hand-crafted `.pte` files are rejected with an error, never a crash.
@Suite struct HostileProgramTests {
    static let good = ProgramWriter.serialize(Samples.addRelu)

    /// Reads `bytes`, expecting a `ProgramError` whose message contains `fragment`.
    func expectRejected(_ bytes: [UInt8], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try ProgramReader.read(bytes)
            Issue.record("accepted a bad program (expected: \(fragment))", sourceLocation: sourceLocation)
        } catch {
            #expect(error.message.contains(fragment), "message: \(error.message)", sourceLocation: sourceLocation)
        }
    }

    func mutated(_ change: (inout ExecutionPlan) -> Void) -> [UInt8] {
        var program = Samples.addRelu
        change(&program.plans[0])
        return ProgramWriter.serialize(program)
    }

    @Test func everyTruncationIsRejected() {
        for length in 0 ..< Self.good.count {
            #expect(throws: ProgramError.self) { try ProgramReader.read(Array(Self.good.prefix(length))) }
        }
    }

    @Test func bitFlipsNeverCrash() {
        var accepted = 0, rejected = 0
        for byte in 0 ..< Self.good.count {
            for bit in [0, 3, 7] {
                var bytes = Self.good
                bytes[byte] ^= UInt8(1 << bit)
                if (try? ProgramReader.read(bytes)) != nil { accepted += 1 } else { rejected += 1 }
            }
        }
        // Flips in constant data or padding are harmless; flips in structure must be caught.
        #expect(rejected > Self.good.count / 2)
        #expect(accepted + rejected == Self.good.count * 3)
    }

    @Test func wrongIdentifierAndHeader() {
        var bytes = Self.good
        bytes[4] = UInt8(ascii: "X")
        expectRejected(bytes, "file identifier")
        bytes = Self.good
        bytes[16] = 0xFF; bytes[17] = 0xFF; bytes[18] = 0xFF  // program size far past the end
        expectRejected(bytes, "program size")
        bytes = Self.good
        bytes[32] = 0xFF; bytes[33] = 0xFF  // segment data size past the end
        expectRejected(bytes, "segment data")
    }

    @Test func arenaOffsetOutsideThePlannedBuffer() {
        expectRejected(mutated { $0.values[3] = .tensor(TensorValue(scalarType: .float, sizes: [2, 3], allocation: Allocation(memoryID: 1, offset: 48))) },
                       "lie outside planned buffer 1")
        expectRejected(mutated { $0.values[3] = .tensor(TensorValue(scalarType: .float, sizes: [2, 3], allocation: Allocation(memoryID: 0, offset: 0))) },
                       "memory_id 0")
        expectRejected(mutated { $0.values[3] = .tensor(TensorValue(scalarType: .float, sizes: [2, 3], allocation: Allocation(memoryID: 1, offset: UInt64.max - 8))) },
                       "outside planned buffer")
    }

    @Test func operatorAndValueIndicesOutOfRange() {
        expectRejected(mutated { $0.instructions[1] = .kernelCall(opIndex: 7, args: [3, 4, 4]) }, "calls operator 7")
        expectRejected(mutated { $0.instructions[1] = .kernelCall(opIndex: -1, args: [3, 4, 4]) }, "calls operator -1")
        expectRejected(mutated { $0.instructions[0] = .kernelCall(opIndex: 0, args: [0, 1, 99, 3, 3]) }, "refers to value 99")
        expectRejected(mutated { $0.inputs = [2] }, "not a Tensor")
        expectRejected(mutated { $0.outputs = [-3] }, "refers to value -3")
        expectRejected(mutated { $0.values[8] = .intList([0]) }, "is not an Int value")
        expectRejected(mutated { $0.values[9] = .tensorList([2]) }, "is not a Tensor value")
    }

    @Test func tensorSizesThatOverflowOrAreNegative() {
        expectRejected(mutated { $0.values[3] = .tensor(TensorValue(scalarType: .double, sizes: [Int32.max, Int32.max, Int32.max], allocation: Allocation(memoryID: 1, offset: 0))) },
                       "overflows")
        expectRejected(mutated { $0.values[3] = .tensor(TensorValue(scalarType: .float, sizes: [-1, 3], allocation: Allocation(memoryID: 1, offset: 0))) },
                       "negative")
        expectRejected(mutated { $0.values[3] = .tensor(TensorValue(scalarType: .float, sizes: [2, 3], dimOrder: [0, 0], allocation: Allocation(memoryID: 1, offset: 0))) },
                       "dim_order")
    }

    @Test func constantBufferIndexOrSizeOutOfRange() {
        expectRejected(mutated { $0.values[1] = .tensor(TensorValue(scalarType: .float, sizes: [2, 3], dataBufferIndex: 5)) }, "data_buffer_idx 5")
        expectRejected(mutated { $0.values[1] = .tensor(TensorValue(scalarType: .float, sizes: [4, 3], dataBufferIndex: 1)) }, "constant buffer 1 holds")
        expectRejected(mutated { $0.nonConstBufferSizes = [0, -64] }, "negative")
    }

    @Test func unknownUnionTagsAndScalarTypes() {
        // A hand-built program whose only value has union tag 42.
        var b = FlatBufferBuilder()
        b.startTable()
        let empty = b.endTable()
        b.startTable()
        b.addUnion(slot: 0, type: 42, value: empty)
        let value = b.endTable()
        let values = b.createVector(offsets: [value])
        b.startTable()
        b.addOffset(slot: 2, values)
        let plan = b.endTable()
        let plans = b.createVector(offsets: [plan])
        b.startTable()
        b.addOffset(slot: 1, plans)
        let root = b.endTable()
        expectRejected(b.finish(root, fileIdentifier: "ET12"), "unknown union type 42")

        // Scalar type 9 (complex) is not one edgec knows.
        var bytes = mutated { _ in }
        let loaded = try! ProgramReader.read(bytes)
        #expect(loaded.program.plans[0].values[0].tensor?.scalarType == .float)
        if let at = findTensorScalarType(in: bytes) {
            bytes[at] = 9
            expectRejected(bytes, "unknown scalar type 9")
        } else {
            Issue.record("scalar type byte not found")
        }
    }

    /// Position of the first tensor's scalar_type byte (value 6 = FLOAT), located by trying each candidate.
    func findTensorScalarType(in bytes: [UInt8]) -> Int? {
        for i in bytes.indices where bytes[i] == 6 {
            var copy = bytes
            copy[i] = 7
            if let p = try? ProgramReader.read(copy), p.program.plans[0].values[0].tensor?.scalarType == .double { return i }
        }
        return nil
    }

    @Test func nonKernelInstructionsAndMissingPlansAreRejected() {
        var program = Samples.addRelu
        program.plans = []
        expectRejected(ProgramWriter.serialize(program), "no execution plan")
    }
}
