import EdgeKernels

// The one mapping between the kernels' element types (EdgeKernels' `DType`) and ExecuTorch's
// `ScalarType` at the `.pte` boundary: the lowering writes with it and the interpreter reads with it.

extension PTEScalarType {
    /// The ExecuTorch scalar type of a kernel element type (every `DType` has one).
    public init(_ dtype: DType) {
        switch dtype {
        case .f32: self = .float
        case .f16: self = .half
        case .bf16: self = .bfloat16
        case .f64: self = .double
        case .i8: self = .char
        case .u8: self = .byte
        case .i16: self = .short
        case .u16: self = .uint16
        case .i32: self = .int
        case .u32: self = .uint32
        case .i64: self = .long
        case .u64: self = .uint64
        case .bool: self = .bool
        }
    }

    /// The kernel element type, or nil for ExecuTorch types the kernels do not have (the quantized ones).
    public var dtype: DType? { Self.dtypes[self] }

    private static let dtypes: [PTEScalarType: DType] = Dictionary(uniqueKeysWithValues: DType.allCases.map { (PTEScalarType($0), $0) })
}
