// Maximum / minimum reductions (amax, amin) and index-of-extreme reductions (argmax, argmin).

/// Which extreme a reduction looks for.
public enum Extreme: String, Sendable, Hashable, CaseIterable {
    case max, min
}

/// Scalars with an ordering where NaN wins (ATen's amax/amin/argmax/argmin propagate NaN).
protocol ExtremeScalar: Comparable {
    var isNaNValue: Bool { get }
}
extension Float: ExtremeScalar { var isNaNValue: Bool { isNaN } }
extension Double: ExtremeScalar { var isNaNValue: Bool { isNaN } }
extension Int8: ExtremeScalar { var isNaNValue: Bool { false } }
extension UInt8: ExtremeScalar { var isNaNValue: Bool { false } }
extension Int16: ExtremeScalar { var isNaNValue: Bool { false } }
extension Int32: ExtremeScalar { var isNaNValue: Bool { false } }
extension Int64: ExtremeScalar { var isNaNValue: Bool { false } }
extension UInt16: ExtremeScalar { var isNaNValue: Bool { false } }
extension UInt32: ExtremeScalar { var isNaNValue: Bool { false } }
extension UInt64: ExtremeScalar { var isNaNValue: Bool { false } }

/// Whether `v` replaces the current best `best` (the first NaN, else strictly better).
@inline(__always) func beats<T: ExtremeScalar>(_ v: T, _ best: T, _ which: Extreme) -> Bool {
    if best.isNaNValue { return false }
    if v.isNaNValue { return true }
    return which == .max ? v > best : v < best
}

/// `amax` / `amin` over a set of axes (empty reduces all; output dtype = input dtype).
/// f32, f64 and the integer types; NaN propagates; an empty reduction is an error (as in ATen).
public enum AMax {
    public static let dtypes: Set<DType> = DType.realTypes

    /// Out-variant.
    public static func run(_ which: Extreme, input: TensorView, axes: [Int], keepDims: Bool, output: MutableTensorView) throws {
        let name = "a" + which.rawValue
        let shape = try Reduce.outputShape(input: input.shape, axes: axes, keepDims: keepDims)
        try requireShape(output.shape, shape, name)
        try requireDType(output.dtype, input.dtype, name, "output")
        let mask = try Reduce.reducedMask(input.shape, axes, name)
        if input.count == 0 && output.count > 0 {
            throw KernelError.invalidArgument(kernel: name, message: "reduction over an empty dimension")
        }
        switch input.dtype {
        case .f32: typed(which, Float.self, input, mask, output)
        case .f64: typed(which, Double.self, input, mask, output)
        case .i8: typed(which, Int8.self, input, mask, output)
        case .u8: typed(which, UInt8.self, input, mask, output)
        case .i16: typed(which, Int16.self, input, mask, output)
        case .i32: typed(which, Int32.self, input, mask, output)
        case .i64: typed(which, Int64.self, input, mask, output)
        case .u16: typed(which, UInt16.self, input, mask, output)
        case .u32: typed(which, UInt32.self, input, mask, output)
        case .u64: typed(which, UInt64.self, input, mask, output)
        default: throw KernelError.unsupportedDType(kernel: name, dtype: input.dtype)
        }
    }

    /// Allocating wrapper.
    public static func run(_ which: Extreme, _ input: Tensor, axes: [Int], keepDims: Bool = false) throws -> Tensor {
        let shape = try Reduce.outputShape(input: input.shape, axes: axes, keepDims: keepDims)
        return try withExtendedLifetime(input) {
            try makeTensor(shape: shape, dtype: input.dtype, kernel: "a" + which.rawValue) {
                try run(which, input: input.unsafeView, axes: axes, keepDims: keepDims, output: $0)
            }
        }
    }

    /// Walks the input in order; each element updates its output slot (output strides are 0 on
    /// reduced dims). The first element reaching a slot initializes it.
    static func typed<T: ExtremeScalar>(_ which: Extreme, _: T.Type, _ input: TensorView, _ mask: [Bool], _ output: MutableTensorView) {
        let x = input.typed(T.self), y = output.typed(T.self)
        let shape = input.shape, r = shape.count, total = input.count
        if total == 0 { return }
        var ostr = [Int](repeating: 0, count: r)
        var s = 1
        for d in stride(from: r - 1, through: 0, by: -1) where !mask[d] {
            ostr[d] = s
            s *= shape[d]
        }
        var seen = [Bool](repeating: false, count: output.count)
        var idx = [Int](repeating: 0, count: r)
        var off = 0
        for i in 0..<total {
            let v = x[i]
            if !seen[off] {
                y[off] = v
                seen[off] = true
            } else if beats(v, y[off], which) {
                y[off] = v
            }
            var d = r - 1
            while d >= 0 {
                idx[d] += 1
                off += ostr[d]
                if idx[d] < shape[d] { break }
                off -= ostr[d] * shape[d]
                idx[d] = 0
                d -= 1
            }
        }
    }
}

/// `argmax` / `argmin` along one dim (i64 result; the first extreme wins; NaN counts as the
/// extreme). f32, f64 and the integer types.
public enum ArgExtreme {
    public static let dtypes: Set<DType> = AMax.dtypes

    /// Output shape.
    public static func outputShape(input: [Int], dim: Int, keepDims: Bool) throws -> [Int] {
        try Reduce.outputShape(input: input, axes: [dim], keepDims: keepDims)
    }

    /// Out-variant.
    public static func run(_ which: Extreme, input: TensorView, dim: Int, keepDims: Bool, output: MutableTensorView) throws {
        let name = "arg" + which.rawValue
        let shape = try outputShape(input: input.shape, dim: dim, keepDims: keepDims)
        try requireShape(output.shape, shape, name)
        try requireDType(output.dtype, .i64, name, "output")
        let d = try Shapes.normalizeAxis(dim, rank: input.rank, kernel: name)
        if input.shape[d] == 0 && output.count > 0 {
            throw KernelError.invalidArgument(kernel: name, message: "reduction over an empty dimension")
        }
        let outer = product(input.shape[..<d]), len = input.shape[d], inner = product(input.shape[(d + 1)...])
        func go<T: ExtremeScalar>(_: T.Type) {
            let x = input.typed(T.self), y = output.typed(Int64.self)
            for o in 0..<outer {
                for j in 0..<inner {
                    let base = o * len * inner + j
                    var best = x[base], at = 0
                    for k in 1..<Swift.max(len, 1) where beats(x[base + k * inner], best, which) {
                        best = x[base + k * inner]
                        at = k
                    }
                    y[o * inner + j] = Int64(at)
                }
            }
        }
        switch input.dtype {
        case .f32: go(Float.self)
        case .f64: go(Double.self)
        case .i8: go(Int8.self)
        case .u8: go(UInt8.self)
        case .i16: go(Int16.self)
        case .i32: go(Int32.self)
        case .i64: go(Int64.self)
        case .u16: go(UInt16.self)
        case .u32: go(UInt32.self)
        case .u64: go(UInt64.self)
        default: throw KernelError.unsupportedDType(kernel: name, dtype: input.dtype)
        }
    }

    /// Allocating wrapper.
    public static func run(_ which: Extreme, _ input: Tensor, dim: Int, keepDims: Bool = false) throws -> Tensor {
        let shape = try outputShape(input: input.shape, dim: dim, keepDims: keepDims)
        return try withExtendedLifetime(input) {
            try makeTensor(shape: shape, dtype: .i64, kernel: "arg" + which.rawValue) {
                try run(which, input: input.unsafeView, dim: dim, keepDims: keepDims, output: $0)
            }
        }
    }
}
