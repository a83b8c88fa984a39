import Foundation

/// Sorts failures into outcomes and short reasons that group cases with the same cause.
///
/// "Unsupported" means edgec said it lacks something (an op, an attribute value, a dtype, a
/// form of input): the importer's "edgec does not support" / "is not supported" messages, the
/// backend's "no lowering" report, the interpreter's "no kernel for", and values an importer
/// needs at import time that no test input can give, forms the importer says it imports
/// ("edgec imports 1-D and 2-D windows"), and kernels' "unsupported dtype". Any other
/// diagnostic is an error.
enum Classifier {
    /// Phrases of diagnostics that report missing support rather than a fault.
    static let unsupportedPhrases = [
        "does not support", "not supported", "no lowering for backend", "no kernel for",
        "known at import time", "needs static shapes", "edgec imports ", "unsupported dtype",
    ]

    static func classify(_ f: CaseFailure) -> (Outcome, String) {
        let m = f.message
        if f.stage == .compare {
            if let r = m.range(of: #"output \d+ "[^"]*": (dtype|shape|values)"#, options: .regularExpression) {
                let kind = m[r].split(separator: " ").last!
                return (.mismatch, "mismatch: \(kind)")
            }
            return (.mismatch, "mismatch: output count")
        }
        guard unsupportedPhrases.contains(where: m.contains) else {
            return (.error, "\(f.stage.rawValue): " + normalize(firstLine(m)))
        }
        // Import: "N nodes use ops edgec does not support: Foo (opset 13, definition 13) ×1 at ..."
        if let r = m.range(of: "edgec does not support: ") {
            let ops = m[r.upperBound...].split(separator: ";").compactMap { part -> String? in
                part.trimmingCharacters(in: .whitespaces).split(separator: " ").first.map(String.init)
            }
            return (.unsupported, "import: op " + ops.joined(separator: ", "))
        }
        // Lowering: "N nodes have no lowering for backend portable: edge.foo at "x" (why), ..."
        if let r = m.range(of: #"no lowering for backend \w+: "#, options: .regularExpression) {
            var ops: [String] = []
            for item in splitTopLevel(String(m[r.upperBound...])) {
                guard let op = item.split(separator: " ").first, op.hasPrefix("edge.") else { continue }
                var text = String(op)
                if item.hasSuffix(")"), let open = item.firstIndex(of: "(") {
                    text += " (" + normalize(String(item[item.index(after: open)..<item.index(before: item.endIndex)])) + ")"
                }
                if !ops.contains(text) { ops.append(text) }
            }
            return (.unsupported, "lowering: " + (ops.isEmpty ? normalize(firstLine(m)) : ops.joined(separator: ", ")))
        }
        if let r = m.range(of: "no kernel for ") {
            var kernels = String(m[r.upperBound...])
            // The kernel names only: the nodes that use them (after the phrase) differ per case.
            if let end = kernels.range(of: " in edgec's interpreter") { kernels = String(kernels[..<end.lowerBound]) }
            return (.unsupported, "kernel: " + kernels)
        }
        // Import of a node: `node "x" (Op, opset 13): what is not supported`.
        if let match = m.firstMatch(of: #/node "[^"]*" \(([A-Za-z0-9_.]+), opset \d+\): (.*)/#) {
            return (.unsupported, "\(f.stage.rawValue): \(match.1): " + normalize(firstLine(String(match.2))))
        }
        return (.unsupported, "\(f.stage.rawValue): " + normalize(firstLine(m)))
    }

    /// Splits `a, b (x, y), c` at the commas outside parentheses.
    static func splitTopLevel(_ s: String) -> [String] {
        var parts: [String] = [], current = "", depth = 0
        for c in s {
            if c == "(" { depth += 1 } else if c == ")" { depth = max(0, depth - 1) }
            if c == ",", depth == 0 {
                parts.append(current.trimmingCharacters(in: .whitespaces))
                current = ""
            } else {
                current.append(c)
            }
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty { parts.append(current.trimmingCharacters(in: .whitespaces)) }
        return parts
    }

    static func firstLine(_ s: String) -> String {
        var t = s.hasPrefix("error: ") ? String(s.dropFirst(7)) : s
        if let nl = t.firstIndex(of: "\n") { t = String(t[..<nl]) }
        return t
    }

    /// Drops what differs between cases with the same cause: quoted names, numbers, shapes.
    static func normalize(_ s: String) -> String {
        var t = s.replacing(#/"[^"]*"/#, with: "\"…\"")
        t = t.replacing(#/\[[-0-9, ]*\]/#, with: "[…]")
        t = t.replacing(#/\b\d+(\.\d+)?(e-?\d+)?\b/#, with: "N")
        return t.count <= 120 ? t : String(t.prefix(120)) + "…"
    }
}
