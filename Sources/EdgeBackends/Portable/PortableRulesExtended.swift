import EdgeIR
import EdgeProgram

// Lowering rules for the ops beyond the CNN set. Argument lists follow the ATen schemas as
// ExecuTorch 1.5.1's emitter writes them (every schema argument in order, absent optionals as
// Null, the out tensor(s), then the returned value(s)); Conformance/interop_check.py runs them
// in ExecuTorch's runtime.

extension PortableLowering {
    typealias Lower = PortableLowering.Rule

    static let floats: Set<ScalarType> = [.f32, .f64, .f16, .bf16]
    static let f32f64: Set<ScalarType> = [.f32, .f64]
    static let numeric: Set<ScalarType> = [.f32, .f64, .i8, .u8, .i16, .i32, .i64]
    static let anyType: Set<ScalarType> = Set(ScalarType.allCases)

    /// `kernel(self, *, out)`: one-input ops without attributes.
    static func unary(_ kernel: String, _ types: Set<ScalarType> = floats) -> PortableRule {
        PortableRule([kernel], types == floats ? "" : "element types: \(typeList(types))") { l, op throws(Unsupported) in
            try l.require(op, types)
            let o = try l.out(op.result)
            l.builder.call(kernel, [l.t(op.operand(0)!), o, o])
        }
    }

    /// `kernel(self, other, *, out)`: broadcasting binary ops.
    static func binaryRule(_ kernel: String, _ types: Set<ScalarType>) -> PortableRule {
        PortableRule([kernel], types == anyType ? "" : "element types: \(typeList(types))") { l, op throws(Unsupported) in
            try l.require(op, types, operand: 0)
            try l.binary(kernel, op)
        }
    }

    static func typeList(_ types: Set<ScalarType>) -> String {
        ScalarType.allCases.filter(types.contains).map(\.rawValue).joined(separator: ", ")
    }

    /// Throws unless operand `operand` (or the result) has one of `types`.
    func require(_ op: Operation, _ types: Set<ScalarType>, operand: Int? = 0) throws(Unsupported) {
        let v = operand.map { op.operand($0)! } ?? op.result
        let s = v.type.element.storage
        guard types.contains(s) else {
            throw Unsupported("element type \(s.rawValue) is not supported (supported: \(Self.typeList(types)))")
        }
    }

    func attrInt(_ op: Operation, _ name: String) -> Int { Int(op.attribute(name)!.intValue!) }
    func attrInts(_ op: Operation, _ name: String) -> [Int] { op.attribute(name)!.intsValue!.map(Int.init) }
    func attrFloat(_ op: Operation, _ name: String) -> Double { op.attribute(name)!.floatValue! }
    func attrBool(_ op: Operation, _ name: String) -> Bool { op.attribute(name)!.boolValue! }
    func attrString(_ op: Operation, _ name: String) -> String { op.attribute(name)?.stringValue ?? "" }

    /// A non-negative dim of `v`.
    func axis(_ d: Int, _ v: Value) -> Int { d < 0 ? d + v.type.rank : d }

