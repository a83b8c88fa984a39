/// Runs parsed checks against tool output (LLVM FileCheck subset).
///
/// Matching is line-oriented: a pattern never spans lines. See `run` for the
/// semantics of each directive.
public enum FileCheck {
    /// Matches `checks` against `input`.
    ///
    /// - `CHECK:` searches from the end of the previous match (same line or later).
    /// - `CHECK-NEXT:` must match on the line right after the previous match's line;
    ///   `CHECK-SAME:` on the same line, after it; `CHECK-EMPTY:` the next line must
    ///   be empty.
    /// - `CHECK-NOT:` must not match between the previous positive match and the
    ///   next one (or the end of the block).
    /// - Consecutive `CHECK-DAG:` lines match in any order, without overlapping,
    ///   after the previous match; the next match counts from the furthest DAG match.
    /// - `CHECK-LABEL:` lines are matched first, in order, and split the input into
    ///   blocks; the other checks are confined to their block. A failure inside a
    ///   block is reported and checking resumes at the next block.
    /// - Variables (`[[X:re]]`, used as `[[X]]`) persist for the whole run; labels do
    ///   not clear them (like LLVM without `--enable-var-scope`).
    public static func run(checks: CheckFile, input: String, inputName: String = "<stdin>") -> FileCheckResult {
        let checker = Checker(checks: checks, lines: splitLines(input), inputName: inputName)
        checker.run()
        return checker.diagnostics.isEmpty ? .success : .failure(FileCheckFailure(checker.diagnostics))
    }

    /// Parses `checkText` and runs it; parse errors come back as a failure.
    public static func run(checkText: String, checkFileName: String = "check", input: String,
                           inputName: String = "<stdin>", prefixes: [String] = ["CHECK"]) -> FileCheckResult {
        do {
            let file = try CheckFile.parse(text: checkText, fileName: checkFileName, prefixes: prefixes)
            return run(checks: file, input: input, inputName: inputName)
        } catch {
            return .failure(error)
        }
    }
}

/// Input position: line index and utf8 offset within that line.
private struct Pos: Comparable {
    var line: Int
    var col: Int
    static func < (a: Pos, b: Pos) -> Bool { (a.line, a.col) < (b.line, b.col) }
}

private struct Match {
    var start: Pos
    var end: Pos
    var captures: [(name: String, value: String)] = []
}

/// A check pattern compiled against the current variable bindings.
private struct Compiled {
    var regex: Regex<AnyRegexOutput>
    var groups: [(variable: String, group: String)]
}

private final class Checker {
    let checks: CheckFile
    let lines: [String]
    let inputName: String
    var variables: [String: String] = [:]
    var diagnostics: [FileCheckDiagnostic] = []

    init(checks: CheckFile, lines: [String], inputName: String) {
        self.checks = checks
        self.lines = lines
        self.inputName = inputName
    }

    var inputEnd: Pos { Pos(line: lines.count, col: 0) }

    func run() {
        let dirs = checks.directives
        var regionFirst = 0
        var opening: Match? = nil
        var regionStart = Pos(line: 0, col: 0)
        for labelIndex in dirs.indices.filter({ dirs[$0].kind == .label }) + [dirs.count] {
            var label: Match? = nil
            if labelIndex < dirs.count {
                let d = dirs[labelIndex]
                let from = opening?.end ?? regionStart
                guard let compiled = compile(d) else { return }
                guard let m = search(compiled, from: from, to: inputEnd) else {
                    notFound(d, scan: from, end: inputEnd)
                    return  // like LLVM: a missing label ends the run
                }
                label = m
            }
            checkRegion(dirs[regionFirst..<labelIndex], opening: opening, start: regionStart,
                        end: label?.start ?? inputEnd)
            if let label {
                regionFirst = labelIndex
                opening = label
                regionStart = label.start
            }
        }
    }

    /// Checks `dirs` within [start, end). If `opening` is set, `dirs.first` is the
    /// label it matched.
    func checkRegion(_ dirs: ArraySlice<CheckDirective>, opening: Match?, start: Pos, end: Pos) {
        var cur = opening?.end ?? start
        var nots: [CheckDirective] = []
        var i = dirs.startIndex + (opening == nil ? 0 : 1)
        while i < dirs.endIndex {
            let d = dirs[i]
            switch d.kind {
            case .not:
                nots.append(d)
                i += 1
            case .dag:
                var j = i
                while j < dirs.endIndex && dirs[j].kind == .dag { j += 1 }
                guard let (lo, hi) = matchDAG(dirs[i..<j], from: cur, to: end),
                      checkNots(nots, from: cur, to: lo) else { return }
                nots = []
                cur = hi
                i = j
            default:
                guard let m = matchPositive(d, from: cur, to: end), checkNots(nots, from: cur, to: m.start) else {
                    return
                }
                nots = []
                cur = m.end
                i += 1
            }
        }
        _ = checkNots(nots, from: cur, to: end)
    }

