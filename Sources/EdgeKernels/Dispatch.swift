// Swift face of CEdgeKernels: which instruction-set variant the hot kernels use, how many
// threads they split over, and per-call overrides for tests.
import CEdgeKernels

/// An instruction-set variant of the hot kernels (GEMM, convolution). One binary carries every
/// variant its architecture has; the best one the CPU supports is chosen once, at first use, from
/// CPUID, unless the environment variable `EDGEC_ISA` names another. Results of different
/// variants may differ in the last bits (the AVX2 and AVX-512 variants fuse multiply-adds, the
/// x86-64 baseline does not); one variant on one machine is deterministic.
public enum KernelISA: Int32, CaseIterable, Sendable, CustomStringConvertible {
    /// The architecture's default instruction set (x86-64: SSE2; arm64: NEON).
    case baseline = 0
    /// x86-64 AVX2 + FMA.
    case avx2 = 1
    /// x86-64 AVX-512F.
    case avx512 = 2

    /// `baseline`, `avx2` or `avx512` (the `EDGEC_ISA` spelling).
    public var description: String {
        switch self {
        case .baseline: "baseline"
        case .avx2: "avx2"
        case .avx512: "avx512"
        }
    }

    /// The variant spelled `name`, if any.
    public init?(name: String) {
        guard let isa = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = isa
    }

    /// Compiled into this binary and runnable on this CPU.
    public var isSupported: Bool { ek_isa_supported(rawValue) != 0 }

    /// The variants this machine can run, baseline first.
    public static var supported: [KernelISA] { allCases.filter(\.isSupported) }

    /// The variant the kernels use.
    public static var active: KernelISA { KernelISA(rawValue: ek_isa_active()) ?? .baseline }

    /// When `EDGEC_ISA` names an unknown or unsupported variant: why (the kernels then use the best one).
    public static var environmentProblem: String? { ek_isa_environment_problem().map { String(cString: $0) } }

    /// Register tile (rows × columns) of the active variant's GEMM micro-kernel.
    public static var gemmTile: (rows: Int, cols: Int) { (Int(ek_gemm_tile_rows()), Int(ek_gemm_tile_cols())) }
}

/// The threads kernels split their work over. Work is only ever split along independent outputs
/// (GEMM register tiles, depthwise channels, elementwise chunks), never along a reduction, so
/// results are bit-identical for any thread count.
public enum KernelThreads {
    /// Threads used inside kernels (default: the environment variable `EDGEC_THREADS` if set, else 1,
    /// everything on the caller's thread). Raising it creates the missing pool threads once; they
    /// live until the process ends.
    public static var count: Int {
        get { Int(ek_threads()) }
        set { ek_set_threads(Int32(clamping: max(1, newValue))) }
    }

    /// Number of CPU cores online (at least 1).
    public static var cores: Int { max(1, Int(ek_cpu_count())) }
}

/// Per-call overrides of the variant, thread count and GEMM cache blocking (tests run every
/// variant side by side with it, without touching the process-wide choice).
public struct KernelConfig: Sendable {
    /// The variant (nil: ``KernelISA/active``; an unsupported one falls back to it).
    public var isa: KernelISA?
    /// Threads (nil: ``KernelThreads/count``).
    public var threads: Int?
    var blocking: (mc: Int, kc: Int, nc: Int)?
    /// Convolutions' GEMM form (tests): 0 the variant's choice, 1 normal, 2 transposed.
    var convForm: Int32 = 0

    public init(isa: KernelISA? = nil, threads: Int? = nil) {
        self.isa = isa
        self.threads = threads
    }

    init(isa: KernelISA? = nil, threads: Int? = nil, blocking: (mc: Int, kc: Int, nc: Int)?) {
        self.isa = isa
        self.threads = threads
        self.blocking = blocking
    }

    /// The process-wide choice.
    public static let standard = KernelConfig()

    /// Constant folding: the baseline variant on one thread, so a compiled program's folded
    /// constants are the same on every machine of an architecture, whatever its CPU or EDGEC_ISA.
    public static let folding = KernelConfig(isa: .baseline, threads: 1)

    var c: ek_config {
        ek_config(isa: isa?.rawValue ?? -1, threads: Int32(clamping: threads ?? 0),
                  mc: blocking?.mc ?? 0, kc: blocking?.kc ?? 0, nc: blocking?.nc ?? 0, conv_form: convForm)
    }
}

/// Runs `body(i)` for `i` in `0..<count` on the kernel threads (the caller takes part) and returns
/// when all ran. `body` must only write outputs that no other index writes.
func parallelFor(_ count: Int, threads: Int? = nil, _ body: (Int) -> Void) {
    if count <= 0 { return }
    if count == 1 || (threads ?? KernelThreads.count) <= 1 {
        for i in 0..<count { body(i) }
        return
    }
    withoutActuallyEscaping(body) { escaping in
        var task = escaping
        withUnsafeMutablePointer(to: &task) { ctx in
            ek_parallel_for_threads(count, Int32(clamping: threads ?? 0), { ctx, i in
                ctx!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(i)
            }, ctx)
        }
    }
}
