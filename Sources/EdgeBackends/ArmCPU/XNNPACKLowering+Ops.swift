import EdgeIR
import EdgeProgram

// How each op XNNPACK executes becomes XNNPACK nodes (referenced by ``XNNPACKSupport/rules``,
// which pairs every capability with its lowering).

extension XNNPACKLowering {
    static func u32(_ xs: [Int]) -> [UInt32] { xs.map { UInt32(clamping: $0) } }

    func ints(_ op: Operation, _ name: String) -> [Int] { op.attribute(name)?.intsValue?.map { Int($0) } ?? [] }
    func int(_ op: Operation, _ name: String) -> Int? { op.attribute(name)?.intValue.map { Int($0) } }

    func operand(_ op: Operation, _ i: Int) throws(XNNLoweringError) -> Value {
        guard let v = op.operand(i) else { throw XNNLoweringError("\(op.diagnosticName): operand #\(i) is missing") }
        return v
    }

    // MARK: Elementwise

    /// A one-input node in the input's layout.
    mutating func unary(_ type: XNNNodeType, _ op: Operation, flags: UInt32 = 0, range: XNNOutputMinMax? = nil) throws(XNNLoweringError) {
        let x = try operand(op, 0)
        let nh = isNHWC(x)
        let input = nh ? try nhwc(x) : try nchw(x)
        let out = try define(op.result, nhwc: nh)
        node(type, .node1x1(XNNNode1x1(input: input, output: out, flags: flags)), range: range)
    }

    /// `relu` / `clamp` not folded into a producer: an `XNNClamp` with the op's range.
    mutating func clamp(_ op: Operation) throws(XNNLoweringError) {
        guard let r = Self.clampRange(op) else { throw XNNLoweringError("\(op.diagnosticName): clamp with min > max") }
        try unary(.clamp, op, range: XNNOutputMinMax(min: r.lowerBound, max: r.upperBound))
    }

    /// `leaky_relu` / `elu`: one float parameter.
    mutating func unary(_ type: XNNNodeType, _ op: Operation, parameter: Float) throws(XNNLoweringError) {
        let x = try operand(op, 0)
        let nh = isNHWC(x)
        let input = nh ? try nhwc(x) : try nchw(x)
        let out = try define(op.result, nhwc: nh)
        node(type, .unaryWithParameter(XNNUnaryWithParameter(parameter, input: input, output: out)))
    }

    /// `silu`: x * sigmoid(x).
    mutating func silu(_ op: Operation) throws(XNNLoweringError) {
        let x = try operand(op, 0)
        let nh = isNHWC(x)
        let input = nh ? try nhwc(x) : try nchw(x)
        let d = try Self.dims(x)
        let s = temp(nh ? Self.permuted(d, Self.toNHWC) : d)
        node(.sigmoid, .node1x1(XNNNode1x1(input: input, output: s, flags: 0)))
        let out = try define(op.result, nhwc: nh)
        node(.multiply, .node2x1(XNNNode2x1(input1: input, input2: s, output: out)))
    }

    /// A static f32 scalar (dims [1], broadcast by XNNPACK).
    mutating func scalar(_ v: Float) -> UInt32 {
        graph.addTensor(.fp32, dims: [1], constant: graph.addConstant(floats: [v]))
    }

    /// `hardsigmoid`: x * (1/6) + 0.5 clamped to [0, 1] (the add's output range).
    mutating func hardsigmoid(_ op: Operation) throws(XNNLoweringError) {
        let x = try operand(op, 0)
        let nh = isNHWC(x)
        let input = nh ? try nhwc(x) : try nchw(x)
        let d = try Self.dims(x)
        let scaled = temp(nh ? Self.permuted(d, Self.toNHWC) : d)
        let sixth = scalar(1.0 / 6.0), half = scalar(0.5)
        node(.multiply, .node2x1(XNNNode2x1(input1: input, input2: sixth, output: scaled)))
        let out = try define(op.result, nhwc: nh)
        node(.add, .node2x1(XNNNode2x1(input1: scaled, input2: half, output: out)), range: XNNOutputMinMax(min: 0, max: 1))
    }

    /// `pow(x, 2)`: `XNNSquare`.
    mutating func square(_ op: Operation) throws(XNNLoweringError) {
        let x = try operand(op, 0)
        let nh = isNHWC(x)
        let input = nh ? try nhwc(x) : try nchw(x)
        let out = try define(op.result, nhwc: nh)
        node(.square, .node1x1(XNNNode1x1(input: input, output: out, flags: 0)))
    }

