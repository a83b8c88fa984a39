import EdgeIR

// Bitwise ops on integers: BitwiseAnd / Or / Xor / Not and BitShift.

extension ONNXOps {
    static let bitwise: [OpImporter] = [
        binary("BitwiseAnd", [18], Ops.bitwiseAnd),
        binary("BitwiseOr", [18], Ops.bitwiseOr),
        binary("BitwiseXor", [18], Ops.bitwiseXor),
        unary("BitwiseNot", [18], Ops.bitwiseNot),
        // Shift amounts outside 0..<bit width give the sign fill (x >> (width - 1): 0, or -1 for a
        // negative x shifted right) whatever the kernel does with them: the amount is replaced by
        // 0 there and the result by the fill.
        OpImporter("BitShift", [11, 28]) { ctx in
            let x = try ctx.input(0), s = try ctx.input(1)
            let direction = try ctx.string("direction", "")
            guard direction == "LEFT" || direction == "RIGHT" else { throw ImportError("BitShift's direction must be \"LEFT\" or \"RIGHT\", got \"\(direction)\"") }
            guard case .scalar(let element) = x.type.element, element.isIntegral else {
                throw ImportError("BitShift needs integer operands, got \(TypeText.type(x.type))")
            }
            let width = Double(element.byteSize * 8)
            func scalar(_ v: Double) throws -> Imported { .constant(try ctx.constantTensor([v], element, shape: [])) }
            let inRange = try ctx.apply1(Ops.logicalAnd, [try ctx.apply1(Ops.ge, [s, try scalar(0)]), try ctx.apply1(Ops.lt, [s, try scalar(width)])])
            let amount = try ctx.apply1(Ops.where, [inRange, s, try scalar(0)])
            let shifted = try ctx.apply1(direction == "LEFT" ? Ops.bitwiseLeftShift : Ops.bitwiseRightShift, [x, amount])
            let fill = direction == "LEFT" || element.isUnsigned ? try scalar(0) : try ctx.apply1(Ops.bitwiseRightShift, [x, try scalar(width - 1)])
            return [try ctx.apply1(Ops.where, [inRange, shifted, fill])]
        },
    ]

    static let moreMath: [OpImporter] = [
        unary("Tan", [7, 22], Ops.tan),
        unary("Asin", [7, 22], Ops.asin),
        unary("Acos", [7, 22], Ops.acos),
        unary("Atan", [7, 22], Ops.atan),
        unary("Sinh", [9, 22], Ops.sinh),
        unary("Cosh", [9, 22], Ops.cosh),
        unary("Asinh", [9, 22], Ops.asinh),
        unary("Acosh", [9, 22], Ops.acosh),
        unary("Atanh", [9, 22], Ops.atanh),
        unary("Round", [11, 22], Ops.round),
    ]
}