    static let extendedRules: [String: PortableRule] = [
        // Activations and unary math.
        "edge.sigmoid": unary("aten::sigmoid.out"),
        "edge.tanh": unary("aten::tanh.out"),
        "edge.exp": unary("aten::exp.out"),
        "edge.log": unary("aten::log.out"),
        "edge.sqrt": unary("aten::sqrt.out"),
        "edge.rsqrt": unary("aten::rsqrt.out"),
        "edge.reciprocal": unary("aten::reciprocal.out"),
        "edge.erf": unary("aten::erf.out"),
        "edge.floor": unary("aten::floor.out"),
        "edge.ceil": unary("aten::ceil.out"),
        "edge.sin": unary("aten::sin.out"),
        "edge.cos": unary("aten::cos.out"),
        "edge.neg": unary("aten::neg.out", floats.union(numeric)),
        "edge.abs": unary("aten::abs.out", floats.union(numeric)),
        "edge.logical_not": unary("aten::logical_not.out", [.bool]),
        "edge.gelu": PortableRule(["aten::gelu.out"], "`approximate` string \"none\" / \"tanh\"") { l, op throws(Unsupported) in
            try l.require(op, floats)
            let mode = l.attrString(op, "approximate")
            guard mode == "none" || mode == "tanh" else { throw Unsupported("gelu approximate \"\(mode)\" must be \"none\" or \"tanh\"") }
            let o = try l.out(op.result)
            l.builder.call("aten::gelu.out", [l.t(op.operand(0)!), l.builder.string(mode), o, o])
        },
        "edge.leaky_relu": PortableRule(["aten::leaky_relu.out"], "negative_slope as Double") { l, op throws(Unsupported) in
            try l.require(op, floats)
            let o = try l.out(op.result)
            l.builder.call("aten::leaky_relu.out", [l.t(op.operand(0)!), l.builder.double(l.attrFloat(op, "negative_slope")), o, o])
        },
        "edge.elu": PortableRule(["aten::elu.out"], "alpha as Double, scale = input_scale = Int 1") { l, op throws(Unsupported) in
            try l.require(op, floats)
            let o = try l.out(op.result)
            let b = l.builder
            b.call("aten::elu.out", [l.t(op.operand(0)!), b.double(l.attrFloat(op, "alpha")), b.int(1), b.int(1), o, o])
        },
        // No silu kernel is registered either: x · sigmoid(x).
        "edge.silu": PortableRule(["aten::sigmoid.out", "aten::mul.out"], "decomposed: x · `sigmoid.out`(x) with `mul.out`; f32, f64") { l, op throws(Unsupported) in
            try l.require(op, f32f64)
            let x = op.operand(0)!
            let gate = l.temp(l.scalar(x), l.dims(x))
            l.builder.call("aten::sigmoid.out", [l.t(x), gate, gate])
            let o = try l.out(op.result)
            l.builder.call("aten::mul.out", [l.t(x), gate, o, o])
        },
        // ExecuTorch's portable library registers no hardsigmoid / hardswish kernel; decomposed as
        // ExecuTorch's own export does: relu6(x + 3) / 6 (times x).
        "edge.hardsigmoid": PortableRule(["aten::add.Scalar_out", "aten::clamp.out", "aten::div.Scalar_out"],
                                         "decomposed: `add.Scalar_out` 3, `clamp.out` [0, 6], `div.Scalar_out` 6; f32, f64") { l, op throws(Unsupported) in
            try l.hardActivation(op, swish: false)
        },
        "edge.hardswish": PortableRule(["aten::add.Scalar_out", "aten::clamp.out", "aten::mul.out", "aten::div.Scalar_out"],
                                       "decomposed: x · relu6(x + 3) / 6 with `add.Scalar_out`, `clamp.out`, `mul.out`, `div.Scalar_out`; f32, f64") { l, op throws(Unsupported) in
            try l.hardActivation(op, swish: true)
        },

        // Binary, comparison, logical, where.
        "edge.pow": binaryRule("aten::pow.Tensor_Tensor_out", f32f64),
        "edge.maximum": binaryRule("aten::maximum.out", numeric),
        "edge.minimum": binaryRule("aten::minimum.out", numeric),
        "edge.eq": binaryRule("aten::eq.Tensor_out", anyType),
        "edge.lt": binaryRule("aten::lt.Tensor_out", anyType),
        "edge.le": binaryRule("aten::le.Tensor_out", anyType),
        "edge.gt": binaryRule("aten::gt.Tensor_out", anyType),
        "edge.ge": binaryRule("aten::ge.Tensor_out", anyType),
        "edge.logical_and": binaryRule("aten::logical_and.out", anyType),
        "edge.logical_or": binaryRule("aten::logical_or.out", anyType),
        "edge.logical_xor": binaryRule("aten::logical_xor.out", anyType),
        "edge.where": PortableRule(["aten::where.self_out"]) { l, op throws(Unsupported) in
            let o = try l.out(op.result)
            l.builder.call("aten::where.self_out", [l.t(op.operand(0)!), l.t(op.operand(1)!), l.t(op.operand(2)!), o, o])
        },

        // Types and constants.
        "edge.cast": PortableRule(["aten::_to_copy.out"], "non_blocking = false, memory_format = Null; a cast to the same type is a view") { l, op throws(Unsupported) in
            let x = op.operand(0)!
            if x.type.element == op.result.type.element { return l.bind(op.result, l.t(x)) }
            let o = try l.out(op.result)
            l.builder.call("aten::_to_copy.out", [l.t(x), l.builder.bool(false), l.builder.null(), o, o])
        },
        "edge.full": PortableRule(["aten::full.out"], "fill value as Double (floats), Int (integers) or Bool") { l, op throws(Unsupported) in
            try l.full(op)
        },

        // Reductions.
        "edge.sum": PortableRule(["aten::sum.IntList_out"], "empty axes = every axis; dtype = Null; f32, f64, integers") { l, op throws(Unsupported) in
            try l.require(op, numeric)
            try l.reduction("aten::sum.IntList_out", op, dtypeArgument: true)
        },
        "edge.amax": PortableRule(["aten::amax.out"], "empty axes = every axis; f32, f64, integers") { l, op throws(Unsupported) in
            try l.require(op, numeric)
            try l.reduction("aten::amax.out", op, dtypeArgument: false)
        },
        "edge.amin": PortableRule(["aten::amin.out"], "empty axes = every axis; f32, f64, integers") { l, op throws(Unsupported) in
            try l.require(op, numeric)
            try l.reduction("aten::amin.out", op, dtypeArgument: false)
        },
        "edge.argmax": PortableRule(["aten::argmax.out"], "dim as Int; f32, f64, integers") { l, op throws(Unsupported) in try l.argReduction("aten::argmax.out", op) },
        "edge.argmin": PortableRule(["aten::argmin.out"], "dim as Int; f32, f64, integers") { l, op throws(Unsupported) in try l.argReduction("aten::argmin.out", op) },

        // Layout and indexing.
        "edge.squeeze": PortableRule([], "view (no kernel)") { l, op throws(Unsupported) in l.bind(op.result, l.view(l.t(op.operand(0)!), l.dims(op.result))) },
        "edge.unsqueeze": PortableRule([], "view (no kernel)") { l, op throws(Unsupported) in l.bind(op.result, l.view(l.t(op.operand(0)!), l.dims(op.result))) },
        "edge.expand": PortableRule(["aten::expand_copy.out"], "size = the result shape, implicit = false; a view when no dim grows") { l, op throws(Unsupported) in
            let x = op.operand(0)!
            l.bind(op.result, l.view(l.expand(l.t(x), l.dims(x), to: l.dims(op.result)), l.dims(op.result)))
        },
        "edge.repeat": PortableRule(["aten::repeat.out"]) { l, op throws(Unsupported) in
            let o = try l.out(op.result)
            l.builder.call("aten::repeat.out", [l.t(op.operand(0)!), l.builder.intList(l.attrInts(op, "repeats")), o, o])
        },
        "edge.slice": PortableRule(["aten::slice_copy.Tensor_out"], "start and end as Ints clamped to the dim (Python slicing resolved at compile time)") { l, op throws(Unsupported) in
            try l.slice(op)
        },
        "edge.index_select": PortableRule(["aten::index_select.out"], "constant indices: negative ones wrap and out-of-range ones are a compile error; run-time indices must lie in 0..<size (as in ATen)") { l, op throws(Unsupported) in
            try l.indexSelect(op)
        },
        "edge.embedding": PortableRule(["aten::index_select.out"], "`index_select` along dim 0 of the table with the indices viewed as 1-D (constant indices checked as for `edge.index_select`)") { l, op throws(Unsupported) in
            try l.embedding(op)
        },
        "edge.split": PortableRule(["aten::split_with_sizes_copy.out"], "outs as a TensorList, repeated as the return value") { l, op throws(Unsupported) in
            let x = op.operand(0)!
            var outs: [Int32] = []
            for r in op.results { outs.append(try l.out(r)) }
            let b = l.builder
            b.call("aten::split_with_sizes_copy.out", [l.t(x), b.intList(l.attrInts(op, "sizes")), b.int(l.axis(l.attrInt(op, "dim"), x)),
                                                       b.tensorList(outs), b.tensorList(outs)])
        },
        "edge.pad": PortableRule(["aten::constant_pad_nd.out", "aten::slice_copy.Tensor_out", "aten::reflection_pad1d.out", "aten::reflection_pad2d.out",
                                  "aten::reflection_pad3d.out", "aten::replication_pad1d.out", "aten::replication_pad2d.out", "aten::replication_pad3d.out"],
                                 "constant: `constant_pad_nd` (negative amounts crop first with `slice_copy`); reflect / replicate: `reflection_padNd` / `replication_padNd` on a view with N padded dims (N ≤ 3)") { l, op throws(Unsupported) in
            try l.pad(op)
        },

        // Normalization, convolution, resizing.
        "edge.log_softmax": PortableRule(["aten::_log_softmax.out"], "half_to_float = false; f32, f64") { l, op throws(Unsupported) in
            try l.require(op, f32f64)
            let o = try l.out(op.result)
            let b = l.builder
            b.call("aten::_log_softmax.out", [l.t(op.operand(0)!), b.int(l.axis(l.attrInt(op, "axis"), op.operand(0)!)), b.bool(false), o, o])
        },
        "edge.layer_norm": PortableRule(["aten::native_layer_norm.out"], "saved mean / rstd as planned outputs shaped [..., 1, ...]; f32, f64") { l, op throws(Unsupported) in
            try l.require(op, f32f64)
            let x = op.operand(0)!
            let ns = l.attrInts(op, "normalized_shape")
            let o = try l.out(op.result)
            let statsDims = Array(l.dims(x).prefix(x.type.rank - ns.count)) + [Int](repeating: 1, count: ns.count)
            let mean = l.temp(l.scalar(x), statsDims), rstd = l.temp(l.scalar(x), statsDims)
            let b = l.builder
            b.call("aten::native_layer_norm.out", [l.t(x), b.intList(ns), l.optional(op.operand(1)), l.optional(op.operand(2)),
                                                   b.double(l.attrFloat(op, "epsilon")), o, mean, rstd, b.tensorList([o, mean, rstd])])
        },
        "edge.group_norm": PortableRule(["aten::native_group_norm.out"], "N, C, HxW, group as Ints; saved mean / rstd [N, group]; f32, f64") { l, op throws(Unsupported) in
            try l.require(op, f32f64)
            let x = op.operand(0)!
            let d = l.dims(x), groups = l.attrInt(op, "groups")
            let o = try l.out(op.result)
            let mean = l.temp(l.scalar(x), [d[0], groups]), rstd = l.temp(l.scalar(x), [d[0], groups])
            let b = l.builder
            b.call("aten::native_group_norm.out", [l.t(x), l.optional(op.operand(1)), l.optional(op.operand(2)), b.int(d[0]), b.int(d[1]),
                                                   b.int(d.dropFirst(2).reduce(1, *)), b.int(groups), b.double(l.attrFloat(op, "epsilon")),
                                                   o, mean, rstd, b.tensorList([o, mean, rstd])])
        },
        "edge.conv_transpose2d": PortableRule(["aten::convolution.out"], "transposed = true with output_padding; f32, f64") { l, op throws(Unsupported) in
            try l.require(op, f32f64)
            let o = try l.out(op.result)
            let b = l.builder
            b.call("aten::convolution.out", [
                l.t(op.operand(0)!), l.t(op.operand(1)!), l.optional(op.operand(2)),
                b.intList(try Self.pair(op.attribute("stride")!.intsValue!)), b.intList(try Self.pair(op.attribute("padding")!.intsValue!)),
                b.intList(try Self.pair(op.attribute("dilation")!.intsValue!)), b.bool(true),
                b.intList(try Self.pair(op.attribute("output_padding")!.intsValue!)), b.int(l.attrInt(op, "groups")), o, o,
            ])
        },
        "edge.upsample_nearest2d": PortableRule(["aten::upsample_nearest2d.vec_out"], "output_size = size, scale_factors = Null") { l, op throws(Unsupported) in
            let o = try l.out(op.result)
            let b = l.builder
            b.call("aten::upsample_nearest2d.vec_out", [l.t(op.operand(0)!), b.intList(l.attrInts(op, "size")), b.null(), o, o])
        },
        "edge.upsample_bilinear2d": PortableRule(["aten::upsample_bilinear2d.vec_out"], "output_size = size, align_corners, scale_factors = Null; f32, f64") { l, op throws(Unsupported) in
            try l.require(op, f32f64)
            let o = try l.out(op.result)
            let b = l.builder
            b.call("aten::upsample_bilinear2d.vec_out", [l.t(op.operand(0)!), b.intList(l.attrInts(op, "size")), b.bool(l.attrBool(op, "align_corners")), b.null(), o, o])
        },
    ]

