// Data-movement kernels: reshape, flatten, permute, concat. All dtypes (byte-size generic).

/// Calls `body` with an unsigned integer type of the given element size (1, 2, 4 or 8 bytes).
@inline(__always)
func withWordType<R>(_ size: Int, _ body1: () -> R, _ body2: () -> R, _ body4: () -> R, _ body8: () -> R) -> R {
    switch size {
    case 1: return body1()
    case 2: return body2()
    case 4: return body4()
    default: return body8()
    }
}

/// Reshape (always a copy in out-variant form; `Tensor.reshaped` shares storage instead).
public enum Reshape {
    static let name = "reshape"

    /// Resolves `target` against `input`: at most one `-1` is inferred; element counts must match.
    public static func outputShape(input: [Int], target: [Int]) throws -> [Int] {
        let count = try Shapes.elementCount(input, kernel: name)
        var known = 1
        var inferred: Int? = nil
        for (i, d) in target.enumerated() {
            if d == -1 {
                guard inferred == nil else {
                    throw KernelError.invalidArgument(kernel: name, message: "more than one -1 in \(target)")
                }
                inferred = i
            } else if d < 0 {
                throw KernelError.invalidArgument(kernel: name, message: "invalid dimension \(d) in \(target)")
            } else {
                known = try Shapes.mul(known, d, kernel: name)
            }
        }
        var shape = target
        if let i = inferred {
            guard known > 0, count % known == 0 else {
                throw KernelError.shapeMismatch(kernel: name, message: "cannot infer -1 reshaping \(input) to \(target)")
            }
            shape[i] = count / known
        } else if known != count {
            throw KernelError.shapeMismatch(kernel: name, message: "cannot reshape \(input) (\(count) elements) to \(target)")
        }
        return shape
    }

    /// Out-variant: copies `input` into `output` (same dtype and element count; aliasing allowed).
    public static func run(input: TensorView, output: MutableTensorView) throws {
        try requireDType(output.dtype, input.dtype, name, "output")
        let n = try input.checkedCount(name)
        guard try output.checkedCount(name) == n else {
            throw KernelError.shapeMismatch(kernel: name, message: "cannot reshape \(input.shape) to \(output.shape)")
        }
        if output.base != UnsafeMutableRawPointer(mutating: input.base) {
            output.base.copyMemory(from: input.base, byteCount: n * input.dtype.byteSize)
        }
    }

    /// Allocating wrapper (copies; `-1` allowed in `shape`).
    public static func run(_ input: Tensor, shape: [Int]) throws -> Tensor {
        let out = try outputShape(input: input.shape, target: shape)
        return try withExtendedLifetime(input) {
            try makeTensor(shape: out, dtype: input.dtype, kernel: name) { try run(input: input.unsafeView, output: $0) }
        }
    }
}

/// Flatten dims `startDim...endDim` into one (a reshape).
public enum Flatten {
    /// Output shape of `torch.flatten(x, startDim, endDim)` (negative dims allowed).
    public static func outputShape(input: [Int], startDim: Int = 1, endDim: Int = -1) throws -> [Int] {
        if input.isEmpty { return [1] }
        let s = try Shapes.normalizeAxis(startDim, rank: input.count, kernel: "flatten")
        let e = try Shapes.normalizeAxis(endDim, rank: input.count, kernel: "flatten")
        guard s <= e else {
            throw KernelError.invalidArgument(kernel: "flatten", message: "startDim \(startDim) after endDim \(endDim)")
        }
        var merged = 1
        for d in input[s...e] { merged = try Shapes.mul(merged, d, kernel: "flatten") }
        return Array(input[..<s]) + [merged] + Array(input[(e + 1)...])
    }

    /// Allocating wrapper: a storage-sharing reshape.
    public static func run(_ input: Tensor, startDim: Int = 1, endDim: Int = -1) throws -> Tensor {
        try input.reshaped(outputShape(input: input.shape, startDim: startDim, endDim: endDim))
    }
}

/// General N-d permutation (`torch.permute`, ONNX `Transpose`).
public enum Permute {
    static let name = "permute"

    /// Output shape `input[perm[i]]`; `perm` must be a permutation of `0..<rank` (negatives allowed).
    public static func outputShape(input: [Int], permutation: [Int]) throws -> [Int] {
        let perm = try normalized(permutation, rank: input.count)
        return perm.map { input[$0] }
    }

    static func normalized(_ permutation: [Int], rank: Int) throws -> [Int] {
        guard permutation.count == rank else {
            throw KernelError.invalidArgument(kernel: name, message: "permutation \(permutation) for rank \(rank)")
        }
        var seen = [Bool](repeating: false, count: rank)
        var out = [Int]()
        for p in permutation {
            let a = try Shapes.normalizeAxis(p, rank: rank, kernel: name)
            guard !seen[a] else {
                throw KernelError.invalidArgument(kernel: name, message: "repeated axis in permutation \(permutation)")
            }
            seen[a] = true
            out.append(a)
        }
        return out
    }

