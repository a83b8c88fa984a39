import EdgeBackends
import EdgeONNX
import EdgePasses
import EdgeProgram
import Foundation

/// The cases of a suite folder: from its `manifest.json` (written by
/// `Conformance/onnx-node/generate.py`: name, rtol, atol, non_tensor_io per case) when there is
/// one, else every subfolder holding a `model.onnx` (with onnx's default tolerances).
public struct Suite: Sendable {
    public var directory: URL
    public var cases: [CaseSpec]
    /// The onnx release the manifest was generated with, when known.
    public var onnxVersion: String?

    public init(directory: URL) throws {
        self.directory = directory
        let manifest = directory.appendingPathComponent("manifest.json")
        if let data = FileManager.default.contents(atPath: manifest.path) {
            guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let entries = json["cases"] as? [[String: Any]] else {
                throw CLIFailure("error: \(manifest.path) is not a suite manifest (expected {\"cases\": [...]})")
            }
            onnxVersion = json["onnx_version"] as? String
            cases = entries.compactMap { e in
                guard let name = e["name"] as? String, !name.contains("/"), name != "..", name != "." else { return nil }
                let tol = Tolerance(rtol: (e["rtol"] as? Double) ?? Tolerance.onnxDefault.rtol, atol: (e["atol"] as? Double) ?? Tolerance.onnxDefault.atol)
                return CaseSpec(name: name, directory: directory.appendingPathComponent(name), tolerance: tol,
                                nonTensorIO: (e["non_tensor_io"] as? Bool) ?? false)
            }
        } else {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            cases = names.sorted().filter {
                FileManager.default.fileExists(atPath: directory.appendingPathComponent($0).appendingPathComponent("model.onnx").path)
            }.map { CaseSpec(name: $0, directory: directory.appendingPathComponent($0)) }
            guard !cases.isEmpty else {
                throw CLIFailure("error: \(directory.path) holds no manifest.json and no <case>/model.onnx folders; generate the node suite with .venv/bin/python Conformance/onnx-node/generate.py")
            }
        }
        cases.sort { $0.name < $1.name }
    }
}

/// The executors a suite runs on.
public enum Executor: String, Sendable, CaseIterable, Codable {
    /// edgec's bundled interpreter (EdgeRuntime), in the case's child process.
    case interpreter
    /// ExecuTorch 1.5.1's runtime, through `Conformance/onnx-node/run_executorch.py`.
    case executorch
}

/// Settings of one suite run.
public struct RunSettings: Sendable {
    public var executor: Executor = .interpreter
    public var jobs = 2
    public var timeout = 60.0
    /// The optimization level every case is compiled at (`-O2` by default, as `edgec compile`).
    public var optimization: OptimizationLevel = .o2
    /// The backend every case is compiled for (`portable` by default, as `edgec compile`).
    public var backend = BackendRegistry.defaultBackend.name
    /// The program to re-invoke for each case (`edgec`, which has `conformance-case`).
    public var edgec = ChildProcess.currentExecutable
    public var python = ".venv/bin/python"
    public var script = "Conformance/onnx-node/run_executorch.py"
    /// Progress lines go here.
    public var progress: @Sendable (String) -> Void = { _ in }
    public init() {}
}

/// Runs every case in a child process (`edgec conformance-case`), `jobs` at a time, so that a
/// crash or hang in one case is that case's outcome and never stops the run.
public final class SuiteRunner: @unchecked Sendable {
    let cases: [CaseSpec]
    let settings: RunSettings
    let scratch: URL
    private let lock = NSLock()
    private var next = 0
    private var results: [CaseResult?]
    private var counts: [Outcome: Int] = [:]
    private var finished = 0
    private var lastReport = Date()
    private let started = Date()

