// Elementwise kernels: broadcasting binary arithmetic, relu/clamp, dtype casts.

/// Binary arithmetic operator (ATen `add`/`sub`/`mul`/`div`).
public enum BinaryOp: String, Sendable, Hashable, CaseIterable {
    case add, sub, mul, div
}

/// Broadcasting binary arithmetic: `out = a op b` (`a + alpha*b`, `a - alpha*b` for add/sub).
///
/// Both inputs and the output share one dtype (the compiler inserts casts; no type promotion).
/// Integer arithmetic wraps; integer `div` truncates toward zero (C semantics, ATen
/// `rounding_mode="trunc"`) and throws on a zero divisor. Bool supports `add` (logical or)
/// and `mul` (logical and). The output may alias an input of the same shape.
public enum Binary {
    /// Numpy-broadcast output shape.
    public static func outputShape(_ a: [Int], _ b: [Int]) throws -> [Int] {
        let s = try Shapes.broadcast(a, b, kernel: "binary")
        _ = try Shapes.elementCount(s, kernel: "binary")
        return s
    }

    /// Out-variant.
    public static func run(_ op: BinaryOp, _ a: TensorView, _ b: TensorView, alpha: Double = 1,
                           output: MutableTensorView) throws {
        let name = op.rawValue
        let shape = try Shapes.broadcast(a.shape, b.shape, kernel: name)
        try requireShape(output.shape, shape, name)
        try requireDType(b.dtype, a.dtype, name, "second operand")
        try requireDType(output.dtype, a.dtype, name, "output")
        _ = try a.checkedCount(name)
        _ = try b.checkedCount(name)
        _ = try output.checkedCount(name)
        if alpha != 1 && (op == .mul || op == .div) {
            throw KernelError.invalidArgument(kernel: name, message: "alpha is only supported for add and sub")
        }
        switch a.dtype {
        case .f32: try typed(op, Float.self, a, b, alpha, output)
        case .f64: try typed(op, Double.self, a, b, alpha, output)
        case .i8: try typed(op, Int8.self, a, b, alpha, output)
        case .u8: try typed(op, UInt8.self, a, b, alpha, output)
        case .i16: try typed(op, Int16.self, a, b, alpha, output)
        case .u16: try typed(op, UInt16.self, a, b, alpha, output)
        case .i32: try typed(op, Int32.self, a, b, alpha, output)
        case .u32: try typed(op, UInt32.self, a, b, alpha, output)
        case .i64: try typed(op, Int64.self, a, b, alpha, output)
        case .u64: try typed(op, UInt64.self, a, b, alpha, output)
        case .bool:
            guard alpha == 1 || alpha == 0 else {
                throw KernelError.invalidArgument(kernel: name, message: "alpha must be 0 or 1 for bool")
            }
            switch op {
            case .add where alpha == 0: broadcastLoop(LeftOp<UInt8>(), a, b, output)
            case .add: broadcastLoop(OrOp(), a, b, output)
            case .mul: broadcastLoop(AndOp(), a, b, output)
            case .sub, .div: throw KernelError.unsupportedDType(kernel: name, dtype: .bool)
            }
        case .f16, .bf16:
            throw KernelError.unsupportedDType(kernel: name, dtype: a.dtype)
        }
    }

    /// Allocating wrapper.
    public static func run(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, alpha: Double = 1) throws -> Tensor {
        let shape = try outputShape(a.shape, b.shape)
        return try withExtendedLifetime((a, b)) {
            try makeTensor(shape: shape, dtype: a.dtype, kernel: op.rawValue) {
                try run(op, a.unsafeView, b.unsafeView, alpha: alpha, output: $0)
            }
        }
    }

