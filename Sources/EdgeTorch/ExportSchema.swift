import EdgeIR

// The subset of torch's export serialization schema (`torch/_export/serde/schema.py`,
// schema version 8.x) that edgec reads, parsed from JSON with every field checked.

/// A size or stride: a plain integer or a symbolic expression (`Symbol('s0', ...)`).
enum TorchSymInt: Sendable, Hashable {
    case int(Int64)
    /// The expression text as torch wrote it, and the example value seen at export.
    case expr(String, hint: Int64?)

    init(_ c: JSONCursor) throws(TorchImportError) {
        let (tag, v) = try c.union
        switch tag {
        case "as_int": self = .int(try v.int)
        case "as_expr":
            let hint = try v.optional("hint").map { h throws(TorchImportError) -> Int64? in
                let (t, hv) = try h.union
                return t == "as_int" ? try hv.int : nil
            } ?? nil
            self = .expr(try v["expr_str"].string, hint: hint)
        default: throw TorchImportError("\(c.path): unknown symbolic integer kind '\(tag)'")
        }
    }

    /// The symbol's name when the expression is a single symbol (`s0`, or sympy's
    /// `Symbol('s0', positive=True, integer=True)`); nil for compound expressions.
    var symbolName: String? {
        guard case .expr(let text, _) = self else { return nil }
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("Symbol('") {
            let rest = t.dropFirst("Symbol('".count)
            guard let end = rest.firstIndex(of: "'") else { return nil }
            let name = String(rest[..<end])
            return Self.isIdentifier(name) ? name : nil
        }
        return Self.isIdentifier(t) ? t : nil
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let f = s.unicodeScalars.first, f == "_" || f.properties.isAlphabetic else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
    }
}

/// Tensor metadata: dtype, sizes, strides, storage offset (schema `TensorMeta`).
struct TorchTensorMeta: Sendable {
    var dtype: Int64
    var sizes: [TorchSymInt]
    var strides: [TorchSymInt]
    var storageOffset: TorchSymInt
    var layout: Int64

    init(_ c: JSONCursor) throws(TorchImportError) {
        dtype = try c["dtype"].int
        sizes = try c["sizes"].array.map { x throws(TorchImportError) in try TorchSymInt(x) }
        strides = try c["strides"].array.map { x throws(TorchImportError) in try TorchSymInt(x) }
        storageOffset = try c.optional("storage_offset").map { x throws(TorchImportError) in try TorchSymInt(x) } ?? .int(0)
        layout = try c.optional("layout")?.int ?? 7
        guard strides.count == sizes.count else {
            throw TorchImportError("\(c.path): \(sizes.count) sizes but \(strides.count) strides")
        }
    }
}

/// torch's `ScalarType` numbering (schema.py) mapped to Edge IR element types.
enum TorchDType {
    static let names: [Int64: String] = [
        1: "uint8", 2: "int8", 3: "int16", 4: "int32", 5: "int64", 6: "float16", 7: "float32",
        8: "float64", 9: "complex32", 10: "complex64", 11: "complex128", 12: "bool", 13: "bfloat16",
        28: "uint16", 29: "float8_e4m3fn", 30: "float8_e5m2", 31: "float8_e4m3fnuz",
        32: "float8_e5m2fnuz", 33: "float8_e8m0fnu", 34: "uint32", 35: "uint64",
    ]

    static func element(_ code: Int64) -> ScalarType? {
        switch code {
        case 1: return .u8
        case 2: return .i8
        case 3: return .i16
        case 4: return .i32
        case 5: return .i64
        case 6: return .f16
        case 7: return .f32
        case 8: return .f64
        case 12: return .bool
        case 13: return .bf16
        case 28: return .u16
        case 34: return .u32
        case 35: return .u64
        default: return nil
        }
    }

    static func name(_ code: Int64) -> String { names[code].map { "torch.\($0)" } ?? "dtype code \(code)" }
}

/// One element of a `SymInt[]` argument: a literal or the name of a symbolic value.
enum TorchSymIntArgument: Sendable {
    case int(Int64)
    case name(String)
}

/// A node argument or output (schema `Argument`), reduced to what the importer uses.
enum TorchArgument: Sendable {
    case none
    case tensor(String)
    case tensors([String])
    case optionalTensors([String?])
    case int(Int64)
    case ints([Int64])
    case float(Double)
    case floats([Double])
    case bool(Bool)
    case bools([Bool])
    case string(String)
    case symInt(TorchSymIntArgument)
    case symInts([TorchSymIntArgument])
    case scalarType(Int64)
    case memoryFormat(Int64)
    case layout(Int64)
    case device(String)
    /// A graph passed to a higher-order op (the branches of `torch.cond`).
    case graph(TorchSubgraph)
    /// A kind the importer does not read (custom objects, ...), by its tag.
    case other(String)