    // MARK: Helpers

    mutating func hardActivation(_ op: Operation, swish: Bool) throws(Unsupported) {
        try require(op, Self.f32f64)
        let x = op.operand(0)!
        let type = scalar(x), d = dims(x), b = builder
        // add.Scalar_out(self, Scalar other, Scalar alpha=1, *, out)
        let shifted = temp(type, d)
        b.call("aten::add.Scalar_out", [t(x), b.int(3), b.int(1), shifted, shifted])
        let clamped = temp(type, d)
        b.call("aten::clamp.out", [shifted, b.int(0), b.int(6), clamped, clamped])
        var numerator = clamped
        if swish {
            numerator = temp(type, d)
            b.call("aten::mul.out", [t(x), clamped, numerator, numerator])
        }
        let o = try out(op.result)
        // div.Scalar_out(self, Scalar other, *, out)
        b.call("aten::div.Scalar_out", [numerator, b.int(6), o, o])
    }

    mutating func indexSelect(_ op: Operation) throws(Unsupported) {
        let x = op.operand(0)!
        guard x.type.rank >= 1 else { throw Unsupported("index_select of a 0-d tensor is not supported") }
        let o = try out(op.result)
        try indexSelect(x, dim: axis(attrInt(op, "dim"), x), index: op.operand(1)!, into: o)
    }

