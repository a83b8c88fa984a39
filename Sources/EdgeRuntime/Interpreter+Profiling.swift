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

    /// Runs the instructions (following the plan's jumps), reading the monotonic clock around
    /// each; an instruction a jump skips keeps 0, one in a loop adds up its iterations.
    func executeTimed(_ timing: InstructionTiming) throws(RuntimeError) {
        timing.nanoseconds = [UInt64](repeating: 0, count: calls.count)
        var k = 0, back = 0
        while k < calls.count {
            let start = Self.monotonicNanoseconds()
            if !jumps.isEmpty, let jump = jumps[k] {
                let next = jump.holds ? k + 1 : jump.destination
                timing.nanoseconds[k] &+= Self.monotonicNanoseconds() &- start
                if next <= k { try countJumpBack(&back, at: k) }
                k = next
                continue
            }
            do { try calls[k].run() } catch {
                throw RuntimeError("\(plan.describeInstruction(k)): \(error)")
            }
            // An instruction in a loop adds up its iterations.
            timing.nanoseconds[k] &+= Self.monotonicNanoseconds() &- start
            k += 1
        }
    }

    /// `CLOCK_MONOTONIC` in nanoseconds.
    static func monotonicNanoseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) &* 1_000_000_000 &+ UInt64(t.tv_nsec)
    }
}
