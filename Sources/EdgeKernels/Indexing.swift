// Data-movement kernels over any dtype: slice, index_select, split, repeat, expand, pad, full.

/// Python-style slicing along one dim: `start..<end` by a positive `step`, with negative indices
/// counted from the end and both bounds clamped to `0...size` (ATen `slice_copy.Tensor`).
public enum Slice {
    static let name = "slice"

    /// The clamped start and the length of the slice along a dim of `size`.
    public static func bounds(size: Int, start: Int, end: Int, step: Int) -> (start: Int, length: Int) {
        func clamp(_ i: Int) -> Int { Swift.min(Swift.max(i < 0 ? i &+ size : i, 0), size) }
        let s = clamp(start), e = clamp(end)
        return (s, e > s ? (e - s + step - 1) / step : 0)
    }

    /// Output shape.
    public static func outputShape(input: [Int], dim: Int, start: Int, end: Int, step: Int) throws -> [Int] {
        let d = try Shapes.normalizeAxis(dim, rank: input.count, kernel: name)
        guard step > 0 else { throw KernelError.invalidArgument(kernel: name, message: "step must be positive, got \(step)") }
        _ = try Shapes.elementCount(input, kernel: name)
        var out = input
        out[d] = bounds(size: input[d], start: start, end: end, step: step).length
        return out
    }

    /// Out-variant (output must not alias the input).
    public static func run(input: TensorView, dim: Int, start: Int, end: Int, step: Int, output: MutableTensorView) throws {
        let shape = try outputShape(input: input.shape, dim: dim, start: start, end: end, step: step)
        try requireShape(output.shape, shape, name)
        try requireDType(output.dtype, input.dtype, name, "output")
        let d = try Shapes.normalizeAxis(dim, rank: input.rank, kernel: name)
        let (s, len) = bounds(size: input.shape[d], start: start, end: end, step: step)
        let e = input.dtype.byteSize
        let outer = product(input.shape[..<d]), inner = product(input.shape[(d + 1)...]) * e
        let inRow = input.shape[d] * inner, outRow = len * inner
        guard inner > 0 else { return }
        for o in 0..<outer {
            for k in 0..<len {
                (output.base + o * outRow + k * inner).copyMemory(from: input.base + o * inRow + (s + k * step) * inner, byteCount: inner)
            }
        }
    }

    /// Allocating wrapper.
    public static func run(_ input: Tensor, dim: Int, start: Int, end: Int, step: Int = 1) throws -> Tensor {
        let shape = try outputShape(input: input.shape, dim: dim, start: start, end: end, step: step)
        return try withExtendedLifetime(input) {
            try makeTensor(shape: shape, dtype: input.dtype, kernel: name) {
                try run(input: input.unsafeView, dim: dim, start: start, end: end, step: step, output: $0)
            }
        }
    }
}

/// Gathers slices along `dim` at the positions of a 1-D i32/i64 index (ATen `index_select`:
/// every index must lie in `0..<size`; negative indices are an error).
public enum IndexSelect {
    static let name = "index_select"

    /// Output shape.
    public static func outputShape(input: [Int], dim: Int, index: [Int]) throws -> [Int] {
        guard index.count <= 1 else { throw KernelError.shapeMismatch(kernel: name, message: "index must be 1-D, got \(index)") }
        if input.isEmpty { return [] }
        let d = try Shapes.normalizeAxis(dim, rank: input.count, kernel: name)
        var out = input
        out[d] = index.first ?? 1
        _ = try Shapes.elementCount(out, kernel: name)
        return out
    }

    /// Out-variant (output must not alias the input).
    public static func run(input: TensorView, dim: Int, index: TensorView, output: MutableTensorView) throws {
        let shape = try outputShape(input: input.shape, dim: dim, index: index.shape)
        try requireShape(output.shape, shape, name)
        try requireDType(output.dtype, input.dtype, name, "output")
        guard index.dtype == .i64 || index.dtype == .i32 else { throw KernelError.unsupportedDType(kernel: name, dtype: index.dtype) }
        let count = index.count
        let positions: [Int] = index.dtype == .i64 ? index.buffer(as: Int64.self).map { Int($0) } : index.buffer(as: Int32.self).map { Int($0) }
        let d = input.rank == 0 ? 0 : try Shapes.normalizeAxis(dim, rank: input.rank, kernel: name)
        let size = input.rank == 0 ? 1 : input.shape[d]
        for p in positions where p < 0 || p >= size {
            throw KernelError.invalidArgument(kernel: name, message: "index \(p) is out of range for size \(size)")
        }
        let e = input.dtype.byteSize
        let outer = input.rank == 0 ? 1 : product(input.shape[..<d])
        let inner = (input.rank == 0 ? 1 : product(input.shape[(d + 1)...])) * e
        guard inner > 0 else { return }
        for o in 0..<outer {
            for (k, p) in positions.enumerated() {
                (output.base + (o * count + k) * inner).copyMemory(from: input.base + (o * size + p) * inner, byteCount: inner)
            }
        }
    }

