import EdgeIR
import EdgeKernels
import Foundation

extension ONNXOps {
    /// A broadcasting binary op mapped to one IR op (folded at import time when both inputs are known).
    static func binary(_ opType: String, _ versions: [Int], _ def: OpDefinition) -> OpImporter {
        OpImporter(opType, versions) { ctx in
            [try ctx.apply1(def, [try ctx.input(0), try ctx.input(1)])]
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

    /// ONNX Mod from Edge IR ops (each folds at import when its operands are known, as in
    /// exported shape arithmetic): `r = a - trunc(a / b) * b` (C fmod; integer division
    /// truncates), then, unless `fmod`, `r + b` where `r` is non-zero and its sign differs from
    /// `b`'s (Python's remainder, ONNX's default for integers).
    static func mod(_ ctx: NodeContext) throws -> Imported {
        let a = try ctx.input(0), b = try ctx.input(1)
        let fmod = try ctx.int("fmod", 0) != 0
        guard case .scalar(let element) = a.type.element else { throw ctx.unsupported("a quantized Mod") }
        if element.isIntegral, let divisor = b.tensor, divisor.int64s().contains(0) { throw ImportError("integer modulo by zero") }
        func zero() throws -> Imported { .constant(try ctx.constantTensor([0], element, shape: [])) }
        var q = try ctx.apply1(Ops.div, [a, b])
        if element.isFloatingPoint {
            let negative = try ctx.apply1(Ops.lt, [q, try zero()])
            q = try ctx.apply1(Ops.where, [negative, try ctx.apply1(Ops.ceil, [q]), try ctx.apply1(Ops.floor, [q])])
        }
        var r = try ctx.apply1(Ops.sub, [a, try ctx.apply1(Ops.mul, [q, b])])
        if !fmod {
            let nonZero = try ctx.apply1(Ops.logicalNot, [try ctx.apply1(Ops.eq, [r, try zero()])])
            let signsDiffer = try ctx.apply1(Ops.logicalXor, [try ctx.apply1(Ops.lt, [r, try zero()]), try ctx.apply1(Ops.lt, [b, try zero()])])
            let adjust = try ctx.apply1(Ops.logicalAnd, [nonZero, signsDiffer])
            r = try ctx.apply1(Ops.where, [adjust, try ctx.apply1(Ops.add, [r, b]), r])
        }
        return r
    }

    /// ONNX Pow, whose exponent may have another element type than the base; the result has
    /// the base's type. A float base raises to the exponent cast to its type; an integer base
    /// is raised in f64 and truncated back (as C's `pow` into an integer).
    static func pow(_ ctx: NodeContext) throws -> Imported {
        let base = try ctx.input(0), exponent = try ctx.input(1)
        guard case .scalar(let element) = base.type.element else { throw ctx.unsupported("a quantized Pow") }
        if element.isFloatingPoint {
            return try ctx.apply1(Ops.pow, [base, try cast(ctx, exponent, to: element)])
        }
        let wide = try ctx.apply1(Ops.pow, [try cast(ctx, base, to: .f64), try cast(ctx, exponent, to: .f64)])
        return try cast(ctx, wide, to: element)
    }

    static let elementwise: [OpImporter] = [
        binary("Add", [7, 13, 14], Ops.add),
        binary("Sub", [7, 13, 14], Ops.sub),
        binary("Mul", [7, 13, 14], Ops.mul),
        binary("Div", [7, 13, 14], Ops.div),
        OpImporter("Pow", [7, 12, 13, 15]) { ctx in [try pow(ctx)] },
        binary("Equal", [7, 11, 13, 19], Ops.eq),
        binary("Less", [7, 9, 13], Ops.lt),
        binary("Greater", [7, 9, 13], Ops.gt),
        binary("LessOrEqual", [12, 16], Ops.le),
        binary("GreaterOrEqual", [12, 16], Ops.ge),
        binary("And", [7], Ops.logicalAnd),
        binary("Or", [7], Ops.logicalOr),
        binary("Xor", [7], Ops.logicalXor),
        // Mod appears in exported shape arithmetic; decomposed into ops that fold at import.
        OpImporter("Mod", [10, 13, 28]) { ctx in [try mod(ctx)] },
        variadic("Sum", [6, 8, 13], Ops.add),
        variadic("Max", [6, 8, 12, 13], Ops.maximum),
        variadic("Min", [6, 8, 12, 13], Ops.minimum),
        variadic("Mean", [6, 8, 13], Ops.add, mean: true),
        OpImporter("Where", [9, 16]) { ctx in
            [try ctx.apply1(Ops.where, [try ctx.input(0), try ctx.input(1), try ctx.input(2)])]
        },
    ]
}
