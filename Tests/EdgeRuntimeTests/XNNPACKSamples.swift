import EdgeProgram
import Foundation

/// Hand-built XNNPACK programs: ExecuTorch's runtime runs them (Conformance/xnnpack/check_payloads.py,
/// which also recomputes them with numpy) and edgec's interpreter must match ExecuTorch's outputs.
/// Weights come from `weights(count, seed)`, which the Python check reproduces exactly.
enum XNNPACKSamples {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let checkFolder = repository.appendingPathComponent("Conformance/xnnpack")

    /// `((i * 37 + seed * 11) % 17 - 8) / 16`: exact in float32.
    static func weights(_ count: Int, _ seed: Int) -> [Float] {
        (0 ..< count).map { Float(($0 * 37 + seed * 11) % 17 - 8) / 16 }
    }

    /// Wraps `graph` (externals: `inputs` then `outputs`, NCHW fp32) in a one-delegate program.
    static func program(_ graph: XNNGraph, inputs: [[Int32]], outputs: [[Int32]], location: DelegateDataLocation = .segment) throws -> Program {
        var plan = ExecutionPlan()
        var offset: UInt64 = 0
        for sizes in inputs + outputs {
            plan.values.append(.tensor(TensorValue(scalarType: .float, sizes: sizes, allocation: Allocation(memoryID: 1, offset: offset))))
            offset += (UInt64(sizes.reduce(1, *)) * 4 + 15) / 16 * 16
        }
        plan.inputs = (0 ..< inputs.count).map(Int32.init)
        plan.outputs = (inputs.count ..< inputs.count + outputs.count).map(Int32.init)
        plan.nonConstBufferSizes = [0, Int64(offset)]
        plan.delegates = [BackendDelegate(id: BackendDelegate.xnnpackID, processed: try graph.serialize(), location: location)]
        plan.instructions = [.delegateCall(delegateIndex: 0, args: (0 ..< Int32(inputs.count + outputs.count)).map { $0 })]
        return Program(plans: [plan])
    }

    /// NCHW x[1,3,8,8] → NHWC → conv 3x3 pad 1 + relu → depthwise 3x3 stride 2 clamped [-0.5, 1.5] →
    /// max pool 2x2 → avg pool 3x3 pad 1 → hardswish → global avg pool → reshape → fully connected;
    /// outputs y[1,3] and the conv features back in NCHW [1,4,8,8].
    static var convGraph: XNNGraph {
        var g = XNNGraph()
        let x = g.addTensor(dims: [1, 3, 8, 8], external: .input(0))
        let xt = g.addTensor(dims: [1, 8, 8, 3])
        let w1 = g.addTensor(dims: [4, 3, 3, 3], constant: g.addConstant(floats: weights(108, 1)))
        let b1 = g.addTensor(dims: [4], constant: g.addConstant(floats: weights(4, 2)))
        let c1 = g.addTensor(dims: [1, 8, 8, 4])
        let w2 = g.addTensor(dims: [1, 3, 3, 4], constant: g.addConstant(floats: weights(36, 3)))
        let b2 = g.addTensor(dims: [4], constant: g.addConstant(floats: weights(4, 4)))
        let c2 = g.addTensor(dims: [1, 4, 4, 4])
        let mp = g.addTensor(dims: [1, 3, 3, 4])
        let ap = g.addTensor(dims: [1, 3, 3, 4])
        let hs = g.addTensor(dims: [1, 3, 3, 4])
        let gap = g.addTensor(dims: [1, 1, 1, 4])
        let flat = g.addTensor(dims: [1, 4])
        let fw = g.addTensor(dims: [3, 4], constant: g.addConstant(floats: weights(12, 5)))
        let fb = g.addTensor(dims: [3], constant: g.addConstant(floats: weights(3, 6)))
        let y = g.addTensor(dims: [1, 3], external: .output(1))
        let feat = g.addTensor(dims: [1, 4, 8, 8], external: .output(2))
        let one = XNNPadding2D(top: 1, right: 1, bottom: 1, left: 1)
        g.addNode(XNode(.staticTranspose, .staticTranspose(XNNStaticTranspose(perm: [0, 2, 3, 1], input: x, output: xt)), debugHandle: 65535))
        g.addNode(XNode(.conv2d, .convolution(XNNConvolution(padding: one, kernelHeight: 3, kernelWidth: 3, groupInputChannels: 3,
                                                             groupOutputChannels: 4, input: xt, filter: w1, bias: b1, output: c1)),
                        debugHandle: 1, outputMinMax: .relu))
        g.addNode(XNode(.depthwiseConv2d, .convolution(XNNConvolution(
            padding: one, kernelHeight: 3, kernelWidth: 3, subsamplingHeight: 2, subsamplingWidth: 2, groupInputChannels: 1,
            groupOutputChannels: 1, groups: 4, input: c1, filter: w2, bias: b2, output: c2)),
            debugHandle: 2, outputMinMax: XNNOutputMinMax(min: -0.5, max: 1.5)))
        g.addNode(XNode(.maxPooling2d, .pooling(XNNPooling2D(poolingHeight: 2, poolingWidth: 2, strideHeight: 1, strideWidth: 1,
                                                            input: c2, output: mp)), debugHandle: 3))
        g.addNode(XNode(.avgPooling2d, .pooling(XNNPooling2D(padding: one, poolingHeight: 3, poolingWidth: 3, strideHeight: 1,
                                                            strideWidth: 1, dilationHeight: 0, dilationWidth: 0, input: mp,
                                                            output: ap, flags: xnnFlagKeepDims)), debugHandle: 4))
        g.addNode(.unary(.hardswish, ap, output: hs, debugHandle: 5))
        g.addNode(.unary(.globalAvgPooling2d, hs, output: gap, flags: xnnFlagKeepDims, debugHandle: 6))
        g.addNode(XNode(.staticReshape, .staticReshape(XNNStaticReshape(newShape: [1, 4], input: gap, output: flat)), debugHandle: 7))
        g.addNode(XNode(.fullyConnected, .fullyConnected(XNNFullyConnected(input: flat, filter: fw, bias: fb, output: y)), debugHandle: 8))
        g.addNode(XNode(.staticTranspose, .staticTranspose(XNNStaticTranspose(perm: [0, 3, 1, 2], input: c1, output: feat)), debugHandle: 65535))
        return g
    }

