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

/// What the backend after a pipeline executes, so passes create only ops it can lower and
/// fuse only what it runs fused. Without a target (plain `edgec opt`) everything is allowed.
public struct PassTarget: Sendable {
    /// Names of the ops the backend lowers; nil means every op.
    public var supportedOps: Set<String>?
    /// Whether the backend runs conv2d/linear with a `fused_activation` as one kernel.
    public var fusesActivations: Bool

    /// Names of the ops the backend runs on INT8 values (a dequantize → op → quantize group as
    /// one integer kernel); the quantizer plans only these (with a role in ``QuantizableOps``).
    /// Nil: the backend declares no INT8 lowering, and the quantizer plans every op of the table
    /// (QDQ IR to inspect or to hand to another tool).
    public var int8Ops: Set<String>?

    public init(supportedOps: Set<String>? = nil, fusesActivations: Bool = true, int8Ops: Set<String>? = nil) {
        self.supportedOps = supportedOps
        self.fusesActivations = fusesActivations
        self.int8Ops = int8Ops
    }

    /// Whether a pass may create `op`.
    public func supports(_ op: OpDefinition) -> Bool { supportedOps?.contains(op.name) ?? true }
}

/// What a running pass may use: rewriters that record its changes, and the target.
public final class PassContext {
    private var rewriters: [Rewriter] = []
    /// The backend the pipeline prepares for, when known.
    public let target: PassTarget

    init(target: PassTarget = PassTarget()) {
        self.target = target
    }

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
        RecognizePatterns.pass,
        FuseActivation.pass,
        DynamicQuantization.pass,
        DynamicQuantization.int4Pass,
        QuantizeEmbeddings.int4Pass,
        QuantizeWeights.pass,
        SignedInt8.pass,
    ]

    public static func lookup(_ name: String) -> Pass? { all.first { $0.name == name } }
}
