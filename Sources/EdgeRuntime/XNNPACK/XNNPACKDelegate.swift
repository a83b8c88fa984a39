// edgec's interpreter for ExecuTorch XNNPACK delegate payloads (fp32). At load the payload is
// read and verified (XNNPayloadReader), every value is bound (externals to the delegate call's
// arguments, constants to their bytes, intermediates to owned buffers) and every node is bound to
// a Swift implementation with XNNPACK's NHWC semantics, its shapes checked against the declared
// dims. Unsupported node types or datatypes are load errors naming them. Running only executes.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import EdgeKernels
import EdgeProgram

/// Pointers to every value's data during one run, by value slot.
typealias XNNBuffers = [UnsafeMutablePointer<Float>]

/// One bound delegate call.
final class XNNPACKDelegate {
    let graph: XNNGraph
    let label: String
    /// The delegate call's argument (plan value index) of each external value slot.
    var externals: [(slot: Int, arg: Int)] = []
    /// Owned storage (intermediates and constants), by value slot.
    var owned: [Int: UnsafeMutablePointer<Float>] = [:]
    var steps: [(name: String, run: (XNNBuffers) -> Void)] = []
    var buffers: XNNBuffers

    /// Binds `delegate` (index `index` in the plan) called with `args`; `address` gives a plan
    /// value's data (the interpreter's arena and constants, allocated once, so stable).
    init(_ delegate: BackendDelegate, index: Int, args: [Int32], plan: ExecutionPlan, namedData: [String: [UInt8]],
         address: (Int) -> UnsafeMutableRawPointer) throws(RuntimeError) {
        label = "delegate \(index)"
        guard delegate.id == BackendDelegate.xnnpackID else {
            throw RuntimeError("\(label): backend \"\(delegate.id)\" is not supported by edgec's interpreter (it runs \(BackendDelegate.xnnpackID))")
        }
        do { graph = try XNNPayloadReader.read(delegate.processed) } catch {
            throw RuntimeError("\(label): \(error.message)")
        }
        buffers = XNNBuffers(repeating: UnsafeMutablePointer<Float>(bitPattern: 64)!, count: graph.values.count)
        do {
            try bindValues(args: args, plan: plan, namedData: namedData)
            try bindNodes()
            for (slot, arg) in externals { buffers[slot] = address(arg).assumingMemoryBound(to: Float.self) }
        } catch {
            release()
            throw error
        }
    }

    deinit { release() }

    private func release() {
        for (_, p) in owned { p.deallocate() }
        owned = [:]
    }

    var slotOf: [UInt32: Int] = [:]
    var written: Set<Int> = []
    var intermediates: [Int] = []
    /// Shared im2col workspace of the delegate's convolutions (sized to the largest at bind).
    let scratch = XNNScratch()
    var externalSlots: Set<Int> = []

    /// The budget for a delegate's intermediate values (each has its own buffer; no reuse).
    static let maxIntermediateBytes = 4 << 30

    func isExternal(_ slot: Int) -> Bool { externalSlots.contains(slot) }