    /// Out-variant (any dtype; output must not alias input).
    public static func run(input: TensorView, permutation: [Int], output: MutableTensorView) throws {
        let shape = try outputShape(input: input.shape, permutation: permutation)
        try requireShape(output.shape, shape, name)
        try requireDType(output.dtype, input.dtype, name, "output")
        let count = try input.checkedCount(name)
        if count == 0 { return }
        let perm = try normalized(permutation, rank: input.rank)
        let inStrides = Shapes.contiguousStrides(input.shape)
        // Output dims with their input strides; drop size-1 dims and merge runs that stay contiguous.
        var dims = [Int](), strides = [Int]()
        for i in 0..<perm.count where shape[i] != 1 {
            let st = inStrides[perm[i]]
            if let last = dims.last, strides[strides.count - 1] == st * shape[i] {
                dims[dims.count - 1] = last * shape[i]
                strides[strides.count - 1] = st
            } else {
                dims.append(shape[i])
                strides.append(st)
            }
        }
        if dims.count <= 1 {  // a single remaining dim is contiguous
            output.base.copyMemory(from: input.base, byteCount: count * input.dtype.byteSize)
            return
        }
        let size = input.dtype.byteSize
        withWordType(size,
                     { permuteCopy(input.base, output.base, UInt8.self, dims, strides) },
                     { permuteCopy(input.base, output.base, UInt16.self, dims, strides) },
                     { permuteCopy(input.base, output.base, UInt32.self, dims, strides) },
                     { permuteCopy(input.base, output.base, UInt64.self, dims, strides) })
    }

    /// Writes the output in order; the last two dims are tiled so strided reads stay cache-friendly.
    static func permuteCopy<T>(_ src: UnsafeRawPointer, _ dst: UnsafeMutableRawPointer, _: T.Type,
                               _ dims: [Int], _ strides: [Int]) {
        let total = product(dims)
        let s = src.bindMemory(to: T.self, capacity: total)
        let d = dst.bindMemory(to: T.self, capacity: total)
        let r = dims.count
        let rows = dims[r - 2], cols = dims[r - 1]
        let rs = strides[r - 2], cs = strides[r - 1]
        let outer = total / (rows * cols)
        var idx = [Int](repeating: 0, count: max(r - 2, 0))
        var inOff = 0
        let tile = 32
        for o in 0..<outer {
            let out = d + o * rows * cols
            if cs == 1 {
                for i in 0..<rows {
                    (out + i * cols).update(from: s + inOff + i * rs, count: cols)
                }
            } else {
                var i0 = 0
                while i0 < rows {
                    let i1 = min(i0 + tile, rows)
                    var j0 = 0
                    while j0 < cols {
                        let j1 = min(j0 + tile, cols)
                        for i in i0..<i1 {
                            let srow = s + inOff + i * rs
                            let drow = out + i * cols
                            for j in j0..<j1 { drow[j] = srow[j * cs] }
                        }
                        j0 = j1
                    }
                    i0 = i1
                }
            }
            // Advance the outer odometer.
            var k = r - 3
            while k >= 0 {
                idx[k] += 1
                inOff += strides[k]
                if idx[k] < dims[k] { break }
                inOff -= strides[k] * dims[k]
                idx[k] = 0
                k -= 1
            }
        }
    }

    /// Allocating wrapper.
    public static func run(_ input: Tensor, permutation: [Int]) throws -> Tensor {
        let shape = try outputShape(input: input.shape, permutation: permutation)
        return try withExtendedLifetime(input) {
            try makeTensor(shape: shape, dtype: input.dtype, kernel: name) {
                try run(input: input.unsafeView, permutation: permutation, output: $0)
            }
        }
    }
}

/// Concatenation of any number of same-dtype tensors along one axis.
public enum Concat {
    static let name = "concat"

    /// Output shape; all inputs must share rank and every dim except `axis` (negative allowed).
    public static func outputShape(inputs: [[Int]], axis: Int) throws -> [Int] {
        guard let first = inputs.first else {
            throw KernelError.invalidArgument(kernel: name, message: "no inputs")
        }
        let ax = try Shapes.normalizeAxis(axis, rank: first.count, kernel: name)
        var out = first
        _ = try Shapes.elementCount(first, kernel: name)
        for s in inputs.dropFirst() {
            _ = try Shapes.elementCount(s, kernel: name)
            guard s.count == first.count else {
                throw KernelError.shapeMismatch(kernel: name, message: "rank of \(s) differs from \(first)")
            }
            for i in 0..<s.count where i != ax && s[i] != first[i] {
                throw KernelError.shapeMismatch(kernel: name, message: "\(s) and \(first) differ outside axis \(ax)")
            }
            out[ax] = try Shapes.add(out[ax], s[ax], kernel: name)
        }
        _ = try Shapes.elementCount(out, kernel: name)
        return out
    }

    /// Out-variant (any dtype; output must not alias inputs).
    public static func run(inputs: [TensorView], axis: Int, output: MutableTensorView) throws {
        let shape = try outputShape(inputs: inputs.map(\.shape), axis: axis)
        try requireShape(output.shape, shape, name)
        for v in inputs { try requireDType(v.dtype, output.dtype, name, "input") }
        let ax = try Shapes.normalizeAxis(axis, rank: shape.count, kernel: name)
        let size = output.dtype.byteSize
        let outer = product(shape[..<ax])
        let inner = product(shape[(ax + 1)...]) * size
        let outRow = shape[ax] * inner
        var offset = 0
        for v in inputs {
            let chunk = v.shape[ax] * inner
            if chunk > 0 {
                for o in 0..<outer {
                    (output.base + o * outRow + offset).copyMemory(from: v.base + o * chunk, byteCount: chunk)
                }
            }
            offset += chunk
        }
    }

    /// Allocating wrapper.
    public static func run(_ inputs: [Tensor], axis: Int) throws -> Tensor {
        let shape = try outputShape(inputs: inputs.map(\.shape), axis: axis)
        return try withViews(inputs) { views in
            try makeTensor(shape: shape, dtype: inputs[0].dtype, kernel: name) {
                try run(inputs: views, axis: axis, output: $0)
            }
        }
    }
}
