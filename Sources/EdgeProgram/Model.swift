// The part of ExecuTorch's Program schema (Grammar/program.fbs) that edgec writes and reads,
// as plain Swift values. `ProgramWriter` serializes them; `ProgramReader` verifies a file and
// rebuilds them, so a round trip is value equality.

/// Where a planned tensor lives: byte `offset` in memory arena `memoryID`
/// (an index into ``ExecutionPlan/nonConstBufferSizes``; 0 is reserved by ExecuTorch).
public struct Allocation: Sendable, Hashable {
    public var memoryID: UInt32
    public var offset: UInt64

    public init(memoryID: UInt32, offset: UInt64) {
        self.memoryID = memoryID
        self.offset = offset
    }
}

/// A tensor value: element type, static sizes, and where its data is (a constant buffer or an arena slot).
public struct TensorValue: Sendable, Hashable {
    public var scalarType: PTEScalarType
    public var sizes: [Int32]
    /// The dimension order (edgec writes contiguous `0..<rank`).
    public var dimOrder: [UInt8]
    /// Index of the constant buffer holding the data; 0 means the tensor has no constant data.
    public var dataBufferIndex: UInt32
    /// The arena slot of a planned (non-constant) tensor.
    public var allocation: Allocation?
    /// `TensorShapeDynamism`: 0 static, 1 dynamic bound, 2 dynamic unbound.
    public var shapeDynamism: Int8
    public var requiresGrad: Bool

    public init(scalarType: PTEScalarType, sizes: [Int32], dimOrder: [UInt8]? = nil, dataBufferIndex: UInt32 = 0,
                allocation: Allocation? = nil, shapeDynamism: Int8 = 0, requiresGrad: Bool = false) {
        self.scalarType = scalarType
        self.sizes = sizes
        self.dimOrder = dimOrder ?? (0 ..< sizes.count).map { UInt8($0) }
        self.dataBufferIndex = dataBufferIndex
        self.allocation = allocation
        self.shapeDynamism = shapeDynamism
        self.requiresGrad = requiresGrad
    }

    /// The number of elements, or nil when a size is negative or the product overflows.
    public var elementCount: Int? {
        var n = 1
        for s in sizes {
            guard s >= 0 else { return nil }
            let (r, o) = n.multipliedReportingOverflow(by: Int(s))
            if o { return nil }
            n = r
        }
        return n
    }

    /// Bytes of data, or nil when not representable.
    public var byteCount: Int? {
        guard let n = elementCount else { return nil }
        let (r, o) = n.multipliedReportingOverflow(by: scalarType.byteSize)
        return o ? nil : r
    }
}

/// One entry of an execution plan's value table (the `KernelTypes` union).
public enum EValue: Sendable, Hashable {
    case null
    case int(Int64)
    case bool(Bool)
    case double(Double)
    case tensor(TensorValue)
    case string(String)
    /// Indices of `Int` values (ExecuTorch boxes list items as values).
    case intList([Int32])
    case doubleList([Double])
    case boolList([Bool])
    /// Indices of `Tensor` values.
    case tensorList([Int32])
    /// Indices of `Tensor` or `Null` values (-1 also means none).
    case optionalTensorList([Int32])

    /// The union tag written for this value (`KernelTypes` order in program.fbs).
    public var tag: UInt8 {
        switch self {
        case .null: return 1
        case .int: return 2
        case .bool: return 3
        case .double: return 4
        case .tensor: return 5
        case .string: return 6
        case .intList: return 7
        case .doubleList: return 8
        case .boolList: return 9
        case .tensorList: return 10
        case .optionalTensorList: return 11
        }
    }

    /// The union member's name in program.fbs.
    public var kindName: String {
        ["", "Null", "Int", "Bool", "Double", "Tensor", "String", "IntList", "DoubleList", "BoolList", "TensorList",
         "OptionalTensorList"][Int(tag)]
    }

    /// The tensor, when this is one.
    public var tensor: TensorValue? { if case .tensor(let t) = self { return t }; return nil }
}

/// A kernel the plan calls, by ATen name and overload (e.g. `aten::convolution`, `out`).
public struct Operator: Sendable, Hashable {
    public var name: String
    public var overload: String

    public init(name: String, overload: String) {
        self.name = name
        self.overload = overload
    }

