import FlatBuffers

// The XNNPACK delegate payload (ExecuTorch's "processed" bytes): a 32-byte header, the XNNGraph
// FlatBuffer, and the constant region. Layout (little-endian), as `XNNHeader.cpp` reads it:
//   0..3 zero, 4..7 "XH00", 8..9 u16 header length (30), 10..13 u32 FlatBuffer offset (32),
//   14..17 u32 FlatBuffer size, 18..21 u32 constant region offset (FlatBuffer end padded to 16),
//   22..29 u64 constant region size, 30..31 zero.

/// The payload header.
public struct XNNHeader: Sendable, Hashable {
    /// The header magic, where a FlatBuffer's file identifier would be.
    public static let magic: [UInt8] = Array("XH00".utf8)
    /// The header length field ExecuTorch writes (30 bytes; the header is padded to 32).
    public static let length = 30
    /// Header size including padding: where the FlatBuffer starts.
    public static let paddedLength = 32
    /// FlatBuffer identifiers the runtime accepts.
    public static let identifiers = ["XN00", "XN01"]
    /// The identifier edgec writes.
    public static let identifier = "XN01"

    public var flatBufferOffset: UInt32
    public var flatBufferSize: UInt32
    public var constantDataOffset: UInt32
    public var constantDataSize: UInt64

    public init(flatBufferOffset: UInt32, flatBufferSize: UInt32, constantDataOffset: UInt32, constantDataSize: UInt64) {
        self.flatBufferOffset = flatBufferOffset
        self.flatBufferSize = flatBufferSize
        self.constantDataOffset = constantDataOffset
        self.constantDataSize = constantDataSize
    }

    /// The 32 header bytes (30 plus 2 bytes of padding).
    public var bytes: [UInt8] {
        var out: [UInt8] = [0, 0, 0, 0] + Self.magic
        appendLE(&out, UInt16(Self.length))
        appendLE(&out, flatBufferOffset)
        appendLE(&out, flatBufferSize)
        appendLE(&out, constantDataOffset)
        appendLE(&out, constantDataSize)
        out.append(contentsOf: [0, 0])
        return out
    }

    /// Reads the header of `payload`, or nil when it has none (no `XH00` at bytes 4..7).
    /// Checks what the runtime checks: both regions lie inside the payload, in order.
    public static func read(_ payload: [UInt8]) throws(XNNPACKError) -> XNNHeader? {
        guard payload.count >= 8, payload[4 ..< 8].elementsEqual(magic) else { return nil }
        guard payload.count >= length else {
            throw XNNPACKError("XNNPACK payload of \(payload.count) bytes is shorter than its \(length)-byte header")
        }
        let h = XNNHeader(flatBufferOffset: readLE(payload, 10, UInt32.self), flatBufferSize: readLE(payload, 14, UInt32.self),
                          constantDataOffset: readLE(payload, 18, UInt32.self), constantDataSize: readLE(payload, 22, UInt64.self))
        let size = UInt64(payload.count)
        let fbEnd = UInt64(h.flatBufferOffset) + UInt64(h.flatBufferSize)
        guard h.flatBufferSize >= 8, fbEnd <= size else {
            throw XNNPACKError("XNNPACK header: FlatBuffer of \(h.flatBufferSize) bytes at offset \(h.flatBufferOffset) does not fit the \(payload.count)-byte payload")
        }
        guard UInt64(h.constantDataOffset) >= fbEnd, UInt64(h.constantDataOffset) <= size,
              h.constantDataSize <= size - UInt64(h.constantDataOffset) else {
            throw XNNPACKError("XNNPACK header: constant data of \(h.constantDataSize) bytes at offset \(h.constantDataOffset) lies outside the \(payload.count)-byte payload or before the FlatBuffer's end (\(fbEnd))")
        }
        return h
    }
}

/// One table field's value in slot order (see ``XNNSchema/nodeTables``).
private enum Entry {
    case uint(UInt32), float(Float), vector([UInt32])
}

private func optional(_ id: UInt32?) -> UInt32 { id ?? xnnInvalidValueID }
private func present(_ id: UInt32) -> UInt32? { id == xnnInvalidValueID ? nil : id }

