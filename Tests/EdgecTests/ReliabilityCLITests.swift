import EdgeCompiler
import Foundation
import Testing

/// `--max-memory` of `compile` and `run`, and reproducible `.pte` output.
@Suite struct ReliabilityCLITests {
    /// Compiling the same model with the same options in two processes gives identical bytes
    /// (hash seeds differ between processes, so dictionary order cannot leak into the file).
    @Test(arguments: [
        ["Examples/tiny_cnn.onnx"], ["Examples/tiny_cnn.onnx", "-O0"], ["Examples/tiny_cnn.onnx", "--backend", "arm-cpu"],
        ["Tests/EdgeTorchTests/Fixtures/encoder.pt2"], ["Tests/EdgeTorchTests/Fixtures/cnn_bn.pt2", "-O1"],
        ["Grammar/examples/transformer_block.eir", "--input-shape", "tokens=1,16,32"], ["Grammar/examples/tiny_cnn.eir"],
    ])
    func compilingTwiceGivesIdenticalPrograms(_ arguments: [String]) throws {
        let tmp = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let model = repoRoot.appendingPathComponent(arguments[0]).path
        var outputs: [Data] = []
        for k in 0 ..< 2 {
            let pte = tmp.appendingPathComponent("\(k).pte").path
            let r = try edgec(["compile", model, "-o", pte] + arguments.dropFirst())
            #expect(r.status == 0, "\(r.stderr)")
            outputs.append(try Data(contentsOf: URL(fileURLWithPath: pte)))
        }
        #expect(!outputs[0].isEmpty)
        #expect(outputs[0] == outputs[1], "\(arguments): the two .pte files differ")
    }

    /// The program records the compiler and the options that made it; `inspect` prints them.
    @Test func inspectShowsTheCompilerAndOptions() throws {
        let tmp = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let pte = tmp.appendingPathComponent("t.pte").path
        let model = repoRoot.appendingPathComponent("Examples/tiny_cnn.onnx").path
        let r = try edgec("compile", model, "-o", pte, "--backend", "arm-cpu", "-O1", "--input-shape", "input=1,3,32,32")
        #expect(r.status == 0, "\(r.stderr)")
        let i = try edgec("inspect", pte)
        #expect(i.stdout.contains("compiled by: edgec \(EdgecVersion.string) compiled tiny_cnn.onnx with --backend arm-cpu -O1 --input-shape input=1,3,32,32\n"), "\(i.stdout)")
        let j = try edgec("inspect", pte, "--json")
        let root = try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any]
        let info = root?["compile_info"] as? [String: Any]
        #expect(info?["model"] as? String == "tiny_cnn.onnx")
        #expect(info?["options"] as? [String] == ["--backend", "arm-cpu", "-O1", "--input-shape", "input=1,3,32,32"])
    }

    @Test func hugeDeclaredShapesAreRejectedByNode() throws {
        let tmp = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let model = repoRoot.appendingPathComponent("Tests/EdgeONNXTests/Fixtures/huge_shapes.onnx").path
        let pte = tmp.appendingPathComponent("huge.pte").path
        let r = try edgec("compile", model, "-o", pte, "--max-memory", "8G")
        #expect(r.status != 0)
        #expect(!FileManager.default.fileExists(atPath: pte))
        // 10^12 f32 elements: 3.6 TB; each of the four ops is named by its node.
        #expect(r.stderr.contains("at \"node_3\" (f32[1000000,1000000]) would allocate 3.6 TB, over --max-memory 8 GB"), "\(r.stderr)")
        for node in ["expand_0", "tile_0", "resize_0"] {
            #expect(r.stderr.contains("at \"\(node)\""), "\(node): \(r.stderr)")
        }
        // The default (half of physical memory) rejects it as well.
        let d = try edgec("compile", model, "-o", pte)
        #expect(d.status != 0)
        #expect(d.stderr.contains("over --max-memory"), "\(d.stderr)")
    }

    @Test func aSmallLimitRejectsTheArenaAndRunChecksToo() throws {
        let tmp = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let model = repoRoot.appendingPathComponent("Examples/tiny_cnn.onnx").path
        let pte = tmp.appendingPathComponent("cnn.pte").path
        // The example's arena is 128 KB: every value fits in 100K, the arena does not.
        let small = try edgec("compile", model, "-o", pte, "--max-memory", "100K")
        #expect(small.status != 0)
        #expect(small.stderr.contains("the memory plan of \"forward\""), "\(small.stderr)")
        #expect(small.stderr.contains("over --max-memory 100 KB"), "\(small.stderr)")
        #expect(try edgec("compile", model, "-o", pte).status == 0)
        let run = try edgec("run", pte, "--fill", "1", "--max-memory", "64K")
        #expect(run.status != 0)
        #expect(run.stderr.contains("over --max-memory 64 KB"), "\(run.stderr)")
        #expect(try edgec("run", pte, "--fill", "1", "--max-memory", "1G").status == 0)
        let bad = try edgec("run", pte, "--fill", "1", "--max-memory", "lots")
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("expected a size such as 8G"), "\(bad.stderr)")
        let help = try edgec("compile", "--help")
        #expect(help.stdout.contains("--max-memory") && help.stdout.contains("default half of physical memory"), "\(help.stdout)")
    }
}
