import Foundation
import Testing
@testable import EdgeConformance

/// The suite runner against stand-ins for `edgec conformance-case` and the ExecuTorch worker
/// that crash, hang or talk nonsense on cue: every case still gets an outcome.
@Suite(.serialized) struct RunnerTests {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("edgec-runner-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try write("fake-edgec", """
            #!/bin/sh
            # $1 = conformance-case, $2 = case dir, $4 = name
            case "$4" in
              *crash*) kill -SEGV $$ ;;
              *trap*) echo "Fatal error: Index out of range" >&2; kill -ILL $$ ;;
              *hang*) exec sleep 30 ;;
              *garbage*) echo "not json"; exit 3 ;;
              *args*) echo '{"name":"'"$4"'","outcome":"pass","ops":["Relu"],"seconds":0,"message":"'"$*"'"}'; exit 0 ;;
            esac
            echo '{"name":"'"$4"'","outcome":"pass","ops":["Relu"],"seconds":0}'
            """)
        try write("fake-python-worker", """
            echo '{"ready": true}'
            while read -r line; do
              name=$(echo "$line" | sed 's/.*"case":"\\([^"]*\\)".*/\\1/')
              case "$name" in
                *pydie*) echo "Segfault in runtime" >&2; kill -9 $$ ;;
                *pyhang*) exec sleep 30 ;;
                *pyfail*) echo '{"case":"'"$name"'","ok":false,"error":"RuntimeError: Failed to load method"}' ;;
                *) echo '{"case":"'"$name"'","ok":true}' ;;
              esac
            done
            """)
    }

    func write(_ name: String, _ text: String) throws {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
    }

    func run(_ names: [String], executor: Executor = .interpreter, jobs: Int = 2, backend: String = "portable") throws -> [String: CaseResult] {
        var settings = RunSettings()
        settings.executor = executor
        settings.backend = backend
        settings.jobs = jobs
        settings.timeout = 2
        settings.edgec = dir.appendingPathComponent("fake-edgec").path
        settings.python = "/bin/sh"
        settings.script = dir.appendingPathComponent("fake-python-worker").path
        let cases = names.map { CaseSpec(name: $0, directory: dir.appendingPathComponent($0)) }
        let results = try SuiteRunner(cases: cases, settings: settings).run()
        #expect(results.map(\.name) == names)
        return Dictionary(uniqueKeysWithValues: results.map { ($0.name, $0) })
    }

    @Test func crashesAndHangsAreOutcomes() throws {
        let r = try run(["ok_1", "crash_1", "trap_1", "hang_1", "garbage_1", "ok_2"])
        #expect(r["ok_1"]?.outcome == .pass && r["ok_2"]?.outcome == .pass)
        #expect(r["crash_1"]?.outcome == .crash)
        #expect(r["crash_1"]?.message?.contains("SIGSEGV") == true)
        #expect(r["trap_1"]?.outcome == .crash)
        #expect(r["trap_1"]?.reason == "crash: Fatal error: Index out of range")
        #expect(r["hang_1"]?.outcome == .timeout)
        #expect(r["garbage_1"]?.outcome == .crash)
        #expect(r["garbage_1"]?.message?.contains("exit status 3") == true)
    }

    @Test func executorchWorkerDeathsAreOutcomes() throws {
        let r = try run(["a_ok", "b_pydie", "c_ok", "d_pyhang", "e_pyfail", "f_ok", "g_crash"], executor: .executorch, jobs: 1)
        #expect(r["a_ok"]?.outcome == .pass)
        #expect(r["b_pydie"]?.outcome == .crash)
        #expect(r["b_pydie"]?.message?.contains("Segfault in runtime") == true, "\(r["b_pydie"]?.message ?? "")")
        #expect(r["c_ok"]?.outcome == .pass)  // a new worker took over
        #expect(r["d_pyhang"]?.outcome == .timeout)
        #expect(r["e_pyfail"]?.outcome == .error)
        #expect(r["e_pyfail"]?.reason?.hasPrefix("executorch: RuntimeError") == true)
        #expect(r["f_ok"]?.outcome == .pass)
        #expect(r["g_crash"]?.outcome == .crash)
    }

    /// Every case's child compiles for the run's backend.
    @Test func backendReachesEveryCase() throws {
        let r = try run(["args_1"], backend: "arm-cpu")
        #expect(r["args_1"]?.message?.contains("--backend arm-cpu") == true, "\(r["args_1"]?.message ?? "")")
        let p = try run(["args_2"])
        #expect(p["args_2"]?.message?.contains("--backend portable") == true, "\(p["args_2"]?.message ?? "")")
    }

    /// An arm-cpu run has its own section (markers, title) next to the portable one.
    @Test func backendRunsHaveTheirOwnMarkdownSection() throws {
        let path = dir.appendingPathComponent("b.md").path
        let cases = [CaseResult(name: "a", outcome: .pass, ops: ["Add"])]
        let portable = SuiteReport(suite: "s", executor: .executorch, onnxVersion: "1", edgecVersion: "0", seconds: 1, jobs: 2, cases: cases)
        let arm = SuiteReport(suite: "s", executor: .executorch, backend: "arm-cpu", onnxVersion: "1", edgecVersion: "0", seconds: 1, jobs: 2, cases: cases)
        try portable.updateMarkdown(at: path, command: "p")
        try arm.updateMarkdown(at: path, command: "a")
        try arm.updateMarkdown(at: path, command: "a")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.components(separatedBy: "<!-- BEGIN generated: s executorch -->").count == 2)
        #expect(text.components(separatedBy: "<!-- BEGIN generated: s arm-cpu executorch -->").count == 2)
        #expect(text.contains("### s — arm-cpu, executorch"))
        #expect(arm.summaryText().hasPrefix("s on arm-cpu, executorch: 1 cases"))
    }

    @Test func expectedListFindsRegressionsAndNewPasses() throws {
        let path = dir.appendingPathComponent("expected.txt").path
        try "# header\na\nb # note\n\nc\n".write(toFile: path, atomically: true, encoding: .utf8)
        let list = try ExpectedList(path: path)
        #expect(list.names == ["a", "b", "c"])
        let results = [CaseResult(name: "a", outcome: .pass), CaseResult(name: "b", outcome: .crash), CaseResult(name: "d", outcome: .pass)]
        let (regressions, newPasses) = list.check(results)
        #expect(regressions.map(\.name) == ["b"])
        #expect(newPasses == ["d"])
        try ExpectedList.write(results, to: path, header: "h")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "# h\na\nd\n")
    }

    @Test func markdownSectionIsReplacedInPlace() throws {
        let path = dir.appendingPathComponent("c.md").path
        try "# Conformance\n\nintro\n\n## Models\n\nlead fills\n".write(toFile: path, atomically: true, encoding: .utf8)
        var report = SuiteReport(suite: "s", executor: .interpreter, onnxVersion: "1", edgecVersion: "0", seconds: 1, jobs: 2,
                                 cases: [CaseResult(name: "a", outcome: .pass, ops: ["Add"]), CaseResult(name: "b", outcome: .unsupported, reason: "import: op X", ops: ["X", "Add"])])
        try report.updateMarkdown(at: path, command: "edgec conformance s")
        var text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("| Add | 2 | 1 |"))
        #expect(text.contains("| 1 | unsupported | import: op X |"))
        report.cases[1].outcome = .pass
        try report.updateMarkdown(at: path, command: "edgec conformance s")
        text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.components(separatedBy: "<!-- BEGIN generated: s interpreter -->").count == 2)
        #expect(text.hasPrefix("# Conformance\n\nintro\n\n## Models\n\nlead fills\n\n<!-- BEGIN"))
        #expect(text.contains("| Add | 2 | 2 |"))
        #expect(!text.contains("import: op X"))
    }
}