    static func isConstant(_ v: Value) -> Bool { isStatic(v) }

    /// A broadcasting two-input node: NHWC when an input is NHWC and every non-constant input is
    /// 4-D (constants are aligned to rank 4 and permuted at compile time), else NCHW.
    mutating func binary(_ type: XNNNodeType, _ op: Operation) throws(XNNLoweringError) {
        let a = try operand(op, 0), b = try operand(op, 1)
        let variables = [a, b].filter { !Self.isConstant($0) }
        let nh = op.result.type.rank == 4 && variables.contains { isNHWC($0) } && variables.allSatisfy { $0.type.rank == 4 }
            && [a, b].allSatisfy { $0.type.rank <= 4 }
        let ia = nh ? try nhwc(a) : try nchw(a)
        let ib = nh ? try nhwc(b) : try nchw(b)
        let out = try define(op.result, nhwc: nh)
        node(type, .node2x1(XNNNode2x1(input1: ia, input2: ib, output: out)), range: outputRange(op))
    }

    /// Inference batch norm not folded into a conv: `x * s + t` with per-channel
    /// s = scale / sqrt(var + epsilon), t = bias - mean * s, in the input's layout.
    mutating func batchNorm(_ op: Operation) throws(XNNLoweringError) {
        let x = try operand(op, 0)
        let d = try Self.dims(x)
        guard d.count >= 2 else { throw XNNLoweringError("\(op.diagnosticName): batch norm needs rank 2 or more") }
        let scale = try floats(try operand(op, 1)), bias = try floats(try operand(op, 2))
        let mean = try floats(try operand(op, 3)), variance = try floats(try operand(op, 4))
        let c = d[1]
        guard [scale, bias, mean, variance].allSatisfy({ $0.count == c }) else { throw XNNLoweringError("\(op.diagnosticName): statistics do not match \(c) channels") }
        let eps = Float(op.attribute("epsilon")?.floatValue ?? 1e-5)
        var s = [Float](repeating: 0, count: c), t = [Float](repeating: 0, count: c)
        for i in 0 ..< c {
            s[i] = scale[i] / (variance[i] + eps).squareRoot()
            t[i] = bias[i] - mean[i] * s[i]
        }
        let nh = d.count == 4 && isNHWC(x)
        // Broadcast shape: channels at dim 1 (NCHW) or last (NHWC).
        let shape = nh ? [1, 1, 1, c] : [1, c] + [Int](repeating: 1, count: d.count - 2)
        let sid = graph.addTensor(.fp32, dims: Self.u32(shape), constant: graph.addConstant(floats: s))
        let tid = graph.addTensor(.fp32, dims: Self.u32(shape), constant: graph.addConstant(floats: t))
        let input = nh ? try nhwc(x) : try nchw(x)
        let scaled = temp(nh ? Self.permuted(d, Self.toNHWC) : d)
        node(.multiply, .node2x1(XNNNode2x1(input1: input, input2: sid, output: scaled)))
        let out = try define(op.result, nhwc: nh)
        node(.add, .node2x1(XNNNode2x1(input1: scaled, input2: tid, output: out)))
    }

