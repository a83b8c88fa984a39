import EdgeIR

extension ATenTable {
    /// Activations and (log-)softmax.
    static let activations: [String: ATenLowering] = {
        var t: [String: ATenLowering] = [:]
        for (name, def) in [("relu", Ops.relu), ("sigmoid", Ops.sigmoid), ("tanh", Ops.tanh),
                            ("hardswish", Ops.hardswish), ("hardsigmoid", Ops.hardsigmoid)] {
            t["aten.\(name).default"] = .one("`\(def.name)`") { c throws(OpError) in
                try c.emit(def, [try c.tensor("self")], output: 0)
            }
        }
        t["aten.gelu.default"] = .one("`edge.gelu` (`approximate` none or tanh)") { c throws(OpError) in
            let approximate = try c.string("approximate", default: "none")
            return try c.emit(Ops.gelu, [try c.tensor("self")], approximate == "none" ? [:] : ["approximate": .string(approximate)], output: 0)
        }
        t["aten.silu.default"] = .one("`edge.mul`(x, `edge.sigmoid`(x))") { c throws(OpError) in
            let x = try c.tensor("self")
            return try c.emit(Ops.mul, [x, try c.emit(Ops.sigmoid, [x])], output: 0)
        }
        t["aten.relu6.default"] = .one("`edge.clamp` to [0, 6]") { c throws(OpError) in
            try c.emit(Ops.clamp, [try c.tensor("self")], ["min": .float(0), "max": .float(6)], output: 0)
        }
        t["aten.hardtanh.default"] = .one("`edge.clamp` to [min_val, max_val]") { c throws(OpError) in
            try c.emit(Ops.clamp, [try c.tensor("self")], ["min": .float(try c.float("min_val", default: -1)), "max": .float(try c.float("max_val", default: 1))], output: 0)
        }
        t["aten.clamp.default"] = .one("`edge.clamp` (either bound optional)") { c throws(OpError) in
            var attrs: [String: Attribute] = [:]
            if let lo = try c.optionalFloat("min") { attrs["min"] = .float(lo) }
            if let hi = try c.optionalFloat("max") { attrs["max"] = .float(hi) }
            return try c.emit(Ops.clamp, [try c.tensor("self")], attrs, output: 0)
        }
        t["aten.leaky_relu.default"] = .one("`edge.leaky_relu`") { c throws(OpError) in
            try c.emit(Ops.leakyRelu, [try c.tensor("self")], ["negative_slope": .float(try c.float("negative_slope", default: 0.01))], output: 0)
        }
        for name in ["aten.softmax.int", "aten._softmax.default"] {
            t[name] = .one("`edge.softmax`") { c throws(OpError) in
                try c.emit(Ops.softmax, [try c.tensor("self")], ["axis": .int(Int64(try c.int("dim")))], output: 0)
            }
        }
        for name in ["aten.log_softmax.int", "aten._log_softmax.default"] {
            t[name] = .one("`edge.log_softmax`") { c throws(OpError) in
                try c.emit(Ops.logSoftmax, [try c.tensor("self")], ["axis": .int(Int64(try c.int("dim")))], output: 0)
            }
        }
        return t
    }()
}
