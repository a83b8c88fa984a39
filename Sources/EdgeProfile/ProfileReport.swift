import EdgeProgram
import Foundation

/// Measured latency of a program by instruction, named by the user's source nodes: what
/// `edgec profile` prints, from edgec's interpreter or from an ExecuTorch ETDump.
public struct ProfileReport: Sendable {
    /// Where the times come from (`edgec interpreter`, `ETDump (ExecuTorch runtime)`).
    public var origin: String
    public var graph: ProgramGraph
    /// Per instruction, one duration (ns) per measured run; empty when the instruction was not timed.
    public var instructionTimes: [[Double]]
    /// The whole method's duration (ns) per measured run.
    public var totalTimes: [Double]
    /// Events recorded inside delegates (ETDump): name, the instruction they ran in, durations.
    public var delegateEvents: [(name: String, instruction: Int?, times: [Double])] = []
    public var warmupRuns: Int
    public var arenaBytes: Int
    public var constantBytes: Int
    /// Peak resident memory of the measuring process, when measured here.
    public var peakResidentBytes: Int?
    /// Lines stating how the measurement was made (inputs used, time unit).
    public var notes: [String]

    public init(origin: String, graph: ProgramGraph, instructionTimes: [[Double]], totalTimes: [Double], warmupRuns: Int,
                arenaBytes: Int, constantBytes: Int, peakResidentBytes: Int? = nil, notes: [String] = []) {
        self.origin = origin
        self.graph = graph
        self.instructionTimes = instructionTimes
        self.totalTimes = totalTimes
        self.warmupRuns = warmupRuns
        self.arenaBytes = arenaBytes
        self.constantBytes = constantBytes
        self.peakResidentBytes = peakResidentBytes
        self.notes = notes
    }

    /// One instruction's line of the table.
    public struct Row: Sendable, Hashable {
        public var index: Int
        public var node: String
        public var unit: ExecutionUnit
        public var outputShape: String
        /// Median duration (ns) over the runs, nil when not timed.
        public var median: Double?
        /// `median` over the sum of all instructions' medians.
        public var share: Double
    }

    /// Per-unit (kernel or delegate) totals of the instruction medians.
    public struct Aggregate: Sendable, Hashable {
        public var unit: ExecutionUnit
        public var count: Int
        public var median: Double
        public var share: Double
    }

    /// Rows sorted by time (slowest first; ties by instruction index).
    public var rows: [Row] {
        let medians = instructionTimes.map { $0.isEmpty ? nil : Stats.median($0) }
        let sum = medians.reduce(0) { $0 + ($1 ?? 0) }
        let rows = graph.steps.map { s -> Row in
            let m = s.index < medians.count ? medians[s.index] : nil
            return Row(index: s.index, node: graph.nodeLabel(s.index), unit: s.unit, outputShape: graph.outputShapes(s.index),
                       median: m, share: sum > 0 ? (m ?? 0) / sum : 0)
        }
        return rows.sorted { (($0.median ?? -1), -$0.index) > (($1.median ?? -1), -$1.index) }
    }

    /// Per-unit aggregates, slowest first.
    public var aggregates: [Aggregate] {
        var byUnit: [ExecutionUnit: (Int, Double)] = [:]
        let rows = self.rows
        for r in rows {
            let (n, t) = byUnit[r.unit] ?? (0, 0)
            byUnit[r.unit] = (n + 1, t + (r.median ?? 0))
        }
        let sum = rows.reduce(0) { $0 + ($1.median ?? 0) }
        return byUnit.map { Aggregate(unit: $0.key, count: $0.value.0, median: $0.value.1, share: sum > 0 ? $0.value.1 / sum : 0) }
            .sorted { ($0.median, $1.unit.name) > ($1.median, $0.unit.name) }
    }

    public var runs: Int { totalTimes.count }

