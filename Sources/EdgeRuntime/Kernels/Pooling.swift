import EdgeKernels
import EdgeProgram

// Max pooling (with indices) and average pooling.

extension Kernels {
    static let pooling: [Kernel] = [
        Kernel(.maxPool2dWithIndices) { a in
            let p = try pair(a.intList("padding"), "padding")
            let stride = try a.intList("stride")
            let params = MaxPool2DParams(kernel: try pair(a.intList("kernel_size"), "kernel_size"), stride: stride.isEmpty ? nil : try pair(stride, "stride"),
                                         padding: Padding2D(p.0, p.1), dilation: try pair(a.intList("dilation"), "dilation"), ceilMode: try a.bool("ceil_mode"))
            let x = try a.tensor("self"), out = try a.out("out"), indices = try a.out("indices")
            // Inference graphs rarely read the indices: computing them costs more than the pooling.
            let wantIndices = try a.outIsRead("indices")
            return {
                try MaxPool2D.run(input: x, params: params, output: out)
                if wantIndices { try maxPoolIndices(x, params: params, output: indices) }
            }
        },
        Kernel(.avgPool2d) { a in
            let p = try pair(a.intList("padding"), "padding")
            let stride = try a.intList("stride")
            let params = AvgPool2DParams(kernel: try pair(a.intList("kernel_size"), "kernel_size"), stride: stride.isEmpty ? nil : try pair(stride, "stride"),
                                         padding: Padding2D(p.0, p.1), ceilMode: try a.bool("ceil_mode"), countIncludePad: try a.bool("count_include_pad"),
                                         divisorOverride: try a.optionalInt("divisor_override"))
            let x = try a.tensor("self"), out = try a.out("out")
            return { try AvgPool2D.run(input: x, params: params, output: out) }
        },
    ]

    /// The flat (h·W + w) input index of each max, as max_pool2d_with_indices returns (f32 input).
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
