import EdgeIR

/// `recognize-patterns`: replaces decomposed activations and normalizations (as exporters
/// write them) with the single ops they compute:
///
/// - GELU, erf form `0.5 * x * (1 + erf(x / √2))` and tanh form
///   `0.5 * x * (1 + tanh(√(2/π) * (x + 0.044715 * x³)))` → `gelu` (approximate "none"/"tanh");
/// - SiLU `x * sigmoid(x)` → `silu`;
/// - HardSigmoid `relu6(x + 3) / 6` (`clamp(x + 3, 0, 6)`, or `clamp(x / 6 + 0.5, 0, 1)`)
///   → `hardsigmoid`; HardSwish `x * relu6(x + 3) / 6` or `x * hardsigmoid(x)` → `hardswish`;
/// - LayerNorm `(x - mean(x)) / sqrt(mean((x - mean(x))²) + eps) * gamma + beta` over trailing
///   axes (also with `rsqrt`) → `layer_norm`;
/// - softmax `exp(x - amax(x)) / sum(exp(x - amax(x)))` (or without the max) → `softmax`.
///
/// Products may be written in any order and with constants multiplied or divided in. Every
/// intermediate value must have no other user, and the result keeps x's type. Ops the target
/// backend cannot lower are not created.
public enum RecognizePatterns {
    public static let pass = Pass(
        name: "recognize-patterns",
        summary: "Replace decomposed GELU, SiLU, HardSwish, HardSigmoid, LayerNorm and softmax with single ops"
    ) { module, context in
        for function in module.functions {
            let rewriter = context.rewriter(for: function)
            let matcher = Matcher(rewriter: rewriter, target: context.target)
            for _ in 0 ..< 4 {
                let before = rewriter.changeCount
                for op in function.body.operations.reversed() where op.block != nil {
                    try matcher.match(op)
                }
                if rewriter.changeCount == before { break }
            }
        }
    }

    /// A product tree: `constant * factors[0] * factors[1] * ...`.
    struct Product {
        var factors: [Value] = []
        var constant = 1.0

        /// Removes one occurrence of `v`; false when absent.
        mutating func remove(_ v: Value) -> Bool {
            guard let i = factors.firstIndex(where: { $0 === v }) else { return false }
            factors.remove(at: i)
            return true
        }
    }

    struct Matcher {
        let rewriter: Rewriter
        let target: PassTarget

        static func approx(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-4 * max(1, abs(b)) }

        /// Flattens muls (and divisions by constant splats) under `v`; inner ops must have one user.
        func product(_ v: Value, root: Bool = true) -> Product {
            if let c = Constants.splat(v), v.type.rank <= 1 || v.type.elementCount == 1 { return Product(constant: c) }
            guard let op = v.definingOp, root || v.soleUser != nil else { return Product(factors: [v]) }
            if op.is(Ops.mul) {
                let a = product(op.operand(0)!, root: false), b = product(op.operand(1)!, root: false)
                return Product(factors: a.factors + b.factors, constant: a.constant * b.constant)
            }
            if op.is(Ops.div), let c = Constants.splat(op.operand(1)!), c != 0, op.operand(1)!.type.elementCount == 1 {
                var a = product(op.operand(0)!, root: false)
                a.constant /= c
                return a
            }
            return Product(factors: [v])
        }

        /// The op defining `v` when it is `definition` and `v` has one user.
        func inner(_ v: Value?, _ definition: OpDefinition) -> EdgeIR.Operation? {
            guard let v, let op = v.definingOp, op.is(definition), v.soleUser != nil else { return nil }
            return op
        }

        /// `1 + u` (either order): returns u.
        func onePlus(_ v: Value) -> Value? {
            guard let add = inner(v, Ops.add) else { return nil }
            if Constants.isSplat(add.operand(0)!, 1), add.operand(0)!.type.elementCount == 1 { return add.operand(1) }
            if Constants.isSplat(add.operand(1)!, 1), add.operand(1)!.type.elementCount == 1 { return add.operand(0) }
            return nil
        }

