import EdgeBackends
import EdgeProfile
import EdgeProgram
import Foundation

/// Limits a compiled program must meet (`edgec compile --memory-budget 64MB --size-budget 20MB`).
/// Memory is the method's working set (arena + constants); size is the `.pte` file's bytes.
public struct Budgets: Sendable, Hashable {
    public var memory: Int?
    public var size: Int?

    public init(memory: Int? = nil, size: Int? = nil) {
        self.memory = memory
        self.size = size
    }

    /// A byte count: `64MB`, `1.5GB`, `512KiB`, `1000000` (decimal KB/MB/GB, binary KiB/MiB/GiB, B or none).
    public static func parseBytes(_ text: String, option: String) throws(CompilerOptionError) -> Int {
        let units: [(String, Double)] = [("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("KB", 1e3), ("MB", 1e6), ("GB", 1e9),
                                         ("K", 1e3), ("M", 1e6), ("G", 1e9), ("B", 1)]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var number = trimmed, scale = 1.0
        for (suffix, s) in units where trimmed.uppercased().hasSuffix(suffix.uppercased()) {
            number = String(trimmed.dropLast(suffix.count)).trimmingCharacters(in: .whitespaces)
            scale = s
            break
        }
        guard let v = Double(number), v.isFinite, v >= 0, v * scale < 9e18 else {
            throw CompilerOptionError("\(option) \(text): expected a byte count such as 64MB, 512KiB or 1000000")
        }
        return Int(v * scale)
    }

    /// Checks `compiled` against the budgets; the error names the largest contributors.
    public func check(_ compiled: CompiledProgram) throws(BudgetError) {
        guard let plan = compiled.program.plans.first else { return }
        let graph = ProgramGraph(plan)
        let layout = MemoryLayout(graph)
        var failures: [String] = []
        let constants = Self.constants(graph)
        if let memory {
            let workingSet = layout.arenaBytes + compiled.constantBytes
            if workingSet > memory {
                let live = layout.live(at: layout.peakStep).prefix(5).map { b -> String in
                    let node = b.values.compactMap { graph.producer[$0] }.first.map(graph.nodeLabel) ?? "input"
                    return "\(graph.shapeText(b.values[0])) \(Format.bytes(b.size)) (\(node))"
                }
                var text = "memory budget \(Format.bytes(memory)) (\(memory) bytes) exceeded: working set \(Format.bytes(workingSet)) = arena \(Format.bytes(layout.arenaBytes)) + constants \(Format.bytes(compiled.constantBytes))"
                text += "\n  largest tensors live at instruction \(layout.peakStep) (\(graph.nodeLabel(min(layout.peakStep, max(graph.steps.count - 1, 0))))): " + live.joined(separator: ", ")
                if !constants.isEmpty { text += "\n  largest constants: " + constants.prefix(5).map(\.text).joined(separator: ", ") }
                failures.append(text)
            }
        }
        if let size {
            let bytes = compiled.bytes.count
            if bytes > size {
                var text = "size budget \(Format.bytes(size)) (\(size) bytes) exceeded: the program is \(Format.bytes(bytes)) (\(bytes) bytes), constants \(Format.bytes(compiled.constantBytes))"
                if !constants.isEmpty { text += "\n  largest constants: " + constants.prefix(5).map(\.text).joined(separator: ", ") }
                failures.append(text)
            }
        }
        if !failures.isEmpty { throw BudgetError(failures: failures) }
    }

    /// The program's constant tensors, largest first, named by the first instruction that reads them.
    static func constants(_ graph: ProgramGraph) -> [(bytes: Int, text: String)] {
        var seen = Set<UInt32>()
        var out: [(bytes: Int, text: String)] = []
        for s in graph.steps {
            for v in s.reads {
                guard let t = graph.plan.values[Int(v)].tensor, t.dataBufferIndex != 0, seen.insert(t.dataBufferIndex).inserted else { continue }
                let bytes = t.byteCount ?? 0
                out.append((bytes, "\(graph.shapeText(v)) \(Format.bytes(bytes)) (read by \(graph.nodeLabel(s.index)))"))
            }
        }
        return out.sorted { $0.bytes > $1.bytes }
    }
}

/// A program over its memory or size budget; nothing is written.
public struct BudgetError: Error, Sendable, CustomStringConvertible {
    public var failures: [String]
    public var description: String { failures.map { "error: " + $0 }.joined(separator: "\n") + "\nnothing written" }
}