extension XNNNodeFields {
    /// The table's fields in slot order.
    fileprivate var entries: [Entry] {
        func u(_ values: UInt32...) -> [Entry] { values.map { .uint($0) } }
        switch self {
        case .node2x1(let n): return u(n.input1, n.input2, n.output, n.flags)
        case .node1x1(let n): return u(n.input, n.output, n.flags)
        case .convolution(let n):
            return u(n.padding.top, n.padding.right, n.padding.bottom, n.padding.left, n.kernelHeight, n.kernelWidth,
                     n.subsamplingHeight, n.subsamplingWidth, n.dilationHeight, n.dilationWidth, n.groupInputChannels,
                     n.groupOutputChannels, n.groups, n.adjustmentHeight, n.adjustmentWidth, n.input, n.filter,
                     optional(n.bias), n.output, n.flags)
        case .pooling(let n):
            return u(n.padding.top, n.padding.right, n.padding.bottom, n.padding.left, n.poolingHeight, n.poolingWidth,
                     n.strideHeight, n.strideWidth, n.dilationHeight, n.dilationWidth, n.input, n.output, n.flags)
        case .concatenate(let n):
            func input(_ i: Int) -> UInt32 { i < n.inputs.count ? n.inputs[i] : xnnInvalidValueID }
            return u(n.axis, input(0), input(1), input(2), input(3), n.output, n.flags, input(4))
        case .fullyConnected(let n): return u(n.input, n.filter, optional(n.bias), n.output, n.flags)
        case .staticTranspose(let n): return [.uint(UInt32(n.perm.count)), .vector(n.perm)] + u(n.input, n.output, n.flags)
        case .staticResizeBilinear2D(let n): return u(n.newHeight, n.newWidth, n.input, n.output, n.flags)
        case .staticConstantPad(let n):
            return [.vector(n.prePaddings), .vector(n.postPaddings), .float(n.paddingValue)] + u(n.input, n.output, n.flags)
        case .staticReshape(let n): return [.uint(UInt32(n.newShape.count)), .vector(n.newShape)] + u(n.input, n.output, n.flags)
        case .staticSlice(let n):
            return [.uint(UInt32(n.offsets.count)), .vector(n.offsets), .vector(n.sizes)] + u(n.input, n.output, n.flags)
        case .argMaxPooling2d(let n):
            return u(n.padding.top, n.padding.right, n.padding.bottom, n.padding.left, n.poolingHeight, n.poolingWidth,
                     n.input, n.outputValue, n.outputIndex, n.flags)
        case .unaryWithParameter(let n): return [.float(n.parameter)] + u(n.input, n.output, n.flags)
        case .scaledDotProductAttention(let n): return u(n.query, n.key, n.value, n.scale, n.mask, n.output, n.flags)
        }
    }

    /// Rebuilds the fields of `table` from its slot-ordered entries (read by ``XNNPayloadReader``).
    fileprivate static func decode(_ table: XNNNodeTable, _ t: Table, _ path: String) throws(XNNPACKError) -> XNNNodeFields {
        let kinds = XNNSchema.nodeTables[table] ?? []
        var uints: [UInt32] = [], floats: [Float] = [], vectors: [[UInt32]] = []
        for (slot, (_, kind)) in kinds.enumerated() {
            switch kind {
            case .float: floats.append(t.scalar(slot, default: Float(0)))
            case .uintVector: vectors.append(t.vector(slot)?.scalars(UInt32.self) ?? [])
            default: uints.append(t.scalar(slot, default: UInt32(0)))
            }
        }
        func dims(_ count: UInt32, _ vector: [UInt32], _ name: String) throws(XNNPACKError) {
            guard Int(count) == vector.count else {
                throw XNNPACKError("\(path): num_dims \(count) does not match the \(vector.count) entries of \(name)")
            }
        }
        let p = XNNPadding2D(top: uints.first ?? 0, right: uints.count > 1 ? uints[1] : 0,
                             bottom: uints.count > 2 ? uints[2] : 0, left: uints.count > 3 ? uints[3] : 0)
        switch table {
        case .node2x1: return .node2x1(XNNNode2x1(input1: uints[0], input2: uints[1], output: uints[2], flags: uints[3]))
        case .node1x1: return .node1x1(XNNNode1x1(input: uints[0], output: uints[1], flags: uints[2]))
        case .convolution:
            return .convolution(XNNConvolution(
                padding: p, kernelHeight: uints[4], kernelWidth: uints[5], subsamplingHeight: uints[6],
                subsamplingWidth: uints[7], dilationHeight: uints[8], dilationWidth: uints[9], groupInputChannels: uints[10],
                groupOutputChannels: uints[11], groups: uints[12], adjustmentHeight: uints[13], adjustmentWidth: uints[14],
                input: uints[15], filter: uints[16], bias: present(uints[17]), output: uints[18], flags: uints[19]))
        case .pooling:
            return .pooling(XNNPooling2D(
                padding: p, poolingHeight: uints[4], poolingWidth: uints[5], strideHeight: uints[6], strideWidth: uints[7],
                dilationHeight: uints[8], dilationWidth: uints[9], input: uints[10], output: uints[11], flags: uints[12]))
        case .concatenate:
            var inputs = [uints[1], uints[2], uints[3], uints[4], uints[7]]
            while let last = inputs.last, last == xnnInvalidValueID { inputs.removeLast() }
            return .concatenate(XNNConcatenate(axis: uints[0], inputs: inputs, output: uints[5], flags: uints[6]))
        case .fullyConnected:
            return .fullyConnected(XNNFullyConnected(input: uints[0], filter: uints[1], bias: present(uints[2]),
                                                     output: uints[3], flags: uints[4]))
        case .staticTranspose:
            try dims(uints[0], vectors[0], "perm")
            return .staticTranspose(XNNStaticTranspose(perm: vectors[0], input: uints[1], output: uints[2], flags: uints[3]))
        case .staticResizeBilinear2D:
            return .staticResizeBilinear2D(XNNStaticResizeBilinear2D(newHeight: uints[0], newWidth: uints[1], input: uints[2],
                                                                     output: uints[3], flags: uints[4]))
        case .staticConstantPad:
            return .staticConstantPad(XNNStaticConstantPad(prePaddings: vectors[0], postPaddings: vectors[1], paddingValue: floats[0],
                                                           input: uints[0], output: uints[1], flags: uints[2]))
        case .staticReshape:
            try dims(uints[0], vectors[0], "new_shape")
            return .staticReshape(XNNStaticReshape(newShape: vectors[0], input: uints[1], output: uints[2], flags: uints[3]))
        case .staticSlice:
            try dims(uints[0], vectors[0], "offsets")
            try dims(uints[0], vectors[1], "sizes")
            return .staticSlice(XNNStaticSlice(offsets: vectors[0], sizes: vectors[1], input: uints[1], output: uints[2], flags: uints[3]))
        case .argMaxPooling2d:
            return .argMaxPooling2d(XNNArgMaxPooling2d(padding: p, poolingHeight: uints[4], poolingWidth: uints[5], input: uints[6],
                                                       outputValue: uints[7], outputIndex: uints[8], flags: uints[9]))
        case .leakyReLU, .elu:
            return .unaryWithParameter(XNNUnaryWithParameter(floats[0], input: uints[0], output: uints[1], flags: uints[2]))
        case .scaledDotProductAttention:
            return .scaledDotProductAttention(XNNScaledDotProductAttention(
                query: uints[0], key: uints[1], value: uints[2], scale: uints[3], mask: uints[4], output: uints[5], flags: uints[6]))
        }
    }
}

