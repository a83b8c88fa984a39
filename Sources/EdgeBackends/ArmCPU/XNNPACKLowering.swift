import EdgeIR
import EdgeKernels
import EdgePasses
import EdgeProgram

/// Why a partition could not be lowered to an XNNPACK graph (a capability the table promised
/// that the lowering cannot honour is a bug; these name the op).
struct XNNLoweringError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// The lowering of one outlined partition (`attributes {backend = "xnnpack"}`) to an
/// ``XNNGraph``, as ExecuTorch 1.5.1's XNNPACK preprocess shapes it:
///
/// - arguments are external inputs `0..<n_in`, results external outputs `n_in..<n_in+n_out`,
///   all in the outer program's NCHW layout;
/// - convolutions, pools, global pooling and bilinear resize run in NHWC: a 4-D value entering
///   such a region gets one `XNNStaticTranspose` (perm [0,2,3,1]); an NHWC value read by an op
///   that needs NCHW (reshape, linear, softmax, …) or leaving as a result gets one back
///   ([0,3,1,2]); values inside an NHWC region are declared with NHWC dims; elementwise ops,
///   concat, pad and slice run in their inputs' layout with axes remapped;
/// - filters are pre-permuted (conv OIHW → OHWI, depthwise → [1, kh, kw, C·m]); an absent bias
///   is XNN_INVALID_VALUE_ID;
/// - a relu / clamp that is the only reader of a conv, linear, add, sub, mul, div or pool result
///   becomes that node's `output_min_max`;
/// - constants are kept in the payload's own constant region (self-contained payload);
/// - QDQ groups (dequantize → op → quantize, docs/quantization.md) become INT8 nodes on `qint8`
///   values (XNNPACKLowering+Int8.swift): a quantize is an `XNNConvert` fp32 → qint8 unless an
///   INT8 node produces it, a dequantize is no node — its float view costs an `XNNConvert`
///   qint8 → fp32 only where an fp32 node reads it; `qi8` arguments and results are `qint8`
///   externals (INT8 tensors crossing partitions, as in ExecuTorch's `block_qs8`).
struct XNNPACKLowering {
    typealias Rule = @Sendable (inout XNNPACKLowering, Operation) throws(XNNLoweringError) -> Void

    let function: Function
    let blobs: BlobStore
    var graph = XNNGraph()

    /// An IR value's XNNPACK value id and whether it is held in NHWC.
    struct Placed {
        var id: UInt32
        var nhwc: Bool
        /// The qint8 parameters when the value is held as INT8 (nil: fp32).
        var quant: XNNInt8? = nil
    }

    private var placed: [ObjectIdentifier: Placed] = [:]
    /// Layout and datatype copies already made, by source value id and the form made.
    private var converted: [UInt32: [Form: UInt32]] = [:]
    struct Form: Hashable {
        var nhwc: Bool
        var quant: XNNInt8?
    }
    /// How `nchw` / `nhwc` / `define` treat values while an INT8 node is lowered: nil for fp32
    /// nodes; else the parameters inputs are read with (nil: as held) and the output's.
    var int8: (read: XNNInt8?, output: XNNInt8)? = nil
    /// Quantize ops an INT8 node already produced.
    var absorbedQuantize = Set<ObjectIdentifier>()
    /// Constants already added, by value and the form they were added in.
    private var constants: [String: UInt32] = [:]
    /// Result positions of each returned value (one value may be returned twice).
    var resultPositions: [ObjectIdentifier: [Int]] = [:]
    /// Returned positions already bound to an external output.
    private var boundResults = Set<Int>()
    /// A relu/clamp folded into its producer: clamp op → producer op; producer → range.
    private var fusedActivation: [ObjectIdentifier: ClosedRange<Float>] = [:]
    private var absorbed = Set<ObjectIdentifier>()
    private var alias: [ObjectIdentifier: Value] = [:]
    /// The debug handle of the node being emitted (the IR op's position; 65535 for inserted nodes).
    var debugHandle: UInt32 = 0
    /// Stated fallbacks, one line each naming the op (an INT8 group XNNPACK cannot hold, run in fp32).
    var notes: [String] = []

