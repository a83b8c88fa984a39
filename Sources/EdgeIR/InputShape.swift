import Foundation

/// The `--input-shape name=dims` option shared by `edgec import` and `edgec compile`.
public enum InputShape {
    /// Parses `name=1,3,224,224` or `name=1x3x224x224` (the ONNX tools' form); `name=` is a
    /// scalar. The name may itself contain `=`: the last one separates it from the dims.
    public static func parse(_ text: String) throws(DiagnosticError) -> (name: String, dims: [Int]) {
        guard let eq = text.lastIndex(of: "="), eq != text.startIndex else {
            throw DiagnosticError(Diagnostic(.error, "--input-shape '\(text)' must look like name=1,3,224,224 (or name=1x3x224x224)"))
        }
        let name = String(text[..<eq]), dimsText = text[text.index(after: eq)...]
        if dimsText.isEmpty { return (name, []) }
        var dims: [Int] = []
        for part in dimsText.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "," || $0 == "x" }) {
            guard let d = Int(part.trimmingCharacters(in: .whitespaces)), d >= 0 else {
                throw DiagnosticError(Diagnostic(.error, "--input-shape '\(text)': '\(part)' is not a non-negative size"))
            }
            dims.append(d)
        }
        return (name, dims)
    }
}
