// Broadcasting kernels beyond arithmetic: pow, maximum, minimum, comparisons, logical ops, where.

/// Rows of a numpy broadcast of several operands into a contiguous output: the coalesced dims,
/// each operand's strides (the output's last), walked one innermost row at a time.
struct BroadcastRows {
    let dims: [Int]
    let strides: [[Int]]

    init(_ outShape: [Int], _ shapes: [[Int]]) {
        let st = shapes.map { broadcastStrides($0, to: outShape) } + [Shapes.contiguousStrides(outShape)]
        (dims, strides) = coalesce(outShape, st)
    }

    /// Innermost stride of operand `k`.
    func inner(_ k: Int) -> Int { strides[k][dims.count - 1] }

    /// Calls `body(offsets, n)` for each row: `offsets[k]` is operand k's element offset at the
    /// row start (the output's is last); rows hold `n` elements.
    func forEach(total: Int, _ body: ([Int], Int) -> Void) {
        if total == 0 { return }
        let r = dims.count, n = dims[r - 1], k = strides.count
        var idx = [Int](repeating: 0, count: r)
        var off = [Int](repeating: 0, count: k)
        for _ in 0..<(total / n) {
            body(off, n)
            var d = r - 2
            while d >= 0 {
                idx[d] += 1
                for j in 0..<k { off[j] += strides[j][d] }
                if idx[d] < dims[d] { break }
                for j in 0..<k { off[j] -= strides[j][d] * dims[d] }
                idx[d] = 0
                d -= 1
            }
        }
    }
}

/// Applies `f` over the broadcast of `a` and `b` (element types A, B) into `out` (element type O).
@inline(__always)
func broadcastMap<A, B, O>(_ a: TensorView, _ b: TensorView, _ out: MutableTensorView, _: A.Type, _: B.Type, _: O.Type,
                           _ f: (A, B) -> O) {
    let rows = BroadcastRows(out.shape, [a.shape, b.shape])
    let pa = a.base.bindMemory(to: A.self, capacity: a.count), pb = b.base.bindMemory(to: B.self, capacity: b.count)
    let po = out.base.bindMemory(to: O.self, capacity: out.count)
    let sa = rows.inner(0), sb = rows.inner(1)
    rows.forEach(total: out.count) { off, n in
        let x = pa + off[0], y = pb + off[1], o = po + off[2]
        if sa == 1 && sb == 1 {
            for i in 0..<n { o[i] = f(x[i], y[i]) }
        } else {
            for i in 0..<n { o[i] = f(x[i * sa], y[i * sb]) }
        }
    }
}

/// Checks broadcast shapes of two operands against the output.
func checkBroadcast(_ a: TensorView, _ b: TensorView, _ out: MutableTensorView, _ name: String) throws {
    let shape = try Shapes.broadcast(a.shape, b.shape, kernel: name)
    try requireShape(out.shape, shape, name)
    _ = try a.checkedCount(name)
    _ = try b.checkedCount(name)
    _ = try out.checkedCount(name)
}

/// Binary math op with a result of the operands' type.
public enum BinaryMathOp: String, Sendable, Hashable, CaseIterable {
    /// `lhs ^ rhs` (floating-point types).
    case pow
    /// The larger value; NaN propagates (ATen `maximum`).
    case maximum
    /// The smaller value; NaN propagates (ATen `minimum`).
    case minimum

    /// The dtypes the kernel implements for this op.
    public var dtypes: Set<DType> {
        self == .pow ? [.f32, .f64] : DType.realTypes
    }
}

/// `pow`, `maximum` and `minimum` with numpy broadcasting; operands and output share one dtype.
public enum BinaryMath {
    /// Out-variant.
    public static func run(_ op: BinaryMathOp, _ a: TensorView, _ b: TensorView, output: MutableTensorView) throws {
        let name = op.rawValue
        try checkBroadcast(a, b, output, name)
        try requireDType(b.dtype, a.dtype, name, "second operand")
        try requireDType(output.dtype, a.dtype, name, "output")
        guard op.dtypes.contains(a.dtype) else { throw KernelError.unsupportedDType(kernel: name, dtype: a.dtype) }
        switch a.dtype {
        case .f32:
            switch op {
            case .pow: broadcastMap(a, b, output, Float.self, Float.self, Float.self) { cPowf($0, $1) }
            case .maximum: broadcastMap(a, b, output, Float.self, Float.self, Float.self) { $0.isNaN || $1.isNaN ? .nan : Swift.max($0, $1) }
            case .minimum: broadcastMap(a, b, output, Float.self, Float.self, Float.self) { $0.isNaN || $1.isNaN ? .nan : Swift.min($0, $1) }
            }
        case .f64:
            switch op {
            case .pow: broadcastMap(a, b, output, Double.self, Double.self, Double.self) { cPow($0, $1) }
            case .maximum: broadcastMap(a, b, output, Double.self, Double.self, Double.self) { $0.isNaN || $1.isNaN ? .nan : Swift.max($0, $1) }
            case .minimum: broadcastMap(a, b, output, Double.self, Double.self, Double.self) { $0.isNaN || $1.isNaN ? .nan : Swift.min($0, $1) }
            }
        case .i8: integer(op, Int8.self, a, b, output)
        case .u8: integer(op, UInt8.self, a, b, output)
        case .i16: integer(op, Int16.self, a, b, output)
        case .u16: integer(op, UInt16.self, a, b, output)
        case .i32: integer(op, Int32.self, a, b, output)
        case .u32: integer(op, UInt32.self, a, b, output)
        case .i64: integer(op, Int64.self, a, b, output)
        case .u64: integer(op, UInt64.self, a, b, output)
        default: throw KernelError.unsupportedDType(kernel: name, dtype: a.dtype)
        }
    }