    init(_ c: JSONCursor) throws(TorchImportError) {
        let (tag, v) = try c.union
        func symArg(_ x: JSONCursor) throws(TorchImportError) -> TorchSymIntArgument {
            let (t, y) = try x.union
            switch t {
            case "as_int": return .int(try y.int)
            case "as_name": return .name(try y.string)
            default: throw TorchImportError("\(x.path): unknown symbolic argument kind '\(t)'")
            }
        }
        switch tag {
        case "as_none": self = .none
        case "as_tensor": self = .tensor(try v["name"].string)
        case "as_tensors": self = .tensors(try v.array.map { x throws(TorchImportError) in try x["name"].string })
        case "as_optional_tensors":
            self = .optionalTensors(try v.array.map { x throws(TorchImportError) -> String? in
                let (t, y) = try x.union
                return t == "as_tensor" ? try y["name"].string : nil
            })
        case "as_optional_tensor":
            let (t, y) = try v.union
            self = t == "as_tensor" ? .tensor(try y["name"].string) : .none
        case "as_int": self = .int(try v.int)
        case "as_ints": self = .ints(try v.array.map { x throws(TorchImportError) in try x.int })
        case "as_float": self = .float(try v.double)
        case "as_floats": self = .floats(try v.array.map { x throws(TorchImportError) in try x.double })
        case "as_bool": self = .bool(try v.bool)
        case "as_bools": self = .bools(try v.array.map { x throws(TorchImportError) in try x.bool })
        case "as_string": self = .string(try v.string)
        case "as_sym_int": self = .symInt(try symArg(v))
        case "as_sym_ints": self = .symInts(try v.array.map { x throws(TorchImportError) in try symArg(x) })
        case "as_scalar_type": self = .scalarType(try v.int)
        case "as_memory_format": self = .memoryFormat(try v.int)
        case "as_layout": self = .layout(try v.int)
        case "as_device": self = .device(try v["type"].string)
        case "as_graph": self = .graph(try TorchSubgraph(v))
        default: self = .other(tag)
        }
    }
}

/// One graph node: an operator call with named arguments (schema `Node`).
struct TorchNode: Sendable {
    var name: String
    var target: String
    var inputs: [(name: String, value: TorchArgument)]
    var outputs: [TorchArgument]
    var metadata: [String: String]

    init(_ c: JSONCursor, index: Int) throws(TorchImportError) {
        target = try c["target"].string
        name = try c.optional("name")?.string ?? "node_\(index)"
        inputs = try c["inputs"].array.map { x throws(TorchImportError) in (try x["name"].string, try TorchArgument(x["arg"])) }
        outputs = try c["outputs"].array.map { x throws(TorchImportError) in try TorchArgument(x) }
        var meta: [String: String] = [:]
        if let m = try c.optional("metadata") {
            for (k, v) in try m.object { if case .string(let s) = v.value { meta[k] = s } }
        }
        metadata = meta
    }

    /// The argument named `name`, if the node passes it (torch omits defaulted arguments).
    func argument(_ name: String) -> TorchArgument? {
        inputs.first { $0.name == name }?.value
    }
}

/// A graph argument of a higher-order op (schema `GraphArgument`): its own nodes and tensor
/// metadata, taking its inputs in order and returning its outputs.
struct TorchSubgraph: Sendable {
    var name: String
    var inputs: [String]
    var outputs: [String]
    var nodes: [TorchNode]
    var tensorValues: [String: TorchTensorMeta]

    init(_ c: JSONCursor) throws(TorchImportError) {
        name = try c["name"].string
        let g = try c["graph"]
        func tensorName(_ x: JSONCursor) throws(TorchImportError) -> String {
            let (tag, v) = try x.union
            guard tag == "as_tensor" else { throw TorchImportError("\(x.path): graph '\(try c["name"].string)' passes a \(tag); edgec's branches take and return tensors only") }
            return try v["name"].string
        }
        inputs = try g["inputs"].array.map(tensorName)
        outputs = try g["outputs"].array.map(tensorName)
        nodes = try g["nodes"].array.enumerated().map { i, x throws(TorchImportError) in try TorchNode(x, index: i) }
        var tv: [String: TorchTensorMeta] = [:]
        for (k, v) in try g["tensor_values"].object { tv[k] = try TorchTensorMeta(v) }
        tensorValues = tv
    }
}

/// How a graph input gets its value (schema `InputSpec`).
enum TorchInputKind: Sendable, Equatable {
    case userInput
    case parameter(String)
    case buffer(String, persistent: Bool)
    case tensorConstant(String)
    /// A non-tensor constant input (a Python scalar baked in at export).
    case constantInput
    case unsupported(String)
}