    /// Owned, zeroed storage for `slot`.
    func allocate(_ slot: Int, _ count: Int) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        p.initialize(repeating: 0, count: max(count, 1))
        owned[slot] = p
        buffers[slot] = p
        return p
    }

    func dims(_ slot: Int) -> [Int] { graph.values[slot].tensor.dims.map(Int.init) }

    private func bindValues(args: [Int32], plan: ExecutionPlan, namedData: [String: [UInt8]]) throws(RuntimeError) {
        guard Int(graph.numExterns) == args.count else {
            throw RuntimeError("\(label): the payload has \(graph.numExterns) external values but the delegate call passes \(args.count) arguments")
        }
        for (slot, v) in graph.values.enumerated() {
            let t = v.tensor
            slotOf[t.id] = slot
            let what = "\(label) value \(slot) (id \(t.id))"
            try bindQuantization(slot, v, what, namedData: namedData)
            let count = t.elementCount ?? 0
            if let e = t.externalID {
                let arg = Int(args[Int(e)])
                guard arg >= 0, arg < plan.values.count else {
                    throw RuntimeError("\(what): delegate argument \(e) refers to value \(arg), but there are \(plan.values.count) values")
                }
                guard let outer = plan.values[arg].tensor else {
                    throw RuntimeError("\(what): external id \(e) is delegate argument %\(arg), which is a \(plan.values[arg].kindName), not a Tensor")
                }
                let outerType: PTEScalarType = t.datatype == .fp32 ? .float : .char
                guard outer.scalarType == outerType, outer.elementCount == count else {
                    throw RuntimeError("\(what): \(t.datatype) dims \(t.dims) do not match delegate argument \(e) (%\(arg)), \(outer.scalarType)\(outer.sizes)")
                }
                if t.flags.contains(.externalOutput) {
                    guard outer.allocation != nil || count == 0 else {
                        throw RuntimeError("\(what): external output \(e) is argument %\(arg), which has no planned memory")
                    }
                } else {
                    written.insert(slot)
                }
                externals.append((slot, arg))
                externalSlots.insert(slot)
                continue
            }
            if t.constantBufferIndex != 0 {
                let p = allocate(slot, count)
                let size = t.byteCount ?? 0
                let bytes = try constantBytes(t.constantBufferIndex, size, what, namedData: namedData)
                if t.datatype == .fp32 {
                    bytes.withUnsafeBytes { raw in
                        for i in 0 ..< count { p[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
                    }
                } else {
                    // int8 / int32 data (little-endian hosts, as XNNPACK reads it).
                    bytes.withUnsafeBytes { raw in
                        if let base = raw.baseAddress, size > 0 { UnsafeMutableRawPointer(p).copyMemory(from: base, byteCount: size) }
                    }
                }
                written.insert(slot)
            }
        }
    }

    /// `size` bytes of constant `index` (the payload's constant region or the program's named data).
    func constantBytes(_ index: UInt32, _ size: Int, _ what: String, namedData: [String: [UInt8]]) throws(RuntimeError) -> ArraySlice<UInt8> {
        guard Int(index) < graph.constantData.count else { throw RuntimeError("\(what): constant buffer \(index) does not exist") }
        let c = graph.constantData[Int(index)]
        if let key = c.namedKey {
            guard let data = namedData[key] else {
                throw RuntimeError("\(what): constant named \"\(key)\" is not in the program's named data")
            }
            guard data.count >= size else {
                throw RuntimeError("\(what): needs \(size) bytes but named data \"\(key)\" holds \(data.count)")
            }
            return data[0 ..< size]
        }
        let start = Int(c.offset)
        guard start >= 0, start <= graph.constantRegion.count, graph.constantRegion.count - start >= size else {
            throw RuntimeError("\(what): needs \(size) bytes at offset \(start) of a \(graph.constantRegion.count)-byte constant region")
        }
        return graph.constantRegion[start ..< start + size]
    }

    /// Quantization of every value, by slot (absent for fp32).
    var quant: [Int: XNNQuant] = [:]

    /// Checks a value's datatype and quantization parameters and records them.
    private func bindQuantization(_ slot: Int, _ v: XNNValue, _ what: String, namedData: [String: [UInt8]]) throws(RuntimeError) {
        let t = v.tensor
        func refuse(_ why: String) -> RuntimeError { RuntimeError("\(what): \(t.datatype) \(why)") }
        switch (t.datatype, v.quantization) {
        case (.fp32, nil):
            return
        case (.qint8, .perTensor(let scale, let zp)?):
            guard XNNGraph.isValidScale(scale) else { throw refuse("scale \(scale) is not a positive normal float32 (XNNPACK rejects it)") }
            guard (-128 ... 127).contains(zp) else { throw refuse("zero point \(zp) is outside [-128, 127]") }
            quant[slot] = .perTensor(scale: scale, zeroPoint: zp)
        case (.qcint8, .perChannel(let p)?), (.qcint32, .perChannel(let p)?):
            let d = t.dims.map(Int.init), dim = Int(p.channelDim)
            guard dim >= 0, dim < d.count else { throw refuse("channel dim \(dim) is outside dims \(t.dims)") }
            guard t.constantBufferIndex != 0, t.externalID == nil else { throw refuse("per-channel values must be constants") }
            var scales = p.scale
            if p.scaleBufferIndex != 0 {
                let bytes = try constantBytes(p.scaleBufferIndex, Int(p.numScales) * 4, "\(what) scales", namedData: namedData)
                scales = bytes.withUnsafeBytes { raw in
                    (0 ..< Int(p.numScales)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
                }
            }
            guard scales.count == d[dim] else { throw refuse("has \(scales.count) scales for \(d[dim]) channels (dim \(dim) of \(t.dims))") }
            for (k, s) in scales.enumerated() where !XNNGraph.isValidScale(s) {
                throw refuse("scale \(k) is \(s), not a positive normal float32 (XNNPACK rejects it)")
            }
            quant[slot] = .perChannel(scales: scales, channelDim: dim)
        case (.qbint4, .perChannelGroup(let p)?):
            // 4-bit blockwise filter [N, K] (two values per byte along K, low nibble first, zero
            // point 8); bf16 scales, one per [N, K / group] block, in their own constant.
            let d = t.dims.map(Int.init), g = Int(p.groupSize)
            guard d.count == 2, p.channelDim == 0 else { throw refuse("must be a 2-D [N, K] filter quantized along dim 0 (dims \(t.dims), channel dim \(p.channelDim))") }
            guard t.constantBufferIndex != 0, t.externalID == nil else { throw refuse("blockwise values must be constants") }
            guard g > 0, d[1] % g == 0, d[1] % 2 == 0 else { throw refuse("group size \(g) must divide the even K = \(d[1])") }
            let n = d[0] * (d[1] / g)
            guard Int(p.numScales) == n else { throw refuse("has \(p.numScales) scales for \(n) blocks") }
            guard p.scaleBufferIndex != 0 else { throw refuse("scales must be bf16 in a constant buffer (scale_buffer_idx); inline scales are not supported by edgec's interpreter") }
            let bytes = try constantBytes(p.scaleBufferIndex, n * 2, "\(what) scales", namedData: namedData)
            let scales = bytes.withUnsafeBytes { raw in
                (0 ..< n).map { HalfPrecision.float(fromBF16: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self))) }
            }
            for (k, s) in scales.enumerated() where !(s.isFinite && s > 0) {
                throw refuse("scale \(k) is \(s), not a positive finite number")
            }
            quant[slot] = .blockwise(scales: scales, groupSize: g)
        case (.qdint8, .perTokenDynamic(let n)?):
            let d = t.dims.map(Int.init)
            guard n == 1, d.count >= 1 else { throw refuse("PerTokenDynamicQuant with \(n) non-batch dims is not supported (edgec's interpreter runs 1)") }
            guard t.constantBufferIndex == 0, t.externalID == nil else { throw refuse("dynamically quantized values must be intermediates") }
            let len = d[d.count - 1], rows = len == 0 ? 0 : XNNOps.count(d) / len
            quant[slot] = .dynamic(XNNRowParams(rows: rows), rowLength: len)
        default:
            let kind = v.quantization.map { " with \($0.name)" } ?? ""
            throw RuntimeError("\(what): XNNPACK datatype \(t.datatype)\(kind) is not supported by edgec's interpreter (it runs fp32, qint8, qcint8, qcint32, qdint8 and qbint4)")
        }
    }

    private func bindNodes() throws(RuntimeError) {
        for (k, node) in graph.nodes.enumerated() {
            let what = "\(label) node \(k) (\(node.type.name))"
            var ins: [Int] = []
            for id in node.fields.inputs {
                guard let s = slotOf[id] else { throw RuntimeError("\(what): input value id \(id) does not exist") }
                guard written.contains(s) else {
                    throw RuntimeError("\(what): reads value id \(id) before any node writes it")
                }
                ins.append(s)
            }
            var outs: [Int] = []
            for id in node.fields.outputs {
                guard let s = slotOf[id] else { throw RuntimeError("\(what): output value id \(id) does not exist") }
                outs.append(s)
            }
            let run: (XNNBuffers) -> Void
            do {
                if (ins + outs).contains(where: { quant[$0] != nil }) {
                    let (lo, hi) = try XNNOps.clampRange(node)
                    let q = quant
                    run = try XNNQuantOps.bind(node, ins: ins, outs: outs, dims: dims, quant: { q[$0] }, lo: lo, hi: hi)
                } else {
                    run = try XNNOps.bind(node, ins: ins, outs: outs, dims: dims, scratch: scratch)
                }
            } catch let error as XNNOps.Unsupported {
                throw RuntimeError("\(label) node \(k): XNNPACK node type \(node.type.name) \(error.reason)")
            } catch {
                throw RuntimeError("\(what): \(error)")
            }
            for s in outs where written.insert(s).inserted && !isExternal(s) { intermediates.append(s) }
            steps.append((node.type.name, run))
        }
        // Intermediates are allocated once the nodes that write them are bound (their dims are then
        // consistent with bounded inputs), within a total budget.
        var total = 0
        for s in intermediates {
            let (sum, o) = total.addingReportingOverflow(graph.values[s].tensor.byteCount ?? Int.max)
            guard !o, sum <= Self.maxIntermediateBytes else {
                throw RuntimeError("\(label): intermediate values need more than \(Self.maxIntermediateBytes) bytes")
            }
            total = sum
        }
        for s in intermediates { _ = allocate(s, graph.values[s].tensor.elementCount ?? 0) }
        for (slot, _) in externals where graph.values[slot].tensor.flags.contains(.externalOutput) && !written.contains(slot) {
            throw RuntimeError("\(label): external output value \(slot) is never written by a node")
        }
    }

    /// Runs the graph on the interpreter's memory (inputs read from, outputs written to the planned tensors).
    func run() {
        let b = buffers
        for step in steps { step.run(b) }
    }
}

