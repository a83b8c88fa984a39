import EdgeIR
import EdgeKernels
import EdgeProgram

/// Why one op could not be lowered (collected into a ``LoweringError``).
struct Unsupported: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

/// How one Edge IR op lowers: the op, the kernels it may emit (documentation and the
/// registered-kernel check derive from them), a short note, and the lowering.
struct PortableRule: Sendable {
    let op: String
    let kernels: [ATenKernel]
    let note: String
    let lower: PortableLowering.Rule

    init(_ op: String, _ kernels: [ATenKernel], _ note: String = "", _ lower: @escaping PortableLowering.Rule) {
        self.op = op
        self.kernels = kernels
        self.note = note
        self.lower = lower
    }
}

/// The portable lowering of one function: each Edge IR op becomes ATen out-variant kernel
/// calls built by argument name from the kernels' schemas (``ATenKernel``), which lay them out
/// exactly as ExecuTorch's emitter writes them. The rules live by concept in `Rules/`.
struct PortableLowering {
    typealias Rule = @Sendable (inout PortableLowering, Operation) throws(Unsupported) -> Void

    let function: Function
    let blobs: BlobStore
    let builder = PlanBuilder()
    private var valueOf: [ObjectIdentifier: Int32] = [:]
    /// Constants read only as linear weights: emitted once, already transposed, by ``linear(_:)``.
    var linearWeights: [ObjectIdentifier: (PTEScalarType, [Int], [UInt8])] = [:]
    /// The delegate payload of each function an `edge.delegate_call` may call (a backend with a
    /// delegate fills it; see ``delegateCall(_:)``).
    var delegates: [String: BackendDelegate] = [:]
    /// Views become `view_copy.out` kernels (``LoweringOptions/copyViews``).
    var copyViews = false
    /// Values a branch returns, bound to the `edge.if` result their kernel writes (``out(_:)``).
    var preassigned: [ObjectIdentifier: Int32] = [:]
    /// The branches being lowered, outermost first (a branch that calls itself is an error).
    var branchStack: [String] = []

    init(function: Function, blobs: BlobStore) {
        self.function = function
        self.blobs = blobs
    }

    // MARK: Driver

    mutating func run() throws -> (ExecutionPlan, MemoryPlan) {
        var failures: [String] = []
        var inputs: [Int32] = []
        for (i, arg) in function.arguments.enumerated() {
            guard let type = try? Self.tensorType(arg.type) else {
                let name = function.inputName(i) ?? "#\(i)"
                let hint = arg.type.staticShape == nil ? InputShape.fixHint(for: arg.type, in: function) : ""
                throw LoweringError(failures: ["input \(name) has type \(TypeText.type(arg.type)), but the portable backend needs static shapes and plain element types\(hint)"], backend: PortableBackend.name)
            }
            let v = builder.planned(type.0, type.1)
            valueOf[ObjectIdentifier(arg)] = v
            inputs.append(v)
        }
        for op in function.body.operations where !op.definition.traits.contains(.terminator) {
            builder.location = op.location.frames
            do throws(Unsupported) {
                try lower(op)
            } catch {
                failures.append(Self.describe(op) + (error.reason.isEmpty ? "" : " (\(error.reason))"))
                for r in op.results where valueOf[ObjectIdentifier(r)] == nil {
                    valueOf[ObjectIdentifier(r)] = builder.planned(.float, [0])  // placeholder so later ops still lower
                }
            }
        }
        if !failures.isEmpty { throw LoweringError(failures: failures, backend: PortableBackend.name) }
        var outputs: [Int32] = []
        builder.location = FrameList()
        for v in function.returnedValues {
            var index = t(v)
            // A returned constant or input (or a view of one) gets its own planned copy, so every
            // output is a kernel's out.
            if builder.isConstant(index) || inputs.contains(where: { builder.sharesStorage($0, index) }) {
                let copy = builder.planned(builder.tensor(index).scalarType, builder.tensor(index).sizes.map(Int.init))
                do { try builder.call(.clone, ["self": index, "out": copy]) } catch {
                    throw LoweringError(failures: ["internal error: \(error)"], backend: PortableBackend.name)
                }
                index = copy
            }
            outputs.append(index)
        }
        let names = IONames(inputs: function.arguments.indices.map { function.inputName($0) ?? "input_\($0)" },
                            outputs: outputs.indices.map { function.outputName($0) ?? "output_\($0)" })
        return try builder.finish(inputs: inputs, outputs: outputs, ioNames: names)
    }

