import Foundation
import Testing

/// `edgec compile`, `run` and `inspect` end to end on the real binary.
@Suite struct PTECommandTests {
    @Test func inspectAndRunShowXNNPACKDelegates() throws {
        let pte = repoRoot.appendingPathComponent("Tests/fixtures/executorch/xnnpack/block_fp32.pte").path
        let i = try edgec("inspect", pte)
        #expect(i.status == 0, "\(i.stderr)")
        #expect(i.stdout.contains("delegates:"))
        #expect(i.stdout.contains("4: XnnpackBackend, 1440 payload bytes (SEGMENT)"), "\(i.stdout)")
        #expect(i.stdout.contains("delegate 0 (XnnpackBackend)(%"))
        let j = try edgec("inspect", pte, "--json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        let delegates = try #require((json["plans"] as? [[String: Any]])?.first?["delegates"] as? [[String: Any]])
        #expect(delegates.count == 5)
        #expect(delegates.allSatisfy { $0["id"] as? String == "XnnpackBackend" && ($0["node_count"] as? Int ?? 0) > 0 })
        #expect((delegates[0]["nodes"] as? [String: Int])?.isEmpty == false)
        let r = try edgec("run", pte, "--fill", "0.5")
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func compileInspectRun() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pte = dir.appendingPathComponent("tiny.pte").path
        let c = try edgec("compile", repoRoot.appendingPathComponent("Grammar/examples/tiny_cnn.eir").path, "-o", pte, "--stats")
        #expect(c.status == 0, "\(c.stderr)")
        for field in ["instructions:", "constant bytes:", "arena bytes:", "lower bound:", "arena / bound:"] { #expect(c.stdout.contains(field)) }
        let i = try edgec("inspect", pte)
        #expect(i.status == 0)
        #expect(i.stdout.contains("aten::convolution.out"))
        #expect(i.stdout.contains("input 0 \"input.1\""))
        let j = try edgec("inspect", pte, "--json")
        let json = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as! [String: Any]
        #expect(((json["plans"] as! [[String: Any]])[0]["output_names"] as? [String]) == ["logits"])

        // A zero input through --input name=file.npy: 80 header-padded bytes + data.
        let npy = dir.appendingPathComponent("x.npy")
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 8, 8), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        bytes += [UInt8(header.utf8.count), 0] + Array(header.utf8) + [UInt8](repeating: 0, count: 768)
        try Data(bytes).write(to: npy)
        let out = dir.appendingPathComponent("out")
        let r = try edgec("run", pte, "--input", "input.1=\(npy.path)", "-o", out.path)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("logits.npy").path))
        let s = try edgec("run", pte, "--input", npy.path)
        #expect(s.stdout.hasPrefix("logits: f32[1, 4]"))
        // Zero input: conv gives the bias, batch norm divides by sqrt(1 + 1e-5), relu/mean keep it,
        // linear sums 0.25 * (0 + 0.1 + ... + 0.7) / sqrt(1.00001) = 0.6999965.
        #expect(s.stdout.contains("min 0.699997 max 0.699997"), "\(s.stdout)")
        let filled = try edgec("run", pte, "--fill", "0")
        #expect(filled.stdout == s.stdout)
        #expect(try edgec("run", pte).stderr.contains("no value for input 0 \"input.1\""))
    }

    /// `compile` imports .pt2 (and .onnx, see ExampleModelTests) itself, by extension.
    @Test func compilesTorchExportArchives() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pte = dir.appendingPathComponent("cnn.pte").path
        let c = try edgec("compile", repoRoot.appendingPathComponent("Tests/EdgeTorchTests/Fixtures/cnn_bn.pt2").path, "-o", pte, "--stats")
        #expect(c.status == 0, "\(c.stderr)")
        #expect(c.stdout.contains("aten::convolution.out"), "\(c.stdout)")
        #expect(try edgec("run", pte, "--fill", "0.5").status == 0)
    }

    @Test func failedCompileLeavesNoFile() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pte = dir.appendingPathComponent("block.pte").path
        let r = try edgec("compile", repoRoot.appendingPathComponent("Grammar/examples/transformer_block.eir").path, "-o", pte)
        #expect(r.status != 0)
        #expect(r.stderr.contains("--input-shape tokens="))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
        let ok = try edgec("compile", repoRoot.appendingPathComponent("Grammar/examples/transformer_block.eir").path, "-o", pte,
                           "--input-shape", "tokens=1,16,32")
        #expect(ok.status == 0, "\(ok.stderr)")
    }

    @Test func badProgramsAreRejectedByRunAndInspect() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pte = dir.appendingPathComponent("tiny.pte")
        #expect(try edgec("compile", repoRoot.appendingPathComponent("Grammar/examples/tiny_cnn.eir").path, "-o", pte.path).status == 0)
        let good = [UInt8](try Data(contentsOf: pte))
        let cases: [(String, [UInt8])] = [
            ("truncated", Array(good.prefix(good.count / 2))),
            ("not a program", Array("hello, world".utf8)),
            ("empty", []),
        ]
        for (name, bytes) in cases {
            let bad = dir.appendingPathComponent("\(name).pte")
            try Data(bytes).write(to: bad)
            for command in ["inspect", "run"] {
                let r = try edgec(command, bad.path)
                #expect(r.status == 1, "\(command) \(name): status \(r.status)")
                #expect(r.stderr.contains("error:"), "\(command) \(name): \(r.stderr)")
            }
        }
    }
}

