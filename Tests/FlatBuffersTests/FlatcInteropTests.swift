// Interop with the reference compiler: flatc must decode what we build, and we must read what
// flatc encodes. flatc is required (CI installs `flatbuffers-compiler`); these tests fail, not
// skip, when it is missing.
import FlatBuffers
import Foundation
import Testing

@Suite struct FlatcInteropTests {
    /// Locates `flatc` on PATH.
    static func flatc() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for dir in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent("flatc")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw FlatcMissing()
    }

    struct FlatcMissing: Error, CustomStringConvertible {
        var description: String {
            "flatc not found on PATH; install the `flatbuffers-compiler` package (e.g. apt-get install flatbuffers-compiler)"
        }
    }

    /// A fresh temp directory holding the sample schema.
    static func workspace() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fbtest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try sampleFBS.write(to: dir.appendingPathComponent("schema.fbs"), atomically: true, encoding: .utf8)
        return dir
    }

    /// Runs flatc in `dir`, recording its stderr on failure.
    static func run(_ arguments: [String], in dir: URL) throws {
        let process = Process()
        process.executableURL = try flatc()
        process.arguments = arguments
        process.currentDirectoryURL = dir
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = errors
        try process.run()
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "flatc \(arguments.joined(separator: " ")) failed: \(output)")
    }

    static func parseJSON(_ data: Data) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: data) as? NSDictionary)
    }

    @Test(arguments: [Root.sample, Root(), Root(names: [], leaves: [], data: [], points: [], pairs: [])])
    func flatcDecodesOurBuffer(_ value: Root) throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(encode(value)).write(to: dir.appendingPathComponent("ours.bin"))
        try Self.run(["--json", "--strict-json", "--raw-binary", "-o", "out", "schema.fbs", "--", "ours.bin"], in: dir)
        let decoded = try Data(contentsOf: dir.appendingPathComponent("out/ours.json"))
        let actual = try Self.parseJSON(decoded)
        let expected = try Self.parseJSON(Data(json(value).utf8))
        #expect(actual.isEqual(expected), "flatc: \(String(decoding: decoded, as: UTF8.self))\nexpected: \(json(value))")
    }

    @Test(arguments: [Root.sample, Root(), Root(names: [], leaves: [], data: [], points: [], pairs: [])])
    func weReadFlatcBuffer(_ value: Root) throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        try json(value).write(to: dir.appendingPathComponent("data.json"), atomically: true, encoding: .utf8)
        try Self.run(["-b", "schema.fbs", "data.json"], in: dir)
        let bytes = [UInt8](try Data(contentsOf: dir.appendingPathComponent("data.bin")))
        let verified = try Verifier().verify(bytes, root: Schemas.root, fileIdentifier: "ET12")
        #expect(decodeRoot(verified.root) == value)
        if let data = verified.root.vector(6), data.count > 0 { #expect(data.position % 16 == 0) }
    }
}
