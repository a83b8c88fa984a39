import EdgeIR

/// Gives a function's inputs concrete shapes and re-infers every type from them (for
/// backends that need static shapes). The result is a new module sharing the blobs.
public enum ShapeSpecialization {
    /// Returns a copy of `module`'s main function with the inputs named in `shapes` (by source
    /// name or SSA name) given those shapes; other inputs keep theirs. With no shapes there is
    /// nothing to do: `module` itself is returned.
    public static func specialize(_ module: Module, shapes: [String: [Int]]) throws(DiagnosticError) -> Module {
        try specialize(module, dims: shapes.mapValues { $0.map { Dim.known($0) } })
    }

    /// ``specialize(_:shapes:)`` with dims that may be symbols: a bounded dim (a named symbol,
    /// see ``BoundedDims``) may replace any declared dim, a known size only a symbol or the same size.
    public static func specialize(_ module: Module, dims shapes: [String: [Dim]]) throws(DiagnosticError) -> Module {
        if shapes.isEmpty { return module }
        guard let main = module.mainFunction else { throw DiagnosticError(Diagnostic(.error, "module has no function")) }
        var types = main.arguments.map(\.type)
        var unused = Set(shapes.keys)
        for i in main.arguments.indices {
            let names = [main.inputName(i), main.arguments[i].nameHint].compactMap { $0 }
            guard let key = names.first(where: { shapes[$0] != nil }), let dims = shapes[key] else { continue }
            unused.remove(key)
            guard dims.count == types[i].rank else {
                throw DiagnosticError(Diagnostic(.error, "--input-shape \(key): \(dims.count) dims given, but the input has rank \(types[i].rank) (\(TypeText.type(types[i])))"))
            }
            for (d, given) in zip(types[i].shape, dims) {
                if let known = d.value, let g = given.value, known != g {
                    throw DiagnosticError(Diagnostic(.error, "--input-shape \(key): \(dims.allSatisfy { $0.value != nil } ? "\(dims.compactMap(\.value))" : ShapeRules.describe(dims)) does not match the declared \(TypeText.type(types[i]))"))
                }
            }
            types[i] = TensorType(types[i].element, dims)
        }
        if let name = unused.sorted().first {
            let known = main.arguments.indices.map { main.inputName($0) ?? "#\($0)" }
            throw DiagnosticError(Diagnostic(.error, "--input-shape \(name): no input has that name (inputs: \(known.joined(separator: ", ")))"))
        }
        return try build(main, module: module, argumentTypes: types)
    }

    /// `module` with every input dim that is one of `symbols` given its size there, every type
    /// re-inferred (a bounded module at one size of its range; see ``BoundedDims``).
    public static func fix(_ module: Module, symbols: [String: Int]) throws(DiagnosticError) -> Module {
        guard let main = module.mainFunction else { throw DiagnosticError(Diagnostic(.error, "module has no function")) }
        let types = main.arguments.map { a in
            TensorType(a.type.element, a.type.shape.map { d -> Dim in
                if case .symbolic(let s) = d, let v = symbols[s] { return .known(v) }
                return d
            })
        }
        return try build(main, module: module, argumentTypes: types)
    }

    /// Rebuilds `main` once with new argument types; every type is re-inferred, and the result
    /// types become those of the returned values. The branches of its `edge.if` ops are rebuilt
    /// with the types the If passes them (recursively).
    private static func build(_ main: Function, module: Module, argumentTypes: [TensorType]) throws(DiagnosticError) -> Module {
        let out = Module(name: module.name, blobs: module.blobs)
        out.attributes = module.attributes
        var depth = 0
        _ = try build(main, from: module, into: out, name: main.name, argumentTypes: argumentTypes, depth: &depth)
        return out
    }

    private static func build(_ main: Function, from module: Module, into out: Module, name: String, argumentTypes: [TensorType],
                              depth: inout Int) throws(DiagnosticError) -> Function {
        depth += 1
        defer { depth -= 1 }
        guard depth <= 64 else { throw DiagnosticError(Diagnostic(.error, "@\(main.name): branches nest more than 64 deep (or call themselves)")) }
        let f = Function(name: name, argumentTypes: argumentTypes, argumentNames: main.arguments.map(\.nameHint), resultTypes: main.resultTypes)
        f.argumentAttributes = main.argumentAttributes
        f.resultAttributes = main.resultAttributes
        f.attributes = main.attributes
        out.add(f)
        let builder = IRBuilder(function: f)
        var map: [ObjectIdentifier: Value] = [:]
        for (a, b) in zip(main.arguments, f.arguments) { map[ObjectIdentifier(a)] = b }
        for op in main.body.operations {
            let mapped = op.operands.map { $0.map { map[ObjectIdentifier($0)]! } }
            do {
                if op.definition.traits.contains(.terminator) {
                    let returned = mapped.compactMap { $0 }
                    f.setResultTypes(returned.map(\.type))
                    try builder.makeReturn(returned)
                    continue
                }
                var attributes = op.attributes
                if op.definition === Ops.conditional || op.definition === Ops.loop {
                    // A branch takes the If's inputs; a loop body the counter and condition too.
                    let loop = op.definition === Ops.loop
                    let given = mapped.compactMap { $0 }.map(\.type)
                    let inputs = Array(given.dropFirst(loop ? 2 : 1))
                    for key in op.definition.attributes.filter({ $0.kind == .symbol }).map(\.name) {
                        var inputs = inputs
                        if loop, let body = op.attribute(key)?.symbolValue.flatMap(module.function(named:)), body.arguments.count >= 2 {
                            inputs = body.arguments[..<2].map(\.type) + inputs
                        }
                        guard let callee = op.attribute(key)?.symbolValue.flatMap(module.function(named:)) else {
                            throw DiagnosticError(Diagnostic(.error, "\(op.diagnosticName): \(key) is not a function of the module"))
                        }
                        let copy = try build(callee, from: module, into: out, name: out.function(named: callee.name) == nil ? callee.name : out.uniqueFunctionName(callee.name), argumentTypes: inputs, depth: &depth)
                        attributes[key] = .symbol(copy.name)
                    }
                }
                let isConstant = op.definition.traits.contains(.constantLike)
                let created = try builder.create(op.definition, mapped, attributes: attributes,
                                                 resultTypes: isConstant ? op.results.map(\.type) : nil, location: op.location)
                for (old, new) in zip(op.results, created.results) {
                    new.nameHint = old.nameHint
                    map[ObjectIdentifier(old)] = new
                }
            } catch let e as DiagnosticError {
                throw e
            } catch {
                throw DiagnosticError(Diagnostic(.error, "\(op.diagnosticName): with the given input shapes: \(error)"))
            }
        }
        return f
    }
}
