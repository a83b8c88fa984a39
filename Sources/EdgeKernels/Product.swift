// Product along one dim (ATen `prod.dim_int`) or over every element (`prod`); the output has
// the input's dtype (integers wrap); an empty product is 1.

public enum Product {
    /// The dtypes the kernel implements.
    public static let dtypes: Set<DType> = DType.realTypes

    /// Output shape of a product along `dim` (every element when nil: a 0-d result).
    public static func outputShape(input: [Int], dim: Int?, keepDims: Bool) throws -> [Int] {
        guard let dim else { return [] }
        let d = try Shapes.normalizeAxis(dim, rank: max(input.count, 1), kernel: "prod")
        if input.isEmpty { return [] }
        var out = input
        if keepDims { out[d] = 1 } else { out.remove(at: d) }
        return out
    }

    /// Out-variant (output must not alias input).
    public static func run(input: TensorView, dim: Int?, keepDims: Bool, output: MutableTensorView) throws {
        let name = "prod"
        try requireShape(output.shape, try outputShape(input: input.shape, dim: dim, keepDims: keepDims), name)
        try requireDType(output.dtype, input.dtype, name, "output")
        let total = try input.checkedCount(name)
        var outer = 1, n = total, inner = 1
        if let dim, !input.shape.isEmpty {
            let d = try Shapes.normalizeAxis(dim, rank: input.rank, kernel: name)
            outer = input.shape[..<d].reduce(1, *)
            n = input.shape[d]
            inner = input.shape[(d + 1)...].reduce(1, *)
        }
        switch input.dtype {
        case .f32: typed(Float.self, input, output, outer, n, inner)
        case .f64: typed(Double.self, input, output, outer, n, inner)
        case .i8: typed(Int8.self, input, output, outer, n, inner)
        case .u8: typed(UInt8.self, input, output, outer, n, inner)
        case .i16: typed(Int16.self, input, output, outer, n, inner)
        case .i32: typed(Int32.self, input, output, outer, n, inner)
        case .i64: typed(Int64.self, input, output, outer, n, inner)
        case .u16: typed(UInt16.self, input, output, outer, n, inner)
        case .u32: typed(UInt32.self, input, output, outer, n, inner)
        case .u64: typed(UInt64.self, input, output, outer, n, inner)
        default: throw KernelError.unsupportedDType(kernel: name, dtype: input.dtype)
        }
    }

    static func typed<T: ArithScalar & ExpressibleByIntegerLiteral>(_: T.Type, _ input: TensorView, _ output: MutableTensorView, _ outer: Int, _ n: Int, _ inner: Int) {
        let x = input.typed(T.self), y = output.typed(T.self)
        for o in 0 ..< outer {
            for i in 0 ..< inner {
                var p: T = 1
                for k in 0 ..< n { p = T.kMul(p, x[(o * n + k) * inner + i]) }
                y[o * inner + i] = p
            }
        }
    }

    /// Allocating wrapper.
    public static func run(_ input: Tensor, dim: Int?, keepDims: Bool = false) throws -> Tensor {
        let shape = try outputShape(input: input.shape, dim: dim, keepDims: keepDims)
        return try withExtendedLifetime(input) {
            try makeTensor(shape: shape, dtype: input.dtype, kernel: "prod") { try run(input: input.unsafeView, dim: dim, keepDims: keepDims, output: $0) }
        }
    }
}
