/// The directive suffixes understood after a check prefix (`CHECK:`, `CHECK-NEXT:`, ...).
public enum CheckKind: String, Sendable, CaseIterable {
    case plain = ""
    case next = "NEXT"
    case same = "SAME"
    case not = "NOT"
    case dag = "DAG"
    case label = "LABEL"
    case empty = "EMPTY"

    /// The directive as written, e.g. `CHECK-NEXT` for prefix `CHECK`.
    public func spelled(prefix: String) -> String {
        self == .plain ? prefix : "\(prefix)-\(rawValue)"
    }
}

/// One element of a parsed check pattern.
enum PatternPiece: Sendable, Equatable {
    /// Literal text; runs of spaces/tabs match any run of spaces/tabs.
    case literal(String)
    /// `{{regex}}`.
    case regex(String)
    /// `[[NAME:regex]]`: match `regex` and bind its text to `NAME`.
    case define(name: String, regex: String)
    /// `[[NAME]]`: the bound text of `NAME`, matched literally. `column` is the
    /// 1-based column of the `[[` in the check line (for diagnostics).
    case use(name: String, column: Int)
}

/// One directive found in a check file.
public struct CheckDirective: Sendable {
    public let kind: CheckKind
    /// The prefix it was written with (`CHECK`, or another from `prefixes`).
    public let prefix: String
    /// The pattern text, with leading/trailing whitespace removed.
    public let pattern: String
    /// 1-based line in the check file (offset by `firstLine`).
    public let line: Int
    /// 1-based column of the pattern's first character.
    public let column: Int
    /// The full check-file line, quoted in diagnostics.
    public let sourceLine: String
    let pieces: [PatternPiece]

    /// The directive as written, e.g. `CHECK-NEXT`.
    public var name: String { kind.spelled(prefix: prefix) }
}

/// A parsed check file: its directives in source order.
public struct CheckFile: Sendable {
    public let fileName: String
    public let directives: [CheckDirective]

    /// Extracts the directives of `text`.
    ///
    /// A directive is `PREFIX:` or `PREFIX-SUFFIX:` (SUFFIX one of NEXT, SAME,
    /// NOT, DAG, LABEL, EMPTY) anywhere on a line, e.g. after `//`. The prefix must
    /// not be preceded by a letter, digit, `_` or `-`. An unknown suffix such as
    /// `CHECK-NXT:` is an error, as are malformed patterns, an empty pattern (except
    /// for EMPTY, which must have none), NEXT/SAME/EMPTY before any positive
    /// directive, and variables in LABEL patterns.
    ///
    /// - Parameters:
    ///   - firstLine: line number of the first line of `text` (use the `firstLine`
    ///     of a `splitCases` chunk to keep original line numbers).
    ///   - allowEmpty: accept a text without any directive (LLVM: an error).
    /// - Throws: `FileCheckFailure` listing every problem found.
    public static func parse(text: String, fileName: String, prefixes: [String] = ["CHECK"],
                             firstLine: Int = 1, allowEmpty: Bool = false) throws(FileCheckFailure) -> CheckFile {
        let sortedPrefixes = prefixes.sorted { $0.count > $1.count }.map { Array($0.utf8) }
        var directives: [CheckDirective] = []
        var errors: [FileCheckDiagnostic] = []
        var sawPositive = false
        for (index, line) in splitLines(text).enumerated() {
            let lineNo = firstLine + index
            func error(_ column: Int, _ message: String) {
                errors.append(FileCheckDiagnostic(severity: .error, file: fileName, line: lineNo, column: column,
                                                  message: message, sourceLine: line))
            }
            guard let found = findDirective(in: line, prefixes: sortedPrefixes) else { continue }
            let directiveColumn = String(decoding: line.utf8.prefix(found.directiveStart), as: UTF8.self).count + 1
            guard let kind = found.kind else {
                error(directiveColumn, "unsupported check directive '\(found.spelling):'")
                continue
            }
            // Pattern: rest of the line, trimmed.
            let rest = line[line.utf8.index(line.startIndex, offsetBy: found.patternStart)...]
            let leading = rest.prefix { $0 == " " || $0 == "\t" }
            var pattern = String(rest.dropFirst(leading.count))
            while let last = pattern.last, last == " " || last == "\t" { pattern.removeLast() }
            let column = line[..<rest.startIndex].count + leading.count + 1
            let name = kind.spelled(prefix: found.prefix)

            if kind == .empty {
                if !pattern.isEmpty { error(column, "found non-empty check string for empty check with prefix '\(name):'") }
            } else if pattern.isEmpty {
                error(column, "found empty check string with prefix '\(name):'")
                continue
            }
            if [.next, .same, .empty].contains(kind) && !sawPositive {
                error(directiveColumn, "found '\(name)' without previous '\(found.prefix): line")
            }
            if kind != .not { sawPositive = true }
            do {
                let pieces = try parsePattern(pattern, column: column, lineNo: lineNo)
                if kind == .label && pieces.contains(where: {
                    if case .literal = $0 { return false }
                    if case .regex = $0 { return false }
                    return true
                }) {
                    error(column, "found '\(name):' with variable definition or use")
                }
                directives.append(CheckDirective(kind: kind, prefix: found.prefix, pattern: pattern, line: lineNo,
                                                 column: column, sourceLine: line, pieces: pieces))
            } catch let failure {
                error(failure.column, failure.message)
            }
        }
        if directives.isEmpty && errors.isEmpty && !allowEmpty {
            let names = prefixes.map { "'\($0):'" }.joined(separator: ", ")
            errors.append(FileCheckDiagnostic(severity: .error, file: fileName, line: firstLine, column: 1,
                                              message: "no check strings found with prefix \(names)"))
        }
        if !errors.isEmpty { throw FileCheckFailure(errors) }
        return CheckFile(fileName: fileName, directives: directives)
    }

