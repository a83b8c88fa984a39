import EdgeKernels
import EdgeProgram

// `convolution.out`, both directions.

extension Kernels {
    static let convolution: [Kernel] = [
        Kernel(.convolution) { a in try bindConvolution(a) },
    ]

    /// `convolution.out`'s run; a fused activation (Fusion.swift) is applied as each output is
    /// stored, into `output` instead of the call's own out.
    static func bindConvolution(_ a: Arguments, output: MutableTensorView? = nil, activation: ConvActivation? = nil) throws -> Kernel.Run {
        let x = try a.tensor("input"), w = try a.tensor("weight"), bias = try a.optionalTensor("bias")
        let out = try output ?? a.out("out")
        let stride = try pair(a.intList("stride"), "stride"), p = try pair(a.intList("padding"), "padding")
        let dilation = try pair(a.intList("dilation"), "dilation"), groups = try a.int("groups"), outputPadding = try a.intList("output_padding")
        if try a.bool("transposed") {
            guard activation == nil else { throw RuntimeError("a transposed convolution has no fused activation") }
            let params = ConvTranspose2DParams(stride: stride, padding: p, outputPadding: try pair(outputPadding, "output_padding"),
                                               dilation: dilation, groups: groups)
            return { try ConvTranspose2D.run(input: x, weight: w, bias: bias, params: params, output: out) }
        }
        let params = Conv2DParams(stride: stride, padding: Padding2D(p.0, p.1), dilation: dilation, groups: groups)
        // A constant weight is packed once, at load, instead of in every run.
        let packed = try a.constant("weight").flatMap { index in
            a.interpreter.packed(index, "conv2d \(x.shape) \(params)") {
                Conv2D.prepackWeight(w, input: x.shape, params: params)
            }
        }
        return { try Conv2D.run(input: x, weight: w, bias: bias, params: params, output: out, activation: activation, packed: packed) }
    }
}