    static func typed<T: ArithScalar>(_ op: BinaryOp, _: T.Type, _ a: TensorView, _ b: TensorView, _ alpha: Double,
                                      _ out: MutableTensorView) throws {
        let name = op.rawValue
        var scale = T.zeroValue
        if alpha != 1 {
            if T.isIntegerLike && alpha.rounded(.towardZero) != alpha {
                throw KernelError.invalidArgument(kernel: name, message: "alpha \(alpha) must be integral for \(a.dtype)")
            }
            scale = T(fromDouble: alpha)
        }
        switch op {
        case .add where alpha != 1: broadcastLoop(AddScaledOp(alpha: scale), a, b, out)
        case .add: broadcastLoop(AddOp<T>(), a, b, out)
        case .sub where alpha != 1: broadcastLoop(SubScaledOp(alpha: scale), a, b, out)
        case .sub: broadcastLoop(SubOp<T>(), a, b, out)
        case .mul: broadcastLoop(MulOp<T>(), a, b, out)
        case .div:
            if T.isIntegerLike {
                let bp = b.typed(T.self)
                for i in 0..<b.count where bp[i] == T.zeroValue {
                    throw KernelError.invalidArgument(kernel: name, message: "integer division by zero")
                }
            }
            broadcastLoop(DivOp<T>(), a, b, out)
        }
    }
}

/// A binary scalar function specialised into the broadcast loop.
protocol BinaryScalarOp {
    associatedtype T
    func apply(_ a: T, _ b: T) -> T
}

struct AddOp<T: ArithScalar>: BinaryScalarOp {
    @inline(__always) func apply(_ a: T, _ b: T) -> T { T.kAdd(a, b) }
}
struct SubOp<T: ArithScalar>: BinaryScalarOp {
    @inline(__always) func apply(_ a: T, _ b: T) -> T { T.kSub(a, b) }
}
struct AddScaledOp<T: ArithScalar>: BinaryScalarOp {
    let alpha: T
    @inline(__always) func apply(_ a: T, _ b: T) -> T { T.kAdd(a, T.kMul(alpha, b)) }
}
struct SubScaledOp<T: ArithScalar>: BinaryScalarOp {
    let alpha: T
    @inline(__always) func apply(_ a: T, _ b: T) -> T { T.kSub(a, T.kMul(alpha, b)) }
}
struct MulOp<T: ArithScalar>: BinaryScalarOp {
    @inline(__always) func apply(_ a: T, _ b: T) -> T { T.kMul(a, b) }
}
struct DivOp<T: ArithScalar>: BinaryScalarOp {
    @inline(__always) func apply(_ a: T, _ b: T) -> T { T.kDiv(a, b) }
}
struct OrOp: BinaryScalarOp {
    @inline(__always) func apply(_ a: UInt8, _ b: UInt8) -> UInt8 { (a | b) != 0 ? 1 : 0 }
}
struct AndOp: BinaryScalarOp {
    @inline(__always) func apply(_ a: UInt8, _ b: UInt8) -> UInt8 { (a != 0 && b != 0) ? 1 : 0 }
}
struct LeftOp<T>: BinaryScalarOp {
    @inline(__always) func apply(_ a: T, _ b: T) -> T { a }
}

/// Broadcast strides of `shape` aligned to `outShape` (0 on broadcast dims).
func broadcastStrides(_ shape: [Int], to outShape: [Int]) -> [Int] {
    let contiguous = Shapes.contiguousStrides(shape)
    let lead = outShape.count - shape.count
    return (0..<outShape.count).map { i in
        i < lead || shape[i - lead] == 1 ? 0 : contiguous[i - lead]
    }
}

/// Drops size-1 dims and merges dims that are contiguous for every operand.
/// Returns at least one dim (a scalar becomes `[1]`).
func coalesce(_ shape: [Int], _ strides: [[Int]]) -> (dims: [Int], strides: [[Int]]) {
    var dims = [Int]()
    var out = [[Int]](repeating: [], count: strides.count)
    for i in 0..<shape.count where shape[i] != 1 {
        if let last = dims.last, (0..<strides.count).allSatisfy({ out[$0][out[$0].count - 1] == strides[$0][i] * shape[i] }) {
            dims[dims.count - 1] = last * shape[i]
            for k in 0..<strides.count { out[k][out[k].count - 1] = strides[k][i] }
        } else {
            dims.append(shape[i])
            for k in 0..<strides.count { out[k].append(strides[k][i]) }
        }
    }
    if dims.isEmpty {
        dims = [1]
        for k in 0..<strides.count { out[k] = [0] }
    }
    return (dims, out)
}

