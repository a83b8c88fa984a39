import EdgeIR
import EdgePasses
import EdgeProgram

/// Where an op runs relative to the NHWC layout of XNNPACK's convolutions and pools.
enum XNNLayoutClass: Sendable {
    /// Runs in NHWC: its 4-D input is transposed to NHWC on entry (conv, pools, resize).
    case channelsLast
    /// Runs in whatever layout its inputs are in (elementwise ops, concat, pad, slice), axes
    /// remapped; an NHWC input keeps the result NHWC.
    case agnostic
    /// Needs its inputs in the outer (NCHW, row-major) layout: reshapes, permutes, linear,
    /// matmul, softmax over the last dim.
    case standard
}

/// How an op runs on INT8 (qs8) values when every non-constant input is the dequantize of a
/// per-tensor `qi8` value and its result (through a fused relu/clamp) is read only by a
/// quantize to per-tensor `qi8`: then the dequantize → op → quantize group is one XNNPACK node on
/// `qint8` tensors. Ops without a form (or groups that do not match) run in fp32 between
/// `XNNConvert`s, as ExecuTorch's float islands do.
enum XNNInt8Form: Sendable {
    /// Requantizes: inputs keep their own parameters, the output takes the quantize's
    /// (add, sub, mul, global average pooling).
    case requantizing
    /// XNNPACK needs the inputs' and the output's parameters equal (data movement, max pooling,
    /// clamp): inputs with other parameters are converted (`XNNConvert` qint8 → qint8) first.
    case sameParameters
    /// Convolution / fully connected: per-channel `qcint8` filter (symmetric, zero points 0),
    /// `qcint32` bias at input_scale × filter_scale[c].
    case gemm

    var text: String {
        switch self {
        case .requantizing: return "qs8"
        case .sameParameters: return "qs8 (input and output parameters equal)"
        case .gemm: return "qs8, qcint8 per-channel filter, qcint32 bias"
        }
    }
}

/// One Edge IR op the XNNPACK delegate executes: the XNNPACK nodes it becomes, the
/// conditions under which it does (for docs), its layout class, and the check that refuses
/// an instance with a reason. ``XNNPACKSupport/rules`` holds one per op; the partitioner and
/// the lowering both derive from it.
struct XNNPACKRule: Sendable {
    let nodes: [String]
    let conditions: String
    let layout: XNNLayoutClass
    /// Why this instance cannot run in XNNPACK, or nil (the dtype/shape checks common to every
    /// op have already passed).
    let check: @Sendable (Operation) -> String?
    /// Its INT8 form, if it has one.
    let int8: XNNInt8Form?
    /// The XNNPACK nodes of an accepted instance.
    let lower: XNNPACKLowering.Rule

    init(_ nodes: [String], _ conditions: String = "", layout: XNNLayoutClass, check: @escaping @Sendable (Operation) -> String? = { _ in nil },
         int8: XNNInt8Form? = nil, lower: @escaping XNNPACKLowering.Rule) {
        self.nodes = nodes
        self.conditions = conditions
        self.layout = layout
        self.check = check
        self.int8 = int8
        self.lower = lower
    }
}

/// What ExecuTorch 1.5.1's XNNPACK delegate executes, as Edge IR ops and conditions (read from
/// its partitioner configs and runtime; /work/shared/reference/executorch/xnnpack/README.md
/// §8 and partitioner_configs.txt). Every tensor must be f32 with a static shape of rank 1–6
/// and no zero-sized dimension.
public enum XNNPACKSupport {
    /// XNNPACK's `XNN_MAX_TENSOR_DIMS`.
    static let maxRank = 6

    /// Why `op` stays outside XNNPACK partitions, or nil when XNNPACK executes it.
    public static func refusal(for op: Operation) -> String? {
        guard let rule = rules[op.name] else { return "XNNPACK has no node for \(op.name)" }
        if let problem = commonRefusal(op) { return problem }
        return rule.check(op)
    }

    /// Whether the partitioner should place `op` with its readers: a dequantize of an
    /// activation, so the `qint8` tensor, not its float view, crosses partition boundaries.
    public static func joinsConsumers(_ op: Operation) -> Bool {
        op.definition === Ops.dequantize || op.definition === Ops.dynamicQuantize
    }