    /// `layer_norm` over the trailing dims (D elements, M rows): the input viewed as NHWC
    /// [M, D, 1, 1], mean and variance by `XNNGlobalAvgPooling2d`, then
    /// (x - mean) * rsqrt(var + epsilon), viewed back, times weight, plus bias.
    mutating func layerNorm(_ op: Operation) throws(XNNLoweringError) {
        let x = try operand(op, 0)
        let d = try Self.dims(x)
        let k = ints(op, "normalized_shape").count
        guard k >= 1, k <= d.count else { throw XNNLoweringError("\(op.diagnosticName): malformed normalized_shape") }
        let rows = d.dropLast(k).reduce(1, *), width = d.suffix(k).reduce(1, *)
        let eps = Float(op.attribute("epsilon")?.floatValue ?? 1e-5)
        let input = try nchw(x)
        let view = temp([rows, width, 1, 1])
        node(.staticReshape, .staticReshape(XNNStaticReshape(newShape: Self.u32([rows, width, 1, 1]), input: input, output: view)))
        let mean = temp([rows, 1, 1, 1])
        node(.globalAvgPooling2d, .node1x1(XNNNode1x1(input: view, output: mean, flags: xnnFlagKeepDims)))
        let centered = temp([rows, width, 1, 1])
        node(.subtract, .node2x1(XNNNode2x1(input1: view, input2: mean, output: centered)))
        let squared = temp([rows, width, 1, 1])
        node(.square, .node1x1(XNNNode1x1(input: centered, output: squared, flags: 0)))
        let variance = temp([rows, 1, 1, 1])
        node(.globalAvgPooling2d, .node1x1(XNNNode1x1(input: squared, output: variance, flags: xnnFlagKeepDims)))
        let shifted = temp([rows, 1, 1, 1])
        node(.add, .node2x1(XNNNode2x1(input1: variance, input2: scalar(eps), output: shifted)))
        let inverse = temp([rows, 1, 1, 1])
        node(.reciprocalSquareRoot, .node1x1(XNNNode1x1(input: shifted, output: inverse, flags: 0)))
        let normalized = temp([rows, width, 1, 1])
        node(.multiply, .node2x1(XNNNode2x1(input1: centered, input2: inverse, output: normalized)))
        let weight = op.operand(1), bias = op.operand(2)
        var current = temp(d)
        if weight == nil && bias == nil {
            let out = try define(op.result)
            node(.staticReshape, .staticReshape(XNNStaticReshape(newShape: Self.u32(d), input: normalized, output: out)))
            return
        }
        node(.staticReshape, .staticReshape(XNNStaticReshape(newShape: Self.u32(d), input: normalized, output: current)))
        if let w = weight {
            let wid = try nchw(w)
            let next = bias == nil ? try define(op.result) : temp(d)
            node(.multiply, .node2x1(XNNNode2x1(input1: current, input2: wid, output: next)))
            current = next
        }
        if let b = bias {
            let bid = try nchw(b)
            let out = try define(op.result)
            node(.add, .node2x1(XNNNode2x1(input1: current, input2: bid, output: out)))
        }
    }

    // MARK: Convolution and linear algebra

    /// The geometry of a convolution: padding, stride, dilation, groups and the OIHW filter dims.
    struct ConvGeometry {
        var padding: XNNPadding2D
        var stride: (Int, Int), dilation: (Int, Int)
        var groups: Int
        var filterDims: [Int]
        var outputChannels: Int { filterDims[0] }
        var inputChannelsPerGroup: Int { filterDims[1] }
        /// XNNPACK's test (ExecuTorch's too): one input channel per group.
        var depthwise: Bool { filterDims[1] == 1 }
        /// The filter dims XNNPACK takes: `[1, kh, kw, C·m]` depthwise, else OHWI.
        var xnnFilterDims: [Int] { depthwise ? [1, filterDims[2], filterDims[3], filterDims[0]] : [filterDims[0], filterDims[2], filterDims[3], filterDims[1]] }
        /// OIHW → the XNNPACK filter layout.
        var filterPerm: [Int] { depthwise ? [1, 2, 3, 0] : [0, 2, 3, 1] }

        func fields(input: UInt32, filter: UInt32, bias: UInt32?, output: UInt32) -> XNNConvolution {
            XNNConvolution(padding: padding, kernelHeight: UInt32(filterDims[2]), kernelWidth: UInt32(filterDims[3]),
                           subsamplingHeight: UInt32(stride.0), subsamplingWidth: UInt32(stride.1),
                           dilationHeight: UInt32(dilation.0), dilationWidth: UInt32(dilation.1),
                           groupInputChannels: UInt32(inputChannelsPerGroup), groupOutputChannels: UInt32(outputChannels / groups),
                           groups: UInt32(groups), input: input, filter: filter, bias: bias, output: output)
        }
    }

    func convGeometry(_ op: Operation) throws(XNNLoweringError) -> ConvGeometry {
        let x = try operand(op, 0), w = try operand(op, 1)
        guard let xd = x.type.staticShape, let wd = w.type.staticShape, xd.count == 4, wd.count == 4,
              let p = XNNPACKSupport.padding(ints(op, "padding")),
              let s = XNNPACKSupport.pair(ints(op, "stride")), let d = XNNPACKSupport.pair(ints(op, "dilation")),
              let groups = int(op, "groups"), groups >= 1, wd[0] % groups == 0 else {
            throw XNNLoweringError("\(op.diagnosticName): malformed convolution")
        }
        return ConvGeometry(padding: XNNPadding2D(top: UInt32(p.top), right: UInt32(p.right), bottom: UInt32(p.bottom), left: UInt32(p.left)),
                            stride: s, dilation: d, groups: groups, filterDims: wd)
    }