    mutating func embedding(_ op: Operation) throws(Unsupported) {
        let w = op.operand(0)!, idx = op.operand(1)!
        let count = dims(idx).reduce(1, *)
        let (type, result) = try Self.tensorType(op.result.type)
        let o = temp(type, [count, dims(w)[1]])
        try indexSelect(w, dim: 0, index: idx, flat: true, into: o)
        bind(op.result, view(o, result))
    }

    /// `index_select.out(self, int dim, Tensor index, *, out)` of IR value `x` into `o`, with
    /// constant indices resolved (negative ones wrap) and range-checked at compile time;
    /// `flat` views the index as 1-D.
    mutating func indexSelect(_ x: Value, dim: Int, index indexValue: Value, flat: Bool = false, into o: Int32) throws(Unsupported) {
        var index = t(indexValue)
        let indexDims = flat ? [dims(indexValue).reduce(1, *)] : dims(indexValue)
        if builder.isConstant(index) {
            // Resolve negative constant indices now (ATen's kernel rejects them) and check the range.
            let size = Int64(dims(x)[dim])
            let wide = builder.tensor(index).scalarType == .long
            let bytes = builder.constantBytes(index)
            let width = wide ? 8 : 4
            var fixed: [UInt8] = []
            for k in 0 ..< bytes.count / width {
                var v: Int64 = 0
                for b in 0 ..< width { v |= Int64(bytes[k * width + b]) << (8 * b) }
                if !wide { v = Int64(Int32(truncatingIfNeeded: v)) }
                let resolved = v < 0 ? v + size : v
                guard resolved >= 0, resolved < size else { throw Unsupported("index \(v) is out of range for dim \(dim) of size \(size)") }
                for b in 0 ..< width { fixed.append(UInt8(truncatingIfNeeded: resolved >> (8 * b))) }
            }
            if fixed != bytes { index = builder.constant(builder.tensor(index).scalarType, indexDims, bytes: fixed) }
        }
        builder.call("aten::index_select.out", [t(x), builder.int(dim), view(index, indexDims), o, o])
    }

