// Unary math and activation kernels with ATen semantics: sigmoid, tanh, hard-sigmoid/swish,
// gelu, leaky relu, elu, exp, log, sqrt, rsqrt, reciprocal, erf, sin, cos, floor, ceil, neg, abs.
// Floating-point results come from the platform C math library (as ExecuTorch's kernels do),
// except f32 (and f16/bf16 through f32) exp, sigmoid, tanh, erf and gelu: those are
// CEdgeKernels' vectorized ek_unary_f32 in the run-time chosen variant (errors of a few ulp,
// stated in kernels.inc and checked by UnaryFunctionTests).
import CEdgeKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A unary elementwise math function.
public enum MathOp: Sendable, Hashable, CustomStringConvertible {
    case sigmoid, tanh, hardswish, hardsigmoid
    /// `x * Φ(x)`; with `tanhApproximation` the tanh formula (ATen `approximate="tanh"`).
    case gelu(tanhApproximation: Bool)
    /// `x` for `x > 0`, `slope * x` otherwise.
    case leakyRelu(slope: Double)
    /// `x` for `x > 0`, `alpha * (exp(x) - 1)` otherwise.
    case elu(alpha: Double)
    case exp, log, sqrt, rsqrt, reciprocal, erf, sin, cos, floor, ceil
    /// `-x` (all numeric types; integers wrap).
    case neg
    /// `|x|` (all numeric types; the most negative integer stays itself, as in ATen).
    case abs

    public var description: String {
        switch self {
        case .sigmoid: return "sigmoid"
        case .tanh: return "tanh"
        case .hardswish: return "hardswish"
        case .hardsigmoid: return "hardsigmoid"
        case .gelu: return "gelu"
        case .leakyRelu: return "leaky_relu"
        case .elu: return "elu"
        case .exp: return "exp"
        case .log: return "log"
        case .sqrt: return "sqrt"
        case .rsqrt: return "rsqrt"
        case .reciprocal: return "reciprocal"
        case .erf: return "erf"
        case .sin: return "sin"
        case .cos: return "cos"
        case .floor: return "floor"
        case .ceil: return "ceil"
        case .neg: return "neg"
        case .abs: return "abs"
        }
    }

    /// Whether the op accepts integer inputs (otherwise only floating-point types).
    public var acceptsIntegers: Bool { self == .neg || self == .abs }

    /// The CEdgeKernels function (`EK_UNARY_*`) computing this op on f32, if there is one.
    var vectorFunction: Int32? {
        switch self {
        case .exp: return Int32(EK_UNARY_EXP)
        case .sigmoid: return Int32(EK_UNARY_SIGMOID)
        case .tanh: return Int32(EK_UNARY_TANH)
        case .erf: return Int32(EK_UNARY_ERF)
        case .gelu(let tanhApproximation): return Int32(tanhApproximation ? EK_UNARY_GELU_TANH : EK_UNARY_GELU)
        default: return nil
        }
    }

    /// The dtypes the kernel implements for this op.
    public var dtypes: Set<DType> {
        acceptsIntegers ? DType.realTypes.union([.f16, .bf16]) : [.f32, .f64, .f16, .bf16]
    }
}

/// Elementwise math over f32, f64, f16 and bf16 (the 16-bit types compute in f32, like ATen's
/// opmath), plus integers for `neg` and `abs`. Output shape and dtype equal the input's; the
/// output may alias the input.
public enum Math {
    /// Out-variant.
    public static func run(_ op: MathOp, input: TensorView, output: MutableTensorView) throws {
        try run(op, input: input, output: output, config: .standard)
    }