    static let toNHWC: [Int] = [0, 2, 3, 1]
    static let toNCHW: [Int] = [0, 3, 1, 2]
    static let insertedHandle: UInt32 = 65535

    init(function: Function, blobs: BlobStore) {
        self.function = function
        self.blobs = blobs
    }

    /// Lowers `function` to a graph, or throws naming the op that could not be lowered.
    static func lower(_ function: Function, blobs: BlobStore) throws(XNNLoweringError) -> XNNGraph {
        try lowerWithNotes(function, blobs: blobs).graph
    }

    /// ``lower(_:blobs:)`` and its stated fallbacks (``notes``).
    static func lowerWithNotes(_ function: Function, blobs: BlobStore) throws(XNNLoweringError) -> (graph: XNNGraph, notes: [String]) {
        var l = XNNPACKLowering(function: function, blobs: blobs)
        try l.run()
        return (l.graph, l.notes)
    }

    mutating func run() throws(XNNLoweringError) {
        let returned = function.returnedValues
        for (k, v) in returned.enumerated() { resultPositions[ObjectIdentifier(v), default: []].append(k) }
        for (i, arg) in function.arguments.enumerated() {
            let dims = try Self.dims(arg)
            let q = try Self.int8Type(arg)
            let id = addValue(dims, quant: q, external: .input(UInt32(i)))
            placed[ObjectIdentifier(arg)] = Placed(id: id, nhwc: false, quant: q)
        }
        planFusions()
        for (index, op) in function.body.operations.enumerated() {
            if op.definition.traits.contains(.terminator) || Partitioner.isConstantLike(op) { continue }
            if absorbed.contains(ObjectIdentifier(op)) || absorbedQuantize.contains(ObjectIdentifier(op)) { continue }
            guard let rule = XNNPACKSupport.rules[op.name] else {
                throw XNNLoweringError("\(op.diagnosticName): XNNPACK has no node for \(op.name)")
            }
            if let reason = XNNPACKSupport.refusal(for: op) { throw XNNLoweringError("\(op.diagnosticName): \(reason)") }
            debugHandle = UInt32(index)
            if let form = rule.int8, try lowerInt8(op, form: form, rule: rule) { continue }
            try rule.lower(&self, op)
        }
        // Results not yet bound to an external output: transposed back to NCHW, or copied.
        let inputs = UInt32(function.arguments.count)
        debugHandle = Self.insertedHandle
        for (k, v) in returned.enumerated() where !boundResults.contains(k) {
            var source = try get(v)
            let dims = try Self.dims(v).map(UInt32.init)
            let q = try Self.int8Type(v)
            if source.quant != q, !source.nhwc {
                // A datatype change straight into the output.
                let out = addValue(dims.map(Int.init), quant: q, external: .output(inputs + UInt32(k)))
                graph.addNode(.unary(.convert, source.id, output: out, debugHandle: debugHandle))
                continue
            }
            if source.quant != q {
                // A float view of an INT8 value (or a qi8 result held in fp32, or with other parameters).
                source = Placed(id: try layout(v, nhwc: source.nhwc, as: q), nhwc: source.nhwc, quant: q)
            }
            let out = addValue(dims.map(Int.init), quant: q, external: .output(inputs + UInt32(k)))
            if source.nhwc {
                graph.addNode(XNode(.staticTranspose, .staticTranspose(XNNStaticTranspose(perm: Self.toNCHW.map(UInt32.init), input: source.id, output: out)),
                                    debugHandle: debugHandle))
            } else if q != nil {
                // XNNCopy has no qint8 form in edgec's interpreter; a same-shape reshape copies.
                graph.addNode(XNode(.staticReshape, .staticReshape(XNNStaticReshape(newShape: dims, input: source.id, output: out)),
                                    debugHandle: debugHandle))
            } else {
                graph.addNode(.unary(.copy, source.id, output: out, debugHandle: debugHandle))
            }
        }
        // ExecuTorch lists the output ids in result order.
        graph.outputIDs = graph.values.filter { $0.tensor.flags.contains(.externalOutput) }
            .sorted { ($0.tensor.externalID ?? 0) < ($1.tensor.externalID ?? 0) }.map(\.tensor.id)
    }