    /// Lowers one op (of `@main` or of a branch) by its rule.
    mutating func lower(_ op: Operation) throws(Unsupported) {
        // Delegate calls may pass quantized tensors (their integers) between delegates;
        // quantize / dequantize and quantized constants hold them as their storage type.
        let stored = op.definition === Ops.delegateCall || op.definition === Ops.quantize
            || op.definition === Ops.dequantize || op.definition === Ops.constant
        for r in op.results { _ = try Self.tensorType(r.type, quantizedAsStorage: stored) }
        for v in op.presentOperands { _ = try Self.tensorType(v.type, quantizedAsStorage: stored) }
        if op.definition === Ops.delegateCall {
            try delegateCall(op)
        } else {
            guard let rule = Self.rules[op.name] else { throw Unsupported("") }
            try rule.lower(&self, op)
        }
    }

    static func describe(_ op: Operation) -> String {
        if let node = op.location.nodeName { return "\(op.name) at \"\(node)\"" }
        if let hint = op.results.first?.nameHint { return "\(op.name) at %\(hint)" }
        return op.name
    }

    // MARK: Types

    /// The ExecuTorch element type and static sizes of an IR type.
    /// `quantizedAsStorage`: a quantized type is its storage type (a tensor a delegate reads or
    /// writes; no portable kernel sees it).
    static func tensorType(_ type: TensorType, quantizedAsStorage: Bool = false) throws(Unsupported) -> (PTEScalarType, [Int]) {
        guard case .scalar(let s) = type.element else {
            guard quantizedAsStorage else { throw Unsupported("quantized types are not supported by the portable backend yet") }
            return try tensorType(TensorType(.scalar(type.element.storage), type.shape))
        }
        guard let dims = type.staticShape, dims.allSatisfy({ $0 <= Int32.max }), type.byteCount != nil else {
            // Inputs are checked first (with their --input-shape), so a dynamic shape here comes
            // from data, not from an input.
            throw Unsupported("shape \(TypeText.type(type)) is not static" + InputShape.fixHint(for: type, in: nil))
        }
        return (scalarType(s), dims)
    }

    /// Edge IR element type to ExecuTorch `ScalarType` (through the one DType mapping in EdgeProgram).
    static func scalarType(_ s: ScalarType) -> PTEScalarType {
        PTEScalarType(s)
    }

    // MARK: Rules

    /// Every lowering rule, gathered from the concept files in `Rules/`; an op with two rules
    /// stops the program naming it (``uniqueTable(_:what:key:)``).
    static let ruleList: [PortableRule] = constantRules + elementwiseRules + activationRules + unaryMathRules + comparisonRules
        + convolutionRules + poolingRules + normalizationRules + reductionRules + linearAlgebraRules + layoutRules
        + indexingRules + resizeRules + quantizationRules + extendedRules + controlFlowRules

    /// The lowering of each op, by IR name. ``PortableBackend/supportedOps``, ``kernels`` and
    /// docs/lowering.md derive from it.
    static let rules: [String: PortableRule] = uniqueTable(ruleList, what: "lowering rule for") { $0.op }

    /// Every kernel the rules may emit (the runtime implements each), plus `clone.out` for
    /// returned inputs and constants.
    static let kernels: [ATenKernel] = {
        var all: [ATenKernel] = [.clone, .viewCopy, .unsqueezeCopy, .squeezeCopy]  // returned values; bounded views
        for name in rules.keys.sorted() { for k in rules[name]!.kernels where !all.contains(k) { all.append(k) } }
        return all
    }()

    /// Appends a call to `kernel` with its arguments by schema name (``PlanBuilder/call(_:_:)``);
    /// a call that does not fit the schema is a lowering bug, reported against the node.
    func call(_ kernel: ATenKernel, _ args: [String: Int32]) throws(Unsupported) {
        do { try builder.call(kernel, args) } catch { throw Unsupported("internal error: \(error.message)") }
    }

    // MARK: Attributes and element types

    static let floats: Set<ScalarType> = [.f32, .f64, .f16, .bf16]
    static let f32f64: Set<ScalarType> = [.f32, .f64]
    static let numeric: Set<ScalarType> = ScalarType.realTypes
    static let anyType: Set<ScalarType> = Set(ScalarType.allCases)

    static func typeList(_ types: Set<ScalarType>) -> String {
        ScalarType.allCases.filter(types.contains).map(\.rawValue).joined(separator: ", ")
    }

    /// Throws unless operand `operand` (or the result) has one of `types`.
    func require(_ op: Operation, _ types: Set<ScalarType>, operand: Int? = 0) throws(Unsupported) {
        let v = operand.map { op.operand($0)! } ?? op.result
        let s = v.type.element.storage
        guard types.contains(s) else {
            throw Unsupported("element type \(s.rawValue) is not supported (supported: \(Self.typeList(types)))")
        }
    }

    func attrInt(_ op: Operation, _ name: String) -> Int { Int(op.attribute(name)!.intValue!) }
    func attrInts(_ op: Operation, _ name: String) -> [Int] { op.attribute(name)!.intsValue!.map(Int.init) }
    func attrFloat(_ op: Operation, _ name: String) -> Double { op.attribute(name)!.floatValue! }
    func attrBool(_ op: Operation, _ name: String) -> Bool { op.attribute(name)!.boolValue! }
    func attrString(_ op: Operation, _ name: String) -> String { op.attribute(name)?.stringValue ?? "" }

