/// A small SVG/HTML text builder: escaping, numbers with fixed precision (so the same input
/// gives the same bytes), and elements with attributes in the order given.
public enum Markup {
    /// Text escaped for XML content and attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters are not allowed in XML 1.0 text.
                if c.value < 0x20, c != "\n", c != "\t" { out += "?" } else { out.unicodeScalars.append(c) }
            }
        }
        return out
    }

    /// A coordinate: at most one decimal, no trailing `.0`.
    public static func num(_ v: Double) -> String {
        guard v.isFinite else { return "0" }
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    /// `<name a="v" ...>content</name>`, or self-closing without content.
    public static func element(_ name: String, _ attributes: [(String, String)], _ content: String? = nil) -> String {
        var s = "<" + name
        for (k, v) in attributes { s += " \(k)=\"\(escape(v))\"" }
        guard let content else { return s + "/>" }
        return s + ">" + content + "</" + name + ">"
    }
}

/// The colour of each partition (portable kernels, and each delegate backend as it appears).
public struct PartitionColors: Sendable {
    public private(set) var assigned: [(partition: String, color: String)] = []
    static let palette = ["#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f"]

    public init() {}

    /// Portable kernels are blue; delegates take the palette's colours in order of appearance.
    public mutating func color(_ partition: String) -> String {
        if let c = assigned.first(where: { $0.partition == partition }) { return c.color }
        let delegates = assigned.filter { $0.partition != "portable" }.count
        let c = partition == "portable" ? "#4e79a7" : Self.palette[delegates % Self.palette.count]
        assigned.append((partition, c))
        return c
    }
}
