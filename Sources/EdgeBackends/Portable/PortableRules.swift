import EdgeIR
import EdgeProgram

// One lowering rule per Edge IR op. Argument lists follow the ATen schemas (native_functions.yaml)
// as ExecuTorch 1.5.1's emitter writes them (see the reference programs in Tests/fixtures/executorch).

extension PortableLowering {
    /// The lowering of each op, by IR name: the kernels it may emit, a note for the docs, and
    /// the lowering itself. ``PortableBackend/supportedOps``, ``kernels`` and docs/lowering.md
    /// derive from it.
    static let rules: [String: PortableRule] = baseRules.merging(extendedRules) { a, _ in a }

    static let baseRules: [String: PortableRule] = [
        "edge.constant": PortableRule([], "constant segment (no kernel)") { l, op throws(Unsupported) in try l.constant(op) },
        "edge.add": PortableRule(["aten::add.out"], "alpha = Int 1") { l, op throws(Unsupported) in try l.addSub("aten::add.out", op) },
        "edge.sub": PortableRule(["aten::sub.out"], "alpha = Int 1") { l, op throws(Unsupported) in try l.addSub("aten::sub.out", op) },
        "edge.mul": PortableRule(["aten::mul.out"]) { l, op throws(Unsupported) in try l.binary("aten::mul.out", op) },
        "edge.div": PortableRule(["aten::div.out", "aten::div.out_mode"], "integer division: `div.out_mode` with \"trunc\"") { l, op throws(Unsupported) in try l.div(op) },
        "edge.relu": PortableRule(["aten::relu.out"]) { l, op throws(Unsupported) in
            let o = try l.out(op.result)
            l.builder.call("aten::relu.out", [l.t(op.operand(0)!), o, o])
        },
        "edge.clamp": PortableRule(["aten::clamp.out"], "missing bound = Null") { l, op throws(Unsupported) in try l.clamp(op) },
        "edge.conv2d": PortableRule(["aten::convolution.out", "aten::constant_pad_nd.out"], "transposed = false; asymmetric padding first pads explicitly") { l, op throws(Unsupported) in try l.conv2d(op) },
        "edge.batch_norm": PortableRule(["aten::_native_batch_norm_legit_no_training.out"], "two empty saved-stat outputs") { l, op throws(Unsupported) in try l.batchNorm(op) },
        "edge.matmul": PortableRule(["aten::mm.out", "aten::bmm.out", "aten::expand_copy.out"], "`mm` when the rhs has no batch, else `bmm` with `expand_copy` for broadcast batches") { l, op throws(Unsupported) in try l.matmul(op) },
        "edge.linear": PortableRule(["aten::addmm.out", "aten::mm.out", "aten::permute_copy.out"], "weight transposed at compile time when constant, else `permute_copy`") { l, op throws(Unsupported) in try l.linear(op) },
        "edge.max_pool2d": PortableRule(["aten::max_pool2d_with_indices.out", "aten::constant_pad_nd.out"], "asymmetric padding, or more than half the kernel, first pads explicitly with -inf") { l, op throws(Unsupported) in try l.maxPool(op) },
        "edge.avg_pool2d": PortableRule(["aten::avg_pool2d.out", "aten::constant_pad_nd.out", "aten::mul.out"], "asymmetric padding, or more than half the kernel, first pads explicitly with zeros; with count_include_pad = false the result is rescaled by a constant [OH, OW] factor (`mul.out`)") { l, op throws(Unsupported) in try l.avgPool(op) },
        "edge.global_avg_pool2d": PortableRule(["aten::mean.out"], "dims [2, 3], keepdim") { l, op throws(Unsupported) in
            let o = try l.out(op.result)
            let b = l.builder
            b.call("aten::mean.out", [l.t(op.operand(0)!), b.intList([2, 3]), b.bool(true), b.null(), o, o])
        },
        "edge.softmax": PortableRule(["aten::_softmax.out"]) { l, op throws(Unsupported) in
            let o = try l.out(op.result)
            let b = l.builder
            b.call("aten::_softmax.out", [l.t(op.operand(0)!), b.int(op.attribute("axis")!.intValue.map(Int.init)!), b.bool(false), o, o])
        },
        "edge.mean": PortableRule(["aten::mean.out"], "empty axes = every axis") { l, op throws(Unsupported) in try l.mean(op) },
        "edge.reshape": PortableRule([], "view (no kernel)") { l, op throws(Unsupported) in l.bind(op.result, l.view(l.t(op.operand(0)!), l.dims(op.result))) },
        "edge.flatten": PortableRule([], "view (no kernel)") { l, op throws(Unsupported) in l.bind(op.result, l.view(l.t(op.operand(0)!), l.dims(op.result))) },
        "edge.permute": PortableRule(["aten::permute_copy.out"]) { l, op throws(Unsupported) in
            let o = try l.out(op.result)
            let b = l.builder
            b.call("aten::permute_copy.out", [l.t(op.operand(0)!), b.intList(op.attribute("dims")!.intsValue!.map(Int.init)), o, o])
        },
        "edge.concat": PortableRule(["aten::cat.out"]) { l, op throws(Unsupported) in
            let o = try l.out(op.result)
            let b = l.builder
            let list = b.tensorList(op.presentOperands.map(l.t))
            b.call("aten::cat.out", [list, b.int(Int(op.attribute("axis")!.intValue!)), o, o])
        },
    ]

