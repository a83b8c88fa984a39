import EdgeKernels

/// Small data-movement kernels the interpreter needs beyond EdgeKernels (all bounds-checked
/// against the views' shapes, which the loader has checked against the arena).
enum Extra {
    /// Copies `input` into `output` (same element count and type): clone and view_copy.
    static func copy(_ input: TensorView, output: MutableTensorView) throws {
        guard input.dtype == output.dtype, input.count == output.count else {
            throw RuntimeError("copy of \(input.dtype)\(input.shape) into \(output.dtype)\(output.shape)")
        }
        output.base.copyMemory(from: input.base, byteCount: input.byteCount)
    }

    /// Numpy-broadcasts `input` to `output`'s shape (expand_copy).
    static func broadcastCopy(_ input: TensorView, output: MutableTensorView) throws {
        guard input.dtype == output.dtype, input.rank <= output.rank else {
            throw RuntimeError("cannot expand \(input.dtype)\(input.shape) to \(output.dtype)\(output.shape)")
        }
        let lead = output.rank - input.rank
        var strides = [Int](repeating: 0, count: output.rank)
        var s = 1
        for d in stride(from: input.rank - 1, through: 0, by: -1) {
            let o = output.shape[lead + d]
            guard input.shape[d] == o || input.shape[d] == 1 else {
                throw RuntimeError("cannot expand \(input.shape) to \(output.shape)")
            }
            strides[lead + d] = input.shape[d] == 1 ? 0 : s
            s *= input.shape[d]
        }
        gather(input, output, strides: strides, offset: 0)
    }

    /// Writes each output element from `input` at `offset + Σ index·stride` (element units).
    private static func gather(_ input: TensorView, _ output: MutableTensorView, strides: [Int], offset: Int) {
        let e = input.dtype.byteSize, n = output.count
        var index = [Int](repeating: 0, count: output.rank)
        var source = offset
        for i in 0 ..< n {
            (output.base + i * e).copyMemory(from: input.base + source * e, byteCount: e)
            var d = output.rank - 1
            while d >= 0 {
                index[d] += 1
                source += strides[d]
                if index[d] < output.shape[d] { break }
                source -= strides[d] * index[d]
                index[d] = 0
                d -= 1
            }
        }
    }

    /// constant_pad_nd: `pad` lists (before, after) pairs from the last dim backwards; negative pads are not supported.
    static func constantPad(_ input: TensorView, pad: [Int], value: Double, output: MutableTensorView) throws {
        guard pad.count % 2 == 0, pad.count / 2 <= input.rank, pad.allSatisfy({ $0 >= 0 }), input.dtype == output.dtype,
              input.dtype == .f32 || input.dtype == .f64 else {
            throw RuntimeError("constant_pad_nd with pad \(pad) on \(input.dtype)\(input.shape) is not supported")
        }
        var before = [Int](repeating: 0, count: input.rank)
        var expected = input.shape
        for k in 0 ..< pad.count / 2 {
            let d = input.rank - 1 - k
            before[d] = pad[2 * k]
            expected[d] += pad[2 * k] + pad[2 * k + 1]
        }
        guard expected == output.shape else { throw RuntimeError("constant_pad_nd output is \(output.shape), expected \(expected)") }
        let n = output.count
        if input.dtype == .f32 {
            output.buffer(as: Float.self).initialize(repeating: Float(value))
        } else {
            output.buffer(as: Double.self).initialize(repeating: value)
        }
        _ = n
        // Copy input rows (innermost dimension contiguous) into place.
        let e = input.dtype.byteSize
        let rowLength = input.shape.last ?? 1
        let rows = input.count / max(rowLength, 1)
        let outStrides = Shapes.contiguousStrides(output.shape)
        var index = [Int](repeating: 0, count: max(input.rank - 1, 0))
        for r in 0 ..< (rowLength == 0 ? 0 : rows) {
            var target = before.last ?? 0
            for d in 0 ..< index.count { target += (index[d] + before[d]) * outStrides[d] }
            (output.base + target * e).copyMemory(from: input.base + r * rowLength * e, byteCount: rowLength * e)
            var d = index.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < input.shape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
    }

    /// The flat (h·W + w) input index of each max, as max_pool2d_with_indices returns (f32).
    static func maxPoolIndices(_ input: TensorView, params: MaxPool2DParams, output: MutableTensorView) throws {
        let shape = try MaxPool2D.outputShape(input: input.shape, params: params)
        guard output.shape == shape, output.dtype == .i64, input.dtype == .f32 else {
            throw RuntimeError("max_pool2d indices must be i64\(shape), got \(output.dtype)\(output.shape)")
        }
        let (h, w, oh, ow) = (input.shape[2], input.shape[3], shape[2], shape[3])
        let x = input.buffer(as: Float.self), out = output.buffer(as: Int64.self)
        for plane in 0 ..< shape[0] * shape[1] {
            for i in 0 ..< oh {
                for j in 0 ..< ow {
                    var best = -Float.infinity, at = -1
                    for ki in 0 ..< params.kernelH {
                        let y = i * params.strideH - params.padding.top + ki * params.dilationH
                        guard y >= 0, y < h else { continue }
                        for kj in 0 ..< params.kernelW {
                            let xx = j * params.strideW - params.padding.left + kj * params.dilationW
                            guard xx >= 0, xx < w else { continue }
                            let v = x[plane * h * w + y * w + xx]
                            if v > best || v.isNaN || at < 0 { best = v; at = y * w + xx }
                            if v.isNaN { break }
                        }
                    }
                    out[(plane * oh + i) * ow + j] = Int64(at)
                }
            }
        }
    }
}
