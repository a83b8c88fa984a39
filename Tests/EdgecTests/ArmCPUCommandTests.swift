import Foundation
import Testing

/// `edgec compile --backend arm-cpu` end to end: the XNNPACK partitions, the delegation report
/// of --stats, --strict-delegation, and the program running in edgec's interpreter.
@Suite struct ArmCPUCommandTests {
    func compile(_ args: [String], in dir: URL) throws -> RunResult {
        try runProgram(try edgecBinary(), ["compile", repoRoot.appendingPathComponent("Examples/tiny_cnn.onnx").path] + args, directory: dir)
    }

    /// tiny_cnn is a CNN whose global mean has no keepdim (as ExecuTorch's cnn_fp32_split): two
    /// partitions, the mean on portable kernels with its reason, and ONNX Runtime's scores.
    @Test func tinyCNNIsTwoPartitionsAroundTheMean() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try compile(["-o", "m.pte", "--backend", "arm-cpu", "--stats"], in: dir)
        #expect(c.status == 0, "\(c.stderr)")
        let lines = c.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("  2x DelegateCall XnnpackBackend"), "\(c.stdout)")
        #expect(lines.contains("  1x aten::mean.out"), "\(c.stdout)")
        #expect(lines.contains("partitions:      2"), "\(c.stdout)")
        #expect(lines.contains("delegated ops:   6"), "\(c.stdout)")
        #expect(lines.contains("portable ops:    1"), "\(c.stdout)")
        #expect(lines.contains("  edge.mean at \"/ReduceMean\": mean.dim only supports keepdim=True"), "\(c.stdout)")
        let r = try runProgram(try edgecBinary(), ["run", "m.pte", "--input", repoRoot.appendingPathComponent("Examples/tiny_cnn.input.npy").path, "-o", "out"], directory: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let got = try readNPYFloats(dir.appendingPathComponent("out/output.npy"))
        let want = try readNPYFloats(repoRoot.appendingPathComponent("Examples/tiny_cnn.output.npy"))
        #expect(got.count == want.count && want.count == 10)
        let scale = want.map(abs).max() ?? 1
        for (a, b) in zip(got, want) { #expect(abs(a - b) <= 1e-4 * scale, "\(got) vs \(want)") }
    }

    @Test func strictDelegationFailsAndWritesNothing() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try compile(["-o", "m.pte", "--backend", "arm-cpu", "--strict-delegation"], in: dir)
        #expect(c.status != 0)
        #expect(c.stderr.contains("--strict-delegation: 1 op stays outside the xnnpack partitions: edge.mean at \"/ReduceMean\" (mean.dim only supports keepdim=True)"), "\(c.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("m.pte").path))
        // The portable backend has no delegate at all.
        let p = try compile(["-o", "p.pte", "--strict-delegation"], in: dir)
        #expect(p.status != 0 && p.stderr.contains("backend portable has no delegate"), "\(p.stderr)")
    }

    @Test func sameInputSameBytes() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try compile(["-o", "a.pte", "--backend", "arm-cpu"], in: dir).status == 0)
        #expect(try compile(["-o", "b.pte", "--backend", "arm-cpu"], in: dir).status == 0)
        let a = try Data(contentsOf: dir.appendingPathComponent("a.pte")), b = try Data(contentsOf: dir.appendingPathComponent("b.pte"))
        #expect(a == b && !a.isEmpty)
    }

    /// A float32 .npy file's values (little-endian `<f4`, C order).
    func readNPYFloats(_ url: URL) throws -> [Float] {
        let data = [UInt8](try Data(contentsOf: url))
        guard data.count > 10, data[0] == 0x93 else { throw CocoaError(.fileReadCorruptFile) }
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        let header = String(decoding: data[10 ..< 10 + headerLength], as: UTF8.self)
        guard header.contains("'<f4'") else { throw CocoaError(.fileReadCorruptFile) }
        let body = data[(10 + headerLength)...]
        return stride(from: body.startIndex, to: body.endIndex - 3, by: 4).map { i in
            Float(bitPattern: UInt32(body[i]) | UInt32(body[i + 1]) << 8 | UInt32(body[i + 2]) << 16 | UInt32(body[i + 3]) << 24)
        }
    }
}
