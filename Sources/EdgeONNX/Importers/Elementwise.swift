import EdgeIR
import Foundation

extension ONNXOps {
    /// A broadcasting binary op mapped to one IR op, folded at import time when both inputs are known.
    static func binary(_ opType: String, _ versions: [Int], _ def: OpDefinition, result: ScalarType? = nil,
                       int: (@Sendable (Int64, Int64) throws -> Int64)?, real: (@Sendable (Double, Double) -> Double)?) -> OpImporter {
        OpImporter(opType, versions, fold: { ctx in
            guard let int, let real, let a = ctx.constant(0), let b = ctx.constant(1) else { return nil }
            return try Fold.binary(a, b, result: result, int: int, real: real).map { [$0] }
        }) { ctx in
            [.value(try ctx.emit(def, [try ctx.value(0), try ctx.value(1)]))]
        }
    }

    /// A variadic op (Sum, Max, Min) as a chain of binary ops; Mean divides the sum by the count.
    static func variadic(_ opType: String, _ versions: [Int], _ def: OpDefinition, mean: Bool = false) -> OpImporter {
        OpImporter(opType, versions) { ctx in
            guard ctx.inputCount >= 1 else { throw ImportError("needs at least one input") }
            var acc = try ctx.value(0)
            for i in 1..<ctx.inputCount { acc = try ctx.emit(def, [acc, try ctx.value(i)]) }
            if mean && ctx.inputCount > 1 {
                acc = try ctx.emit(Ops.div, [acc, try ctx.scalarValue(Double(ctx.inputCount), acc.type.element, name: "count")])
            }
            return [.value(acc)]
        }
    }

    static func divide(_ a: Int64, _ b: Int64) throws -> Int64 {
        guard b != 0 else { throw ImportError("integer division by zero") }
        return a.dividedReportingOverflow(by: b).partialValue
    }

    static let elementwise: [OpImporter] = [
        binary("Add", [7, 13, 14], Ops.add, int: { $0 &+ $1 }, real: +),
        binary("Sub", [7, 13, 14], Ops.sub, int: { $0 &- $1 }, real: -),
        binary("Mul", [7, 13, 14], Ops.mul, int: { $0 &* $1 }, real: *),
        binary("Div", [7, 13, 14], Ops.div, int: divide, real: /),
        binary("Pow", [7, 12, 13, 15], Ops.pow, int: nil, real: nil),
        binary("Equal", [7, 11, 13, 19], Ops.eq, result: .bool, int: { $0 == $1 ? 1 : 0 }, real: { $0 == $1 ? 1 : 0 }),
        binary("Less", [7, 9, 13], Ops.lt, result: .bool, int: { $0 < $1 ? 1 : 0 }, real: { $0 < $1 ? 1 : 0 }),
        binary("Greater", [7, 9, 13], Ops.gt, result: .bool, int: { $0 > $1 ? 1 : 0 }, real: { $0 > $1 ? 1 : 0 }),
        binary("LessOrEqual", [12, 16], Ops.le, result: .bool, int: { $0 <= $1 ? 1 : 0 }, real: { $0 <= $1 ? 1 : 0 }),
        binary("GreaterOrEqual", [12, 16], Ops.ge, result: .bool, int: { $0 >= $1 ? 1 : 0 }, real: { $0 >= $1 ? 1 : 0 }),
        binary("And", [7], Ops.logicalAnd, result: .bool, int: { $0 != 0 && $1 != 0 ? 1 : 0 }, real: { $0 != 0 && $1 != 0 ? 1 : 0 }),
        binary("Or", [7], Ops.logicalOr, result: .bool, int: { $0 != 0 || $1 != 0 ? 1 : 0 }, real: { $0 != 0 || $1 != 0 ? 1 : 0 }),
        binary("Xor", [7], Ops.logicalXor, result: .bool, int: { ($0 != 0) != ($1 != 0) ? 1 : 0 }, real: { ($0 != 0) != ($1 != 0) ? 1 : 0 }),
        // Mod appears in exported shape arithmetic; edgec evaluates it at import time only.
        OpImporter("Mod", [10, 13, 28], fold: { ctx in
            guard let a = ctx.constant(0), let b = ctx.constant(1) else { return nil }
            let fmod = try ctx.int("fmod", 0) != 0
            return try Fold.binary(a, b, int: { x, y in
                guard y != 0 else { throw ImportError("integer modulo by zero") }
                let r = x % y
                return fmod || r == 0 || (r < 0) == (y < 0) ? r : r + y
            }, real: { x, y in
                let r = Foundation.fmod(x, y)
                return fmod || r == 0 || (r < 0) == (y < 0) ? r : r + y
            }).map { [$0] }
        }) { _ in throw ImportError("Mod is imported only when both inputs are known at import time (shape arithmetic)") },
        variadic("Sum", [6, 8, 13], Ops.add),
        variadic("Max", [6, 8, 12, 13], Ops.maximum),
        variadic("Min", [6, 8, 12, 13], Ops.minimum),
        variadic("Mean", [6, 8, 13], Ops.add, mean: true),
        OpImporter("Where", [9, 16], fold: { ctx in
            guard let c = ctx.constant(0), let a = ctx.constant(1), let b = ctx.constant(2),
                  c.count <= Fold.limit, a.count <= Fold.limit, b.count <= Fold.limit, a.element == b.element else { return nil }
            let shape = try Fold.broadcast(c.shape, try Fold.broadcast(a.shape, b.shape))
            let ic = Fold.sourceIndices(c.shape, to: shape), ia = Fold.sourceIndices(a.shape, to: shape), ib = Fold.sourceIndices(b.shape, to: shape)
            let cv = c.doubles
            if let av = a.int64s, let bv = b.int64s {
                let v = (0..<ic.count).map { cv[ic[$0]] != 0 ? av[ia[$0]] : bv[ib[$0]] }
                return [ConstTensor(element: a.element, shape: shape, values: []).withExactInts(v, a.element)]
            }
            let av = a.doubles, bv = b.doubles
            return [ConstTensor(element: a.element, shape: shape, values: (0..<ic.count).map { cv[ic[$0]] != 0 ? av[ia[$0]] : bv[ib[$0]] })]
        }) { ctx in
            [.value(try ctx.emit(Ops.where, [try ctx.value(0), try ctx.value(1), try ctx.value(2)]))]
        },
    ]
}