    private struct FoundDirective {
        var prefix: String
        var kind: CheckKind?   // nil: unknown suffix
        var spelling: String
        var directiveStart: Int  // utf8 offset of the prefix
        var patternStart: Int    // utf8 offset just past the ':'
    }

    /// Finds the first directive on `line` (utf8 offsets). Prefixes are ASCII.
    private static func findDirective(in line: String, prefixes: [[UInt8]]) -> FoundDirective? {
        let bytes = Array(line.utf8)
        func isWord(_ b: UInt8) -> Bool {
            (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 || b == 45
        }
        let colon = UInt8(ascii: ":"), dash = UInt8(ascii: "-")
        for i in bytes.indices where i == 0 || !isWord(bytes[i - 1]) {
            for p in prefixes where bytes[i...].starts(with: p) {
                let j = i + p.count
                let prefix = String(decoding: p, as: UTF8.self)
                guard j < bytes.count else { continue }
                if bytes[j] == colon {
                    return FoundDirective(prefix: prefix, kind: .plain, spelling: prefix, directiveStart: i,
                                          patternStart: j + 1)
                }
                guard bytes[j] == dash else { continue }
                var k = j + 1
                while k < bytes.count && isWord(bytes[k]) && bytes[k] != 95 { k += 1 }
                guard k < bytes.count, bytes[k] == colon, k > j + 1 else { continue }
                let suffix = String(decoding: bytes[(j + 1)..<k], as: UTF8.self)
                let kind = CheckKind(rawValue: suffix).flatMap { $0 == .plain ? nil : $0 }
                return FoundDirective(prefix: prefix, kind: kind, spelling: "\(prefix)-\(suffix)",
                                      directiveStart: i, patternStart: k + 1)
            }
        }
        return nil
    }

    struct PatternError: Error {
        var column: Int
        var message: String
    }

    /// Parses `{{regex}}`, `[[NAME:regex]]`, `[[NAME]]`, `[[@LINE]]`, `[[@LINE+N]]`
    /// and literal text. `column` is the 1-based column of the pattern's start.
    static func parsePattern(_ text: String, column: Int, lineNo: Int) throws(PatternError) -> [PatternPiece] {
        let c = Array(text)
        var pieces: [PatternPiece] = []
        var literal = ""
        func flush() {
            if !literal.isEmpty { pieces.append(.literal(literal)); literal = "" }
        }
        func at(_ i: Int, _ s: String) -> Bool { c[i...].starts(with: s) }
        func validate(_ regex: String, _ i: Int) throws(PatternError) {
            do { _ = try Regex(regex) } catch {
                throw PatternError(column: column + i, message: "invalid regex '\(regex)': \(error)")
            }
        }
        var i = 0
        while i < c.count {
            if at(i, "{{") {
                var j = i + 2
                while j + 1 < c.count && !(c[j] == "}" && c[j + 1] == "}") { j += 1 }
                guard j + 1 < c.count else {
                    throw PatternError(column: column + i, message: "found start of regex string with no end '}}'")
                }
                while j + 2 < c.count && c[j + 2] == "}" { j += 1 }  // `{{a{2}}}`: the last `}}` closes
                let regex = String(c[(i + 2)..<j])
                guard !regex.isEmpty else { throw PatternError(column: column + i, message: "found empty regex string") }
                try validate(regex, i)
                flush()
                pieces.append(.regex(regex))
                i = j + 2
            } else if at(i, "[[") {
                var k = i + 2, depth = 0
                while k < c.count {
                    if c[k] == "\\" { k += 2; continue }
                    if c[k] == "[" { depth += 1 }
                    else if c[k] == "]" {
                        if depth == 0 && k + 1 < c.count && c[k + 1] == "]" { break }
                        depth = max(0, depth - 1)
                    }
                    k += 1
                }
                guard k < c.count else {
                    throw PatternError(column: column + i, message: "invalid substitution block, no ]] found")
                }
                let body = String(c[(i + 2)..<k])
                if body.hasPrefix("#") {
                    throw PatternError(column: column + i, message: "numeric substitution blocks are not supported")
                } else if body.hasPrefix("@LINE") {
                    let offsetText = body.dropFirst(5).filter { $0 != " " }
                    guard let offset = offsetText.isEmpty ? 0 : Int(offsetText),
                          offsetText.isEmpty || offsetText.first == "+" || offsetText.first == "-" else {
                        throw PatternError(column: column + i, message: "invalid @LINE expression '\(body)'")
                    }
                    literal += String(lineNo + offset)
                } else {
                    let colon = body.firstIndex(of: ":")
                    let name = String(body[..<(colon ?? body.endIndex)])
                    guard isValidVariableName(name) else {
                        throw PatternError(column: column + i + 2, message: "invalid variable name '\(name)'")
                    }
                    flush()
                    if let colon {
                        let regex = String(body[body.index(after: colon)...])
                        guard !regex.isEmpty else {
                            throw PatternError(column: column + i, message: "empty regex in definition of '\(name)'")
                        }
                        try validate(regex, i)
                        pieces.append(.define(name: name, regex: regex))
                    } else {
                        pieces.append(.use(name: name, column: column + i))
                    }
                }
                i = k + 2
            } else {
                literal.append(c[i])
                i += 1
            }
        }
        flush()
        return pieces
    }

    static func isValidVariableName(_ name: String) -> Bool {
        var scalars = Substring(name).unicodeScalars[...]
        if scalars.first == "$" { scalars = scalars.dropFirst() }
        guard let first = scalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else {
            return false
        }
        return scalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }
}