        /// `y + c` (either order) with a one-element constant c: returns (y, c).
        func plusConstant(_ v: Value) -> (Value, Double)? {
            guard let add = inner(v, Ops.add) else { return nil }
            for (y, c) in [(add.operand(0)!, add.operand(1)!), (add.operand(1)!, add.operand(0)!)] {
                if let k = Constants.splat(c), c.type.elementCount == 1 { return (y, k) }
            }
            return nil
        }

        /// Whether `v` is `clamp(x + 3, 0, 6)` (relu6(x + 3)).
        func isRelu6OfXPlus3(_ v: Value, _ x: Value) -> Bool {
            guard let clamp = inner(v, Ops.clamp), clamp.attribute("min")?.floatValue == 0, clamp.attribute("max")?.floatValue == 6,
                  let (y, k) = plusConstant(clamp.operand(0)!) else { return false }
            return y === x && k == 3
        }

        /// Whether `v` is hardsigmoid(x): the op itself or `clamp(x / 6 + 0.5, 0, 1)`.
        func isHardSigmoid(_ v: Value, _ x: Value) -> Bool {
            if let op = inner(v, Ops.hardsigmoid) { return op.operand(0) === x }
            guard let clamp = inner(v, Ops.clamp), clamp.attribute("min")?.floatValue == 0, clamp.attribute("max")?.floatValue == 1,
                  let (y, k) = plusConstant(clamp.operand(0)!), k == 0.5 else { return false }
            let p = product(y, root: false)
            return p.factors.count == 1 && p.factors[0] === x && Self.approx(p.constant, 1.0 / 6)
        }

        /// `op` → `definition(x)` with `attributes`, when the target lowers it and types agree.
        func replace(_ op: EdgeIR.Operation, with definition: OpDefinition, _ operands: [Value?],
                     attributes: [String: Attribute] = [:]) throws {
            guard target.supports(definition), let x = operands[0], x.type == op.result.type else { return }
            rewriter.setInsertionPoint(before: op)
            let new = try rewriter.create(definition, operands, attributes: attributes, location: op.location)
            new.result.nameHint = op.result.nameHint
            rewriter.replaceAndClean(op, with: new.result)
        }

        func match(_ op: EdgeIR.Operation) throws {
            if op.is(Ops.mul) || op.is(Ops.div) { try matchProduct(op) }
            if op.is(Ops.clamp), let x = hardSigmoidInput(op) { try replace(op, with: Ops.hardsigmoid, [x]) }
            if op.is(Ops.mean) { try matchLayerNorm(op) }
            if op.is(Ops.exp) { try matchSoftmax(op) }
        }

        /// x for `clamp(x / 6 + 0.5, 0, 1)`.
        func hardSigmoidInput(_ op: EdgeIR.Operation) -> Value? {
            guard op.attribute("min")?.floatValue == 0, op.attribute("max")?.floatValue == 1,
                  let (y, k) = plusConstant(op.operand(0)!), k == 0.5 else { return nil }
            let p = product(y, root: false)
            return p.factors.count == 1 && Self.approx(p.constant, 1.0 / 6) ? p.factors[0] : nil
        }