    static func integer<T: FixedWidthInteger>(_ op: BinaryMathOp, _: T.Type, _ a: TensorView, _ b: TensorView, _ out: MutableTensorView) {
        if op == .maximum {
            broadcastMap(a, b, out, T.self, T.self, T.self) { Swift.max($0, $1) }
        } else {
            broadcastMap(a, b, out, T.self, T.self, T.self) { Swift.min($0, $1) }
        }
    }

    /// Allocating wrapper.
    public static func run(_ op: BinaryMathOp, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let shape = try Binary.outputShape(a.shape, b.shape)
        return try withExtendedLifetime((a, b)) {
            try makeTensor(shape: shape, dtype: a.dtype, kernel: op.rawValue) { try run(op, a.unsafeView, b.unsafeView, output: $0) }
        }
    }
}

/// Elementwise comparison giving bool.
public enum CompareOp: String, Sendable, Hashable, CaseIterable {
    case eq, ne, lt, le, gt, ge
}

/// Comparisons with numpy broadcasting: operands share any one dtype, the output is bool.
/// Comparisons with NaN are false except `ne` (IEEE).
public enum Compare {
    /// Out-variant.
    public static func run(_ op: CompareOp, _ a: TensorView, _ b: TensorView, output: MutableTensorView) throws {
        let name = op.rawValue
        try checkBroadcast(a, b, output, name)
        try requireDType(b.dtype, a.dtype, name, "second operand")
        try requireDType(output.dtype, .bool, name, "output")
        switch a.dtype {
        case .f32: typed(op, Float.self, a, b, output)
        case .f64: typed(op, Double.self, a, b, output)
        case .i8: typed(op, Int8.self, a, b, output)
        case .u8: typed(op, UInt8.self, a, b, output)
        case .i16: typed(op, Int16.self, a, b, output)
        case .u16: typed(op, UInt16.self, a, b, output)
        case .i32: typed(op, Int32.self, a, b, output)
        case .u32: typed(op, UInt32.self, a, b, output)
        case .i64: typed(op, Int64.self, a, b, output)
        case .u64: typed(op, UInt64.self, a, b, output)
        case .bool:
            // Any non-zero byte is true: compare the normalized values.
            switch op {
            case .eq: broadcastMap(a, b, output, UInt8.self, UInt8.self, UInt8.self) { ($0 != 0) == ($1 != 0) ? 1 : 0 }
            case .ne: broadcastMap(a, b, output, UInt8.self, UInt8.self, UInt8.self) { ($0 != 0) != ($1 != 0) ? 1 : 0 }
            case .lt: broadcastMap(a, b, output, UInt8.self, UInt8.self, UInt8.self) { $0 == 0 && $1 != 0 ? 1 : 0 }
            case .le: broadcastMap(a, b, output, UInt8.self, UInt8.self, UInt8.self) { $0 == 0 || $1 != 0 ? 1 : 0 }
            case .gt: broadcastMap(a, b, output, UInt8.self, UInt8.self, UInt8.self) { $0 != 0 && $1 == 0 ? 1 : 0 }
            case .ge: broadcastMap(a, b, output, UInt8.self, UInt8.self, UInt8.self) { $0 != 0 || $1 == 0 ? 1 : 0 }
            }
        case .f16, .bf16:
            // Widen both operands to f32 (exact), then compare.
            let fa = try Cast.run(try Tensor(copying: a), to: .f32), fb = try Cast.run(try Tensor(copying: b), to: .f32)
            try withExtendedLifetime((fa, fb)) { try run(op, fa.unsafeView, fb.unsafeView, output: output) }
        }
    }

    static func typed<T: Comparable>(_ op: CompareOp, _: T.Type, _ a: TensorView, _ b: TensorView, _ out: MutableTensorView) {
        switch op {
        case .eq: broadcastMap(a, b, out, T.self, T.self, UInt8.self) { $0 == $1 ? 1 : 0 }
        case .ne: broadcastMap(a, b, out, T.self, T.self, UInt8.self) { $0 != $1 ? 1 : 0 }
        case .lt: broadcastMap(a, b, out, T.self, T.self, UInt8.self) { $0 < $1 ? 1 : 0 }
        case .le: broadcastMap(a, b, out, T.self, T.self, UInt8.self) { $0 <= $1 ? 1 : 0 }
        case .gt: broadcastMap(a, b, out, T.self, T.self, UInt8.self) { $0 > $1 ? 1 : 0 }
        case .ge: broadcastMap(a, b, out, T.self, T.self, UInt8.self) { $0 >= $1 ? 1 : 0 }
        }
    }

