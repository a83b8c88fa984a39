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

    /// The pass pipeline of this level for `target`.
    public func pipeline(for target: PassTarget = PassTarget()) -> String {
        switch self {
        case .o0: return ""
        case .o1: return "canonicalize,fold-constants,cse,dce"
        case .o2:
            var passes = ["canonicalize", "fold-constants", "cse", "fold-batchnorm", "fuse-linear", "recognize-patterns",
                          "canonicalize", "fold-constants", "cse", "dce"]
            if target.fusesActivations { passes.insert("fuse-activation", at: passes.count - 1) }
            return passes.joined(separator: ",")
        }
    }
}