        func matchProduct(_ op: EdgeIR.Operation) throws {
            let p = product(op.result)
            if p.factors.count == 1, Self.approx(p.constant, 1.0 / 6), let clamp = p.factors[0].definingOp,
               clamp.is(Ops.clamp), let (x, _) = plusConstant(clamp.operand(0)!), isRelu6OfXPlus3(p.factors[0], x) {
                return try replace(op, with: Ops.hardsigmoid, [x])
            }
            guard p.factors.count == 2 else { return }
            for (x, g) in [(p.factors[0], p.factors[1]), (p.factors[1], p.factors[0])] {
                if p.constant == 1, let s = inner(g, Ops.sigmoid), s.operand(0) === x {
                    return try replace(op, with: Ops.silu, [x])
                }
                if Self.approx(p.constant, 1.0 / 6), isRelu6OfXPlus3(g, x) { return try replace(op, with: Ops.hardswish, [x]) }
                if p.constant == 1, isHardSigmoid(g, x) { return try replace(op, with: Ops.hardswish, [x]) }
                if Self.approx(p.constant, 0.5), let u = onePlus(g) {
                    if let erf = inner(u, Ops.erf) {
                        let h = product(erf.operand(0)!, root: false)
                        if h.factors.count == 1, h.factors[0] === x, Self.approx(h.constant, 0.5.squareRoot()) {
                            return try replace(op, with: Ops.gelu, [x])
                        }
                    }
                    if let tanh = inner(u, Ops.tanh), isGeluTanhArgument(tanh.operand(0)!, x) {
                        return try replace(op, with: Ops.gelu, [x], attributes: ["approximate": .string("tanh")])
                    }
                }
            }
        }

        /// Whether `v` is `√(2/π) * (x + 0.044715 * x³)` (x³ as `pow(x, 3)` or `x * x * x`).
        func isGeluTanhArgument(_ v: Value, _ x: Value) -> Bool {
            let outer = product(v, root: false)
            guard outer.factors.count == 1, Self.approx(outer.constant, (2 / Double.pi).squareRoot()),
                  let add = inner(outer.factors[0], Ops.add) else { return false }
            for (a, b) in [(add.operand(0)!, add.operand(1)!), (add.operand(1)!, add.operand(0)!)] where a === x {
                var cube = product(b, root: false)
                guard Self.approx(cube.constant, 0.044715) else { continue }
                if cube.factors.count == 1, let pow = inner(cube.factors[0], Ops.pow), pow.operand(0) === x,
                   Constants.isSplat(pow.operand(1)!, 3) { return true }
                if cube.factors.count == 2, let sq = inner(cube.factors.first { $0 !== x }, Ops.mul),
                   sq.operand(0) === x, sq.operand(1) === x, cube.remove(x) { return true }
                if cube.factors.count == 3, cube.factors.allSatisfy({ $0 === x }) { return true }
            }
            return false
        }

        /// Trailing axes of `x` listed by a reduction (keepdim), normalized; nil otherwise.
        func trailingAxes(_ reduce: EdgeIR.Operation, rank: Int) -> [Int]? {
            guard reduce.attribute("keepdim")?.boolValue == true, let axes = reduce.attribute("axes")?.intsValue, !axes.isEmpty else { return nil }
            let normalized = axes.map { Int($0) < 0 ? Int($0) + rank : Int($0) }.sorted()
            return normalized == Array((rank - normalized.count) ..< rank) ? normalized : nil
        }

