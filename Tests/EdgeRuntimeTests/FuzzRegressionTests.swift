import EdgeKernels
import EdgeProgram
import EdgeRuntime
import Foundation
import Testing

/// Inputs that crashed a fuzz harness (Scripts/fuzz.sh), kept byte for byte; each must now be
/// rejected with an error.
@Suite struct RuntimeFuzzRegressionTests {
    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i ..< j], radix: 16)!)
            i = j
        }
        return out
    }

    /// fuzz-npy: a header whose shape has a ')' before the first '(' (`'shape': 0), ... (`)
    /// sliced a backwards range (trap).
    @Test func aShapeClosedBeforeItOpensIsAnError() {
        let input = Self.bytes("934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a202020202020202030292c207d2020202020202020e920e0dfdfe62020202020202020202020202020202020202020202820202020202020207472616e5f6f72646572202020202020202020202020200af4846440175fd983c0662bcebe0431833f82f84fbfba6579c0")
        #expect(throws: RuntimeError.self) { try NPY.decode(input) }
    }
}

@Suite struct RuntimeFuzzLimitTests {
    /// fuzz-pte: a mutated program planning a 4 GB arena, which the interpreter allocated at
    /// load (libFuzzer: out-of-memory). Under `--max-memory` it is now a load error.
    @Test func aFourGigabyteArenaIsRejectedUnderTheLimit() throws {
        let url = fixtures.deletingLastPathComponent().appendingPathComponent("fuzz/pte-arena-4gb.pte")
        let program = try ProgramReader.read([UInt8](try Data(contentsOf: url))).program
        var rejected = 0
        for plan in program.plans {
            do {
                _ = try Interpreter(program, method: plan.name, maxMemory: MemoryLimit(bytes: 512 << 20))
            } catch {
                if error.message.contains("over --max-memory 512 MB") { rejected += 1 }
            }
        }
        #expect(rejected >= 1)
    }
}
