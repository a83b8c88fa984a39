import EdgeIR
import Foundation

/// An error from parsing or running a pipeline.
public struct PassError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Debugging aids around each pass, as in MLIR's `--print-ir-*` family.
public struct PassInstrumentation: Sendable {
    /// Print the IR before these passes.
    public var printBefore: Set<String> = []
    /// Print the IR after these passes.
    public var printAfter: Set<String> = []
    public var printAfterAll = false
    /// Print the IR after a pass only when it changed something.
    public var printAfterChange = false
    /// Verify the module after every pass and stop at the first pass that breaks it.
    public var verifyEach = false
    /// Collect per-pass wall time (see ``PassRunReport/timingTable()``).
    public var timePasses = false

    public init() {}
}

/// What running a pipeline did.
public struct PassRunReport: Sendable {
    public struct Entry: Sendable {
        public var pass: String
        public var seconds: Double
        public var changes: Int
    }

    public var entries: [Entry] = []

    /// A table of pass, wall time and share of the total.
    public func timingTable() -> String {
        let total = entries.reduce(0) { $0 + $1.seconds }
        let width = max(4, entries.map(\.pass.count).max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        func lpad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - s.count)) + s }
        var out = "===- Pass execution timing report -===\n"
        out += "  \(pad("pass", width))  \(lpad("time (ms)", 10))  \(lpad("share", 7))  changes\n"
        for e in entries {
            let share = total > 0 ? e.seconds / total * 100 : 0
            out += "  \(pad(e.pass, width))  \(lpad(String(format: "%.3f", e.seconds * 1000), 10))  \(lpad(String(format: "%.1f%%", share), 7))  \(e.changes)\n"
        }
        out += "  \(pad("total", width))  \(lpad(String(format: "%.3f", total * 1000), 10))  \(lpad("100.0%", 7))\n"
        return out
    }
}

/// Runs a pipeline of passes over a module with optional instrumentation.
public struct PassManager {
    public var passes: [Pass]
    public var instrumentation: PassInstrumentation
    /// The backend the pipeline prepares for (what ops passes may create).
    public var target = PassTarget()
    /// Where IR dumps go (stderr in the CLI).
    public var dump: (String) -> Void

    public init(passes: [Pass], instrumentation: PassInstrumentation = PassInstrumentation(), dump: @escaping (String) -> Void = { _ in }) {
        self.passes = passes
        self.instrumentation = instrumentation
        self.dump = dump
    }

    /// Parses `a,b,c` into passes of `registry` (default: ``PassRegistry/all``; the compiler
    /// adds its backends' passes); an unknown name is an error that lists the known ones.
    public static func parsePipeline(_ text: String, registry: [Pass] = PassRegistry.all) throws(PassError) -> [Pass] {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if text.trimmingCharacters(in: .whitespaces).isEmpty { return [] }
        var out: [Pass] = []
        for name in names {
            guard !name.isEmpty else { throw PassError("empty pass name in pipeline '\(text)'") }
            guard let pass = registry.first(where: { $0.name == name }) else {
                throw PassError("unknown pass '\(name)'; known passes: \(registry.map(\.name).joined(separator: ", ")) (see `edgec list-passes`)")
            }
            out.append(pass)
        }
        return out
    }

    /// Runs every pass in order.
    @discardableResult
    public func run(_ module: Module) throws -> PassRunReport {
        var report = PassRunReport()
        let printer = IRPrinter()
        for pass in passes {
            if instrumentation.printBefore.contains(pass.name) {
                dump(Self.banner("Before", pass) + printer.print(module))
            }
            let context = PassContext(target: target)
            let start = DispatchTime.now().uptimeNanoseconds
            do {
                try pass.run(module, context)
            } catch {
                throw PassError("pass '\(pass.name)' failed: \(error)")
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            report.entries.append(.init(pass: pass.name, seconds: seconds, changes: context.changeCount))
            if instrumentation.printAfterAll || instrumentation.printAfter.contains(pass.name)
                || (instrumentation.printAfterChange && context.changeCount > 0) {
                dump(Self.banner("After", pass) + printer.print(module))
            }
            if instrumentation.verifyEach {
                do {
                    try Verifier.verify(module)
                } catch {
                    throw PassError("the module does not verify after pass '\(pass.name)':\n\(error)")
                }
            }
        }
        return report
    }

    static func banner(_ when: String, _ pass: Pass) -> String {
        "// -----// IR Dump \(when) \(pass.name) (\(pass.summary)) //----- //\n"
    }
}
