import FlatBuffers

/// A verified `.pte` file: the decoded program plus facts about its layout (for `inspect`).
public struct LoadedProgram: Sendable {
    public var program: Program
    /// The extended header, when the file has one.
    public var header: ExtendedHeader?
    /// Bytes of FlatBuffer data (header included).
    public var flatBufferSize: Int
    /// Sizes of the file's data segments.
    public var segmentSizes: [Int]
}

/// Reads `.pte` files: checks the identifier and extended header, verifies the FlatBuffer
/// against the schema, then checks every index, size and offset the interpreter will use,
/// so that a file that passes cannot make it read or write out of bounds.
public enum ProgramReader {
    /// Reads and checks `bytes`; any defect is a ``ProgramError`` that says what and where.
    public static func read(_ bytes: [UInt8]) throws(ProgramError) -> LoadedProgram {
        guard bytes.count >= 8 else { throw ProgramError("file of \(bytes.count) bytes is too short to be a .pte program") }
        let identifier = bytes[4 ..< 8]
        guard identifier.elementsEqual(ProgramWriter.fileIdentifier.utf8) else {
            let shown = identifier.map { (0x20 ..< 0x7F).contains($0) ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined()
            throw ProgramError("not an ExecuTorch program: file identifier is \"\(shown)\", expected \"\(ProgramWriter.fileIdentifier)\"")
        }
        let header = try ExtendedHeader.read(bytes)
        var programSize = bytes.count
        var segmentBase = 0, segmentDataSize = 0
        if let header {
            guard header.programSize >= UInt64(ExtendedHeader.position + ExtendedHeader.minimumLength),
                  header.programSize <= UInt64(bytes.count) else {
                throw ProgramError("extended header: program size \(header.programSize) does not fit the \(bytes.count)-byte file")
            }
            programSize = Int(header.programSize)
            if header.segmentBaseOffset != 0 || header.segmentDataSize != 0 {
                guard header.segmentBaseOffset >= header.programSize, header.segmentBaseOffset <= UInt64(bytes.count),
                      header.segmentDataSize <= UInt64(bytes.count) - header.segmentBaseOffset else {
                    throw ProgramError("extended header: segment data (offset \(header.segmentBaseOffset), \(header.segmentDataSize) bytes) lies outside the \(bytes.count)-byte file or overlaps the program")
                }
                segmentBase = Int(header.segmentBaseOffset)
                segmentDataSize = Int(header.segmentDataSize)
            }
        }
        let verified: VerifiedBuffer
        do {
            verified = try Verifier().verify(programSize == bytes.count ? bytes : Array(bytes[0 ..< programSize]),
                                             root: ProgramSchema.program, fileIdentifier: ProgramWriter.fileIdentifier)
        } catch {
            throw ProgramError("malformed program FlatBuffer: \(error)")
        }
        var decoder = Decoder(file: bytes, segmentBase: segmentBase, segmentDataSize: segmentDataSize)
        let program = try decoder.program(verified.root)
        return LoadedProgram(program: program, header: header, flatBufferSize: programSize, segmentSizes: decoder.segmentSizes)
    }
}

/// Decodes verified tables into the model, checking meaning (indices, sizes, offsets).
private struct Decoder {
    let file: [UInt8]
    let segmentBase: Int
    let segmentDataSize: Int
    var segmentSizes: [Int] = []
    var segments: [(offset: Int, size: Int)] = []
    var inlineData: [[UInt8]] = []

    init(file: [UInt8], segmentBase: Int, segmentDataSize: Int) {
        self.file = file
        self.segmentBase = segmentBase
        self.segmentDataSize = segmentDataSize
    }

    mutating func program(_ root: Table) throws(ProgramError) -> Program {
        let version: UInt32 = root.scalar(Slot.Program.version, default: 0)
        guard version == 0 else { throw ProgramError("unsupported program version \(version) (edgec reads version 0)") }
        let constants = try constantBuffers(root)
        if let v = root.vector(Slot.Program.backendDelegateData) {
            inlineData = (0 ..< v.count).map { v.table(at: $0).vector(Slot.InlineData.data).map { Array($0.bytes) } ?? [] }
        }
        var named: [NamedData] = []
        if let v = root.vector(Slot.Program.namedData) {
            var keys: Set<String> = []
            for i in 0 ..< v.count {
                let t = v.table(at: i)
                let key = t.string(Slot.NamedData.key) ?? ""
                let index = Int(t.scalar(Slot.NamedData.segmentIndex, default: UInt32(0)))
                guard keys.insert(key).inserted else { throw ProgramError("named_data[\(i)]: key \"\(key)\" appears twice") }
                named.append(NamedData(key: key, data: try segment(index, "named_data[\(i)] (\"\(key)\")")))
            }
        }
        guard let planVector = root.vector(Slot.Program.executionPlan), planVector.count > 0 else {
            throw ProgramError("program has no execution plan")
        }
        var plans: [ExecutionPlan] = []
        for i in 0 ..< planVector.count {
            plans.append(try plan(planVector.table(at: i), index: i, constants: constants))
        }
        return Program(version: version, plans: plans, constantBuffers: constants, namedData: named)
    }