    /// The qi8 constant behind a conv2d / linear / matmul weight `edge.dequantize(constant)` that
    /// an XNNPACK qcint8 filter can hold, and its output-channel axis (0 for conv2d and linear,
    /// 1 for matmul's `[K, N]`): i8 storage, symmetric (zero points 0), per tensor or per channel
    /// along that axis; nil otherwise.
    static func int8Weight(_ op: Operation) -> (constant: Value, outputAxis: Int)? {
        guard let w = op.operand(1), let dq = w.definingOp, dq.definition === Ops.dequantize, let c = dq.operand(0),
              isQuantizedConstant(c), case .quantized(let wt) = c.type.element, wt.storage == .i8,
              let dims = c.type.staticShape else { return nil }
        let axis: Int
        if op.definition === Ops.conv2d, dims.count == 4 {
            axis = 0
        } else if op.definition === Ops.linear, dims.count == 2 {
            axis = 0
        } else if op.definition === Ops.matmul, dims.count == 2 {
            axis = 1
        } else {
            return nil
        }
        switch wt.scheme {
        case .perTensor(_, let z): return z == 0 ? (c, axis) : nil
        case .perChannel(let a, let ss, let zs): return a == axis && ss.count == dims[axis] && zs.allSatisfy { $0 == 0 } ? (c, axis) : nil
        case .blockwise: return nil
        }
    }

    /// The 4-bit blockwise weight of a linear (`[O, I]`, blocks along axis 1) or matmul (`[K, N]`,
    /// blocks along axis 0) that XNNPACK's qbint4 filter can hold: `edge.dequantize` of a `qi4`
    /// constant whose blocks run along the input features, a multiple of 32 long, with an even
    /// number of input features; its scales (laid out as the IR type says) and the block size.
    static func int4Weight(_ op: Operation) -> (constant: Value, blockSize: Int, scales: [Double])? {
        guard let w = op.operand(1), let dq = w.definingOp, dq.definition === Ops.dequantize, let c = dq.operand(0),
              isQuantizedConstant(c), case .quantized(let wt) = c.type.element, wt.storage == .i8,
              case .blockwise(let axis, let block, let scales) = wt.scheme,
              let dims = c.type.staticShape, dims.count == 2,
              let inputAxis = DynamicQuantization.inputFeatureAxis(of: op) else { return nil }
        let k = dims[inputAxis]
        // The same constraints the quantize-dynamic-int4 pass applies (declared there once).
        guard axis == inputAxis, DynamicQuantization.groupSizeProblem(block) == nil,
              DynamicQuantization.int4Refusal(inputSize: k, groupSize: block) == nil,
              scales.count == dims[1 - inputAxis] * (k / block) else { return nil }
        return (c, block, scales)
    }

    /// Why `edge.dynamic_quantize` cannot become XNNPACK's qd8: every reader must be a linear (or
    /// matmul with a constant 2-D weight) reading it as its input, with an INT8 weight.
    static func dynamicQuantizeRefusal(_ op: Operation) -> String? {
        guard op.result.type.rank >= 2 else { return "a rank-\(op.result.type.rank) input has no qd8 fully connected node" }
        for use in op.result.uses {
            let u = use.user
            guard use.operandIndex == 0, u.definition === Ops.linear || u.definition === Ops.matmul, int8Weight(u) != nil || int4Weight(u) != nil else {
                return "read by \(u.diagnosticName), which is not a linear layer with a qi8 weight or a qi4 one in blocks XNNPACK takes (XNNPACK's qdint8 values feed only its qd8 fully connected node)"
            }
        }
        return nil
    }

    /// The per-tensor INT8 parameters of a `qi8<scale, zp>` type XNNPACK holds as `qint8`, or nil.
    static func int8Parameters(_ t: TensorType) -> (scale: Float, zeroPoint: Int32)? {
        guard case .quantized(let q) = t.element, q.storage == .i8, case .perTensor(let s, let z) = q.scheme else { return nil }
        let f = Float(s)
        guard XNNGraph.isValidScale(f), z >= -128, z <= 127 else { return nil }
        return (f, Int32(z))
    }

