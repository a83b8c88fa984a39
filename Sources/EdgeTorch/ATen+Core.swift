import EdgeIR

extension ATenTable {
    /// Identity-like ops, symbolic sizes and tensor factories.
    static let core: [String: ATenLowering] = {
        var t: [String: ATenLowering] = [:]
        for name in ["aten.contiguous.default", "aten.clone.default", "aten.alias.default", "aten.detach.default",
                     "aten.lift_fresh_copy.default", "aten.alias_copy.default", "aten.detach_copy.default"] {
            t[name] = .one("identity (no data movement in Edge IR)") { c throws(OpError) in try c.tensor("self") }
        }
        // detach_ only drops autograd history; it writes no data, so it is no in-place update
        // (torch.export leaves it after lift_fresh_copy of a torch.tensor(...) built in forward).
        t["aten.detach_.default"] = .one("identity (drops autograd history only; writes no data)") { c throws(OpError) in try c.tensor("self") }
        t["aten.dropout.default"] = .one("identity (inference: `train` must be false)") { c throws(OpError) in
            if try c.bool("train", default: false), try c.float("p", default: 0.5) > 0 {
                throw OpError("dropout with train=True is a training op; export the model in eval mode (model.eval())")
            }
            return try c.tensor("input")
        }
        t["aten.sym_size.int"] = ATenLowering("a symbolic size: the input's dim, used by later view/expand sizes") { c throws(OpError) in
            let x = try c.tensor("self")
            let d = try ShapeRules.axis(try c.int("dim"), rank: x.type.rank, what: "dim")
            guard case .symInt(.name(let out))? = c.node.outputs.first else { throw OpError("sym_size must output a symbolic integer") }
            c.importer.symbols[out] = x.type.shape[d]
            return []
        }
        t["aten._to_copy.default"] = .one("`edge.cast` to `dtype` (identity when it is unchanged)") { c throws(OpError) in
            try castOrIdentity(&c, input: "self")
        }
        t["aten.to.dtype"] = .one("`edge.cast` to `dtype` (identity when it is unchanged)") { c throws(OpError) in
            try castOrIdentity(&c, input: "self")
        }
        t["aten.type_as.default"] = .one("`edge.cast` to `other`'s dtype (identity when it is unchanged)") { c throws(OpError) in
            let x = try c.tensor("self"), to = try c.tensor("other").type.element.storage
            return to == x.type.element.storage ? x : try c.emit(Ops.cast, [x], ["dtype": .string(to.rawValue)], output: 0)
        }
        // Device moves are identities on a device-less program; a dtype change becomes a cast.
        for name in ["aten.to.device", "aten.to.dtype_layout", "aten.to.other"] {
            t[name] = .one("`edge.cast` to the output's dtype (identity when it is unchanged; the device is ignored)") { c throws(OpError) in
                try castOrIdentity(&c, input: "self")
            }
        }
        // Checks torch.export leaves in the graph; the import fixes shapes and dtypes statically,
        // so they produce nothing (a wrong dtype would already fail type inference).
        for name in ["aten._assert_tensor_metadata.default", "aten._assert_scalar.default", "aten._assert_async.msg",
                     "aten.sym_constrain_range_for_size.default", "aten.sym_constrain_range.default",
                     "aten._functional_assert_async.msg", "aten._functional_sym_constrain_range.default"] {
            t[name] = ATenLowering("nothing (a run-time check that the static import already settles)") { c throws(OpError) in
                c.node.outputs.map { _ in nil }
            }
        }
        for (name, fill) in [("aten.zeros.default", 0.0), ("aten.ones.default", 1.0)] {
            t[name] = .one("`edge.full` with \(Int(fill)) (static size)") { c throws(OpError) in
                try full(&c, value: fill)
            }
        }
        for (name, fill) in [("aten.new_zeros.default", 0.0), ("aten.new_ones.default", 1.0)] {
            t[name] = .one("`edge.full` with \(Int(fill)) in `self`'s dtype (static size)") { c throws(OpError) in
                try full(&c, value: fill, like: try c.tensor("self"))
            }
        }
        t["aten.new_full.default"] = .one("`edge.full` in `self`'s dtype (static size)") { c throws(OpError) in
            try full(&c, value: try c.float("fill_value"), like: try c.tensor("self"))
        }
        for (name, fill) in [("aten.zeros_like.default", 0.0), ("aten.ones_like.default", 1.0), ("aten.full_like.default", Double.nan)] {
            t[name] = .one("`edge.full` shaped like `self` (static shape)") { c throws(OpError) in
                let x = try c.tensor("self")
                guard let shape = x.type.staticShape else { throw OpError("\(name) of the dynamic shape \(TypeText.type(x.type)) is not supported") }
                let value = fill.isNaN ? try c.float("fill_value") : fill
                let element = try outputElement(c, default: x.type.element.storage)
                return try c.emit(Ops.full, [], ["shape": ints(shape), "value": .float(value), "dtype": .string(element.rawValue)], output: 0)
            }
        }
        t["aten.scalar_tensor.default"] = .one("a rank-0 constant of `dtype` (f32 by default)") { c throws(OpError) in
            try c.scalar(try c.float("s"), try outputElement(c, default: .f32))
        }
        t["aten.full.default"] = .one("`edge.full` (static size)") { c throws(OpError) in
            try full(&c, value: try c.float("fill_value"))
        }
        for name in ["aten.arange.default", "aten.arange.start", "aten.arange.start_step"] {
            t[name] = .one("a constant holding the range (static bounds)") { c throws(OpError) in
                try arange(&c)
            }
        }
        return t
    }()