    func matchPositive(_ d: CheckDirective, from cur: Pos, to end: Pos) -> Match? {
        if d.kind == .empty {
            guard let l = (cur.line + 1..<min(end.line, lines.count)).first(where: { lines[$0].isEmpty }) else {
                notFound(d, scan: cur, end: end)
                return nil
            }
            let m = Match(start: Pos(line: l, col: 0), end: Pos(line: l, col: 0))
            if l != cur.line + 1 {
                misplaced(d, "is not on the line after the previous match", m, previous: cur, showNextLine: true)
                return nil
            }
            return m
        }
        guard let compiled = compile(d) else { return nil }
        guard let m = search(compiled, from: cur, to: end) else {
            notFound(d, scan: cur, end: end)
            return nil
        }
        if d.kind == .next && m.start.line == cur.line {
            misplaced(d, "is on the same line as previous match", m, previous: cur, showNextLine: false)
            return nil
        }
        if d.kind == .next && m.start.line != cur.line + 1 {
            misplaced(d, "is not on the line after the previous match", m, previous: cur, showNextLine: true)
            return nil
        }
        if d.kind == .same && m.start.line != cur.line {
            misplaced(d, "is not on the same line as the previous match", m, previous: cur, showNextLine: false)
            return nil
        }
        bind(m)
        return m
    }

    /// Matches a DAG group; returns (earliest start, furthest end) of its matches.
    func matchDAG(_ group: ArraySlice<CheckDirective>, from cur: Pos, to end: Pos) -> (Pos, Pos)? {
        var found: [Match] = []
        for d in group {
            guard let compiled = compile(d) else { return nil }
            var from = cur
            while true {
                guard let m = search(compiled, from: from, to: end) else {
                    notFound(d, scan: cur, end: end)
                    return nil
                }
                if let other = found.first(where: { m.start < $0.end && $0.start < m.end }) {
                    from = other.end  // overlaps an earlier DAG match: look after it
                    continue
                }
                found.append(m)
                bind(m)
                break
            }
        }
        guard let lo = found.map(\.start).min(), let hi = found.map(\.end).max() else { return nil }
        return (lo, hi)
    }

    /// Reports the first NOT pattern found in [from, to); false if one was.
    func checkNots(_ nots: [CheckDirective], from: Pos, to: Pos) -> Bool {
        for d in nots {
            guard let compiled = compile(d) else { return false }
            if let m = search(compiled, from: from, to: to) {
                diagnostics.append(checkError(d, "\(d.name): excluded string found in input"))
                diagnostics.append(inputNote(m.start, "found here", to: m.end))
                return false
            }
        }
        return true
    }

    func bind(_ m: Match) {
        for (name, value) in m.captures { variables[name] = value }
    }

    // MARK: Regex construction and search

    /// Builds the regex for `d` with the current bindings; reports undefined variables.
    func compile(_ d: CheckDirective) -> Compiled? {
        var source = ""
        var groups: [(variable: String, group: String)] = []
        var local: [String: String] = [:]
        for piece in d.pieces {
            switch piece {
            case .literal(let text):
                source += Self.escape(text)
            case .regex(let regex):
                source += "(?:\(regex))"
            case .define(let name, let regex):
                let group = "fcvar\(groups.count)"
                source += "(?<\(group)>\(regex))"
                groups.append((name, group))
                local[name] = group
            case .use(let name, let column):
                if let group = local[name] {
                    source += "\\k<\(group)>"
                } else if let value = variables[name] {
                    source += Self.escape(value)
                } else {
                    diagnostics.append(checkError(d, "\(d.name): undefined variable: \(name)", column: column,
                                                  length: name.count + 4))
                    return nil
                }
            }
        }
        do {
            return Compiled(regex: try Regex(source), groups: groups)
        } catch {
            diagnostics.append(checkError(d, "\(d.name): invalid pattern: \(error)"))
            return nil
        }
    }