    /// The ops XNNPACK may execute (under their conditions), sorted.
    public static var supportedOps: [String] { rules.keys.sorted() }

    /// The ops with an INT8 form (``XNNInt8Form``): what the arm-cpu target tells the quantizer
    /// it runs on integers (``PassTarget/int8Ops``).
    public static var int8Ops: Set<String> { Set(rules.filter { $0.value.int8 != nil }.keys) }

    /// How `op` runs on INT8 values, as the quantizer's roles name it: `gemm` (per-channel weight),
    /// `requantizing` (own output parameters) or `sameParameters`; nil without an INT8 form.
    public static func int8FormName(_ op: String) -> String? {
        switch rules[op]?.int8 {
        case .gemm?: return "gemm"
        case .requantizing?: return "requantizing"
        case .sameParameters?: return "sameParameters"
        case nil: return nil
        }
    }

    /// The f32 / static-shape / rank conditions every op shares.
    static func commonRefusal(_ op: Operation) -> String? {
        let values = op.presentOperands.map { ("operand", $0) } + op.results.map { ("result", $0) }
        // quantize's result and dequantize's operand are the qint8 tensors.
        let quantizedSide = op.definition === Ops.quantize ? "result" : op.definition === Ops.dequantize ? "operand" : nil
        for (what, v) in values {
            if what == quantizedSide {
                guard int8Parameters(v.type) != nil else {
                    return "\(what) \(TypeText.type(v.type)) is not per-tensor qi8 (XNNPACK's qint8 activations)"
                }
            } else if v.type.element != .f32 {
                return "\(what) \(TypeText.type(v.type)) is not f32 (the XNNPACK delegate runs f32 and qi8 here)"
            }
            guard let dims = v.type.staticShape else { return "\(what) \(TypeText.type(v.type)) has no static shape" }
            // ExecuTorch 1.5.1's XNNExecutor fails execute() resizing a rank-0 output that XNNPACK
            // reshaped from a rank-1 value ("Size needs to be equal to the number of dimensions",
            // node case test_scan9_scalar); scalars computed at run time stay on the portable
            // kernels (constant scalars, like an exponent or a scale, are static data).
            guard !dims.isEmpty || isConstant(v) else { return "\(what) \(TypeText.type(v.type)) is a scalar (rank 0)" }
            guard dims.count <= maxRank else { return "\(what) \(TypeText.type(v.type)) has rank \(dims.count) > \(maxRank)" }
            guard !dims.contains(0) else { return "\(what) \(TypeText.type(v.type)) has a zero-sized dimension" }
        }
        return nil
    }

    // MARK: Helpers for checks

    /// Whether `v` has compile-time data (a constant or a fill), so XNNPACK can hold it static.
    static func isConstant(_ v: Value?) -> Bool {
        guard let op = v?.definingOp else { return false }
        if op.definition === Ops.dequantize { return isQuantizedConstant(op.operand(0)) }
        return op.definition === Ops.constant || op.definition === Ops.full
    }

    /// Whether `v` is a constant of quantized type (a weight or bias the lowering dequantizes or
    /// keeps as qcint8 / qcint32).
    static func isQuantizedConstant(_ v: Value?) -> Bool {
        guard let v, let op = v.definingOp, op.definition === Ops.constant, case .quantized = v.type.element else { return false }
        return true
    }

    static func ints(_ op: Operation, _ name: String) -> [Int] { op.attribute(name)?.intsValue?.map { Int($0) } ?? [] }
    static func int(_ op: Operation, _ name: String) -> Int? { op.attribute(name)?.intValue.map { Int($0) } }
    static func rank(_ v: Value?) -> Int { v?.type.rank ?? 0 }

    /// A pair attribute (`[h, w]`, or one value for both).
    static func pair(_ v: [Int]) -> (Int, Int)? {
        switch v.count {
        case 1: return (v[0], v[0])
        case 2: return (v[0], v[1])
        default: return nil
        }
    }

