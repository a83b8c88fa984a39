import EdgeKernels
import EdgeProgram

/// What executes an instruction: a kernel of the portable library, or a delegate (a backend's
/// subgraph, e.g. XNNPACK). Reports colour and group instructions by it.
public enum ExecutionUnit: Sendable, Hashable, Comparable {
    /// A kernel call, by its qualified name (`aten::convolution.out`).
    case kernel(String)
    /// A delegate call, by the backend id (`XnnpackBackend`).
    case delegate(String)
    /// A control instruction of the runtime itself (`JumpFalseCall`, `MoveCall`).
    case control(String)

    /// `aten::convolution.out`, `delegate XnnpackBackend`, or `JumpFalseCall`.
    public var name: String {
        switch self {
        case .kernel(let k), .control(let k): return k
        case .delegate(let d): return "delegate \(d)"
        }
    }

    /// The partition an instruction belongs to: `portable` for kernels, the backend id for delegates.
    public var partition: String {
        switch self {
        case .kernel, .control: return "portable"
        case .delegate(let d): return d
        }
    }

    /// The kernel's short name for graph labels (`convolution`), or the backend id.
    public var shortName: String {
        switch self {
        case .kernel(let k):
            let base = k.split(separator: ":").last.map(String.init) ?? k
            return base.split(separator: ".").first.map(String.init) ?? base
        case .delegate(let d), .control(let d): return d
        }
    }
}

/// The dataflow of an execution plan, read from the program alone: for each instruction what
/// runs it, its source node, the tensors it reads and the tensors it writes.
///
/// A kernel call writes the tensors of its last argument (ExecuTorch's calling convention: the
/// out arguments, then the returned value, which is the out tensor or a list of them) and reads
/// the others; a delegate call writes the tensors it is the first to name (its inputs come
/// first, then its outputs). A tensor read without a writer shares an arena slot with a tensor
/// written earlier (a view, such as a reshape the lowering aliased): its producer is the last
/// step that wrote that slot.
public struct ProgramGraph: Sendable {
    public struct Step: Sendable, Hashable {
        public var index: Int
        public var unit: ExecutionUnit
        /// The source node names (one per frame; an op fused from several nodes has several).
        public var nodeNames: [String]
        /// `"Conv_7"` as `inspect` shows it, or nil when the program carries no debug information.
        public var source: String?
        /// Tensor values read (produced earlier, plan inputs or constants), in argument order, without repeats.
        public var reads: [Int32]
        /// Tensor values first written here, in argument order.
        public var writes: [Int32]
    }

    public let plan: ExecutionPlan
    public private(set) var steps: [Step] = []
    /// The step that writes each produced value.
    public private(set) var producer: [Int32: Int] = [:]
    /// The steps that read each value, in order.
    public private(set) var consumers: [Int32: [Int]] = [:]

    /// The unit and value arguments of instruction `k`. The one place that reads instruction kinds.
    public static func decode(_ plan: ExecutionPlan, _ k: Int) -> (unit: ExecutionUnit, args: [Int32]) {
        switch plan.instructions[k] {
        case let .kernelCall(op, args):
            let name = op >= 0 && Int(op) < plan.operators.count ? plan.operators[Int(op)].qualifiedName : "kernel #\(op)"
            return (.kernel(name), args)
        case let .delegateCall(d, args):
            let id = d >= 0 && Int(d) < plan.delegates.count ? plan.delegates[Int(d)].id : "delegate #\(d)"
            return (.delegate(id), args)
        case let .jumpFalse(condition, _): return (.control("JumpFalseCall"), [condition])
        case let .move(from, to): return (.control("MoveCall"), [from, to])
        }
    }

    public init(_ plan: ExecutionPlan) {
        self.plan = plan
        var known = Set(plan.inputs)
        var slotWriter: [[UInt64]: Int] = [:]
        func slot(_ v: Int32) -> [UInt64]? { plan.values[Int(v)].tensor?.allocation.map { [UInt64($0.memoryID), $0.offset] } }
        for (k, _) in plan.instructions.enumerated() {
            let (unit, args) = Self.decode(plan, k)
            var reads: [Int32] = [], writes: [Int32] = []
            var seen = Set<Int32>()
            let written: Set<Int32>
            if case .kernel = unit, let last = args.last {
                written = Set(Self.tensorArguments(plan, [last]))
            } else if case .control = unit {
                written = args.count == 2 ? Set(Self.tensorArguments(plan, [args[1]])) : []  // a move writes its target
            } else {
                written = Set(Self.tensorArguments(plan, args).filter { a in !known.contains(a) && plan.values[Int(a)].tensor?.dataBufferIndex == 0 })
            }
            for a in Self.tensorArguments(plan, args) where seen.insert(a).inserted {
                guard let t = plan.values[Int(a)].tensor else { continue }
                if written.contains(a), t.dataBufferIndex == 0, !known.contains(a) {
                    writes.append(a)
                    known.insert(a)
                    producer[a] = k
                } else {
                    reads.append(a)
                    consumers[a, default: []].append(k)
                    if producer[a] == nil, !known.contains(a), t.dataBufferIndex == 0, let s = slot(a), let w = slotWriter[s] {
                        producer[a] = w  // a view of a tensor written earlier
                        known.insert(a)
                    }
                }
            }
            for w in writes { if let s = slot(w) { slotWriter[s] = k } }
            let names = plan.stacktrace.flatMap { k < $0.count ? $0[k].items.compactMap(\.name) : nil } ?? []
            steps.append(Step(index: k, unit: unit, nodeNames: names, source: plan.source(ofInstruction: k), reads: reads, writes: writes))
        }
    }

    /// The tensor values among `args` (tensor lists expanded), skipping indices out of range.
    static func tensorArguments(_ plan: ExecutionPlan, _ args: [Int32]) -> [Int32] {
        var out: [Int32] = []
        for a in args where a >= 0 && Int(a) < plan.values.count {
            switch plan.values[Int(a)] {
            case .tensor: out.append(a)
            case .tensorList(let items), .optionalTensorList(let items):
                out += items.filter { $0 >= 0 && Int($0) < plan.values.count && plan.values[Int($0)].tensor != nil }
            default: break
            }
        }
        return out
    }

    /// Instruction `k`'s label: its source node names, or `instruction k` without debug information.
    public func nodeLabel(_ k: Int) -> String {
        let names = steps[k].nodeNames
        if !names.isEmpty { return names.joined(separator: "+") }
        return steps[k].source ?? "instruction \(k)"
    }

    /// The shape of tensor value `v`: `f32[1,16,32,32]`.
    public func shapeText(_ v: Int32) -> String {
        guard v >= 0, Int(v) < plan.values.count, let t = plan.values[Int(v)].tensor else { return "?" }
        return ShapeText.dtype(t.scalarType) + "[" + t.sizes.map(String.init).joined(separator: ",") + "]"
    }

    /// The shapes an instruction writes (its outputs), `f32[1,10]`; several joined by `, `.
    public func outputShapes(_ k: Int) -> String {
        steps[k].writes.map(shapeText).joined(separator: ", ")
    }
}

/// Short element type names, as Edge IR spells them (``PTEScalarType/dtype``'s names; the
/// ExecuTorch name for types Edge IR does not have, e.g. `QINT8`).
public enum ShapeText {
    public static func dtype(_ s: PTEScalarType) -> String {
        s.dtype?.rawValue ?? "\(s)"
    }
}
