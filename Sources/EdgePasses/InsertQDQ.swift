import EdgeIR
import Foundation

/// Per-tensor activation parameters: `real = scale * (q - zeroPoint)`, INT8 storage.
public struct ActivationParameters: Sendable, Hashable {
    public var scale: Double
    public var zeroPoint: Int64

    public init(scale: Double, zeroPoint: Int64) {
        self.scale = scale
        self.zeroPoint = zeroPoint
    }

    /// Asymmetric INT8 parameters covering `[lo, hi]`, widened first to contain 0 (so real 0
    /// is exact): `scale = (hi - lo) / 255` rounded to f32 (the kernels compute in f32),
    /// `zp = clamp(-128 - round_half_even(lo / scale), -128, 127)`. A zero range gets scale 1.
    public init(range lo: Double, _ hi: Double) {
        let lo = min(lo, 0), hi = max(hi, 0)
        var s = Double(Float((hi - lo) / 255))
        if !(s > 0) || !s.isFinite { s = 1 }
        self.scale = s
        self.zeroPoint = Int64(min(127, max(-128, -128 - (lo / s).rounded(.toNearestOrEven))))
    }

    /// The real range the parameters represent.
    public var representable: ClosedRange<Double> { scale * Double(-128 - zeroPoint)...scale * Double(127 - zeroPoint) }

    /// The element type of a tensor quantized with these parameters.
    public var element: ElementType { .quantized(QuantizedType(storage: .i8, scheme: .perTensor(scale: scale, zeroPoint: zeroPoint))) }
}

/// Which ops of a function run quantized, and which activations get a quantize/dequantize
/// pair with which sharing group (docs/quantization.md, "QDQ Edge IR"). Built before
/// calibration so calibration observes exactly the tensors the plan quantizes.
public struct QuantizationPlan {
    /// The ops that run quantized, in program order.
    public private(set) var ops: [EdgeIR.Operation] = []
    /// Ops that stay float, with the reason.
    public private(set) var floatOps: [(op: EdgeIR.Operation, reason: String)] = []
    /// The activations to quantize, in program order (arguments first).
    public private(set) var activations: [Value] = []
    /// Each activation's scale-sharing group (an index into ``groupCount``).
    public private(set) var groupOf: [ObjectIdentifier: Int] = [:]
    public private(set) var groupCount = 0
    /// Results of conv2d / linear / add / mul whose only user is a quantized relu / relu6: the
    /// pair runs as one quantized op, with no quantize between them.
    public private(set) var fusedEdges: Set<ObjectIdentifier> = []
    private var quantized: Set<ObjectIdentifier> = []

    /// Plans `function`: every op with a quantized form (``QuantizableOps``) runs quantized
    /// unless `keepFloat` says so (it gets the op and returns true to keep it float).
    /// `int8Ops` are the ops the backend runs in INT8 (``PassTarget/int8Ops``; nil: every op of
    /// the table); a quantizable op outside them stays float, saying so.
    public init(_ function: Function, int8Ops: Set<String>? = nil, keepFloat: (EdgeIR.Operation) -> Bool = { _ in false }) {
        for op in function.body.operations where op.definition !== Ops.constant && op.definition !== Ops.return {
            if keepFloat(op) {
                floatOps.append((op, "kept float (--keep-float)"))
            } else if let int8Ops, !int8Ops.contains(op.name), QuantizableOps.role(of: op) != nil {
                floatOps.append((op, "the backend has no INT8 form of \(op.name)"))
            } else if QuantizableOps.role(of: op) != nil {
                ops.append(op)
                quantized.insert(ObjectIdentifier(op))
            } else {
                floatOps.append((op, QuantizableOps.floatReason(op) ?? "not quantizable"))
            }
        }
        // Fusion: a producer whose only user is a quantized relu / relu6 runs with it.
        for op in ops where Self.fusesActivation(op) {
            guard let user = op.result.soleUser, isQuantized(user), Self.isFusableActivation(user) else { continue }
            fusedEdges.insert(ObjectIdentifier(op.result))
        }
        var parent: [Int] = []
        func find(_ i: Int) -> Int { var i = i; while parent[i] != i { parent[i] = parent[parent[i]]; i = parent[i] }; return i }
        var index: [ObjectIdentifier: Int] = [:]
        func add(_ v: Value) -> Int {
            if let i = index[ObjectIdentifier(v)] { return i }
            let i = parent.count
            parent.append(i)
            index[ObjectIdentifier(v)] = i
            activations.append(v)
            return i
        }
        for op in ops {
            let role = QuantizableOps.role(of: op)!
            let inputs = QuantizableOps.activationOperands(of: op, role: role).compactMap { op.operand($0) }
                .filter { !fusedEdges.contains(ObjectIdentifier($0)) }.map(add)
            let output = fusedEdges.contains(ObjectIdentifier(op.result)) ? nil : add(op.result)
            guard let output else { continue }
            switch role {
            case .passThrough:
                if let i = inputs.first { parent[find(output)] = find(i) }
            case .shared:
                for i in inputs { parent[find(i)] = find(output) }
            case .weighted, .compute:
                break
            }
        }
        // Program order: arguments, then results in op order.
        let position = Dictionary(uniqueKeysWithValues: Self.positions(function).map { ($0.0, $0.1) })
        activations.sort { (position[ObjectIdentifier($0)] ?? 0) < (position[ObjectIdentifier($1)] ?? 0) }
        var groupIndex: [Int: Int] = [:]
        for v in activations {
            let root = find(index[ObjectIdentifier(v)]!)
            if groupIndex[root] == nil { groupIndex[root] = groupIndex.count }
            groupOf[ObjectIdentifier(v)] = groupIndex[root]!
        }
        groupCount = groupIndex.count
    }

