import Foundation
import Testing

/// `edgec profile`, `edgec report` and the compile budgets, end to end on the example model.
@Suite struct ProfileCLITests {
    static let model = repoRoot.appendingPathComponent("Examples/tiny_cnn.onnx").path
    static let input = repoRoot.appendingPathComponent("Examples/tiny_cnn.input.npy").path
    static let fixture = repoRoot.appendingPathComponent("Tests/EdgeProfileTests/Fixtures")

    /// The instruction rows of a profile table: (index, node, kernel, median ms).
    static func rows(_ text: String) -> [(Int, String, String, Double)] {
        text.split(separator: "\n").compactMap { line in
            let w = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard w.count >= 6, let k = Int(w[0]), let ms = Double(w[w.count - 2]) else { return nil }
            return (k, w[1], w[2], ms)
        }
    }

    @Test func profileInTheInterpreter() throws {
        let r = try edgec("profile", Self.model, "--input", Self.input, "--runs", "3", "--warmup", "1")
        #expect(r.status == 0, "\(r.stderr)")
        let rows = Self.rows(r.stdout)
        #expect(rows.count == 10, "\(r.stdout)")
        #expect(Set(rows.map(\.0)) == Set(0 ..< 10))
        // Calls the interpreter fused into the one before them (conv → relu) run nothing.
        let fusedLine = r.stdout.split(separator: "\n").first { $0.contains("fused by the interpreter") } ?? ""
        let fused = Set((fusedLine.components(separatedBy: "instruction ").last ?? "").split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) })
        #expect(!fused.isEmpty, "\(r.stdout)")
        #expect(rows.allSatisfy { $0.3 > 0 || fused.contains($0.0) })
        // Slowest first.
        #expect(rows.map(\.3) == rows.map(\.3).sorted(by: >))
        #expect(rows.first?.2 == "aten::convolution.out")
        #expect(Set(rows.map(\.1)).isSuperset(of: ["/conv1/Conv", "/Relu", "/fc/Gemm"]))
        for needle in ["by kernel:", "latency:  min", "over 3 runs", "arena:    131.1 KB (131072)", "peak RSS:", "inputs: " + Self.input] {
            #expect(r.stdout.contains(needle), "\(needle)")
        }
    }

    @Test func profileFillsAndSaysSo() throws {
        let r = try edgec("profile", Self.model, "--runs", "1", "--warmup", "0", "--json")
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect((json["notes"] as? [String])?.contains { $0.contains("every input filled with 1.0") } == true)
        let instructions = try #require(json["instructions"] as? [[String: Any]])
        #expect(instructions.count == 10)
        #expect(instructions.allSatisfy { ($0["partition"] as? String) == "portable" })
        #expect((json["latency_ms"] as? [String: Double])?["median"].map { $0 > 0 } == true)
    }

    @Test func profileFromExecuTorchsETDump() throws {
        let r = try edgec("profile", Self.fixture.appendingPathComponent("tiny_cnn.pte").path,
                          "--etdump", Self.fixture.appendingPathComponent("tiny_cnn.etdump").path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("profile: ETDump (ExecuTorch runtime), 3 runs"))
        let rows = Self.rows(r.stdout)
        #expect(rows.count == 10)
        #expect(rows.allSatisfy { $0.3 > 0 })
        #expect(rows.contains { $0.1 == "/conv2/Conv" && $0.2 == "aten::convolution.out" })
        // A damaged file is an error naming the file, with no table.
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.etdump")
        let bytes = try Data(contentsOf: Self.fixture.appendingPathComponent("tiny_cnn.etdump"))
        try bytes.prefix(bytes.count / 2).write(to: bad)
        let b = try edgec("profile", Self.fixture.appendingPathComponent("tiny_cnn.pte").path, "--etdump", bad.path)
        #expect(b.status == 1)
        #expect(b.stderr.contains("bad.etdump: error: not a valid ETDump"), "\(b.stderr)")
        #expect(b.stdout.isEmpty)
    }

    @Test func staticCost() throws {
        let model = try edgec("profile", "--static", Self.model)
        #expect(model.status == 0, "\(model.stderr)")
        #expect(model.stdout.hasPrefix("static cost (Edge IR view, 10 layers)"))
        #expect(model.stdout.contains("MACs:             2.2 M (2212160)"))
        let pte = try edgec("profile", "--static", Self.fixture.appendingPathComponent("tiny_cnn.pte").path)
        #expect(pte.status == 0, "\(pte.stderr)")
        #expect(pte.stdout.hasPrefix("static cost (program view, 10 layers)"))
        // The two views agree on the totals that do not depend on the view.
        for line in ["MACs:             2.2 M (2212160)", "parameter bytes:  58.7 KB (58664)", "arena:            131.1 KB (131072), lower bound 131.1 KB (131072)"] {
            #expect(pte.stdout.contains(line), "\(line)")
        }
    }

    @Test func budgetsFailWithTheLargestContributorsAndWriteNothing() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("m.pte").path
        let r = try edgec("compile", Self.model, "-o", out, "--memory-budget", "100KB", "--size-budget", "50KB")
        #expect(r.status == 1)
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(r.stderr.contains("error: memory budget 100.0 KB (100000 bytes) exceeded: working set 189.7 KB"), "\(r.stderr)")
        #expect(r.stderr.contains("largest constants: f32[32,32,3,3] 36.9 KB (read by /conv3/Conv)"), "\(r.stderr)")
        #expect(r.stderr.contains("error: size budget 50.0 KB (50000 bytes) exceeded: the program is 65.0 KB"), "\(r.stderr)")
        let ok = try edgec("compile", Self.model, "-o", out, "--memory-budget", "1MiB", "--size-budget", "0.1MB")
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(FileManager.default.fileExists(atPath: out))
        let bad = try edgec("compile", Self.model, "-o", out, "--memory-budget", "a lot")
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("--memory-budget a lot: expected a byte count"))
    }

    @Test func reportIsOneSelfContainedFile() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("r.html").path
        let r = try edgec("report", Self.model, "-o", out, "--input", Self.input, "--runs", "2")
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        for id in ["sec-graph", "sec-memory", "sec-latency", "sec-cost", "sec-levels"] { #expect(html.contains("id=\"\(id)\""), "\(id)") }
        #expect(html.contains("/conv1/Conv · convolution"))
        #expect(html.components(separatedBy: "class=\"buffer\"").count - 1 == 13)
        #expect(!html.contains("<script src") && !html.contains("<link"))
        // -O0 vs -O2: the ONNX BatchNorm-free CNN has the same kernels at both levels here, but both columns are there.
        #expect(html.contains("<th>-O0</th><th>-O2</th>"))
        // A .pte has no level comparison and, without inputs, no latency.
        let p = try edgec("report", Self.fixture.appendingPathComponent("tiny_cnn.pte").path, "-o", out)
        #expect(p.status == 0, "\(p.stderr)")
        let html2 = try String(contentsOfFile: out, encoding: .utf8)
        #expect(!html2.contains("id=\"sec-latency\"") && !html2.contains("id=\"sec-levels\""))
        #expect(html2.contains("no latency: give --input or --fill"))
    }
}