    /// The bytes of data segment `index`.
    func segment(_ index: Int, _ what: String) throws(ProgramError) -> [UInt8] {
        guard index >= 0, index < segments.count else {
            throw ProgramError("\(what) refers to segment \(index), but there are \(segments.count) segments")
        }
        let from = segmentBase + segments[index].offset
        return Array(file[from ..< from + segments[index].size])
    }

    /// The constant buffers: from the constant segment, or from the legacy inline `constant_buffer`.
    mutating func constantBuffers(_ root: Table) throws(ProgramError) -> [[UInt8]] {
        var segments: [(offset: Int, size: Int)] = []
        if let v = root.vector(Slot.Program.segments) {
            for i in 0 ..< v.count {
                let t = v.table(at: i)
                let offset: UInt64 = t.scalar(Slot.DataSegment.offset, default: 0)
                let size: UInt64 = t.scalar(Slot.DataSegment.size, default: 0)
                guard offset <= UInt64(segmentDataSize), size <= UInt64(segmentDataSize) - offset else {
                    throw ProgramError("segments[\(i)]: \(size) bytes at offset \(offset) lie outside the \(segmentDataSize) bytes of segment data")
                }
                segments.append((Int(offset), Int(size)))
            }
        }
        segmentSizes = segments.map(\.size)
        self.segments = segments
        if let cs = root.table(Slot.Program.constantSegment), let offsetVector = cs.vector(Slot.SubsegmentOffsets.offsets),
           offsetVector.count > 0 {
            let index = Int(cs.scalar(Slot.SubsegmentOffsets.segmentIndex, default: UInt32(0)))
            let offsets: [UInt64] = offsetVector.scalars()
            let segment: (offset: Int, size: Int)
            if index < segments.count {
                segment = segments[index]
            } else if offsets.allSatisfy({ $0 == 0 }) {
                segment = (0, 0)  // no constant data at all
            } else {
                throw ProgramError("constant_segment.segment_index \(index) is out of range (\(segments.count) segments)")
            }
            var buffers: [[UInt8]] = []
            for (i, start) in offsets.enumerated() {
                let end = i + 1 < offsets.count ? offsets[i + 1] : UInt64(segment.size)
                guard start <= end, end <= UInt64(segment.size) else {
                    throw ProgramError("constant_segment.offsets[\(i)] = \(start) is out of order or past the \(segment.size)-byte constant segment")
                }
                let from = segmentBase + segment.offset + Int(start)
                buffers.append(Array(file[from ..< from + Int(end - start)]))
            }
            return buffers
        }
        guard let legacy = root.vector(Slot.Program.constantBuffer), legacy.count > 0 else { return [[]] }
        return (0 ..< legacy.count).map { i in
            legacy.table(at: i).vector(Slot.Buffer.storage).map { Array($0.bytes) } ?? []
        }
    }

    func delegate(_ t: Table, _ path: String) throws(ProgramError) -> BackendDelegate {
        let id = t.string(Slot.BackendDelegate.id) ?? ""
        guard let ref = t.table(Slot.BackendDelegate.processed) else { throw ProgramError("\(path) (\(id)) has no processed data reference") }
        let raw: Int8 = ref.scalar(Slot.DataReference.location, default: 0)
        let index = Int(ref.scalar(Slot.DataReference.index, default: UInt32(0)))
        let bytes: [UInt8]
        switch DelegateDataLocation(rawValue: raw) {
        case .inline?:
            guard index < inlineData.count else {
                throw ProgramError("\(path) (\(id)): INLINE data index \(index) is out of range (\(inlineData.count) backend_delegate_data entries)")
            }
            bytes = inlineData[index]
        case .segment?:
            bytes = try segment(index, "\(path) (\(id)) SEGMENT data")
        case nil:
            throw ProgramError("\(path) (\(id)): unknown data location \(raw)")
        }
        var specs: [CompileSpec] = []
        if let v = t.vector(Slot.BackendDelegate.compileSpecs) {
            for i in 0 ..< v.count {
                let spec = v.table(at: i)
                specs.append(CompileSpec(key: spec.string(Slot.CompileSpec.key) ?? "", value: spec.vector(Slot.CompileSpec.value).map { Array($0.bytes) } ?? []))
            }
        }
        return BackendDelegate(id: id, processed: bytes, location: DelegateDataLocation(rawValue: raw) ?? .segment, compileSpecs: specs)
    }