    /// Allocating wrapper.
    public static func run(_ input: Tensor, dim: Int, index: Tensor) throws -> Tensor {
        let shape = try outputShape(input: input.shape, dim: dim, index: index.shape)
        return try withExtendedLifetime((input, index)) {
            try makeTensor(shape: shape, dtype: input.dtype, kernel: name) {
                try run(input: input.unsafeView, dim: dim, index: index.unsafeView, output: $0)
            }
        }
    }
}

/// Picks, for every position of `index`, the input element at that position with the `dim`
/// coordinate replaced by the index value (ATen `gather`, ONNX `GatherElements` after negative
/// indices wrap): the output has the index's shape; index and input have the same rank, and
/// every other dim of the index is at most the input's; indices must lie in `0..<size`.
public enum Gather {
    static let name = "gather"

    /// Output shape (the index's), after checking the shapes agree.
    public static func outputShape(input: [Int], dim: Int, index: [Int]) throws -> [Int] {
        guard input.count == index.count || (input.isEmpty && index.count <= 1) else {
            throw KernelError.shapeMismatch(kernel: name, message: "index \(index) must have the input's rank \(input.count)")
        }
        if input.isEmpty { return index }
        let d = try Shapes.normalizeAxis(dim, rank: input.count, kernel: name)
        for i in input.indices where i != d && index[i] > input[i] {
            throw KernelError.shapeMismatch(kernel: name, message: "index size \(index[i]) in dim \(i) exceeds the input's \(input[i])")
        }
        _ = try Shapes.elementCount(index, kernel: name)
        return index
    }

    /// Out-variant (output must not alias the input).
    public static func run(input: TensorView, dim: Int, index: TensorView, output: MutableTensorView) throws {
        let shape = try outputShape(input: input.shape, dim: dim, index: index.shape)
        try requireShape(output.shape, shape, name)
        try requireDType(output.dtype, input.dtype, name, "output")
        guard index.dtype == .i64 || index.dtype == .i32 else { throw KernelError.unsupportedDType(kernel: name, dtype: index.dtype) }
        let positions: [Int] = index.dtype == .i64 ? index.buffer(as: Int64.self).map { Int($0) } : index.buffer(as: Int32.self).map { Int($0) }
        let e = input.dtype.byteSize
        guard input.rank > 0 else {
            for (k, p) in positions.enumerated() {
                guard p == 0 else { throw KernelError.invalidArgument(kernel: name, message: "index \(p) is out of range for size 1") }
                (output.base + k * e).copyMemory(from: input.base, byteCount: e)
            }
            return
        }
        let d = try Shapes.normalizeAxis(dim, rank: input.rank, kernel: name)
        let size = input.shape[d]
        // Row-major strides of the (contiguous) input, and the index's coordinates as they run.
        var strides = [Int](repeating: 1, count: input.rank)
        for i in stride(from: input.rank - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * input.shape[i + 1] }
        var coord = [Int](repeating: 0, count: shape.count)
        for (k, p) in positions.enumerated() {
            guard p >= 0, p < size else { throw KernelError.invalidArgument(kernel: name, message: "index \(p) is out of range for size \(size)") }
            var offset = 0
            for i in coord.indices { offset += (i == d ? p : coord[i]) * strides[i] }
            (output.base + k * e).copyMemory(from: input.base + offset * e, byteCount: e)
            var i = coord.count - 1
            while i >= 0 {
                coord[i] += 1
                if coord[i] < shape[i] { break }
                coord[i] = 0
                i -= 1
            }
        }
    }

