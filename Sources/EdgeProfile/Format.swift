import Foundation

/// Number, byte and table formatting shared by the profile and cost reports.
public enum Format {
    /// `1.23 MB`, `980 B` (decimal units, as the budgets take them).
    public static func bytes(_ n: Int) -> String {
        let v = Double(n)
        if n < 1000 { return "\(n) B" }
        if v < 1e6 { return String(format: "%.1f KB", v / 1e3) }
        if v < 1e9 { return String(format: "%.2f MB", v / 1e6) }
        return String(format: "%.2f GB", v / 1e9)
    }

    /// `1.82 G`, `3.4 M`, `512`.
    public static func count(_ n: Int) -> String {
        let v = Double(n)
        if n < 10_000 { return "\(n)" }
        if v < 1e6 { return String(format: "%.1f K", v / 1e3) }
        if v < 1e9 { return String(format: "%.1f M", v / 1e6) }
        return String(format: "%.2f G", v / 1e9)
    }

    /// Milliseconds from nanoseconds: `12.345`.
    public static func ms(_ ns: Double) -> String { String(format: "%.3f", ns / 1e6) }

    /// A plain-text table with a header row and a rule; `rightAligned` columns are padded on the left.
    public static func table(header: [String], rows: [[String]], rightAligned: Set<Int> = []) -> String {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            let padded = cells.enumerated().map { i, c -> String in
                let pad = String(repeating: " ", count: max(0, widths[i] - c.count))
                return rightAligned.contains(i) ? pad + c : (i == cells.count - 1 ? c : c + pad)
            }
            return "  " + padded.joined(separator: "  ") + "\n"
        }
        return line(header) + "  " + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" + rows.map(line).joined()
    }

    /// Pretty JSON with sorted keys (the same input gives the same text).
    public static func json(_ value: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