    // MARK: Fused activations

    /// Ops whose XNNPACK node reads `output_min_max`.
    static let clampProducers: Set<String> = [
        Ops.conv2d.name, Ops.linear.name, Ops.add.name, Ops.sub.name, Ops.mul.name, Ops.div.name,
        Ops.maxPool2d.name, Ops.avgPool2d.name,
    ]

    /// The range of a relu or clamp op, or nil for other ops.
    static func clampRange(_ op: Operation) -> ClosedRange<Float>? {
        if op.definition === Ops.relu { return 0 ... .infinity }
        guard op.definition === Ops.clamp else { return nil }
        let lo = op.attribute("min")?.floatValue.map(Float.init) ?? -.infinity
        let hi = op.attribute("max")?.floatValue.map(Float.init) ?? .infinity
        return lo <= hi ? lo ... hi : nil
    }

    /// The range of a producer's own `fused_activation`.
    static func ownRange(_ op: Operation) -> ClosedRange<Float> {
        switch op.attribute("fused_activation")?.stringValue {
        case "relu"?: return 0 ... .infinity
        case "relu6"?: return 0 ... 6
        default: return -.infinity ... .infinity
        }
    }

    /// Finds relu/clamp ops that are the only reader of a clamp-capable producer's result (not a
    /// result of the function) and folds each into its producer's range.
    mutating func planFusions() {
        for op in function.body.operations {
            if Self.clampProducers.contains(op.name) { fusedActivation[ObjectIdentifier(op)] = Self.ownRange(op) }
        }
        for op in function.body.operations {
            guard let range = Self.clampRange(op), let x = op.operand(0), let producer = x.definingOp,
                  let own = fusedActivation[ObjectIdentifier(producer)], x.uses.count == 1,
                  resultPositions[ObjectIdentifier(x)] == nil, x.type == op.result.type,
                  !absorbed.contains(ObjectIdentifier(producer)) else { continue }
            let lo = max(own.lowerBound, range.lowerBound), hi = min(own.upperBound, range.upperBound)
            guard lo <= hi else { continue }
            fusedActivation[ObjectIdentifier(producer)] = lo ... hi
            absorbed.insert(ObjectIdentifier(op))
            alias[ObjectIdentifier(x)] = op.result
        }
    }

    /// The output range of `op`'s node (nil: no clamp).
    func outputRange(_ op: Operation) -> XNNOutputMinMax? {
        guard let r = fusedActivation[ObjectIdentifier(op)], r != -.infinity ... .infinity else { return nil }
        return XNNOutputMinMax(min: r.lowerBound, max: r.upperBound)
    }

    // MARK: Values

    static func dims(_ v: Value) throws(XNNLoweringError) -> [Int] {
        guard let d = v.type.staticShape else { throw XNNLoweringError("value of type \(TypeText.type(v.type)) has no static shape") }
        return d.isEmpty ? [1] : d  // rank-0 tensors are declared with dims [1]
    }

    static func permuted<T>(_ xs: [T], _ perm: [Int]) -> [T] { perm.map { xs[$0] } }

    /// The value `v` was lowered to, in whatever layout it is held.
    mutating func get(_ v: Value) throws(XNNLoweringError) -> Placed {
        if let p = placed[ObjectIdentifier(v)] { return p }
        if Self.isStatic(v) {
            let id = try constant(v, dims: try Self.dims(v), form: "plain") { $0 }
            let p = Placed(id: id, nhwc: false)
            placed[ObjectIdentifier(v)] = p
            return p
        }
        throw XNNLoweringError("value of type \(TypeText.type(v.type)) is read before it is defined")
    }