    /// `[ph, pw]` or `[top, left, bottom, right]`.
    static func padding(_ v: [Int]) -> (top: Int, left: Int, bottom: Int, right: Int)? {
        switch v.count {
        case 2: return (v[0], v[1], v[0], v[1])
        case 4: return (v[0], v[1], v[2], v[3])
        default: return nil
        }
    }

    static func gemmRefusal(_ op: Operation) -> String? {
        guard isConstant(op.operand(1)) else { return "weight is not a constant (XNNPACK needs static weights)" }
        if let b = op.operand(2), !isConstant(b) { return "bias is not a constant (XNNPACK needs static weights)" }
        switch op.attribute("fused_activation")?.stringValue ?? "none" {
        case "none", "relu", "relu6": return nil
        case let other: return "fused activation \"\(other)\" has no XNNPACK output range"
        }
    }

    static func convRefusal(_ op: Operation) -> String? {
        if let r = gemmRefusal(op) { return r }
        guard let p = padding(ints(op, "padding")), min(p.top, p.left, p.bottom, p.right) >= 0 else {
            return "padding \(ints(op, "padding")) is negative or malformed"
        }
        return nil
    }

    static func poolWindow(_ op: Operation) -> (kernel: (Int, Int), stride: (Int, Int))? {
        guard let k = pair(ints(op, "kernel_size")) else { return nil }
        let s = ints(op, "stride").isEmpty ? k : pair(ints(op, "stride"))
        guard let s else { return nil }
        return (k, s)
    }

    static func maxPoolRefusal(_ op: Operation) -> String? {
        guard let (k, s) = poolWindow(op) else { return "malformed window attributes" }
        guard s.0 <= k.0 && s.1 <= k.1 else { return "stride ([\(s.0), \(s.1)]) must be less than or equal to kernel size ([\(k.0), \(k.1)])" }
        guard k.0 * k.1 > 1 else { return "a 1x1 pooling window is not a valid XNNPACK max pooling" }
        return nil
    }

    static func avgPoolRefusal(_ op: Operation) -> String? {
        guard let (k, _) = poolWindow(op) else { return "malformed window attributes" }
        if op.attribute("ceil_mode")?.boolValue == true { return "ceil mode is not supported" }
        let p = padding(ints(op, "padding")) ?? (0, 0, 0, 0)
        if op.attribute("count_include_pad")?.boolValue != false, p != (0, 0, 0, 0) {
            return "zero-padding in the averaging calculation is not supported (count_include_pad with padding \(ints(op, "padding")))"
        }
        guard k.0 * k.1 > 1 else { return "a 1x1 pooling window is not a valid XNNPACK average pooling" }
        return nil
    }

    static func meanRefusal(_ op: Operation) -> String? {
        let r = rank(op.operand(0))
        guard r == 4 else { return "mean.dim only supports averaging 4D tensors, got tensor of rank \(r)" }
        let axes = Set(ints(op, "axes").map { $0 < 0 ? $0 + r : $0 })
        guard axes == [2, 3] else { return "mean.dim only supports averaging 4D tensors across the innermost dimensions (axes \(ints(op, "axes")))" }
        return nil
    }

    static func softmaxRefusal(_ op: Operation) -> String? {
        let r = rank(op.operand(0))
        let axis = int(op, "axis") ?? -1
        let a = axis < 0 ? axis + r : axis
        guard a == r - 1 else { return "softmax over axis \(axis) is not the last dim (rank \(r))" }
        return nil
    }

    static func matmulRefusal(_ op: Operation) -> String? {
        guard let a = op.operand(0)?.type.staticShape, let b = op.operand(1)?.type.staticShape else { return "shapes are not static" }
        guard a.count >= 2, b.count >= 2 else { return "1-D operands of matmul have no XNNPACK node" }
        if b.count == 2, isConstant(op.operand(1)) { return nil }  // fully connected with the weight transposed
        guard a.count == b.count, a.dropLast(2) == b.dropLast(2) else {
            return "matmul of \(TypeText.type(op.operand(0)!.type)) and \(TypeText.type(op.operand(1)!.type)) broadcasts batch dims (XNNPACK's batch matrix multiply takes equal batches)"
        }
        return nil
    }

