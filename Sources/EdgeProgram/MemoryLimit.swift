import Foundation

/// The most memory one value, one arena or one load may take (`--max-memory` of `edgec compile`
/// and `edgec run`). Inputs that declare more (a 10¹² element `ConstantOfShape`, a `.pte` arena
/// of 2⁶² bytes, a zip entry claiming petabytes) are rejected with a message naming the limit
/// before anything that large is allocated.
public struct MemoryLimit: Sendable, Hashable, CustomStringConvertible {
    /// The limit in bytes.
    public var bytes: Int

    public init(bytes: Int) { self.bytes = max(0, bytes) }

    /// Half of this machine's physical memory: the default of `--max-memory`.
    public static var `default`: MemoryLimit {
        MemoryLimit(bytes: Int(clamping: ProcessInfo.processInfo.physicalMemory / 2))
    }

    /// The flag's text for help and messages.
    public static let flag = "--max-memory"

    /// Parses `8G`, `512M`, `1.5T`, `65536` (bytes); the suffixes K, M, G, T (optionally followed
    /// by B or iB) are powers of 1024.
    public init?(parsing text: String) {
        var s = text.trimmingCharacters(in: .whitespaces).uppercased()
        for suffix in ["IB", "B"] where s.hasSuffix(suffix) && s.count > suffix.count { s.removeLast(suffix.count); break }
        let units: [Character: Double] = ["K": 1024, "M": 1_048_576, "G": 1_073_741_824, "T": 1_099_511_627_776]
        var scale = 1.0
        if let last = s.last, let u = units[last] { scale = u; s.removeLast() }
        guard let v = Double(s), v.isFinite, v > 0, v * scale < 9.0e18 else { return nil }
        bytes = Int(v * scale)
    }

    /// Whether `count` bytes fit under the limit (nil, an overflowed size, never fits).
    public func allows(_ count: Int?) -> Bool { count.map { $0 >= 0 && $0 <= bytes } ?? false }

    public var description: String { Self.format(bytes) }

    /// `4 TB`, `8 GB`, `1.5 MB`, `512 bytes`: powers of 1024, at most one decimal.
    public static func format(_ bytes: Int) -> String {
        let units = ["KB", "MB", "GB", "TB", "PB", "EB"]
        guard bytes >= 1024 else { return "\(bytes) bytes" }
        var v = Double(bytes), k = -1
        while v >= 1024, k + 1 < units.count { v /= 1024; k += 1 }
        var text = v >= 100 ? String(Int(v.rounded())) : String(format: "%.1f", v)
        if text.hasSuffix(".0") { text.removeLast(2) }
        return "\(text) \(units[k])"
    }

    /// `"<what> would allocate 4 TB, over --max-memory 8 GB"`; `bytes` nil means the size overflows.
    public func overMessage(_ what: String, bytes: Int?) -> String {
        let size = bytes.map(Self.format) ?? "more than \(Self.format(Int.max))"
        return "\(what) would allocate \(size), over \(Self.flag) \(self)"
    }
}