/// Runs `op` over the broadcast of `a` and `b` into `out` (shapes validated by the caller).
func broadcastLoop<Op: BinaryScalarOp>(_ op: Op, _ a: TensorView, _ b: TensorView, _ out: MutableTensorView) {
    let shape = out.shape
    let total = product(shape)
    if total == 0 { return }
    let pa = a.typed(Op.T.self), pb = b.typed(Op.T.self), po = out.typed(Op.T.self)
    let (dims, st) = coalesce(shape, [broadcastStrides(a.shape, to: shape), broadcastStrides(b.shape, to: shape)])
    let r = dims.count
    let n = dims[r - 1]
    let ia = st[0][r - 1], ib = st[1][r - 1]
    let outer = total / n
    var idx = [Int](repeating: 0, count: r)
    var offA = 0, offB = 0
    for o in 0..<outer {
        innerLoop(op, pa + offA, ia, pb + offB, ib, po + o * n, n)
        var k = r - 2
        while k >= 0 {
            idx[k] += 1
            offA += st[0][k]
            offB += st[1][k]
            if idx[k] < dims[k] { break }
            offA -= st[0][k] * dims[k]
            offB -= st[1][k] * dims[k]
            idx[k] = 0
            k -= 1
        }
    }
}

@inline(__always)
func innerLoop<Op: BinaryScalarOp>(_ op: Op, _ a: UnsafePointer<Op.T>, _ sa: Int, _ b: UnsafePointer<Op.T>, _ sb: Int,
                                   _ o: UnsafeMutablePointer<Op.T>, _ n: Int) {
    if sa == 1 && sb == 1 {
        for i in 0..<n { o[i] = op.apply(a[i], b[i]) }
    } else if sa == 1 && sb == 0 {
        let bv = b[0]
        for i in 0..<n { o[i] = op.apply(a[i], bv) }
    } else if sa == 0 && sb == 1 {
        let av = a[0]
        for i in 0..<n { o[i] = op.apply(av, b[i]) }
    } else {
        for i in 0..<n { o[i] = op.apply(a[i * sa], b[i * sb]) }
    }
}

/// Unary elementwise operator.
public enum UnaryOp: Sendable, Hashable {
    /// `max(x, 0)` (NaN propagates).
    case relu
    /// `min(max(x, min), max)`; nil bounds are open (ATen `clamp`; NaN propagates).
    case clamp(min: Double?, max: Double?)
}

/// Unary elementwise kernels for f32, f64 and the integer types (output may alias input).
public enum Unary {
    /// Out-variant; output shape and dtype equal the input's.
    public static func run(_ op: UnaryOp, input: TensorView, output: MutableTensorView) throws {
        let name: String
        switch op {
        case .relu: name = "relu"
        case let .clamp(lo, hi):
            name = "clamp"
            guard lo != nil || hi != nil else {
                throw KernelError.invalidArgument(kernel: name, message: "at least one of min and max must be given")
            }
        }
        try requireShape(output.shape, input.shape, name)
        try requireDType(output.dtype, input.dtype, name, "output")
        let n = try input.checkedCount(name)
        switch input.dtype {
        case .f32: typed(op, Float.self, input, output, n)
        case .f64: typed(op, Double.self, input, output, n)
        case .i8: typed(op, Int8.self, input, output, n)
        case .u8: typed(op, UInt8.self, input, output, n)
        case .i16: typed(op, Int16.self, input, output, n)
        case .u16: typed(op, UInt16.self, input, output, n)
        case .i32: typed(op, Int32.self, input, output, n)
        case .u32: typed(op, UInt32.self, input, output, n)
        case .i64: typed(op, Int64.self, input, output, n)
        case .u64: typed(op, UInt64.self, input, output, n)
        case .bool, .f16, .bf16: throw KernelError.unsupportedDType(kernel: name, dtype: input.dtype)
        }
    }