// MARK: Writing

extension XNNGraph {
    /// The complete payload: header, FlatBuffer (padded to 16) and constant region. Validates first;
    /// the bytes depend only on the graph (deterministic).
    public func serialize() throws(XNNPACKError) -> [UInt8] {
        try validate()
        return payloadBytes()
    }

    /// The payload bytes without validation (for tests of hostile payloads and for tools); use ``serialize()``.
    public func payloadBytes() -> [UInt8] {
        let fb = flatBuffer()
        let padded = fb.count + (16 - fb.count % 16) % 16
        let header = XNNHeader(flatBufferOffset: UInt32(XNNHeader.paddedLength), flatBufferSize: UInt32(fb.count),
                               constantDataOffset: UInt32(XNNHeader.paddedLength + padded),
                               constantDataSize: UInt64(constantRegion.count))
        var out = header.bytes
        out.reserveCapacity(XNNHeader.paddedLength + padded + constantRegion.count)
        out.append(contentsOf: fb)
        out.append(contentsOf: repeatElement(0, count: padded - fb.count))
        out.append(contentsOf: constantRegion)
        return out
    }

    /// The XNNGraph FlatBuffer alone (identifier `XN01`).
    public func flatBuffer() -> [UInt8] {
        var b = FlatBufferBuilder(initialCapacity: 4096)
        let version = b.createString(self.version)
        let nodeOffsets = nodes.map { Self.write($0, &b) }
        let nodeVector = b.createVector(offsets: nodeOffsets)
        let valueOffsets = values.map { Self.write($0, &b) }
        let valueVector = b.createVector(offsets: valueOffsets)
        let inputs = b.createVector(inputIDs)
        let outputs = b.createVector(outputIDs)
        let constants = constantData.map { c -> Offset in
            let key = c.namedKey.map { b.createString($0) } ?? .null
            b.startTable()
            b.addField(slot: XNNSlot.ConstantDataOffset.offset, c.offset, default: 0)
            b.addField(slot: XNNSlot.ConstantDataOffset.size, c.size, default: 0)
            b.addOffset(slot: XNNSlot.ConstantDataOffset.namedKey, key)
            return b.endTable()
        }
        let constantVector = b.createVector(offsets: constants)
        b.startTable()
        b.addOffset(slot: XNNSlot.Graph.version, version)
        b.addOffset(slot: XNNSlot.Graph.xnodes, nodeVector)
        b.addOffset(slot: XNNSlot.Graph.xvalues, valueVector)
        b.addField(slot: XNNSlot.Graph.numExterns, numExterns, default: 0)
        b.addOffset(slot: XNNSlot.Graph.inputIDs, inputs)
        b.addOffset(slot: XNNSlot.Graph.outputIDs, outputs)
        b.addOffset(slot: XNNSlot.Graph.constantData, constantVector)
        let root = b.endTable()
        return b.finish(root, fileIdentifier: XNNHeader.identifier)
    }