    static func powRefusal(_ op: Operation) -> String? {
        guard let c = op.operand(1)?.definingOp, c.definition === Ops.constant, op.operand(1)?.type.elementCount == 1,
              let bytes = constantBytes(c), bytes.count == 4,
              Float(bitPattern: UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24) == 2 else {
            return "only power == 2 (a constant exponent) is supported"
        }
        guard op.operand(1)?.type.rank ?? 0 <= rank(op.operand(0)) else { return "the exponent broadcasts the base" }
        return nil
    }

    /// Inline bytes of a constant op (blobs are not read here; an exponent is always small).
    static func constantBytes(_ op: Operation) -> [UInt8]? {
        if case .dense(.inline(let b))? = op.attribute("value") { return b }
        if case .dense(.blob(let name))? = op.attribute("value"), let data = op.block?.parentFunction?.module?.blobs[name] { return [UInt8](data) }
        return nil
    }

    static func padRefusal(_ op: Operation) -> String? {
        guard op.attribute("mode")?.stringValue ?? "constant" == "constant" else {
            return "pad mode \"\(op.attribute("mode")?.stringValue ?? "")\" is not constant"
        }
        let pads = ints(op, "pad")
        guard pads.allSatisfy({ $0 >= 0 }) else { return "XNNPACK does not support negative padding values (\(pads))" }
        guard pads.count % 2 == 0, pads.count <= 2 * rank(op.operand(0)) else { return "malformed pad list \(pads)" }
        return nil
    }

    static func sliceRefusal(_ op: Operation) -> String? {
        guard int(op, "step") ?? 1 == 1 else { return "XNNPACK static slice only supports step 1, got \(int(op, "step") ?? 1)" }
        return nil
    }

    static func concatRefusal(_ op: Operation) -> String? {
        let n = op.presentOperands.count
        guard n >= 2 else { return "only supports concatenation of 2 or more tensors, got \(n)" }
        return nil
    }

    static func clampRefusal(_ op: Operation) -> String? {
        let lo = op.attribute("min")?.floatValue ?? -.infinity, hi = op.attribute("max")?.floatValue ?? .infinity
        return lo <= hi ? nil : "clamp with min \(lo) > max \(hi)"
    }

    static func batchNormRefusal(_ op: Operation) -> String? {
        for (i, name) in ["scale", "bias", "mean", "var"].enumerated() where !isConstant(op.operand(i + 1)) {
            return "\(name) is not a constant"
        }
        return rank(op.operand(0)) <= 4 ? nil : "batch norm of rank \(rank(op.operand(0))) > 4"
    }

    static func layerNormRefusal(_ op: Operation) -> String? {
        if let w = op.operand(1), !isConstant(w) { return "weight is not a constant" }
        if let b = op.operand(2), !isConstant(b) { return "bias is not a constant" }
        return nil
    }

    static func gelu(_ op: Operation) -> String? {
        let a = op.attribute("approximate")?.stringValue ?? "none"
        return a == "none" ? nil : "XNNPACK's gelu is the erf form; approximate = \"\(a)\" is not"
    }

    // MARK: The table

