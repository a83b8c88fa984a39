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
