import EdgeIR

extension ONNXOps {
    /// A one-input op mapped to one IR op (folded at import time when the input is known).
    static func unary(_ opType: String, _ versions: [Int], _ def: OpDefinition) -> OpImporter {
        OpImporter(opType, versions) { ctx in [try ctx.apply1(def, [try ctx.input(0)])] }
    }

    /// Casts `x` to `to` (nothing when it already has that type; folded when `x` is known).
    static func cast(_ ctx: NodeContext, _ x: Imported, to: ScalarType) throws -> Imported {
        if x.type.element == .scalar(to) { return x }
        return try ctx.apply1(Ops.cast, [x], ["dtype": .string(to.rawValue)])
    }

    /// Passes input 0 through (Identity; Dropout at inference).
    static func passThrough(_ ctx: NodeContext) throws -> [Imported] {
        guard let input = ctx.graph.values[ctx.node.input.first ?? ""] else { throw ImportError("input #0 is required") }
        return [input]
    }

    /// Clip as `edge.clamp`: no bounds is the identity, and min > max sets every element to
    /// max (ONNX: `min(max(x, min), max)`).
    static func clip(_ ctx: NodeContext, _ bounds: [String: Attribute]) throws -> [Imported] {
        var attrs = bounds
        if attrs.isEmpty { return try passThrough(ctx) }
        if let lo = attrs["min"]?.floatValue, let hi = attrs["max"]?.floatValue, lo > hi { attrs["min"] = .float(hi) }
        return [.value(try ctx.emit(Ops.clamp, [try ctx.value(0)], attrs))]
    }