    /// One rule per op XNNPACK executes.
    static let rules: [String: XNNPACKRule] = {
        var table: [String: XNNPACKRule] = [:]
        func add(_ op: OpDefinition, _ rule: XNNPACKRule) {
            precondition(table[op.name] == nil, "XNNPACK rule for \(op.name) declared twice")
            table[op.name] = rule
        }
        typealias L = XNNPACKLowering
        func binary(_ t: XNNNodeType) -> L.Rule { { l, op throws(XNNLoweringError) in try l.binary(t, op) } }
        func unary(_ t: XNNNodeType) -> L.Rule { { l, op throws(XNNLoweringError) in try l.unary(t, op) } }
        add(Ops.add, XNNPACKRule(["XNNAdd"], "broadcasting", layout: .agnostic, int8: .requantizing, lower: binary(.add)))
        add(Ops.sub, XNNPACKRule(["XNNSubtract"], "broadcasting", layout: .agnostic, int8: .requantizing, lower: binary(.subtract)))
        add(Ops.mul, XNNPACKRule(["XNNMultiply"], "broadcasting", layout: .agnostic, int8: .requantizing, lower: binary(.multiply)))
        add(Ops.div, XNNPACKRule(["XNNDiv"], "broadcasting", layout: .agnostic, lower: binary(.divide)))
        add(Ops.maximum, XNNPACKRule(["XNNMaximum"], "broadcasting", layout: .agnostic, lower: binary(.maximum)))
        add(Ops.minimum, XNNPACKRule(["XNNMinimum"], "broadcasting", layout: .agnostic, lower: binary(.minimum)))
        add(Ops.pow, XNNPACKRule(["XNNSquare"], "exponent a constant 2", layout: .agnostic, check: powRefusal) { l, op throws(XNNLoweringError) in try l.square(op) })
        add(Ops.relu, XNNPACKRule(["XNNClamp"], "the producer's output range when it is the only reader of a conv/linear/add/sub/mul/div/pool result", layout: .agnostic, int8: .sameParameters) { l, op throws(XNNLoweringError) in try l.clamp(op) })
        add(Ops.clamp, XNNPACKRule(["XNNClamp"], "min ≤ max; fused like relu", layout: .agnostic, check: clampRefusal, int8: .sameParameters) { l, op throws(XNNLoweringError) in try l.clamp(op) })
        add(Ops.sigmoid, XNNPACKRule(["XNNSigmoid"], layout: .agnostic, lower: unary(.sigmoid)))
        add(Ops.tanh, XNNPACKRule(["XNNTanh"], layout: .agnostic, lower: unary(.tanh)))
        add(Ops.hardswish, XNNPACKRule(["XNNHardswish"], layout: .agnostic, lower: unary(.hardswish)))
        add(Ops.gelu, XNNPACKRule(["XNNGelu"], "approximate = \"none\"", layout: .agnostic, check: gelu, lower: unary(.gelu)))
        add(Ops.leakyRelu, XNNPACKRule(["XNNLeakyReLU"], layout: .agnostic) { l, op throws(XNNLoweringError) in
            try l.unary(.leakyReLU, op, parameter: Float(op.attribute("negative_slope")?.floatValue ?? 0.01))
        })
        add(Ops.elu, XNNPACKRule(["XNNELU"], layout: .agnostic) { l, op throws(XNNLoweringError) in
            try l.unary(.elu, op, parameter: Float(op.attribute("alpha")?.floatValue ?? 1))
        })
        add(Ops.hardsigmoid, XNNPACKRule(["XNNMultiply", "XNNAdd"], "x / 6 + 0.5 in the output range [0, 1]", layout: .agnostic) { l, op throws(XNNLoweringError) in try l.hardsigmoid(op) })
        add(Ops.silu, XNNPACKRule(["XNNSigmoid", "XNNMultiply"], "x * sigmoid(x)", layout: .agnostic) { l, op throws(XNNLoweringError) in try l.silu(op) })
        add(Ops.abs, XNNPACKRule(["XNNAbs"], layout: .agnostic, lower: unary(.abs)))
        add(Ops.neg, XNNPACKRule(["XNNNegate"], layout: .agnostic, lower: unary(.negate)))
        add(Ops.floor, XNNPACKRule(["XNNFloor"], layout: .agnostic, lower: unary(.floor)))
        add(Ops.ceil, XNNPACKRule(["XNNCeiling"], layout: .agnostic, lower: unary(.ceiling)))
        add(Ops.sqrt, XNNPACKRule(["XNNSquareRoot"], layout: .agnostic, lower: unary(.squareRoot)))
        add(Ops.rsqrt, XNNPACKRule(["XNNReciprocalSquareRoot"], layout: .agnostic, lower: unary(.reciprocalSquareRoot)))
        add(Ops.exp, XNNPACKRule(["XNNExp"], layout: .agnostic, lower: unary(.exp)))
        add(Ops.log, XNNPACKRule(["XNNLog"], layout: .agnostic, lower: unary(.log)))
        add(Ops.sin, XNNPACKRule(["XNNSin"], layout: .agnostic, lower: unary(.sin)))
        add(Ops.cos, XNNPACKRule(["XNNCos"], layout: .agnostic, lower: unary(.cos)))
        add(Ops.conv2d, XNNPACKRule(["XNNConv2d", "XNNDepthwiseConv2d"],
                                    "constant weight and bias; depthwise when input channels / groups == 1; fused relu/relu6", layout: .channelsLast,
                                    check: convRefusal, int8: .gemm) { l, op throws(XNNLoweringError) in try l.conv2d(op) })
        add(Ops.linear, XNNPACKRule(["XNNFullyConnected"], "input rank ≥ 2; constant weight and bias; fused relu/relu6", layout: .standard, check: { op in
            rank(op.operand(0)) >= 2 ? gemmRefusal(op) : "a 1-D input of linear has no XNNPACK node"
        }, int8: .gemm) { l, op throws(XNNLoweringError) in try l.linear(op) })
        add(Ops.matmul, XNNPACKRule(["XNNFullyConnected", "XNNBatchMatrixMultiply", "XNNStaticReshape"],
                                    "constant 2-D rhs: fully connected; else equal batch dims: batch matrix multiply on 3-D views", layout: .standard,
                                    check: matmulRefusal, int8: .gemm) { l, op throws(XNNLoweringError) in try l.matmul(op) })
        add(Ops.maxPool2d, XNNPACKRule(["XNNMaxPooling2d"], "stride ≤ kernel; window larger than 1x1; ceil mode as extra bottom/right padding", layout: .channelsLast,
                                       check: maxPoolRefusal, int8: .sameParameters) { l, op throws(XNNLoweringError) in try l.pool(op, max: true) })
        add(Ops.avgPool2d, XNNPACKRule(["XNNAvgPooling2d"], "no ceil mode; padding only with count_include_pad = false; window larger than 1x1", layout: .channelsLast,
                                       check: avgPoolRefusal) { l, op throws(XNNLoweringError) in try l.pool(op, max: false) })
        add(Ops.globalAvgPool2d, XNNPACKRule(["XNNGlobalAvgPooling2d"], layout: .channelsLast, int8: .requantizing) { l, op throws(XNNLoweringError) in try l.globalPool(op) })
        add(Ops.mean, XNNPACKRule(["XNNGlobalAvgPooling2d", "XNNStaticReshape"],
                                  "4-D over axes (2, 3); without keepdim the pooled [N, 1, 1, C] is reshaped to [N, C]", layout: .channelsLast,
                                  check: meanRefusal, int8: .requantizing) { l, op throws(XNNLoweringError) in try l.globalPool(op) })
        add(Ops.upsampleBilinear2d, XNNPACKRule(["XNNStaticResizeBilinear2D"], layout: .channelsLast) { l, op throws(XNNLoweringError) in try l.resizeBilinear(op) })
        add(Ops.batchNorm, XNNPACKRule(["XNNMultiply", "XNNAdd"], "not folded into a conv (-O2 folds it where it can); constant statistics: x * s + t per channel",
                                       layout: .agnostic, check: batchNormRefusal) { l, op throws(XNNLoweringError) in try l.batchNorm(op) })
        add(Ops.layerNorm, XNNPACKRule(["XNNStaticReshape", "XNNGlobalAvgPooling2d", "XNNSubtract", "XNNSquare", "XNNAdd", "XNNReciprocalSquareRoot", "XNNMultiply"],
                                       "constant weight and bias; mean and variance as global average pools over a [rows, D, 1, 1] view", layout: .standard,
                                       check: layerNormRefusal) { l, op throws(XNNLoweringError) in try l.layerNorm(op) })
        add(Ops.softmax, XNNPACKRule(["XNNSoftmax"], "over the last dim", layout: .standard, check: softmaxRefusal) { l, op throws(XNNLoweringError) in try l.softmax(op) })
        let reshape: L.Rule = { l, op throws(XNNLoweringError) in try l.reshape(op) }
        add(Ops.reshape, XNNPACKRule(["XNNStaticReshape"], layout: .standard, int8: .sameParameters, lower: reshape))
        add(Ops.flatten, XNNPACKRule(["XNNStaticReshape"], layout: .standard, int8: .sameParameters, lower: reshape))
        add(Ops.squeeze, XNNPACKRule(["XNNStaticReshape"], layout: .standard, int8: .sameParameters, lower: reshape))
        add(Ops.unsqueeze, XNNPACKRule(["XNNStaticReshape"], layout: .standard, int8: .sameParameters, lower: reshape))
        add(Ops.permute, XNNPACKRule(["XNNStaticTranspose"], layout: .standard, int8: .sameParameters) { l, op throws(XNNLoweringError) in try l.permute(op) })
        add(Ops.concat, XNNPACKRule(["XNNConcatenate2", "XNNConcatenate3", "XNNConcatenate4", "XNNConcatenate5"],
                                    "2 or more inputs (chained by 5)", layout: .agnostic, check: concatRefusal, int8: .sameParameters) { l, op throws(XNNLoweringError) in try l.concat(op) })
        add(Ops.pad, XNNPACKRule(["XNNStaticConstantPad"], "constant mode, no negative amounts", layout: .agnostic,
                                 check: padRefusal, int8: .sameParameters) { l, op throws(XNNLoweringError) in try l.pad(op) })
        add(Ops.slice, XNNPACKRule(["XNNStaticSlice"], "step 1", layout: .agnostic, check: sliceRefusal, int8: .sameParameters) { l, op throws(XNNLoweringError) in try l.slice(op) })
        add(Ops.dynamicQuantize, XNNPACKRule(["XNNConvert"], "only as the input of linear layers with qi8 weights (qcint8 filter) or qi4 ones in blocks of a multiple of 32 input features (qbint4): fp32 → qdint8, then a qd8 fully connected",
                                             layout: .standard, check: dynamicQuantizeRefusal) { _, _ throws(XNNLoweringError) in })
        add(Ops.quantize, XNNPACKRule(["XNNConvert"], "f32 to per-tensor qi8; absorbed by an INT8 producer", layout: .agnostic) { l, op throws(XNNLoweringError) in try l.quantize(op) })
        add(Ops.dequantize, XNNPACKRule(["XNNConvert"], "per-tensor qi8 to f32, only where an fp32 node reads it (INT8 readers take the qint8 tensor); a dequantized constant is a weight or bias",
                                        layout: .agnostic) { l, op throws(XNNLoweringError) in try l.dequantize(op) })
        return table
    }()