    func plan(_ t: Table, index: Int, constants: [[UInt8]]) throws(ProgramError) -> ExecutionPlan {
        let where_ = "execution_plan[\(index)]"
        var plan = ExecutionPlan(name: t.string(Slot.Plan.name) ?? "")
        plan.nonConstBufferSizes = t.vector(Slot.Plan.nonConstBufferSizes)?.scalars(Int64.self) ?? []
        for (i, size) in plan.nonConstBufferSizes.enumerated() where size < 0 {
            throw ProgramError("\(where_).non_const_buffer_sizes[\(i)] is negative (\(size))")
        }
        if let meta = t.table(Slot.Plan.containerMetaType), let inp = meta.string(Slot.ContainerMetadata.encodedInpStr),
           let out = meta.string(Slot.ContainerMetadata.encodedOutStr) {
            plan.ioNames = IONames(encodedInputs: inp, encodedOutputs: out)
        }
        if let v = t.vector(Slot.Plan.values) {
            for i in 0 ..< v.count {
                plan.values.append(try value(v.table(at: i), "\(where_).values[\(i)]", plan.nonConstBufferSizes, constants))
            }
        }
        if let v = t.vector(Slot.Plan.operators) {
            for i in 0 ..< v.count {
                let op = v.table(at: i)
                plan.operators.append(Operator(name: op.string(Slot.Operator.name) ?? "", overload: op.string(Slot.Operator.overload) ?? ""))
            }
        }
        if let v = t.vector(Slot.Plan.delegates) {
            for i in 0 ..< v.count { plan.delegates.append(try delegate(v.table(at: i), "\(where_).delegates[\(i)]")) }
        }
        plan.inputs = t.vector(Slot.Plan.inputs)?.scalars(Int32.self) ?? []
        plan.outputs = t.vector(Slot.Plan.outputs)?.scalars(Int32.self) ?? []
        guard let chains = t.vector(Slot.Plan.chains), chains.count == 1 else {
            throw ProgramError("\(where_) has \(t.vector(Slot.Plan.chains)?.count ?? 0) chains; edgec reads plans with exactly one")
        }
        let chain = chains.table(at: 0)
        if let v = chain.vector(Slot.Chain.instructions) {
            for i in 0 ..< v.count {
                plan.instructions.append(try instruction(v.table(at: i), "\(where_).chains[0].instructions[\(i)]"))
            }
        }
        if let v = chain.vector(Slot.Chain.stacktrace) {
            guard v.count == plan.instructions.count else {
                throw ProgramError("\(where_).chains[0].stacktrace has \(v.count) frame lists for \(plan.instructions.count) instructions; it needs one per instruction")
            }
            plan.stacktrace = (0 ..< v.count).map { i in frameList(v.table(at: i)) }
        }
        try check(plan, where_)
        return plan
    }

    func value(_ t: Table, _ path: String, _ arenas: [Int64], _ constants: [[UInt8]]) throws(ProgramError) -> EValue {
        guard let (tag, v) = t.union(Slot.EValue.val) else { throw ProgramError("\(path) has no value (union type NONE)") }
        switch tag {
        case 1: return .null
        case 2: return .int(v.scalar(0, default: 0))
        case 3: return .bool(v.scalar(0, default: false))
        case 4: return .double(v.scalar(0, default: 0))
        case 5: return .tensor(try tensor(v, path, arenas, constants))
        case 6: return .string(v.string(0) ?? "")
        case 7: return .intList(try (v.vector(0)?.scalars(Int64.self) ?? []).map { (i) throws(ProgramError) -> Int32 in
            guard let x = Int32(exactly: i) else { throw ProgramError("\(path): list item \(i) is not a value index") }
            return x
        })
        case 8: return .doubleList(v.vector(0)?.scalars(Double.self) ?? [])
        case 9: return .boolList(v.vector(0)?.scalars(Bool.self) ?? [])
        case 10: return .tensorList(v.vector(0)?.scalars(Int32.self) ?? [])
        case 11: return .optionalTensorList(v.vector(0)?.scalars(Int32.self) ?? [])
        default: throw ProgramError("\(path): unknown value type \(tag)")
        }
    }