    /// Every kernel the rules may emit (the runtime implements each), plus `clone.out` for
    /// returned inputs and constants.
    static let kernels: [String] = {
        var all = ["aten::clone.out"]
        for name in rules.keys.sorted() { for k in rules[name]!.kernels where !all.contains(k) { all.append(k) } }
        return all
    }()

    // MARK: Elementwise

    mutating func addSub(_ kernel: String, _ op: Operation) throws(Unsupported) {
        let o = try out(op.result)
        // add.out(Tensor self, Tensor other, *, Scalar alpha=1, Tensor(a!) out)
        builder.call(kernel, [t(op.operand(0)!), t(op.operand(1)!), builder.int(1), o, o])
    }

    mutating func binary(_ kernel: String, _ op: Operation) throws(Unsupported) {
        let o = try out(op.result)
        builder.call(kernel, [t(op.operand(0)!), t(op.operand(1)!), o, o])
    }

    mutating func div(_ op: Operation) throws(Unsupported) {
        if op.result.type.element.storage.isFloat { return try binary("aten::div.out", op) }
        // Edge IR integer division truncates: div.out_mode(self, other, *, str? rounding_mode, out)
        let o = try out(op.result)
        builder.call("aten::div.out_mode", [t(op.operand(0)!), t(op.operand(1)!), builder.string("trunc"), o, o])
    }

    mutating func clamp(_ op: Operation) throws(Unsupported) {
        let o = try out(op.result)
        let lo = op.attribute("min")?.floatValue.map(builder.double) ?? builder.null()
        let hi = op.attribute("max")?.floatValue.map(builder.double) ?? builder.null()
        builder.call("aten::clamp.out", [t(op.operand(0)!), lo, hi, o, o])
    }

    // MARK: Convolution and normalization

    static func pair(_ v: [Int64]) throws(Unsupported) -> [Int] {
        switch v.count {
        case 1: return [Int(v[0]), Int(v[0])]
        case 2: return v.map(Int.init)
        default: throw Unsupported("expected 2 values, got \(v)")
        }
    }

    static func padding(_ op: Operation) throws(Unsupported) -> (top: Int, left: Int, bottom: Int, right: Int) {
        do { return try ShapeRules.padding2d(op.attribute("padding")!.intsValue!.map(Int.init)) } catch { throw Unsupported(error.message) }
    }