    /// The markdown table of docs/arm-cpu.md: each op XNNPACK executes, its nodes and conditions.
    public static func markdown() -> String {
        var out = """
        # What the arm-cpu backend hands to XNNPACK

        The table is generated from `Sources/EdgeBackends/ArmCPU/XNNPACKSupport.swift` by `edgec list-ops
        --xnnpack` (do not edit it by hand; the sections after it are written by hand). Every tensor
        must be f32 (or, around `edge.quantize` / `edge.dequantize`, per-tensor qi8) with a static
        shape of rank 1–6 and no zero-sized dimension; anything else stays on the portable kernels
        (`edgec compile --backend arm-cpu --stats` lists each such op and why). The INT8 column: the
        form an op takes when every non-constant input is a dequantize of a per-tensor qi8 value and
        its result (through a fused relu/clamp) is read only by a quantize (docs/quantization.md);
        "fp32" ops run between `XNNConvert`s.

        | op | XNNPACK nodes | conditions | layout | INT8 |
        | --- | --- | --- | --- | --- |

        """
        for name in supportedOps {
            let r = rules[name]!
            let layout: String
            switch r.layout {
            case .channelsLast: layout = "NHWC"
            case .agnostic: layout = "either"
            case .standard: layout = "NCHW"
            }
            let int8 = name == Ops.quantize.name || name == Ops.dequantize.name ? "Convert"
                : name == Ops.dynamicQuantize.name ? "qd8 (Convert fp32 → qdint8)"
                : r.int8 == .gemm ? r.int8!.text + "; qd8 after edge.dynamic_quantize" : r.int8?.text ?? "fp32"
            out += "| `\(name)` | \(r.nodes.map { "`\($0)`" }.joined(separator: ", ")) | \(r.conditions.isEmpty ? "—" : r.conditions) | \(layout) | \(int8) |\n"
        }
        return out
    }
}
