/// Places buffers in one arena so that no two buffers live at the same step share bytes.
///
/// Several greedy strategies run and the smallest arena wins; each is checked with
/// ``check(_:_:)``. Offsets are multiples of ``alignment`` (16 bytes, as ExecuTorch's
/// memory planning aligns tensors).
public enum MemoryPlanner {
    /// Alignment of every offset and of the arena size.
    public static let alignment = 16

    /// One placement order: returns buffer indices in the order they are placed.
    public struct Strategy: Sendable {
        public let name: String
        let order: @Sendable ([BufferLifetime]) -> [Int]
    }

    /// Largest first; ties by earlier start. The classic "greedy by size".
    public static let greedyBySize = Strategy(name: "greedy-by-size") { buffers in
        buffers.indices.sorted { (buffers[$0].size, -buffers[$0].firstUse, -$0) > (buffers[$1].size, -buffers[$1].firstUse, -$1) }
    }

    /// Buffers live during the busiest steps first ("greedy by breadth"), then by size.
    public static let greedyByBreadth = Strategy(name: "greedy-by-breadth") { buffers in
        let steps = (buffers.map(\.lastUse).max() ?? -1) + 1
        var live = [Int](repeating: 0, count: max(steps, 0))
        for b in buffers where b.firstUse >= 0 { for s in b.firstUse ... b.lastUse { live[s] += b.size } }
        let breadth = buffers.map { b in (b.firstUse ... b.lastUse).map { live[$0] }.max() ?? 0 }
        return buffers.indices.sorted { (breadth[$0], buffers[$0].size, -$0) > (breadth[$1], buffers[$1].size, -$1) }
    }

    /// In order of first use (a linear scan, as a simple baseline).
    public static let firstUseOrder = Strategy(name: "first-use") { buffers in
        buffers.indices.sorted { (buffers[$0].firstUse, $0) < (buffers[$1].firstUse, $1) }
    }

    /// Every strategy tried by ``plan(_:)``.
    public static let strategies = [greedyBySize, greedyByBreadth, firstUseOrder]

    /// Runs every strategy and keeps the smallest arena (first listed wins ties).
    public static func plan(_ buffers: [BufferLifetime]) -> MemoryPlan {
        var best: MemoryPlan?
        for s in strategies {
            let p = plan(buffers, strategy: s)
            if best == nil || p.arenaSize < best!.arenaSize { best = p }
        }
        return best!
    }

    /// Places buffers in the strategy's order, each in the tightest gap (best fit) among the
    /// already placed buffers that overlap it in time, or on top when no gap fits.
    public static func plan(_ buffers: [BufferLifetime], strategy: Strategy) -> MemoryPlan {
        var offsets = [Int](repeating: 0, count: buffers.count)
        var placed: [Int] = []
        var arena = 0
        for i in strategy.order(buffers) {
            let b = buffers[i]
            let size = aligned(b.size)
            guard size > 0 else { continue }
            let conflicts = placed.filter { buffers[$0].overlapsInTime(b) }
                .map { (offsets[$0], offsets[$0] + aligned(buffers[$0].size)) }
                .sorted { $0.0 < $1.0 }
            var bestOffset: Int?
            var bestGap = Int.max
            var cursor = 0
            for (start, end) in conflicts {
                if start - cursor >= size, start - cursor < bestGap {
                    bestGap = start - cursor
                    bestOffset = cursor
                }
                cursor = max(cursor, end)
            }
            let offset = bestOffset ?? cursor
            offsets[i] = offset
            arena = max(arena, offset + size)
            placed.append(i)
        }
        return MemoryPlan(offsets: offsets, arenaSize: arena, lowerBound: lowerBound(buffers), strategy: strategy.name)
    }

    /// The largest total of aligned sizes live at any one step.
    public static func lowerBound(_ buffers: [BufferLifetime]) -> Int {
        var events: [(step: Int, delta: Int)] = []
        for b in buffers where b.size > 0 {
            events.append((b.firstUse, aligned(b.size)))
            events.append((b.lastUse + 1, -aligned(b.size)))
        }
        events.sort { ($0.step, $0.delta) < ($1.step, $1.delta) }
        var live = 0, peak = 0
        for e in events {
            live += e.delta
            peak = max(peak, live)
        }
        return peak
    }

    /// Checks that every buffer lies inside the arena, is aligned, and shares no byte with a
    /// buffer live at the same step.
    public static func check(_ plan: MemoryPlan, _ buffers: [BufferLifetime]) throws(MemoryPlanError) {
        guard plan.offsets.count == buffers.count else {
            throw MemoryPlanError(message: "plan has \(plan.offsets.count) offsets for \(buffers.count) buffers")
        }
        let live = buffers.indices.filter { buffers[$0].size > 0 }
        for i in live {
            let o = plan.offsets[i]
            guard o >= 0, o % alignment == 0, o + buffers[i].size <= plan.arenaSize else {
                throw MemoryPlanError(message: "buffer \(i) (\(buffers[i].size) bytes at \(o)) is misaligned or outside the \(plan.arenaSize)-byte arena")
            }
        }
        // Sweep by start offset: only buffers whose byte ranges intersect need a time check.
        let byOffset = live.sorted { plan.offsets[$0] < plan.offsets[$1] }
        for (k, i) in byOffset.enumerated() {
            let end = plan.offsets[i] + buffers[i].size
            for j in byOffset[(k + 1)...] {
                if plan.offsets[j] >= end { break }
                if buffers[i].overlapsInTime(buffers[j]) {
                    throw MemoryPlanError(message: "buffers \(i) and \(j) are live at the same step and overlap at bytes \(plan.offsets[j])..<\(min(end, plan.offsets[j] + buffers[j].size))")
                }
            }
        }
    }

    /// `size` rounded up to ``alignment``.
    public static func aligned(_ size: Int) -> Int { (size + alignment - 1) / alignment * alignment }
}