    static var convProgram: Program {
        get throws { try program(convGraph, inputs: [[1, 3, 8, 8]], outputs: [[1, 3], [1, 4, 8, 8]]) }
    }

    /// a[2,3,4], b[1,4]: broadcasting binaries, clamps, unaries, concatenation, softmax, slice, pad,
    /// batch matmul; a second branch of elu / leaky relu / square / sqrt / exp / log / floor / ceiling, transposed.
    static var opsGraph: XNNGraph {
        var g = XNNGraph()
        let a = g.addTensor(dims: [2, 3, 4], external: .input(0))
        let b = g.addTensor(dims: [1, 4], external: .input(1))
        func t(_ dims: [UInt32]) -> UInt32 { g.addTensor(dims: dims) }
        let s = t([2, 3, 4]), m = t([2, 3, 4])
        let c = g.addTensor(dims: [4], constant: g.addConstant(floats: [1.5, 2, 2.5, 3]))
        let d = t([2, 3, 4]), mx = t([2, 3, 4]), mn = t([2, 3, 4]), sg = t([2, 3, 4]), th = t([2, 3, 4]), ge = t([2, 3, 4])
        let cat = t([2, 3, 12]), sm = t([2, 3, 12]), sl = t([2, 2, 8]), pd = t([2, 3, 9])
        let bw = g.addTensor(dims: [2, 9, 5], constant: g.addConstant(floats: weights(90, 7)))
        let bm = g.addTensor(dims: [2, 3, 5], external: .output(2))
        let e1 = t([2, 3, 4]), l1 = t([2, 3, 4]), sq = t([2, 3, 4]), ab = t([2, 3, 4]), sr = t([2, 3, 4])
        let ng = t([2, 3, 4]), ex = t([2, 3, 4]), lg = t([2, 3, 4]), fl = t([2, 3, 4]), ce = t([2, 3, 4])
        let r1 = t([2, 3, 4]), r2 = t([2, 3, 4]), r3 = t([2, 3, 4]), r4 = t([2, 3, 4])
        let out2 = g.addTensor(dims: [4, 2, 3], external: .output(3))
        g.addNode(.binary(.add, a, b, output: s))
        g.addNode(.binary(.multiply, s, a, output: m, outputMinMax: XNNOutputMinMax(min: -1, max: 2)))
        g.addNode(.binary(.divide, a, c, output: d))
        g.addNode(.binary(.maximum, m, d, output: mx))
        g.addNode(.binary(.minimum, m, d, output: mn))
        g.addNode(.unary(.sigmoid, mx, output: sg))
        g.addNode(.unary(.tanh, mn, output: th))
        g.addNode(.unary(.gelu, a, output: ge))
        g.addNode(.concatenate(XNNConcatenate(axis: 2, inputs: [sg, th, ge], output: cat)))
        g.addNode(.unary(.softmax, cat, output: sm))
        g.addNode(XNode(.staticSlice, .staticSlice(XNNStaticSlice(offsets: [0, 1, 2], sizes: [2, 2, 8], input: sm, output: sl))))
        g.addNode(XNode(.staticConstantPad, .staticConstantPad(XNNStaticConstantPad(prePaddings: [0, 1, 0], postPaddings: [0, 0, 1],
                                                                                  paddingValue: 0.5, input: sl, output: pd))))
        g.addNode(.binary(.batchMatrixMultiply, pd, bw, output: bm))
        g.addNode(XNode(.elu, .unaryWithParameter(XNNUnaryWithParameter(0.7, input: a, output: e1))))
        g.addNode(XNode(.leakyReLU, .unaryWithParameter(XNNUnaryWithParameter(0.1, input: e1, output: l1))))
        g.addNode(.unary(.square, l1, output: sq))
        g.addNode(.unary(.abs, a, output: ab))
        g.addNode(.unary(.squareRoot, ab, output: sr))
        g.addNode(.unary(.negate, a, output: ng))
        g.addNode(.unary(.exp, ng, output: ex))
        g.addNode(.unary(.log, ex, output: lg))
        g.addNode(.unary(.floor, a, output: fl))
        g.addNode(.unary(.ceiling, a, output: ce))
        g.addNode(.binary(.add, sq, sr, output: r1))
        g.addNode(.binary(.add, lg, fl, output: r2))
        g.addNode(.binary(.add, r1, r2, output: r3))
        g.addNode(.binary(.subtract, r3, ce, output: r4))
        g.addNode(XNode(.staticTranspose, .staticTranspose(XNNStaticTranspose(perm: [2, 0, 1], input: r4, output: out2))))
        return g
    }

