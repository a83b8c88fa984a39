import FlatBuffers

/// Serializes a ``Program`` to `.pte` bytes as ExecuTorch 1.5.1 lays them out: the Program
/// FlatBuffer (identifier `ET12`) with the extended header inserted after the identifier, then
/// the constant segment at a 128-byte aligned offset, each constant 16-byte aligned in it.
public enum ProgramWriter {
    /// The FlatBuffer file identifier of ExecuTorch programs.
    public static let fileIdentifier = "ET12"
    /// Alignment of the first segment in the file (ExecuTorch's `segment_alignment`).
    public static let segmentAlignment = 128
    /// Alignment of each constant tensor inside the constant segment (ExecuTorch's `ALIGNMENT`).
    public static let tensorAlignment = 16

    /// The constant segment bytes and the offset of each buffer in it (buffer 0 is the placeholder).
    static func constantSegment(_ buffers: [[UInt8]]) -> (data: [UInt8], offsets: [UInt64]) {
        var data: [UInt8] = []
        var offsets: [UInt64] = []
        for (i, buffer) in buffers.enumerated() {
            offsets.append(UInt64(data.count))
            data.append(contentsOf: buffer)
            if i < buffers.count - 1 { data.append(contentsOf: repeatElement(0, count: padding(data.count, tensorAlignment))) }
        }
        return (data, offsets)
    }

    /// The file's data segments: the constant segment first (ExecuTorch writes it even when empty),
    /// then each distinct SEGMENT delegate payload, then each named-data blob; every segment starts
    /// at a multiple of `segmentAlignment` from the segment base.
    struct Segments {
        var data: [UInt8] = []
        var ranges: [(offset: Int, size: Int)] = []
        var index = BlobIndex()

        mutating func add(_ bytes: [UInt8], shared: Bool) -> Int {
            if shared, let i = index[bytes] { return i }
            if !ranges.isEmpty { data.append(contentsOf: repeatElement(0, count: padding(data.count, segmentAlignment))) }
            ranges.append((data.count, bytes.count))
            data.append(contentsOf: bytes)
            if shared { index[bytes] = ranges.count - 1 }
            return ranges.count - 1
        }
    }

    /// Identical byte blobs (delegate payloads) to one index: found by size, then compared
    /// (`[UInt8]` as a dictionary key hashes every byte; payloads are megabytes).
    struct BlobIndex {
        private var bySize: [Int: [(bytes: [UInt8], index: Int)]] = [:]
        subscript(bytes: [UInt8]) -> Int? {
            get { bySize[bytes.count]?.first { $0.bytes == bytes }?.index }
            set { if let newValue { bySize[bytes.count, default: []].append((bytes, newValue)) } }
        }
    }