    /// `v` in NCHW (transposing an NHWC value once), in the datatype the node being lowered reads.
    mutating func nchw(_ v: Value) throws(XNNLoweringError) -> UInt32 {
        try layout(v, nhwc: false, as: try readForm(v))
    }

    /// `v` (4-D) in NHWC (transposing an NCHW value once; constants are permuted at compile time).
    mutating func nhwc(_ v: Value) throws(XNNLoweringError) -> UInt32 {
        try layout(v, nhwc: true, as: try readForm(v))
    }

    /// The qint8 parameters an input is read with: fp32 (nil) for fp32 nodes; for INT8 nodes the
    /// node's input parameters, or the value's own.
    mutating func readForm(_ v: Value) throws(XNNLoweringError) -> XNNInt8? {
        guard let int8 else { return nil }
        guard let own = try get(v).quant else { throw XNNLoweringError("an INT8 node reads a value held in fp32") }
        return int8.read ?? own
    }

    /// `v` in the given layout and datatype: one transpose per layout change and one
    /// `XNNConvert` per datatype change, each made once (converts run in the held layout).
    mutating func layout(_ v: Value, nhwc: Bool, as quant: XNNInt8?) throws(XNNLoweringError) -> UInt32 {
        if Self.isStatic(v), placed[ObjectIdentifier(v)] == nil {
            guard quant == nil else { throw XNNLoweringError("a constant cannot be read as qint8") }
            if nhwc {
                // A constant read in NHWC: aligned to rank 4 (numpy broadcasting) and permuted.
                var d = try Self.dims(v)
                guard d.count <= 4 else { throw XNNLoweringError("constant of rank \(d.count) cannot be read in NHWC") }
                d = [Int](repeating: 1, count: 4 - d.count) + d
                let four = d
                return try constant(v, dims: Self.permuted(d, Self.toNHWC), form: "nhwc") { Self.permute(floats: $0, dims: four, perm: Self.toNHWC) }
            }
        }
        var p = try get(v)
        if p.quant != quant {
            let form = Form(nhwc: p.nhwc, quant: quant)
            if let done = converted[p.id]?[form] {
                p = Placed(id: done, nhwc: p.nhwc, quant: quant)
            } else {
                let d = try Self.dims(v)
                let out = addValue(p.nhwc ? Self.permuted(d, Self.toNHWC) : d, quant: quant)
                graph.addNode(.unary(.convert, p.id, output: out, debugHandle: Self.insertedHandle))
                converted[p.id, default: [:]][form] = out
                p = Placed(id: out, nhwc: p.nhwc, quant: quant)
            }
        }
        if p.nhwc == nhwc { return p.id }
        return try transposed(v, p, nhwc: nhwc)
    }

    /// The placed value `p` of `v` transposed to the other layout (made once).
    private mutating func transposed(_ v: Value, _ p: Placed, nhwc: Bool) throws(XNNLoweringError) -> UInt32 {
        let form = Form(nhwc: nhwc, quant: p.quant)
        if let done = converted[p.id]?[form] { return done }
        let d = try Self.dims(v)
        guard d.count == 4 else { throw XNNLoweringError("a rank-\(d.count) value cannot change layout") }
        let perm = nhwc ? Self.toNHWC : Self.toNCHW
        let sourceDims = p.nhwc ? Self.permuted(d, Self.toNHWC) : d
        let out = addValue(Self.permuted(sourceDims, perm), quant: p.quant)
        graph.addNode(XNode(.staticTranspose, .staticTranspose(XNNStaticTranspose(perm: perm.map(UInt32.init), input: p.id, output: out)),
                            debugHandle: Self.insertedHandle))
        converted[p.id, default: [:]][form] = out
        return out
    }

    /// A tensor value: fp32, or qint8 with `quant`.
    mutating func addValue(_ dims: [Int], quant: XNNInt8?, external: XNNExternal? = nil) -> UInt32 {
        let d = dims.map { UInt32(clamping: $0) }
        guard let quant else { return graph.addTensor(.fp32, dims: d, external: external) }
        return graph.addQuantizedTensor(.qint8, dims: d, quantization: .perTensor(scale: quant.scale, zeroPoint: quant.zeroPoint), external: external)
    }