    mutating func conv2d(_ op: Operation) throws(XNNLoweringError) {
        let x = try operand(op, 0), w = try operand(op, 1)
        let g = try convGeometry(op)
        let input = try nhwc(x)
        let filter = try constant(w, dims: g.xnnFilterDims, form: g.depthwise ? "depthwise" : "ohwi") { Self.permute(floats: $0, dims: g.filterDims, perm: g.filterPerm) }
        let bias: UInt32? = try op.operand(2).map { (b: Value) throws(XNNLoweringError) -> UInt32 in try nchw(b) }
        let out = try define(op.result, nhwc: true)
        node(g.depthwise ? .depthwiseConv2d : .conv2d, .convolution(g.fields(input: input, filter: filter, bias: bias, output: out)), range: outputRange(op))
    }

    mutating func linear(_ op: Operation) throws(XNNLoweringError) {
        let x = try operand(op, 0), w = try operand(op, 1)
        let input = try nchw(x)
        let filter = try nchw(w)  // [out, in], as XNNPACK takes it
        let bias: UInt32? = try op.operand(2).map { (b: Value) throws(XNNLoweringError) -> UInt32 in try nchw(b) }
        let out = try define(op.result)
        node(.fullyConnected, .fullyConnected(XNNFullyConnected(input: input, filter: filter, bias: bias, output: out)), range: outputRange(op))
    }

    mutating func matmul(_ op: Operation) throws(XNNLoweringError) {
        let a = try operand(op, 0), b = try operand(op, 1)
        guard let ad = a.type.staticShape, let bd = b.type.staticShape, ad.count >= 2, bd.count >= 2 else {
            throw XNNLoweringError("\(op.diagnosticName): matmul needs static operands of rank 2 or more")
        }
        if bd.count == 2, Self.isConstant(b) {
            // Fully connected: the [K, N] constant transposed to the [N, K] filter.
            let input = try nchw(a)
            let filter = try constant(b, dims: [bd[1], bd[0]], form: "transposed") { Self.permute(floats: $0, dims: bd, perm: [1, 0]) }
            let out = try define(op.result)
            node(.fullyConnected, .fullyConnected(XNNFullyConnected(input: input, filter: filter, bias: nil, output: out)))
            return
        }
        let batch = ad.dropLast(2).reduce(1, *)
        let (m, k, n) = (ad[ad.count - 2], ad[ad.count - 1], bd[bd.count - 1])
        var ia = try nchw(a), ib = try nchw(b)
        let direct = ad.count == 3
        if !direct {
            let a3 = temp([batch, m, k]), b3 = temp([batch, k, n])
            node(.staticReshape, .staticReshape(XNNStaticReshape(newShape: Self.u32([batch, m, k]), input: ia, output: a3)))
            node(.staticReshape, .staticReshape(XNNStaticReshape(newShape: Self.u32([batch, k, n]), input: ib, output: b3)))
            (ia, ib) = (a3, b3)
        }
        if direct {
            let out = try define(op.result)
            node(.batchMatrixMultiply, .node2x1(XNNNode2x1(input1: ia, input2: ib, output: out)))
        } else {
            let product = temp([batch, m, n])
            node(.batchMatrixMultiply, .node2x1(XNNNode2x1(input1: ia, input2: ib, output: product)))
            let out = try define(op.result)
            node(.staticReshape, .staticReshape(XNNStaticReshape(newShape: Self.u32(try Self.dims(op.result)), input: product, output: out)))
        }
    }

    // MARK: Pooling and resizing (NHWC)