    /// Allocating wrapper.
    public static func run(_ op: CompareOp, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let shape = try Binary.outputShape(a.shape, b.shape)
        return try withExtendedLifetime((a, b)) {
            try makeTensor(shape: shape, dtype: .bool, kernel: op.rawValue) { try run(op, a.unsafeView, b.unsafeView, output: $0) }
        }
    }
}

/// Logical operator on bool tensors.
public enum LogicalOp: String, Sendable, Hashable, CaseIterable {
    case and, or, xor
}

/// Logical and/or/xor with numpy broadcasting over bool operands (any non-zero byte is true);
/// and logical not.
public enum Logical {
    /// Out-variant (bool operands and output).
    public static func run(_ op: LogicalOp, _ a: TensorView, _ b: TensorView, output: MutableTensorView) throws {
        let name = "logical_" + op.rawValue
        try checkBroadcast(a, b, output, name)
        for (t, what) in [(a.dtype, "first operand"), (b.dtype, "second operand"), (output.dtype, "output")] {
            try requireDType(t, .bool, name, what)
        }
        switch op {
        case .and: broadcastMap(a, b, output, UInt8.self, UInt8.self, UInt8.self) { $0 != 0 && $1 != 0 ? 1 : 0 }
        case .or: broadcastMap(a, b, output, UInt8.self, UInt8.self, UInt8.self) { $0 != 0 || $1 != 0 ? 1 : 0 }
        case .xor: broadcastMap(a, b, output, UInt8.self, UInt8.self, UInt8.self) { ($0 != 0) != ($1 != 0) ? 1 : 0 }
        }
    }

    /// Logical not (bool input and output; may alias).
    public static func not(input: TensorView, output: MutableTensorView) throws {
        try requireShape(output.shape, input.shape, "logical_not")
        try requireDType(input.dtype, .bool, "logical_not", "input")
        try requireDType(output.dtype, .bool, "logical_not", "output")
        let n = try input.checkedCount("logical_not")
        let x = input.typed(UInt8.self), y = output.typed(UInt8.self)
        for i in 0..<n { y[i] = x[i] == 0 ? 1 : 0 }
    }

    /// Allocating wrapper.
    public static func run(_ op: LogicalOp, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let shape = try Binary.outputShape(a.shape, b.shape)
        return try withExtendedLifetime((a, b)) {
            try makeTensor(shape: shape, dtype: .bool, kernel: op.rawValue) { try run(op, a.unsafeView, b.unsafeView, output: $0) }
        }
    }

    /// Allocating wrapper of `not`.
    public static func not(_ a: Tensor) throws -> Tensor {
        try withExtendedLifetime(a) {
            try makeTensor(shape: a.shape, dtype: .bool, kernel: "logical_not") { try not(input: a.unsafeView, output: $0) }
        }
    }
}

/// `condition ? lhs : rhs` with all three broadcasting (any dtype for lhs/rhs, bool condition).
public enum Where {
    /// Output shape: the broadcast of all three.
    public static func outputShape(_ c: [Int], _ a: [Int], _ b: [Int]) throws -> [Int] {
        try Shapes.broadcast(c, try Shapes.broadcast(a, b, kernel: "where"), kernel: "where")
    }

    /// Out-variant.
    public static func run(condition c: TensorView, _ a: TensorView, _ b: TensorView, output: MutableTensorView) throws {
        let shape = try outputShape(c.shape, a.shape, b.shape)
        try requireShape(output.shape, shape, "where")
        try requireDType(c.dtype, .bool, "where", "condition")
        try requireDType(b.dtype, a.dtype, "where", "rhs")
        try requireDType(output.dtype, a.dtype, "where", "output")
        for v in [c, a, b] { _ = try v.checkedCount("where") }
        let total = try output.checkedCount("where")
        let rows = BroadcastRows(shape, [c.shape, a.shape, b.shape])
        let pc = c.typed(UInt8.self)
        let sc = rows.inner(0), sa = rows.inner(1), sb = rows.inner(2)
        func copy<T>(_: T.Type) {
            let pa = a.typed(T.self), pb = b.typed(T.self), po = output.typed(T.self)
            rows.forEach(total: total) { off, n in
                for i in 0..<n {
                    po[off[3] + i] = pc[off[0] + i * sc] != 0 ? pa[off[1] + i * sa] : pb[off[2] + i * sb]
                }
            }
        }
        withWordType(a.dtype.byteSize, { copy(UInt8.self) }, { copy(UInt16.self) }, { copy(UInt32.self) }, { copy(UInt64.self) })
    }

    /// Allocating wrapper.
    public static func run(condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let shape = try outputShape(condition.shape, a.shape, b.shape)
        return try withExtendedLifetime((condition, a, b)) {
            try makeTensor(shape: shape, dtype: a.dtype, kernel: "where") {
                try run(condition: condition.unsafeView, a.unsafeView, b.unsafeView, output: $0)
            }
        }
    }
}
