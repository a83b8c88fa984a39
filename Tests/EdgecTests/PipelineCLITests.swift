import EdgeCompiler
import EdgeProgram
import Foundation
import Testing

/// The staged pipeline through the binary: `--backend`, `list-backends`, `--compile-to` and
/// replaying each stage's output, deterministic output, and source nodes in the `.pte`.
@Suite struct PipelineCLITests {
    static let onnx = repoRoot.appendingPathComponent("Examples/tiny_cnn.onnx").path

    static func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    /// The program at `path` without its compile-info record (which names the file compiled and
    /// its options, so a replay from an .eir records something else), serialized again.
    static func programWithoutCompileInfo(_ path: String) throws -> [UInt8] {
        var program = try ProgramReader.read([UInt8](try bytes(path))).program
        #expect(CompileInfo.of(program) != nil, "\(path) has no compile info")
        program.namedData.removeAll { $0.key == CompileInfo.key }
        return ProgramWriter.serialize(program)
    }

    @Test func unknownBackendListsTheRegisteredOnes() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pte = dir.appendingPathComponent("m.pte").path
        let r = try edgec("compile", Self.onnx, "-o", pte, "--backend", "nope")
        #expect(r.status != 0)
        #expect(r.stderr.contains("unknown backend 'nope'"), "\(r.stderr)")
        for name in Listings.backendNames.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            #expect(r.stderr.contains(name), "the error does not list \(name): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: pte))
        let ok = try edgec("compile", Self.onnx, "-o", pte, "--backend", Listings.defaultBackend)
        #expect(ok.status == 0, "\(ok.stderr)")
    }

    @Test func listBackendsPrintsTheRegistry() throws {
        let r = try edgec("list-backends")
        #expect(r.status == 0)
        #expect(r.stdout == Listings.backends())
        let names = r.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(names.joined(separator: ", ") == Listings.backendNames)
    }

    /// Each `--compile-to` stage writes its result, and that result replays: the IR of the
    /// import and optimize stages through `edgec opt` and `edgec compile` (giving the same
    /// `.pte` as compiling the model directly), the program through `edgec run`.
    @Test(arguments: ["Examples/tiny_cnn.onnx", "Grammar/examples/tiny_cnn.eir", "Tests/EdgeTorchTests/Fixtures/cnn_bn.pt2"])
    func compileToEachStageAndReplay(_ model: String) throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
        let source = repoRoot.appendingPathComponent(model).path

        let direct = try edgec("compile", source, "-o", path("direct.pte"))
        #expect(direct.status == 0, "\(direct.stderr)")
        let lowered = try edgec("compile", source, "--compile-to=lower", "-o", path("lower.pte"))
        #expect(lowered.status == 0, "\(lowered.stderr)")
        #expect(try Self.bytes(path("lower.pte")) == Self.bytes(path("direct.pte")))

        let imported = try edgec("compile", source, "--compile-to=import", "-o", path("imported.eir"))
        #expect(imported.status == 0, "\(imported.stderr)")
        let optimized = try edgec("compile", source, "--compile-to", "optimize", "-o", path("optimized.eir"))
        #expect(optimized.status == 0, "\(optimized.stderr)")
        let importedText = try String(contentsOfFile: path("imported.eir"), encoding: .utf8)
        let optimizedText = try String(contentsOfFile: path("optimized.eir"), encoding: .utf8)
        #expect(!FileManager.default.fileExists(atPath: path("imported.pte")))
        if model.hasSuffix("tiny_cnn.eir") {
            // import keeps the batch norm and the dead clamp; optimize (-O2) folds and removes them.
            #expect(importedText.contains("edge.batch_norm") && importedText.contains("Clip_unused"))
            #expect(!optimizedText.contains("edge.batch_norm") && !optimizedText.contains("Clip_unused"))
        } else {
            // Weights go to the .eirb beside the IR.
            #expect(FileManager.default.fileExists(atPath: path("imported.eirb")))
            #expect(FileManager.default.fileExists(atPath: path("optimized.eirb")))
        }

        // Replays: compile the imported IR (at -O2) and the optimized IR (at -O0): the same
        // program (all but the record of which file and options made it).
        let fromImport = try edgec("compile", path("imported.eir"), "-o", path("from_import.pte"))
        #expect(fromImport.status == 0, "\(fromImport.stderr)")
        #expect(try Self.programWithoutCompileInfo(path("from_import.pte")) == Self.programWithoutCompileInfo(path("direct.pte")))
        let fromOptimized = try edgec("compile", path("optimized.eir"), "-O0", "-o", path("from_optimized.pte"))
        #expect(fromOptimized.status == 0, "\(fromOptimized.stderr)")
        #expect(try Self.programWithoutCompileInfo(path("from_optimized.pte")) == Self.programWithoutCompileInfo(path("direct.pte")))

        // edgec opt replays the imported IR too, and its result compiles and runs.
        let opt = try edgec("opt", path("imported.eir"), "-O1", "--passes", "dce", "--verify-each", "-o", path("opt.eir"))
        #expect(opt.status == 0, "\(opt.stderr)")
        #expect(try edgec("compile", path("opt.eir"), "-o", path("opt.pte")).status == 0)
        let run = try edgec("run", path("opt.pte"), "--fill", "0")
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains(": f32["), "\(run.stdout)")
    }

    @Test func compileToChecksItsArguments() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        // --stats needs a program; an unknown stage names the stages.
        let stats = try edgec("compile", Self.onnx, "--compile-to=import", "--stats", "-o", dir.appendingPathComponent("s.eir").path)
        #expect(stats.status != 0)
        #expect(stats.stderr.contains("--stats"), "\(stats.stderr)")
        let bad = try edgec("compile", Self.onnx, "--compile-to=parse", "-o", dir.appendingPathComponent("bad.eir").path)
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("import, optimize, lower"), "\(bad.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    /// Two separate processes (each with its own hash seed) write byte-identical programs.
    @Test(arguments: [
        ["Examples/tiny_cnn.onnx"],
        ["Grammar/examples/transformer_block.eir", "--input-shape", "tokens=2,16,32"],
        ["Tests/EdgeTorchTests/Fixtures/cnn_bn.pt2"],
    ])
    func outputIsByteIdentical(_ model: [String]) throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var outputs: Set<Data> = []
        for k in 0 ..< 3 {
            let pte = dir.appendingPathComponent("\(k).pte").path
            let r = try edgec(["compile", repoRoot.appendingPathComponent(model[0]).path, "-o", pte] + model.dropFirst())
            #expect(r.status == 0, "\(r.stderr)")
            outputs.insert(try Self.bytes(pte))
        }
        #expect(outputs.count == 1, "\(model[0]): the three compiles differ")
    }

    /// `inspect` shows each instruction's source node, in text and JSON.
    @Test func inspectShowsSourceNodes() throws {
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let pte = dir.appendingPathComponent("m.pte").path
        let eir = repoRoot.appendingPathComponent("Grammar/examples/tiny_cnn.eir").path
        #expect(try edgec("compile", eir, "-O0", "-o", pte).status == 0)
        let text = try edgec("inspect", pte)
        #expect(text.status == 0)
        let lines = text.stdout.split(separator: "\n").map(String.init)
        let conv = try #require(lines.first { $0.contains("aten::convolution.out(") })
        #expect(conv.hasSuffix("@ \"Conv_0\""), "\(conv)")
        let relu = try #require(lines.first { $0.contains("aten::relu.out(") })
        #expect(relu.hasSuffix("@ \"Relu_2\""), "\(relu)")

        let json = try edgec("inspect", pte, "--json")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let plan = try #require((root["plans"] as? [[String: Any]])?.first)
        let instructions = try #require(plan["instructions"] as? [[String: Any]])
        let convJSON = try #require(instructions.first { $0["operator"] as? String == "aten::convolution.out" })
        #expect(convJSON["source"] as? String == "\"Conv_0\"")
        #expect((convJSON["frames"] as? [[String: Any]])?.first?["name"] as? String == "Conv_0")
    }
}
