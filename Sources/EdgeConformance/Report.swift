import Foundation

/// The machine-readable record of one suite run (`--report`).
public struct SuiteReport: Codable, Sendable {
    public var suite: String
    public var executor: Executor
    /// The backend the cases were compiled for.
    public var backend: String
    public var onnxVersion: String?
    public var edgecVersion: String
    public var seconds: Double
    public var jobs: Int
    public var totals: [String: Int]
    public var cases: [CaseResult]

    public init(suite: String, executor: Executor, backend: String = "portable", onnxVersion: String?, edgecVersion: String, seconds: Double, jobs: Int,
                cases: [CaseResult]) {
        self.suite = suite
        self.executor = executor
        self.backend = backend
        self.onnxVersion = onnxVersion
        self.edgecVersion = edgecVersion
        self.seconds = seconds
        self.jobs = jobs
        self.cases = cases
        var totals: [String: Int] = [:]
        for o in Outcome.allCases { totals[o.rawValue] = cases.filter { $0.outcome == o }.count }
        self.totals = totals
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Failure reasons with their case counts, most cases first.
    public var reasons: [(reason: String, outcome: Outcome, count: Int)] {
        var counts: [String: (Outcome, Int)] = [:]
        for c in cases where c.outcome != .pass {
            let key = c.reason ?? c.outcome.rawValue
            counts[key] = (c.outcome, (counts[key]?.1 ?? 0) + 1)
        }
        return counts.map { ($0.key, $0.value.0, $0.value.1) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.reason < $1.reason }
    }

    /// Per ONNX op type: the cases whose model uses it and how many of them pass.
    public var perOp: [(op: String, cases: Int, passed: Int)] {
        var table: [String: (Int, Int)] = [:]
        for c in cases {
            for op in c.ops {
                let (n, p) = table[op] ?? (0, 0)
                table[op] = (n + 1, p + (c.outcome == .pass ? 1 : 0))
            }
        }
        return table.map { ($0.key, $0.value.0, $0.value.1) }.sorted { $0.op < $1.op }
    }

    /// Totals and the top failure reasons, for the terminal.
    public func summaryText(topReasons: Int = 15) -> String {
        var s = "\(suite) on \(runName): \(cases.count) cases, "
        s += Outcome.allCases.map { "\($0.rawValue) \(totals[$0.rawValue] ?? 0)" }.joined(separator: ", ")
        s += String(format: " (%.0f s, %d jobs)\n", seconds, jobs)
        let top = reasons.prefix(topReasons)
        if !top.isEmpty {
            s += "top failure reasons:\n"
            for r in top { s += String(format: "%6d  %@  %@\n", r.count, r.outcome.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0), r.reason) }
        }
        return s
    }

    /// The generated markdown section of docs/conformance.md for this suite and executor.
    public func markdownSection(command: String, topReasons: Int = 25) -> String {
        let (begin, end) = Self.markers(suite: suite, run: markerName)
        var s = begin + "\n"
        s += "### \(suite) — \(runName)\n\n"
        s += "Written by `\(command)`"
        if let onnxVersion { s += " (onnx \(onnxVersion))" }
        s += "; do not edit by hand.\n\n"
        s += "| outcome | cases |\n| --- | --- |\n"
        for o in Outcome.allCases { s += "| \(o.rawValue) | \(totals[o.rawValue] ?? 0) |\n" }
        s += "| **total** | \(cases.count) |\n\n"
        let bound = cases.filter { $0.outcome == .pass && $0.bindsTestData }.count
        if bound > 0 {
            let structured = cases.filter { $0.outcome == .pass && !($0.structuredInputs ?? []).isEmpty }.count
            s += "\(bound) of the passing cases bind inputs the importer needs at import time (shapes, axes, pads) to their test values"
            s += structured > 0 ? ", or compile sequence and optional inputs with the length or presence of their test values (\(structured) cases).\n\n" : ".\n\n"
        }
        let top = reasons.prefix(topReasons)
        if !top.isEmpty {
            s += "Top failure reasons:\n\n| cases | outcome | reason |\n| --- | --- | --- |\n"
            for r in top { s += "| \(r.count) | \(r.outcome.rawValue) | \(Self.cell(r.reason)) |\n" }
            s += "\n"
        }
        s += "<details><summary>Per ONNX op: cases using the op, and how many pass</summary>\n\n"
        s += "| op | cases | passed |\n| --- | --- | --- |\n"
        for row in perOp { s += "| \(row.op) | \(row.cases) | \(row.passed) |\n" }
        s += "\n</details>\n" + end + "\n"
        return s
    }

    /// The run as named in the summary and the section title: the executor, with the backend
    /// when it is not the portable one (`arm-cpu, interpreter`).
    var runName: String { backend == "portable" ? executor.rawValue : "\(backend), \(executor.rawValue)" }

    /// The run as named in the section markers (`interpreter`, `arm-cpu interpreter`).
    var markerName: String { backend == "portable" ? executor.rawValue : "\(backend) \(executor.rawValue)" }

    static func markers(suite: String, run: String) -> (String, String) {
        ("<!-- BEGIN generated: \(suite) \(run) -->", "<!-- END generated: \(suite) \(run) -->")
    }

    static func cell(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    /// Replaces this run's section of the markdown file (or appends it; creates the file).
    public func updateMarkdown(at path: String, command: String) throws {
        let section = markdownSection(command: command)
        let (begin, end) = Self.markers(suite: suite, run: markerName)
        var text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? "# Conformance\n\n"
        if let b = text.range(of: begin), let e = text.range(of: end, range: b.upperBound..<text.endIndex) {
            var after = e.upperBound
            if after < text.endIndex, text[after] == "\n" { after = text.index(after: after) }
            text.replaceSubrange(b.lowerBound..<after, with: section)
        } else {
            if !text.hasSuffix("\n\n") { text += text.hasSuffix("\n") ? "\n" : "\n\n" }
            text += section
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}

/// An expected-pass list: one case name per line, sorted; `#` starts a comment.
public struct ExpectedList: Sendable {
    public var names: Set<String>

    public init(names: Set<String>) { self.names = names }

    public init(path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CLIFailure("error: cannot read the expected-pass list \(path)")
        }
        names = Set(text.split(separator: "\n").compactMap { line in
            let t = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first?.trimmingCharacters(in: .whitespaces) ?? ""
            return t.isEmpty ? nil : t
        })
    }

    /// Compares a run with the list: listed cases that ran and did not pass, and passes not listed.
    public func check(_ results: [CaseResult]) -> (regressions: [CaseResult], newPasses: [String]) {
        let regressions = results.filter { names.contains($0.name) && $0.outcome != .pass }
        let newPasses = results.filter { $0.outcome == .pass && !names.contains($0.name) }.map(\.name)
        return (regressions, newPasses.sorted())
    }

    /// Writes the passing cases of `results` as a sorted list with a header.
    public static func write(_ results: [CaseResult], to path: String, header: String) throws {
        let names = results.filter { $0.outcome == .pass }.map(\.name).sorted()
        let text = header.split(separator: "\n").map { "# " + $0 }.joined(separator: "\n") + "\n" + names.joined(separator: "\n") + "\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