    mutating func full(_ op: Operation) throws(Unsupported) {
        let value = attrFloat(op, "value")
        let s = op.result.type.element.storage
        let b = builder
        let fill: Int32
        switch s {
        case .f32, .f64, .f16, .bf16: fill = b.double(value)
        case .bool: fill = b.bool(value != 0)
        default:
            guard value.isFinite, abs(value) < 9.2e18 else { throw Unsupported("fill value \(value) does not convert to \(s.rawValue)") }
            fill = b.int(Int(value.rounded(.towardZero)))
        }
        let o = try out(op.result)
        b.call("aten::full.out", [b.intList(dims(op.result)), fill, o, o])
    }

    mutating func reduction(_ kernel: String, _ op: Operation, dtypeArgument: Bool) throws(Unsupported) {
        let x = op.operand(0)!
        var axes = attrInts(op, "axes").map { axis($0, x) }
        if axes.isEmpty { axes = Array(0 ..< x.type.rank) }
        let o = try out(op.result)
        let b = builder
        // sum.IntList_out(self, int[1]? dim, bool keepdim=False, *, ScalarType? dtype=None, out)
        // amax.out(self, int[1] dim=[], bool keepdim=False, *, out)
        b.call(kernel, [t(x), b.intList(axes), b.bool(attrBool(op, "keepdim"))] + (dtypeArgument ? [b.null()] : []) + [o, o])
    }

