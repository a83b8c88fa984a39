import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended.
public struct ChildExit: Sendable {
    /// The exit status, or the signal number when `signaled`.
    public var status: Int32
    public var signaled: Bool
    public var timedOut: Bool
    public var stdout: String
    public var stderr: String
    public var seconds: Double
}

/// Runs programs with a time limit, their output going to files (a chatty child cannot block
/// on a full pipe). A child past its limit is killed with SIGKILL.
public enum ChildProcess {
    public static func run(_ executable: String, _ arguments: [String], timeout: Double,
                           environment: [String: String]? = nil, scratch: URL) -> ChildExit {
        let start = Date()
        let id = UUID().uuidString
        let out = scratch.appendingPathComponent("\(id).out"), err = scratch.appendingPathComponent("\(id).err")
        defer {
            try? FileManager.default.removeItem(at: out)
            try? FileManager.default.removeItem(at: err)
        }
        func failed(_ why: String) -> ChildExit {
            ChildExit(status: -1, signaled: false, timedOut: false, stdout: "", stderr: why, seconds: Date().timeIntervalSince(start))
        }
        guard FileManager.default.createFile(atPath: out.path, contents: nil),
              FileManager.default.createFile(atPath: err.path, contents: nil),
              let outHandle = try? FileHandle(forWritingTo: out), let errHandle = try? FileHandle(forWritingTo: err) else {
            return failed("cannot create output files in \(scratch.path)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = outHandle
        process.standardError = errHandle
        process.standardInput = FileHandle.nullDevice
        let done = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in done.signal() }
        do { try process.run() } catch {
            try? outHandle.close()
            try? errHandle.close()
            return failed("cannot start \(executable): \(error.localizedDescription)")
        }
        var timedOut = false
        if done.wait(timeout: .now() + timeout) == .timedOut {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
            done.wait()
        }
        try? outHandle.close()
        try? errHandle.close()
        let stdout = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        return ChildExit(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                         timedOut: timedOut, stdout: stdout, stderr: stderr, seconds: Date().timeIntervalSince(start))
    }

    /// The running program's own path (for re-invoking it as a child).
    public static var currentExecutable: String {
        #if os(Linux)
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        #endif
        return Bundle.main.executablePath ?? CommandLine.arguments[0]
    }

    /// A name for a signal number (`SIGSEGV`).
    static func signalName(_ s: Int32) -> String {
        let names: [Int32: String] = [SIGSEGV: "SIGSEGV", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP", SIGABRT: "SIGABRT",
                                      SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL"]
        return names[s] ?? "signal \(s)"
    }

    /// The lines of a crashed child's stderr that say why (Swift's "Fatal error: ..."), else its tail.
    static func crashSummary(_ stderr: String) -> String {
        let lines = stderr.split(separator: "\n").map(String.init)
        if let fatal = lines.first(where: { $0.contains("Fatal error") || $0.contains("fatal error") || $0.contains("Precondition failed") }) {
            return fatal
        }
        return lines.suffix(3).joined(separator: " | ")
    }
}
