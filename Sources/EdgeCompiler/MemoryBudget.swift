import EdgeBackends
import EdgeIR
import EdgeProgram

/// Checks of what a model asks to allocate against `--max-memory`, made before anything that
/// large exists: every statically shaped value (a `ConstantOfShape`, `Expand`, `Tile` or
/// `Resize` to a huge shape, an input given an enormous `--input-shape`) and the planned arena
/// plus constants of the compiled program.
public enum MemoryBudget {
    /// Every value of `module` whose shape is known must fit in `limit`; one diagnostic per
    /// offending value, naming the op and its node.
    public static func check(_ module: Module, limit: MemoryLimit) throws(DiagnosticError) {
        var problems: [Diagnostic] = []
        for function in module.functions {
            for (i, arg) in function.arguments.enumerated() where arg.type.staticShape != nil && !limit.allows(arg.type.byteCount) {
                let name = function.inputName(i).map { "\"\($0)\"" } ?? "#\(i)"
                problems.append(Diagnostic(.error, limit.overMessage("input \(name) of @\(function.name) (\(TypeText.type(arg.type)))", bytes: arg.type.byteCount)))
            }
            for op in function.body.operations {
                for r in op.results where r.type.staticShape != nil && !limit.allows(r.type.byteCount) {
                    let result = op.results.count > 1 ? " (result #\(r.index), \(TypeText.type(r.type)))" : " (\(TypeText.type(r.type)))"
                    problems.append(Diagnostic(.error, limit.overMessage(op.diagnosticName + result, bytes: r.type.byteCount)))
                }
                if problems.count >= 20 { break }
            }
        }
        if !problems.isEmpty { throw DiagnosticError(problems) }
    }

    /// The program's planned arenas and constants together must fit in `limit` (what
    /// `edgec run` allocates at load).
    public static func check(_ compiled: CompiledProgram, limit: MemoryLimit) throws(DiagnosticError) {
        for plan in compiled.program.plans {
            var total: Int? = compiled.constantBytes
            for size in plan.nonConstBufferSizes {
                total = total.flatMap { t in Int(exactly: size).flatMap { s in t.addingReportingOverflow(s).overflow ? nil : t + s } }
            }
            guard limit.allows(total) else {
                throw DiagnosticError(Diagnostic(.error, limit.overMessage("the memory plan of \"\(plan.name)\" (arenas \(plan.nonConstBufferSizes.dropFirst().map { MemoryLimit.format(Int(clamping: $0)) }.joined(separator: ", ")) + constants \(MemoryLimit.format(compiled.constantBytes)))", bytes: total)))
            }
        }
    }
}