    private static func write(_ node: XNode, _ b: inout FlatBufferBuilder) -> Offset {
        let entries = node.fields.entries
        let vectors: [Offset] = entries.map { if case .vector(let v) = $0 { return b.createVector(v) } else { return .null } }
        b.startTable()
        for (slot, entry) in entries.enumerated() {
            switch entry {
            case .uint(let v): b.addField(slot: slot, v, default: 0)
            case .float(let v): b.addField(slot: slot, v, default: nil)  // always written: exact, including -0
            case .vector: b.addOffset(slot: slot, vectors[slot])
            }
        }
        let fields = b.endTable()
        var minMax = Offset.null
        if let m = node.outputMinMax {
            b.startTable()
            b.addField(slot: XNNSlot.OutputMinMax.min, m.min, default: nil)
            b.addField(slot: XNNSlot.OutputMinMax.max, m.max, default: nil)
            minMax = b.endTable()
        }
        b.startTable()
        b.addUnion(slot: XNNSlot.XNode.union, type: node.type.rawValue, value: fields)
        b.addField(slot: XNNSlot.XNode.debugHandle, node.debugHandle, default: 0)
        b.addOffset(slot: XNNSlot.XNode.outputMinMax, minMax)
        return b.endTable()
    }

    private static func write(_ t: XNNTensorValue, _ b: inout FlatBufferBuilder) -> Offset {
        let dims = b.createVector(t.dims)
        b.startTable()
        b.addField(slot: XNNSlot.TensorValue.datatype, t.datatype.rawValue, default: 0)
        b.addField(slot: XNNSlot.TensorValue.numDims, UInt32(t.dims.count), default: 0)
        b.addOffset(slot: XNNSlot.TensorValue.dims, dims)
        b.addField(slot: XNNSlot.TensorValue.constantBufferIdx, t.constantBufferIndex, default: 0)
        b.addField(slot: XNNSlot.TensorValue.externalID, optional(t.externalID), default: 0)
        b.addField(slot: XNNSlot.TensorValue.flags, t.flags.rawValue, default: 0)
        b.addField(slot: XNNSlot.TensorValue.idOut, t.id, default: 0)
        return b.endTable()
    }

    private static func write(_ value: XNNValue, _ b: inout FlatBufferBuilder) -> Offset {
        let tag: UInt8, payload: Offset
        switch value {
        case .tensor(let t):
            tag = 1
            payload = write(t, &b)
        case .quantized(let t, let q):
            tag = 2
            let tensor = write(t, &b)
            let params: Offset
            switch q {
            case .perChannel(let p):
                let scale = b.createVector(p.scale)  // always present, even when empty
                b.startTable()
                b.addOffset(slot: XNNSlot.PerChannelQuant.scale, scale)
                b.addField(slot: XNNSlot.PerChannelQuant.channelDim, p.channelDim, default: 0)
                b.addField(slot: XNNSlot.PerChannelQuant.scaleBufferIdx, p.scaleBufferIndex, default: 0)
                b.addField(slot: XNNSlot.PerChannelQuant.numScales, p.numScales, default: 0)
                params = b.endTable()
            case .perTensor(let scale, let zeroPoint):
                b.startTable()
                b.addField(slot: XNNSlot.PerTensorQuant.scale, scale, default: nil)
                b.addField(slot: XNNSlot.PerTensorQuant.zeroPoint, zeroPoint, default: 0)
                params = b.endTable()
            case .perTokenDynamic(let n):
                b.startTable()
                b.addField(slot: XNNSlot.PerTokenDynamicQuant.numNonbatchDims, n, default: 0)
                params = b.endTable()
            case .perChannelGroup(let p):
                let scale = b.createVector(p.scale)
                b.startTable()
                b.addOffset(slot: XNNSlot.PerChannelGroupQuant.scale, scale)
                b.addField(slot: XNNSlot.PerChannelGroupQuant.channelDim, p.channelDim, default: 0)
                b.addField(slot: XNNSlot.PerChannelGroupQuant.groupSize, p.groupSize, default: 0)
                b.addField(slot: XNNSlot.PerChannelGroupQuant.scaleBufferIdx, p.scaleBufferIndex, default: 0)
                b.addField(slot: XNNSlot.PerChannelGroupQuant.numScales, p.numScales, default: 0)
                params = b.endTable()
            }
            b.startTable()
            b.addOffset(slot: XNNSlot.QuantizedTensorValue.tensorValue, tensor)
            b.addUnion(slot: XNNSlot.QuantizedTensorValue.quantParams, type: q.tag, value: params)
            payload = b.endTable()
        }
        b.startTable()
        b.addUnion(slot: XNNSlot.XValue.union, type: tag, value: payload)
        return b.endTable()
    }
}

