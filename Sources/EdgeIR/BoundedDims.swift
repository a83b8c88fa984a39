/// Bounded dynamic dims: a symbolic dim whose size lies in a range known at compile time
/// (`edgec compile --input-shape x=1..8,3,224,224`). The IR carries the dim as a named symbol
/// (`f32[?N,3,224,224]`) through shape inference and the passes; the module records the range
/// as the attribute `edge.bound.<symbol> = [lo, hi]`, so the `.eir` text keeps it. Lowering
/// plans memory for `hi` and makes a program that runs at any size in the range.
public enum BoundedDims {
    /// The module attribute prefix of a symbol's range.
    public static let attributePrefix = "edge.bound."
    /// The symbol of a ranged dim the model does not name.
    public static let defaultSymbol = "bound"

    /// The bounded symbols of `module` and their ranges. A malformed entry (not `[lo, hi]` with
    /// 1 <= lo < hi) is an error naming it.
    public static func bounds(of module: Module) throws(DiagnosticError) -> [String: ClosedRange<Int>] {
        var out: [String: ClosedRange<Int>] = [:]
        for (key, value) in module.attributes where key.hasPrefix(attributePrefix) {
            let symbol = String(key.dropFirst(attributePrefix.count))
            guard case .ints(let v) = value, v.count == 2, v[0] >= 1, v[0] < v[1], !symbol.isEmpty else {
                throw DiagnosticError(Diagnostic(.error, "module attribute \(key) must be [lo, hi] with 1 <= lo < hi"))
            }
            out[symbol] = Int(v[0]) ... Int(v[1])
        }
        return out
    }

    /// Records `range` as the bound of `symbol` on `module`.
    public static func setBound(_ range: ClosedRange<Int>, of symbol: String, on module: Module) {
        module.attributes[attributePrefix + symbol] = .ints([Int64(range.lowerBound), Int64(range.upperBound)])
    }

    /// The symbols named in `type`'s shape.
    public static func symbols(in type: TensorType) -> Set<String> {
        Set(type.shape.compactMap { d -> String? in
            if case .symbolic(let s) = d, !s.isEmpty { return s }
            return nil
        })
    }
}