    mutating func pool(_ op: Operation, max isMax: Bool) throws(XNNLoweringError) {
        let x = try operand(op, 0)
        guard let xd = x.type.staticShape, let yd = op.result.type.staticShape, xd.count == 4, yd.count == 4,
              let (kh, kw) = XNNPACKSupport.pair(ints(op, "kernel_size")),
              var p = XNNPACKSupport.padding(ints(op, "padding")) else {
            throw XNNLoweringError("\(op.diagnosticName): malformed pooling")
        }
        let (sh, sw) = ints(op, "stride").isEmpty ? (kh, kw) : (XNNPACKSupport.pair(ints(op, "stride")) ?? (kh, kw))
        let (dh, dw) = isMax ? (XNNPACKSupport.pair(ints(op, "dilation")) ?? (1, 1)) : (1, 1)
        if op.attribute("ceil_mode")?.boolValue == true {
            // Ceil mode as extra bottom/right padding (max pooling ignores padded positions).
            func extra(_ input: Int, _ output: Int, _ k: Int, _ s: Int, _ d: Int, _ begin: Int, _ end: Int) -> Int {
                max(0, (output - 1) * s + d * (k - 1) + 1 - (input + begin + end))
            }
            p.bottom += extra(xd[2], yd[2], kh, sh, dh, p.top, p.bottom)
            p.right += extra(xd[3], yd[3], kw, sw, dw, p.left, p.right)
        }
        let input = try nhwc(x)
        let out = try define(op.result, nhwc: true)
        let fields = XNNPooling2D(
            padding: XNNPadding2D(top: UInt32(p.top), right: UInt32(p.right), bottom: UInt32(p.bottom), left: UInt32(p.left)),
            poolingHeight: UInt32(kh), poolingWidth: UInt32(kw), strideHeight: UInt32(sh), strideWidth: UInt32(sw),
            dilationHeight: isMax ? UInt32(dh) : 0, dilationWidth: isMax ? UInt32(dw) : 0, input: input, output: out, flags: xnnFlagKeepDims)
        node(isMax ? .maxPooling2d : .avgPooling2d, .pooling(fields), range: outputRange(op))
    }

    /// `global_avg_pool2d` and `mean` over (2, 3). Without keepdim the pool keeps its NHWC
    /// `[N, 1, 1, C]` result (the only form ExecuTorch's runtime defines) in a scratch value and a
    /// static reshape gives `[N, C]`: the same elements in the same order, so no transpose.
    mutating func globalPool(_ op: Operation) throws(XNNLoweringError) {
        let x = try operand(op, 0)
        let input = try nhwc(x)
        let resultDims = try Self.dims(op.result)
        guard resultDims.count == 2 else {
            let out = try define(op.result, nhwc: true)
            node(.globalAvgPooling2d, .node1x1(XNNNode1x1(input: input, output: out, flags: xnnFlagKeepDims)))
            return
        }
        let xd = try Self.dims(x)
        // In an INT8 group the pooled value carries the output's parameters (a reshape keeps them).
        let pooled = addValue([xd[0], 1, 1, xd[1]], quant: int8?.output)
        node(.globalAvgPooling2d, .node1x1(XNNNode1x1(input: input, output: pooled, flags: xnnFlagKeepDims)))
        let out = try define(op.result)
        node(.staticReshape, .staticReshape(XNNStaticReshape(newShape: Self.u32(resultDims), input: pooled, output: out)))
    }

    mutating func resizeBilinear(_ op: Operation) throws(XNNLoweringError) {
        let x = try operand(op, 0)
        guard let size = XNNPACKSupport.pair(ints(op, "size")) else { throw XNNLoweringError("\(op.diagnosticName): malformed size") }
        let input = try nhwc(x)
        let out = try define(op.result, nhwc: true)
        let alignCorners: UInt32 = op.attribute("align_corners")?.boolValue == true ? 0x8 : 0  // XNN_FLAG_ALIGN_CORNERS
        node(.staticResizeBilinear2D, .staticResizeBilinear2D(XNNStaticResizeBilinear2D(
            newHeight: UInt32(size.0), newWidth: UInt32(size.1), input: input, output: out, flags: alignCorners)))
    }

    // MARK: Layout ops (NCHW)

    mutating func softmax(_ op: Operation) throws(XNNLoweringError) {
        let input = try nchw(try operand(op, 0))
        let out = try define(op.result)
        node(.softmax, .node1x1(XNNNode1x1(input: input, output: out, flags: 0)))
    }

    /// reshape, flatten, squeeze, unsqueeze: the full static result shape.
    mutating func reshape(_ op: Operation) throws(XNNLoweringError) {
        let input = try nchw(try operand(op, 0))
        let out = try define(op.result)
        node(.staticReshape, .staticReshape(XNNStaticReshape(newShape: Self.u32(try Self.dims(op.result)), input: input, output: out)))
    }