    /// Returns the complete `.pte` file.
    public static func serialize(_ program: Program) -> [UInt8] {
        let buffers = program.constantBuffers.isEmpty ? [[]] : program.constantBuffers
        let (constantData, offsets) = constantSegment(buffers)
        var segments = Segments()
        _ = segments.add(constantData, shared: false)
        // Delegate payloads: SEGMENT ones become (shared) segments, INLINE ones entries of backend_delegate_data.
        var inline: [[UInt8]] = []
        var inlineIndex = BlobIndex()
        var references: [[(location: DelegateDataLocation, index: Int)]] = []
        for plan in program.plans {
            references.append(plan.delegates.map { d in
                switch d.location {
                case .segment: return (.segment, segments.add(d.processed, shared: true))
                case .inline:
                    if let i = inlineIndex[d.processed] { return (.inline, i) }
                    inline.append(d.processed)
                    inlineIndex[d.processed] = inline.count - 1
                    return (.inline, inline.count - 1)
                }
            })
        }
        let named = program.namedData.map { (key: $0.key, segment: segments.add($0.data, shared: false)) }
        var b = FlatBufferBuilder(initialCapacity: 4096)
        let plans = zip(program.plans, references).map { plan($0.0, $0.1, &b) }
        let planVector = b.createVector(offsets: plans)
        let constantBufferVector = b.createVector(offsets: [])
        let inlineTables = inline.map { bytes -> Offset in
            let data = b.createVector(bytes: bytes, alignment: tensorAlignment)
            b.startTable()
            b.addOffset(slot: Slot.InlineData.data, data)
            return b.endTable()
        }
        let delegateDataVector = b.createVector(offsets: inlineTables)
        let segmentTables = segments.ranges.map { r -> Offset in
            b.startTable()
            b.addField(slot: Slot.DataSegment.offset, UInt64(r.offset), default: 0)
            b.addField(slot: Slot.DataSegment.size, UInt64(r.size), default: 0)
            return b.endTable()
        }
        let segmentVector = b.createVector(offsets: segmentTables)
        let offsetVector = b.createVector(offsets)
        b.startTable()
        b.addField(slot: Slot.SubsegmentOffsets.segmentIndex, UInt32(0), default: 0)
        b.addOffset(slot: Slot.SubsegmentOffsets.offsets, offsetVector)
        let constantSegmentTable = b.endTable()
        let mutableVector = b.createVector(offsets: [])
        let namedTables = named.map { n -> Offset in
            let key = b.createString(n.key)
            b.startTable()
            b.addOffset(slot: Slot.NamedData.key, key)
            b.addField(slot: Slot.NamedData.segmentIndex, UInt32(n.segment), default: 0)
            return b.endTable()
        }
        let namedDataVector = b.createVector(offsets: namedTables)
        b.startTable()
        b.addField(slot: Slot.Program.version, program.version, default: 0)
        b.addOffset(slot: Slot.Program.executionPlan, planVector)
        b.addOffset(slot: Slot.Program.constantBuffer, constantBufferVector)
        b.addOffset(slot: Slot.Program.backendDelegateData, delegateDataVector)
        b.addOffset(slot: Slot.Program.segments, segmentVector)
        b.addOffset(slot: Slot.Program.constantSegment, constantSegmentTable)
        b.addOffset(slot: Slot.Program.mutableDataSegments, mutableVector)
        b.addOffset(slot: Slot.Program.namedData, namedDataVector)
        let root = b.endTable()
        let flatbuffer = b.finish(root, fileIdentifier: fileIdentifier)
        // Like ExecuTorch: without segment data there is no extended header.
        guard !segments.data.isEmpty else { return flatbuffer }
        return insertHeader(flatbuffer, segment: segments.data)
    }

    /// Inserts the extended header after the file identifier and appends the segment.
    static func insertHeader(_ flatbuffer: [UInt8], segment: [UInt8]) -> [UInt8] {
        // 32 bytes: a multiple of the schema's largest force_align (16), so alignment inside the FlatBuffer holds.
        let headerLength = ExtendedHeader.length
        let programSize = headerLength + flatbuffer.count
        let base = programSize + padding(programSize, segmentAlignment)
        let header = ExtendedHeader(programSize: UInt64(programSize), segmentBaseOffset: UInt64(base),
                                    segmentDataSize: UInt64(segment.count))
        var out: [UInt8] = []
        out.reserveCapacity(base + segment.count)
        appendLE(&out, readLE(flatbuffer, 0, UInt32.self) + UInt32(headerLength))
        out.append(contentsOf: flatbuffer[4 ..< 8])
        out.append(contentsOf: header.bytes)
        out.append(contentsOf: flatbuffer[8...])
        out.append(contentsOf: repeatElement(0, count: base - out.count))
        out.append(contentsOf: segment)
        return out
    }

    static func padding(_ size: Int, _ alignment: Int) -> Int { (alignment - size % alignment) % alignment }

