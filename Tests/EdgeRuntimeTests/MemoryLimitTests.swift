import EdgeKernels
import EdgeProgram
import EdgeRuntime
import Foundation
import Testing

/// Programs that plan more memory than `--max-memory` are rejected at load, before the arena is
/// allocated, with a message naming the limit.
@Suite struct MemoryLimitTests {
    /// `fixture` with its arena size replaced, written and read back as a file would be.
    func withArena(_ bytes: Int64) throws -> Program {
        var program = try fixture("tiny_cnn.pte")
        program.plans[0].nonConstBufferSizes[program.plans[0].nonConstBufferSizes.count - 1] = bytes
        return try ProgramReader.read(ProgramWriter.serialize(program)).program
    }

    @Test func anArenaOf2To62BytesIsRejectedBeforeAllocating() throws {
        let program = try withArena(1 << 62)
        do {
            _ = try Interpreter(program, maxMemory: MemoryLimit(bytes: 8 << 30))
            Issue.record("loaded a program planning a 4 EB arena")
        } catch {
            #expect(error.message.contains("would allocate 4 EB, over --max-memory 8 GB"), "\(error.message)")
            #expect(error.message.contains("loading \"forward\""), "\(error.message)")
        }
        // The default limit (half of physical memory) rejects it too.
        #expect(throws: RuntimeError.self) { try Interpreter(program) }
    }

    @Test func theLimitCountsArenaPlusConstants() throws {
        let program = try fixture("tiny_cnn.pte")
        let arena = Int(program.plans[0].nonConstBufferSizes.last ?? 0)
        let constants = program.constantBuffers.reduce(0) { $0 + ($1.count + 63) / 64 * 64 }
        _ = try Interpreter(program, maxMemory: MemoryLimit(bytes: arena + constants))
        #expect(throws: RuntimeError.self) { try Interpreter(program, maxMemory: MemoryLimit(bytes: arena + constants - 1)) }
    }

    @Test func limitsParseAndPrint() {
        #expect(MemoryLimit(parsing: "8G")?.bytes == 8 << 30)
        #expect(MemoryLimit(parsing: "8GB")?.bytes == 8 << 30)
        #expect(MemoryLimit(parsing: "1.5m")?.bytes == 3 << 19)
        #expect(MemoryLimit(parsing: "512KiB")?.bytes == 512 << 10)
        #expect(MemoryLimit(parsing: "4096")?.bytes == 4096)
        for bad in ["", "G", "-1G", "0", "1e30", "12X", "nan"] { #expect(MemoryLimit(parsing: bad) == nil, "\(bad)") }
        #expect(MemoryLimit.format(4_000_000_000_000) == "3.6 TB")
        #expect(MemoryLimit.format(8 << 30) == "8 GB")
        #expect(MemoryLimit.format(1000) == "1000 bytes")
        #expect(MemoryLimit.default.bytes > 0)
        #expect(MemoryLimit(bytes: 10).overMessage("x", bytes: nil).contains("more than"))
    }
}
