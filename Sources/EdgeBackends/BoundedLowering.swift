import EdgeIR
import EdgePasses
import EdgeProgram

/// Lowers a module with one bounded symbolic dim (``BoundedDims``: `f32[?N,3,32,32]` with
/// `edge.bound.N = [1, 8]`) to one program that runs at every size in the range.
///
/// The module is lowered at the upper bound and at other sizes of the range (every size when
/// the range has at most ``maxCheckedSizes``, else both ends and sizes spread between; see
/// ``checkedSizes(_:)`` for size 1), each a
/// static specialization of the same optimized IR, with views as `view_copy` kernels
/// (``LoweringOptions/copyViews``). The programs must be the same but for sizes:
/// - a tensor dim that changes must be `a·s + b` with `a >= 1` at every checked size: the tensor
///   becomes `DYNAMIC_BOUND` with the upper bound's sizes (memory is planned for it), and the
///   dim goes to the ``BoundedShapes`` record edgec's interpreter reads;
/// - an `Int` that changes may only be an entry of a `view_copy` size list (a reshape target
///   that mentions the bounded dim): it becomes `-1`, which the kernel infers from its input;
/// - any other difference (a kernel argument such as a slice end or an expand size, a constant,
///   a different chain) is an error naming the node, since the program would be right at one
///   size only.
public enum BoundedLowering {
    /// At most this many sizes of the range are lowered and compared.
    public static let maxCheckedSizes = 8

    /// The sizes compared for `range`: the upper bound first. Size 1 is left out: lowering takes shortcuts for a dim of 1 (one `mm` for a batch of one,
    /// no `expand_copy` when the element counts agree), so its chain differs although the
    /// program lowered at the bound computes the same at size 1 (every kernel sizes its work from
    /// the actual tensors; a dim that follows the bounded size never broadcasts against a
    /// static one, since both are the same size when the program lowers at 2 or more).
    /// A range `1...2` has one size besides 1; 3 is lowered as a probe (only to see which dims
    /// follow the bound, and how: memory is planned for 2).
    public static func checkedSizes(_ range: ClosedRange<Int>) -> [Int] {
        if range == 1 ... 2 { return [2, 3] }
        let lo = range.lowerBound == 1 ? 2 : range.lowerBound
        let checked = lo ... range.upperBound
        var sizes = [range.upperBound]
        if checked.count <= maxCheckedSizes {
            sizes += checked.reversed().dropFirst()
        } else {
            let n = maxCheckedSizes - 1
            for k in 0 ..< n {
                let s = lo + (checked.count - 2) * k / max(n - 1, 1)
                if !sizes.contains(s) { sizes.append(s) }
            }
        }
        return sizes
    }

    /// The bounded program of `module` for `backend` (which must lower with
    /// ``LoweringOptions/copyViews``). `module` has exactly one bounded symbol.
    public static func lower(_ module: Module, backend: any Backend) throws -> CompiledProgram {
        let bounds = try BoundedDims.bounds(of: module)
        guard bounds.count == 1, let (symbol, range) = bounds.first else {
            throw DiagnosticError(Diagnostic(.error, bounds.isEmpty ? "module has no bounded dim (edge.bound.<symbol>)"
                : "the module bounds \(bounds.count) symbols (\(bounds.keys.sorted().joined(separator: ", "))); a program may have one bounded size"))
        }
        let options = LoweringOptions(copyViews: true)
        var programs: [(size: Int, compiled: CompiledProgram)] = []
        for s in checkedSizes(range) {
            let fixed = try ShapeSpecialization.fix(module, symbols: [symbol: s])
            do {
                programs.append((s, try backend.lower(fixed, options: options)))
            } catch {
                if s == range.upperBound { throw error }
                throw DiagnosticError(Diagnostic(.error, "with \(symbol) = \(s) (in its range \(range.lowerBound)..\(range.upperBound)): \(error)"))
            }
        }
        return try merge(programs, symbol: symbol, range: range)
    }

    struct Mismatch: Error { var message: String }

