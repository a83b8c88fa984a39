import Foundation

/// `edgec conformance` as a library call: run a suite (filtered), write the report and the
/// markdown record, and check (or record) the expected-pass list. The command only parses
/// its arguments into this and maps the verdict to an exit status.
public struct SuiteCheck {
    public var suite: String
    public var settings = RunSettings()
    /// Only cases whose name matches this regular expression.
    public var filter: String?
    /// The expected-pass list to check against (or to rewrite, with `recordExpected`).
    public var expected: String?
    public var recordExpected = false
    /// Write the results as JSON here.
    public var report: String?
    /// Replace this run's section of a markdown record.
    public var markdown: String?
    public var edgecVersion: String

    /// What the run concluded.
    public enum Verdict: Sendable {
        /// No list to check, or every listed case that ran passed.
        case ok
        /// Listed cases did not pass.
        case regressions
        /// The list was rewritten (never mistaken for a check).
        case recorded
    }

    public init(suite: String, edgecVersion: String) {
        self.suite = suite
        self.edgecVersion = edgecVersion
    }

    /// Runs the suite; `print` receives the summary and the check's lines (stdout).
    public func run(print: (String) -> Void) throws -> Verdict {
        let suiteURL = URL(fileURLWithPath: suite)
        let loaded = try Suite(directory: suiteURL)
        var cases = loaded.cases
        if let filter {
            guard let regex = try? NSRegularExpression(pattern: filter) else { throw ConformanceError("--filter '\(filter)' is not a regular expression") }
            cases = cases.filter { regex.firstMatch(in: $0.name, range: NSRange($0.name.startIndex..., in: $0.name)) != nil }
        }
        let checkList = try expected.map { path in
            recordExpected && !FileManager.default.fileExists(atPath: path) ? ExpectedList(names: []) : try ExpectedList(path: path)
        }
        if settings.executor == .executorch {
            for (path, what) in [(settings.python, "--python"), (settings.script, "--executorch-script")] where !FileManager.default.fileExists(atPath: path) {
                throw ConformanceError("\(what) \(path) does not exist (set up the oracles with Scripts/setup-oracles.sh)")
            }
        }
        settings.progress("running \(cases.count) cases of \(suiteURL.lastPathComponent) on \(settings.executor.rawValue) for the \(settings.backend) backend, \(settings.jobs) at a time")
        let start = Date()
        let results = try SuiteRunner(cases: cases, settings: settings).run()
        let record = SuiteReport(suite: suiteURL.lastPathComponent, executor: settings.executor, backend: settings.backend, onnxVersion: loaded.onnxVersion,
                                 edgecVersion: edgecVersion, seconds: Date().timeIntervalSince(start), jobs: settings.jobs, cases: results)
        print(record.summaryText())
        if let report { try AtomicWrite.write(try record.json(), to: report) }
        if let markdown {
            var command = "edgec conformance \(suite) --executor \(settings.executor.rawValue)"
            if settings.backend != "portable" { command += " --backend \(settings.backend)" }
            if let filter { command += " --filter '\(filter)'" }
            command += " --markdown \(markdown)"
            try record.updateMarkdown(at: markdown, command: command)
        }
        for r in results where r.outcome == .crash || r.outcome == .timeout {
            print("\(r.outcome.rawValue.uppercased()): \(r.name): \(r.message ?? "")\n")
        }
        guard let expected, let checkList else { return .ok }
        if recordExpected {
            try ExpectedList.write(results, to: expected, header: """
                Cases of \(suiteURL.lastPathComponent) that pass on edgec's \(settings.executor.rawValue) executor\(settings.backend == "portable" ? "" : " compiled for \(settings.backend)"); `edgec conformance` with
                --expected fails when one stops passing. Add newly passing cases on purpose (or rerun with --record-expected).
                """)
            print("recorded \(results.filter { $0.outcome == .pass }.count) passing cases in \(expected); rerun without --record-expected to check\n")
            return .recorded
        }
        let (regressions, newPasses) = checkList.check(results)
        if !newPasses.isEmpty {
            print("\(newPasses.count) cases pass but are not in \(expected); add them on purpose:\n")
            for n in newPasses { print("  \(n)\n") }
        }
        if !regressions.isEmpty {
            print("FAIL: \(regressions.count) cases in \(expected) do not pass:\n")
            for r in regressions { print("  \(r.name): \(r.outcome.rawValue): \(r.message ?? r.reason ?? "")\n") }
            return .regressions
        }
        print("ok: all \(results.filter { checkList.names.contains($0.name) }.count) expected cases that ran pass\n")
        return .ok
    }
}

/// A conformance run that cannot start (a bad filter, a missing oracle).
public struct ConformanceError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String
    public init(_ message: String) {
        self.message = message
        description = "error: " + message
    }
    /// An error in the file at `path`: `path: error: message`.
    public init(path: String, _ message: String) {
        self.message = message
        description = "\(path): error: " + message
    }
}

/// Atomic file writes of reports and outputs (temp file + rename): readers see the old file
/// or the complete new one.
public enum AtomicWrite {
    public static func write(_ data: Data, to path: String) throws {
        let temp = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        do {
            try data.write(to: URL(fileURLWithPath: temp))
            guard rename(temp, path) == 0 else { throw ConformanceError("cannot move \(temp) to \(path)") }
        } catch {
            try? FileManager.default.removeItem(atPath: temp)
            throw error
        }
    }
}
