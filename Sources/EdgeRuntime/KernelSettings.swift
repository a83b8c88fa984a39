import EdgeKernels

/// The process-wide kernel settings a program run uses (`edgec run --threads`, `EDGEC_ISA`),
/// so the command line configures the interpreter without importing the kernel library.
public enum KernelSettings {
    /// Why `EDGEC_ISA` cannot be honoured, or nil when it is unset or valid.
    public static var environmentProblem: String? { KernelISA.environmentProblem }
    /// Threads inside kernels; outputs are bit-identical for any count.
    public static var threads: Int {
        get { KernelThreads.count }
        set { KernelThreads.count = newValue }
    }
    /// Number of CPU cores online.
    public static var cores: Int { KernelThreads.cores }
    /// The instruction-set variant in use (`baseline`, `avx2`, `avx512`, `neon`).
    public static var isa: String { KernelISA.active.description }
}