    /// Escapes regex metacharacters; a run of spaces/tabs becomes `[ \t]+`.
    static func escape(_ text: String) -> String {
        var out = ""
        var inSpace = false
        for ch in text {
            if ch == " " || ch == "\t" {
                if !inSpace { out += "[ \\t]+" }
                inSpace = true
                continue
            }
            inSpace = false
            if "\\^$.|?*+()[]{}".contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    func index(_ line: String, _ offset: Int) -> String.Index {
        line.utf8.index(line.startIndex, offsetBy: offset)
    }

    /// First match lying entirely within [from, to), searched line by line.
    func search(_ c: Compiled, from: Pos, to: Pos) -> Match? {
        var l = from.line
        while l < lines.count && l <= to.line {
            let line = lines[l]
            let lo = l == from.line ? from.col : 0
            let hi = l == to.line ? to.col : line.utf8.count
            if lo <= hi, let m = try? c.regex.firstMatch(in: line[index(line, lo)..<index(line, hi)]) {
                var match = Match(start: Pos(line: l, col: line.utf8.distance(from: line.startIndex, to: m.range.lowerBound)),
                                  end: Pos(line: l, col: line.utf8.distance(from: line.startIndex, to: m.range.upperBound)))
                for (variable, group) in c.groups {
                    if let value = m.output[group]?.substring { match.captures.append((variable, String(value))) }
                }
                return match
            }
            l += 1
        }
        return nil
    }

    // MARK: Diagnostics

    func checkError(_ d: CheckDirective, _ message: String, column: Int? = nil, length: Int = 0) -> FileCheckDiagnostic {
        FileCheckDiagnostic(severity: .error, file: checks.fileName, line: d.line, column: column ?? d.column,
                            message: message, sourceLine: d.sourceLine, length: length)
    }

    /// A note pointing into the input at `pos` (highlighting up to `to` on the same line).
    func inputNote(_ pos: Pos, _ message: String, to: Pos? = nil) -> FileCheckDiagnostic {
        var p = pos
        if p.line >= lines.count {  // end of input: point after the last line's text
            p = lines.isEmpty ? Pos(line: 0, col: 0) : Pos(line: lines.count - 1, col: lines[lines.count - 1].utf8.count)
        }
        let line = p.line < lines.count ? lines[p.line] : ""
        let start = index(line, p.col)
        var length = 0
        if let to, to.line == p.line { length = line[start..<index(line, to.col)].count }
        return FileCheckDiagnostic(severity: .note, file: inputName, line: p.line + 1,
                                   column: line[..<start].count + 1, message: message, sourceLine: line,
                                   length: length)
    }

    func notFound(_ d: CheckDirective, scan: Pos, end: Pos) {
        diagnostics.append(checkError(d, "\(d.name): expected string not found in input"))
        diagnostics.append(inputNote(scan, "scanning from here"))
        if let (start, stop) = possibleMatch(d, from: scan, to: end) {
            diagnostics.append(inputNote(start, "possible intended match here", to: stop))
        }
    }

    func misplaced(_ d: CheckDirective, _ what: String, _ m: Match, previous: Pos, showNextLine: Bool) {
        diagnostics.append(checkError(d, "\(d.name): \(what)"))
        diagnostics.append(inputNote(m.start, "'\(d.kind.rawValue.lowercased())' match was here", to: m.end))
        diagnostics.append(inputNote(previous, "previous match ended here"))
        if showNextLine && previous.line + 1 < lines.count {
            diagnostics.append(inputNote(Pos(line: previous.line + 1, col: 0),
                                         "non-matching line after previous match is here"))
        }
    }

    /// The input line (within [from, to), at most 256 lines) whose text best
    /// approximates the pattern's literal parts, if it is close enough.
    func possibleMatch(_ d: CheckDirective, from: Pos, to: Pos) -> (Pos, Pos)? {
        var text = ""
        for piece in d.pieces {
            switch piece {
            case .literal(let s): text += s
            case .use(let name, _): text += variables[name] ?? ""
            default: break
            }
        }
        let pattern = Array(text.prefix(128))
        guard pattern.count >= 2 else { return nil }
        var best: (distance: Int, start: Pos, end: Pos)? = nil
        var l = from.line
        while l < min(lines.count, from.line + 256) && l <= to.line {
            let line = lines[l]
            let lo = index(line, l == from.line ? from.col : 0)
            let hi = l == to.line ? index(line, to.col) : line.endIndex
            if lo <= hi {
                let chars = Array(line[lo..<hi].prefix(512))
                let (distance, range) = fuzzySubstringDistance(pattern, chars)
                if best == nil || distance < best!.distance {
                    let s = line.index(lo, offsetBy: range.lowerBound), e = line.index(lo, offsetBy: range.upperBound)
                    best = (distance, Pos(line: l, col: line.utf8.distance(from: line.startIndex, to: s)),
                            Pos(line: l, col: line.utf8.distance(from: line.startIndex, to: e)))
                }
            }
            l += 1
        }
        guard let best, best.distance * 3 <= pattern.count else { return nil }
        return (best.start, best.end)
    }
}