    /// The qint8 parameters of a `qi8` value, nil for f32; other types are not XNNPACK values here.
    static func int8Type(_ v: Value) throws(XNNLoweringError) -> XNNInt8? {
        if v.type.element == .f32 { return nil }
        guard let p = XNNPACKSupport.int8Parameters(v.type) else {
            throw XNNLoweringError("value of type \(TypeText.type(v.type)) is neither f32 nor per-tensor qi8")
        }
        return XNNInt8(scale: p.scale, zeroPoint: p.zeroPoint)
    }

    /// Records that `v` is the already placed value `p` (no node).
    mutating func bindPlaced(_ v: Value, _ p: Placed) { placed[ObjectIdentifier(v)] = p }

    /// The value `v`'s node writes (a fused activation's result, or an absorbed quantize's).
    func aliasOf(_ v: Value) -> Value { alias[ObjectIdentifier(v)] ?? v }

    /// Makes the node for `v` write `target` instead.
    mutating func setAlias(_ v: Value, _ target: Value) { alias[ObjectIdentifier(v)] = target }

    /// Whether `v` is held in NHWC.
    func isNHWC(_ v: Value) -> Bool { placed[ObjectIdentifier(v)]?.nhwc ?? false }

    /// A new value for the result `v` of the op being lowered, with NCHW `dims` (IR order) held in
    /// `nhwc` layout; a result of the function held in NCHW is the external output itself.
    mutating func define(_ v: Value, nhwc: Bool = false) throws(XNNLoweringError) -> UInt32 {
        let result = alias[ObjectIdentifier(v)] ?? v
        let d = try Self.dims(result)
        let dims = nhwc ? Self.permuted(d, Self.toNHWC) : d
        let quant = int8?.output
        var external: XNNExternal? = nil
        if !nhwc, try Self.int8Type(result) == quant,
           let positions = resultPositions[ObjectIdentifier(result)], let k = positions.first(where: { !boundResults.contains($0) }) {
            external = .output(UInt32(function.arguments.count + k))
            boundResults.insert(k)
        }
        let id = addValue(dims, quant: quant, external: external)
        let p = Placed(id: id, nhwc: nhwc, quant: quant)
        placed[ObjectIdentifier(v)] = p
        if result !== v { placed[ObjectIdentifier(result)] = p }
        return id
    }

    /// An internal scratch value.
    mutating func temp(_ dims: [Int]) -> UInt32 { graph.addTensor(.fp32, dims: dims.map(UInt32.init)) }

    // MARK: Constants

    /// Whether `v` has compile-time data (``XNNPACKSupport/isConstant(_:)``).
    static func isStatic(_ v: Value) -> Bool { XNNPACKSupport.isConstant(v) }

    /// The f32 elements of a constant (or fill) value.
    func floats(_ v: Value) throws(XNNLoweringError) -> [Float] {
        if let op = v.definingOp, op.definition === Ops.dequantize, let q = op.operand(0) {
            // A dequantized constant (weight or bias of a float island): as edge.dequantize computes it.
            guard case .quantized(let qt) = q.type.element else { throw XNNLoweringError("dequantize of a non-quantized constant") }
            let ints = try integers(q)
            do {
                let t = try Tensor(converting: ints.map(Double.init), dtype: qt.storage, shape: try Self.dims(q))
                return try Dequantize.run(t, parameters: qt.scheme.parameters).floats()
            } catch {
                throw XNNLoweringError("dequantize of \(TypeText.type(q.type)): \(error)")
            }
        }
        if let op = v.definingOp, op.definition === Ops.full {
            guard v.type.element == .f32, let n = v.type.elementCount, let value = op.attribute("value")?.floatValue else {
                throw XNNLoweringError("fill of type \(TypeText.type(v.type)) is not f32")
            }
            return [Float](repeating: Float(value), count: n)
        }
        guard let op = v.definingOp, op.definition === Ops.constant else { throw XNNLoweringError("expected a constant") }
        let bytes: [UInt8]
        switch op.attribute("value") {
        case .dense(.inline(let b))?: bytes = b
        case .dense(.blob(let name))?:
            guard let data = blobs[name] else { throw XNNLoweringError("blob \"\(name)\" is missing") }
            bytes = [UInt8](data)
        default: throw XNNLoweringError("constant without a dense value")
        }
        guard let n = v.type.elementCount, bytes.count == n * 4 else { throw XNNLoweringError("constant has \(bytes.count) bytes for \(TypeText.type(v.type))") }
        var out = [Float](repeating: 0, count: n)
        for i in 0 ..< n {
            let b = i * 4
            out[i] = Float(bitPattern: UInt32(bytes[b]) | UInt32(bytes[b + 1]) << 8 | UInt32(bytes[b + 2]) << 16 | UInt32(bytes[b + 3]) << 24)
        }
        return out
    }

