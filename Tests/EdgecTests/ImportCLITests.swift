import EdgeCompiler
import EdgeIR
import Foundation
import Testing

/// `edgec import` end to end on the committed .pt2 fixtures.
@Suite struct ImportCLITests {
    let fixtures = repoRoot.appendingPathComponent("Tests/EdgeTorchTests/Fixtures")

    @Test func importWritesIRAndBlobsThatOptReads() throws {
        let tmp = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let out = tmp.appendingPathComponent("cnn.eir").path
        let r = try edgec("import", fixtures.appendingPathComponent("cnn_bn.pt2").path, "-o", out)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: tmp.appendingPathComponent("cnn.eirb").path))
        let module = try IRFile.read(path: out)
        let weightBytes = 864  // f32[8,3,3,3]
        #expect(module.blobs["conv1.weight"]?.count == weightBytes)
        let opt = try edgec("opt", out, "--passes", "dce")
        #expect(opt.status == 0, "\(opt.stderr)")
        #expect(!opt.stdout.contains("num_batches_tracked"), "dce removes unused buffers")
        #expect(opt.stdout.contains("loc(fused[\"conv2d\""))
    }

    @Test func importPrintsWithInputShapes() throws {
        let r = try edgec("import", fixtures.appendingPathComponent("mlp.pt2").path, "--input-shape", "x=3,16", "--no-locations")
        #expect(r.status == 0, "\(r.stderr)")
        let signature = "func @main(%x: f32[3,16] {name = \"x\"}) -> (f32[3,10] {name = \"log_softmax\"})"
        #expect(r.stdout.contains(signature), "\(r.stdout)")
        #expect(!r.stdout.contains("loc("))
        let dynamic = try edgec("import", fixtures.appendingPathComponent("mlp.pt2").path)
        #expect(dynamic.stdout.contains("f32[?s77,16]"))
        let fixed = try edgec("import", fixtures.appendingPathComponent("mlp.pt2").path, "--static")
        #expect(fixed.stdout.contains("f32[64,16]"))
        let crossed = try edgec("import", fixtures.appendingPathComponent("mlp.pt2").path, "--input-shape", "x=5x16")
        #expect(crossed.stdout.contains("f32[5,16]"), "\(crossed.stderr)")
        let bad = try edgec("import", fixtures.appendingPathComponent("mlp.pt2").path, "--input-shape", "x=3;16")
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("is not a non-negative size"), "\(bad.stderr)")
    }

    @Test func failedImportWritesNothing() throws {
        let tmp = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let out = tmp.appendingPathComponent("u.eir").path
        let r = try edgec("import", fixtures.appendingPathComponent("unsupported.pt2").path, "-o", out)
        #expect(r.status == 1)
        #expect(r.stderr.contains("unsupported.pt2: error: 2 nodes use operators edgec cannot import"), "\(r.stderr)")
        #expect(r.stderr.contains("cumprod: aten.cumprod.default"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).isEmpty, "no output (or temp) file may remain")
        let garbage = tmp.appendingPathComponent("junk.pt2")
        try Data("not a zip".utf8).write(to: garbage)
        let g = try edgec("import", garbage.path, "-o", out)
        #expect(g.status == 1)
        #expect(g.stderr.contains("not a zip archive"))
        #expect(!FileManager.default.fileExists(atPath: out))
        let unknown = try edgec("import", tmp.appendingPathComponent("model.tflite").path)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("cannot tell the model format"))
    }

    @Test func torchDocIsCurrent() throws {
        let path = repoRoot.appendingPathComponent("docs/torch.md")
        let committed = try String(contentsOf: path, encoding: .utf8)
        #expect(committed == TorchDocumentation.markdown(),
                "docs/torch.md is stale: run `swift run edgec list-aten --markdown > docs/torch.md`")
        let r = try edgec("list-aten")
        #expect(r.status == 0)
        #expect(r.stdout.contains("aten.conv2d.default"))
    }

    @Test func helpMentionsImport() throws {
        let help = try edgec("--help")
        #expect(help.stdout.contains("import"))
        let importHelp = try edgec("import", "--help")
        for flag in ["--input-shape", "--static", "-o"] { #expect(importHelp.stdout.contains(flag), "import --help lacks \(flag)") }
    }
}