// MARK: Validation

extension XNNGraph {
    /// `XNN_MAX_TENSOR_DIMS`.
    public static let maxDims = 6

    /// Checks every id, index, size and flag the runtime (ExecuTorch's or edgec's) relies on.
    public func validate() throws(XNNPACKError) {
        var byID: [UInt32: Int] = [:]
        var externals: [UInt32: Int] = [:]
        for (i, v) in values.enumerated() {
            let t = v.tensor
            let what = "value \(i) (id \(t.id))"
            guard byID.updateValue(i, forKey: t.id) == nil else { throw XNNPACKError("\(what): id \(t.id) is used by another value") }
            guard t.datatype != .invalid else { throw XNNPACKError("\(what): datatype is xnn_datatype_invalid") }
            guard t.dims.count <= Self.maxDims else {
                throw XNNPACKError("\(what): \(t.dims.count) dims exceed XNNPACK's limit of \(Self.maxDims)")
            }
            guard let bytes = t.byteCount else { throw XNNPACKError("\(what): dims \(t.dims) overflow") }
            guard t.flags.isSubset(of: .all), t.flags != .all else {
                throw XNNPACKError("\(what): flags \(t.flags.rawValue) are not 0, 1 (external input) or 2 (external output)")
            }
            switch (t.flags.isEmpty, t.externalID) {
            case (true, nil): break
            case (false, let e?):
                guard e < numExterns else { throw XNNPACKError("\(what): external id \(e) is not below num_externs \(numExterns)") }
                if let other = externals.updateValue(i, forKey: e) {
                    throw XNNPACKError("\(what): external id \(e) is also used by value \(other)")
                }
            case (true, let e?): throw XNNPACKError("\(what): external id \(e) without an external flag")
            case (false, nil): throw XNNPACKError("\(what): external flag without an external id")
            }
            if t.constantBufferIndex != 0 {
                let c = try constant(t.constantBufferIndex, what)
                guard t.externalID == nil else { throw XNNPACKError("\(what): an external value cannot have constant data") }
                guard c.size >= UInt64(bytes) else {
                    throw XNNPACKError("\(what): \(t.datatype) dims \(t.dims) need \(bytes) bytes but constant_data[\(t.constantBufferIndex)] holds \(c.size)")
                }
            }
            switch v.quantization {
            case .perChannel(let q)?:
                try channels(q.channelDim, q.numScales, q.scale.count, q.scaleBufferIndex, t, what)
                if q.scaleBufferIndex != 0, let c = try? constant(q.scaleBufferIndex, what), c.namedKey == nil,
                   c.offset <= UInt64(constantRegion.count), UInt64(q.numScales) * 4 <= UInt64(constantRegion.count) - c.offset {
                    let start = Int(c.offset)
                    let scales = (0 ..< Int(q.numScales)).map { i in
                        let b = start + 4 * i
                        return Float(bitPattern: UInt32(constantRegion[b]) | UInt32(constantRegion[b + 1]) << 8
                                     | UInt32(constantRegion[b + 2]) << 16 | UInt32(constantRegion[b + 3]) << 24)
                    }
                    if let problem = Self.scalesProblem(scales) { throw XNNPACKError("\(what): \(problem)") }
                }
            case .perChannelGroup(let q)?:
                guard q.scaleBufferIndex != 0 || UInt64(q.scale.count) == UInt64(q.numScales) else {
                    throw XNNPACKError("\(what): \(q.scale.count) inline scales but num_scales is \(q.numScales)")
                }
                if q.scaleBufferIndex != 0 { _ = try constant(q.scaleBufferIndex, what) }
            case .perTokenDynamic(let n)?:
                guard n >= 0, Int(n) <= t.dims.count else {
                    throw XNNPACKError("\(what): num_nonbatch_dims \(n) is not between 0 and the \(t.dims.count) dims")
                }
            case .perTensor?, nil: break
            }
            if let q = v.quantization, let problem = Self.quantizationProblem(t.datatype, q, dims: t.dims, external: t.externalID != nil) {
                throw XNNPACKError("\(what): \(problem)")
            }
        }
        for (i, c) in constantData.enumerated() where i > 0 && c.namedKey == nil {
            guard c.offset <= UInt64(constantRegion.count), c.size <= UInt64(constantRegion.count) - c.offset else {
                throw XNNPACKError("constant_data[\(i)]: \(c.size) bytes at offset \(c.offset) lie outside the \(constantRegion.count)-byte constant region")
            }
        }
        for (what, ids) in [("input_ids", inputIDs), ("output_ids", outputIDs)] {
            for id in ids where byID[id] == nil { throw XNNPACKError("\(what) names value id \(id), which does not exist") }
        }
        for (k, node) in nodes.enumerated() {
            let what = "node \(k) (\(node.type.name))"
            guard node.fields.matches(node.type.table) else {
                throw XNNPACKError("\(what): fields are not a \(node.type.table.rawValue) table")
            }
            if case .concatenate(let c) = node.fields, XNNNodeType.concatenate(inputs: c.inputs.count) != node.type {
                throw XNNPACKError("\(what): \(c.inputs.count) inputs do not match the node type")
            }
            for id in node.fields.inputs where byID[id] == nil {
                throw XNNPACKError("\(what): input value id \(id) does not exist (\(values.count) values)")
            }
            for id in node.fields.outputs {
                guard let i = byID[id] else { throw XNNPACKError("\(what): output value id \(id) does not exist (\(values.count) values)") }
                let t = values[i].tensor
                guard t.constantBufferIndex == 0, !t.flags.contains(.externalInput) else {
                    throw XNNPACKError("\(what): output value id \(id) is a constant or an external input")
                }
            }
        }
    }

