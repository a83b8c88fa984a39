// EdgeKernels: dependency-free reference tensor kernels with ATen semantics (NCHW layout,
// numpy broadcasting, contiguous row-major tensors), shared by edgec's constant folder and
// its conformance interpreter.
//
// Every kernel is a namespace enum with
//   - `outputShape(...) throws -> [Int]`: the pure shape function (overflow-checked),
//   - `run(..., output: MutableTensorView) throws`: the out-variant over non-owning views,
//   - `run(...Tensor...) throws -> Tensor`: an allocating wrapper for folding and tests.
// Invalid shapes, dtypes or parameters throw `KernelError`; kernels never trap on bad input.
// Outputs must not alias inputs unless the kernel's documentation says otherwise.
//
// This file: element types, errors and shape arithmetic.

/// Element type of a tensor (the ATen scalar types edgec uses).
public enum DType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case f32, f16, bf16, f64, i8, u8, i16, u16, i32, u32, i64, u64, bool

    /// Size of one element in bytes.
    public var byteSize: Int {
        switch self {
        case .bool, .i8, .u8: return 1
        case .f16, .bf16, .i16, .u16: return 2
        case .f32, .i32, .u32: return 4
        case .f64, .i64, .u64: return 8
        }
    }

    /// True for f16, bf16, f32 and f64.
    public var isFloatingPoint: Bool {
        switch self {
        case .f16, .bf16, .f32, .f64: return true
        default: return false
        }
    }

    /// True for the signed and unsigned integer types (not bool).
    public var isIntegral: Bool {
        switch self {
        case .i8, .u8, .i16, .u16, .i32, .u32, .i64, .u64: return true
        default: return false
        }
    }

    /// True for the unsigned integer types (u8, u16, u32, u64): their arithmetic wraps modulo
    /// 2^bits, as numpy's, and they have no sign to fill or propagate.
    public var isUnsigned: Bool {
        switch self {
        case .u8, .u16, .u32, .u64: return true
        default: return false
        }
    }

    /// The integer types (signed and unsigned, not bool) in declaration order.
    public static let integers: [DType] = allCases.filter(\.isIntegral)

    /// f32, f64 and every integer type: the real-valued types most generic kernels implement.
    public static let realTypes: Set<DType> = Set([.f32, .f64] + integers)

    /// The short name (`f32`, `i64`, ...).
    public var description: String { rawValue }
}

/// Error thrown by every kernel and shape function instead of trapping.
public enum KernelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Input/output shapes are inconsistent with each other or with the parameters.
    case shapeMismatch(kernel: String, message: String)
    /// Operand dtypes disagree.
    case dtypeMismatch(kernel: String, message: String)
    /// The kernel has no implementation for this dtype.
    case unsupportedDType(kernel: String, dtype: DType)
    /// A parameter (stride, axis, permutation, ...) is invalid.
    case invalidArgument(kernel: String, message: String)
    /// Shape or size arithmetic overflowed `Int`.
    case overflow(kernel: String, message: String)

    /// Name of the kernel that raised the error.
    public var kernel: String {
        switch self {
        case let .shapeMismatch(k, _), let .dtypeMismatch(k, _), let .unsupportedDType(k, _),
             let .invalidArgument(k, _), let .overflow(k, _):
            return k
        }
    }

    /// Human-readable message, prefixed with the kernel name.
    public var description: String {
        switch self {
        case let .shapeMismatch(k, m): return "\(k): shape mismatch: \(m)"
        case let .dtypeMismatch(k, m): return "\(k): dtype mismatch: \(m)"
        case let .unsupportedDType(k, d): return "\(k): unsupported dtype \(d)"
        case let .invalidArgument(k, m): return "\(k): invalid argument: \(m)"
        case let .overflow(k, m): return "\(k): arithmetic overflow: \(m)"
        }
    }
}

/// Shape arithmetic shared by the compiler and the runtime (all overflow-checked).
public enum Shapes {
    /// Number of elements of `shape`; throws on negative dimensions or overflow.
    public static func elementCount(_ shape: [Int], kernel: String = "shape") throws -> Int {
        var n = 1
        for d in shape {
            guard d >= 0 else {
                throw KernelError.invalidArgument(kernel: kernel, message: "negative dimension in shape \(shape)")
            }
            n = try mul(n, d, kernel: kernel)
        }
        return n
    }

    /// Number of bytes of a contiguous tensor; throws on overflow.
    public static func byteCount(_ shape: [Int], dtype: DType, kernel: String = "shape") throws -> Int {
        try mul(elementCount(shape, kernel: kernel), dtype.byteSize, kernel: kernel)
    }

    /// Numpy broadcast of two shapes (right-aligned; dims must be equal or 1).
    public static func broadcast(_ a: [Int], _ b: [Int], kernel: String = "broadcast") throws -> [Int] {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard da >= 0, db >= 0 else {
                throw KernelError.invalidArgument(kernel: kernel, message: "negative dimension in \(a) or \(b)")
            }
            if da == db || db == 1 {
                out[i] = da
            } else if da == 1 {
                out[i] = db
            } else {
                throw KernelError.shapeMismatch(kernel: kernel, message: "shapes \(a) and \(b) are not broadcastable")
            }
        }
        return out
    }

    /// Maps a possibly negative axis into `0..<rank`; throws when out of range.
    public static func normalizeAxis(_ axis: Int, rank: Int, kernel: String) throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < rank else {
            throw KernelError.invalidArgument(kernel: kernel, message: "axis \(axis) out of range for rank \(rank)")
        }
        return a
    }

    /// Row-major contiguous strides, in elements.
    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var s = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = s
            s &*= shape[i]
        }
        return strides
    }

    /// Overflow-checked multiplication.
    public static func mul(_ a: Int, _ b: Int, kernel: String) throws -> Int {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        if o { throw KernelError.overflow(kernel: kernel, message: "\(a) * \(b) overflows Int") }
        return r
    }

    /// Overflow-checked addition.
    public static func add(_ a: Int, _ b: Int, kernel: String) throws -> Int {
        let (r, o) = a.addingReportingOverflow(b)
        if o { throw KernelError.overflow(kernel: kernel, message: "\(a) + \(b) overflows Int") }
        return r
    }
}

// MARK: - Internal validation helpers

@inline(__always) func product(_ dims: ArraySlice<Int>) -> Int {
    var n = 1
    for d in dims { n &*= d }
    return n
}

@inline(__always) func product(_ dims: [Int]) -> Int { product(dims[...]) }

/// Throws unless `actual == expected` (used for caller-provided output shapes).
func requireShape(_ actual: [Int], _ expected: [Int], _ kernel: String, _ what: String = "output") throws {
    guard actual == expected else {
        throw KernelError.shapeMismatch(kernel: kernel, message: "\(what) shape \(actual), expected \(expected)")
    }
}

/// Throws unless `actual == expected` dtype.
func requireDType(_ actual: DType, _ expected: DType, _ kernel: String, _ what: String) throws {
    guard actual == expected else {
        throw KernelError.dtypeMismatch(kernel: kernel, message: "\(what) is \(actual), expected \(expected)")
    }
}

/// Throws unless `shape.count == rank`.
func requireRank(_ shape: [Int], _ rank: Int, _ kernel: String, _ what: String) throws {
    guard shape.count == rank else {
        throw KernelError.shapeMismatch(kernel: kernel, message: "\(what) must have rank \(rank), got \(shape)")
    }
}
