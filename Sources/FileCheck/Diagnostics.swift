/// One located message, rendered LLVM-style:
///
///     test.eir:12:16: error: CHECK-NEXT: expected string not found in input
///     // CHECK-NEXT: edge.add
///                    ^
public struct FileCheckDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, note }

    public var severity: Severity
    /// File name (check file name or input name such as `<stdin>`).
    public var file: String
    /// 1-based line number.
    public var line: Int
    /// 1-based column, counted in `Character`s.
    public var column: Int
    public var message: String
    /// The quoted source line shown under the message (nil: none shown).
    public var sourceLine: String?
    /// Number of characters highlighted (`^~~~`); 0 or 1 shows a lone caret.
    public var length: Int

    public init(severity: Severity, file: String, line: Int, column: Int, message: String,
                sourceLine: String? = nil, length: Int = 0) {
        self.severity = severity
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.sourceLine = sourceLine
        self.length = length
    }

    public var description: String {
        var text = "\(file):\(line):\(column): \(severity.rawValue): \(message)"
        guard let src = sourceLine else { return text }
        var caret = ""
        var index = 1
        for ch in src where index < column {
            caret.append(ch == "\t" ? "\t" : " ")
            index += 1
        }
        if index < column { caret += String(repeating: " ", count: column - index) }
        caret += "^" + String(repeating: "~", count: max(0, length - 1))
        text += "\n" + src + "\n" + caret
        return text
    }
}

/// A failed check (or a malformed check file): one or more errors, each
/// followed by its notes. `description` is the full multi-line report.
public struct FileCheckFailure: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [FileCheckDiagnostic]

    public init(_ diagnostics: [FileCheckDiagnostic]) { self.diagnostics = diagnostics }

    /// Only the error diagnostics (no notes).
    public var errors: [FileCheckDiagnostic] { diagnostics.filter { $0.severity == .error } }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Outcome of `FileCheck.run`.
public enum FileCheckResult: Sendable {
    case success
    case failure(FileCheckFailure)

    public var succeeded: Bool {
        if case .success = self { return true }
        return false
    }

    /// The failure, or nil on success.
    public var failure: FileCheckFailure? {
        if case .failure(let f) = self { return f }
        return nil
    }
}

/// Splits text into lines on `\n` (a `\r\n` pair counts as one break and the
/// `\r` is dropped). A final newline does not start an extra empty line.
func splitLines(_ text: String) -> [String] {
    var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        .map(String.init)
    if lines.last == "" { lines.removeLast() }
    return lines
}

/// Approximate substring match: the minimum edit distance between `pattern`
/// and any substring of `text`, with that substring's character range.
func fuzzySubstringDistance(_ pattern: [Character], _ text: [Character]) -> (distance: Int, range: Range<Int>) {
    let n = text.count
    var prev = [Int](repeating: 0, count: n + 1)
    var prevStart = Array(0...n)
    var cur = prev
    var curStart = prevStart
    for (i, pc) in pattern.enumerated() {
        cur[0] = i + 1
        curStart[0] = 0
        if n > 0 {
            for j in 1...n {
                var best = prev[j - 1] + (pc == text[j - 1] ? 0 : 1)
                var start = prevStart[j - 1]
                if prev[j] + 1 < best { best = prev[j] + 1; start = prevStart[j] }
                if cur[j - 1] + 1 < best { best = cur[j - 1] + 1; start = curStart[j - 1] }
                cur[j] = best
                curStart[j] = start
            }
        }
        swap(&prev, &cur)
        swap(&prevStart, &curStart)
    }
    var bestEnd = 0
    for j in 0...n where prev[j] < prev[bestEnd] { bestEnd = j }
    return (prev[bestEnd], prevStart[bestEnd]..<bestEnd)
}