    func tensor(_ t: Table, _ path: String, _ arenas: [Int64], _ constants: [[UInt8]]) throws(ProgramError) -> TensorValue {
        let raw: Int8 = t.scalar(Slot.Tensor.scalarType, default: 0)
        guard let scalarType = PTEScalarType(rawValue: raw) else { throw ProgramError("\(path): unknown scalar type \(raw)") }
        let sizes = t.vector(Slot.Tensor.sizes)?.scalars(Int32.self) ?? []
        let dimOrder = t.vector(Slot.Tensor.dimOrder)?.scalars(UInt8.self) ?? []
        var allocation: Allocation?
        if let a = t.table(Slot.Tensor.allocationInfo) {
            let low: UInt32 = a.scalar(Slot.Allocation.offsetLow, default: 0)
            let high: UInt32 = a.scalar(Slot.Allocation.offsetHigh, default: 0)
            allocation = Allocation(memoryID: a.scalar(Slot.Allocation.memoryID, default: 0), offset: UInt64(high) << 32 | UInt64(low))
        }
        let tensor = TensorValue(scalarType: scalarType, sizes: sizes, dimOrder: dimOrder,
                                 dataBufferIndex: t.scalar(Slot.Tensor.dataBufferIdx, default: 0), allocation: allocation,
                                 shapeDynamism: t.scalar(Slot.Tensor.shapeDynamism, default: 0),
                                 requiresGrad: t.scalar(Slot.Tensor.requiresGrad, default: false))
        guard let bytes = tensor.byteCount else {
            throw ProgramError("\(path): tensor sizes \(sizes) are negative or their byte size overflows")
        }
        guard dimOrder.count == sizes.count, Set(dimOrder).count == sizes.count, dimOrder.allSatisfy({ Int($0) < sizes.count }) else {
            throw ProgramError("\(path): dim_order \(dimOrder) is not a permutation of the \(sizes.count) dimensions")
        }
        if tensor.dataBufferIndex != 0 {
            let idx = Int(tensor.dataBufferIndex)
            guard idx < constants.count else {
                throw ProgramError("\(path): data_buffer_idx \(idx) is out of range (\(constants.count) constant buffers)")
            }
            guard bytes <= constants[idx].count else {
                throw ProgramError("\(path): tensor needs \(bytes) bytes but constant buffer \(idx) holds \(constants[idx].count)")
            }
        }
        if let a = allocation {
            guard a.memoryID >= 1, Int(a.memoryID) < arenas.count else {
                throw ProgramError("\(path): allocation memory_id \(a.memoryID) is not a planned buffer (non_const_buffer_sizes has \(arenas.count) entries; id 0 is reserved)")
            }
            let size = UInt64(arenas[Int(a.memoryID)])
            guard a.offset <= size, UInt64(bytes) <= size - a.offset else {
                throw ProgramError("\(path): \(bytes) bytes at arena offset \(a.offset) lie outside planned buffer \(a.memoryID) of \(size) bytes")
            }
        }
        return tensor
    }

    /// A verified `FrameList` (the verifier checked every offset and string).
    func frameList(_ t: Table) -> FrameList {
        guard let items = t.vector(Slot.FrameList.items) else { return FrameList() }
        return FrameList((0 ..< items.count).map { i in
            let f = items.table(at: i)
            return Frame(filename: f.string(Slot.Frame.filename), lineno: f.scalar(Slot.Frame.lineno, default: 0),
                         name: f.string(Slot.Frame.name), context: f.string(Slot.Frame.context))
        })
    }

    func instruction(_ t: Table, _ path: String) throws(ProgramError) -> Instruction {
        let tag = t.unionType(Slot.Instruction.instrArgs)
        if tag == InstructionTag.delegateCall, let (_, call) = t.union(Slot.Instruction.instrArgs) {
            return .delegateCall(delegateIndex: call.scalar(Slot.DelegateCall.delegateIndex, default: 0),
                                 args: call.vector(Slot.DelegateCall.args)?.scalars(Int32.self) ?? [])
        }
        if tag == InstructionTag.jumpFalseCall, let (_, call) = t.union(Slot.Instruction.instrArgs) {
            return .jumpFalse(condition: call.scalar(Slot.JumpFalseCall.condValueIndex, default: 0),
                              destination: call.scalar(Slot.JumpFalseCall.destinationInstruction, default: 0))
        }
        if tag == InstructionTag.moveCall, let (_, call) = t.union(Slot.Instruction.instrArgs) {
            return .move(from: call.scalar(Slot.MoveCall.moveFrom, default: 0), to: call.scalar(Slot.MoveCall.moveTo, default: 0))
        }
        guard tag == InstructionTag.kernelCall, let (_, call) = t.union(Slot.Instruction.instrArgs) else {
            let names = [0: "NONE", 5: "FreeCall"]
            throw ProgramError("\(path) is a \(names[Int(tag)] ?? "type \(tag)") instruction; edgec runs kernel, delegate, jump and move calls only")
        }
        return .kernelCall(opIndex: call.scalar(Slot.KernelCall.opIndex, default: 0),
                           args: call.vector(Slot.KernelCall.args)?.scalars(Int32.self) ?? [])
    }

