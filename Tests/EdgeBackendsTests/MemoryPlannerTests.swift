import EdgeBackends
import Testing

@Suite struct MemoryPlannerTests {
    /// A deterministic pseudo-random generator (tests must not depend on the run).
    struct LCG {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    @Test func chainReusesMemory() throws {
        // a -> b -> c -> d: at each step two buffers are live.
        let buffers = (0 ..< 4).map { BufferLifetime(size: 100, firstUse: $0, lastUse: $0 + 1) }
        let plan = MemoryPlanner.plan(buffers)
        try MemoryPlanner.check(plan, buffers)
        #expect(plan.lowerBound == 224)
        #expect(plan.arenaSize == 224)
    }

    @Test func checkerCatchesOverlap() {
        let buffers = [BufferLifetime(size: 32, firstUse: 0, lastUse: 2), BufferLifetime(size: 32, firstUse: 1, lastUse: 3)]
        let bad = MemoryPlan(offsets: [0, 16], arenaSize: 64, lowerBound: 64, strategy: "hand")
        #expect(throws: MemoryPlanError.self) { try MemoryPlanner.check(bad, buffers) }
        let outside = MemoryPlan(offsets: [0, 48], arenaSize: 64, lowerBound: 64, strategy: "hand")
        #expect(throws: MemoryPlanError.self) { try MemoryPlanner.check(outside, buffers) }
        let misaligned = MemoryPlan(offsets: [0, 33], arenaSize: 80, lowerBound: 64, strategy: "hand")
        #expect(throws: MemoryPlanError.self) { try MemoryPlanner.check(misaligned, buffers) }
        let good = MemoryPlan(offsets: [0, 32], arenaSize: 64, lowerBound: 64, strategy: "hand")
        #expect(throws: Never.self) { try MemoryPlanner.check(good, buffers) }
    }

    @Test func everyStrategyIsValidOnRandomLifetimes() throws {
        var rng = LCG(state: 42)
        var worst = 1.0
        for _ in 0 ..< 200 {
            let steps = 1 + rng.next(30)
            let buffers = (0 ..< 1 + rng.next(40)).map { _ -> BufferLifetime in
                let a = rng.next(steps), b = rng.next(steps)
                return BufferLifetime(size: rng.next(5) == 0 ? 0 : 1 + rng.next(5000), firstUse: min(a, b), lastUse: max(a, b))
            }
            for s in MemoryPlanner.strategies {
                let p = MemoryPlanner.plan(buffers, strategy: s)
                try MemoryPlanner.check(p, buffers)
                #expect(p.arenaSize >= p.lowerBound)
            }
            let best = MemoryPlanner.plan(buffers)
            #expect(best.arenaSize == MemoryPlanner.strategies.map { MemoryPlanner.plan(buffers, strategy: $0).arenaSize }.min())
            worst = max(worst, best.ratio)
        }
        #expect(worst < 2.0)
    }
}
