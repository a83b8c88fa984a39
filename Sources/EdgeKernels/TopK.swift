// The k largest (or smallest) elements along one dim with their i64 indices (ATen `topk`),
// sorted, equal values in index order (ONNX TopK's rule).

public enum TopK {
    /// The dtypes the kernel implements.
    public static let dtypes: Set<DType> = DType.realTypes

    /// Shape of both results: the input's with `dim` of size k.
    public static func outputShape(input: [Int], k: Int, dim: Int) throws -> [Int] {
        let d = try Shapes.normalizeAxis(dim, rank: max(input.count, 1), kernel: "topk")
        if input.isEmpty { return [] }
        guard k >= 0, k <= input[d] else {
            throw KernelError.invalidArgument(kernel: "topk", message: "k = \(k) is out of range for a dim of size \(input[d])")
        }
        var out = input
        out[d] = k
        return out
    }

    /// Out-variant.
    public static func run(input: TensorView, k: Int, dim: Int, largest: Bool, values: MutableTensorView, indices: MutableTensorView) throws {
        let name = "topk"
        let shape = try outputShape(input: input.shape, k: k, dim: dim)
        try requireShape(values.shape, shape, name, "values")
        try requireShape(indices.shape, shape, name, "indices")
        try requireDType(values.dtype, input.dtype, name, "values")
        try requireDType(indices.dtype, .i64, name, "indices")
        _ = try input.checkedCount(name)
        var outer = 1, n = 1, inner = 1
        if !input.shape.isEmpty {
            let d = try Shapes.normalizeAxis(dim, rank: input.rank, kernel: name)
            outer = input.shape[..<d].reduce(1, *)
            n = input.shape[d]
            inner = input.shape[(d + 1)...].reduce(1, *)
        }
        switch input.dtype {
        case .f32: typed(Float.self, input, k, largest, values, indices, outer, n, inner)
        case .f64: typed(Double.self, input, k, largest, values, indices, outer, n, inner)
        case .i8: typed(Int8.self, input, k, largest, values, indices, outer, n, inner)
        case .u8: typed(UInt8.self, input, k, largest, values, indices, outer, n, inner)
        case .i16: typed(Int16.self, input, k, largest, values, indices, outer, n, inner)
        case .i32: typed(Int32.self, input, k, largest, values, indices, outer, n, inner)
        case .i64: typed(Int64.self, input, k, largest, values, indices, outer, n, inner)
        case .u16: typed(UInt16.self, input, k, largest, values, indices, outer, n, inner)
        case .u32: typed(UInt32.self, input, k, largest, values, indices, outer, n, inner)
        case .u64: typed(UInt64.self, input, k, largest, values, indices, outer, n, inner)
        default: throw KernelError.unsupportedDType(kernel: name, dtype: input.dtype)
        }
    }

    static func typed<T: Comparable>(_: T.Type, _ input: TensorView, _ k: Int, _ largest: Bool, _ values: MutableTensorView,
                                     _ indices: MutableTensorView, _ outer: Int, _ n: Int, _ inner: Int) {
        let x = input.typed(T.self), v = values.typed(T.self), ix = indices.typed(Int64.self)
        var order = [Int](repeating: 0, count: n)
        for o in 0 ..< outer {
            for i in 0 ..< inner {
                let base = o * n * inner + i
                for j in 0 ..< n { order[j] = j }
                // A stable order: by value, then by index.
                order.sort { a, b in
                    let p = x[base + a * inner], q = x[base + b * inner]
                    if p == q { return a < b }
                    return largest ? p > q : p < q
                }
                for j in 0 ..< k {
                    v[(o * k + j) * inner + i] = x[base + order[j] * inner]
                    ix[(o * k + j) * inner + i] = Int64(order[j])
                }
            }
        }
    }

    /// Allocating wrapper: (values, indices).
    public static func run(_ input: Tensor, k: Int, dim: Int, largest: Bool) throws -> (Tensor, Tensor) {
        let shape = try outputShape(input: input.shape, k: k, dim: dim)
        var indices = try Tensor(uninitialized: shape, dtype: .i64, kernel: "topk")
        let values = try withExtendedLifetime(input) {
            try makeTensor(shape: shape, dtype: input.dtype, kernel: "topk") { v in
                try indices.withMutableView { try run(input: input.unsafeView, k: k, dim: dim, largest: largest, values: v, indices: $0) }
            }
        }
        return (values, indices)
    }
}