    /// Allocating wrapper.
    public static func run(_ input: Tensor, dim: Int, index: Tensor) throws -> Tensor {
        let shape = try outputShape(input: input.shape, dim: dim, index: index.shape)
        return try withExtendedLifetime((input, index)) {
            try makeTensor(shape: shape, dtype: input.dtype, kernel: name) {
                try run(input: input.unsafeView, dim: dim, index: index.unsafeView, output: $0)
            }
        }
    }
}

/// Splits along `dim` into consecutive pieces of the given sizes (ATen `split_with_sizes_copy`).
public enum Split {
    static let name = "split"

    /// Output shapes.
    public static func outputShapes(input: [Int], dim: Int, sizes: [Int]) throws -> [[Int]] {
        let d = try Shapes.normalizeAxis(dim, rank: input.count, kernel: name)
        guard sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == input[d] else {
            throw KernelError.invalidArgument(kernel: name, message: "sizes \(sizes) do not add up to dim \(d) of \(input)")
        }
        return sizes.map { s in
            var shape = input
            shape[d] = s
            return shape
        }
    }

    /// Out-variant: one output per size.
    public static func run(input: TensorView, dim: Int, sizes: [Int], outputs: [MutableTensorView]) throws {
        let shapes = try outputShapes(input: input.shape, dim: dim, sizes: sizes)
        guard outputs.count == shapes.count else {
            throw KernelError.invalidArgument(kernel: name, message: "\(outputs.count) outputs for \(shapes.count) sizes")
        }
        var start = 0
        for (o, s) in zip(outputs, sizes) {
            try Slice.run(input: input, dim: dim, start: start, end: start + s, step: 1, output: o)
            start += s
        }
    }

    /// Allocating wrapper.
    public static func run(_ input: Tensor, dim: Int, sizes: [Int]) throws -> [Tensor] {
        let shapes = try outputShapes(input: input.shape, dim: dim, sizes: sizes)
        var start = 0
        var out: [Tensor] = []
        for (shape, s) in zip(shapes, sizes) {
            let piece = try Slice.run(input, dim: dim, start: start, end: start + s)
            try requireShape(piece.shape, shape, name)
            out.append(piece)
            start += s
        }
        return out
    }
}

/// Tiles the input (ATen `repeat`): `repeats` lists at least rank entries; extra leading
/// entries add dims.
public enum Repeat {
    static let name = "repeat"

    /// Output shape.
    public static func outputShape(input: [Int], repeats: [Int]) throws -> [Int] {
        guard repeats.count >= input.count, repeats.allSatisfy({ $0 >= 0 }) else {
            throw KernelError.invalidArgument(kernel: name, message: "repeats \(repeats) must be non-negative and cover \(input.count) dims")
        }
        let padded = [Int](repeating: 1, count: repeats.count - input.count) + input
        var out: [Int] = []
        for (d, r) in zip(padded, repeats) { out.append(try Shapes.mul(d, r, kernel: name)) }
        _ = try Shapes.elementCount(out, kernel: name)
        return out
    }

    /// Out-variant (output must not alias the input).
    public static func run(input: TensorView, repeats: [Int], output: MutableTensorView) throws {
        let shape = try outputShape(input: input.shape, repeats: repeats)
        try requireShape(output.shape, shape, name)
        try requireDType(output.dtype, input.dtype, name, "output")
        let src = [Int](repeating: 1, count: repeats.count - input.rank) + input.shape
        // Output index i in dim d reads source index i % src[d].
        try strided(input, output, sourceShape: src) { d, i in i % src[d] }
    }

    /// Allocating wrapper.
    public static func run(_ input: Tensor, repeats: [Int]) throws -> Tensor {
        let shape = try outputShape(input: input.shape, repeats: repeats)
        return try withExtendedLifetime(input) {
            try makeTensor(shape: shape, dtype: input.dtype, kernel: name) { try run(input: input.unsafeView, repeats: repeats, output: $0) }
        }
    }
}

/// Numpy broadcast of the input to the output's shape (ATen `expand_copy`).
public enum Expand {
    static let name = "expand"

