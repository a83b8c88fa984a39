import EdgeKernels
import Foundation
import Testing

/// `edgec run --threads N` and `EDGEC_ISA`: outputs are bit-identical at any thread count (kernels
/// split only over independent outputs), and a forced variant is used or refused by name.
@Suite struct ThreadsCLITests {
    /// Programs with convolutions (im2col, 1×1, depthwise via tiny_cnn), GEMMs and an encoder.
    static let programs: [(source: String, inputs: [String])] = [
        ("Examples/tiny_cnn.onnx", ["Examples/tiny_cnn.input.npy"]),
        ("Tests/EdgeTorchTests/Fixtures/cnn_bn.pt2", []),
        ("Tests/EdgeTorchTests/Fixtures/encoder.pt2", []),
        ("Tests/EdgeTorchTests/Fixtures/mlp.pt2", []),
    ]

    /// Each output file of `edgec run -o dir` (name → bytes).
    func outputs(_ pte: String, _ inputs: [String], _ extra: [String], dir: URL, env: [String: String] = [:]) throws -> [String: Data] {
        let out = dir.appendingPathComponent(UUID().uuidString)
        var args = ["run", pte, "-o", out.path] + extra
        for i in inputs { args += ["--input", repoRoot.appendingPathComponent(i).path] }
        if inputs.isEmpty { args += ["--fill", "0.37"] }
        let r = try runProgram(try edgecBinary(), args, environment: env)
        try #require(r.status == 0, "edgec \(args.joined(separator: " ")): \(r.stderr)")
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: out.path) {
            files[name] = try Data(contentsOf: out.appendingPathComponent(name))
        }
        return files
    }

    @Test(arguments: ThreadsCLITests.programs.map(\.source))
    func outputsIdenticalAtAnyThreadCount(_ source: String) throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let inputs = Self.programs.first { $0.source == source }?.inputs ?? []
        let pte = dir.appendingPathComponent("p.pte").path
        let c = try edgec("compile", repoRoot.appendingPathComponent(source).path, "-o", pte)
        try #require(c.status == 0, "\(c.stderr)")
        for isa in KernelISA.supported {
            let env = ["EDGEC_ISA": isa.description]
            let one = try outputs(pte, inputs, ["--threads", "1"], dir: dir, env: env)
            #expect(!one.isEmpty)
            for threads in ["2", "3"] {
                let many = try outputs(pte, inputs, ["--threads", threads], dir: dir, env: env)
                #expect(many == one, "\(source) \(isa): --threads \(threads) differs from --threads 1")
            }
        }
    }

    @Test func badISAAndThreadsAreErrors() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pte = dir.appendingPathComponent("p.pte").path
        #expect(try edgec("compile", repoRoot.appendingPathComponent("Tests/EdgeTorchTests/Fixtures/mlp.pt2").path, "-o", pte).status == 0)
        let bogus = try runProgram(try edgecBinary(), ["run", pte, "--fill", "1"], environment: ["EDGEC_ISA": "sse9"])
        #expect(bogus.status != 0 && bogus.stderr.contains("EDGEC_ISA=sse9 is not a kernel variant"), "\(bogus.stderr)")
        let zero = try edgec("run", pte, "--fill", "1", "--threads", "0")
        #expect(zero.status != 0 && zero.stderr.contains("--threads must be at least 1"), "\(zero.stderr)")
        let profile = try edgec("run", pte, "--fill", "1", "--repeat", "2", "--profile", "--threads", "2")
        #expect(profile.status == 0 && profile.stdout.contains("profile: mean ms per run by kernel (\(KernelISA.active) kernels, 2 threads)"),
                "\(profile.stdout)\(profile.stderr)")
    }
}
