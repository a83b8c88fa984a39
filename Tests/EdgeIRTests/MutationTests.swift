import Foundation
import Testing

@testable import EdgeIR

/// A small deterministic generator (SplitMix64), so failures reproduce.
struct SeededRandom: RandomNumberGenerator {
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

/// Feeds many damaged copies of the examples to the parser and verifier. Each must be
/// rejected with a diagnostic or accepted; none may crash. Accepted mutants must still
/// round-trip, and parse errors must carry a position inside the text.
@Suite struct MutationTests {
    static let fragments = [
        "%x", "%undefined", "edge.relu", "edge.nope", "f32[", "]", "[", "(", ")", "{", "}", "=", ":", ",",
        "-1", "0", "99999999999999999999", "1e999", "nan", "\"", "\\", "dense<", "#blob<\"missing\">",
        "?", "?n", "->", "return", "func @main() -> () {", "loc(", "module @m", "qi8<scale=", "\u{0}", "\u{FFFF}",
        "f32[4294967296,4294967296]", "none", "@main", "0x1", "0xZZ", "//", "\n",
    ]

    static func mutate(_ text: String, _ rng: inout SeededRandom) -> String {
        var bytes = Array(text.utf8)
        let edits = Int.random(in: 1...3, using: &rng)
        for _ in 0..<edits {
            guard !bytes.isEmpty else { break }
            let i = Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<7, using: &rng) {
            case 0:  // truncate
                bytes = Array(bytes[..<i])
            case 1:  // delete a span
                let n = Int.random(in: 1...12, using: &rng)
                bytes.removeSubrange(i..<min(bytes.count, i + n))
            case 2:  // insert a fragment
                bytes.insert(contentsOf: Array(fragments.randomElement(using: &rng)!.utf8), at: i)
            case 3:  // random garbage bytes
                bytes.insert(contentsOf: (0..<Int.random(in: 1...6, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: i)
            case 4:  // flip one bit
                bytes[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            case 5:  // duplicate a line
                let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                let k = Int.random(in: 0..<lines.count, using: &rng)
                var out = lines.map(Array.init)
                out.insert(Array(lines[k]), at: k)
                bytes = Array(out.joined(separator: [UInt8(ascii: "\n")]))
            default:  // swap two digits or names: change a digit
                if let j = bytes[i...].firstIndex(where: { $0 >= 0x30 && $0 <= 0x39 }) {
                    bytes[j] = UInt8.random(in: 0x30...0x39, using: &rng)
                }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test(arguments: try exampleFiles())
    func mutantsGetDiagnosticsNotCrashes(_ url: URL) throws {
        let original = try String(contentsOf: url, encoding: .utf8)
        var rng = SeededRandom(seed: url.lastPathComponent.utf8.reduce(0xED6E) { $0 &* 31 &+ UInt64($1) })
        var rejected = 0, accepted = 0
        for _ in 0..<400 {
            let text = Self.mutate(original, &rng)
            let lineCount = text.split(separator: "\n", omittingEmptySubsequences: false).count
            do {
                let module = try IRFile.parse(text, fileName: "mutant.eir")
                accepted += 1
                let printed = IRPrinter().print(module)
                let again = try IRFile.parse(printed, fileName: "printed.eir")
                #expect(IRPrinter().print(again) == printed, "accepted mutant does not round-trip:\n\(text)")
            } catch {
                rejected += 1
                for d in error.diagnostics {
                    #expect(!d.message.isEmpty)
                    if let p = d.position {
                        #expect(p.line >= 1 && p.line <= lineCount, "diagnostic line \(p.line) outside the text: \(d)")
                    }
                }
            }
        }
        // Most damage must be noticed.
        #expect(rejected > accepted, "only \(rejected) of \(rejected + accepted) mutants were rejected")
    }

    @Test func randomBytesAreRejected() {
        var rng = SeededRandom(seed: 42)
        for _ in 0..<300 {
            let bytes = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let text = String(decoding: bytes, as: UTF8.self)
            if let _ = try? IRFile.parse(text, fileName: "random.eir"), !text.allSatisfy(\.isWhitespace) {
                // Only empty-ish input may parse (an empty module).
                #expect(text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("//"), "random bytes accepted: \(bytes)")
            }
        }
    }

    @Test func truncatedBlobFilesAreRejected() throws {
        let store = BlobStore()
        store.set("w", Data((0..<100).map { UInt8($0) }))
        store.set("b", Data([1, 2, 3]))
        let encoded = BlobFile.encode(store)
        #expect(try BlobFile.decode(encoded, path: "ok.eirb")["w"] == store["w"])
        for cut in 0..<encoded.count {
            #expect(throws: BlobFileError.self) { try BlobFile.decode(encoded.prefix(cut), path: "cut.eirb") }
        }
        var badVersion = encoded
        badVersion[4] = 9
        #expect { try BlobFile.decode(badVersion, path: "v.eirb") } throws: { ($0 as? BlobFileError)?.message.contains("version 9") == true }
        var hugeLength = encoded
        // Blob 0's length field follows its 4-byte name length and 1-byte name at offset 16.
        for k in 0..<8 { hugeLength[16 + 4 + 1 + k] = 0xFF }
        #expect { try BlobFile.decode(hugeLength, path: "h.eirb") } throws: { ($0 as? BlobFileError)?.message.contains("claims") == true }
    }
}