    /// The same with an explicit kernel variant / thread count (``KernelConfig/folding`` for constant folding).
    public static func run(_ op: MathOp, input: TensorView, output: MutableTensorView, config: KernelConfig) throws {
        let name = op.description
        try requireShape(output.shape, input.shape, name)
        try requireDType(output.dtype, input.dtype, name, "output")
        let n = try input.checkedCount(name)
        guard op.dtypes.contains(input.dtype) else { throw KernelError.unsupportedDType(kernel: name, dtype: input.dtype) }
        switch input.dtype {
        case .f32:
            // Large tensors in independent chunks on the kernel threads (same per-element function,
            // so the result does not depend on the thread count).
            let x = input.f32, y = output.f32, chunk = 16_384
            if let f = op.vectorFunction {
                var c = config.c
                ek_unary_f32_with(&c, f, x, y, n)  // chunks over the kernel threads itself
            } else if n >= 2 * chunk && (config.threads ?? KernelThreads.count) > 1 {
                parallelFor((n + chunk - 1) / chunk, threads: config.threads) { c in
                    float(op, x + c * chunk, y + c * chunk, Swift.min(chunk, n - c * chunk))
                }
            } else {
                float(op, x, y, n)
            }
        case .f64: double(op, input.typed(Double.self), output.typed(Double.self), n)
        case .f16, .bf16:
            // Through f32 in chunks (rounding back to the 16-bit type once per element).
            var buffer = [Float](repeating: 0, count: min(n, 4096))
            var start = 0
            while start < n {
                let m = min(buffer.count, n - start)
                let e = input.dtype.byteSize
                buffer.withUnsafeMutableBufferPointer { b in
                    let raw = UnsafeMutableRawPointer(b.baseAddress!)
                    convertBuffer(input.base + start * e, dtype: input.dtype, raw, Float.self, count: m)
                    if let f = op.vectorFunction {
                        var c = config.c
                        ek_unary_f32_with(&c, f, b.baseAddress!, b.baseAddress!, m)
                    } else {
                        float(op, UnsafePointer(b.baseAddress!), b.baseAddress!, m)
                    }
                    if input.dtype == .f16 {
                        convertBuffer(UnsafeRawPointer(raw), Float.self, output.base + start * e, F16Bits.self, count: m)
                    } else {
                        convertBuffer(UnsafeRawPointer(raw), Float.self, output.base + start * e, BF16Bits.self, count: m)
                    }
                }
                start += m
            }
        case .i8: integer(op, Int8.self, input, output, n)
        case .u8: integer(op, UInt8.self, input, output, n)
        case .i16: integer(op, Int16.self, input, output, n)
        case .i32: integer(op, Int32.self, input, output, n)
        case .i64: integer(op, Int64.self, input, output, n)
        case .u16: integer(op, UInt16.self, input, output, n)
        case .u32: integer(op, UInt32.self, input, output, n)
        case .u64: integer(op, UInt64.self, input, output, n)
        case .bool: throw KernelError.unsupportedDType(kernel: name, dtype: .bool)
        }
    }

    /// `x * sigmoid(x)` over f32 in one pass (the interpreter's fused `sigmoid` → `mul`); the
    /// output may alias the input.
    public static func silu(input: TensorView, output: MutableTensorView, config: KernelConfig = .standard) throws {
        try requireShape(output.shape, input.shape, "silu")
        try requireDType(output.dtype, input.dtype, "silu", "output")
        guard input.dtype == .f32 else { throw KernelError.unsupportedDType(kernel: "silu", dtype: input.dtype) }
        var c = config.c
        ek_unary_f32_with(&c, Int32(EK_UNARY_SILU), input.f32, output.f32, try input.checkedCount("silu"))
    }

    /// Allocating wrapper.
    public static func run(_ op: MathOp, _ input: Tensor, config: KernelConfig = .standard) throws -> Tensor {
        try withExtendedLifetime(input) {
            try makeTensor(shape: input.shape, dtype: input.dtype, kernel: op.description) {
                try run(op, input: input.unsafeView, output: $0, config: config)
            }
        }
    }

