import Foundation
import Testing

/// `-O<n>` and pass instrumentation through `edgec compile` and `edgec opt`, on the real binary.
@Suite struct OptimizationCLITests {
    let model = repoRoot.appendingPathComponent("Benchmarks/models/exported_cnn.eir").path

    @Test func compileLevelsAndInstrumentation() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pte = dir.appendingPathComponent("m.pte").path
        let o0 = try edgec("compile", model, "-o", pte, "-O0", "--stats")
        #expect(o0.status == 0, "\(o0.stderr)")
        #expect(o0.stdout.contains("instructions:    14"))
        let o2 = try edgec("compile", model, "-o", pte, "--stats", "--print-ir-after-all", "--time-passes", "--verify-each")
        #expect(o2.status == 0, "\(o2.stderr)")
        #expect(o2.stdout.contains("instructions:    7"))
        #expect(o2.stderr.contains("// -----// IR Dump After fold-batchnorm"))
        #expect(o2.stderr.contains("Pass execution timing report"))
        // -O2 for the portable backend does not fuse activations (it has no fused kernels).
        #expect(!o2.stderr.contains("fuse-activation"))
        let bad = try edgec("compile", model, "-o", pte, "-O3")
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("-O0, -O1 and -O2"))
    }

    @Test func optLevels() throws {
        let o2 = try edgec("opt", model, "-O2")
        #expect(o2.status == 0, "\(o2.stderr)")
        #expect(o2.stdout.contains("fused_activation = \"relu6\""))
        #expect(!o2.stdout.contains("edge.batch_norm"))
        let o0 = try edgec("opt", model, "-O0")
        #expect(o0.stdout.contains("edge.batch_norm"))
        let listed = try edgec("list-passes")
        #expect(listed.stdout.contains("-O2  canonicalize,fold-constants"))
    }

    @Test func reportTable() throws {
        let r = try edgec("optimization-report", model, "--runs", "1")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("| exported_cnn | 16 → 8 | 14 → 7 |"))
    }
}
