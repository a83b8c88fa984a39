/// A message about the user's input, tied to a place in a file or a node of the model.
public struct Diagnostic: Error, Sendable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        case error, warning, note
    }

    public var severity: Severity
    public var message: String
    /// Where in a text file, when the input was text.
    public var position: SourcePosition?
    /// The text of the line at `position`, shown with a caret.
    public var sourceLine: String?
    /// Follow-up notes (previous definition, suggestions).
    public var notes: [Diagnostic]

    public init(_ severity: Severity = .error, _ message: String, at position: SourcePosition? = nil,
                sourceLine: String? = nil, notes: [Diagnostic] = []) {
        self.severity = severity
        self.message = message
        self.position = position
        self.sourceLine = sourceLine
        self.notes = notes
    }

    /// `file:line:col: error: message`, then the source line with a caret under the column.
    public var description: String {
        var out = ""
        if let p = position { out += "\(p.file):\(p.line):\(p.column): " }
        out += "\(severity.rawValue): \(message)"
        if let line = sourceLine, let p = position {
            out += "\n" + line + "\n"
            // Keep tabs so the caret lines up under the same column.
            let prefix = line.prefix(max(0, p.column - 1)).map { $0 == "\t" ? "\t" : " " }.joined()
            out += prefix + "^"
        }
        for n in notes { out += "\n" + n.description }
        return out
    }
}

/// One or more diagnostics, thrown when input is rejected.
public struct DiagnosticError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public init(_ diagnostic: Diagnostic) { self.diagnostics = [diagnostic] }
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Maps byte offsets of a text to 1-based line and column numbers and line text.
struct SourceText {
    let file: String
    let bytes: [UInt8]
    private let lineStarts: [Int]

    init(file: String, text: String) {
        self.file = file
        self.bytes = Array(text.utf8)
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == 0x0A { starts.append(i + 1) }
        self.lineStarts = starts
    }

    func lineIndex(of offset: Int) -> Int {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    func position(of offset: Int) -> SourcePosition {
        let line = lineIndex(of: offset)
        let start = lineStarts[line]
        let column = String(decoding: bytes[start..<min(offset, bytes.count)], as: UTF8.self).count + 1
        return SourcePosition(file: file, line: line + 1, column: column)
    }

    func lineText(_ line: Int) -> String {
        guard line >= 1, line <= lineStarts.count else { return "" }
        let start = lineStarts[line - 1]
        var end = line < lineStarts.count ? lineStarts[line] - 1 : bytes.count
        if end > start, bytes[end - 1] == 0x0D { end -= 1 }
        return String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
    }

    func diagnostic(_ message: String, at offset: Int, notes: [Diagnostic] = []) -> Diagnostic {
        let p = position(of: offset)
        return Diagnostic(.error, message, at: p, sourceLine: lineText(p.line), notes: notes)
    }
}