    /// Why ExecuTorch 1.5.1's XNNCompiler would fail to define a quantized value with these
    /// parameters (`xnn_status_invalid_parameter` / `unsupported_parameter` from XNNPACK's
    /// `xnn_define_quantized_tensor_value`, `xnn_define_channelwise_quantized_tensor_value_v2` and
    /// `xnn_define_dynamically_quantized_tensor_value`), or nil. XNNPACK's rules: every scale a
    /// positive normal float32 (no zero, subnormal, infinite or NaN scale); the zero point in the
    /// datatype's range (qint8 / qcint8 [-128, 127], quint8 [0, 255], qint32 / qcint32 0, the int4
    /// types [0, 15]); per-channel only for qcint4 / qcint8 / qcint32 on a tensor with a channel
    /// dim (the runtime passes zero point 8 for qcint4, else 0); dynamic only for qdint8 / qpint8,
    /// never external. Per-channel scales held in constant data are checked by ``validate()``.
    /// The XNNPACK lowering asks this before it emits an INT8 node (one rule set).
    public static func quantizationProblem(_ datatype: XNNDatatype, _ q: XNNQuantParams, dims: [UInt32], external: Bool = false) -> String? {
        switch q {
        case .perTensor(let scale, let zeroPoint):
            let range: ClosedRange<Int32>
            switch datatype {
            case .qint8, .qcint8: range = -128 ... 127
            case .quint8: range = 0 ... 255
            case .qint32, .qcint32: range = 0 ... 0
            case .qcint4, .qbint4: range = 0 ... 15
            default: return "\(datatype) has no per-tensor quantization in XNNPACK"
            }
            guard range.contains(zeroPoint) else { return "\(datatype) zero point \(zeroPoint) is outside [\(range.lowerBound), \(range.upperBound)]" }
            return scalesProblem([scale])
        case .perChannel(let p):
            guard [.qcint4, .qcint8, .qcint32].contains(datatype) else { return "\(datatype) has no per-channel quantization in XNNPACK (qcint4, qcint8, qcint32)" }
            guard !dims.isEmpty else { return "a per-channel \(datatype) value needs a channel dim (it has no dims)" }
            guard p.channelDim >= 0, Int(p.channelDim) < dims.count else { return "channel dim \(p.channelDim) is out of range for dims \(dims)" }
            guard p.scaleBufferIndex == 0 else { return nil }
            guard p.scale.count >= Int(dims[Int(p.channelDim)]) else {
                return "\(p.scale.count) inline scales for \(dims[Int(p.channelDim)]) channels (dim \(p.channelDim) of \(dims))"
            }
            return scalesProblem(Array(p.scale.prefix(Int(dims[Int(p.channelDim)]))))
        case .perTokenDynamic:
            guard datatype == .qdint8 || datatype == .qpint8 else { return "\(datatype) has no dynamic quantization in XNNPACK (qdint8, qpint8)" }
            return external ? "a dynamically quantized value cannot be external" : nil
        case .perChannelGroup:
            return nil
        }
    }

    /// Whether a scale is one XNNPACK accepts: positive, finite and normal (≥ 2^-126).
    public static func isValidScale(_ s: Float) -> Bool { s > 0 && s.isNormal }