    /// Output shape for a target where -1 keeps the input's dim.
    public static func outputShape(input: [Int], target: [Int]) throws -> [Int] {
        guard target.count >= input.count else {
            throw KernelError.shapeMismatch(kernel: name, message: "cannot expand \(input) to \(target)")
        }
        let lead = target.count - input.count
        var out = target
        for (i, t) in target.enumerated() {
            if i < lead {
                guard t >= 0 else { throw KernelError.invalidArgument(kernel: name, message: "new dim \(t) in \(target)") }
                continue
            }
            let s = input[i - lead]
            if t == -1 { out[i] = s; continue }
            guard t >= 0, s == t || s == 1 else { throw KernelError.shapeMismatch(kernel: name, message: "cannot expand \(input) to \(target)") }
        }
        _ = try Shapes.elementCount(out, kernel: name)
        return out
    }

    /// Out-variant: broadcasts `input` to `output.shape` (output must not alias the input).
    public static func run(input: TensorView, output: MutableTensorView) throws {
        let shape = try outputShape(input: input.shape, target: output.shape)
        try requireShape(output.shape, shape, name)
        try requireDType(output.dtype, input.dtype, name, "output")
        let src = [Int](repeating: 1, count: output.rank - input.rank) + input.shape
        try strided(input, output, sourceShape: src) { d, i in src[d] == 1 ? 0 : i }
    }

    /// Allocating wrapper.
    public static func run(_ input: Tensor, shape target: [Int]) throws -> Tensor {
        let shape = try outputShape(input: input.shape, target: target)
        return try withExtendedLifetime(input) {
            try makeTensor(shape: shape, dtype: input.dtype, kernel: name) { try run(input: input.unsafeView, output: $0) }
        }
    }
}

/// Fills `output` row by row: output index `i` along dim `d` reads the source at `map(d, i)`
/// (a source of shape `sourceShape`, same rank as the output); the last dim moves element by
/// element (or as one block when it maps to itself).
func strided(_ input: TensorView, _ output: MutableTensorView, sourceShape: [Int], _ map: (Int, Int) -> Int) throws {
    let r = output.rank, e = output.dtype.byteSize
    let total = output.count
    if total == 0 { return }
    if r == 0 {
        output.base.copyMemory(from: input.base, byteCount: e)
        return
    }
    let sst = Shapes.contiguousStrides(sourceShape)
    let n = output.shape[r - 1]
    let lastMap = (0..<n).map { map(r - 1, $0) }
    let identity = sourceShape[r - 1] == n && lastMap.enumerated().allSatisfy { $0.offset == $0.element }
    var idx = [Int](repeating: 0, count: r)
    var row = 0
    while row * n < total {
        var base = 0
        for d in 0..<(r - 1) { base += map(d, idx[d]) * sst[d] }
        let out = output.base + row * n * e
        if identity {
            out.copyMemory(from: input.base + base * e, byteCount: n * e)
        } else {
            for (i, s) in lastMap.enumerated() { (out + i * e).copyMemory(from: input.base + (base + s) * e, byteCount: e) }
        }
        row += 1
        var d = r - 2
        while d >= 0 {
            idx[d] += 1
            if idx[d] < output.shape[d] { break }
            idx[d] = 0
            d -= 1
        }
    }
}

/// How `Pad` fills the border.
public enum PadMode: String, Sendable, Hashable, CaseIterable {
    /// A constant value; negative amounts crop.
    case constant
    /// Mirror without repeating the edge (`dcb|abcd|cba`); amounts must be below the dim size.
    case reflect
    /// Repeat the edge element (`aaa|abcd|ddd`).
    case replicate
}

/// Padding of the trailing dims. `pad` lists (begin, end) pairs from the last dim backwards,
/// as in ATen `constant_pad_nd` / `reflection_padNd` / `replication_padNd`.
public enum Pad {
    static let name = "pad"

    /// Output shape.
    public static func outputShape(input: [Int], pad: [Int], mode: PadMode = .constant) throws -> [Int] {
        guard pad.count % 2 == 0, pad.count / 2 <= input.count else {
            throw KernelError.invalidArgument(kernel: name, message: "pad \(pad) must hold (begin, end) pairs for at most \(input.count) dims")
        }
        var out = input
        for k in 0..<(pad.count / 2) {
            let d = input.count - 1 - k
            let (b, e) = (pad[2 * k], pad[2 * k + 1])
            if mode != .constant && (b < 0 || e < 0) {
                throw KernelError.invalidArgument(kernel: name, message: "\(mode.rawValue) padding cannot be negative: \(pad)")
            }
            if mode == .reflect && (b >= input[d] || e >= input[d]) {
                throw KernelError.invalidArgument(kernel: name, message: "reflect padding \(pad) must be smaller than dim \(d) of \(input)")
            }
            if mode == .replicate && input[d] == 0 && (b > 0 || e > 0) {
                throw KernelError.invalidArgument(kernel: name, message: "cannot replicate-pad an empty dim")
            }
            out[d] = try Shapes.add(try Shapes.add(input[d], b, kernel: name), e, kernel: name)
            guard out[d] >= 0 else { throw KernelError.invalidArgument(kernel: name, message: "padding \(pad) makes dim \(d) negative") }
        }
        _ = try Shapes.elementCount(out, kernel: name)
        return out
    }