    /// `name.overload`, as ExecuTorch's kernel registry spells it.
    public var qualifiedName: String { overload.isEmpty ? name : "\(name).\(overload)" }
}

/// One instruction of a chain: a kernel call or a delegate call.
public enum Instruction: Sendable, Hashable {
    /// Calls `operators[opIndex]` with the listed value indices (schema arguments, outs, returned values).
    case kernelCall(opIndex: Int32, args: [Int32])
    /// Runs `delegates[delegateIndex]` with the listed value indices: all delegate inputs in order, then all outputs.
    case delegateCall(delegateIndex: Int32, args: [Int32])
    /// Goes on at `destination` (an instruction index; the chain's length ends it) unless value
    /// `condition` is true: a `Bool`, or a `Bool` tensor whose elements are all true
    /// (`JumpFalseCall`). A constant `Bool(false)` condition makes it an unconditional jump.
    case jumpFalse(condition: Int32, destination: Int32)
    /// Makes value `to` the value `from` (`MoveCall`; for tensors ExecuTorch's runtime copies the
    /// handle, so `to` then refers to `from`'s memory).
    case move(from: Int32, to: Int32)

    /// The value indices the instruction names (a kernel's or delegate's arguments, a jump's
    /// condition, a move's two values).
    public var valueIndices: [Int32] {
        switch self {
        case let .kernelCall(_, args), let .delegateCall(_, args): return args
        case let .jumpFalse(condition, _): return [condition]
        case let .move(from, to): return [from, to]
        }
    }
}

/// Where a delegate's processed bytes are stored in the file (`DataLocation`).
public enum DelegateDataLocation: Int8, Sendable, Hashable {
    /// In `Program.backend_delegate_data` (16-byte aligned, inside the FlatBuffer).
    case inline = 0
    /// In a data segment after the FlatBuffer (what ExecuTorch 1.5.1 writes).
    case segment = 1
}

/// One compile spec of a delegate: a key and opaque bytes.
public struct CompileSpec: Sendable, Hashable {
    public var key: String
    public var value: [UInt8]

    public init(key: String, value: [UInt8]) {
        self.key = key
        self.value = value
    }
}

/// A backend delegate of a plan (`BackendDelegate`): the backend id, its processed bytes and compile specs.
/// The writer places the bytes (identical payloads are stored once); the reader resolves them.
public struct BackendDelegate: Sendable, Hashable {
    /// The backend's registered name, e.g. `XnnpackBackend`.
    public var id: String
    /// The backend's processed payload (for XNNPACK: ``XNNGraph/serialize()``).
    public var processed: [UInt8]
    public var location: DelegateDataLocation
    public var compileSpecs: [CompileSpec]

    public init(id: String, processed: [UInt8], location: DelegateDataLocation = .segment, compileSpecs: [CompileSpec] = []) {
        self.id = id
        self.processed = processed
        self.location = location
        self.compileSpecs = compileSpecs
    }

    /// The id ExecuTorch's XNNPACK backend registers.
    public static let xnnpackID = "XnnpackBackend"
}

/// A program-level named blob (`NamedData`), which delegates look up by key (each in its own segment).
public struct NamedData: Sendable, Hashable {
    public var key: String
    public var data: [UInt8]

    public init(key: String, data: [UInt8]) {
        self.key = key
        self.data = data
    }
}

/// Names of the plan's inputs and outputs from the source model, kept in `container_meta_type`.
public struct IONames: Sendable, Hashable {
    public var inputs: [String]
    public var outputs: [String]

