import ArgumentParser
import EdgeCompiler
import EdgeConformance
import Foundation

struct Conformance: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an ONNX backend-test-style suite through edgec and record the outcomes.",
        discussion: """
        Each case (<suite>/<case>/model.onnx with test_data_set_N/input_K.pb and output_K.pb) is \
        imported, compiled for the backend (--backend, default portable) and run on the executor, in its own child \
        process with a time limit; its outputs are compared with the references (dtypes and \
        shapes exactly, integers and bools exactly, floats with the case's rtol/atol from the \
        suite's manifest.json, NaN equal to NaN). Outcomes: pass, mismatch, unsupported, error, \
        crash, timeout. Progress goes to stderr, a summary to stdout.

        With --expected, the run fails when a listed case does not pass, and lists cases that \
        pass but are not listed (add them on purpose; --record-expected rewrites the list).

          .venv/bin/python Conformance/onnx-node/generate.py
          edgec conformance Conformance/.cache/onnx-node --expected Conformance/onnx-node/expected-pass.txt
          edgec conformance Conformance/.cache/onnx-node --filter '^test_relu' --report out.json
          edgec conformance Conformance/.cache/onnx-node --executor executorch \\
              --expected Conformance/onnx-node/expected-pass-executorch.txt
          edgec conformance Conformance/.cache/onnx-node --backend arm-cpu \\
              --expected Conformance/onnx-node/expected-pass-arm-cpu.txt
        """
    )

    @Argument(help: ArgumentHelp("The suite folder (e.g. Conformance/.cache/onnx-node).", valueName: "suite-dir"))
    var suite: String

    @Option(help: ArgumentHelp("Where programs run: interpreter (edgec's) or executorch (ExecuTorch 1.5.1 via Python).", valueName: "name"))
    var executor: String = Executor.interpreter.rawValue

    @OptionGroup var optimization: OptimizationOptions

    @Option(help: ArgumentHelp("The backend each case is compiled for (\(Listings.backendNames)).", valueName: "name"))
    var backend: String = Listings.defaultBackend

    @Option(help: ArgumentHelp("Cases run at once.", valueName: "N"))
    var jobs: Int = 2

    @Option(help: ArgumentHelp("Write the results as JSON here.", valueName: "out.json"))
    var report: String?

    @Option(help: ArgumentHelp("Run only cases whose name matches this regular expression.", valueName: "regex"))
    var filter: String?

    @Option(help: ArgumentHelp("Seconds one case may take before it is killed (a timeout).", valueName: "seconds"))
    var timeout: Double = 60

    @Option(help: ArgumentHelp("The expected-pass list to check the run against.", valueName: "file"))
    var expected: String?

    @Flag(name: .customLong("record-expected"), help: "Rewrite the --expected list with this run's passes (the run then fails, so a recording is never mistaken for a check).")
    var recordExpected = false

    @Option(help: ArgumentHelp("Replace this run's section of a markdown record (docs/conformance.md).", valueName: "file.md"))
    var markdown: String?

    @Option(help: ArgumentHelp("The Python with ExecuTorch (for --executor executorch).", valueName: "path"))
    var python: String = ".venv/bin/python"

    @Option(name: .customLong("executorch-script"), help: ArgumentHelp("The ExecuTorch runner script.", valueName: "path"))
    var executorchScript: String = "Conformance/onnx-node/run_executorch.py"

    func validate() throws {
        guard Executor(rawValue: executor) != nil else {
            throw ValidationError("unknown executor '\(executor)'; executors: \(Executor.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        do { _ = try ProgramCompiler(backend: backend).resolvedBackend() } catch { throw ValidationError(error.message) }
        guard timeout > 0 else { throw ValidationError("--timeout must be positive") }
        if recordExpected, expected == nil { throw ValidationError("--record-expected needs --expected FILE") }
        if recordExpected, filter != nil { throw ValidationError("--record-expected records a whole run; drop --filter") }
        if let filter, (try? NSRegularExpression(pattern: filter)) == nil { throw ValidationError("--filter '\(filter)' is not a regular expression") }
    }

    func run() throws {
        var check = SuiteCheck(suite: suite, edgecVersion: EdgecVersion.string)
        check.filter = filter
        check.expected = expected
        check.recordExpected = recordExpected
        check.report = report
        check.markdown = markdown
        check.settings.executor = Executor(rawValue: executor) ?? .interpreter
        check.settings.jobs = jobs
        check.settings.backend = backend
        check.settings.timeout = timeout
        check.settings.python = python
        check.settings.script = executorchScript
        check.settings.progress = { writeStderr($0 + "\n") }
        let verdict: SuiteCheck.Verdict
        do {
            check.settings.optimization = try ProgramCompiler.level(optimization.level ?? 2)
            verdict = try check.run { print($0, terminator: "") }
        } catch {
            throw fail(error)
        }
        switch verdict {
        case .ok: return
        case .regressions: throw ExitCode(1)
        case .recorded: throw ExitCode(2)
        }
    }
}

struct ConformanceCase: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conformance-case",
        abstract: "Run one conformance case in this process and print its result as one JSON line.",
        discussion: "Used by `edgec conformance`, which runs each case in its own process.",
        shouldDisplay: false
    )

    @Argument(help: ArgumentHelp("The case folder (model.onnx, test_data_set_N/).", valueName: "case-dir"))
    var directory: String

    @Option(help: "The case name to report (default: the folder name).")
    var name: String?

    @Option(help: "Relative tolerance for floats.")
    var rtol: Double = Tolerance.onnxDefault.rtol

    @Option(help: "Absolute tolerance for floats.")
    var atol: Double = Tolerance.onnxDefault.atol

    @Flag(name: .customLong("non-tensor-io"), help: "The case has non-tensor inputs or outputs.")
    var nonTensorIO = false

    @Option(help: "Only compile: write each data set's program.pte and inputs (.npy) under this folder.")
    var emit: String?

    @Option(help: "Only compare: read each data set's output_K.npy from under this folder.")
    var compare: String?

    @Option(help: "Executor (interpreter).")
    var executor: String = Executor.interpreter.rawValue

    @Option(help: "The backend to compile for.")
    var backend: String = Listings.defaultBackend

    @OptionGroup var optimization: OptimizationOptions

    func run() throws {
        let url = URL(fileURLWithPath: directory)
        let spec = CaseSpec(name: name ?? url.lastPathComponent, directory: url, tolerance: Tolerance(rtol: rtol, atol: atol), nonTensorIO: nonTensorIO,
                            optimization: try ProgramCompiler.level(optimization.level ?? 2), backend: backend)
        let result: CaseResult
        if let emit { result = CaseRunner.emitPrograms(spec, work: URL(fileURLWithPath: emit)) }
        else if let compare { result = CaseRunner.compareOutputs(spec, work: URL(fileURLWithPath: compare)) }
        else { result = CaseRunner.runInterpreter(spec) }
        print(result.jsonLine())
    }
}