    mutating func conv2d(_ op: Operation) throws(Unsupported) {
        let p = try Self.padding(op)
        let (x, pad) = explicitPadding(op.operand(0)!, p, value: 0, when: p.top != p.bottom || p.left != p.right)
        let activation = op.attribute("fused_activation")?.stringValue ?? "none"
        let o = activation == "none" ? try out(op.result) : temp(scalar(op.result), dims(op.result))
        let b = builder
        // convolution.out(input, weight, bias?, stride, padding, dilation, transposed, output_padding, groups, *, out)
        b.call("aten::convolution.out", [
            x, t(op.operand(1)!), optional(op.operand(2)),
            b.intList(try Self.pair(op.attribute("stride")!.intsValue!)), b.intList(pad),
            b.intList(try Self.pair(op.attribute("dilation")!.intsValue!)), b.bool(false), b.intList([0, 0]),
            b.int(Int(op.attribute("groups")!.intValue!)), o, o,
        ])
        try fusedActivation(op, from: o)
    }

    /// Applies the op's `fused_activation` (conv2d, linear) as its own kernel: ExecuTorch's portable
    /// library has no fused variants, so `from` (the op's raw result) goes through relu/clamp into the result.
    mutating func fusedActivation(_ op: Operation, from raw: Int32) throws(Unsupported) {
        let activation = op.attribute("fused_activation")?.stringValue ?? "none"
        guard activation != "none" else { return }
        let o = try out(op.result)
        switch activation {
        case "relu": builder.call("aten::relu.out", [raw, o, o])
        case "relu6": builder.call("aten::clamp.out", [raw, builder.double(0), builder.double(6), o, o])
        default: throw Unsupported("fused_activation \"\(activation)\"")
        }
    }

    mutating func batchNorm(_ op: Operation) throws(Unsupported) {
        let o = try out(op.result)
        let b = builder
        // _native_batch_norm_legit_no_training.out(input, weight?, bias?, running_mean, running_var, momentum, eps,
        //     *, out0, out1, out2) -> (out0, out1, out2); the saved mean/invstd are empty in inference.
        let saveMean = temp(scalar(op.result), [0]), saveInvstd = temp(scalar(op.result), [0])
        b.call("aten::_native_batch_norm_legit_no_training.out", [
            t(op.operand(0)!), t(op.operand(1)!), t(op.operand(2)!), t(op.operand(3)!), t(op.operand(4)!),
            b.double(0.1), b.double(op.attribute("epsilon")!.floatValue!), o, saveMean, saveInvstd,
            b.tensorList([o, saveMean, saveInvstd]),
        ])
    }

    // MARK: Pooling and reductions

    /// The input with `p` applied by `constant_pad_nd` (filled with `value`) when `explicit`,
    /// and the symmetric padding left for the kernel ([0, 0] once padded explicitly).
    mutating func explicitPadding(_ v: Value, _ p: (top: Int, left: Int, bottom: Int, right: Int), value: Double, when explicit: Bool) -> (Int32, [Int]) {
        let x = t(v)
        guard explicit else { return (x, [p.top, p.left]) }
        // constant_pad_nd.out(self, pad, Scalar value=0, *, out); `pad` lists the last dim first.
        var d = dims(v)
        d[2] += p.top + p.bottom
        d[3] += p.left + p.right
        let padded = temp(scalar(v), d)
        builder.call("aten::constant_pad_nd.out", [x, builder.intList([p.left, p.right, p.top, p.bottom]), builder.double(value), padded, padded])
        return (padded, [0, 0])
    }

    /// Pooling padding the ATen kernels take as is: symmetric and at most half the kernel
    /// (ExecuTorch's kernels reject more); anything else is padded explicitly first.
    mutating func poolInput(_ op: Operation, fill: Double) throws(Unsupported) -> (Int32, [Int]) {
        let p = try Self.padding(op)
        let k = try Self.pair(op.attribute("kernel_size")!.intsValue!)
        let explicit = p.top != p.bottom || p.left != p.right || 2 * p.top > k[0] || 2 * p.left > k[1]
        return explicitPadding(op.operand(0)!, p, value: fill, when: explicit)
    }

