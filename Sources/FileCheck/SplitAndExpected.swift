/// Splits `text` on separator lines (`// -----`, MLIR's `--split-input-file`
/// marker; surrounding whitespace and extra dashes allowed). Each chunk keeps its
/// text verbatim (separator line removed) with the 1-based line number, in the
/// whole file, of its first line. A text without separators is one chunk.
public func splitCases(text: String) -> [(text: String, firstLine: Int)] {
    var chunks: [(text: String, firstLine: Int)] = []
    var chunkStart = text.startIndex
    var chunkLine = 1
    var lineStart = text.startIndex
    var lineNo = 1
    while lineStart < text.endIndex {
        let lineEnd = text[lineStart...].firstIndex(where: { $0 == "\n" || $0 == "\r\n" }) ?? text.endIndex
        let next = lineEnd < text.endIndex ? text.index(after: lineEnd) : text.endIndex
        let trimmed = text[lineStart..<lineEnd].drop(while: { $0 == " " || $0 == "\t" })
        if trimmed.hasPrefix("// -----") && trimmed.dropFirst(3).allSatisfy({ $0 == "-" || $0 == " " || $0 == "\t" }) {
            chunks.append((String(text[chunkStart..<lineStart]), chunkLine))
            chunkStart = next
            chunkLine = lineNo + 1
        }
        lineStart = next
        lineNo += 1
    }
    chunks.append((String(text[chunkStart...]), chunkLine))
    return chunks
}

/// An `expected-error` annotation (MLIR `-verify-diagnostics` style).
public struct ExpectedDiagnostic: Sendable, Equatable {
    /// Line the error is expected on (annotation line plus any `@+N`/`@-N`).
    public var line: Int
    /// Substring the error message must contain.
    public var message: String
    /// Line holding the annotation itself.
    public var annotationLine: Int

    public init(line: Int, message: String, annotationLine: Int) {
        self.line = line
        self.message = message
        self.annotationLine = annotationLine
    }
}

/// Collects `expected-error {{substring}}` annotations (several per line
/// allowed). `expected-error@+N` / `@-N` target a line relative to the
/// annotation; `@above` / `@below` mean `@-1` / `@+1`.
///
/// - Parameter firstLine: line number of the first line of `text` (for chunks
///   from `splitCases`).
/// - Throws: `FileCheckFailure` for an annotation without a `{{...}}` message
///   or with a malformed offset.
public func parseExpectedErrors(text: String, fileName: String = "input",
                                firstLine: Int = 1) throws(FileCheckFailure) -> [ExpectedDiagnostic] {
    let marker = "expected-error"
    var result: [ExpectedDiagnostic] = []
    var errors: [FileCheckDiagnostic] = []
    for (index, line) in splitLines(text).enumerated() {
        let lineNo = firstLine + index
        var rest = line[...]
        while let found = rest.firstRange(of: marker) {
            let column = line[..<found.lowerBound].count + 1
            func fail(_ message: String) {
                errors.append(FileCheckDiagnostic(severity: .error, file: fileName, line: lineNo, column: column,
                                                  message: message, sourceLine: line))
            }
            var cursor = line[found.upperBound...]
            var target = lineNo
            if cursor.first == "@" {
                let spec = cursor.dropFirst().prefix { !($0 == " " || $0 == "\t" || $0 == "{") }
                cursor = cursor[spec.endIndex...]
                switch spec {
                case "above": target -= 1
                case "below": target += 1
                default:
                    guard let sign = spec.first, sign == "+" || sign == "-", let n = Int(spec.dropFirst()) else {
                        fail("invalid offset '@\(spec)' in expected-error")
                        rest = cursor
                        continue
                    }
                    target += sign == "+" ? n : -n
                }
            }
            cursor = cursor.drop { $0 == " " || $0 == "\t" }
            guard cursor.hasPrefix("{{"), var close = cursor.dropFirst(2).firstRange(of: "}}") else {
                fail("expected-error without '{{message}}'")
                rest = cursor
                continue
            }
            while close.upperBound < line.endIndex && line[close.upperBound] == "}" {
                close = line.index(after: close.lowerBound)..<line.index(after: close.upperBound)
            }
            let message = line[line.index(cursor.startIndex, offsetBy: 2)..<close.lowerBound]
            result.append(ExpectedDiagnostic(line: target, message: String(message).trimmingWhitespace(),
                                             annotationLine: lineNo))
            rest = line[close.upperBound...]
        }
    }
    if !errors.isEmpty { throw FileCheckFailure(errors) }
    return result
}

/// Pairs actual errors with expectations (same line, message contains the
/// expected substring; each expectation used once). Returns one problem per
/// unmatched expectation (`expected error "..." was not produced`) and per
/// unmatched actual error (`unexpected error: ...`), ordered by line; empty
/// when everything matches.
public func verifyDiagnostics(expected: [ExpectedDiagnostic], actual: [(line: Int, message: String)],
                              fileName: String = "input") -> [String] {
    var used = [Bool](repeating: false, count: expected.count)
    var problems: [(line: Int, text: String)] = []
    for diagnostic in actual {
        if let k = expected.indices.first(where: {
            !used[$0] && expected[$0].line == diagnostic.line && diagnostic.message.contains(expected[$0].message)
        }) {
            used[k] = true
        } else {
            problems.append((diagnostic.line, "\(fileName):\(diagnostic.line): unexpected error: \(diagnostic.message)"))
        }
    }
    for (k, e) in expected.enumerated() where !used[k] {
        problems.append((e.line, "\(fileName):\(e.line): expected error \"\(e.message)\" was not produced"
                         + (e.annotationLine != e.line ? " (annotation on line \(e.annotationLine))" : "")))
    }
    return problems.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }
        .map(\.element.text)
}

extension String {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