    @inline(__always) static func map<T>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int, _ f: (T) -> T) {
        for i in 0..<n { y[i] = f(x[i]) }
    }

    /// The libm form of every op (the f32 ops with a ``MathOp/vectorFunction`` run that instead).
    static func float(_ op: MathOp, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
        switch op {
        case .sigmoid: map(x, y, n) { 1 / (1 + expf(-$0)) }
        case .tanh: map(x, y, n) { tanhf($0) }
        case .hardsigmoid: map(x, y, n) { Swift.min(Swift.max($0 + 3, 0), 6) / 6 }
        case .hardswish: map(x, y, n) { $0 * Swift.min(Swift.max($0 + 3, 0), 6) / 6 }
        case .gelu(let approx):
            if approx {
                map(x, y, n) { v in 0.5 * v * (1 + tanhf(0.797_884_56 * (v + 0.044715 * v * v * v))) }
            } else {
                map(x, y, n) { v in 0.5 * v * (1 + erff(v * 0.707_106_78)) }
            }
        case .leakyRelu(let slope):
            let s = Float(slope)
            map(x, y, n) { $0 > 0 ? $0 : $0 * s }
        case .elu(let alpha):
            let a = Float(alpha)
            map(x, y, n) { $0 > 0 ? $0 : a * expm1f($0) }
        case .exp: map(x, y, n) { expf($0) }
        case .log: map(x, y, n) { logf($0) }
        case .sqrt: map(x, y, n) { $0.squareRoot() }
        case .rsqrt: map(x, y, n) { 1 / $0.squareRoot() }
        case .reciprocal: map(x, y, n) { 1 / $0 }
        case .erf: map(x, y, n) { erff($0) }
        case .sin: map(x, y, n) { sinf($0) }
        case .cos: map(x, y, n) { cosf($0) }
        case .floor: map(x, y, n) { $0.rounded(.down) }
        case .ceil: map(x, y, n) { $0.rounded(.up) }
        case .neg: map(x, y, n) { -$0 }
        case .abs: map(x, y, n) { Swift.abs($0) }
        }
    }

    static func double(_ op: MathOp, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
        switch op {
        case .sigmoid: map(x, y, n) { 1 / (1 + cExp(-$0)) }
        case .tanh: map(x, y, n) { cTanh($0) }
        case .hardsigmoid: map(x, y, n) { Swift.min(Swift.max($0 + 3, 0), 6) / 6 }
        case .hardswish: map(x, y, n) { $0 * Swift.min(Swift.max($0 + 3, 0), 6) / 6 }
        case .gelu(let approx):
            if approx {
                map(x, y, n) { v in 0.5 * v * (1 + cTanh(0.797_884_560_802_865_4 * (v + 0.044715 * v * v * v))) }
            } else {
                map(x, y, n) { v in 0.5 * v * (1 + cErf(v * 0.707_106_781_186_547_5)) }
            }
        case .leakyRelu(let s): map(x, y, n) { $0 > 0 ? $0 : $0 * s }
        case .elu(let a): map(x, y, n) { $0 > 0 ? $0 : a * cExpm1($0) }
        case .exp: map(x, y, n) { cExp($0) }
        case .log: map(x, y, n) { cLog($0) }
        case .sqrt: map(x, y, n) { $0.squareRoot() }
        case .rsqrt: map(x, y, n) { 1 / $0.squareRoot() }
        case .reciprocal: map(x, y, n) { 1 / $0 }
        case .erf: map(x, y, n) { cErf($0) }
        case .sin: map(x, y, n) { cSin($0) }
        case .cos: map(x, y, n) { cCos($0) }
        case .floor: map(x, y, n) { $0.rounded(.down) }
        case .ceil: map(x, y, n) { $0.rounded(.up) }
        case .neg: map(x, y, n) { -$0 }
        case .abs: map(x, y, n) { Swift.abs($0) }
        }
    }

    static func integer<T: FixedWidthInteger>(_ op: MathOp, _: T.Type, _ input: TensorView, _ output: MutableTensorView, _ n: Int) {
        let x = input.typed(T.self), y = output.typed(T.self)
        if op == .neg {
            map(x, y, n) { 0 &- $0 }
        } else {
            map(x, y, n) { $0 < 0 ? 0 &- $0 : $0 }
        }
    }
}

// Double-precision libm entry points under names that do not collide with `MathOp`'s cases.
@inline(__always) func cExp(_ x: Double) -> Double { exp(x) }
@inline(__always) func cExpm1(_ x: Double) -> Double { expm1(x) }
@inline(__always) func cLog(_ x: Double) -> Double { log(x) }
@inline(__always) func cTanh(_ x: Double) -> Double { tanh(x) }
@inline(__always) func cErf(_ x: Double) -> Double { erf(x) }
@inline(__always) func cSin(_ x: Double) -> Double { sin(x) }
@inline(__always) func cCos(_ x: Double) -> Double { cos(x) }
@inline(__always) func cPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
@inline(__always) func cPowf(_ x: Float, _ y: Float) -> Float { powf(x, y) }
