/// A tensor buffer to place in the arena: its size and the steps (instruction indices,
/// inclusive) during which it must hold its data.
public struct BufferLifetime: Sendable, Hashable {
    public var size: Int
    public var firstUse: Int
    public var lastUse: Int

    public init(size: Int, firstUse: Int, lastUse: Int) {
        self.size = size
        self.firstUse = firstUse
        self.lastUse = lastUse
    }

    /// Whether the two buffers must hold data at the same step.
    public func overlapsInTime(_ other: BufferLifetime) -> Bool {
        firstUse <= other.lastUse && other.firstUse <= lastUse
    }
}

/// Arena offsets for a list of buffers, with the arena size and the lower bound it is measured against.
public struct MemoryPlan: Sendable, Hashable {
    /// Offset of each buffer, in the order the buffers were given.
    public var offsets: [Int]
    /// Bytes the arena needs (end of the highest buffer, rounded to the alignment).
    public var arenaSize: Int
    /// The largest sum of (aligned) sizes of buffers live at one step: no plan can be smaller.
    public var lowerBound: Int
    /// The strategy that produced the offsets.
    public var strategy: String

    public init(offsets: [Int], arenaSize: Int, lowerBound: Int, strategy: String) {
        self.offsets = offsets
        self.arenaSize = arenaSize
        self.lowerBound = lowerBound
        self.strategy = strategy
    }

    /// `arenaSize / lowerBound` (1 when both are zero).
    public var ratio: Double { lowerBound == 0 ? 1 : Double(arenaSize) / Double(lowerBound) }
}

/// A defect found by ``MemoryPlanner/check(_:_:)``.
public struct MemoryPlanError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