    mutating func argReduction(_ kernel: String, _ op: Operation) throws(Unsupported) {
        try require(op, Self.numeric)
        let x = op.operand(0)!
        guard x.type.rank >= 1 else { throw Unsupported("arg reduction of a 0-d tensor is not supported") }
        let o = try out(op.result)
        let b = builder
        // argmax.out(self, int? dim=None, bool keepdim=False, *, out)
        b.call(kernel, [t(x), b.int(axis(attrInt(op, "dim"), x)), b.bool(attrBool(op, "keepdim")), o, o])
    }

    /// `slice_copy.Tensor_out(self, int dim=0, SymInt? start=None, SymInt? end=None, SymInt step=1, *, out)`
    /// of `x` (value index) along `dim` with already clamped bounds.
    mutating func sliceCopy(_ x: Int32, dims d: [Int], dim: Int, start: Int, end: Int, step: Int, into o: Int32) {
        let b = builder
        b.call("aten::slice_copy.Tensor_out", [x, b.int(dim), b.int(start), b.int(end), b.int(step), o, o])
    }

    mutating func slice(_ op: Operation) throws(Unsupported) {
        let x = op.operand(0)!
        let dim = axis(attrInt(op, "dim"), x)
        let size = dims(x)[dim]
        let step = attrInt(op, "step")
        let start64 = op.attribute("start")!.intValue!, end64 = op.attribute("end")!.intValue!
        func clamp(_ i: Int64) -> Int { Int(min(max(i < 0 ? i + Int64(size) : i, 0), Int64(size))) }
        let start = clamp(start64), end = max(clamp(end64), start)
        let o = try out(op.result)
        sliceCopy(t(x), dims: dims(x), dim: dim, start: start, end: end, step: step, into: o)
    }

