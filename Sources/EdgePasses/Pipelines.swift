/// The optimization levels `edgec compile -O<n>` and `edgec opt -O<n>` run.
public enum OptimizationLevel: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// Import only: no passes.
    case o0 = 0
    /// Cheap clean-ups: canonicalize, fold constants, merge duplicates, remove dead code.
    case o1 = 1
    /// Everything: also fold batch norms, fuse bias adds into linear, recognize decomposed
    /// activations and normalizations, and (where the backend runs them fused) fuse activations.
    case o2 = 2

    public var description: String { "-O\(rawValue)" }

    /// The passes of this level for `target`, in order.
    public func passes(for target: PassTarget = PassTarget()) -> [Pass] {
        switch self {
        case .o0: return []
        case .o1: return [Canonicalize.pass, FoldConstants.pass, CommonSubexpressionElimination.pass, DeadCodeElimination.pass]
        case .o2:
            var passes = [Canonicalize.pass, FoldConstants.pass, CommonSubexpressionElimination.pass, FoldBatchNorm.pass,
                          FuseLinear.pass, RecognizePatterns.pass,
                          Canonicalize.pass, FoldConstants.pass, CommonSubexpressionElimination.pass, DeadCodeElimination.pass]
            if target.fusesActivations { passes.insert(FuseActivation.pass, at: passes.count - 1) }
            return passes
        }
    }

    /// The pass names of this level for `target`, comma-separated (as `--passes` takes them).
    public func pipeline(for target: PassTarget = PassTarget()) -> String {
        passes(for: target).map(\.name).joined(separator: ",")
    }
}
