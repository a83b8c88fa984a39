import EdgeIR

extension ONNXOps {
    /// Einsum with one or two operands and no repeated index inside an operand (no
    /// diagonals): the forms models use (`bij,bjk->bik`, `bhqd,bhkd->bhqk`, `ij->ji`, `ij->i`).
    /// Two operands become permute → reshape → matmul → reshape → permute; indices that appear
    /// in only one operand and not in the output are summed first.
    static let einsum: [OpImporter] = [
        OpImporter("Einsum", [12, 28]) { ctx in
            let equation = try ctx.string("equation", "")
            let operands = try (0..<ctx.inputCount).map { try ctx.value($0) }
            let spec = try EinsumSpec(equation, ranks: operands.map(\.type.rank))
            var terms: [(value: Value, letters: [Character])] = zip(operands, spec.inputs).map { ($0, $1) }
            // Sum indices that appear in just one place (one input, not the output).
            for i in terms.indices {
                let others = terms.enumerated().filter { $0.offset != i }.flatMap(\.element.letters) + spec.output
                let lone = terms[i].letters.enumerated().filter { !others.contains($0.element) }.map(\.offset)
                if !lone.isEmpty {
                    let v = try ctx.emit(Ops.sum, [terms[i].value], ["axes": .ints(lone.map(Int64.init)), "keepdim": .bool(false)])
                    terms[i] = (v, terms[i].letters.enumerated().filter { !lone.contains($0.offset) }.map(\.element))
                }
            }
            var result: (value: Value, letters: [Character])
            switch terms.count {
            case 1:
                result = terms[0]
            case 2:
                result = try contract(ctx, terms[0], terms[1], output: spec.output)
            default:
                throw ImportError("Einsum with \(terms.count) operands is not supported (one or two are)")
            }
            // Permute into the output order.
            let order = try spec.output.map { c -> Int in
                guard let i = result.letters.firstIndex(of: c) else { throw ImportError("Einsum output index '\(c)' is not produced") }
                return i
            }
            if order != Array(0..<order.count) {
                result.value = try ctx.emit(Ops.permute, [result.value], ["dims": .ints(order.map(Int64.init))])
            }
            return [.value(result.value)]
        },
    ]

    /// A·B over the shared indices: batch indices (in A, B and the output), contracted ones
    /// (in A and B only), and the free indices of each side.
    private static func contract(_ ctx: NodeContext, _ a: (value: Value, letters: [Character]), _ b: (value: Value, letters: [Character]),
                                 output: [Character]) throws -> (value: Value, letters: [Character]) {
        let batch = a.letters.filter { b.letters.contains($0) && output.contains($0) }
        let contracted = a.letters.filter { b.letters.contains($0) && !output.contains($0) }
        let freeA = a.letters.filter { !b.letters.contains($0) }
        let freeB = b.letters.filter { !a.letters.contains($0) }
        guard a.value.type.staticShape != nil, b.value.type.staticShape != nil else {
            throw ImportError("Einsum of two operands needs static shapes, got \(TypeText.type(a.value.type)) and \(TypeText.type(b.value.type))\(ctx.shapeFix(a.value.type.staticShape == nil ? a.value.type : b.value.type))")
        }
        func size(_ c: Character) -> Int {
            if let i = a.letters.firstIndex(of: c) { return a.value.type.shape[i].value! }
            return b.value.type.shape[b.letters.firstIndex(of: c)!].value!
        }
        for c in batch + contracted where size(c) != b.value.type.shape[b.letters.firstIndex(of: c)!].value! {
            throw ImportError("Einsum index '\(c)' has different sizes in the two operands")
        }
        let product = { (cs: [Character]) in cs.reduce(1) { $0 * size($1) } }
        func arrange(_ t: (value: Value, letters: [Character]), _ order: [Character], _ shape: [Int]) throws -> Value {
            var v = t.value
            let perm = order.map { t.letters.firstIndex(of: $0)! }
            if perm != Array(0..<perm.count) { v = try ctx.emit(Ops.permute, [v], ["dims": .ints(perm.map(Int64.init))]) }
            return try ctx.emit(Ops.reshape, [v], ["shape": .ints(shape.map(Int64.init))])
        }
        let batchDims = batch.map(size)
        let lhs = try arrange(a, batch + freeA + contracted, batchDims + [product(freeA), product(contracted)])
        let rhs = try arrange(b, batch + contracted + freeB, batchDims + [product(contracted), product(freeB)])
        let mm = try ctx.emit(Ops.matmul, [lhs, rhs])
        let out = try ctx.emit(Ops.reshape, [mm], ["shape": .ints((batchDims + freeA.map(size) + freeB.map(size)).map(Int64.init))])
        return (out, batch + freeA + freeB)
    }
}

/// A parsed Einsum equation with `...` expanded into fresh index letters.
struct EinsumSpec {
    var inputs: [[Character]]
    var output: [Character]

    init(_ equation: String, ranks: [Int]) throws {
        let text = equation.filter { !$0.isWhitespace }
        let sides = text.components(separatedBy: "->")
        // An empty term is a scalar operand (`->` maps a scalar to itself).
        guard sides.count <= 2 else { throw ImportError("malformed Einsum equation '\(equation)'") }
        let terms = sides[0].components(separatedBy: ",")
        guard terms.count == ranks.count else {
            throw ImportError("Einsum equation '\(equation)' names \(terms.count) operands but the node has \(ranks.count)")
        }
        // Letters for '...': uppercase letters the equation does not use.
        let used = Set(text)
        let spare = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ").filter { !used.contains($0) }
        var ellipsisRank = 0
        for (term, rank) in zip(terms, ranks) where term.contains("...") {
            ellipsisRank = max(ellipsisRank, rank - (term.count - 3))
        }
        guard ellipsisRank <= spare.count else { throw ImportError("Einsum ellipsis covers too many dimensions") }
        func expand(_ term: String, rank: Int?) throws -> [Character] {
            guard term.allSatisfy({ $0.isLetter || $0 == "." }) else { throw ImportError("malformed Einsum term '\(term)'") }
            guard let r = term.range(of: "...") else { return Array(term) }
            let n = rank.map { $0 - (term.count - 3) } ?? ellipsisRank
            guard n >= 0 else { throw ImportError("Einsum term '\(term)' has more indices than its operand's rank") }
            return Array(term[..<r.lowerBound]) + Array(spare[(ellipsisRank - n)..<ellipsisRank]) + Array(term[r.upperBound...])
        }
        inputs = try zip(terms, ranks).map { try expand($0, rank: $1) }
        for (letters, rank) in zip(inputs, ranks) {
            guard letters.count == rank else { throw ImportError("Einsum term '\(String(letters))' does not match its operand's rank \(rank)") }
            guard Set(letters).count == letters.count else {
                throw ImportError("Einsum with a repeated index inside one operand (a diagonal) is not supported")
            }
        }
        if sides.count == 2 {
            output = try expand(sides[1], rank: nil)
        } else {
            // Implicit output: ellipsis indices first, then letters that appear once, sorted.
            let all = inputs.flatMap { $0 }
            let ellipsis = Array(spare.prefix(ellipsisRank))
            output = ellipsis + all.filter { c in !ellipsis.contains(c) && all.filter { $0 == c }.count == 1 }.sorted()
        }
        let known = Set(inputs.flatMap { $0 })
        for c in output where !known.contains(c) { throw ImportError("Einsum output index '\(c)' appears in no input") }
        guard Set(output).count == output.count else { throw ImportError("Einsum output repeats an index") }
    }
}