    /// Whether `op` runs quantized in this plan.
    public func isQuantized(_ op: EdgeIR.Operation) -> Bool { quantized.contains(ObjectIdentifier(op)) }

    /// The sharing group of activation `v`, or nil when `v` is not quantized.
    public func group(of v: Value) -> Int? { groupOf[ObjectIdentifier(v)] }

    static func fusesActivation(_ op: EdgeIR.Operation) -> Bool {
        (op.is(Ops.conv2d) || op.is(Ops.linear) || op.is(Ops.add) || op.is(Ops.mul)) && op.result.uses.count == 1
    }

    static func isFusableActivation(_ op: EdgeIR.Operation) -> Bool { FuseActivation.kind(of: op) != nil }

    static func positions(_ function: Function) -> [(ObjectIdentifier, Int)] {
        var out: [(ObjectIdentifier, Int)] = []
        for a in function.arguments { out.append((ObjectIdentifier(a), out.count)) }
        for op in function.body.operations { for r in op.results { out.append((ObjectIdentifier(r), out.count)) } }
        return out
    }
}

/// Inserts the activation quantize/dequantize pairs of a ``QuantizationPlan``: after each
/// planned activation `%t`, `%t_q = edge.quantize(%t) : qi8<scale, zp>` and
/// `%t_dq = edge.dequantize(%t_q)`. Quantized consumers read `%t_dq`; when `%t` is made by a
/// quantized op every consumer does (the tensor exists only as INT8), otherwise float
/// consumers keep reading `%t`. The weights are quantized afterwards by ``QuantizeWeights``.
public enum InsertQDQ {
    /// Applies `plan` to `function`, with the parameters of each sharing group.
    public static func apply(_ plan: QuantizationPlan, parameters: [ActivationParameters], to function: Function, rewriter: Rewriter) throws {
        precondition(parameters.count == plan.groupCount, "one parameter set per sharing group")
        for v in plan.activations {
            let p = parameters[plan.group(of: v)!]
            let producer = v.definingOp
            if let producer { rewriter.setInsertionPoint(before: producer.nextInBlock ?? function.body.terminator!) }
            else if let first = function.body.operations.first { rewriter.setInsertionPoint(before: first) }
            let base = v.nameHint ?? "t"
            let location = producer?.location
            let q = try rewriter.create(Ops.quantize, [v], resultTypes: [TensorType(p.element, v.type.shape)], location: location)
            q.result.nameHint = base + "_q"
            let dq = try rewriter.create(Ops.dequantize, [q.result], location: location)
            dq.result.nameHint = base + "_dq"
            let everyUse = producer.map { plan.isQuantized($0) } ?? false
            for use in v.uses where use.user !== q {
                if everyUse || plan.isQuantized(use.user) { rewriter.setOperand(use.operandIndex, of: use.user, to: dq.result) }
            }
        }
    }
}
