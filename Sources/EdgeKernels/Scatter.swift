// Scatter along one dim (ATen `scatter.src` / `scatter_add`): the output is `input` with, for
// every position p of `index`, out[p with p[dim] = index[p]] = src[p] (or += src[p]).

public enum ScatterReduce: String, Sendable, Hashable, CaseIterable {
    /// Later writes win (ATen `scatter.src`).
    case none
    /// Accumulates (ATen `scatter_add`).
    case add
}

public enum Scatter {
    /// Out-variant. `index` (i64 or i32) has the input's rank and no dim larger than src's or
    /// (outside `dim`) the input's; its values lie in 0..<input.shape[dim].
    public static func run(_ reduce: ScatterReduce, input: TensorView, dim: Int, index: TensorView, src: TensorView,
                           output: MutableTensorView) throws {
        let name = reduce == .none ? "scatter" : "scatter_add"
        try requireShape(output.shape, input.shape, name)
        try requireDType(output.dtype, input.dtype, name, "output")
        try requireDType(src.dtype, input.dtype, name, "src")
        let rank = input.rank
        guard index.rank == rank, src.rank == rank else {
            throw KernelError.invalidArgument(kernel: name, message: "index \(index.shape) and src \(src.shape) must have the input's rank \(rank)")
        }
        let d = try Shapes.normalizeAxis(dim, rank: max(rank, 1), kernel: name)
        for k in 0 ..< rank where index.shape[k] > src.shape[k] || (k != d && index.shape[k] > input.shape[k]) {
            throw KernelError.invalidArgument(kernel: name, message: "index \(index.shape) is larger than src \(src.shape) or input \(input.shape)")
        }
        guard index.dtype == .i64 || index.dtype == .i32 else { throw KernelError.unsupportedDType(kernel: name, dtype: index.dtype) }
        let total = try input.checkedCount(name), e = input.dtype.byteSize
        output.base.copyMemory(from: input.base, byteCount: total * e)
        let count = try index.checkedCount(name)
        if count == 0 { return }
        let outStrides = Shapes.contiguousStrides(input.shape), srcStrides = Shapes.contiguousStrides(src.shape)
        let size = rank == 0 ? 1 : input.shape[d]
        var position = [Int](repeating: 0, count: rank)
        // Element offsets of each index position in the output (dim d from the index) and in src.
        var targets = [Int](repeating: 0, count: count), sources = [Int](repeating: 0, count: count)
        for flat in 0 ..< count {
            let i = index.dtype == .i64 ? Int(index.typed(Int64.self)[flat]) : Int(index.typed(Int32.self)[flat])
            guard i >= 0, i < size else {
                throw KernelError.invalidArgument(kernel: name, message: "index \(i) is out of range for a dim of size \(size)")
            }
            var t = 0, s = 0
            for k in 0 ..< rank {
                t += (k == d ? i : position[k]) * outStrides[k]
                s += position[k] * srcStrides[k]
            }
            targets[flat] = t
            sources[flat] = s
            var k = rank - 1
            while k >= 0 {
                position[k] += 1
                if position[k] < index.shape[k] { break }
                position[k] = 0
                k -= 1
            }
        }
        switch reduce {
        case .none:
            for j in 0 ..< count { (output.base + targets[j] * e).copyMemory(from: src.base + sources[j] * e, byteCount: e) }
        case .add:
            func add<T: ArithScalar>(_: T.Type) {
                let y = output.typed(T.self), x = src.typed(T.self)
                for j in 0 ..< count { y[targets[j]] = T.kAdd(y[targets[j]], x[sources[j]]) }
            }
            switch input.dtype {
            case .f32: add(Float.self)
            case .f64: add(Double.self)
            case .i8: add(Int8.self)
            case .u8: add(UInt8.self)
            case .i16: add(Int16.self)
            case .i32: add(Int32.self)
            case .i64: add(Int64.self)
            case .u16: add(UInt16.self)
            case .u32: add(UInt32.self)
            case .u64: add(UInt64.self)
            default: throw KernelError.unsupportedDType(kernel: name, dtype: input.dtype)
            }
        }
    }

    /// Allocating wrapper.
    public static func run(_ reduce: ScatterReduce, _ input: Tensor, dim: Int, index: Tensor, src: Tensor) throws -> Tensor {
        try withExtendedLifetime((input, index, src)) {
            try makeTensor(shape: input.shape, dtype: input.dtype, kernel: "scatter") {
                try run(reduce, input: input.unsafeView, dim: dim, index: index.unsafeView, src: src.unsafeView, output: $0)
            }
        }
    }
}
