// Sum and mean over a set of axes.

/// Reduction operator.
public enum ReduceOp: String, Sendable, Hashable, CaseIterable {
    /// Sum (f32, f64, integers; integers wrap; output dtype = input dtype).
    case sum
    /// Arithmetic mean (f32, f64).
    case mean
}

/// Reductions over `axes` (negative allowed, duplicates rejected; empty `axes` reduces every axis).
public enum Reduce {
    /// Output shape; reduced axes become 1 with `keepDims`, else are removed.
    public static func outputShape(input: [Int], axes: [Int], keepDims: Bool) throws -> [Int] {
        let mask = try reducedMask(input, axes, "reduce")
        _ = try Shapes.elementCount(input, kernel: "reduce")
        var out = [Int]()
        for (i, d) in input.enumerated() {
            if !mask[i] { out.append(d) } else if keepDims { out.append(1) }
        }
        return out
    }

    static func reducedMask(_ input: [Int], _ axes: [Int], _ name: String) throws -> [Bool] {
        if axes.isEmpty { return [Bool](repeating: true, count: input.count) }
        var mask = [Bool](repeating: false, count: input.count)
        for a in axes {
            let ax = try Shapes.normalizeAxis(a, rank: input.count, kernel: name)
            guard !mask[ax] else { throw KernelError.invalidArgument(kernel: name, message: "axis \(a) repeated in \(axes)") }
            mask[ax] = true
        }
        return mask
    }

    /// Out-variant (output must not alias input).
    public static func run(_ op: ReduceOp, input: TensorView, axes: [Int], keepDims: Bool,
                           output: MutableTensorView) throws {
        let name = op.rawValue
        let shape = try outputShape(input: input.shape, axes: axes, keepDims: keepDims)
        try requireShape(output.shape, shape, name)
        try requireDType(output.dtype, input.dtype, name, "output")
        let mask = try reducedMask(input.shape, axes, name)
        switch (op, input.dtype) {
        case (_, .f32): typed(op, Float.self, input, mask, output)
        case (_, .f64): typed(op, Double.self, input, mask, output)
        case (.sum, .i8): typed(op, Int8.self, input, mask, output)
        case (.sum, .u8): typed(op, UInt8.self, input, mask, output)
        case (.sum, .i16): typed(op, Int16.self, input, mask, output)
        case (.sum, .u16): typed(op, UInt16.self, input, mask, output)
        case (.sum, .i32): typed(op, Int32.self, input, mask, output)
        case (.sum, .u32): typed(op, UInt32.self, input, mask, output)
        case (.sum, .i64): typed(op, Int64.self, input, mask, output)
        case (.sum, .u64): typed(op, UInt64.self, input, mask, output)
        default: throw KernelError.unsupportedDType(kernel: name, dtype: input.dtype)
        }
    }

    /// Allocating wrapper.
    public static func run(_ op: ReduceOp, _ input: Tensor, axes: [Int], keepDims: Bool = false) throws -> Tensor {
        let shape = try outputShape(input: input.shape, axes: axes, keepDims: keepDims)
        return try withExtendedLifetime(input) {
            try makeTensor(shape: shape, dtype: input.dtype, kernel: op.rawValue) {
                try run(op, input: input.unsafeView, axes: axes, keepDims: keepDims, output: $0)
            }
        }
    }

    /// Walks the input in order over coalesced (kept | reduced) dim runs; the innermost run is
    /// either summed (reduced) or accumulated elementwise into the output (kept).
    static func typed<T: ArithScalar>(_ op: ReduceOp, _: T.Type, _ input: TensorView, _ mask: [Bool],
                                      _ output: MutableTensorView) {
        let x = input.typed(T.self), y = output.typed(T.self)
        let outCount = output.count
        for i in 0..<outCount { y[i] = T.zeroValue }
        let total = input.count
        // Merge adjacent dims with the same reduced flag; size-1 dims are dropped.
        var dims = [Int](), red = [Bool]()
        for (i, d) in input.shape.enumerated() where d != 1 {
            if let last = red.last, last == mask[i] {
                dims[dims.count - 1] *= d
            } else {
                dims.append(d)
                red.append(mask[i])
            }
        }
        if total > 0 {
            if dims.isEmpty { y[0] = x[0] } else {
                // Output strides for each merged dim (0 for reduced dims).
                var ostr = [Int](repeating: 0, count: dims.count)
                var s = 1
                for i in stride(from: dims.count - 1, through: 0, by: -1) where !red[i] {
                    ostr[i] = s
                    s *= dims[i]
                }
                let r = dims.count
                let n = dims[r - 1]
                let innerReduced = red[r - 1]
                var idx = [Int](repeating: 0, count: r)
                var off = 0
                var src = x
                for _ in 0..<(total / n) {
                    if innerReduced {
                        y[off] = T.kAdd(y[off], sumRow(src, n))
                    } else {
                        let o = y + off
                        for i in 0..<n { o[i] = T.kAdd(o[i], src[i]) }
                    }
                    src += n
                    var k = r - 2
                    while k >= 0 {
                        idx[k] += 1
                        off += ostr[k]
                        if idx[k] < dims[k] { break }
                        off -= ostr[k] * dims[k]
                        idx[k] = 0
                        k -= 1
                    }
                }
            }
        }
        if op == .mean {
            let count = outCount == 0 ? 0 : total / outCount
            // Empty reductions give NaN (0/0) like ATen.
            let d = T(fromInt64: Int64(count))
            for i in 0..<outCount { y[i] = T.kDiv(y[i], d) }
        }
    }

    /// Sum of a contiguous row with 8 partial sums (better accuracy, vectorizable).
    @inline(__always) static func sumRow<T: ArithScalar>(_ p: UnsafePointer<T>, _ n: Int) -> T {
        if T.self == Float.self {
            let f = UnsafeRawPointer(p).assumingMemoryBound(to: Float.self)
            var acc = SIMD8<Float>()
            var i = 0
            while i + 8 <= n { acc += load8(f + i); i += 8 }
            var s = hsum(acc)
            while i < n { s += f[i]; i += 1 }
            return unsafeBitCast(s, to: T.self)
        }
        var s = T.zeroValue
        for i in 0..<n { s = T.kAdd(s, p[i]) }
        return s
    }
}