    private static func plan(_ plan: ExecutionPlan, _ references: [(location: DelegateDataLocation, index: Int)],
                             _ b: inout FlatBufferBuilder) -> Offset {
        let name = b.createString(plan.name)
        var meta = Offset.null
        if let names = plan.ioNames {
            let inp = b.createString(names.encodedInputs)
            let out = b.createString(names.encodedOutputs)
            b.startTable()
            b.addOffset(slot: Slot.ContainerMetadata.encodedInpStr, inp)
            b.addOffset(slot: Slot.ContainerMetadata.encodedOutStr, out)
            meta = b.endTable()
        }
        let values = b.createVector(offsets: plan.values.map { evalue($0, &b) })
        let inputs = b.createVector(plan.inputs)
        let outputs = b.createVector(plan.outputs)
        let instructions = plan.instructions.map { instruction($0, &b) }
        let instructionVector = b.createVector(offsets: instructions)
        let chainInputs = b.createVector([Int32]())
        let chainOutputs = b.createVector([Int32]())
        var stacktrace = Offset.null
        if let frames = plan.stacktrace {
            let lists = frames.map { frameList($0, &b) }
            stacktrace = b.createVector(offsets: lists)
        }
        b.startTable()
        b.addOffset(slot: Slot.Chain.inputs, chainInputs)
        b.addOffset(slot: Slot.Chain.outputs, chainOutputs)
        b.addOffset(slot: Slot.Chain.instructions, instructionVector)
        b.addOffset(slot: Slot.Chain.stacktrace, stacktrace)
        let chain = b.endTable()
        let chains = b.createVector(offsets: [chain])
        let operators = plan.operators.map { op -> Offset in
            let n = b.createString(op.name), o = b.createString(op.overload)
            b.startTable()
            b.addOffset(slot: Slot.Operator.name, n)
            b.addOffset(slot: Slot.Operator.overload, o)
            return b.endTable()
        }
        let operatorVector = b.createVector(offsets: operators)
        let delegateTables = zip(plan.delegates, references).map { d, r -> Offset in
            let id = b.createString(d.id)
            b.startTable()
            b.addField(slot: Slot.DataReference.location, r.location.rawValue, default: 0)
            b.addField(slot: Slot.DataReference.index, UInt32(r.index), default: 0)
            let processed = b.endTable()
            let specs = d.compileSpecs.map { spec -> Offset in
                let key = b.createString(spec.key)
                let value = b.createVector(bytes: spec.value)
                b.startTable()
                b.addOffset(slot: Slot.CompileSpec.key, key)
                b.addOffset(slot: Slot.CompileSpec.value, value)
                return b.endTable()
            }
            let specVector = b.createVector(offsets: specs)
            b.startTable()
            b.addOffset(slot: Slot.BackendDelegate.id, id)
            b.addOffset(slot: Slot.BackendDelegate.processed, processed)
            b.addOffset(slot: Slot.BackendDelegate.compileSpecs, specVector)
            return b.endTable()
        }
        let delegates = b.createVector(offsets: delegateTables)
        let sizes = b.createVector(plan.nonConstBufferSizes)
        b.startTable()
        b.addOffset(slot: Slot.Plan.name, name)
        b.addOffset(slot: Slot.Plan.containerMetaType, meta)
        b.addOffset(slot: Slot.Plan.values, values)
        b.addOffset(slot: Slot.Plan.inputs, inputs)
        b.addOffset(slot: Slot.Plan.outputs, outputs)
        b.addOffset(slot: Slot.Plan.chains, chains)
        b.addOffset(slot: Slot.Plan.operators, operatorVector)
        b.addOffset(slot: Slot.Plan.delegates, delegates)
        b.addOffset(slot: Slot.Plan.nonConstBufferSizes, sizes)
        return b.endTable()
    }

    /// One instruction's `FrameList`: a `Frame` table per frame (absent strings are left out).
    private static func frameList(_ list: FrameList, _ b: inout FlatBufferBuilder) -> Offset {
        let frames = list.items.map { frame -> Offset in
            let filename = frame.filename.map { b.createString($0) } ?? .null
            let name = frame.name.map { b.createString($0) } ?? .null
            let context = frame.context.map { b.createString($0) } ?? .null
            b.startTable()
            b.addOffset(slot: Slot.Frame.filename, filename)
            b.addField(slot: Slot.Frame.lineno, frame.lineno, default: 0)
            b.addOffset(slot: Slot.Frame.name, name)
            b.addOffset(slot: Slot.Frame.context, context)
            return b.endTable()
        }
        let items = b.createVector(offsets: frames)
        b.startTable()
        b.addOffset(slot: Slot.FrameList.items, items)
        return b.endTable()
    }