    /// The first scale XNNPACK rejects, as a message, or nil.
    static func scalesProblem(_ scales: [Float]) -> String? {
        guard let c = scales.firstIndex(where: { !isValidScale($0) }) else { return nil }
        let which = scales.count == 1 ? "scale" : "scale of channel \(c)"
        return "\(which) \(scales[c]) is not a positive normal float32 (XNNPACK rejects it: xnn_status_invalid_parameter)"
    }

    private func constant(_ index: UInt32, _ what: String) throws(XNNPACKError) -> XNNConstantData {
        guard Int(index) < constantData.count else {
            throw XNNPACKError("\(what): constant buffer index \(index) is out of range (\(constantData.count) constant_data entries)")
        }
        return constantData[Int(index)]
    }

    private func channels(_ dim: Int32, _ num: UInt32, _ inline: Int, _ buffer: UInt32, _ t: XNNTensorValue,
                          _ what: String) throws(XNNPACKError) {
        guard dim >= 0, Int(dim) < t.dims.count, t.dims[Int(dim)] == num else {
            throw XNNPACKError("\(what): per-channel dim \(dim) with \(num) scales does not match dims \(t.dims)")
        }
        if buffer == 0 {
            guard inline == Int(num) else { throw XNNPACKError("\(what): \(inline) inline scales but num_scales is \(num)") }
        } else {
            let c = try constant(buffer, what)
            guard c.size >= UInt64(num) * 4 else {
                throw XNNPACKError("\(what): \(num) float scales need \(UInt64(num) * 4) bytes but constant_data[\(buffer)] holds \(c.size)")
            }
        }
    }
}

// MARK: Reading

