import Foundation

/// How one conformance case ended. Crashes and timeouts are always edgec bugs.
public enum Outcome: String, Codable, Sendable, CaseIterable, Comparable {
    /// Every output of every data set matched.
    case pass
    /// The program ran, but an output differs (dtype, shape or values beyond the tolerances).
    case mismatch
    /// edgec reported an op, attribute, dtype or form it does not support yet.
    case unsupported
    /// A diagnostic that is not about missing support: an import, compile or run failure.
    case error
    /// The case's process died (a trap, a signal) instead of reporting.
    case crash
    /// The case's process ran past the per-case time limit and was killed.
    case timeout

    public static func < (a: Outcome, b: Outcome) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// The result of one case on one executor, as the child process prints it (one JSON line)
/// and as `--report` records it.
public struct CaseResult: Codable, Sendable {
    public var name: String
    public var outcome: Outcome
    /// A short key that groups failures with the same cause (`import: op Foo`,
    /// `lowering: edge.bar`, `mismatch: output 0 values`); nil for passes.
    public var reason: String?
    /// The full diagnostic (trimmed), for failures.
    public var message: String?
    /// The ONNX op types of the case's model (subgraphs included).
    public var ops: [String]
    /// Graph inputs that were bound to their test values at import (see docs/conformance.md).
    public var constantInputs: [String]?
    /// Graph inputs that are sequences or optionals, compiled with the length or presence the
    /// test data gives them (edgec resolves sequences at compile time; docs/design.md). Such
    /// passes count with the bound ones.
    public var structuredInputs: [String]?
    /// Wall-clock seconds the case took.
    public var seconds: Double

    /// Whether the case needed test values at compile time: inputs bound to constants, or
    /// sequences and optionals given their test data's length or presence.
    public var bindsTestData: Bool { !(constantInputs ?? []).isEmpty || !(structuredInputs ?? []).isEmpty }

    public init(name: String, outcome: Outcome, reason: String? = nil, message: String? = nil, ops: [String] = [],
                constantInputs: [String]? = nil, structuredInputs: [String]? = nil, seconds: Double = 0) {
        self.name = name
        self.outcome = outcome
        self.reason = reason
        self.message = message.map { Self.trim($0) }
        self.ops = ops
        self.constantInputs = constantInputs
        self.structuredInputs = structuredInputs
        self.seconds = seconds
    }

    /// Messages are kept to 2000 characters.
    static func trim(_ s: String) -> String {
        s.count <= 2000 ? s : String(s.prefix(2000)) + "…"
    }

    /// One line of JSON (the child-process protocol).
    public func jsonLine() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The last line of `output` that decodes as a result, if any.
    public static func parse(output: String) -> CaseResult? {
        for line in output.split(separator: "\n").reversed() where line.hasPrefix("{") {
            if let r = try? JSONDecoder().decode(CaseResult.self, from: Data(line.utf8)) { return r }
        }
        return nil
    }
}
