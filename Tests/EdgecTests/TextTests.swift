import EdgeCompiler
import FileCheck
import Foundation
import Testing

/// Runs the `.eir` text tests under Tests/text, MLIR-lit style.
///
/// Each file has one or more `// RUN:` lines of the form
/// `[not] edgec <args with %s> [2>&1] [| FileCheck %s [--check-prefix=P]]`:
/// - `%s` is the test file, `%S` its folder (for data files under `Inputs/`); `not` expects a
///   non-zero exit;
/// - `--split-input-file` runs each `// -----` case separately (line numbers are kept) and
///   joins their outputs with `// -----` lines before checking;
/// - `--verify-diagnostics` compares the errors edgec prints with the case's
///   `// expected-error {{...}}` annotations (`@+N`/`@-N` for other lines);
/// - `| FileCheck %s` checks stdout (stdout and stderr with `2>&1`) against the file's CHECK lines.
@Suite struct TextTests {
    static func files() -> [String] {
        let root = repoRoot.appendingPathComponent("Tests/text")
        guard let e = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else { return [] }
        return e.compactMap { $0 as? URL }.filter { $0.pathExtension == "eir" }
            .map { String($0.path.dropFirst(repoRoot.path.count + 1)) }.sorted()
    }

    /// Every registered pass has its text test (`Tests/text/passes/<name with _>.eir`), and
    /// the IR tests are there: the list is derived from the pass registry, not a count.
    @Test func everyPassHasATextTest() {
        let files = Set(Self.files())
        for pass in Listings.passNames {
            let file = "Tests/text/passes/\(pass.replacingOccurrences(of: "-", with: "_")).eir"
            #expect(files.contains(file), "pass \(pass) has no text test \(file)")
        }
        for file in ["Tests/text/ir/roundtrip.eir", "Tests/text/ir/invalid.eir", "Tests/text/ir/instrumentation.eir", "Tests/text/passes/pipelines.eir"] {
            #expect(files.contains(file), "\(file) is missing")
        }
    }

    @Test(arguments: files())
    func textTest(_ relativePath: String) throws {
        let url = repoRoot.appendingPathComponent(relativePath)
        let text = try String(contentsOf: url, encoding: .utf8)
        let runLines = text.split(separator: "\n").compactMap { line -> String? in
            guard let r = line.range(of: "// RUN:") else { return nil }
            return line[r.upperBound...].trimmingCharacters(in: .whitespaces)
        }
        #expect(!runLines.isEmpty, "\(relativePath) has no RUN line")
        for run in runLines {
            try execute(run, file: url, relativePath: relativePath, text: text)
        }
    }

    struct Command {
        var expectFailure = false
        var arguments: [String] = []
        var mergeStderr = false
        var split = false
        var verifyDiagnostics = false
        var checkPrefix: String?
    }

    func parse(_ run: String) throws -> Command {
        let stages = run.split(separator: "|").map { $0.split(separator: " ").map(String.init) }
        guard (1...2).contains(stages.count) else { throw ToolError("RUN line must be one command, optionally piped to FileCheck: \(run)") }
        var cmd = Command()
        var tokens = stages[0]
        if tokens.first == "not" {
            cmd.expectFailure = true
            tokens.removeFirst()
        }
        guard tokens.first == "edgec" else { throw ToolError("RUN line must run edgec: \(run)") }
        for t in tokens.dropFirst() {
            switch t {
            case "2>&1": cmd.mergeStderr = true
            case "--split-input-file": cmd.split = true
            case "--verify-diagnostics": cmd.verifyDiagnostics = true
            default: cmd.arguments.append(t)
            }
        }
        if stages.count == 2 {
            let fc = stages[1]
            guard fc.first == "FileCheck", fc.contains("%s") else { throw ToolError("only '| FileCheck %s' may follow the command: \(run)") }
            cmd.checkPrefix = fc.first { $0.hasPrefix("--check-prefix=") }.map { String($0.dropFirst("--check-prefix=".count)) } ?? "CHECK"
        }
        return cmd
    }

    func execute(_ run: String, file: URL, relativePath: String, text: String) throws {
        let cmd = try parse(run)
        let cases: [(text: String, firstLine: Int)] = cmd.split ? splitCases(text: text) : [(text, 1)]
        let dir = try makeTempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var outputs: [String] = []
        for (index, c) in cases.enumerated() {
            // Pad so edgec reports the original file's line numbers.
            let caseFile = dir.appendingPathComponent(file.lastPathComponent)
            try (String(repeating: "\n", count: c.firstLine - 1) + c.text).write(to: caseFile, atomically: true, encoding: .utf8)
            let args = cmd.arguments.map { $0 == "%s" ? caseFile.path : $0.replacingOccurrences(of: "%S", with: file.deletingLastPathComponent().path) }
            let result = try edgec(args)
            let label = "\(relativePath) case \(index + 1) (line \(c.firstLine)): edgec \(args.joined(separator: " "))"
            if cmd.verifyDiagnostics {
                let expected = try parseExpectedErrors(text: c.text, fileName: relativePath, firstLine: c.firstLine)
                let actual = diagnosticsPrinted(result.stderr, path: caseFile.path)
                let problems = verifyDiagnostics(expected: expected, actual: actual, fileName: relativePath)
                #expect(problems.isEmpty, "\(label)\n\(problems.joined(separator: "\n"))\n--- stderr ---\n\(result.stderr)")
                #expect((result.status != 0) == !expected.isEmpty, "\(label): exit status \(result.status)\n\(result.stderr)")
            } else if cmd.expectFailure {
                #expect(result.status != 0, "\(label): expected failure, got success")
            } else {
                #expect(result.status == 0, "\(label): exit status \(result.status)\n\(result.stderr)")
            }
            outputs.append(cmd.mergeStderr ? result.stdout + result.stderr : result.stdout)
        }
        if let prefix = cmd.checkPrefix {
            let output = outputs.joined(separator: "// -----\n")
            let checks = try CheckFile.parse(text: text, fileName: relativePath, prefixes: [prefix])
            if case .failure(let f) = FileCheck.run(checks: checks, input: output, inputName: "<edgec output>") {
                Issue.record("\(relativePath): RUN: \(run)\n\(f)\n--- output ---\n\(output)")
            }
        }
    }

    /// `path:line:col: error: message` lines printed by edgec.
    func diagnosticsPrinted(_ stderr: String, path: String) -> [(line: Int, message: String)] {
        stderr.split(separator: "\n").compactMap { line in
            guard line.hasPrefix(path + ":") else { return nil }
            let rest = line.dropFirst(path.count + 1)
            let parts = rest.split(separator: ":", maxSplits: 2)
            guard parts.count == 3, let n = Int(parts[0]), parts[2].hasPrefix(" error: ") else { return nil }
            return (n, String(parts[2].dropFirst(" error: ".count)))
        }
    }
}
