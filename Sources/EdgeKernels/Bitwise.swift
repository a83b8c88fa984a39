// Bitwise kernels with ATen semantics: and / or / xor (integers and bool), not, and shifts.

/// A bitwise binary op with numpy broadcasting; operands and output share one dtype.
public enum BitwiseOp: String, Sendable, Hashable, CaseIterable {
    case and = "bitwise_and"
    case or = "bitwise_or"
    case xor = "bitwise_xor"
    /// `x << s`; 0 when s < 0 or s ≥ the bit width (as ATen's CPU kernel).
    case leftShift = "bitwise_left_shift"
    /// `x >> s`, arithmetic for signed types; the sign fill (0 or -1) when s < 0 or s ≥ the bit width.
    case rightShift = "bitwise_right_shift"

    /// The dtypes the kernel implements for this op (bool only for and / or / xor).
    public var dtypes: Set<DType> {
        switch self {
        case .and, .or, .xor: return Set(DType.integers + [.bool])
        case .leftShift, .rightShift: return Set(DType.integers)
        }
    }
}

public enum Bitwise {
    /// Out-variant.
    public static func run(_ op: BitwiseOp, _ a: TensorView, _ b: TensorView, output: MutableTensorView) throws {
        let name = op.rawValue
        try checkBroadcast(a, b, output, name)
        try requireDType(b.dtype, a.dtype, name, "second operand")
        try requireDType(output.dtype, a.dtype, name, "output")
        guard op.dtypes.contains(a.dtype) else { throw KernelError.unsupportedDType(kernel: name, dtype: a.dtype) }
        switch a.dtype {
        case .i8: typed(op, Int8.self, a, b, output)
        case .u8, .bool: typed(op, UInt8.self, a, b, output)
        case .i16: typed(op, Int16.self, a, b, output)
        case .u16: typed(op, UInt16.self, a, b, output)
        case .i32: typed(op, Int32.self, a, b, output)
        case .u32: typed(op, UInt32.self, a, b, output)
        case .i64: typed(op, Int64.self, a, b, output)
        case .u64: typed(op, UInt64.self, a, b, output)
        default: throw KernelError.unsupportedDType(kernel: name, dtype: a.dtype)
        }
    }

    static func typed<T: FixedWidthInteger>(_ op: BitwiseOp, _: T.Type, _ a: TensorView, _ b: TensorView, _ out: MutableTensorView) {
        switch op {
        case .and: broadcastMap(a, b, out, T.self, T.self, T.self) { $0 & $1 }
        case .or: broadcastMap(a, b, out, T.self, T.self, T.self) { $0 | $1 }
        case .xor: broadcastMap(a, b, out, T.self, T.self, T.self) { $0 ^ $1 }
        case .leftShift:
            broadcastMap(a, b, out, T.self, T.self, T.self) { x, s in s < 0 || s >= T.bitWidth ? 0 : x &<< s }
        case .rightShift:
            broadcastMap(a, b, out, T.self, T.self, T.self) { x, s in s < 0 || s >= T.bitWidth ? (x < 0 ? ~0 : 0) : x &>> s }
        }
    }

    /// Allocating wrapper.
    public static func run(_ op: BitwiseOp, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let shape = try Binary.outputShape(a.shape, b.shape)
        return try withExtendedLifetime((a, b)) {
            try makeTensor(shape: shape, dtype: a.dtype, kernel: op.rawValue) { try run(op, a.unsafeView, b.unsafeView, output: $0) }
        }
    }

    /// `~x` per element (integers), logical not for bool.
    public static func not(input: TensorView, output: MutableTensorView) throws {
        let name = "bitwise_not"
        try requireShape(output.shape, input.shape, name)
        try requireDType(output.dtype, input.dtype, name, "output")
        let n = try input.checkedCount(name)
        func map<T: FixedWidthInteger>(_: T.Type, _ f: (T) -> T) {
            let x = input.typed(T.self), y = output.typed(T.self)
            for i in 0 ..< n { y[i] = f(x[i]) }
        }
        switch input.dtype {
        case .bool: map(UInt8.self) { $0 == 0 ? 1 : 0 }
        case .i8: map(Int8.self) { ~$0 }
        case .u8: map(UInt8.self) { ~$0 }
        case .i16: map(Int16.self) { ~$0 }
        case .u16: map(UInt16.self) { ~$0 }
        case .i32: map(Int32.self) { ~$0 }
        case .u32: map(UInt32.self) { ~$0 }
        case .i64: map(Int64.self) { ~$0 }
        case .u64: map(UInt64.self) { ~$0 }
        default: throw KernelError.unsupportedDType(kernel: name, dtype: input.dtype)
        }
    }

    /// Allocating wrapper.
    public static func not(_ input: Tensor) throws -> Tensor {
        try withExtendedLifetime(input) {
            try makeTensor(shape: input.shape, dtype: input.dtype, kernel: "bitwise_not") { try not(input: input.unsafeView, output: $0) }
        }
    }
}
