import EdgeIR
import EdgeKernels
import Foundation

/// Reading and making constant tensors in passes: the bytes of `edge.constant` (inline or in
/// the module's blobs) as EdgeKernels tensors, splat values, and new constants from tensors.
enum Constants {
    /// The element bytes of `value` when an `edge.constant` defines it.
    static func bytes(of value: Value) -> Data? {
        guard let op = value.definingOp, op.definition === Ops.constant, case .dense(let d)? = op.attribute("value") else { return nil }
        switch d {
        case .inline(let b): return Data(b)
        case .blob(let name): return op.block?.parentFunction?.module?.blobs[name]
        }
    }

    /// Whether an `edge.constant` defines `value`.
    static func isConstant(_ value: Value) -> Bool {
        guard let op = value.definingOp else { return false }
        return op.definition === Ops.constant
    }

    /// `value` as a tensor when it is a constant of a plain element type and static shape.
    static func tensor(_ value: Value) -> Tensor? {
        guard case .scalar(let s) = value.type.element, let shape = value.type.staticShape,
              let data = bytes(of: value) else { return nil }
        return try? Tensor(bytes: [UInt8](data), dtype: s, shape: shape)
    }

    /// The one value every element of `value` holds, when `value` is a constant (or `edge.full`)
    /// of a plain element type whose elements are all equal.
    static func splat(_ value: Value) -> Double? {
        if let op = value.definingOp, op.definition === Ops.full, value.type.element.storage.isFloat || value.type.element.storage.isInteger {
            // edge.full converts its value to the dtype; compare through the converted value.
            guard let v = op.attribute("value")?.floatValue, let t = try? Tensor(converting: [v], dtype: value.type.element.storage) else { return nil }
            return t.doubles()[0]
        }
        guard let t = tensor(value), t.count > 0 else { return nil }
        let d = t.doubles()
        let first = d[0]
        for x in d where x != first && !(x.isNaN && first.isNaN) { return nil }
        return first
    }

    /// Whether `value` is a constant splat equal to `x` (also true for an approximate match within `tolerance`).
    static func isSplat(_ value: Value, _ x: Double, tolerance: Double = 0) -> Bool {
        guard let v = splat(value) else { return false }
        return tolerance == 0 ? v == x : abs(v - x) <= tolerance * max(1, abs(x))
    }

    /// A new constant holding `tensor`, typed `type` (element type and static shape must agree).
    static func make(_ tensor: Tensor, type: TensorType, name: String, rewriter: Rewriter, location: Location? = nil) throws -> Value {
        try rewriter.constant(Data(tensor.bytes()), type: type, name: name, location: location)
    }

    /// A new f32/f64 constant of `shape` with the given values, in `element`'s type.
    static func make(_ values: [Double], element: ScalarType, shape: [Int], name: String, rewriter: Rewriter) throws -> Value {
        let t = try Tensor(converting: values, dtype: element, shape: shape)
        return try make(t, type: TensorType(.scalar(element), shape), name: name, rewriter: rewriter)
    }
}

extension Value {
    /// The single operation that reads this value, when there is exactly one use.
    var soleUser: EdgeIR.Operation? {
        uses.count == 1 ? uses[0].user : nil
    }
}

extension EdgeIR.Operation {
    /// Whether this op is an instance of `definition`.
    func `is`(_ definition: OpDefinition) -> Bool { self.definition === definition }
}

extension Rewriter {
    /// Erases `op` when it is pure and unused, then the producers of its operands that thereby
    /// became unused (the local clean-up after a rewrite, so single passes leave no litter).
    func eraseIfDead(_ op: EdgeIR.Operation?) {
        guard let op, op.block != nil, op.definition.traits.contains(.pure), op.results.allSatisfy({ !$0.hasUses }) else { return }
        let producers = op.presentOperands.compactMap(\.definingOp)
        erase(op)
        for p in producers { eraseIfDead(p) }
    }

    /// Replaces the single result of `op` with `value` and erases what became dead.
    func replaceAndClean(_ op: EdgeIR.Operation, with value: Value) {
        let producers = op.presentOperands.compactMap(\.definingOp)
        replace(op, with: [value])
        for p in producers { eraseIfDead(p) }
    }
}

extension Location {
    /// The locations of ops merged into one, as one fused location (unknowns dropped).
    static func merged(_ locations: [Location]) -> Location {
        var parts: [Location] = []
        for l in locations {
            switch l {
            case .unknown: continue
            case .fused(let inner): parts.append(contentsOf: inner.filter { !parts.contains($0) })
            default: if !parts.contains(l) { parts.append(l) }
            }
        }
        switch parts.count {
        case 0: return .unknown
        case 1: return parts[0]
        default: return .fused(parts)
        }
    }
}
