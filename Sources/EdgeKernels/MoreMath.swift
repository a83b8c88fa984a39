// More one-input float math with ATen semantics: inverse and hyperbolic trigonometry, tan, and
// round (half to even, as ATen's `round` and ONNX's Round). Results come from the platform C
// math library (as ExecuTorch's kernels do); f32 and f64.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A unary float function beyond ``MathOp``.
public enum MoreMathOp: String, Sendable, Hashable, CaseIterable {
    case tan, asin, acos, atan, sinh, cosh, asinh, acosh, atanh
    /// Rounds to the nearest integer, halves to even.
    case round

    /// The dtypes the kernel implements.
    public static let dtypes: Set<DType> = [.f32, .f64]

    func apply(_ x: Float) -> Float {
        switch self {
        case .tan: return tanf(x)
        case .asin: return asinf(x)
        case .acos: return acosf(x)
        case .atan: return atanf(x)
        case .sinh: return sinhf(x)
        case .cosh: return coshf(x)
        case .asinh: return asinhf(x)
        case .acosh: return acoshf(x)
        case .atanh: return atanhf(x)
        case .round: return x.rounded(.toNearestOrEven)
        }
    }

    func apply(_ x: Double) -> Double {
        switch self {
        case .tan: return cTan(x)
        case .asin: return cAsin(x)
        case .acos: return cAcos(x)
        case .atan: return cAtan(x)
        case .sinh: return cSinh(x)
        case .cosh: return cCosh(x)
        case .asinh: return cAsinh(x)
        case .acosh: return cAcosh(x)
        case .atanh: return cAtanh(x)
        case .round: return x.rounded(.toNearestOrEven)
        }
    }
}

public enum MoreMath {
    /// Out-variant; the output may alias the input.
    public static func run(_ op: MoreMathOp, input: TensorView, output: MutableTensorView) throws {
        let name = op.rawValue
        try requireShape(output.shape, input.shape, name)
        try requireDType(output.dtype, input.dtype, name, "output")
        let n = try input.checkedCount(name)
        switch input.dtype {
        case .f32:
            let x = input.f32, y = output.f32
            for i in 0 ..< n { y[i] = op.apply(x[i]) }
        case .f64:
            let x = input.typed(Double.self), y = output.typed(Double.self)
            for i in 0 ..< n { y[i] = op.apply(x[i]) }
        default: throw KernelError.unsupportedDType(kernel: name, dtype: input.dtype)
        }
    }

    /// Allocating wrapper.
    public static func run(_ op: MoreMathOp, _ input: Tensor) throws -> Tensor {
        try withExtendedLifetime(input) {
            try makeTensor(shape: input.shape, dtype: input.dtype, kernel: op.rawValue) { try run(op, input: input.unsafeView, output: $0) }
        }
    }
}

@inline(__always) func cTan(_ x: Double) -> Double { tan(x) }
@inline(__always) func cAsin(_ x: Double) -> Double { asin(x) }
@inline(__always) func cAcos(_ x: Double) -> Double { acos(x) }
@inline(__always) func cAtan(_ x: Double) -> Double { atan(x) }
@inline(__always) func cSinh(_ x: Double) -> Double { sinh(x) }
@inline(__always) func cCosh(_ x: Double) -> Double { cosh(x) }
@inline(__always) func cAsinh(_ x: Double) -> Double { asinh(x) }
@inline(__always) func cAcosh(_ x: Double) -> Double { acosh(x) }
@inline(__always) func cAtanh(_ x: Double) -> Double { atanh(x) }