/// A workspace shared by a delegate's nodes; `reserve` at bind, `pointer` at run.
final class XNNScratch {
    private(set) var pointer = UnsafeMutablePointer<Float>.allocate(capacity: 1)
    private var capacity = 1

    func reserve(_ count: Int) {
        guard count > capacity else { return }
        pointer.deallocate()
        pointer = UnsafeMutablePointer<Float>.allocate(capacity: count)
        capacity = count
    }

    deinit { pointer.deallocate() }
}

/// A shape or parameter problem found while binding a node.
struct XNNBindError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The node implementations (NHWC, fp32) and their load-time shape checks.
enum XNNOps {
    struct Unsupported: Error { var reason: String }

    static func count(_ d: [Int]) -> Int { d.reduce(1, *) }

    static func strides(_ d: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: d.count)
        var acc = 1
        for i in stride(from: d.count - 1, through: 0, by: -1) { s[i] = acc; acc *= d[i] }
        return s
    }

    static func clampRange(_ node: XNode) throws -> (Float, Float) {
        guard let m = node.outputMinMax, node.type.readsOutputMinMax else { return (-.infinity, .infinity) }
        guard !(m.min > m.max), !m.min.isNaN, !m.max.isNaN else { throw bindError("output_min_max [\(m.min), \(m.max)] is empty") }
        return (m.min, m.max)
    }

    static func bindError(_ s: String) -> XNNBindError { XNNBindError(s) }

    static func expect(_ got: [Int], _ want: [Int], _ what: String) throws {
        guard got == want else { throw bindError("\(what) dims are \(got), expected \(want)") }
    }

    static func bind(_ node: XNode, ins: [Int], outs: [Int], dims: (Int) -> [Int], scratch: XNNScratch) throws -> (XNNBuffers) -> Void {
        let (lo, hi) = try clampRange(node)
        switch node.fields {
        case .node2x1:
            return try binary(node.type, ins[0], ins[1], outs[0], dims, lo, hi)
        case .node1x1:
            return try unary(node.type, ins[0], outs[0], dims, lo, hi)
        case .unaryWithParameter(let n):
            let a = ins[0], o = outs[0], total = count(dims(a)), p = n.parameter
            try expect(dims(o), dims(a), "output")
            if node.type == .leakyReLU {
                return { b in for i in 0 ..< total { let x = b[a][i]; b[o][i] = x >= 0 ? x : x * p } }
            }
            return { b in for i in 0 ..< total { let x = b[a][i]; b[o][i] = x > 0 ? x : p * (expm1f(x)) } }
        case .fullyConnected(let n):
            return try fullyConnected(n, ins, outs[0], dims, lo, hi)
        case .convolution(let c) where node.type == .convTranspose2d:
            return try deconvolution(c, ins, outs[0], dims, lo, hi)
        case .convolution(let c):
            return try convolution(node.type, c, ins, outs[0], dims, lo, hi, scratch)
        case .pooling(let p):
            return try pooling(node.type, p, ins[0], outs[0], dims, lo, hi)
        case .staticTranspose(let t):
            return try transpose(t.perm.map(Int.init), ins[0], outs[0], dims)
        case .staticReshape:
            let a = ins[0], o = outs[0], total = count(dims(a))
            guard count(dims(o)) == total else { throw bindError("reshape of \(dims(a)) to \(dims(o)) changes the element count") }
            return { b in b[o].update(from: b[a], count: total) }
        case .concatenate(let c):
            return try concatenate(Int(c.axis), ins, outs[0], dims)
        case .staticSlice(let s):
            return try slice(s.offsets.map(Int.init), s.sizes.map(Int.init), ins[0], outs[0], dims)
        case .staticConstantPad(let p):
            return try pad(p.prePaddings.map(Int.init), p.postPaddings.map(Int.init), p.paddingValue, ins[0], outs[0], dims)
        case .staticResizeBilinear2D(let r):
            return try resizeBilinear(r, ins[0], outs[0], dims)
        case .argMaxPooling2d, .scaledDotProductAttention:
            throw Unsupported(reason: "is not supported by edgec's interpreter")
        }
    }

    // MARK: Elementwise

    /// NumPy-style broadcast of `a` and `b` (right-aligned); nil when incompatible.
    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let r = max(a.count, b.count)
        var out: [Int] = []
        for i in 0 ..< r {
            let x = i < r - a.count ? 1 : a[i - (r - a.count)]
            let y = i < r - b.count ? 1 : b[i - (r - b.count)]
            guard x == y || x == 1 || y == 1 else { return nil }
            out.append(x == 1 ? y : x)
        }
        return out
    }

    /// Element strides of `d` seen with the output's rank `r` (0 on broadcast dimensions).
    static func broadcastStrides(_ d: [Int], rank r: Int) -> [Int] {
        let s = strides(d)
        return (0 ..< r).map { i in
            let j = i - (r - d.count)
            return j < 0 || d[j] == 1 ? 0 : s[j]
        }
    }

    static func binary(_ type: XNNNodeType, _ a: Int, _ bIdx: Int, _ o: Int, _ dims: (Int) -> [Int],
                       _ lo: Float, _ hi: Float) throws -> (XNNBuffers) -> Void {
        if type == .batchMatrixMultiply { return try batchMatMul(a, bIdx, o, dims) }
        let op: (Float, Float) -> Float
        switch type {
        case .add: op = { $0 + $1 }
        case .subtract: op = { $0 - $1 }
        case .multiply: op = { $0 * $1 }
        case .divide: op = { $0 / $1 }
        case .minimum: op = { Swift.min($0, $1) }  // XNNPACK's min/max on NaN are not specified; edgec takes Swift's
        case .maximum: op = { Swift.max($0, $1) }
        case .prelu: op = { $0 >= 0 ? $0 : $0 * $1 }
        default: throw Unsupported(reason: "is not supported by edgec's interpreter")
        }
        let da = dims(a), db = dims(bIdx)
        guard let shape = broadcast(da, db) else { throw bindError("input dims \(da) and \(db) do not broadcast") }
        try expect(dims(o), shape, "output")
        let total = count(shape)
        let f: (Float, Float) -> Float = (lo > -.infinity || hi < .infinity) ? { Swift.min(Swift.max(op($0, $1), lo), hi) } : op
        if da == db {
            return { b in let x = b[a], y = b[bIdx], z = b[o]; for i in 0 ..< total { z[i] = f(x[i], y[i]) } }
        }
        if count(db) == 1 {
            return { b in let x = b[a], y = b[bIdx][0], z = b[o]; for i in 0 ..< total { z[i] = f(x[i], y) } }
        }
        let r = shape.count, sa = broadcastStrides(da, rank: r), sb = broadcastStrides(db, rank: r)
        return { b in
            let x = b[a], y = b[bIdx], z = b[o]
            var out = 0
            func walk(_ d: Int, _ ia: Int, _ ib: Int) {
                if d == r - 1 {
                    let n = shape[d], ta = sa[d], tb = sb[d]
                    for i in 0 ..< n { z[out] = f(x[ia + i * ta], y[ib + i * tb]); out += 1 }
                    return
                }
                for i in 0 ..< shape[d] { walk(d + 1, ia + i * sa[d], ib + i * sb[d]) }
            }
            if r == 0 { z[0] = f(x[0], y[0]) } else { walk(0, 0, 0) }
        }
    }

    static func unary(_ type: XNNNodeType, _ a: Int, _ o: Int, _ dims: (Int) -> [Int],
                      _ lo: Float, _ hi: Float) throws -> (XNNBuffers) -> Void {
        let da = dims(a), total = count(da)
        switch type {
        case .globalAvgPooling2d:
            guard da.count == 4 else { throw bindError("global average pooling needs an NHWC input, got \(da)") }
            let (nb, h, w, c) = (da[0], da[1], da[2], da[3])
            guard count(dims(o)) == nb * c, dims(o).last == c || dims(o).count < 2 else {
                throw bindError("output dims are \(dims(o)), expected [\(nb), 1, 1, \(c)]")
            }
            let scale = 1 / Float(h * w)
            return { b in
                let x = b[a], z = b[o]
                for i in 0 ..< nb {
                    for ch in 0 ..< c {
                        var s: Float = 0
                        for p in 0 ..< h * w { s += x[(i * h * w + p) * c + ch] }
                        z[i * c + ch] = Swift.min(Swift.max(s * scale, lo), hi)
                    }
                }
            }
        case .softmax:
            try expect(dims(o), da, "output")
            guard let last = da.last, last > 0 else { return { _ in } }
            return { b in
                let x = b[a], z = b[o]
                for row in stride(from: 0, to: total, by: last) {
                    var m = -Float.infinity
                    for i in 0 ..< last { m = Swift.max(m, x[row + i]) }
                    var s: Float = 0
                    for i in 0 ..< last { let e = expf(x[row + i] - m); z[row + i] = e; s += e }
                    for i in 0 ..< last { z[row + i] /= s }
                }
            }
        default:
            break
        }
        try expect(dims(o), da, "output")
        let f: (Float) -> Float
        switch type {
        case .clamp: f = { Swift.min(Swift.max($0, lo), hi) }
        case .sigmoid: f = { 1 / (1 + expf(-$0)) }
        case .tanh: f = { tanhf($0) }
        case .hardswish: f = { $0 * Swift.min(Swift.max($0 + 3, 0), 6) / 6 }
        case .gelu: f = { 0.5 * $0 * (1 + erff($0 * 0.707_106_78)) }
        case .abs: f = { Swift.abs($0) }
        case .negate: f = { -$0 }
        case .square: f = { $0 * $0 }
        case .squareRoot: f = { sqrtf($0) }
        case .reciprocalSquareRoot: f = { 1 / sqrtf($0) }
        case .ceiling: f = { ceilf($0) }
        case .floor: f = { floorf($0) }
        case .exp: f = { expf($0) }
        case .log: f = { logf($0) }
        case .sin: f = { sinf($0) }
        case .cos: f = { cosf($0) }
        case .copy, .convert: f = { $0 }  // fp32 → fp32 (other datatypes are refused at value binding)
        default: throw Unsupported(reason: "is not supported by edgec's interpreter")
        }
        return { b in let x = b[a], z = b[o]; for i in 0 ..< total { z[i] = f(x[i]) } }
    }

    // MARK: Linear algebra

    static func fullyConnected(_ n: XNNFullyConnected, _ ins: [Int], _ o: Int, _ dims: (Int) -> [Int],
                               _ lo: Float, _ hi: Float) throws -> (XNNBuffers) -> Void {
        let x = ins[0], w = ins[1], bias = ins.count > 2 ? ins[2] : nil
        let dw = dims(w)
        guard dw.count == 2 else { throw bindError("filter dims \(dw) are not 2-D") }
        guard n.flags & ~xnnFlagTransposeWeights == 0 else { throw bindError("flags \(n.flags) are not supported") }
        let transposed = n.flags & xnnFlagTransposeWeights != 0
        let (outC, inC) = transposed ? (dw[1], dw[0]) : (dw[0], dw[1])
        let dx = dims(x)
        guard dx.count >= 1, let last = dx.last, last == inC else { throw bindError("input dims \(dx) do not end in the filter's \(inC) input channels") }
        let rows = count(dx) / Swift.max(inC, 1)
        guard count(dims(o)) == rows * outC, dims(o).last == outC else {
            throw bindError("output dims are \(dims(o)), expected \(Array(dx.dropLast()) + [outC])")
        }
        if let bias { guard count(dims(bias)) == outC else { throw bindError("bias dims \(dims(bias)) do not have \(outC) elements") } }
        let total = rows * outC
        return { b in
            let z = b[o]
            // z = x · Wᵀ ([out, in] filter) or x · W ([in, out] with XNN_FLAG_TRANSPOSE_WEIGHTS).
            Gemm.sgemm(m: rows, n: outC, k: inC, a: b[x], lda: inC, b: b[w], ldb: transposed ? outC : inC,
                       transposeB: !transposed, c: z, ldc: outC)
            if let bias {
                let bi = b[bias]
                for r in 0 ..< rows { for oc in 0 ..< outC { z[r * outC + oc] += bi[oc] } }
            }
            clamp(z, total, lo, hi)
        }
    }

    /// Clamps `n` values in place to `[lo, hi]` (a no-op for `[-inf, +inf]`).
    static func clamp(_ z: UnsafeMutablePointer<Float>, _ n: Int, _ lo: Float, _ hi: Float) {
        guard lo > -.infinity || hi < .infinity else { return }
        for i in 0 ..< n { z[i] = Swift.min(Swift.max(z[i], lo), hi) }
    }

    static func batchMatMul(_ a: Int, _ bIdx: Int, _ o: Int, _ dims: (Int) -> [Int]) throws -> (XNNBuffers) -> Void {
        let da = dims(a), db = dims(bIdx)
        guard da.count >= 2, db.count >= 2 else { throw bindError("inputs \(da) and \(db) must be at least 2-D") }
        let m = da[da.count - 2], k = da[da.count - 1], k2 = db[db.count - 2], n = db[db.count - 1]
        guard k == k2 else { throw bindError("inner dimensions of \(da) and \(db) differ") }
        let ba = Array(da.dropLast(2)), bb = Array(db.dropLast(2))
        guard let batch = broadcast(ba, bb) else { throw bindError("batch dims of \(da) and \(db) do not broadcast") }
        try expect(dims(o), batch + [m, n], "output")
        let nbatch = count(batch), r = batch.count
        let sa = broadcastStrides(ba, rank: r), sb = broadcastStrides(bb, rank: r), sbatch = strides(batch)
        return { b in
            let x = b[a], y = b[bIdx], z = b[o]
            for t in 0 ..< nbatch {
                var ia = 0, ib = 0, rem = t
                for d in 0 ..< r { let i = rem / sbatch[d]; rem %= sbatch[d]; ia += i * sa[d]; ib += i * sb[d] }
                Gemm.sgemm(m: m, n: n, k: k, a: x + ia * m * k, lda: k, b: y + ib * k * n, ldb: n, c: z + t * m * n, ldc: n)
            }
        }
    }

    // MARK: Convolution and pooling (NHWC)

    /// The largest im2col workspace (in floats); bigger convolutions take the direct loop.
    static let maxScratchElements = 64 << 20

    /// The checked geometry of a Conv2d / DepthwiseConv2d / ConvTranspose2d node, shared by the
    /// fp32 and the INT8 kernels: 4-D NHWC input, the filter layout XNNPACK takes (OHWI,
    /// `[1, kh, kw, C·m]` depthwise, `[groups·goc, kh, kw, gic]` transposed), positive window
    /// sizes, channel counts, the bias size and the output dims.
    struct ConvGeometry {
        let kh: Int, kw: Int, sh: Int, sw: Int, dh: Int, dw: Int
        let groups: Int, gic: Int, goc: Int
        let nb: Int, ih: Int, iw: Int, cin: Int, cout: Int, oh: Int, ow: Int
        let pt: Int, pl: Int, pb: Int, pr: Int
        let depthwise: Bool

        init(_ type: XNNNodeType, _ c: XNNConvolution, _ ins: [Int], _ o: Int, _ dims: (Int) -> [Int]) throws {
            let dx = dims(ins[0]), dwt = dims(ins[1])
            guard dx.count == 4, dwt.count == 4 else { throw bindError("input \(dx) and filter \(dwt) must be 4-D (NHWC, OHWI)") }
            guard c.flags == 0 else { throw bindError("flags \(c.flags) are not supported") }
            let transposed = type == .convTranspose2d
            kh = Int(c.kernelHeight); kw = Int(c.kernelWidth); sh = Int(c.subsamplingHeight); sw = Int(c.subsamplingWidth)
            dh = Int(c.dilationHeight); dw = Int(c.dilationWidth)
            guard kh > 0, kw > 0, sh > 0, sw > 0, dh > 0, dw > 0 else {
                throw bindError("kernel \(kh)x\(kw), \(transposed ? "stride" : "subsampling") \(sh)x\(sw) and dilation \(dh)x\(dw) must be positive")
            }
            groups = Int(c.groups); gic = Int(c.groupInputChannels); goc = Int(c.groupOutputChannels)
            (nb, ih, iw, cin) = (dx[0], dx[1], dx[2], dx[3])
            cout = groups * goc
            depthwise = type == .depthwiseConv2d
            guard groups > 0, gic > 0, goc > 0, cin == groups * gic else {
                throw bindError("input has \(cin) channels but groups \(groups) x group_input_channels \(gic) = \(groups * gic)")
            }
            if depthwise {
                guard gic == 1 else { throw bindError("depthwise convolution needs group_input_channels 1, got \(gic)") }
                try expect(dwt, [1, kh, kw, cout], "filter")
            } else {
                try expect(dwt, [cout, kh, kw, gic], "filter")
            }
            if ins.count > 2 {
                guard count(dims(ins[2])) == cout else { throw bindError("bias dims \(dims(ins[2])) do not have \(cout) elements") }
            }
            pt = Int(c.padding.top); pb = Int(c.padding.bottom); pl = Int(c.padding.left); pr = Int(c.padding.right)
            if transposed {
                oh = sh * (ih - 1) + Int(c.adjustmentHeight) + dh * (kh - 1) + 1 - pt - pb
                ow = sw * (iw - 1) + Int(c.adjustmentWidth) + dw * (kw - 1) + 1 - pl - pr
                guard oh > 0, ow > 0 else { throw bindError("output size \(oh)x\(ow) is not positive") }
            } else {
                oh = outputSize(ih, c.padding.top, c.padding.bottom, kh, sh, dh)
                ow = outputSize(iw, c.padding.left, c.padding.right, kw, sw, dw)
            }
            try expect(dims(o), [nb, oh, ow, cout], "output")
        }
    }

    static func outputSize(_ input: Int, _ padBefore: UInt32, _ padAfter: UInt32, _ kernel: Int, _ stride: Int, _ dilation: Int) -> Int {
        let effective = (kernel - 1) * dilation + 1
        let padded = input + Int(padBefore) + Int(padAfter)
        return padded < effective ? 0 : (padded - effective) / stride + 1
    }

    static func convolution(_ type: XNNNodeType, _ c: XNNConvolution, _ ins: [Int], _ o: Int, _ dims: (Int) -> [Int],
                            _ lo: Float, _ hi: Float, _ scratch: XNNScratch) throws -> (XNNBuffers) -> Void {
        let x = ins[0], w = ins[1], bias = ins.count > 2 ? ins[2] : nil
        let g = try ConvGeometry(type, c, ins, o, dims)
        let (kh, kw, sh, sw, dh, dwl) = (g.kh, g.kw, g.sh, g.sw, g.dh, g.dw)
        let (groups, gic, goc, nb, ih, iw, cin, cout, oh, ow) = (g.groups, g.gic, g.goc, g.nb, g.ih, g.iw, g.cin, g.cout, g.oh, g.ow)
        let depthwise = g.depthwise
        let pt = Int(c.padding.top), pl = Int(c.padding.left)
        let pixels = nb * oh * ow, depth = kh * kw * cin
        let direct = kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && oh == ih && ow == iw
        let (im2col, overflow) = pixels.multipliedReportingOverflow(by: depth)
        if !depthwise && groups == 1 && (direct || (!overflow && im2col <= maxScratchElements)) {
            // NHWC im2col rows [kh, kw, Cin] (contiguous channel runs) times the OHWI filter seen as [Cout, kh*kw*Cin]ᵀ.
            if !direct { scratch.reserve(pixels * depth) }
            return { b in
                let xi = b[x], z = b[o]
                var patches = UnsafePointer(xi)
                if !direct {
                    let p = scratch.pointer
                    for n in 0 ..< nb {
                        for y in 0 ..< oh {
                            for xo in 0 ..< ow {
                                var row = p + ((n * oh + y) * ow + xo) * depth
                                for ky in 0 ..< kh {
                                    let iy = y * sh - pt + ky * dh
                                    for kx in 0 ..< kw {
                                        let ix = xo * sw - pl + kx * dwl
                                        if iy < 0 || iy >= ih || ix < 0 || ix >= iw {
                                            row.update(repeating: 0, count: cin)
                                        } else {
                                            row.update(from: xi + ((n * ih + iy) * iw + ix) * cin, count: cin)
                                        }
                                        row += cin
                                    }
                                }
                            }
                        }
                    }
                    patches = UnsafePointer(p)
                }
                Gemm.sgemm(m: pixels, n: cout, k: depth, a: patches, lda: depth, b: b[w], ldb: depth, transposeB: true, c: z, ldc: cout)
                if let bias {
                    let bi = b[bias]
                    for px in 0 ..< pixels { for oc in 0 ..< cout { z[px * cout + oc] += bi[oc] } }
                }
                clamp(z, pixels * cout, lo, hi)
            }
        }
        return { b in
            let xi = b[x], wi = b[w], z = b[o], bi = bias.map { b[$0] }
            for n in 0 ..< nb {
                for y in 0 ..< oh {
                    for xo in 0 ..< ow {
                        let outBase = ((n * oh + y) * ow + xo) * cout
                        for oc in 0 ..< cout { z[outBase + oc] = bi?[oc] ?? 0 }
                        for ky in 0 ..< kh {
                            let iy = y * sh - pt + ky * dh
                            if iy < 0 || iy >= ih { continue }
                            for kx in 0 ..< kw {
                                let ix = xo * sw - pl + kx * dwl
                                if ix < 0 || ix >= iw { continue }
                                let inBase = ((n * ih + iy) * iw + ix) * cin
                                if depthwise {
                                    let m = goc, wb = (ky * kw + kx) * cout
                                    for oc in 0 ..< cout { z[outBase + oc] += xi[inBase + oc / m] * wi[wb + oc] }
                                } else {
                                    for g in 0 ..< groups {
                                        let inp = xi + inBase + g * gic
                                        for j in 0 ..< goc {
                                            let oc = g * goc + j
                                            let wr = wi + ((oc * kh + ky) * kw + kx) * gic
                                            var s: Float = 0
                                            for ic in 0 ..< gic { s += inp[ic] * wr[ic] }
                                            z[outBase + oc] += s
                                        }
                                    }
                                }
                            }
                        }
                        for oc in 0 ..< cout { z[outBase + oc] = Swift.min(Swift.max(z[outBase + oc], lo), hi) }
                    }
                }
            }
        }
    }

    /// XNNPACK deconvolution: filter `[groups * goc, kh, kw, gic]`; output size
    /// `stride * (in - 1) + adjustment + dilation * (k - 1) + 1 - pad_before - pad_after`.
    static func deconvolution(_ c: XNNConvolution, _ ins: [Int], _ o: Int, _ dims: (Int) -> [Int],
                              _ lo: Float, _ hi: Float) throws -> (XNNBuffers) -> Void {
        let x = ins[0], w = ins[1], bias = ins.count > 2 ? ins[2] : nil
        let g = try ConvGeometry(.convTranspose2d, c, ins, o, dims)
        let (kh, kw, sh, sw, dh, dwl) = (g.kh, g.kw, g.sh, g.sw, g.dh, g.dw)
        let (groups, gic, goc, nb, ih, iw, cin, cout, oh, ow) = (g.groups, g.gic, g.goc, g.nb, g.ih, g.iw, g.cin, g.cout, g.oh, g.ow)
        let (pt, pl) = (g.pt, g.pl)
        return { b in
            let xi = b[x], wi = b[w], z = b[o]
            let total = nb * oh * ow * cout
            if let bias {
                let bi = b[bias]
                for p in 0 ..< nb * oh * ow { for oc in 0 ..< cout { z[p * cout + oc] = bi[oc] } }
            } else {
                z.update(repeating: 0, count: total)
            }
            for n in 0 ..< nb {
                for iy in 0 ..< ih {
                    for ix in 0 ..< iw {
                        let inBase = ((n * ih + iy) * iw + ix) * cin
                        for ky in 0 ..< kh {
                            let y = iy * sh - pt + ky * dh
                            if y < 0 || y >= oh { continue }
                            for kx in 0 ..< kw {
                                let xo = ix * sw - pl + kx * dwl
                                if xo < 0 || xo >= ow { continue }
                                let outBase = ((n * oh + y) * ow + xo) * cout
                                for g in 0 ..< groups {
                                    let inp = xi + inBase + g * gic
                                    for j in 0 ..< goc {
                                        let oc = g * goc + j
                                        let wr = wi + ((oc * kh + ky) * kw + kx) * gic
                                        var s: Float = 0
                                        for ic in 0 ..< gic { s += inp[ic] * wr[ic] }
                                        z[outBase + oc] += s
                                    }
                                }
                            }
                        }
                    }
                }
            }
            clamp(z, total, lo, hi)
        }
    }

    /// NHWC bilinear resize: half-pixel centers by default, `XNN_FLAG_ALIGN_CORNERS`, or
    /// `XNN_FLAG_TENSORFLOW_LEGACY_MODE` (no half-pixel offset).
    static func resizeBilinear(_ r: XNNStaticResizeBilinear2D, _ x: Int, _ o: Int, _ dims: (Int) -> [Int]) throws -> (XNNBuffers) -> Void {
        let dx = dims(x)
        guard dx.count == 4 else { throw bindError("input \(dx) must be 4-D (NHWC)") }
        guard r.flags & ~(xnnFlagAlignCorners | xnnFlagTensorflowLegacyMode) == 0,
              r.flags & xnnFlagAlignCorners == 0 || r.flags & xnnFlagTensorflowLegacyMode == 0 else {
            throw bindError("flags \(r.flags) are not supported")
        }
        let (nb, ih, iw, c) = (dx[0], dx[1], dx[2], dx[3]), oh = Int(r.newHeight), ow = Int(r.newWidth)
        guard oh > 0, ow > 0 else { throw bindError("new size \(oh)x\(ow) is not positive") }
        try expect(dims(o), [nb, oh, ow, c], "output")
        let align = r.flags & xnnFlagAlignCorners != 0, legacy = r.flags & xnnFlagTensorflowLegacyMode != 0
        func taps(_ out: Int, _ inp: Int) -> [(Int, Int, Float)] {
            let scale: Float = align ? (out > 1 ? Float(inp - 1) / Float(out - 1) : 0) : Float(inp) / Float(out)
            return (0 ..< out).map { d in
                var src = align || legacy ? Float(d) * scale : (Float(d) + 0.5) * scale - 0.5
                src = Swift.max(src, 0)
                let i0 = Swift.min(Int(src), inp - 1), i1 = Swift.min(i0 + 1, inp - 1)
                return (i0, i1, Swift.min(src - Float(i0), 1))
            }
        }
        let ty = taps(oh, ih), tx = taps(ow, iw)
        return { b in
            let xi = b[x], z = b[o]
            for n in 0 ..< nb {
                for (y, (y0, y1, fy)) in ty.enumerated() {
                    for (xo, (x0, x1, fx)) in tx.enumerated() {
                        let p00 = xi + ((n * ih + y0) * iw + x0) * c, p01 = xi + ((n * ih + y0) * iw + x1) * c
                        let p10 = xi + ((n * ih + y1) * iw + x0) * c, p11 = xi + ((n * ih + y1) * iw + x1) * c
                        let out = z + ((n * oh + y) * ow + xo) * c
                        for ch in 0 ..< c {
                            let top = p00[ch] + (p01[ch] - p00[ch]) * fx
                            let bottom = p10[ch] + (p11[ch] - p10[ch]) * fx
                            out[ch] = top + (bottom - top) * fy
                        }
                    }
                }
            }
        }
    }

    static func pooling(_ type: XNNNodeType, _ p: XNNPooling2D, _ x: Int, _ o: Int, _ dims: (Int) -> [Int],
                        _ lo: Float, _ hi: Float) throws -> (XNNBuffers) -> Void {
        let dx = dims(x)
        guard dx.count == 4 else { throw bindError("input \(dx) must be 4-D (NHWC)") }
        let ph = Int(p.poolingHeight), pw = Int(p.poolingWidth), sh = Int(p.strideHeight), sw = Int(p.strideWidth)
        // Average pooling has no dilation (ExecuTorch writes 0); 0 means 1.
        let dh = type == .avgPooling2d ? 1 : Swift.max(Int(p.dilationHeight), 1)
        let dwl = type == .avgPooling2d ? 1 : Swift.max(Int(p.dilationWidth), 1)
        guard ph > 0, pw > 0, sh > 0, sw > 0 else { throw bindError("pooling \(ph)x\(pw) and stride \(sh)x\(sw) must be positive") }
        let (nb, ih, iw, c) = (dx[0], dx[1], dx[2], dx[3])
        let oh = outputSize(ih, p.padding.top, p.padding.bottom, ph, sh, dh)
        let ow = outputSize(iw, p.padding.left, p.padding.right, pw, sw, dwl)
        try expect(dims(o), [nb, oh, ow, c], "output")
        let pt = Int(p.padding.top), pl = Int(p.padding.left), isMax = type == .maxPooling2d
        return { b in
            let xi = b[x], z = b[o]
            for n in 0 ..< nb {
                for y in 0 ..< oh {
                    for xo in 0 ..< ow {
                        let outBase = ((n * oh + y) * ow + xo) * c
                        for ch in 0 ..< c {
                            var acc: Float = isMax ? -.infinity : 0
                            var used = 0
                            for ky in 0 ..< ph {
                                let iy = y * sh - pt + ky * dh
                                if iy < 0 || iy >= ih { continue }
                                for kx in 0 ..< pw {
                                    let ix = xo * sw - pl + kx * dwl
                                    if ix < 0 || ix >= iw { continue }
                                    let v = xi[((n * ih + iy) * iw + ix) * c + ch]
                                    if isMax { acc = Swift.max(acc, v) } else { acc += v }
                                    used += 1
                                }
                            }
                            // Average pooling divides by the number of pixels inside the input (padding excluded).
                            let r = isMax ? acc : (used == 0 ? 0 : acc / Float(used))
                            z[outBase + ch] = Swift.min(Swift.max(r, lo), hi)
                        }
                    }
                }
            }
        }
    }

    // MARK: Data movement

    static func transpose(_ perm: [Int], _ x: Int, _ o: Int, _ dims: (Int) -> [Int]) throws -> (XNNBuffers) -> Void {
        let dx = dims(x)
        guard perm.count == dx.count, Set(perm).count == perm.count, perm.allSatisfy({ $0 >= 0 && $0 < dx.count }) else {
            throw bindError("perm \(perm) is not a permutation of the \(dx.count) input dims")
        }
        let shape = perm.map { dx[$0] }
        try expect(dims(o), shape, "output")
        let sx = strides(dx), src = perm.map { sx[$0] }, r = shape.count, total = count(shape)
        return { b in
            let xi = b[x], z = b[o]
            if r == 0 || total == 0 { if total == 1 { z[0] = xi[0] }; return }
            var out = 0
            func walk(_ d: Int, _ base: Int) {
                if d == r - 1 {
                    let t = src[d]
                    for i in 0 ..< shape[d] { z[out] = xi[base + i * t]; out += 1 }
                    return
                }
                for i in 0 ..< shape[d] { walk(d + 1, base + i * src[d]) }
            }
            walk(0, 0)
        }
    }

    static func concatenate(_ axis: Int, _ ins: [Int], _ o: Int, _ dims: (Int) -> [Int]) throws -> (XNNBuffers) -> Void {
        let first = dims(ins[0])
        guard axis < first.count else { throw bindError("axis \(axis) is out of range for \(first.count)-D inputs") }
        var shape = first
        shape[axis] = 0
        for i in ins {
            let d = dims(i)
            guard d.count == first.count, d.enumerated().allSatisfy({ $0.offset == axis || $0.element == first[$0.offset] }) else {
                throw bindError("input dims \(d) do not match \(first) outside axis \(axis)")
            }
            shape[axis] += d[axis]
        }
        try expect(dims(o), shape, "output")
        let outer = count(Array(first[..<axis])), inner = count(Array(first[(axis + 1)...]))
        let chunks = ins.map { dims($0)[axis] * inner }
        let rowSize = shape[axis] * inner
        return { b in
            let z = b[o]
            var offset = 0
            for (i, chunk) in zip(ins, chunks) {
                let xi = b[i]
                for r in 0 ..< outer { (z + r * rowSize + offset).update(from: xi + r * chunk, count: chunk) }
                offset += chunk
            }
        }
    }

    static func slice(_ offsets: [Int], _ sizes: [Int], _ x: Int, _ o: Int, _ dims: (Int) -> [Int]) throws -> (XNNBuffers) -> Void {
        let dx = dims(x)
        guard offsets.count == dx.count, sizes.count == dx.count else { throw bindError("offsets/sizes do not have \(dx.count) entries") }
        // A size of 0 means "to the end of the dimension" (XNNPACK's static slice).
        let shape = zip(zip(offsets, sizes), dx).map { os, d in os.1 == 0 ? d - os.0 : os.1 }
        for (i, d) in dx.enumerated() where offsets[i] + shape[i] > d || shape[i] < 0 {
            throw bindError("slice \(offsets[i])..<\(offsets[i] + shape[i]) of dimension \(i) exceeds \(d)")
        }
        try expect(dims(o), shape, "output")
        let sx = strides(dx), r = shape.count, total = count(shape)
        let start = zip(offsets, sx).reduce(0) { $0 + $1.0 * $1.1 }
        return { b in
            let xi = b[x], z = b[o]
            if r == 0 || total == 0 { if total == 1 { z[0] = xi[start] }; return }
            var out = 0
            func walk(_ d: Int, _ base: Int) {
                if d == r - 1 { (z + out).update(from: xi + base, count: shape[d]); out += shape[d]; return }
                for i in 0 ..< shape[d] { walk(d + 1, base + i * sx[d]) }
            }
            walk(0, start)
        }
    }

    static func pad(_ pre: [Int], _ post: [Int], _ value: Float, _ x: Int, _ o: Int, _ dims: (Int) -> [Int]) throws -> (XNNBuffers) -> Void {
        let dx = dims(x)
        guard pre.count <= dx.count, post.count <= dx.count else { throw bindError("paddings have more entries than the \(dx.count) dims") }
        let pb = pre + [Int](repeating: 0, count: dx.count - pre.count), pa = post + [Int](repeating: 0, count: dx.count - post.count)
        let shape = (0 ..< dx.count).map { dx[$0] + pb[$0] + pa[$0] }
        try expect(dims(o), shape, "output")
        let so = strides(shape), r = dx.count, total = count(shape), inTotal = count(dx)
        let start = zip(pb, so).reduce(0) { $0 + $1.0 * $1.1 }
        return { b in
            let xi = b[x], z = b[o]
            z.update(repeating: value, count: total)
            if inTotal == 0 { return }
            if r == 0 { z[0] = xi[0]; return }
            var inp = 0
            func walk(_ d: Int, _ base: Int) {
                if d == r - 1 { (z + base).update(from: xi + inp, count: dx[d]); inp += dx[d]; return }
                for i in 0 ..< dx[d] { walk(d + 1, base + i * so[d]) }
            }
            walk(0, start)
        }
    }
}