/// Reads XNNPACK payloads: header checks, FlatBuffer verification, decoding and ``XNNGraph/validate()``.
public enum XNNPayloadReader {
    /// Reads a payload (with header; a bare FlatBuffer is accepted and has an empty constant region).
    public static func read(_ payload: [UInt8]) throws(XNNPACKError) -> XNNGraph {
        let fb: [UInt8], region: [UInt8]
        if let h = try XNNHeader.read(payload) {
            let start = Int(h.flatBufferOffset)
            fb = Array(payload[start ..< start + Int(h.flatBufferSize)])
            let c = Int(h.constantDataOffset)
            region = Array(payload[c ..< c + Int(h.constantDataSize)])
        } else {
            fb = payload
            region = []
        }
        guard fb.count >= 8 else { throw XNNPACKError("XNNPACK FlatBuffer of \(fb.count) bytes is too short") }
        let identifier = String(decoding: fb[4 ..< 8], as: UTF8.self)
        guard XNNHeader.identifiers.contains(identifier), fb[4 ..< 8].allSatisfy({ (0x20 ..< 0x7F).contains($0) }) else {
            let shown = fb[4 ..< 8].map { (0x20 ..< 0x7F).contains($0) ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined()
            throw XNNPACKError("not an XNNPACK payload: magic/identifier is \"\(shown)\", expected header \"XH00\" or identifier XN00/XN01")
        }
        let verified: VerifiedBuffer
        do {
            verified = try Verifier().verify(fb, root: XNNSchema.graph)
        } catch {
            throw XNNPACKError("malformed XNNGraph FlatBuffer: \(error)")
        }
        var graph = try decode(verified.root)
        graph.constantRegion = region
        try graph.validate()
        return graph
    }

    /// Verifies and decodes a bare XNNGraph FlatBuffer without validating ids (for schema tests of node tables).
    public static func decodeForTesting(_ flatBuffer: [UInt8]) throws -> XNNGraph {
        try decode(try Verifier().verify(flatBuffer, root: XNNSchema.graph).root)
    }

    static func decode(_ root: Table) throws(XNNPACKError) -> XNNGraph {
        var g = XNNGraph(version: root.string(XNNSlot.Graph.version) ?? "", constantData: [])
        g.numExterns = root.scalar(XNNSlot.Graph.numExterns, default: 0)
        g.inputIDs = root.vector(XNNSlot.Graph.inputIDs)?.scalars(UInt32.self) ?? []
        g.outputIDs = root.vector(XNNSlot.Graph.outputIDs)?.scalars(UInt32.self) ?? []
        if let v = root.vector(XNNSlot.Graph.constantData) {
            for i in 0 ..< v.count {
                let t = v.table(at: i)
                g.constantData.append(XNNConstantData(offset: t.scalar(XNNSlot.ConstantDataOffset.offset, default: 0),
                                                      size: t.scalar(XNNSlot.ConstantDataOffset.size, default: 0),
                                                      namedKey: t.string(XNNSlot.ConstantDataOffset.namedKey)))
            }
        }
        if let v = root.vector(XNNSlot.Graph.xvalues) {
            for i in 0 ..< v.count { g.values.append(try value(v.table(at: i), "value \(i)")) }
        }
        if let v = root.vector(XNNSlot.Graph.xnodes) {
            for i in 0 ..< v.count { g.nodes.append(try node(v.table(at: i), "node \(i)")) }
        }
        return g
    }

    static func tensor(_ t: Table, _ path: String) throws(XNNPACKError) -> XNNTensorValue {
        let raw: Int16 = t.scalar(XNNSlot.TensorValue.datatype, default: 0)
        guard let datatype = XNNDatatype(rawValue: raw) else { throw XNNPACKError("\(path): unknown XNNPACK datatype \(raw)") }
        let dims = t.vector(XNNSlot.TensorValue.dims)?.scalars(UInt32.self) ?? []
        let numDims: UInt32 = t.scalar(XNNSlot.TensorValue.numDims, default: 0)
        guard Int(numDims) == dims.count else {
            throw XNNPACKError("\(path): num_dims \(numDims) does not match the \(dims.count) dims")
        }
        return XNNTensorValue(datatype: datatype, dims: dims,
                              constantBufferIndex: t.scalar(XNNSlot.TensorValue.constantBufferIdx, default: 0),
                              externalID: present(t.scalar(XNNSlot.TensorValue.externalID, default: 0)),
                              flags: XNNValueFlags(rawValue: t.scalar(XNNSlot.TensorValue.flags, default: 0)),
                              id: t.scalar(XNNSlot.TensorValue.idOut, default: 0))
    }

    static func value(_ t: Table, _ path: String) throws(XNNPACKError) -> XNNValue {
        guard let (tag, v) = t.union(XNNSlot.XValue.union) else { throw XNNPACKError("\(path) has no value (union type NONE)") }
        if tag == 1 { return .tensor(try tensor(v, path)) }
        guard let tv = v.table(XNNSlot.QuantizedTensorValue.tensorValue),
              let (qtag, q) = v.union(XNNSlot.QuantizedTensorValue.quantParams) else {
            throw XNNPACKError("\(path): quantized value without tensor_value or quant_params")
        }
        let params: XNNQuantParams
        switch qtag {
        case 1:
            guard let scale = q.vector(XNNSlot.PerChannelQuant.scale) else {
                throw XNNPACKError("\(path): PerChannelQuant.scale is absent (the ExecuTorch runtime requires it, possibly empty)")
            }
            params = .perChannel(XNNPerChannelQuant(scale: scale.scalars(Float.self),
                                                    channelDim: q.scalar(XNNSlot.PerChannelQuant.channelDim, default: 0),
                                                    scaleBufferIndex: q.scalar(XNNSlot.PerChannelQuant.scaleBufferIdx, default: 0),
                                                    numScales: q.scalar(XNNSlot.PerChannelQuant.numScales, default: 0)))
        case 2:
            params = .perTensor(scale: q.scalar(XNNSlot.PerTensorQuant.scale, default: 0),
                                zeroPoint: q.scalar(XNNSlot.PerTensorQuant.zeroPoint, default: 0))
        case 3:
            params = .perTokenDynamic(numNonbatchDims: q.scalar(XNNSlot.PerTokenDynamicQuant.numNonbatchDims, default: 0))
        default:
            params = .perChannelGroup(XNNPerChannelGroupQuant(
                scale: q.vector(XNNSlot.PerChannelGroupQuant.scale)?.scalars(Float.self) ?? [],
                channelDim: q.scalar(XNNSlot.PerChannelGroupQuant.channelDim, default: 0),
                groupSize: q.scalar(XNNSlot.PerChannelGroupQuant.groupSize, default: 0),
                scaleBufferIndex: q.scalar(XNNSlot.PerChannelGroupQuant.scaleBufferIdx, default: 0),
                numScales: q.scalar(XNNSlot.PerChannelGroupQuant.numScales, default: 0)))
        }
        return .quantized(try tensor(tv, path), params)
    }

    static func node(_ t: Table, _ path: String) throws(XNNPACKError) -> XNode {
        let tag = t.unionType(XNNSlot.XNode.union)
        guard let type = XNNNodeType(rawValue: tag), let (_, fields) = t.union(XNNSlot.XNode.union) else {
            throw XNNPACKError("\(path): XNode has no node (union type \(tag))")
        }
        var minMax: XNNOutputMinMax?
        if let m = t.table(XNNSlot.XNode.outputMinMax) {
            minMax = XNNOutputMinMax(min: m.scalar(XNNSlot.OutputMinMax.min, default: 0), max: m.scalar(XNNSlot.OutputMinMax.max, default: 0))
        }
        return XNode(type, try XNNNodeFields.decode(type.table, fields, "\(path) (\(type.name))"),
                     debugHandle: t.scalar(XNNSlot.XNode.debugHandle, default: 0), outputMinMax: minMax)
    }
}
