import EdgeCompiler
import EdgeIR
import Foundation
import Testing

@Suite struct CLITests {
    @Test func versionAndHelp() throws {
        let v = try edgec("--version")
        #expect(v.status == 0)
        #expect(v.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == EdgecVersion.string)
        let help = try edgec("--help")
        for sub in ["opt", "list-ops", "list-passes"] { #expect(help.stdout.contains(sub), "--help does not mention \(sub)") }
        let optHelp = try edgec("opt", "--help")
        for flag in ["--passes", "--print-ir-before", "--print-ir-after-all", "--print-ir-after-change", "--verify-each", "--time-passes", "-o"] {
            #expect(optHelp.stdout.contains(flag), "opt --help does not mention \(flag)")
        }
        #expect(optHelp.stdout.contains("dce"), "opt --help should list the passes")
    }

    @Test func listOpsShowsEveryDeclaredOp() throws {
        let r = try edgec("list-ops")
        #expect(r.status == 0)
        // The first word of each line is an op name: compare whole names (`edge.log` is a
        // prefix of `edge.log_softmax`, so a substring match would miss a dropped op).
        let listed = r.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(listed == OpRegistry.all.map(\.name))
        let passes = try edgec("list-passes")
        let passNames = passes.stdout.split(separator: "\n", omittingEmptySubsequences: false).prefix { !$0.isEmpty }.compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(passNames == Listings.passNames)
    }

    @Test func opsDocIsCurrent() throws {
        let path = repoRoot.appendingPathComponent("docs/ops.md")
        let committed = try String(contentsOf: path, encoding: .utf8)
        #expect(committed == OpDocumentation.markdown(),
                "docs/ops.md is stale: run `swift run edgec list-ops --markdown > docs/ops.md`")
        let r = try edgec("list-ops", "--markdown")
        #expect(r.stdout == committed)
    }

    @Test func optDumpsOnePerPassOnEveryExample() throws {
        let dir = repoRoot.appendingPathComponent("Grammar/examples")
        let examples = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".eir") }
        #expect(!examples.isEmpty)
        for name in examples {
            let r = try edgec("opt", dir.appendingPathComponent(name).path, "--passes", "dce,dce", "--print-ir-after-all")
            #expect(r.status == 0, "\(name): \(r.stderr)")
            #expect(r.stderr.components(separatedBy: "// -----// IR Dump After dce").count - 1 == 2, "\(name): expected two dumps")
            // The final IR on stdout is valid input again.
            _ = try IRFile.parse(r.stdout, fileName: name)
        }
    }

    @Test func outputFileWithBlobsRoundTripsThroughTheCLI() throws {
        let tmp = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        // Build a module with a large constant so it needs a blob file.
        let module = Module(name: "blobby")
        let f = Function(name: "main", argumentTypes: [TensorType(.f32, [1, 256])], resultTypes: [TensorType(.f32, [1, 256])])
        module.add(f)
        let b = IRBuilder(function: f)
        let bytes = Data((0..<(256 * 256 * 4)).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) })
        let w = try b.constant(bytes, type: TensorType(.f32, [256, 256]), name: "fc.weight")
        let y = try b.value(Ops.linear, [f.arguments[0], w])
        try b.makeReturn([y])
        let input = tmp.appendingPathComponent("in.eir").path
        try IRFile.write(module, to: input)
        let output = tmp.appendingPathComponent("out.eir").path
        let r = try edgec("opt", input, "--passes", "dce", "-o", output)
        #expect(r.status == 0, "\(r.stderr)")
        let back = try IRFile.read(path: output)
        #expect(back.blobs["fc.weight"] == bytes)
        #expect(FileManager.default.fileExists(atPath: tmp.appendingPathComponent("out.eirb").path))
    }

    @Test func failuresLeaveNoOutputAndExitNonZero() throws {
        let tmp = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let bad = tmp.appendingPathComponent("bad.eir")
        try "func @main(%x: f32[2]) -> f32[2] {\n  %y = edge.relu(%x) : f32[3]\n  return %y\n}\n".write(to: bad, atomically: true, encoding: .utf8)
        let out = tmp.appendingPathComponent("out.eir").path
        let r = try edgec("opt", bad.path, "--passes", "dce", "-o", out)
        #expect(r.status == 1)
        #expect(r.stderr.contains("\(bad.path):2:8: error: 'edge.relu': result #0 has type f32[3]"))
        #expect(r.stderr.contains("  %y = edge.relu(%x) : f32[3]\n       ^"))
        let good = repoRoot.appendingPathComponent("Grammar/examples/tiny_cnn.eir").path
        let unknownPass = try edgec("opt", good, "--passes", "dce,fold-everything", "-o", out)
        #expect(unknownPass.status != 0)
        #expect(unknownPass.stderr.contains("unknown pass 'fold-everything'"))
        let binary = tmp.appendingPathComponent("model.eir")
        try Data([0x08, 0x07, 0xFF, 0xFE, 0x00, 0x12]).write(to: binary)
        let b = try edgec("opt", binary.path, "-o", out)
        #expect(b.status == 1 && b.stderr.contains("is not UTF-8 .eir text"))
        let missing = try edgec("opt", tmp.appendingPathComponent("nope.eir").path)
        #expect(missing.status == 1 && missing.stderr.contains("cannot read"))
        #expect(!FileManager.default.fileExists(atPath: out))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: tmp.path).filter { $0.contains("tmp") }
        #expect(leftovers.isEmpty, "temporary files left: \(leftovers)")
    }

    @Test func missingBlobFileIsAClearError() throws {
        let tmp = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let f = tmp.appendingPathComponent("m.eir")
        try "module @m {blobs = \"gone.eirb\"}\nfunc @main() -> f32[2] {\n  %w = edge.constant {value = #blob<\"w\">} : f32[2]\n  return %w\n}\n".write(to: f, atomically: true, encoding: .utf8)
        let r = try edgec("opt", f.path)
        #expect(r.status == 1)
        #expect(r.stderr.contains("cannot read blob file") && r.stderr.contains("gone.eirb"))
    }
}

