#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Per-instruction durations of one interpreter run (`edgec profile`). Pass it to
/// ``Interpreter/run(_:timing:)``; after the run, `nanoseconds[k]` is instruction `k`'s time
/// (monotonic clock). Runs without it read no clock at all.
public final class InstructionTiming {
    public internal(set) var nanoseconds: [UInt64]

    public init(instructions: Int) { nanoseconds = [UInt64](repeating: 0, count: instructions) }
}

extension Interpreter {
    /// The number of instructions `run` executes (kernel and delegate calls).
    public var instructionCount: Int { calls.count }

    /// Runs every instruction, reading the monotonic clock around each.
    func executeTimed(_ timing: InstructionTiming) throws(RuntimeError) {
        if timing.nanoseconds.count != calls.count { timing.nanoseconds = [UInt64](repeating: 0, count: calls.count) }
        for (k, call) in calls.enumerated() {
            let start = Self.monotonicNanoseconds()
            do { try call.run() } catch {
                throw RuntimeError("\(plan.describeInstruction(k)): \(error)")
            }
            timing.nanoseconds[k] = Self.monotonicNanoseconds() &- start
        }
    }

    /// `CLOCK_MONOTONIC` in nanoseconds.
    static func monotonicNanoseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }
}