    /// A non-negative dim of `v`.
    func axis(_ d: Int, _ v: Value) -> Int { d < 0 ? d + v.type.rank : d }

    // MARK: Values

    /// The value index of an IR value already lowered.
    func t(_ v: Value) -> Int32 { valueOf[ObjectIdentifier(v)]! }

    /// The optional operand as a tensor value, or `Null`.
    func optional(_ v: Value?) -> Int32 { v.map(t) ?? builder.null() }

    /// A new planned tensor for `v` (an op result).
    mutating func out(_ v: Value, quantizedAsStorage: Bool = false) throws(Unsupported) -> Int32 {
        let (type, dims) = try Self.tensorType(v.type, quantizedAsStorage: quantizedAsStorage)
        if let r = preassigned.removeValue(forKey: ObjectIdentifier(v)), builder.tensor(r).scalarType == type,
           builder.tensor(r).sizes == dims.map({ Int32($0) }) {
            valueOf[ObjectIdentifier(v)] = r
            return r
        }
        let index = builder.planned(type, dims)
        valueOf[ObjectIdentifier(v)] = index
        return index
    }

    /// Records that `v` is the existing value `index` (views).
    mutating func bind(_ v: Value, _ index: Int32) { valueOf[ObjectIdentifier(v)] = index }

    func dims(_ v: Value) -> [Int] { v.type.staticShape! }

    func scalar(_ v: Value) -> PTEScalarType { Self.scalarType(v.type.element.storage) }

    /// A planned scratch tensor (not an IR value).
    func temp(_ type: PTEScalarType, _ dims: [Int]) -> Int32 { builder.planned(type, dims) }

    /// A view of `index` with new sizes: no kernel call, or with ``copyViews`` (a bounded
    /// program) a `view_copy.out` into a tensor of its own unless `index` is a constant.
    /// A view that only inserts (or only removes) dims of size 1 is an `unsqueeze_copy.out`
    /// chain (or one `squeeze_copy.dims_out`): their outs follow the input's sizes, however many
    /// of them follow the bounded dim, where a `view_copy` size list may infer only one.
    func view(_ index: Int32, _ dims: [Int]) throws(Unsupported) -> Int32 {
        let source = builder.tensor(index).sizes.map(Int.init)
        if source == dims { return index }
        guard copyViews, !builder.isConstant(index) else { return builder.view(of: index, sizes: dims) }
        let type = builder.tensor(index).scalarType
        if let inserted = Self.unitDims(added: source, to: dims) {
            var current = index, sizes = source
            for d in inserted {
                sizes.insert(1, at: d)
                let next = builder.planned(type, sizes)
                try call(.unsqueezeCopy, ["self": current, "dim": builder.int(d), "out": next])
                current = next
            }
            return current
        }
        if let removed = Self.unitDims(added: dims, to: source) {
            let out = builder.planned(type, dims)
            try call(.squeezeCopy, ["self": index, "dim": builder.intList(removed), "out": out])
            return out
        }
        let copy = builder.planned(type, dims)
        try call(.viewCopy, ["self": index, "size": builder.intList(dims), "out": copy])
        return copy
    }

    /// The positions (in `longer`, ascending) of the 1s that `longer` adds to `shorter` when it
    /// is `shorter` with dims of size 1 inserted (matched left to right); nil otherwise.
    static func unitDims(added shorter: [Int], to longer: [Int]) -> [Int]? {
        guard longer.count > shorter.count else { return nil }
        var positions: [Int] = [], k = 0
        for (i, d) in longer.enumerated() {
            if k < shorter.count, shorter[k] == d {
                k += 1
            } else if d == 1 {
                positions.append(i)
            } else {
                return nil
            }
        }
        return k == shorter.count ? positions : nil
    }

    mutating func constant(_ op: Operation) throws(Unsupported) {
        let (type, dims) = try Self.tensorType(op.result.type, quantizedAsStorage: true)
        let bytes: [UInt8]
        switch op.attribute("value") {
        case .dense(.inline(let data))?: bytes = data
        case .dense(.blob(let name))?:
            guard let data = blobs[name] else { throw Unsupported("blob \"\(name)\" is missing") }
            bytes = [UInt8](data)
        default: throw Unsupported("constant without a dense value")
        }
        if op.result.hasUses, op.result.uses.allSatisfy({ $0.user.name == "edge.linear" && $0.operandIndex == 1 }) {
            linearWeights[ObjectIdentifier(op.result)] = (type, dims, bytes)  // only the transposed copy is stored
            return
        }
        bind(op.result, builder.constant(type, dims, bytes: bytes))
    }
}