    public init(inputs: [String], outputs: [String]) {
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// One frame of an instruction's source location (`Frame` in program.fbs). edgec writes the
/// source model's node name as `name` (an ONNX node name, a torch.export node name), and the
/// user's source file and line when the importer knows them (a torch stack frame).
public struct Frame: Sendable, Hashable {
    public var filename: String?
    public var lineno: Int32
    public var name: String?
    public var context: String?

    public init(filename: String? = nil, lineno: Int32 = 0, name: String? = nil, context: String? = nil) {
        self.filename = filename
        self.lineno = lineno
        self.name = name
        self.context = context
    }

    /// `"Conv_7"`, `"relu_1" (model.py:12)` or `model.py:12`, for messages and `inspect`.
    public var text: String {
        let file = filename.map { lineno > 0 ? "\($0):\(lineno)" : $0 }
        switch (name, file) {
        case let (n?, f?): return "\"\(n)\" (\(f))"
        case let (n?, nil): return "\"\(n)\""
        case let (nil, f?): return f
        case (nil, nil): return context ?? ""
        }
    }
}

/// The frames of one instruction (`FrameList`), innermost (the node) first.
public struct FrameList: Sendable, Hashable {
    public var items: [Frame]

    public init(_ items: [Frame] = []) { self.items = items }

    /// The node the instruction came from, as in runtime errors: `"Conv_7"`, or nil when unknown.
    public var text: String? {
        let parts = items.map(\.text).filter { !$0.isEmpty }
        return parts.isEmpty ? nil : parts.joined(separator: " via ")
    }
}

/// One method of the program (edgec writes `forward`).
public struct ExecutionPlan: Sendable, Hashable {
    public var name: String
    public var values: [EValue]
    public var inputs: [Int32]
    public var outputs: [Int32]
    public var operators: [Operator]
    /// The instructions of the plan's single chain.
    public var instructions: [Instruction]
    /// Arena sizes by memory id; entry 0 is always 0 (ExecuTorch reserves it).
    public var nonConstBufferSizes: [Int64]
    /// Source-model names of inputs and outputs, when known.
    public var ioNames: IONames?
    /// The chain's `stacktrace`: one frame list per instruction (the source node each came
    /// from), or nil when the program carries no debug information.
    public var stacktrace: [FrameList]?
    /// Backend delegates, by `DelegateCall.delegate_index`.
    public var delegates: [BackendDelegate]

    public init(name: String = "forward", values: [EValue] = [], inputs: [Int32] = [], outputs: [Int32] = [],
                operators: [Operator] = [], instructions: [Instruction] = [], nonConstBufferSizes: [Int64] = [0],
                ioNames: IONames? = nil, stacktrace: [FrameList]? = nil, delegates: [BackendDelegate] = []) {
        self.delegates = delegates
        self.name = name
        self.values = values
        self.inputs = inputs
        self.outputs = outputs
        self.operators = operators
        self.instructions = instructions
        self.nonConstBufferSizes = nonConstBufferSizes
        self.ioNames = ioNames
        self.stacktrace = stacktrace
    }

    /// The source of instruction `index` (`"Conv_7"`), when the program records one.
    public func source(ofInstruction index: Int) -> String? {
        guard let stacktrace, index >= 0, index < stacktrace.count else { return nil }
        return stacktrace[index].text
    }

    /// Instruction `index` for messages: `instruction 3 (kernel aten::convolution.out at node "Conv_7")`.
    public func describeInstruction(_ index: Int) -> String {
        var what = "instruction \(index)"
        var details: [String] = []
        if index >= 0, index < instructions.count, case let .kernelCall(op, _) = instructions[index] {
            details.append(op >= 0 && Int(op) < operators.count ? "kernel \(operators[Int(op)].qualifiedName)" : "kernel #\(op)")
        }
        if index >= 0, index < instructions.count, case let .delegateCall(d, _) = instructions[index] {
            details.append(d >= 0 && Int(d) < delegates.count ? "delegate \(d) \(delegates[Int(d)].id)" : "delegate #\(d)")
        }
        if let source = source(ofInstruction: index) { details.append("at node \(source)") }
        if !details.isEmpty { what += " (" + details.joined(separator: " ") + ")" }
        return what
    }
}

/// A whole `.pte` program: execution plans plus constant data.
public struct Program: Sendable, Hashable {
    public var version: UInt32
    public var plans: [ExecutionPlan]
    /// Constant buffers by `data_buffer_idx`; index 0 is the empty placeholder.
    public var constantBuffers: [[UInt8]]
    /// Named blobs (e.g. delegate weights), each written to its own segment.
    public var namedData: [NamedData]

    public init(version: UInt32 = 0, plans: [ExecutionPlan], constantBuffers: [[UInt8]] = [[]], namedData: [NamedData] = []) {
        self.namedData = namedData
        self.version = version
        self.plans = plans
        self.constantBuffers = constantBuffers
    }

    /// The plan named `name`.
    public func plan(named name: String) -> ExecutionPlan? { plans.first { $0.name == name } }
}
