/// Checks that a module is well formed: SSA (each value defined once, before every use),
/// operand and attribute shapes against each op's declaration, result types against the
/// op's type rule, and function results against `return`. Every problem is reported, each
/// naming the op, its node name and (for parsed IR) its file position.
public enum Verifier {
    public static func verify(_ module: Module) throws(DiagnosticError) {
        try verify(module, source: nil)
    }

    static func verify(_ module: Module, source: SourceText?) throws(DiagnosticError) {
        var problems: [Diagnostic] = []
        let functionNames = Set(module.functions.map(\.name))
        for function in module.functions {
            problems += verify(function, module: module, functionNames: functionNames, source: source)
        }
        if !problems.isEmpty { throw DiagnosticError(problems) }
    }

    static func verify(_ function: Function, module: Module?, functionNames: Set<String>, source: SourceText?) -> [Diagnostic] {
        var problems: [Diagnostic] = []
        let callees = module?.signatures
        var names = NameTable()
        var defined = Set<ObjectIdentifier>()
        for arg in function.arguments {
            _ = names.name(for: arg)
            defined.insert(ObjectIdentifier(arg))
        }
        func tooLarge(_ t: TensorType) -> Bool { t.staticShape != nil && t.byteCount == nil }
        func report(_ op: Operation?, _ message: String) {
            var d = Diagnostic(.error, message)
            if let op {
                d.message = "\(op.diagnosticName): \(message)"
                if let p = op.sourcePosition {
                    d.position = p
                    d.sourceLine = source?.lineText(p.line)
                }
            } else {
                d.message = "@\(function.name): \(message)"
            }
            problems.append(d)
        }
        for (i, arg) in function.arguments.enumerated() where tooLarge(arg.type) {
            report(nil, "argument #\(i) has type \(TypeText.type(arg.type)), whose size in bytes overflows")
        }
        if function.argumentAttributes.count != function.arguments.count || function.resultAttributes.count != function.resultTypes.count {
            report(nil, "argument or result attribute lists do not match the signature")
        }

        let ops = function.body.operations
        for (index, op) in ops.enumerated() {
            let def = op.definition
            // Operands: defined earlier in this function.
            for (i, operand) in op.operands.enumerated() {
                guard let v = operand else { continue }
                if !defined.contains(ObjectIdentifier(v)) {
                    let where_ = v.definingOp?.block === function.body || v.ownerBlock === function.body ? "before its definition" : "from outside @\(function.name)"
                    report(op, "operand #\(i) (%\(names.name(for: v))) is used \(where_)")
                }
                if !v.useList.contains(where: { $0.user === op && $0.operandIndex == i }) {
                    report(op, "operand #\(i) is missing from its value's use list (IR was changed without the rewriter)")
                }
            }
            // Terminator placement.
            let isLast = index == ops.count - 1
            if def.traits.contains(.terminator) != isLast {
                report(op, isLast ? "the last operation of @\(function.name) must be 'return'" : "'\(def.name)' must be the last operation of the function")
            }
            // Operand slots.
            var grouped: [[TensorType]] = []
            do {
                grouped = try def.groupOperands(op.operands).map { $0.map(\.type) }
            } catch {
                report(op, error.message)
                continue
            }
            // Attributes against declarations.
            var attributesOK = true
            for (name, value) in op.attributes {
                guard let spec = def.attribute(named: name) else {
                    report(op, "unknown attribute '\(name)'")
                    attributesOK = false
                    continue
                }
                if spec.kind != value.kind {
                    report(op, "attribute '\(name)' must be \(spec.kind.displayName), got \(value.kind.displayName)")
                    attributesOK = false
                }
                if case .symbol(let s) = value, !functionNames.contains(s) {
                    report(op, "attribute '\(name)' refers to unknown function @\(s)")
                    attributesOK = false
                } else if case .symbol(let s) = value, s == function.name {
                    report(op, "attribute '\(name)' refers to @\(s) itself (recursion is not supported)")
                }
            }
            for spec in def.attributes where spec.presence == .required && op.attributes[spec.name] == nil {
                report(op, "missing required attribute '\(spec.name)'")
                attributesOK = false
            }
            if case .fixed(let n) = def.results, n != op.results.count {
                report(op, "has \(op.results.count) results, declared \(n)")
                continue
            }
            // Result types against the type rule.
            if attributesOK {
                let ctx = OpContext(definition: def, operandTypes: grouped, attributes: op.attributes,
                                    declaredResultTypes: op.results.map(\.type), blobs: module?.blobs, callees: callees)
                do {
                    let inferred = try def.inferTypes(ctx)
                    if inferred.count != op.results.count {
                        report(op, "type rule gives \(inferred.count) results but the op has \(op.results.count)")
                    } else {
                        for (i, (r, t)) in zip(op.results, inferred).enumerated() where !r.type.refines(t) {
                            report(op, "result #\(i) has type \(TypeText.type(r.type)) but the operands and attributes give \(TypeText.type(t))")
                        }
                    }
                } catch {
                    report(op, error.message)
                }
            }
            for (i, r) in op.results.enumerated() where tooLarge(r.type) {
                report(op, "result #\(i) has type \(TypeText.type(r.type)), whose size in bytes overflows")
            }
            for r in op.results {
                if r.definingOp !== op { report(op, "result is not owned by its operation") }
                defined.insert(ObjectIdentifier(r))
                _ = names.name(for: r)
            }
        }
        if let ret = function.body.terminator {
            let values = ret.presentOperands
            if values.count != function.resultTypes.count {
                report(ret, "returns \(values.count) value\(values.count == 1 ? "" : "s") but @\(function.name) declares \(function.resultTypes.count) result\(function.resultTypes.count == 1 ? "" : "s")")
            } else {
                for (i, (v, t)) in zip(values, function.resultTypes).enumerated() where !v.type.refines(t) && !t.refines(v.type) {
                    report(ret, "result #\(i) is \(TypeText.type(v.type)) but @\(function.name) declares \(TypeText.type(t))")
                }
            }
        } else if ops.isEmpty {
            report(nil, "the body is empty; it must end with 'return'")
        }
        return problems
    }
}