    static let unary: [OpImporter] = [
        unary("Relu", [6, 13, 14], Ops.relu),
        unary("Sigmoid", [6, 13], Ops.sigmoid),
        unary("Tanh", [6, 13], Ops.tanh),
        unary("Exp", [6, 13], Ops.exp),
        unary("Log", [6, 13], Ops.log),
        unary("Sqrt", [6, 13], Ops.sqrt),
        unary("Reciprocal", [6, 13], Ops.reciprocal),
        unary("Erf", [9, 13], Ops.erf),
        unary("Neg", [6, 13], Ops.neg),
        unary("Abs", [6, 13], Ops.abs),
        unary("Floor", [6, 13], Ops.floor),
        unary("Ceil", [6, 13], Ops.ceil),
        unary("Sin", [7, 22], Ops.sin),
        unary("Cos", [7, 22], Ops.cos),
        unary("Not", [1], Ops.logicalNot),
        // NaN is the one value unequal to itself: IsNaN(x) = not(x == x), exact in every float type.
        OpImporter("IsNaN", [9, 13, 20]) { ctx in
            let x = try ctx.input(0)
            guard x.type.element.storage.isFloatingPoint else { throw ImportError("IsNaN needs a floating-point input, got \(TypeText.type(x.type))") }
            return [try ctx.apply1(Ops.logicalNot, [try ctx.apply1(Ops.eq, [x, x])])]
        },
        // IsInf(x) = (x == +inf if detect_positive) or (x == -inf if detect_negative).
        OpImporter("IsInf", [10, 20]) { ctx in
            let x = try ctx.input(0)
            let element = x.type.element.storage
            guard element.isFloatingPoint else { throw ImportError("IsInf needs a floating-point input, got \(TypeText.type(x.type))") }
            var tests: [Imported] = []
            for (attribute, v) in [("detect_positive", Double.infinity), ("detect_negative", -Double.infinity)] where try ctx.int(attribute, 1) != 0 {
                tests.append(try ctx.apply1(Ops.eq, [x, .constant(try ctx.constantTensor([v], element, shape: []))]))
            }
            guard let first = tests.first else {
                // Neither sign detected: all false, shaped like x.
                let never = try ctx.apply1(Ops.eq, [x, .constant(try ctx.constantTensor([.infinity], element, shape: []))])
                return [try ctx.apply1(Ops.logicalAnd, [never, try ctx.apply1(Ops.logicalNot, [never])])]
            }
            return [try tests.dropFirst().reduce(first) { a, b in try ctx.apply1(Ops.logicalOr, [a, b]) }]
        },
        unary("HardSwish", [14, 22], Ops.hardswish),
        OpImporter("Gelu", [20]) { ctx in
            let approximate = try ctx.string("approximate", "none")
            guard approximate == "none" || approximate == "tanh" else { throw ctx.unsupported("approximate = \"\(approximate)\"") }
            return [.value(try ctx.emit(Ops.gelu, [try ctx.value(0)], ["approximate": .string(approximate)]))]
        },
        OpImporter("LeakyRelu", [6, 16]) { ctx in
            [.value(try ctx.emit(Ops.leakyRelu, [try ctx.value(0)], ["negative_slope": .float(try ctx.float("alpha", 0.01))]))]
        },
        OpImporter("Elu", [6, 22]) { ctx in
            [.value(try ctx.emit(Ops.elu, [try ctx.value(0)], ["alpha": .float(try ctx.float("alpha", 1))]))]
        },
        OpImporter("HardSigmoid", [6, 22]) { ctx in
            let alpha = try ctx.float("alpha", 0.2), beta = try ctx.float("beta", 0.5)
            let x = try ctx.value(0)
            // PyTorch's hardsigmoid is alpha = 1/6, beta = 0.5 (exported as float32).
            if Swift.abs(alpha - 1.0 / 6.0) < 1e-7, beta == 0.5 { return [.value(try ctx.emit(Ops.hardsigmoid, [x]))] }
            let scaled = try ctx.emit(Ops.mul, [x, try ctx.scalarValue(alpha, x.type.element, name: "alpha")])
            let shifted = try ctx.emit(Ops.add, [scaled, try ctx.scalarValue(beta, x.type.element, name: "beta")])
            return [.value(try ctx.emit(Ops.clamp, [shifted], ["min": .float(0), "max": .float(1)]))]
        },
        OpImporter("Softplus", [1, 22]) { ctx in
            let x = try ctx.value(0)
            let e = try ctx.emit(Ops.exp, [x])
            return [.value(try ctx.emit(Ops.log, [try ctx.emit(Ops.add, [e, try ctx.scalarValue(1, x.type.element, name: "one")])]))]
        },
        OpImporter("PRelu", [7, 9, 16]) { ctx in
            let x = try ctx.value(0), slope = try ctx.value(1)
            let positive = try ctx.emit(Ops.gt, [x, try ctx.scalarValue(0, x.type.element, name: "zero")])
            return [.value(try ctx.emit(Ops.where, [positive, x, try ctx.emit(Ops.mul, [x, slope])]))]
        },
        OpImporter("Clip", [6]) { ctx in
            var attrs: [String: Attribute] = [:]
            let lo = try ctx.float("min", -.infinity), hi = try ctx.float("max", .infinity)
            if lo.isFinite { attrs["min"] = .float(lo) }
            if hi.isFinite { attrs["max"] = .float(hi) }
            return try clip(ctx, attrs)
        },
        OpImporter("Clip", [11, 12, 13]) { ctx in
            var attrs: [String: Attribute] = [:]
            if ctx.has(1) { attrs["min"] = .float(try ctx.scalar(1, "min")) }
            if ctx.has(2) { attrs["max"] = .float(try ctx.scalar(2, "max")) }
            return try clip(ctx, attrs)
        },
        OpImporter("Identity", [1, 13, 14, 16, 19, 21, 23, 24, 25], passThrough),
        OpImporter("Dropout", [7, 10, 12, 13, 22]) { ctx in
            if ctx.version >= 12, ctx.has(2) {
                guard let t = ctx.constant(2), t.count == 1, t.doubles()[0] == 0 else {
                    throw ImportError("training_mode must be a constant false (edgec imports models for inference)")
                }
            }
            var outputs = try passThrough(ctx)
            if ctx.node.output.count > 1, !ctx.node.output[1].isEmpty {
                let shape = try ctx.staticShape(0, for: "the dropout mask")
                outputs.append(.value(try ctx.emit(Ops.full, [], ["shape": .ints(shape.map(Int64.init)), "value": .float(1), "dtype": .string("bool")])))
            }
            return outputs
        },
        OpImporter("Cast", [6, 9, 13, 19, 21, 23, 24, 25, 28]) { ctx in
            let to = try ONNXType.require(Int32(truncatingIfNeeded: try ctx.int("to", 0)), "Cast's 'to' type")
            return [try cast(ctx, try ctx.input(0), to: to)]
        },
        // CastLike: Cast to the element type of input 1 (whose values are not read).
        OpImporter("CastLike", [15, 19, 21, 23, 24, 25]) { ctx in
            guard case .scalar(let to) = try ctx.type(1).element else { throw ctx.unsupported("a quantized target type") }
            return [try cast(ctx, try ctx.input(0), to: to)]
        },
    ]
}
