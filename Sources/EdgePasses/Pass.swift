import EdgeIR

/// A transformation of a module, identified by a kebab-case name.
///
/// A pass changes IR only through the ``Rewriter``s its ``PassContext`` hands out, so the
/// pass manager can tell whether it changed anything.
public struct Pass: Sendable {
    /// The name used in pipelines (`--passes dce,cse`).
    public let name: String
    /// One line that says what the pass does.
    public let summary: String
    /// Runs the pass over a module.
    public let run: @Sendable (Module, PassContext) throws -> Void

    public init(name: String, summary: String, run: @escaping @Sendable (Module, PassContext) throws -> Void) {
        self.name = name
        self.summary = summary
        self.run = run
    }

    /// A pass that visits each function with a rewriter.
    public static func perFunction(name: String, summary: String, _ body: @escaping @Sendable (Function, Rewriter) throws -> Void) -> Pass {
        Pass(name: name, summary: summary) { module, context in
            for f in module.functions { try body(f, context.rewriter(for: f)) }
        }
    }
}

/// What a running pass may use: rewriters that record its changes.
public final class PassContext {
    private var rewriters: [Rewriter] = []

    init() {}

    /// A rewriter for `function`; every change through it counts as a change by the pass.
    public func rewriter(for function: Function) -> Rewriter {
        let r = Rewriter(function: function)
        rewriters.append(r)
        return r
    }

    /// Total changes made through this context's rewriters.
    public var changeCount: Int { rewriters.reduce(0) { $0 + $1.changeCount } }
}

/// Every pass edgec has, by name. `edgec list-passes` and pipeline parsing derive from it.
public enum PassRegistry {
    public static let all: [Pass] = [
        DeadCodeElimination.pass,
        CommonSubexpressionElimination.pass,
        FoldConstants.pass,
        Canonicalize.pass,
        FoldBatchNorm.pass,
        FuseLinear.pass,
    ]

    public static func lookup(_ name: String) -> Pass? { all.first { $0.name == name } }
}