        /// Starts at `mu = mean(x)` of a decomposed layer norm.
        func matchLayerNorm(_ mu: EdgeIR.Operation) throws {
            guard let x = mu.operand(0), let axes = trailingAxes(mu, rank: x.type.rank),
                  let shape = x.type.staticShape, let d = mu.result.soleUser, d.is(Ops.sub), d.operand(0) === x,
                  d.operand(1) === mu.result, d.result.type == x.type else { return }
            let normalized = Array(shape[axes[0]...])
            let users = d.result.users
            guard users.count == 2 else { return }
            var square: EdgeIR.Operation?, normalize: EdgeIR.Operation?
            for u in users {
                if u.is(Ops.pow), u.operand(0) === d.result, Constants.isSplat(u.operand(1)!, 2) { square = u }
                else if u.is(Ops.mul), u.operand(0) === d.result, u.operand(1) === d.result { square = u }
                else { normalize = u }
            }
            guard let square, let normalize, let variance = square.result.soleUser, variance.is(Ops.mean),
                  trailingAxes(variance, rank: x.type.rank) == axes, let (v, eps) = plusConstant(variance.result.soleUser.map(\.result) ?? d.result),
                  v === variance.result, let root = variance.result.soleUser?.result.soleUser else { return }
            if root.is(Ops.sqrt) {
                guard normalize.is(Ops.div), normalize.operand(0) === d.result, normalize.operand(1) === root.result else { return }
            } else if root.is(Ops.rsqrt) {
                guard normalize.is(Ops.mul), normalize.presentOperands.contains(where: { $0 === root.result }) else { return }
            } else { return }
            guard root.result.soleUser === normalize else { return }
            // Optional scale and shift by constants shaped like the normalized dims.
            var last = normalize
            var gamma: Value?, beta: Value?
            if let m = last.result.soleUser, m.is(Ops.mul), m.result.type == x.type, let g = affineParameter(m, of: last.result, normalized) {
                gamma = g
                last = m
            }
            if let a = last.result.soleUser, a.is(Ops.add), a.result.type == x.type, let b = affineParameter(a, of: last.result, normalized) {
                beta = b
                last = a
            }
            if beta != nil && gamma == nil {
                rewriter.setInsertionPoint(before: last)
                gamma = try Constants.make([Double](repeating: 1, count: normalized.reduce(1, *)), element: x.type.element.storage,
                                           shape: normalized, name: "layer_norm_weight", rewriter: rewriter)
            }
            // An f32 epsilon reads back as its shortest decimal (1e-05, not 9.99999974e-06).
            let epsilon = x.type.element.storage == .f32 ? Double(String(Float(eps))) ?? eps : eps
            try replace(last, with: Ops.layerNorm, [x, gamma, beta],
                        attributes: ["normalized_shape": .ints(normalized.map(Int64.init)), "epsilon": .float(epsilon)])
        }

        /// The other operand of `op` as a constant of exactly `shape` (leading 1s allowed), reshaped to `shape`.
        func affineParameter(_ op: EdgeIR.Operation, of y: Value, _ shape: [Int]) -> Value? {
            guard let c = op.presentOperands.first(where: { $0 !== y }), op.presentOperands.count == 2,
                  let t = Constants.tensor(c), let cs = c.type.staticShape else { return nil }
            let trimmed = Array(cs.drop(while: { $0 == 1 }))
            let expected = Array(shape.drop(while: { $0 == 1 }))
            guard trimmed == expected, cs.count <= shape.count || cs.prefix(cs.count - shape.count).allSatisfy({ $0 == 1 }) else { return nil }
            if cs == shape { return c }
            rewriter.setInsertionPoint(before: op)
            return try? Constants.make(t, type: TensorType(c.type.element, shape), name: c.nameHint ?? "layer_norm_param", rewriter: rewriter)
        }

        /// Starts at `e = exp(t)` of a decomposed softmax.
        func matchSoftmax(_ e: EdgeIR.Operation) throws {
            let users = e.result.users
            guard users.count == 2, let sum = users.first(where: { $0.is(Ops.sum) }), let div = users.first(where: { $0.is(Ops.div) }),
                  let axes = sum.attribute("axes")?.intsValue, axes.count == 1, sum.attribute("keepdim")?.boolValue == true,
                  sum.result.soleUser === div, div.operand(0) === e.result, div.operand(1) === sum.result,
                  let t = e.operand(0) else { return }
            let rank = t.type.rank
            let axis = Int(axes[0]) < 0 ? Int(axes[0]) + rank : Int(axes[0])
            var x = t
            if let sub = inner(t, Ops.sub), let amax = inner(sub.operand(1), Ops.amax), amax.operand(0) === sub.operand(0),
               amax.attribute("keepdim")?.boolValue == true, let maxAxes = amax.attribute("axes")?.intsValue, maxAxes.count == 1,
               (Int(maxAxes[0]) < 0 ? Int(maxAxes[0]) + rank : Int(maxAxes[0])) == axis {
                x = sub.operand(0)!
            }
            try replace(div, with: Ops.softmax, [x], attributes: ["axis": .int(Int64(axis))])
        }
    }
}