    private static func instruction(_ instruction: Instruction, _ b: inout FlatBufferBuilder) -> Offset {
        // The call's own table first, then the `Instruction` whose union holds it.
        let tag: UInt8, call: Offset
        switch instruction {
        case let .kernelCall(opIndex, args):
            let argVector = b.createVector(args)
            b.startTable()
            b.addField(slot: Slot.KernelCall.opIndex, opIndex, default: 0)
            b.addOffset(slot: Slot.KernelCall.args, argVector)
            (tag, call) = (InstructionTag.kernelCall, b.endTable())
        case let .delegateCall(delegateIndex, args):
            let argVector = b.createVector(args)
            b.startTable()
            b.addField(slot: Slot.DelegateCall.delegateIndex, delegateIndex, default: 0)
            b.addOffset(slot: Slot.DelegateCall.args, argVector)
            (tag, call) = (InstructionTag.delegateCall, b.endTable())
        case let .jumpFalse(condition, destination):
            b.startTable()
            b.addField(slot: Slot.JumpFalseCall.condValueIndex, condition, default: nil)
            b.addField(slot: Slot.JumpFalseCall.destinationInstruction, destination, default: nil)
            (tag, call) = (InstructionTag.jumpFalseCall, b.endTable())
        case let .move(from, to):
            b.startTable()
            b.addField(slot: Slot.MoveCall.moveFrom, from, default: nil)
            b.addField(slot: Slot.MoveCall.moveTo, to, default: nil)
            (tag, call) = (InstructionTag.moveCall, b.endTable())
        }
        b.startTable()
        b.addUnion(slot: Slot.Instruction.instrArgs, type: tag, value: call)
        return b.endTable()
    }

    private static func evalue(_ value: EValue, _ b: inout FlatBufferBuilder) -> Offset {
        let payload: Offset
        switch value {
        case .null:
            b.startTable()
            payload = b.endTable()
        case .int(let v):
            b.startTable(); b.addField(slot: 0, v, default: 0); payload = b.endTable()
        case .bool(let v):
            b.startTable(); b.addField(slot: 0, v, default: false); payload = b.endTable()
        case .double(let v):
            b.startTable(); b.addField(slot: 0, v, default: 0); payload = b.endTable()
        case .string(let s):
            let o = b.createString(s)
            b.startTable(); b.addOffset(slot: 0, o); payload = b.endTable()
        case .intList(let items):
            payload = list(b.createVector(items.map(Int64.init)), &b)
        case .doubleList(let items):
            payload = list(b.createVector(items), &b)
        case .boolList(let items):
            payload = list(b.createVector(items), &b)
        case .tensorList(let items), .optionalTensorList(let items):
            payload = list(b.createVector(items), &b)
        case .tensor(let t):
            payload = tensor(t, &b)
        }
        b.startTable()
        b.addUnion(slot: Slot.EValue.val, type: value.tag, value: payload)
        return b.endTable()
    }

    private static func list(_ items: Offset, _ b: inout FlatBufferBuilder) -> Offset {
        b.startTable()
        b.addOffset(slot: 0, items)
        return b.endTable()
    }

    private static func tensor(_ t: TensorValue, _ b: inout FlatBufferBuilder) -> Offset {
        let sizes = b.createVector(t.sizes)
        let dimOrder = b.createVector(t.dimOrder)
        var allocation = Offset.null
        if let a = t.allocation {
            b.startTable()
            b.addField(slot: Slot.Allocation.memoryID, a.memoryID, default: 0)
            b.addField(slot: Slot.Allocation.offsetLow, UInt32(truncatingIfNeeded: a.offset), default: 0)
            b.addField(slot: Slot.Allocation.offsetHigh, UInt32(truncatingIfNeeded: a.offset >> 32), default: 0)
            allocation = b.endTable()
        }
        b.startTable()
        b.addField(slot: Slot.Tensor.scalarType, t.scalarType.rawValue, default: 0)
        b.addOffset(slot: Slot.Tensor.sizes, sizes)
        b.addOffset(slot: Slot.Tensor.dimOrder, dimOrder)
        b.addField(slot: Slot.Tensor.requiresGrad, t.requiresGrad, default: false)
        b.addField(slot: Slot.Tensor.dataBufferIdx, t.dataBufferIndex, default: 0)
        b.addOffset(slot: Slot.Tensor.allocationInfo, allocation)
        b.addField(slot: Slot.Tensor.shapeDynamism, t.shapeDynamism, default: 0)
        return b.endTable()
    }
}