    /// Merges the programs lowered at each checked size (the upper bound first) into the bounded one.
    static func merge(_ programs: [(size: Int, compiled: CompiledProgram)], symbol: String, range: ClosedRange<Int>) throws(DiagnosticError) -> CompiledProgram {
        var result = programs[0].compiled
        let top = result.program
        guard top.plans.count == 1 else { throw DiagnosticError(Diagnostic(.error, "a bounded program has one method")) }
        var plan = top.plans[0]
        let uses = argumentUses(plan)
        func where_(_ value: Int) -> String {
            guard let (k, name) = uses[value]?.first else { return "value %\(value)" }
            return "\(plan.describeInstruction(k)) argument \"\(name)\""
        }
        func fail(_ value: Int, _ why: String) -> DiagnosticError {
            DiagnosticError(Diagnostic(.error, "\(where_(value)): \(why) (bounded dim \(symbol) in \(range.lowerBound)..\(range.upperBound))"))
        }
        for (s, other) in programs.dropFirst() {
            let p = other.program
            let o = p.plans[0]
            guard o.values.count == plan.values.count, o.instructions == plan.instructions, o.operators == plan.operators,
                  o.inputs == plan.inputs, o.outputs == plan.outputs, p.constantBuffers.count == top.constantBuffers.count else {
                let k = (0 ..< min(o.instructions.count, plan.instructions.count)).first { o.instructions[$0] != plan.instructions[$0] } ?? min(o.instructions.count, plan.instructions.count)
                throw DiagnosticError(Diagnostic(.error, "\(plan.describeInstruction(k)): the program lowers differently with \(symbol) = \(s) than with \(symbol) = \(range.upperBound); only sizes may follow a bounded dim"))
            }
            if let c = top.constantBuffers.indices.first(where: { p.constantBuffers[$0] != top.constantBuffers[$0] }) {
                let v = plan.values.firstIndex { $0.tensor?.dataBufferIndex == UInt32(c) } ?? -1
                throw fail(v, "a constant depends on the bounded size")
            }
        }
        // Each value across the checked sizes.
        var dims: [BoundedShapes.DynamicDim] = []
        var sizeEntries: [Int: Int] = [:]  // an Int value that changes: its -1 replaces it
        for i in plan.values.indices {
            // Arena offsets differ with the sizes; the upper bound's plan is the program's.
            let seen = programs.map { p -> EValue in
                guard case .tensor(var t) = p.compiled.program.plans[0].values[i] else { return p.compiled.program.plans[0].values[i] }
                t.allocation = nil
                return .tensor(t)
            }
            if seen.dropFirst().allSatisfy({ $0 == seen[0] }) { continue }
            switch seen[0] {
            case .tensor:
                guard case .tensor(var t) = plan.values[i] else { throw fail(i, "internal error: not a tensor") }
                let tensors = seen.compactMap(\.tensor)
                guard tensors.count == seen.count, tensors.allSatisfy({ $0.scalarType == t.scalarType && $0.sizes.count == t.sizes.count && $0.dataBufferIndex == t.dataBufferIndex }) else {
                    throw fail(i, "the value's kind or element type depends on the bounded size")
                }
                guard t.dataBufferIndex == 0 else { throw fail(i, "a constant's shape depends on the bounded size") }
                for d in t.sizes.indices where tensors.contains(where: { $0.sizes[d] != t.sizes[d] }) {
                    let points = zip(programs.map(\.size), tensors.map { Int($0.sizes[d]) }).map { ($0, $1) }
                    guard let (a, b) = affine(points), a >= 1, a * range.lowerBound + b >= 0 else {
                        let list = points.map { "\($0.1) at \(symbol)=\($0.0)" }.joined(separator: ", ")
                        throw fail(i, "dim \(d) of this tensor is not a size a·\(symbol)+b (it is \(list)); such a shape is not supported in a bounded program")
                    }
                    dims.append(.init(value: i, dim: d, scale: a, offset: b))
                }
                t.shapeDynamism = 1
                plan.values[i] = .tensor(t)
            case .int:
                guard let list = uses[i]?.first(where: { $0.name == "size" && isViewCopy(plan, $0.instruction) }) else {
                    throw fail(i, "this argument depends on the bounded size; only reshape sizes may follow a bounded dim")
                }
                sizeEntries[i] = list.instruction
            default:
                throw fail(i, "this argument depends on the bounded size; only reshape sizes may follow a bounded dim")
            }
        }
        // A size list may infer one entry (-1).
        var minusOnes: [Int: Int] = [:]
        for (i, k) in sizeEntries.sorted(by: { $0.key < $1.key }) {
            minusOnes[k, default: 0] += 1
            guard minusOnes[k]! == 1 else {
                throw DiagnosticError(Diagnostic(.error, "\(plan.describeInstruction(k)): more than one entry of the reshape size depends on the bounded size \(symbol); a reshape may infer one"))
            }
            plan.values[i] = .int(-1)
        }
        var program = top
        program.plans[0] = plan
        let record = BoundedShapes(symbol: symbol, min: range.lowerBound, max: range.upperBound, dims: dims)
        program.namedData.append(record.namedData)
        result.program = program
        return result
    }

    /// `(a, b)` with `size == a·s + b` at every point, or nil.
    static func affine(_ points: [(Int, Int)]) -> (Int, Int)? {
        guard points.count >= 2 else { return nil }
        let (s0, d0) = points[0], (s1, d1) = points[1]
        guard s0 != s1, (d0 - d1) % (s0 - s1) == 0 else { return nil }
        let a = (d0 - d1) / (s0 - s1), b = d0 - a * s0
        return points.allSatisfy { a * $0.0 + b == $0.1 } ? (a, b) : nil
    }

    static func isViewCopy(_ plan: ExecutionPlan, _ k: Int) -> Bool {
        guard case let .kernelCall(op, _) = plan.instructions[k] else { return false }
        return plan.operators[Int(op)].qualifiedName == ATenKernel.viewCopy.rawValue
    }

    /// Where each value is passed: (instruction, schema argument name), list items included.
    static func argumentUses(_ plan: ExecutionPlan) -> [Int: [(instruction: Int, name: String)]] {
        var uses: [Int: [(instruction: Int, name: String)]] = [:]
        for (k, instruction) in plan.instructions.enumerated() {
            switch instruction {
            case let .kernelCall(op, args):
                let schema = ATenKernel(rawValue: plan.operators[Int(op)].qualifiedName)?.schema
                for (p, a) in args.enumerated() {
                    let name = schema.flatMap { p < $0.parameters.count ? $0.parameters[p].name : nil } ?? "#\(p)"
                    uses[Int(a), default: []].append((k, name))
                    switch plan.values[Int(a)] {
                    case .intList(let items), .tensorList(let items), .optionalTensorList(let items):
                        for item in items where item >= 0 { uses[Int(item), default: []].append((k, name)) }
                    default: break
                    }
                }
            case let .delegateCall(_, args):
                for (p, a) in args.enumerated() { uses[Int(a), default: []].append((k, "#\(p)")) }
            case .jumpFalse, .move:
                for (p, a) in instruction.valueIndices.enumerated() { uses[Int(a), default: []].append((k, "#\(p)")) }
            }
        }
        return uses
    }
}