    /// Allocating wrapper.
    public static func run(_ op: UnaryOp, _ input: Tensor) throws -> Tensor {
        try withExtendedLifetime(input) {
            try makeTensor(shape: input.shape, dtype: input.dtype, kernel: "unary") {
                try run(op, input: input.unsafeView, output: $0)
            }
        }
    }

    static func typed<T: ArithScalar>(_ op: UnaryOp, _: T.Type, _ input: TensorView, _ output: MutableTensorView, _ n: Int) {
        let x = input.typed(T.self), y = output.typed(T.self)
        switch op {
        case .relu:
            let z = T.zeroValue
            for i in 0..<n {
                let v = x[i]
                y[i] = v < z ? z : v
            }
        case let .clamp(lo, hi):
            let l = lo.map { T.clampBound($0, lower: true) }
            let h = hi.map { T.clampBound($0, lower: false) }
            if let l, let h {
                for i in 0..<n {
                    let v = x[i]
                    let t = v < l ? l : v
                    y[i] = t > h ? h : t
                }
            } else if let l {
                for i in 0..<n {
                    let v = x[i]
                    y[i] = v < l ? l : v
                }
            } else if let h {
                for i in 0..<n {
                    let v = x[i]
                    y[i] = v > h ? h : v
                }
            }
        }
    }
}

/// Dtype conversion with ATen cast semantics (float -> int truncates toward zero with NaN -> 0
/// and saturation at the Int64 range, then wraps to narrower ints; x -> bool is `x != 0`;
/// float narrowing rounds to nearest even).
public enum Cast {
    /// Out-variant; the output dtype is the target; shapes must match; no aliasing unless dtypes match.
    public static func run(input: TensorView, output: MutableTensorView) throws {
        try requireShape(output.shape, input.shape, "cast")
        let n = try input.checkedCount("cast")
        if input.dtype == output.dtype {
            if UnsafeRawPointer(output.base) != input.base {
                output.base.copyMemory(from: input.base, byteCount: n * input.dtype.byteSize)
            }
            return
        }
        let s = input.base, d = output.base, t = input.dtype
        switch output.dtype {
        case .f32: convertBuffer(s, dtype: t, d, Float.self, count: n)
        case .f64: convertBuffer(s, dtype: t, d, Double.self, count: n)
        case .f16: convertBuffer(s, dtype: t, d, F16Bits.self, count: n)
        case .bf16: convertBuffer(s, dtype: t, d, BF16Bits.self, count: n)
        case .i8: convertBuffer(s, dtype: t, d, Int8.self, count: n)
        case .u8: convertBuffer(s, dtype: t, d, UInt8.self, count: n)
        case .i16: convertBuffer(s, dtype: t, d, Int16.self, count: n)
        case .u16: convertBuffer(s, dtype: t, d, UInt16.self, count: n)
        case .i32: convertBuffer(s, dtype: t, d, Int32.self, count: n)
        case .u32: convertBuffer(s, dtype: t, d, UInt32.self, count: n)
        case .i64: convertBuffer(s, dtype: t, d, Int64.self, count: n)
        case .u64: convertBuffer(s, dtype: t, d, UInt64.self, count: n)
        case .bool: convertBuffer(s, dtype: t, d, BoolByte.self, count: n)
        }
    }

    /// Allocating wrapper.
    public static func run(_ input: Tensor, to dtype: DType) throws -> Tensor {
        try withExtendedLifetime(input) {
            try makeTensor(shape: input.shape, dtype: dtype, kernel: "cast") {
                try run(input: input.unsafeView, output: $0)
            }
        }
    }
}