    /// Out-variant (any dtype; the constant converts to it; output must not alias the input).
    public static func run(input: TensorView, pad: [Int], mode: PadMode = .constant, value: Double = 0, output: MutableTensorView) throws {
        let shape = try outputShape(input: input.shape, pad: pad, mode: mode)
        try requireShape(output.shape, shape, name)
        try requireDType(output.dtype, input.dtype, name, "output")
        let r = input.rank
        var before = [Int](repeating: 0, count: r)
        for k in 0..<(pad.count / 2) { before[r - 1 - k] = pad[2 * k] }
        // Source index of output index i along dim d, or -1 for the constant.
        func source(_ d: Int, _ i: Int) -> Int {
            let size = input.shape[d]
            var s = i - before[d]
            switch mode {
            case .constant: return s >= 0 && s < size ? s : -1
            case .replicate: return Swift.min(Swift.max(s, 0), size - 1)
            case .reflect:
                if size == 1 { return 0 }
                let period = 2 * (size - 1)
                s = ((s % period) + period) % period
                return s < size ? s : period - s
            }
        }
        if mode == .constant {
            try Full.run(value: value, output: output)
        }
        let total = output.count, e = output.dtype.byteSize
        if total == 0 || input.count == 0 { return }
        if r == 0 {
            output.base.copyMemory(from: input.base, byteCount: e)
            return
        }
        let sst = Shapes.contiguousStrides(input.shape)
        let n = output.shape[r - 1]
        let lastMap = (0..<n).map { source(r - 1, $0) }
        var idx = [Int](repeating: 0, count: r)
        var row = 0
        while row * n < total {
            var base = 0, inside = true
            for d in 0..<(r - 1) {
                let s = source(d, idx[d])
                if s < 0 { inside = false; break }
                base += s * sst[d]
            }
            if inside {
                let out = output.base + row * n * e
                for (i, s) in lastMap.enumerated() where s >= 0 {
                    (out + i * e).copyMemory(from: input.base + (base + s) * e, byteCount: e)
                }
            }
            row += 1
            var d = r - 2
            while d >= 0 {
                idx[d] += 1
                if idx[d] < output.shape[d] { break }
                idx[d] = 0
                d -= 1
            }
        }
    }

    /// Allocating wrapper.
    public static func run(_ input: Tensor, pad: [Int], mode: PadMode = .constant, value: Double = 0) throws -> Tensor {
        let shape = try outputShape(input: input.shape, pad: pad, mode: mode)
        return try withExtendedLifetime(input) {
            try makeTensor(shape: shape, dtype: input.dtype, kernel: name) {
                try run(input: input.unsafeView, pad: pad, mode: mode, value: value, output: $0)
            }
        }
    }
}

/// Fills a tensor with one value converted to its dtype (ATen `full`) with the constant-encoding
/// policy of `Tensor(converting:dtype:)` (integers truncate toward zero and saturate, `x != 0`
/// into bool).
public enum Full {
    /// Out-variant.
    public static func run(value: Double, output: MutableTensorView) throws {
        let n = try output.checkedCount("full")
        if n == 0 { return }
        let one = try Tensor(converting: [value], dtype: output.dtype, shape: [])
        let e = output.dtype.byteSize
        try one.withView { v in
            guard v.byteCount == e else { throw KernelError.invalidArgument(kernel: "full", message: "bad scalar") }
            for i in 0..<n { (output.base + i * e).copyMemory(from: v.base, byteCount: e) }
        }
    }

    /// Allocating wrapper.
    public static func run(shape: [Int], value: Double, dtype: DType) throws -> Tensor {
        try makeTensor(shape: shape, dtype: dtype, kernel: "full") { try run(value: value, output: $0) }
    }
}
