import Foundation
import Testing

/// The repository root, found from this file's path.
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The `edgec` binary under test: `$EDGEC_BINARY`, else the one built beside this test bundle.
func edgecBinary() throws -> URL {
    if let env = ProcessInfo.processInfo.environment["EDGEC_BINARY"] { return URL(fileURLWithPath: env) }
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var candidates = [exe.deletingLastPathComponent().appendingPathComponent("edgec")]
    if let arg0 = CommandLine.arguments.first {
        candidates.append(URL(fileURLWithPath: arg0).deletingLastPathComponent().appendingPathComponent("edgec"))
    }
    candidates.append(repoRoot.appendingPathComponent(".build/debug/edgec"))
    for c in candidates where FileManager.default.isExecutableFile(atPath: c.path) { return c }
    throw ToolError("edgec binary not found (looked at \(candidates.map(\.path))); build it or set EDGEC_BINARY")
}

struct ToolError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// The outcome of one run of a program.
struct RunResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a program to completion with a time limit, capturing both streams; `directory` is its
/// working directory (default: the test's).
func runProgram(_ url: URL, _ arguments: [String], timeout: TimeInterval = 120, directory: URL? = nil,
                environment: [String: String] = [:]) throws -> RunResult {
    let process = Process()
    process.executableURL = url
    process.arguments = arguments
    if !environment.isEmpty {
        var env = ProcessInfo.processInfo.environment
        for (name, value) in environment { env[name] = value }  // the given values override the test's
        process.environment = env
    }
    if let directory { process.currentDirectoryURL = directory }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("edgec-run-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    // Files, not pipes: a chatty program cannot block on a full pipe buffer.
    let out = dir.appendingPathComponent("out"), err = dir.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: out.path, contents: nil)
    _ = FileManager.default.createFile(atPath: err.path, contents: nil)
    let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
    process.standardOutput = outHandle
    process.standardError = errHandle
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning {
        if Date() > deadline {
            process.terminate()
            process.waitUntilExit()
            throw ToolError("\(url.lastPathComponent) \(arguments.joined(separator: " ")) timed out after \(timeout) s")
        }
        Thread.sleep(forTimeInterval: 0.005)
    }
    try outHandle.close()
    try errHandle.close()
    return RunResult(status: process.terminationStatus,
                     stdout: String(decoding: try Data(contentsOf: out), as: UTF8.self),
                     stderr: String(decoding: try Data(contentsOf: err), as: UTF8.self))
}

/// Runs `edgec` with arguments.
func edgec(_ arguments: String...) throws -> RunResult {
    try runProgram(try edgecBinary(), arguments)
}

func edgec(_ arguments: [String]) throws -> RunResult {
    try runProgram(try edgecBinary(), arguments)
}

/// A fresh temporary directory, removed by the caller.
func makeTempDir() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("edgec-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}