    static var opsProgram: Program {
        get throws { try program(opsGraph, inputs: [[2, 3, 4], [1, 4]], outputs: [[2, 3, 5], [4, 2, 3]], location: .inline) }
    }

    /// x[1,2,5,5]: transposed convolution (stride 2, pad 1, adjustment 1) + clamp, PReLU, Clamp node,
    /// grouped convolution, bilinear resizes (half-pixel and align-corners), grouped transposed
    /// convolution; sin / cos / copy / rsqrt and Concatenate2/4/5 on the NCHW input.
    static var upsampleGraph: XNNGraph {
        var g = XNNGraph()
        let x = g.addTensor(dims: [1, 2, 5, 5], external: .input(0))
        func t(_ dims: [UInt32]) -> UInt32 { g.addTensor(dims: dims) }
        func c(_ dims: [UInt32], _ seed: Int) -> UInt32 {
            g.addTensor(dims: dims, constant: g.addConstant(floats: weights(Int(dims.reduce(1, *)), seed)))
        }
        let xt = t([1, 5, 5, 2])
        let w1 = c([3, 3, 3, 2], 8), b1 = c([3], 9), t1 = t([1, 10, 10, 3])
        let slope = c([3], 10), pr = t([1, 10, 10, 3]), cl = t([1, 10, 10, 3])
        let w2 = c([6, 3, 3, 1], 11), b2 = c([6], 12), t2 = t([1, 10, 10, 6])
        let r1 = t([1, 7, 7, 6]), r2 = t([1, 13, 13, 6])
        let w3 = c([4, 2, 2, 3], 13), b3 = c([4], 14), t3 = t([1, 14, 14, 4])
        let out0 = g.addTensor(dims: [1, 3, 10, 10], external: .output(1))
        let out1 = g.addTensor(dims: [1, 6, 7, 7], external: .output(2))
        let out2 = g.addTensor(dims: [1, 6, 13, 13], external: .output(3))
        let out3 = g.addTensor(dims: [1, 4, 14, 14], external: .output(4))
        let sn = t([1, 2, 5, 5]), cs = t([1, 2, 5, 5]), cp = t([1, 2, 5, 5]), sq = t([1, 2, 5, 5])
        let one = g.addTensor(dims: [1], constant: g.addConstant(floats: [1]))
        let sq1 = t([1, 2, 5, 5]), rs = t([1, 2, 5, 5]), c2 = t([1, 2, 5, 10])
        let out4 = g.addTensor(dims: [1, 2, 5, 30], external: .output(5))
        let out5 = g.addTensor(dims: [4, 2, 5, 5], external: .output(6))
        let nhwc: [UInt32] = [0, 2, 3, 1], nchw: [UInt32] = [0, 3, 1, 2]
        func transpose(_ perm: [UInt32], _ a: UInt32, _ b: UInt32) {
            g.addNode(XNode(.staticTranspose, .staticTranspose(XNNStaticTranspose(perm: perm, input: a, output: b))))
        }
        let one4 = XNNPadding2D(top: 1, right: 1, bottom: 1, left: 1)
        transpose(nhwc, x, xt)
        g.addNode(XNode(.convTranspose2d, .convolution(XNNConvolution(
            padding: one4, kernelHeight: 3, kernelWidth: 3, subsamplingHeight: 2, subsamplingWidth: 2, groupInputChannels: 2,
            groupOutputChannels: 3, adjustmentHeight: 1, adjustmentWidth: 1, input: xt, filter: w1, bias: b1, output: t1)),
            outputMinMax: XNNOutputMinMax(min: -0.75, max: 0.75)))
        g.addNode(.binary(.prelu, t1, slope, output: pr))
        g.addNode(.unary(.clamp, pr, output: cl, outputMinMax: XNNOutputMinMax(min: -0.5, max: 0.5)))
        transpose(nchw, cl, out0)
        g.addNode(XNode(.conv2d, .convolution(XNNConvolution(
            padding: one4, kernelHeight: 3, kernelWidth: 3, groupInputChannels: 1, groupOutputChannels: 2, groups: 3,
            input: t1, filter: w2, bias: b2, output: t2))))
        g.addNode(XNode(.staticResizeBilinear2D, .staticResizeBilinear2D(XNNStaticResizeBilinear2D(newHeight: 7, newWidth: 7, input: t2, output: r1))))
        g.addNode(XNode(.staticResizeBilinear2D, .staticResizeBilinear2D(XNNStaticResizeBilinear2D(
            newHeight: 13, newWidth: 13, input: t2, output: r2, flags: xnnFlagAlignCorners))))
        transpose(nchw, r1, out1)
        transpose(nchw, r2, out2)
        g.addNode(XNode(.convTranspose2d, .convolution(XNNConvolution(
            kernelHeight: 2, kernelWidth: 2, subsamplingHeight: 2, subsamplingWidth: 2, groupInputChannels: 3,
            groupOutputChannels: 2, groups: 2, input: r1, filter: w3, bias: b3, output: t3))))
        transpose(nchw, t3, out3)
        g.addNode(.unary(.sin, x, output: sn))
        g.addNode(.unary(.cos, x, output: cs))
        g.addNode(.unary(.copy, x, output: cp))
        g.addNode(.unary(.square, x, output: sq))
        g.addNode(.binary(.add, sq, one, output: sq1))
        g.addNode(.unary(.reciprocalSquareRoot, sq1, output: rs))
        g.addNode(.concatenate(XNNConcatenate(axis: 3, inputs: [x, x], output: c2)))
        g.addNode(.concatenate(XNNConcatenate(axis: 3, inputs: [sn, cs, cp, rs, c2], output: out4)))
        g.addNode(.concatenate(XNNConcatenate(axis: 0, inputs: [x, sn, cs, rs], output: out5)))
        return g
    }

    static var upsampleProgram: Program {
        get throws {
            try program(upsampleGraph, inputs: [[1, 2, 5, 5]],
                        outputs: [[1, 3, 10, 10], [1, 6, 7, 7], [1, 6, 13, 13], [1, 4, 14, 14], [1, 2, 5, 30], [4, 2, 5, 5]])
        }
    }

    /// The programs the Python check runs, by file name.
    static var checkPrograms: [(name: String, program: Program)] {
        get throws { [("conv_net.pte", try convProgram), ("ops_net.pte", try opsProgram), ("upsample_net.pte", try upsampleProgram)] }
    }
}
