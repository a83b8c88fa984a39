import Foundation

/// The `--input-shape name=dims` option shared by `edgec import` and `edgec compile`.
public enum InputShape {
    /// Parses `name=1,3,224,224` or `name=1x3x224x224` (the ONNX tools' form); `name=` is a
    /// scalar. The name may itself contain `=`: the last one separates it from the dims. A range
    /// (`1..8`) is refused here: only ``parseBounded(_:)``'s callers (`edgec compile`, `edgec import`) take one.
    public static func parse(_ text: String) throws(DiagnosticError) -> (name: String, dims: [Int]) {
        let parsed = try parseBounded(text)
        if let (axis, range) = parsed.ranges.min(by: { $0.key < $1.key }) {
            throw DiagnosticError(Diagnostic(.error, "--input-shape '\(text)': dim \(axis) is a range (\(range.lowerBound)..\(range.upperBound)); only `edgec compile` and `edgec import` take bounded dims, give a single size here"))
        }
        return (parsed.name, parsed.dims)
    }

    /// ``parse(_:)`` that also takes a range `lo..hi` (1 <= lo < hi) for a dim: the program then
    /// runs at any size in it. `dims` holds each range's upper bound; `ranges` the ranges by axis.
    public static func parseBounded(_ text: String) throws(DiagnosticError) -> (name: String, dims: [Int], ranges: [Int: ClosedRange<Int>]) {
        guard let eq = text.lastIndex(of: "="), eq != text.startIndex else {
            throw DiagnosticError(Diagnostic(.error, "--input-shape '\(text)' must look like name=1,3,224,224 (or name=1x3x224x224; a bounded dim as 1..8)"))
        }
        let name = String(text[..<eq]), dimsText = text[text.index(after: eq)...]
        if dimsText.isEmpty { return (name, [], [:]) }
        var dims: [Int] = [], ranges: [Int: ClosedRange<Int>] = [:]
        // `x` separates dims only outside a range: "1..8x3" is the range 1..8 then 3.
        for part in dimsText.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "," || $0 == "x" }) {
            let item = part.trimmingCharacters(in: .whitespaces)
            if let dots = item.range(of: "..") {
                guard let lo = Int(item[..<dots.lowerBound]), let hi = Int(item[dots.upperBound...]) else {
                    throw DiagnosticError(Diagnostic(.error, "--input-shape '\(text)': '\(item)' is not a range lo..hi of sizes"))
                }
                guard lo >= 1, lo < hi else {
                    throw DiagnosticError(Diagnostic(.error, "--input-shape '\(text)': range \(item) must have 1 <= lo < hi (a single size is written without ..)"))
                }
                ranges[dims.count] = lo ... hi
                dims.append(hi)
                continue
            }
            guard let d = Int(item), d >= 0 else {
                throw DiagnosticError(Diagnostic(.error, "--input-shape '\(text)': '\(part)' is not a non-negative size (or a range lo..hi)"))
            }
            dims.append(d)
        }
        return (name, dims, ranges)
    }
}

extension InputShape {
    /// The `--input-shape` options that would make `type` static in `function`: the inputs
    /// carrying one of its named symbols, or — when it has only anonymous dims (`?`, an ONNX
    /// `dim_value: -1` or a missing dim) or no type is given — every input whose shape is not
    /// static. Each option shows the input's known sizes, its symbol names and `?` for the sizes
    /// to give, e.g. `--input-shape x=1,3,?,100`. Nil when no input has a dynamic dim (the
    /// size then depends on data, which no `--input-shape` fixes).
    public static func suggestion(for type: TensorType? = nil, in function: Function) -> String? {
        let wanted = Set((type?.shape ?? []).compactMap { d -> String? in
            if case .symbolic(let s) = d, !s.isEmpty { return s }
            return nil
        })
        var options: [String] = []
        for (i, arg) in function.arguments.enumerated() where arg.type.staticShape == nil {
            let symbols = Set(arg.type.shape.compactMap { d -> String? in
                if case .symbolic(let s) = d, !s.isEmpty { return s }
                return nil
            })
            if !wanted.isEmpty, symbols.isDisjoint(with: wanted) { continue }
            let dims = arg.type.shape.map { d -> String in
                switch d {
                case .known(let n): return String(n)
                case .symbolic(let s): return s.isEmpty ? "?" : s
                }
            }
            options.append("--input-shape \(function.inputName(i) ?? "#\(i)")=\(dims.joined(separator: ","))")
        }
        guard !options.isEmpty else { return nil }
        return options.joined(separator: " ") + " (each ? and symbol replaced by a size)"
    }

    /// `"; fix it with <suggestion>"`, or a note that the size depends on data.
    public static func fixHint(for type: TensorType? = nil, in function: Function?) -> String {
        guard let function, let s = suggestion(for: type, in: function) else {
            return "; no graph input has a dynamic dim, so the size depends on data and --input-shape cannot fix it"
        }
        return "; fix it with \(s)"
    }
}