    /// Checks every value index in the plan.
    func check(_ plan: ExecutionPlan, _ path: String) throws(ProgramError) {
        let n = plan.values.count
        func index(_ i: Int32, _ what: String) throws(ProgramError) -> EValue {
            guard i >= 0, Int(i) < n else { throw ProgramError("\(path): \(what) refers to value \(i), but there are \(n) values") }
            return plan.values[Int(i)]
        }
        for (i, v) in plan.values.enumerated() {
            switch v {
            case .intList(let items):
                for item in items {
                    guard case .int = try index(item, "values[\(i)] (IntList)") else {
                        throw ProgramError("\(path): values[\(i)] (IntList) item \(item) is not an Int value")
                    }
                }
            case .tensorList(let items):
                for item in items where try index(item, "values[\(i)] (TensorList)").tensor == nil {
                    throw ProgramError("\(path): values[\(i)] (TensorList) item \(item) is not a Tensor value")
                }
            case .optionalTensorList(let items):
                for item in items where item != -1 {
                    let v = try index(item, "values[\(i)] (OptionalTensorList)")
                    guard v.tensor != nil || v == .null else {
                        throw ProgramError("\(path): values[\(i)] (OptionalTensorList) item \(item) is neither a Tensor nor Null")
                    }
                }
            default: break
            }
        }
        for (what, list) in [("inputs", plan.inputs), ("outputs", plan.outputs)] {
            for (k, i) in list.enumerated() where try index(i, "\(what)[\(k)]").tensor == nil {
                throw ProgramError("\(path): \(what)[\(k)] refers to value \(i), which is a \(plan.values[Int(i)].kindName), not a Tensor")
            }
        }
        for (k, instruction) in plan.instructions.enumerated() {
            switch instruction {
            case let .kernelCall(opIndex, args):
                guard opIndex >= 0, Int(opIndex) < plan.operators.count else {
                    throw ProgramError("\(path): instruction \(k) calls operator \(opIndex), but there are \(plan.operators.count) operators")
                }
                for a in args { _ = try index(a, "instruction \(k) (\(plan.operators[Int(opIndex)].qualifiedName)) argument") }
            case let .delegateCall(delegateIndex, args):
                guard delegateIndex >= 0, Int(delegateIndex) < plan.delegates.count else {
                    throw ProgramError("\(path): instruction \(k) calls delegate \(delegateIndex), but there are \(plan.delegates.count) delegates")
                }
                for a in args { _ = try index(a, "instruction \(k) (delegate \(delegateIndex), \(plan.delegates[Int(delegateIndex)].id)) argument") }
            case let .jumpFalse(condition, destination):
                guard destination >= 0, Int(destination) <= plan.instructions.count else {
                    throw ProgramError("\(path): instruction \(k) (JumpFalseCall) jumps to instruction \(destination), but there are \(plan.instructions.count) instructions")
                }
                switch try index(condition, "instruction \(k) (JumpFalseCall) condition") {
                case .bool: break
                case .tensor(let t) where t.scalarType == .bool: break
                default:
                    throw ProgramError("\(path): instruction \(k) (JumpFalseCall) condition %\(condition) is a \(plan.values[Int(condition)].kindName), not a Bool or a Bool tensor")
                }
            case let .move(from, to):
                let source = try index(from, "instruction \(k) (MoveCall) source"), target = try index(to, "instruction \(k) (MoveCall) target")
                guard source.kindName == target.kindName else {
                    throw ProgramError("\(path): instruction \(k) (MoveCall) moves a \(source.kindName) (%\(from)) into a \(target.kindName) (%\(to))")
                }
            }
        }
        if let names = plan.ioNames, names.inputs.count != plan.inputs.count || names.outputs.count != plan.outputs.count {
            throw ProgramError("\(path): container_meta_type names \(names.inputs.count) inputs and \(names.outputs.count) outputs, but the plan has \(plan.inputs.count) and \(plan.outputs.count)")
        }
    }
}