    mutating func permute(_ op: Operation) throws(XNNLoweringError) {
        let x = try operand(op, 0)
        let r = x.type.rank
        let perm = ints(op, "dims").map { $0 < 0 ? $0 + r : $0 }
        let input = try nchw(x)
        let out = try define(op.result)
        node(.staticTranspose, .staticTranspose(XNNStaticTranspose(perm: Self.u32(perm), input: input, output: out)))
    }

    // MARK: Layout-agnostic data movement

    /// The NHWC position of NCHW axis `a`.
    static func nhwcAxis(_ a: Int) -> Int { toNHWC.firstIndex(of: a) ?? a }

    mutating func concat(_ op: Operation) throws(XNNLoweringError) {
        let xs = op.presentOperands
        let rank = op.result.type.rank
        guard let a = int(op, "axis") else { throw XNNLoweringError("\(op.diagnosticName): missing axis") }
        let axis = a < 0 ? a + rank : a
        let nh = rank == 4 && xs.contains { isNHWC($0) }
        var ids: [UInt32] = []
        var dims: [[Int]] = []
        for x in xs {
            ids.append(nh ? try nhwc(x) : try nchw(x))
            let d = try Self.dims(x)
            dims.append(nh ? Self.permuted(d, Self.toNHWC) : d)
        }
        let at = nh ? Self.nhwcAxis(axis) : axis
        // XNNPACK concatenates at most 5 inputs per node: chain the rest.
        while ids.count > 5 {
            var d = dims[0]
            d[at] = dims[0 ..< 5].reduce(0) { $0 + $1[at] }
            let t = temp(d)
            graph.addNode(.concatenate(XNNConcatenate(axis: UInt32(at), inputs: Array(ids[0 ..< 5]), output: t), debugHandle: debugHandle))
            ids = [t] + ids[5...]
            dims = [d] + dims[5...]
        }
        let out = try define(op.result, nhwc: nh)
        graph.addNode(.concatenate(XNNConcatenate(axis: UInt32(at), inputs: ids, output: out), debugHandle: debugHandle))
    }

    mutating func pad(_ op: Operation) throws(XNNLoweringError) {
        let x = try operand(op, 0)
        let rank = x.type.rank
        let list = ints(op, "pad")
        var pre = [Int](repeating: 0, count: rank), post = [Int](repeating: 0, count: rank)
        for i in 0 ..< list.count / 2 where rank - 1 - i >= 0 {
            pre[rank - 1 - i] = list[2 * i]
            post[rank - 1 - i] = list[2 * i + 1]
        }
        let nh = rank == 4 && isNHWC(x)
        if nh {
            pre = Self.permuted(pre, Self.toNHWC)
            post = Self.permuted(post, Self.toNHWC)
        }
        let input = nh ? try nhwc(x) : try nchw(x)
        let out = try define(op.result, nhwc: nh)
        let value = Float(op.attribute("value")?.floatValue ?? 0)
        node(.staticConstantPad, .staticConstantPad(XNNStaticConstantPad(prePaddings: Self.u32(pre), postPaddings: Self.u32(post),
                                                                          paddingValue: value, input: input, output: out)))
    }

    mutating func slice(_ op: Operation) throws(XNNLoweringError) {
        let x = try operand(op, 0)
        let xd = try Self.dims(x), yd = try Self.dims(op.result)
        let rank = xd.count
        guard let d0 = int(op, "dim") else { throw XNNLoweringError("\(op.diagnosticName): missing dim") }
        let dim = d0 < 0 ? d0 + rank : d0
        guard dim >= 0, dim < rank else { throw XNNLoweringError("\(op.diagnosticName): dim \(d0) out of range") }
        var start = Int(op.attribute("start")?.intValue ?? 0)
        if start < 0 { start += xd[dim] }
        start = min(max(start, 0), xd[dim])
        var offsets = [Int](repeating: 0, count: rank)
        offsets[dim] = start
        var sizes = yd
        let nh = rank == 4 && isNHWC(x)
        if nh {
            offsets = Self.permuted(offsets, Self.toNHWC)
            sizes = Self.permuted(sizes, Self.toNHWC)
        }
        let input = nh ? try nhwc(x) : try nchw(x)
        let out = try define(op.result, nhwc: nh)
        node(.staticSlice, .staticSlice(XNNStaticSlice(offsets: Self.u32(offsets), sizes: Self.u32(sizes), input: input, output: out)))
    }
}