    mutating func pad(_ op: Operation) throws(Unsupported) {
        let x = op.operand(0)!
        var pad = attrInts(op, "pad")
        let mode = attrString(op, "mode")
        let rank = x.type.rank
        var source = t(x)
        var d = dims(x)
        let type = scalar(x)
        // Trailing (outermost) all-zero pairs pad nothing.
        while pad.count >= 2 && pad[pad.count - 1] == 0 && pad[pad.count - 2] == 0 { pad.removeLast(2) }
        if pad.isEmpty { return bind(op.result, source) }
        if mode == "constant" {
            // Negative amounts crop: slice those dims first.
            for k in 0 ..< pad.count / 2 where pad[2 * k] < 0 || pad[2 * k + 1] < 0 {
                let dim = rank - 1 - k
                let start = max(-pad[2 * k], 0), end = d[dim] - max(-pad[2 * k + 1], 0)
                var nd = d
                nd[dim] = max(end - start, 0)
                let cropped = temp(type, nd)
                sliceCopy(source, dims: d, dim: dim, start: start, end: max(end, start), step: 1, into: cropped)
                source = cropped
                d = nd
                pad[2 * k] = max(pad[2 * k], 0)
                pad[2 * k + 1] = max(pad[2 * k + 1], 0)
            }
            if pad.allSatisfy({ $0 == 0 }) {
                // Only cropping: the last slice result is the value.
                if source == t(x) { return bind(op.result, source) }
                return bind(op.result, view(source, dims(op.result)))
            }
            let o = try out(op.result)
            builder.call("aten::constant_pad_nd.out", [source, builder.intList(pad), builder.double(attrFloat(op, "value")), o, o])
            return
        }
        // reflection_padNd / replication_padNd take exactly N pairs on an input of rank N+1 or N+2:
        // view the input as [outer, last N dims] (and the output likewise).
        let n = pad.count / 2
        guard n <= 3 else { throw Unsupported("\(mode) padding of \(n) dims is not supported (at most 3)") }
        let kernel = "aten::" + (mode == "reflect" ? "reflection" : "replication") + "_pad\(n)d.out"
        let inner = Array(d.suffix(n)), outer = d.dropLast(n).reduce(1, *)
        let result = dims(op.result)
        let outDims = [outer] + Array(result.suffix(n))
        let o = temp(type, outDims)
        builder.call(kernel, [view(source, [outer] + inner), builder.intList(pad), o, o])
        bind(op.result, view(o, result))
    }
}

extension PortableBackend {
    /// The markdown of docs/lowering.md, generated from the lowering rules.
    public static func loweringMarkdown() -> String {
        var out = """
        # Portable lowering

        How each Edge IR op becomes ATen out-variant kernel calls that ExecuTorch's portable kernel
        library registers (see [pte.md](pte.md) for the argument-list convention). Generated from the
        rules in `Sources/EdgeBackends/Portable/` by `edgec list-ops --lowering`; do not edit by hand:
        `swift test` fails when this file is stale (regenerate with
        `swift run edgec list-ops --lowering > docs/lowering.md`).

        | Edge IR | ATen kernels | notes |
        | --- | --- | --- |

        """
        for name in OpRegistry.all.map(\.name) where name != "return" {
            if name == Ops.delegateCall.name {
                out += "| `\(name)` | — | a `DelegateCall` instruction of the callee's payload (from a backend with a delegate: arm-cpu); the portable backend alone reports it by node |\n"
                continue
            }
            guard let rule = PortableLowering.rules[name] else {
                out += "| `\(name)` | — | no lowering: a compile error naming the node |\n"
                continue
            }
            let kernels = rule.kernels.isEmpty ? "—" : rule.kernels.map { "`\($0)`" }.joined(separator: ", ")
            out += "| `\(name)` | \(kernels) | \(rule.note.replacingOccurrences(of: "|", with: "\\|")) |\n"
        }
        out += "| returned input or constant | `aten::clone.out` | into a planned output |\n"
        return out
    }
}