/// A range constraint on a symbol: `min...max`, either end open when nil.
struct TorchRange: Sendable, Hashable {
    var min: Int64?
    var max: Int64?
}

/// The serialized ExportedProgram (`models/<name>.json`), the parts edgec imports.
struct TorchExportedProgram: Sendable {
    /// Schema versions this importer reads (the major version; minors are compatible).
    static let supportedSchemaMajor: Int64 = 8

    var schemaVersion: (major: Int64, minor: Int64)
    var torchVersion: String?
    var nodes: [TorchNode]
    var inputs: [(name: String, kind: TorchInputKind)]
    var outputs: [(name: String, kind: String)]
    var tensorValues: [String: TorchTensorMeta]
    var symIntValues: [String: TorchSymInt]
    var rangeConstraints: [String: TorchRange]

    init(_ root: JSONCursor) throws(TorchImportError) {
        let sv = try root["schema_version"]
        schemaVersion = (try sv["major"].int, try sv["minor"].int)
        guard schemaVersion.major == Self.supportedSchemaMajor else {
            throw TorchImportError("\(root.path): export schema version \(schemaVersion.major).\(schemaVersion.minor) is not supported (edgec reads \(Self.supportedSchemaMajor).x, written by torch 2.13); re-export the model with torch 2.13")
        }
        torchVersion = try root.optional("torch_version")?.string
        let gm = try root["graph_module"]
        let g = try gm["graph"]
        nodes = try g["nodes"].array.enumerated().map { i, x throws(TorchImportError) in try TorchNode(x, index: i) }
        var tv: [String: TorchTensorMeta] = [:]
        for (k, v) in try g["tensor_values"].object { tv[k] = try TorchTensorMeta(v) }
        tensorValues = tv
        var si: [String: TorchSymInt] = [:]
        if let s = try g.optional("sym_int_values") {
            for (k, v) in try s.object { si[k] = try TorchSymInt(v) }
        }
        symIntValues = si
        var ranges: [String: TorchRange] = [:]
        if let rc = try root.optional("range_constraints") {
            for (k, v) in try rc.object {
                ranges[k] = TorchRange(min: try v.optional("min_val")?.int, max: try v.optional("max_val")?.int)
            }
        }
        rangeConstraints = ranges

        let sig = try gm["signature"]
        inputs = try sig["input_specs"].array.map { spec throws(TorchImportError) in
            let (tag, v) = try spec.union
            switch tag {
            case "user_input":
                let (t, a) = try v["arg"].union
                guard t == "as_tensor" else { return ("<\(t)>", .unsupported("a user input of kind '\(t)' (only tensors are supported)")) }
                return (try a["name"].string, .userInput)
            case "parameter": return (try v["arg"]["name"].string, .parameter(try v["parameter_name"].string))
            case "buffer": return (try v["arg"]["name"].string, .buffer(try v["buffer_name"].string, persistent: try v.optional("persistent")?.bool ?? true))
            case "tensor_constant": return (try v["arg"]["name"].string, .tensorConstant(try v["tensor_constant_name"].string))
            case "constant_input": return (try v["name"].string, .constantInput)
            default:
                let name = (try? v["arg"]["name"].string) ?? "<\(tag)>"
                return (name, .unsupported("an input of kind '\(tag)'"))
            }
        }
        outputs = try sig["output_specs"].array.map { spec throws(TorchImportError) in
            let (tag, v) = try spec.union
            let arg = try v["arg"]
            if case .object(let o) = arg.value, o["name"] != nil { return (try arg["name"].string, tag) }
            let (t, a) = try arg.union
            guard t == "as_tensor" else { return ("<\(t)>", tag) }
            return (try a["name"].string, tag)
        }
    }
}

/// Where one weight or constant lives in the archive (schema `PayloadMeta`).
struct TorchPayload: Sendable {
    var pathName: String
    var usePickle: Bool
    var meta: TorchTensorMeta?

    init(_ c: JSONCursor) throws(TorchImportError) {
        pathName = try c["path_name"].string
        usePickle = try c.optional("use_pickle")?.bool ?? false
        meta = try c.optional("tensor_meta").map { x throws(TorchImportError) in try TorchTensorMeta(x) }
    }

    /// Reads a `*_config.json` payload table: fully qualified name → payload.
    static func table(_ c: JSONCursor) throws(TorchImportError) -> [String: TorchPayload] {
        var out: [String: TorchPayload] = [:]
        for (k, v) in try c["config"].object { out[k] = try TorchPayload(v) }
        return out
    }
}
