import EdgeIR

extension ATenTable {
    /// Arithmetic with numpy broadcasting; Python numbers become rank-0 constants.
    static let elementwise: [String: ATenLowering] = {
        var t: [String: ATenLowering] = [:]
        let ops: [(String, OpDefinition, Bool)] = [("add", Ops.add, true), ("sub", Ops.sub, true), ("mul", Ops.mul, false), ("div", Ops.div, false)]
        for (name, def, hasAlpha) in ops {
            for overload in ["Tensor", "Scalar"] {
                t["aten.\(name).\(overload)"] = .one("`\(def.name)`\(hasAlpha ? " (other scaled by `alpha` when ≠ 1)" : "")") { c throws(OpError) in
                    let x = try c.tensor("self")
                    var y = try c.tensorOrScalar("other", like: x)
                    if hasAlpha, let alpha = try c.optionalFloat("alpha"), alpha != 1 {
                        y = try c.emit(Ops.mul, [y, try c.scalar(alpha, y.type.element.storage)])
                    }
                    if name == "div", case .string(let mode)? = c.argument("rounding_mode") {
                        throw OpError("div with rounding_mode='\(mode)' is not supported")
                    }
                    return try c.emit(def, [x, y], output: 0)
                }
            }
        }
        t["aten.rsub.Scalar"] = .one("`edge.sub` with the operands swapped") { c throws(OpError) in
            let x = try c.tensor("self")
            var y = try c.tensorOrScalar("other", like: x)
            var xs = x
            if let alpha = try c.optionalFloat("alpha"), alpha != 1 { xs = try c.emit(Ops.mul, [x, try c.scalar(alpha, x.type.element.storage)]) }
            y = try c.emit(Ops.sub, [y, xs], output: 0)
            return y
        }
        for (name, def) in [("eq", Ops.eq), ("lt", Ops.lt), ("le", Ops.le), ("gt", Ops.gt), ("ge", Ops.ge)] {
            for overload in ["Tensor", "Scalar"] {
                t["aten.\(name).\(overload)"] = .one("`\(def.name)` (a Python number becomes a rank-0 constant of `self`'s dtype)") { c throws(OpError) in
                    let x = try c.tensor("self")
                    return try c.emit(def, [x, try c.tensorOrScalar("other", like: x)], output: 0)
                }
            }
        }
        for overload in ["Tensor", "Scalar"] {
            t["aten.ne.\(overload)"] = .one("`edge.logical_not` of `edge.eq`") { c throws(OpError) in
                let x = try c.tensor("self")
                let e = try c.emit(Ops.eq, [x, try c.tensorOrScalar("other", like: x)])
                return try c.emit(Ops.logicalNot, [e], output: 0)
            }
        }
        t["aten.logical_not.default"] = .one("`edge.logical_not`") { c throws(OpError) in try c.emit(Ops.logicalNot, [try c.tensor("self")], output: 0) }
        for (name, def) in [("logical_and", Ops.logicalAnd), ("logical_or", Ops.logicalOr), ("logical_xor", Ops.logicalXor)] {
            t["aten.\(name).default"] = .one("`\(def.name)`") { c throws(OpError) in
                try c.emit(def, [try c.tensor("self"), try c.tensor("other")], output: 0)
            }
        }
        // `a & b`, `a | b`, `a ^ b` of bool masks (integer bitwise operands fail type inference).
        for (names, def) in [(["__and__", "bitwise_and"], Ops.logicalAnd), (["__or__", "bitwise_or"], Ops.logicalOr), (["__xor__", "bitwise_xor"], Ops.logicalXor)] {
            for name in names {
                t["aten.\(name).Tensor"] = .one("`\(def.name)` (bool operands)") { c throws(OpError) in
                    try c.emit(def, [try c.tensor("self"), try c.tensor("other")], output: 0)
                }
            }
        }
        t["aten.where.self"] = .one("`edge.where`") { c throws(OpError) in
            let x = try c.tensor("self")
            return try c.emit(Ops.where, [try c.tensor("condition"), x, try c.tensorOrScalar("other", like: x)], output: 0)
        }
        // where with Python numbers: a number becomes a rank-0 constant of the result's dtype.
        for (overload, selfIsNumber, otherIsNumber) in [("ScalarOther", false, true), ("ScalarSelf", true, false), ("Scalar", true, true)] {
            t["aten.where.\(overload)"] = .one("`edge.where` with \(selfIsNumber && otherIsNumber ? "both values" : selfIsNumber ? "`self`" : "`other`") a rank-0 constant of the result's dtype") { c throws(OpError) in
                let fallback: ScalarType = try [("self", selfIsNumber), ("other", otherIsNumber)].first { !$0.1 }
                    .map { a throws(OpError) in try c.tensor(a.0).type.element.storage } ?? .f32
                let element = try outputElement(c, default: fallback)
                func operand(_ name: String, number: Bool) throws(OpError) -> Value {
                    number ? try c.scalar(try c.float(name), element) : try c.tensor(name)
                }
                return try c.emit(Ops.where, [try c.tensor("condition"), try operand("self", number: selfIsNumber),
                                              try operand("other", number: otherIsNumber)], output: 0)
            }
        }
        for overload in ["Scalar", "Tensor"] {
            t["aten.masked_fill.\(overload)"] = .one("`edge.where` choosing `value` where `mask` is true") { c throws(OpError) in
                let x = try c.tensor("self")
                return try c.emit(Ops.where, [try c.tensor("mask"), try c.tensorOrScalar("value", like: x), x], output: 0)
            }
        }
        t["aten.neg.default"] = .one("`edge.neg`") { c throws(OpError) in try c.emit(Ops.neg, [try c.tensor("self")], output: 0) }
        for (name, def) in [("exp", Ops.exp), ("log", Ops.log), ("sqrt", Ops.sqrt), ("rsqrt", Ops.rsqrt), ("reciprocal", Ops.reciprocal), ("abs", Ops.abs)] {
            t["aten.\(name).default"] = .one("`\(def.name)`") { c throws(OpError) in try c.emit(def, [try c.tensor("self")], output: 0) }
        }
        t["aten.pow.Tensor_Scalar"] = .one("`edge.pow` with a rank-0 exponent") { c throws(OpError) in
            let x = try c.tensor("self")
            return try c.emit(Ops.pow, [x, try c.tensorOrScalar("exponent", like: x)], output: 0)
        }
        return t
    }()
}