    public init(cases: [CaseSpec], settings: RunSettings) throws {
        self.cases = cases
        self.settings = settings
        results = Array(repeating: nil, count: cases.count)
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("edgec-conformance-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: scratch) }

    /// Runs every case and returns the results in case order.
    public func run() -> [CaseResult] {
        let threads = max(1, min(settings.jobs, cases.count))
        let group = DispatchGroup()
        for w in 0..<threads {
            group.enter()
            let thread = Thread { [self] in
                worker(w)
                group.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
        report(force: true)
        return results.enumerated().map { i, r in r ?? CaseResult(name: cases[i].name, outcome: .error, reason: "runner: no result") }
    }

    private func take() -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < cases.count else { return nil }
        next += 1
        return next - 1
    }

    private func worker(_ w: Int) {
        var python: PythonWorker?
        defer { python?.stop() }
        while let i = take() {
            let spec = cases[i]
            let result: CaseResult
            switch settings.executor {
            case .interpreter: result = child(spec, ["--executor", "interpreter"])
            case .executorch: result = runExecuTorch(spec, &python)
            }
            lock.lock()
            results[i] = result
            counts[result.outcome, default: 0] += 1
            finished += 1
            lock.unlock()
            report(force: false)
        }
    }

    /// Runs `edgec conformance-case` for `spec` and reads its one-line result.
    func child(_ spec: CaseSpec, _ extra: [String]) -> CaseResult {
        let args = ["conformance-case", spec.directory.path, "--name", spec.name,
                    "--rtol", "\(spec.tolerance.rtol)", "--atol", "\(spec.tolerance.atol)"]
            + (spec.nonTensorIO ? ["--non-tensor-io"] : []) + ["-O\(settings.optimization.rawValue)", "--backend", settings.backend] + extra
        var env = ProcessInfo.processInfo.environment
        env["SWIFT_BACKTRACE"] = "enable=no"  // a crash is reported at once, not symbolicated for seconds
        let exit = ChildProcess.run(settings.edgec, args, timeout: settings.timeout, environment: env, scratch: scratch)
        let ops = { ONNXModelSummary(path: spec.model.path).opTypes }
        if exit.timedOut {
            return CaseResult(name: spec.name, outcome: .timeout, reason: "timeout",
                              message: "killed after \(Int(settings.timeout)) s", ops: ops(), seconds: exit.seconds)
        }
        if !exit.signaled, exit.status == 0, let r = CaseResult.parse(output: exit.stdout) { return r }
        let how = exit.signaled ? ChildProcess.signalName(exit.status) : "exit status \(exit.status)"
        let why = ChildProcess.crashSummary(exit.stderr)
        return CaseResult(name: spec.name, outcome: .crash, reason: "crash: " + Classifier.normalize(why.isEmpty ? how : why),
                          message: "edgec conformance-case ended with \(how): \(why)", ops: ops(), seconds: exit.seconds)
    }

    /// ExecuTorch: compile in a child, run the programs in a Python worker, compare in a child.
    func runExecuTorch(_ spec: CaseSpec, _ python: inout PythonWorker?) -> CaseResult {
        let start = Date()
        let work = scratch.appendingPathComponent("case-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        var compiled = child(spec, ["--emit", work.path])
        guard compiled.outcome == .pass else { return compiled }
        var runs: [[String: Any]] = []
        let sets = ((try? FileManager.default.contentsOfDirectory(atPath: work.path)) ?? []).filter { $0.hasPrefix("test_data_set_") }.sorted()
        for set in sets {
            let dir = work.appendingPathComponent(set)
            let inputs = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [])
                .compactMap { n -> Int? in n.hasPrefix("input_") && n.hasSuffix(".npy") ? Int(n.dropFirst(6).dropLast(4)) : nil }
                .sorted().map { dir.appendingPathComponent("input_\($0).npy").path }
            runs.append(["pte": dir.appendingPathComponent("program.pte").path, "inputs": inputs, "out": dir.path])
        }
        let request = String(decoding: (try? JSONSerialization.data(withJSONObject: ["case": spec.name, "runs": runs])) ?? Data(), as: UTF8.self)
        if python == nil {
            do { python = try PythonWorker(python: settings.python, script: settings.script, scratch: scratch) } catch {
                compiled.outcome = .error
                compiled.reason = "executorch: worker does not start"
                compiled.message = "\(error)"
                return compiled
            }
        }
        switch python!.request(request, timeout: settings.timeout) {
        case .timedOut:
            python!.stop()
            python = nil
            compiled.outcome = .timeout
            compiled.reason = "timeout (executorch)"
            compiled.message = "the ExecuTorch runtime took more than \(Int(settings.timeout)) s"
            compiled.seconds = Date().timeIntervalSince(start)
            return compiled
        case .died(let why):
            python!.stop()
            python = nil
            compiled.outcome = .crash
            compiled.reason = "crash (executorch runtime): " + Classifier.normalize(why)
            compiled.message = why
            compiled.seconds = Date().timeIntervalSince(start)
            return compiled
        case .reply(let line):
            guard let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  json["case"] as? String == spec.name else {
                python!.stop()
                python = nil
                compiled.outcome = .error
                compiled.reason = "executorch: bad worker reply"
                compiled.message = line
                return compiled
            }
            if json["ok"] as? Bool != true {
                var error = json["error"] as? String ?? "unknown error"
                let unsigned = Self.unsignedWideTypes(runs.compactMap { $0["pte"] as? String })
                if !unsigned.isEmpty {
                    // Known: the pip runtime's portable kernels have no UInt16 / UInt32 / UInt64.
                    error = "\(unsigned.map(\.description).joined(separator: ", ")) tensors are not supported by ExecuTorch's portable kernels (the runtime says: \(error))"
                }
                let (outcome, reason) = Classifier.classify(CaseFailure(.executorch, error))
                compiled.outcome = outcome
                compiled.reason = reason
                compiled.message = CaseResult.trim(error)
                compiled.seconds = Date().timeIntervalSince(start)
                return compiled
            }
        }
        var result = child(spec, ["--compare", work.path])
        result.constantInputs = compiled.constantInputs
        result.seconds = Date().timeIntervalSince(start)
        return result
    }

    /// The ExecuTorch scalar types UInt16 / UInt32 / UInt64 that tensors of these programs have
    /// (sorted; empty when none, or when a program cannot be read).
    static func unsignedWideTypes(_ paths: [String]) -> [PTEScalarType] {
        var found = Set<PTEScalarType>()
        for path in paths {
            guard let bytes = FileManager.default.contents(atPath: path),
                  let loaded = try? ProgramReader.read([UInt8](bytes)) else { continue }
            for plan in loaded.program.plans {
                for v in plan.values {
                    if let t = v.tensor, [.uint16, .uint32, .uint64].contains(t.scalarType) { found.insert(t.scalarType) }
                }
            }
        }
        return found.sorted { $0.rawValue < $1.rawValue }
    }

    /// Prints "done/total" and the counts so far, at most every 5 s (and at the end).
    private func report(force: Bool) {
        lock.lock()
        defer { lock.unlock() }
        guard force || Date().timeIntervalSince(lastReport) >= 5 else { return }
        lastReport = Date()
        let parts = Outcome.allCases.map { "\($0.rawValue) \(counts[$0, default: 0])" }
        settings.progress("[\(finished)/\(cases.count)] " + parts.joined(separator: ", ")
            + String(format: " (%.0f s)", Date().timeIntervalSince(started)))
    }
}

