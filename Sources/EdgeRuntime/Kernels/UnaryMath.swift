import EdgeKernels
import EdgeProgram

// One-input math.

extension Kernels {
    static let unaryMath: [Kernel] = [
        math(.exp, .exp),
        math(.log, .log),
        math(.sqrt, .sqrt),
        math(.rsqrt, .rsqrt),
        math(.reciprocal, .reciprocal),
        math(.erf, .erf),
        math(.neg, .neg),
        math(.abs, .abs),
        math(.floor, .floor),
        math(.ceil, .ceil),
        math(.sin, .sin),
        math(.cos, .cos),
    ]
}
