import EdgeIR

/// `canonicalize`: local simplifications that never change results, repeated to a fixed point.
///
/// - no-op `cast`, `reshape`/`flatten`/`squeeze`, `slice`, `pad` (all zero), `expand`, `repeat`,
///   one-input `concat` and identity `permute` disappear (only when the result type equals
///   the input type);
/// - chains of reshape-like ops (reshape, flatten, squeeze, unsqueeze) collapse into one
///   reshape of the first input; permute chains compose into one permute;
/// - algebraic identities `x + 0`, `0 + x`, `x - 0`, `x * 1`, `1 * x`, `x / 1` (constant splats)
///   return `x`, but only when the result has x's type (a broadcasting operand keeps the op).
///
/// The IR has no Identity, Dropout or Shape ops: importers drop the first two and resolve
/// Shape→Gather→Concat→Reshape chains into static `reshape` shapes where shapes are known.
public enum Canonicalize {
    public static let pass = Pass.perFunction(
        name: "canonicalize",
        summary: "Remove no-op casts and layout ops, collapse reshape and permute chains, apply x+0, x*1, x/1"
    ) { function, rewriter in
        for _ in 0 ..< 16 {
            let before = rewriter.changeCount
            for op in function.body.operations where op.block != nil {
                try simplify(op, rewriter)
            }
            if rewriter.changeCount == before { break }
        }
    }

    static let reshapeLike: [OpDefinition] = [Ops.reshape, Ops.flatten, Ops.squeeze, Ops.unsqueeze]
    static let noOpWhenSameType: [OpDefinition] = [Ops.cast, Ops.reshape, Ops.flatten, Ops.squeeze, Ops.slice, Ops.pad, Ops.expand, Ops.repeat]

    static func simplify(_ op: EdgeIR.Operation, _ rewriter: Rewriter) throws {
        let def = op.definition
        // Layout ops whose result equals their input.
        if noOpWhenSameType.contains(where: { $0 === def }), let x = op.operand(0), x.type == op.result.type,
           x.type.staticShape != nil || def === Ops.cast || isFullSlice(op),
           // pad [1, -1] keeps the shape but shifts the contents.
           def !== Ops.pad || (op.attribute("pad")?.intsValue ?? []).allSatisfy({ $0 == 0 }) {
            rewriter.replaceAndClean(op, with: x)
            return
        }
        if def === Ops.concat, op.presentOperands.count == 1, op.operand(0)!.type == op.result.type {
            rewriter.replaceAndClean(op, with: op.operand(0)!)
            return
        }
        if reshapeLike.contains(where: { $0 === def }) {
            try collapseReshapes(op, rewriter)
            return
        }
        if def === Ops.permute {
            try simplifyPermute(op, rewriter)
            return
        }
        if let x = identityOperand(op) {
            rewriter.replaceAndClean(op, with: x)
        }
    }

    /// A slice along a symbolic dim that takes everything (start 0, step 1, end at the maximum).
    static func isFullSlice(_ op: EdgeIR.Operation) -> Bool {
        op.is(Ops.slice) && op.attribute("start")?.intValue == 0 && op.attribute("step")?.intValue == 1
            && op.attribute("end")?.intValue == Int64.max
    }

    /// reshape-like(reshape-like(x)) → reshape(x): the element order never changes, so only
    /// the final shape matters.
    static func collapseReshapes(_ op: EdgeIR.Operation, _ rewriter: Rewriter) throws {
        guard let inner = op.operand(0)?.definingOp, reshapeLike.contains(where: { $0 === inner.definition }),
              let source = inner.operand(0) else { return }
        if op.is(Ops.reshape) {
            rewriter.setOperand(0, of: op, to: source)
            rewriter.eraseIfDead(inner)
        } else if let shape = op.result.type.staticShape {
            rewriter.setInsertionPoint(before: op)
            let r = try rewriter.create(Ops.reshape, [source], attributes: ["shape": .ints(shape.map(Int64.init))], location: op.location)
            r.result.nameHint = op.result.nameHint
            rewriter.replaceAndClean(op, with: r.result)
        }
    }

    static func simplifyPermute(_ op: EdgeIR.Operation, _ rewriter: Rewriter) throws {
        guard let x = op.operand(0), let dims = op.attribute("dims")?.intsValue?.map(Int.init) else { return }
        let rank = dims.count
        let outer = dims.map { $0 < 0 ? $0 + rank : $0 }
        if outer == Array(0 ..< rank) {
            rewriter.replaceAndClean(op, with: x)
            return
        }
        // permute(permute(y, p), q): result dim i is y's dim p[q[i]].
        guard let inner = x.definingOp, inner.is(Ops.permute), let source = inner.operand(0),
              let p = inner.attribute("dims")?.intsValue?.map({ Int($0) < 0 ? Int($0) + rank : Int($0) }) else { return }
        let composed = outer.map { p[$0] }
        if composed == Array(0 ..< rank) {
            rewriter.replaceAndClean(op, with: source)
            rewriter.eraseIfDead(inner)
        } else {
            rewriter.setOperand(0, of: op, to: source)
            rewriter.setAttribute("dims", .ints(composed.map(Int64.init)), on: op)
            rewriter.eraseIfDead(inner)
        }
    }

    /// The operand an arithmetic identity returns (x + 0, x * 1, ...), when the op's result
    /// has exactly that operand's type.
    static func identityOperand(_ op: EdgeIR.Operation) -> Value? {
        guard op.definition.operands.count == 2, let a = op.operand(0), let b = op.operand(1) else { return nil }
        let unit: Double
        let commutes: Bool
        switch op.definition {
        case let d where d === Ops.add: (unit, commutes) = (0, true)
        case let d where d === Ops.sub: (unit, commutes) = (0, false)
        case let d where d === Ops.mul: (unit, commutes) = (1, true)
        case let d where d === Ops.div: (unit, commutes) = (1, false)
        default: return nil
        }
        if a.type == op.result.type, Constants.isSplat(b, unit) { return a }
        if commutes, b.type == op.result.type, Constants.isSplat(a, unit) { return b }
        return nil
    }
}