@Suite("edgec import (ONNX)")
struct ONNXImportCLITests {
    let fixtures = repoRoot.appendingPathComponent("Tests/EdgeONNXTests/Fixtures")

    @Test func importWritesIRAndBlobsThatReadBack() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("m.eir").path
        let r = try edgec("import", fixtures.appendingPathComponent("conv_relu.onnx").path, "-o", out)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("m.eirb").path))
        let opt = try edgec("opt", out, "--passes", "dce")
        #expect(opt.status == 0, "\(opt.stderr)")
        #expect(opt.stdout.contains("edge.conv2d"))
        let printed = try edgec("import", fixtures.appendingPathComponent("conv_relu.onnx").path, "--input-shape", "X=1x3x8x8")
        #expect(printed.stdout.contains("loc(\"conv0\")"))
    }

    @Test func unsupportedOpsFailListingThemAndWriteNothing() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("m.eir").path
        let r = try edgec("import", fixtures.appendingPathComponent("unsupported_ops.onnx").path, "-o", out)
        #expect(r.status != 0)
        #expect(r.stderr.contains("error: 2 nodes use ops edgec does not support: NonMaxSuppression (opset 14, definition 11) ×2 at \"nms_1\", \"nms_2\""))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test func garbageInputAndBadFlagsAreErrors() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = dir.appendingPathComponent("bad.onnx")
        try Data("definitely not a model".utf8).write(to: bad)
        let r = try edgec("import", bad.path, "-o", dir.appendingPathComponent("x.eir").path)
        #expect(r.status != 0)
        #expect(r.stderr.contains("not a valid ONNX model"))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("x.eir").path))
        let shape = try edgec("import", fixtures.appendingPathComponent("conv_relu.onnx").path, "--input-shape", "X=1xbig")
        #expect(shape.status != 0 && shape.stderr.contains("is not a non-negative size"))
        let help = try edgec("import", "--help")
        #expect(help.stdout.contains("--input-shape"))
        #expect(try edgec("--help").stdout.contains("import"))
    }
}

@Suite struct CompileModelFilesTests {
    /// `edgec compile` takes .onnx and .pt2 directly, like `edgec import`, and runs the result.
    @Test func compilesOnnxAndTorchArchivesDirectly() throws {
        let tmp = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let onnx = repoRoot.appendingPathComponent("Tests/EdgeONNXTests/Fixtures/conv_relu.onnx").path
        let pte = tmp.appendingPathComponent("conv_relu.pte").path
        let c = try edgec("compile", onnx, "-o", pte, "--stats")
        #expect(c.status == 0, "\(c.stderr)")
        #expect(c.stdout.contains("aten::convolution.out") && c.stdout.contains("aten::relu.out"))
        let r = try edgec("run", pte, "--fill", "1.0")
        #expect(r.status == 0, "\(r.stderr)")
        // A dynamic batch in a .pt2 is fixed to its upper bound unless --input-shape says otherwise.
        let pt2 = repoRoot.appendingPathComponent("Tests/EdgeTorchTests/Fixtures/mlp.pt2").path
        let mlp = tmp.appendingPathComponent("mlp.pte").path
        let m = try edgec("compile", pt2, "-o", mlp, "--input-shape", "x=3,16")
        #expect(m.status == 0, "\(m.stderr)")
        let i = try edgec("inspect", mlp)
        #expect(i.stdout.contains("[3, 16]") || i.stdout.contains("3x16") || i.stdout.contains("[3,16]"), "\(i.stdout)")
        let bad = try edgec("compile", pt2, "-o", mlp + ".2", "--input-shape", "nope=1,2")
        #expect(bad.status != 0)
        #expect(!FileManager.default.fileExists(atPath: mlp + ".2"))
    }
}
