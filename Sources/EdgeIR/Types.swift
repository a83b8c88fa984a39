import EdgeKernels

/// Element types of Edge IR tensors: the EdgeKernels element type, so the IR, constant
/// folding and the kernels share one enum (f32 f16 bf16 f64 i8 u8 i16 u16 i32 u32 i64 u64 bool).
public typealias ScalarType = DType

extension DType {
    /// Whether the type is a floating-point type (f16, bf16, f32, f64).
    public var isFloat: Bool { isFloatingPoint }

    /// Whether the type is a (signed or unsigned) integer type (not bool).
    public var isInteger: Bool { isIntegral }
}

/// How a quantized element maps back to real numbers: `real = scale * (q - zeroPoint)`.
public enum QuantizationScheme: Sendable, Hashable {
    /// One scale and zero point for the whole tensor.
    case perTensor(scale: Double, zeroPoint: Int64)
    /// One scale and zero point per slice along `axis`.
    case perChannel(axis: Int, scales: [Double], zeroPoints: [Int64])
    /// Blockwise 4-bit, symmetric: one scale per block of `blockSize` consecutive elements
    /// along `axis`, integers in [-8, 7] (zero point 0), stored one per `i8` element (packed two
    /// per byte only in a backend's payload). `scales` are laid out as the shape with the axis
    /// dimension divided by `blockSize`. Written `qi4<axis=1, block=32, scales=[...]>`.
    case blockwise(axis: Int, blockSize: Int, scales: [Double])
}

/// A quantized element type: integer storage plus the affine map to real values.
public struct QuantizedType: Sendable, Hashable {
    /// The integer type each element is stored as (i8, u8, i16, u16, i32 or u32).
    public var storage: ScalarType
    public var scheme: QuantizationScheme

    public init(storage: ScalarType, scheme: QuantizationScheme) {
        self.storage = storage
        self.scheme = scheme
    }
}

/// The element type of a tensor: a plain scalar type or a quantized one.
public enum ElementType: Sendable, Hashable {
    case scalar(ScalarType)
    case quantized(QuantizedType)

    /// The type elements are stored as.
    public var storage: ScalarType {
        switch self {
        case .scalar(let s): return s
        case .quantized(let q): return q.storage
        }
    }

    public static let f32 = ElementType.scalar(.f32)
    public static let f16 = ElementType.scalar(.f16)
    public static let bf16 = ElementType.scalar(.bf16)
    public static let f64 = ElementType.scalar(.f64)
    public static let i8 = ElementType.scalar(.i8)
    public static let u8 = ElementType.scalar(.u8)
    public static let i16 = ElementType.scalar(.i16)
    public static let u16 = ElementType.scalar(.u16)
    public static let i32 = ElementType.scalar(.i32)
    public static let u32 = ElementType.scalar(.u32)
    public static let i64 = ElementType.scalar(.i64)
    public static let u64 = ElementType.scalar(.u64)
    public static let bool = ElementType.scalar(.bool)
}

/// One dimension of a tensor shape: a known size or a named (or anonymous) symbol.
public enum Dim: Sendable, Hashable {
    case known(Int)
    /// A size known only at run time. The empty name is an anonymous dimension (`?`).
    case symbolic(String)

    /// The size when it is known.
    public var value: Int? {
        if case .known(let v) = self { return v }
        return nil
    }

    /// An unnamed dimension whose size is not known at compile time.
    public static let unknown = Dim.symbolic("")
}

extension Dim: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self = .known(value) }
}

/// The type of an Edge IR value: element type and shape.
public struct TensorType: Sendable, Hashable {
    public var element: ElementType
    public var shape: [Dim]

    public init(_ element: ElementType, _ shape: [Dim]) {
        self.element = element
        self.shape = shape
    }

    /// A type whose dimensions are all known.
    public init(_ element: ElementType, _ dims: [Int]) {
        self.element = element
        self.shape = dims.map { .known($0) }
    }

    public var rank: Int { shape.count }

    /// The dimensions as integers when every one is known.
    public var staticShape: [Int]? {
        var out: [Int] = []
        out.reserveCapacity(shape.count)
        for d in shape {
            guard let v = d.value else { return nil }
            out.append(v)
        }
        return out
    }

    /// The number of elements when the shape is static and the product does not overflow.
    public var elementCount: Int? {
        guard let dims = staticShape else { return nil }
        return checkedProduct(dims)
    }

    /// Bytes needed to store the tensor, when known and representable.
    public var byteCount: Int? {
        guard let n = elementCount else { return nil }
        let (r, o) = n.multipliedReportingOverflow(by: element.storage.byteSize)
        return o ? nil : r
    }

    /// Whether `self` (a declared type) is a refinement of `inferred`: equal, except that
    /// where the inferred dimension is anonymous, any declared dimension is accepted.
    public func refines(_ inferred: TensorType) -> Bool {
        guard element == inferred.element, rank == inferred.rank else { return false }
        for (d, i) in zip(shape, inferred.shape) where d != i {
            if i != .unknown { return false }
        }
        return true
    }
}

/// The product of `dims`, or nil when it overflows `Int` or a dimension is negative.
public func checkedProduct(_ dims: [Int]) -> Int? {
    var n = 1
    for d in dims {
        guard d >= 0 else { return nil }
        let (r, o) = n.multipliedReportingOverflow(by: d)
        if o { return nil }
        n = r
    }
    return n
}
