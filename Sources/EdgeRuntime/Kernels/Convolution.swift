import EdgeKernels
import EdgeProgram

// `convolution.out`, both directions.

extension Kernels {
    static let convolution: [Kernel] = [
        Kernel(.convolution) { a in
            let x = try a.tensor("input"), w = try a.tensor("weight"), bias = try a.optionalTensor("bias"), out = try a.out("out")
            let stride = try pair(a.intList("stride"), "stride"), p = try pair(a.intList("padding"), "padding")
            let dilation = try pair(a.intList("dilation"), "dilation"), groups = try a.int("groups"), outputPadding = try a.intList("output_padding")
            if try a.bool("transposed") {
                let params = ConvTranspose2DParams(stride: stride, padding: p, outputPadding: try pair(outputPadding, "output_padding"),
                                                   dilation: dilation, groups: groups)
                return { try ConvTranspose2D.run(input: x, weight: w, bias: bias, params: params, output: out) }
            }
            let params = Conv2DParams(stride: stride, padding: Padding2D(p.0, p.1), dilation: dilation, groups: groups)
            return { try Conv2D.run(input: x, weight: w, bias: bias, params: params, output: out) }
        },
    ]
}