    /// The integers of a constant of integer or quantized type (i8, u8, i16, i32 storage).
    func integers(_ v: Value) throws(XNNLoweringError) -> [Int64] {
        guard let op = v.definingOp, op.definition === Ops.constant else { throw XNNLoweringError("expected a constant") }
        let bytes: [UInt8]
        switch op.attribute("value") {
        case .dense(.inline(let b))?: bytes = b
        case .dense(.blob(let name))?:
            guard let data = blobs[name] else { throw XNNLoweringError("blob \"\(name)\" is missing") }
            bytes = [UInt8](data)
        default: throw XNNLoweringError("constant without a dense value")
        }
        let storage = v.type.element.storage
        let width: Int
        switch storage {
        case .i8, .u8: width = 1
        case .i16: width = 2
        case .i32: width = 4
        default: throw XNNLoweringError("constant of type \(TypeText.type(v.type)) has no integer storage")
        }
        guard let n = v.type.elementCount, bytes.count == n * width else { throw XNNLoweringError("constant has \(bytes.count) bytes for \(TypeText.type(v.type))") }
        return (0 ..< n).map { i -> Int64 in
            let b = i * width
            switch storage {
            case .i8: return Int64(Int8(bitPattern: bytes[b]))
            case .u8: return Int64(bytes[b])
            case .i16: return Int64(Int16(bitPattern: UInt16(bytes[b]) | UInt16(bytes[b + 1]) << 8))
            default: return Int64(Int32(bitPattern: UInt32(bytes[b]) | UInt32(bytes[b + 1]) << 8 | UInt32(bytes[b + 2]) << 16 | UInt32(bytes[b + 3]) << 24))
            }
        }
    }

    /// A static value holding `transform(floats(v))` with `dims`, added once per (value, form).
    mutating func constant(_ v: Value, dims: [Int], form: String, _ transform: ([Float]) -> [Float]) throws(XNNLoweringError) -> UInt32 {
        let key = "\(ObjectIdentifier(v).hashValue)/\(form)"
        if let id = constants[key] { return id }
        let data = transform(try floats(v))
        let buffer = graph.addConstant(floats: data)
        let id = graph.addTensor(.fp32, dims: dims.map(UInt32.init), constant: buffer)
        constants[key] = id
        return id
    }

    /// Row-major `data` of `dims` permuted so result dim i is input dim perm[i].
    static func permute<T>(floats data: [T], dims: [Int], perm: [Int]) -> [T] {
        let rank = dims.count
        var strides = [Int](repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * dims[i + 1] }
        let outDims = perm.map { dims[$0] }
        var out = data
        var index = [Int](repeating: 0, count: rank)
        for o in 0 ..< data.count {
            var src = 0
            for i in 0 ..< rank { src += index[i] * strides[perm[i]] }
            out[o] = data[src]
            var d = rank - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < outDims[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        return out
    }

    // MARK: Emitting

    mutating func node(_ type: XNNNodeType, _ fields: XNNNodeFields, range: XNNOutputMinMax? = nil) {
        graph.addNode(XNode(type, fields, debugHandle: debugHandle, outputMinMax: range))
    }
}