    mutating func maxPool(_ op: Operation) throws(Unsupported) {
        let (x, pad) = try poolInput(op, fill: -.infinity)
        let o = try out(op.result)
        let indices = temp(.long, dims(op.result))
        let b = builder
        // max_pool2d_with_indices.out(self, kernel_size, stride, padding, dilation, ceil_mode, *, out, indices)
        b.call("aten::max_pool2d_with_indices.out", [
            x, b.intList(try Self.pair(op.attribute("kernel_size")!.intsValue!)),
            b.intList(op.attribute("stride")!.intsValue!.isEmpty ? [] : try Self.pair(op.attribute("stride")!.intsValue!)),
            b.intList(pad), b.intList(try Self.pair(op.attribute("dilation")!.intsValue!)),
            b.bool(op.attribute("ceil_mode")!.boolValue!), o, indices, b.tensorList([o, indices]),
        ])
    }

    mutating func avgPool(_ op: Operation) throws(Unsupported) {
        let p = try Self.padding(op)
        let k = try Self.pair(op.attribute("kernel_size")!.intsValue!)
        let includePad = op.attribute("count_include_pad")!.boolValue!
        let explicit = p.top != p.bottom || p.left != p.right || 2 * p.top > k[0] || 2 * p.left > k[1]
        let (x, pad) = explicitPadding(op.operand(0)!, p, value: 0, when: explicit)
        // With explicit zero padding the kernel divides by the window inside the padded input;
        // count_include_pad = false divides by the window inside the original input instead, so
        // the result is rescaled by a compile-time [OH, OW] factor.
        let rescale = explicit && !includePad
        guard !rescale || scalar(op.result) == .float else {
            throw Unsupported("pooling padding \([p.top, p.left, p.bottom, p.right]) with count_include_pad = false needs f32")
        }
        let o = rescale ? temp(scalar(op.result), dims(op.result)) : try out(op.result)
        let b = builder
        // avg_pool2d.out(self, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override?, *, out)
        b.call("aten::avg_pool2d.out", [
            x, b.intList(k),
            b.intList(op.attribute("stride")!.intsValue!.isEmpty ? [] : try Self.pair(op.attribute("stride")!.intsValue!)),
            b.intList(pad), b.bool(op.attribute("ceil_mode")!.boolValue!),
            b.bool(explicit || includePad), b.null(), o, o,
        ])
        if rescale {
            let inDims = dims(op.operand(0)!), outDims = dims(op.result)
            let strides = op.attribute("stride")!.intsValue!.isEmpty ? k : try Self.pair(op.attribute("stride")!.intsValue!)
            func counts(_ o: Int, _ k: Int, _ s: Int, _ before: Int, _ size: Int, _ after: Int) -> (padded: Int, real: Int) {
                let start = o * s, end = min(start + k, before + size + after)
                return (end - start, max(0, min(end, before + size) - max(start, before)))
            }
            var factors: [Float] = []
            for oh in 0 ..< outDims[2] {
                let h = counts(oh, k[0], strides[0], p.top, inDims[2], p.bottom)
                for ow in 0 ..< outDims[3] {
                    let w = counts(ow, k[1], strides[1], p.left, inDims[3], p.right)
                    let real = h.real * w.real
                    factors.append(real == 0 ? 0 : Float(h.padded * w.padded) / Float(real))
                }
            }
            let f = b.constant(.float, [outDims[2], outDims[3]], bytes: factors.withUnsafeBytes { Array($0) })
            let result = try out(op.result)
            b.call("aten::mul.out", [o, f, result, result])
        }
    }

    mutating func mean(_ op: Operation) throws(Unsupported) {
        let x = op.operand(0)!
        var axes = op.attribute("axes")!.intsValue!.map(Int.init)
        if axes.isEmpty { axes = Array(0 ..< x.type.rank) }
        let o = try out(op.result)
        let b = builder
        // mean.out(self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None, out)
        b.call("aten::mean.out", [t(x), b.intList(axes), b.bool(op.attribute("keepdim")!.boolValue!), b.null(), o, o])
    }

    // MARK: Matrix products

