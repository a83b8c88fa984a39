import Foundation
import Testing

/// `edgec compile --backend arm-cpu` end to end: the XNNPACK partitions, the delegation report
/// of --stats, --strict-delegation, and the program running in edgec's interpreter.
@Suite struct ArmCPUCommandTests {
    func compile(_ args: [String], in dir: URL) throws -> RunResult {
        try runProgram(try edgecBinary(), ["compile", repoRoot.appendingPathComponent("Examples/tiny_cnn.onnx").path] + args, directory: dir)
    }

    /// tiny_cnn is a CNN whose global mean has no keepdim (as ExecuTorch's cnn_fp32_split, which
    /// ExecuTorch splits in two around the mean): edgec lowers that mean as a keep-dims global
    /// pool plus a static reshape, so the whole model is one partition, with ONNX Runtime's scores.
    @Test func tinyCNNIsOnePartition() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try compile(["-o", "m.pte", "--backend", "arm-cpu", "--stats"], in: dir)
        #expect(c.status == 0, "\(c.stderr)")
        let lines = c.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("  1x DelegateCall XnnpackBackend"), "\(c.stdout)")
        #expect(lines.contains("instructions:    1"), "\(c.stdout)")
        #expect(lines.contains("partitions:      1"), "\(c.stdout)")
        #expect(lines.contains("delegated ops:   7"), "\(c.stdout)")
        #expect(lines.contains("portable ops:    0"), "\(c.stdout)")
        // The weights live in the payload: counted as the program's constants.
        #expect(lines.contains { $0.hasPrefix("constant bytes:") && $0 != "constant bytes:  0" }, "\(c.stdout)")
        let r = try runProgram(try edgecBinary(), ["run", "m.pte", "--input", repoRoot.appendingPathComponent("Examples/tiny_cnn.input.npy").path, "-o", "out"], directory: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let got = try readNPYFloats(dir.appendingPathComponent("out/output.npy"))
        let want = try readNPYFloats(repoRoot.appendingPathComponent("Examples/tiny_cnn.output.npy"))
        #expect(got.count == want.count && want.count == 10)
        let scale = want.map(abs).max() ?? 1
        for (a, b) in zip(got, want) { #expect(abs(a - b) <= 1e-4 * scale, "\(got) vs \(want)") }
    }

    /// An op XNNPACK has no node for splits the graph: two partitions around it, with its reason.
    static let splitModel = """
        func @main(%x: f32[1,4,8,8]) -> f32[1,4,8,8] {
          %a = edge.relu(%x) : f32[1,4,8,8]
          %b = edge.erf(%a) : f32[1,4,8,8]
          %y = edge.sigmoid(%b) : f32[1,4,8,8]
          return %y
        }

        """

    @Test func strictDelegationFailsAndWritesNothing() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.splitModel.write(to: dir.appendingPathComponent("split.eir"), atomically: true, encoding: .utf8)
        let s = try runProgram(try edgecBinary(), ["compile", "split.eir", "-o", "s.pte", "--backend", "arm-cpu", "--stats"], directory: dir)
        #expect(s.status == 0, "\(s.stderr)")
        #expect(s.stdout.contains("partitions:      2") && s.stdout.contains("portable ops:    1"), "\(s.stdout)")
        let c = try runProgram(try edgecBinary(), ["compile", "split.eir", "-o", "m.pte", "--backend", "arm-cpu", "--strict-delegation"], directory: dir)
        #expect(c.status != 0)
        #expect(c.stderr.contains("--strict-delegation: 1 op stays outside the xnnpack partitions: edge.erf"), "\(c.stderr)")
        #expect(c.stderr.contains("XNNPACK has no node for edge.erf"), "\(c.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("m.pte").path))
        // A fully delegated model passes the check.
        #expect(try compile(["-o", "t.pte", "--backend", "arm-cpu", "--strict-delegation"], in: dir).status == 0)
        // The portable backend has no delegate at all.
        let p = try compile(["-o", "p.pte", "--strict-delegation"], in: dir)
        #expect(p.status != 0 && p.stderr.contains("backend portable has no delegate"), "\(p.stderr)")
    }

    /// The backend's partition pass is instrumented like the -O<n> passes.
    @Test func partitionPassIsInTheIRDumps() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.splitModel.write(to: dir.appendingPathComponent("split.eir"), atomically: true, encoding: .utf8)
        let c = try runProgram(try edgecBinary(), ["compile", "split.eir", "-o", "s.pte", "--backend", "arm-cpu", "--print-ir-after-all"], directory: dir)
        #expect(c.status == 0, "\(c.stderr)")
        let dump = try #require(c.stderr.range(of: "IR Dump After partition-xnnpack").map { String(c.stderr[$0.upperBound...]) }, "\(c.stderr)")
        #expect(dump.contains("edge.delegate_call(%x) {callee = @xnnpack_0}") && dump.contains("attributes {backend = \"xnnpack\"}"), "\(dump)")
        let t = try runProgram(try edgecBinary(), ["compile", "split.eir", "-o", "s.pte", "--backend", "arm-cpu", "--time-passes"], directory: dir)
        #expect(t.stderr.contains("partition-xnnpack"), "\(t.stderr)")
        // The portable backend has no pass of its own.
        let p = try runProgram(try edgecBinary(), ["compile", "split.eir", "-o", "p.pte", "--print-ir-after-all"], directory: dir)
        #expect(p.status == 0 && !p.stderr.contains("partition-xnnpack"), "\(p.stderr)")
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