    /// The text report: the instruction table, the per-kernel table, latency and memory.
    public func text() -> String {
        var out = "profile: \(origin), \(runs) run\(runs == 1 ? "" : "s")"
        out += warmupRuns > 0 ? " after \(warmupRuns) warm-up\n" : "\n"
        for n in notes { out += "  \(n)\n" }
        let table = rows.map { r in
            [String(r.index), r.node, r.unit.name, r.outputShape, r.median.map(Format.ms) ?? "-", String(format: "%.1f%%", r.share * 100)]
        }
        out += "\ninstructions (slowest first):\n"
        out += Format.table(header: ["#", "node", "kernel", "output", "median ms", "share"], rows: table, rightAligned: [0, 4, 5])
        out += "\nby kernel:\n"
        out += Format.table(header: ["kernel", "calls", "total ms", "share"],
                            rows: aggregates.map { [$0.unit.name, String($0.count), Format.ms($0.median), String(format: "%.1f%%", $0.share * 100)] },
                            rightAligned: [1, 2, 3])
        if !delegateEvents.isEmpty {
            out += "\ndelegate events:\n"
            out += Format.table(header: ["event", "instruction", "node", "median ms"], rows: delegateEvents.map { e in
                [e.name, e.instruction.map(String.init) ?? "-", e.instruction.map(graph.nodeLabel) ?? "-", Format.ms(Stats.median(e.times))]
            }, rightAligned: [1, 3])
        }
        out += "\n"
        if !totalTimes.isEmpty {
            let s = totalTimes.sorted()
            out += "latency:  min \(Format.ms(s[0])) ms, median \(Format.ms(Stats.median(s))) ms, max \(Format.ms(s[s.count - 1])) ms over \(runs) runs\n"
        }
        out += "arena:    \(Format.bytes(arenaBytes)) (\(arenaBytes))\n"
        out += "constants: \(Format.bytes(constantBytes)) (\(constantBytes))\n"
        if let rss = peakResidentBytes { out += "peak RSS: \(Format.bytes(rss)) (\(rss); this process)\n" }
        return out
    }

    /// The report as JSON (times in milliseconds).
    public func json() -> String {
        var root: [String: Any] = [
            "origin": origin, "runs": runs, "warmup": warmupRuns, "notes": notes,
            "arena_bytes": arenaBytes, "constant_bytes": constantBytes,
            "instructions": rows.map { r -> [String: Any] in
                ["index": r.index, "node": r.node, "unit": r.unit.name, "partition": r.unit.partition, "output": r.outputShape,
                 "median_ms": r.median.map { $0 / 1e6 as Any } ?? NSNull(), "share": r.share]
            },
            "kernels": aggregates.map { ["unit": $0.unit.name, "calls": $0.count, "total_ms": $0.median / 1e6, "share": $0.share] },
        ]
        if !totalTimes.isEmpty {
            let s = totalTimes.sorted()
            root["latency_ms"] = ["min": s[0] / 1e6, "median": Stats.median(s) / 1e6, "max": s[s.count - 1] / 1e6]
        }
        if let rss = peakResidentBytes { root["peak_rss_bytes"] = rss }
        if !delegateEvents.isEmpty {
            root["delegate_events"] = delegateEvents.map { e -> [String: Any] in
                ["name": e.name, "instruction": e.instruction.map { $0 as Any } ?? NSNull(), "median_ms": Stats.median(e.times) / 1e6]
            }
        }
        return Format.json(root)
    }
}

/// Small statistics on samples.
public enum Stats {
    /// The median (the mean of the middle two for an even count); 0 for no samples.
    public static func median(_ xs: [Double]) -> Double {
        guard !xs.isEmpty else { return 0 }
        let s = xs.sorted(), n = s.count
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
    }
}

/// The process's peak resident memory.
public enum ResourceUsage {
    /// Peak resident set size in bytes: `VmHWM` of /proc/self/status on Linux, else getrusage's `ru_maxrss`.
    public static func peakResidentBytes() -> Int? {
        if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) {
            for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
                let parts = line.split(separator: " ", omittingEmptySubsequences: true)
                if parts.count >= 2, let kb = Int(parts[1]) { return kb * 1024 }
            }
        }
        var usage = rusage()
        #if os(Linux)
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return nil }
        return Int(usage.ru_maxrss) * 1024  // kilobytes on Linux
        #else
        guard getrusage(RUSAGE_SELF, &usage) == 0 else { return nil }
        return Int(usage.ru_maxrss)  // bytes on Darwin
        #endif
    }
}