    /// Transposes a row-major [rows, cols] constant of `elementSize`-byte elements.
    static func transposed(_ bytes: [UInt8], rows: Int, cols: Int, elementSize: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: bytes.count)
        for r in 0 ..< rows {
            for c in 0 ..< cols {
                let from = (r * cols + c) * elementSize, to = (c * rows + r) * elementSize
                for k in 0 ..< elementSize { out[to + k] = bytes[from + k] }
            }
        }
        return out
    }

    mutating func linear(_ op: Operation) throws(Unsupported) {
        let x = op.operand(0)!, w = op.operand(1)!
        let wd = dims(w), xd = dims(x)
        let (outF, inF) = (wd[0], wd[1])
        let rows = xd.dropLast().reduce(1, *)
        // The weight transposed to [in, out]: folded for constants, else permute_copy at run time.
        let wt: Int32
        if let (type, _, bytes) = linearWeights[ObjectIdentifier(w)] {
            wt = builder.constant(type, [inF, outF], bytes: Self.transposed(bytes, rows: outF, cols: inF, elementSize: type.byteSize))
        } else if builder.isConstant(t(w)) {
            wt = builder.constant(scalar(w), [inF, outF], bytes: Self.transposed(builder.constantBytes(t(w)), rows: outF, cols: inF, elementSize: scalar(w).byteSize))
        } else {
            wt = temp(scalar(w), [inF, outF])
            builder.call("aten::permute_copy.out", [t(w), builder.intList([1, 0]), wt, wt])
        }
        let x2 = view(t(x), [rows, inF])
        let (type, outDims) = try Self.tensorType(op.result.type)
        let o2 = temp(type, [rows, outF])
        if let bias = op.operand(2) {
            // addmm.out(self, mat1, mat2, *, Scalar beta=1, Scalar alpha=1, out)
            builder.call("aten::addmm.out", [t(bias), x2, wt, builder.int(1), builder.int(1), o2, o2])
        } else {
            builder.call("aten::mm.out", [x2, wt, o2, o2])
        }
        if op.attribute("fused_activation")?.stringValue ?? "none" == "none" {
            bind(op.result, view(o2, outDims))
        } else {
            try fusedActivation(op, from: view(o2, outDims))
        }
    }

    mutating func matmul(_ op: Operation) throws(Unsupported) {
        let a = op.operand(0)!, bv = op.operand(1)!
        var ad = dims(a), bd = dims(bv)
        if ad.count == 1 { ad = [1] + ad }
        if bd.count == 1 { bd = bd + [1] }
        let (m, k, n) = (ad[ad.count - 2], ad[ad.count - 1], bd[bd.count - 1])
        let (type, outDims) = try Self.tensorType(op.result.type)
        let batchA = Array(ad.dropLast(2)), batchB = Array(bd.dropLast(2))
        let batch: [Int]
        do { batch = try ShapeRules.broadcast(batchA.map(Dim.known), batchB.map(Dim.known)).map { $0.value! } } catch { throw Unsupported(error.message) }
        let count = batch.reduce(1, *)
        let o: Int32
        if batchB.reduce(1, *) == 1 && batchB.count <= batch.count {
            // rhs has no batch: fold lhs batch into rows, one mm.out(self, mat2, *, out).
            let a2 = view(t(a), [count * m, k]), b2 = view(t(bv), [k, n])
            o = temp(type, [count * m, n])
            builder.call("aten::mm.out", [a2, b2, o, o])
        } else {
            let a3 = view(expand(t(a), ad, to: batch + [m, k]), [count, m, k])
            let b3 = view(expand(t(bv), bd, to: batch + [k, n]), [count, k, n])
            o = temp(type, [count, m, n])
            builder.call("aten::bmm.out", [a3, b3, o, o])
        }
        bind(op.result, view(o, outDims))
    }

    /// `x` (viewed as `dims`) broadcast to `target` with expand_copy.out(self, size, *, implicit=False, out); no-op when equal.
    mutating func expand(_ x: Int32, _ dims: [Int], to target: [Int]) -> Int32 {
        if dims.reduce(1, *) == target.reduce(1, *) { return x }
        let source = view(x, dims)
        let o = temp(builder.tensor(x).scalarType, target)
        builder.call("aten::expand_copy.out", [source, builder.intList(target), builder.bool(false), o, o])
        return o
    }
}