/// `edgec compile --input-shape x=lo..hi,...` and the bounded program in `edgec run`, end to end.
@Suite struct BoundedCommandTests {
    /// A zero-filled f32 `.npy` of `shape`.
    static func npy(_ shape: [Int], at url: URL) throws {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(shape.map(String.init).joined(separator: ", "))\(shape.count == 1 ? "," : "")), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        let bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0] + [UInt8(header.utf8.count), 0] + Array(header.utf8)
            + [UInt8](repeating: 0, count: 4 * shape.reduce(1, *))
        try Data(bytes).write(to: url)
    }

    @Test func compileAndRunInTheRange() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = repoRoot.appendingPathComponent("Grammar/examples/transformer_block.eir").path
        let pte = dir.appendingPathComponent("block.pte").path
        let c = try edgec("compile", model, "-o", pte, "--input-shape", "tokens=1..4,16,32")
        #expect(c.status == 0, "\(c.stderr)")
        let i = try edgec("inspect", pte)
        #expect(i.stdout.contains("input 0 \"tokens\": %0 Tensor FLOAT[4,16,32] dynamic (bound)"), "\(i.stdout)")
        #expect(i.stdout.contains("--input-shape tokens=1..4,16,32"))
        let mask = dir.appendingPathComponent("mask.npy")
        try Self.npy([1, 1, 16], at: mask)
        for b in [1, 3, 5] {
            let x = dir.appendingPathComponent("x\(b).npy")
            try Self.npy([b, 16, 32], at: x)
            let r = try edgec("run", pte, "--input", "tokens=\(x.path)", "--input", "mask=\(mask.path)")
            if b <= 4 {
                #expect(r.status == 0, "\(r.stderr)")
                #expect(r.stdout.hasPrefix("output_0: f32[\(b), 16, 32]"), "\(r.stdout)")
            } else {
                #expect(r.status != 0 && r.stderr.contains("input 0 \"tokens\"") && r.stderr.contains("outside the bound 1..4"), "\(r.stderr)")
            }
        }
        // Refusals name the option; nothing is written.
        let arm = dir.appendingPathComponent("arm.pte").path
        let a = try edgec("compile", model, "-o", arm, "--input-shape", "tokens=1..4,16,32", "--backend", "arm-cpu")
        #expect(a.status != 0 && a.stderr.contains("drop --backend arm-cpu"), "\(a.stderr)")
        #expect(!FileManager.default.fileExists(atPath: arm))
        // edgec import writes the bounded IR; compiling it gives the same program.
        let eir = dir.appendingPathComponent("bounded.eir").path
        let imp = try edgec("import", model, "-o", eir, "--input-shape", "tokens=1..4,16,32")
        #expect(imp.status == 0, "\(imp.stderr)")
        let text = try String(contentsOfFile: eir, encoding: .utf8)
        #expect(text.contains("edge.bound.batch = [1, 4]") && text.contains("%tokens: f32[?batch,16,32]"), "\(text)")
        let again = dir.appendingPathComponent("again.pte").path
        #expect(try edgec("compile", eir, "-o", again).status == 0)
        // The same plan (the compile record and sizes that mention it aside).
        func planText(_ path: String) throws -> String {
            let text = try edgec("inspect", path).stdout
            return String(text[try #require(text.range(of: "plan \"forward\"")).lowerBound...])
        }
        #expect(try planText(pte) == planText(again))
        let profile = try edgec("profile", pte, "--input-shape", "tokens=1..4,16,32")
        #expect(profile.status != 0 && profile.stderr.contains("only `edgec compile` and `edgec import` take bounded dims"), "\(profile.stderr)")
    }
}