    /// The element type a factory or cast node produces: its `dtype` argument, else torch's metadata.
    static func outputElement(_ c: ATenCall, default d: ScalarType) throws(OpError) -> ScalarType {
        if case .scalarType(let code)? = c.argument("dtype") {
            guard let s = TorchDType.element(code) else { throw OpError("dtype \(TorchDType.name(code)) is not supported") }
            return s
        }
        return c.outputType()?.element.storage ?? d
    }

    static func castOrIdentity(_ c: inout ATenCall, input: String) throws(OpError) -> Value {
        let x = try c.tensor(input)
        let to = try outputElement(c, default: x.type.element.storage)
        if to == x.type.element.storage { return x }
        return try c.emit(Ops.cast, [x], ["dtype": .string(to.rawValue)], output: 0)
    }

    static func full(_ c: inout ATenCall, value: Double, like: Value? = nil) throws(OpError) -> Value {
        let size = try c.ints("size")
        let element = try outputElement(c, default: like?.type.element.storage ?? .f32)
        return try c.emit(Ops.full, [], ["shape": .ints(size.map(Int64.init)), "value": .float(value), "dtype": .string(element.rawValue)], output: 0)
    }

    static func arange(_ c: inout ATenCall) throws(OpError) -> Value {
        // A bound may be a symbolic size (`arange(seq_len)` of a dynamic export): it must be fixed.
        func bound(_ name: String, _ d: Double?) throws(OpError) -> Double {
            if case .symInt? = c.argument(name) {
                guard let dim = try c.symbolicInt(name) else { throw OpError("missing number argument '\(name)'") }
                guard case .known(let v) = dim else {
                    throw OpError("arange bound '\(name)' is the symbolic size \(ShapeRules.describe(dim)); fix the dynamic dims at import (--input-shape or --static)")
                }
                return Double(v)
            }
            return try c.float(name, default: d)
        }
        let start = try bound("start", 0)
        let end = try bound("end", nil)
        let step = try bound("step", 1)
        guard step != 0, step.isFinite, start.isFinite, end.isFinite else { throw OpError("arange needs a finite non-zero step and finite bounds") }
        let count = ((end - start) / step).rounded(.up)
        guard !count.isNaN, count <= Double(1 << 24) else { throw OpError("arange of \(count) elements is too large to hold as a constant") }
        let n = count > 0 ? Int(count) : 0
        let element = try outputElement(c, default: (c.argument("start").map { if case .float = $0 { true } else { false } } ?? false) ? .f32 : .i64)
        return try c.constant((0..<n).map { start + Double($0) * step }, type: TensorType(.scalar(element), [n]))
    }
}
