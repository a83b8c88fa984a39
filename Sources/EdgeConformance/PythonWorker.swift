import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A long-lived `run_executorch.py --serve` process: one JSON request per line on its stdin,
/// one answer per line on its stdout, each awaited with a time limit. A worker that dies or
/// overruns is killed; the caller starts a new one.
final class PythonWorker {
    enum Answer {
        case reply(String)
        case died(String)
        case timedOut
    }

    private let process: Process
    private let input: Int32
    private let output: Int32
    private var buffer: [UInt8] = []
    private let stderrURL: URL
    private let stderrHandle: FileHandle

    /// Starts the worker and waits (up to `startTimeout`) for its ready line.
    init(python: String, script: String, scratch: URL, startTimeout: Double = 300) throws {
        signal(SIGPIPE, SIG_IGN)  // a dead worker is an answer, not a reason for the runner to die
        let toChild = Pipe(), fromChild = Pipe()
        stderrURL = scratch.appendingPathComponent("python-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        stderrHandle = try FileHandle(forWritingTo: stderrURL)
        process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "--serve"]
        process.standardInput = toChild
        process.standardOutput = fromChild
        process.standardError = stderrHandle
        try process.run()
        input = toChild.fileHandleForWriting.fileDescriptor
        output = fromChild.fileHandleForReading.fileDescriptor
        // Keep the Pipe objects' descriptors open for the worker's life.
        pipes = (toChild, fromChild)
        switch readLine(timeout: startTimeout) {
        case .reply(let line) where line.contains("ready"): return
        case .reply(let line): stop(); throw CLIFailure("the ExecuTorch worker did not start: \(line)")
        case .died(let why): stop(); throw CLIFailure("the ExecuTorch worker did not start: \(why)")
        case .timedOut: stop(); throw CLIFailure("the ExecuTorch worker did not start within \(Int(startTimeout)) s")
        }
    }

    private var pipes: (Pipe, Pipe)?

    /// Where this request's stderr starts (so a death message shows only its own lines).
    private var stderrMark: UInt64 = 0

    /// Sends one request line and waits for its answer.
    func request(_ line: String, timeout: Double) -> Answer {
        stderrMark = ((try? FileManager.default.attributesOfItem(atPath: stderrURL.path))?[.size] as? NSNumber)?.uint64Value ?? 0
        var bytes = Array((line + "\n").utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(input, $0.baseAddress! + sent, $0.count - sent) }
            if n <= 0 {
                if n < 0, errno == EINTR { continue }
                return .died(deathMessage())
            }
            sent += n
        }
        bytes.removeAll()
        return readLine(timeout: timeout)
    }

    private func readLine(timeout: Double) -> Answer {
        let deadline = Date().addingTimeInterval(timeout)
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let nl = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<nl], as: UTF8.self)
                buffer.removeSubrange(...nl)
                return .reply(line)
            }
            let left = deadline.timeIntervalSinceNow
            if left <= 0 { return .timedOut }
            var fds = [pollfd(fd: output, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 1, Int32(min(left * 1000, 1_000_000)) + 1)
            if ready < 0 {
                if errno == EINTR { continue }
                return .died("poll failed (errno \(errno))")
            }
            if ready == 0 { continue }
            let n = chunk.withUnsafeMutableBytes { Glibc.read(output, $0.baseAddress!, $0.count) }
            if n < 0, errno == EINTR { continue }
            if n <= 0 { return .died(deathMessage()) }
            buffer.append(contentsOf: chunk[..<n])
        }
    }

    /// Why the worker died: its exit status or signal and the last lines of its stderr.
    private func deathMessage() -> String {
        // Give the process a moment to be reaped so its status is known.
        for _ in 0..<100 where process.isRunning { usleep(10_000) }
        var why = "the ExecuTorch runtime process ended"
        if !process.isRunning {
            why += process.terminationReason == .uncaughtSignal
                ? " with \(ChildProcess.signalName(process.terminationStatus))"
                : " with status \(process.terminationStatus)"
        }
        var err = ""
        if let h = try? FileHandle(forReadingFrom: stderrURL) {
            try? h.seek(toOffset: stderrMark)
            err = String(decoding: (try? h.readToEnd()) ?? Data(), as: UTF8.self)
            try? h.close()
        }
        let tail = err.split(separator: "\n").filter { !$0.contains("cpuinfo") }.suffix(4).joined(separator: " | ")
        return tail.isEmpty ? why : why + ": " + tail
    }

    /// Kills the worker (if running) and releases its files.
    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        pipes = nil
        try? stderrHandle.close()
        try? FileManager.default.removeItem(at: stderrURL)
    }

    deinit { stop() }
}

/// A message for the user, printed as is.
public struct CLIFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
