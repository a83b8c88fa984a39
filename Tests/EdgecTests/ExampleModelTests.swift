import Foundation
import Testing

/// The README's main command on the committed example model, `Examples/tiny_cnn.onnx`
/// (written by `Conformance/models/make_example.py Examples/tiny_cnn.onnx --io --pb`):
///
///     edgec compile Examples/tiny_cnn.onnx -o tiny_cnn.pte --backend arm-cpu --stats
///     edgec run tiny_cnn.pte --input Examples/tiny_cnn.input.npy
///
/// run exactly as written (relative paths, in a scratch folder that sees the repository's
/// `Examples/`), with the printed scores checked against ONNX Runtime's output
/// (`Examples/tiny_cnn.output.npy`, written by the same script).
@Suite struct ExampleModelTests {
    /// `edgec run` prints 6 significant digits; the scores are of magnitude ~4, so rounding
    /// contributes at most ~5e-6 and float32 summation order ~1e-6. Stated tolerance: 1e-4 absolute.
    static let tolerance: Float = 1e-4

    static let compileCommand = "edgec compile Examples/tiny_cnn.onnx -o tiny_cnn.pte --backend arm-cpu --stats"
    static let runCommand = "edgec run tiny_cnn.pte --input Examples/tiny_cnn.input.npy"

    /// A scratch folder with `Examples` linked to the repository's, so the README's relative paths work.
    func scratch() throws -> URL {
        let dir = try makeTempDir()
        try FileManager.default.createSymbolicLink(at: dir.appendingPathComponent("Examples"),
                                                   withDestinationURL: repoRoot.appendingPathComponent("Examples"))
        return dir
    }

    func run(_ command: String, in dir: URL) throws -> RunResult {
        let words = command.split(separator: " ").map(String.init)
        #expect(words.first == "edgec")
        return try runProgram(try edgecBinary(), Array(words.dropFirst()), directory: dir)
    }

    @Test func readmeCommandMatchesONNXRuntime() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let c = try run(Self.compileCommand, in: dir)
        #expect(c.status == 0, "\(c.stderr)")
        #expect(c.stdout.contains("arena bytes:") && c.stdout.contains("DelegateCall XnnpackBackend") && c.stdout.contains("partitions:      1")
                && c.stdout.contains("portable ops:    0"), "\(c.stdout)")
        let r = try run(Self.runCommand, in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        let reference = try readF32NPY(repoRoot.appendingPathComponent("Examples/tiny_cnn.output.npy"))
        #expect(reference.count == 10)
        let printed = try printedScores(r.stdout)
        try expectClose(printed, reference, "edgec run output")
    }

    /// The README shows these commands and real output of them (within the tolerance).
    @Test func readmeShowsTheCommandsAndTheirOutput() throws {
        let readme = try String(contentsOf: repoRoot.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("swift run " + Self.compileCommand))
        #expect(readme.contains("swift run " + Self.runCommand))
        let line = readme.split(separator: "\n").first { $0.hasPrefix("output: f32[1, 10]") }
        let shown = try printedScores(String(line ?? ""))
        try expectClose(shown, try readF32NPY(repoRoot.appendingPathComponent("Examples/tiny_cnn.output.npy")), "README output")
    }

    /// The same input as an ONNX TensorProto (.pb) gives the same output, written with -o.
    @Test func tensorProtoInput() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try run(Self.compileCommand, in: dir).status == 0)
        let npy = try run(Self.runCommand, in: dir)
        let pb = try run("edgec run tiny_cnn.pte --input Examples/tiny_cnn/test_data_set_0/input_0.pb", in: dir)
        #expect(pb.status == 0, "\(pb.stderr)")
        #expect(pb.stdout == npy.stdout)
        // By name, with the outputs written as .npy files.
        let named = try run("edgec run tiny_cnn.pte --input input=Examples/tiny_cnn/test_data_set_0/input_0.pb -o out", in: dir)
        #expect(named.status == 0, "\(named.stderr)")
        try expectClose(try readF32NPY(dir.appendingPathComponent("out/output.npy")),
                        try readF32NPY(repoRoot.appendingPathComponent("Examples/tiny_cnn.output.npy")), "-o out/output.npy")
    }

    @Test func badTensorProtoInputs() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try run(Self.compileCommand, in: dir).status == 0)
        // Not a protobuf; a TensorProto whose float_data does not match its dims; a wrong extension.
        try Data([0xFF, 0xFF, 0xFF]).write(to: dir.appendingPathComponent("junk.pb"))
        // dims = [2, 2] (field 1, packed), data_type = FLOAT (field 2), float_data = [1.0] (field 4, packed).
        try Data([0x0A, 0x02, 0x02, 0x02, 0x10, 0x01, 0x22, 0x04, 0x00, 0x00, 0x80, 0x3F]).write(to: dir.appendingPathComponent("short.pb"))
        try Data().write(to: dir.appendingPathComponent("x.txt"))
        let cases = [("junk.pb", "not an ONNX TensorProto"), ("short.pb", "1 values in float_data but its dims [2, 2] need 4"),
                     ("x.txt", "inputs are NumPy .npy files or ONNX TensorProto .pb files")]
        for (file, message) in cases {
            let r = try run("edgec run tiny_cnn.pte --input \(file)", in: dir)
            #expect(r.status == 1, "\(file)")
            #expect(r.stderr.contains(message) && r.stderr.contains(file), "\(file): \(r.stderr)")
        }
        // A well-formed tensor of the wrong shape is the interpreter's error.
        let wrong = try run("edgec run tiny_cnn.pte --input Examples/tiny_cnn/test_data_set_0/output_0.pb", in: dir)
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("error:"), "\(wrong.stderr)")
    }

    @Test func repeatPrintsLatency() throws {
        let dir = try scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(try run(Self.compileCommand, in: dir).status == 0)
        let r = try run(Self.runCommand + " --repeat 3", in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("over 3 runs (load excluded)") && r.stdout.contains("time: median "), "\(r.stdout)")
        #expect(try run(Self.runCommand + " --repeat 0", in: dir).status != 0)
    }

    // MARK: helpers

    /// The values in `output: f32[1, 10] min … [a, b, …]`.
    func printedScores(_ stdout: String) throws -> [Float] {
        guard let line = stdout.split(separator: "\n").first(where: { $0.hasPrefix("output: f32[1, 10]") }),
              let open = line.lastIndex(of: "["), let close = line.lastIndex(of: "]") else {
            throw ToolError("no 'output: f32[1, 10] ... [scores]' line in:\n\(stdout)")
        }
        return line[line.index(after: open) ..< close].split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
    }

    func expectClose(_ a: [Float], _ b: [Float], _ what: String) throws {
        #expect(a.count == b.count, "\(what): \(a.count) values, reference has \(b.count)")
        let err = zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
        #expect(err <= Self.tolerance, "\(what): max |error| \(err) > \(Self.tolerance)")
    }

    /// A little-endian float32 C-order .npy file's values.
    func readF32NPY(_ url: URL) throws -> [Float] {
        let bytes = [UInt8](try Data(contentsOf: url))
        guard bytes.count >= 10, bytes[6] == 1 else { throw ToolError("\(url.path): not a version 1 .npy") }
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        let header = String(decoding: bytes[10 ..< 10 + headerLength], as: UTF8.self)
        guard header.contains("'<f4'"), header.contains("False") else { throw ToolError("\(url.path): not little-endian f32 in C order") }
        let data = bytes[(10 + headerLength)...]
        return stride(from: data.startIndex, to: data.endIndex, by: 4).map { i in
            Float(bitPattern: UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24)
        }
    }
}
