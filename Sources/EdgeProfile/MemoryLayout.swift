import EdgeProgram

/// The memory plan of an execution plan, read back from the program: every planned tensor's
/// arena slot and lifetime (instruction steps, inclusive), and the lower bound no plan can beat.
///
/// Lifetimes follow the planner's rule: plan inputs are live from step 0, outputs to the last
/// step, every other tensor from its first to its last use. Values that share an arena offset
/// and overlap in time are one buffer, and so is a view with its base (``ProgramGraph``); the
/// same offset at disjoint times is reuse.
public struct MemoryLayout: Sendable {
    public struct Buffer: Sendable, Hashable {
        /// The values stored in this buffer (an alias group), lowest index first.
        public var values: [Int32]
        public var memoryID: UInt32
        public var offset: Int
        public var size: Int
        public var firstUse: Int
        public var lastUse: Int
    }

    public var buffers: [Buffer]
    /// Bytes of each arena (by memory id, as `non_const_buffer_sizes`).
    public var arenaBytes: Int
    /// The largest total of (16-byte aligned) buffer sizes live at one step.
    public var lowerBound: Int
    /// The step at which the lower bound is reached.
    public var peakStep: Int
    /// Number of steps (instructions).
    public var steps: Int

    /// The planner's alignment of buffer sizes (ExecuTorch's default, as edgec's planner uses).
    public static let alignment = 16

    public init(_ graph: ProgramGraph) {
        let plan = graph.plan
        let end = max(plan.instructions.count - 1, 0)
        var first: [Int32: Int] = [:], last: [Int32: Int] = [:]
        func use(_ v: Int32, _ step: Int) {
            guard v >= 0, Int(v) < plan.values.count, plan.values[Int(v)].tensor?.allocation != nil else { return }
            first[v] = min(first[v] ?? step, step)
            last[v] = max(last[v] ?? step, step)
        }
        for v in plan.inputs { use(v, 0) }
        for v in plan.outputs { use(v, end) }
        for s in graph.steps { for v in s.reads + s.writes { use(v, s.index) } }
        // Group by (arena, offset); within a group, merge values whose lifetimes overlap.
        var byOffset: [[UInt64]: [Int32]] = [:]
        for v in first.keys.sorted() {
            guard let a = plan.values[Int(v)].tensor?.allocation else { continue }
            byOffset[[UInt64(a.memoryID), a.offset], default: []].append(v)
        }
        var buffers: [Buffer] = []
        for key in byOffset.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            let values = byOffset[key]!.sorted { (first[$0]!, $0) < (first[$1]!, $1) }
            var current: Buffer?
            for v in values {
                let size = plan.values[Int(v)].tensor?.byteCount ?? 0
                // A view (read, its producer wrote another value at this slot) extends its base.
                let isView = graph.producer[v].map { !graph.steps[$0].writes.contains(v) } ?? false
                if var c = current, first[v]! <= c.lastUse || isView {
                    c.values.append(v)
                    c.size = max(c.size, size)
                    c.lastUse = max(c.lastUse, last[v]!)
                    current = c
                } else {
                    if let c = current { buffers.append(c) }
                    current = Buffer(values: [v], memoryID: UInt32(key[0]), offset: Int(key[1]), size: size, firstUse: first[v]!, lastUse: last[v]!)
                }
            }
            if let c = current { buffers.append(c) }
        }
        self.buffers = buffers.sorted { ($0.firstUse, $0.offset) < ($1.firstUse, $1.offset) }
        arenaBytes = plan.nonConstBufferSizes.reduce(0) { $0 + Int(clamping: $1) }
        steps = plan.instructions.count
        var live = [Int](repeating: 0, count: max(steps, 1) + 1)
        for b in buffers where b.size > 0 {
            let aligned = (b.size + Self.alignment - 1) / Self.alignment * Self.alignment
            live[b.firstUse] += aligned
            live[b.lastUse + 1] -= aligned
        }
        var running = 0, peak = 0, at = 0
        for s in 0 ..< max(steps, 1) {
            running += live[s]
            if running > peak { peak = running; at = s }
        }
        lowerBound = peak
        peakStep = at
    }

    /// The buffers live at `step`, largest first.
    public func live(at step: Int) -> [Buffer] {
        buffers.filter { $0.firstUse <= step && step <= $0.lastUse }.sorted { ($0.size, $1.offset) > ($1.size, $0.offset) }
    }
}
