// The calling convention of ATen out-variant kernels in a `.pte` program, declared once and
// used by both sides of the format: the lowering builds calls by argument name from it and the
// interpreter binds by name from it at load.
//
// A kernel call's `args` are, as ExecuTorch 1.5.1's emitter writes them: every schema argument in
// order (scalars, lists and absent optionals as their own values), then the out tensor(s), then
// the returned value: the out tensor itself for one-out kernels, otherwise a TensorList of the
// out tensors (multi-output kernels such as `max_pool2d_with_indices.out`, and out lists such as
// `split_with_sizes_copy.out`'s).

/// The type of one kernel argument, spelled as in ATen's native_functions.yaml (SymInt as int).
public enum ArgumentKind: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case tensor = "Tensor"
    case optionalTensor = "Tensor?"
    case tensorList = "Tensor[]"
    case int = "int"
    case optionalInt = "int?"
    case intList = "int[]"
    case optionalIntList = "int[]?"
    case optionalFloatList = "float[]?"
    case bool = "bool"
    case float = "float"
    case scalar = "Scalar"
    case optionalScalar = "Scalar?"
    case string = "str"
    case optionalString = "str?"
    case optionalScalarType = "ScalarType?"
    case optionalMemoryFormat = "MemoryFormat?"

    public var description: String { rawValue }

    /// Whether `value` (with its list items looked up in `values`) is a valid argument of this kind.
    public func accepts(_ value: EValue, in values: [EValue]) -> Bool {
        func items(_ list: [Int32], _ ok: (EValue) -> Bool) -> Bool {
            list.allSatisfy { $0 >= 0 && Int($0) < values.count && ok(values[Int($0)]) }
        }
        switch (self, value) {
        case (.optionalTensor, .null), (.optionalInt, .null), (.optionalIntList, .null), (.optionalFloatList, .null),
             (.optionalScalar, .null), (.optionalString, .null), (.optionalScalarType, .null), (.optionalMemoryFormat, .null):
            return true
        case (.tensor, .tensor), (.optionalTensor, .tensor): return true
        case (.tensorList, .tensorList(let list)): return items(list) { $0.tensor != nil }
        case (.int, .int), (.optionalInt, .int), (.optionalScalarType, .int), (.optionalMemoryFormat, .int): return true
        case (.intList, .intList(let list)), (.optionalIntList, .intList(let list)):
            return items(list) { if case .int = $0 { return true }; return false }
        case (.optionalFloatList, .doubleList): return true
        case (.bool, .bool), (.float, .double): return true
        case (.scalar, .int), (.scalar, .double), (.scalar, .bool): return true
        case (.optionalScalar, .int), (.optionalScalar, .double), (.optionalScalar, .bool): return true
        case (.string, .string), (.optionalString, .string): return true
        default: return false
        }
    }
}

/// A default value of a schema argument: the lowering writes it when a call leaves the argument out.
public enum ArgumentDefault: Sendable, Hashable, CustomStringConvertible {
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case null
    case intList([Int64])
    case string(String)

    /// As written in native_functions.yaml (`1`, `False`, `None`, `[]`, `'none'`).
    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v): return String(v)
        case .bool(let v): return v ? "True" : "False"
        case .null: return "None"
        case .intList(let v): return "[" + v.map(String.init).joined(separator: ", ") + "]"
        case .string(let s): return "'\(s)'"
        }
    }
}

/// One named argument of a kernel schema.
public struct KernelArgument: Sendable, Hashable, CustomStringConvertible {
    public let name: String
    public let kind: ArgumentKind
    public let defaultValue: ArgumentDefault?

    public init(_ name: String, _ kind: ArgumentKind, default defaultValue: ArgumentDefault? = nil) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
    }

    public var description: String { "\(kind) \(name)" + (defaultValue.map { "=\($0)" } ?? "") }

    public static func tensor(_ name: String) -> Self { Self(name, .tensor) }
    public static func optionalTensor(_ name: String) -> Self { Self(name, .optionalTensor) }
    public static func tensorList(_ name: String) -> Self { Self(name, .tensorList) }
    public static func int(_ name: String, default d: Int64? = nil) -> Self { Self(name, .int, default: d.map(ArgumentDefault.int)) }
    public static func optionalInt(_ name: String, default d: ArgumentDefault? = nil) -> Self { Self(name, .optionalInt, default: d) }
    public static func intList(_ name: String, default d: [Int64]? = nil) -> Self { Self(name, .intList, default: d.map(ArgumentDefault.intList)) }
    public static func optionalIntList(_ name: String) -> Self { Self(name, .optionalIntList) }
    public static func optionalFloatList(_ name: String) -> Self { Self(name, .optionalFloatList) }
    public static func bool(_ name: String, default d: Bool? = nil) -> Self { Self(name, .bool, default: d.map(ArgumentDefault.bool)) }
    public static func float(_ name: String) -> Self { Self(name, .float) }
    public static func scalar(_ name: String, default d: ArgumentDefault? = nil) -> Self { Self(name, .scalar, default: d) }
    public static func optionalScalar(_ name: String, default d: ArgumentDefault? = nil) -> Self { Self(name, .optionalScalar, default: d) }
    public static func string(_ name: String, default d: String? = nil) -> Self { Self(name, .string, default: d.map(ArgumentDefault.string)) }
    public static func optionalString(_ name: String) -> Self { Self(name, .optionalString) }
    public static func optionalScalarType(_ name: String, default d: ArgumentDefault? = nil) -> Self { Self(name, .optionalScalarType, default: d) }
    public static func optionalMemoryFormat(_ name: String, default d: ArgumentDefault? = nil) -> Self { Self(name, .optionalMemoryFormat, default: d) }
}

/// The schema of one ATen out-variant kernel: its schema arguments in order, then its out
/// tensor(s) (each a `Tensor`, or one `Tensor[]` out list); the returned value follows them
/// (see the top of this file). Argument positions, the arity and the load-time check derive from it.
public struct KernelSchema: Sendable, Hashable, CustomStringConvertible {
    /// `name.overload`, e.g. `aten::convolution.out`.
    public let name: String
    public let arguments: [KernelArgument]
    public let outs: [KernelArgument]

    public init(_ name: String, _ arguments: [KernelArgument], outs: [String] = ["out"]) {
        self.init(name, arguments, outArguments: outs.map { KernelArgument($0, .tensor) })
    }

    /// A kernel whose out is one list of tensors (`Tensor(a!)[] out`).
    public init(_ name: String, _ arguments: [KernelArgument], outList: String) {
        self.init(name, arguments, outArguments: [KernelArgument(outList, .tensorList)])
    }

    private init(_ name: String, _ arguments: [KernelArgument], outArguments: [KernelArgument]) {
        self.name = name
        self.arguments = arguments
        self.outs = outArguments
    }

    /// The schema arguments then the outs, in call order (the returned value is last, unnamed).
    public var parameters: [KernelArgument] { arguments + outs }

    /// Number of values in a call: schema arguments, outs, and the returned value.
    public var arity: Int { arguments.count + outs.count + 1 }

    /// Whether the returned value is the single out tensor itself (else a TensorList of the outs).
    public var returnsOut: Bool { outs.count == 1 && outs[0].kind == .tensor }

    /// The kind of the returned value.
    public var returnKind: ArgumentKind { returnsOut ? .tensor : .tensorList }

    /// The call position of argument or out `name`.
    public func position(of name: String) -> Int? { parameters.firstIndex { $0.name == name } }

    /// The argument or out named `name`.
    public func parameter(_ name: String) -> KernelArgument? { parameters.first { $0.name == name } }

    /// The signature as in native_functions.yaml, with the outs after `*` and the returned value.
    public var description: String {
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        let outs = self.outs.enumerated().map { k, o in
            o.kind == .tensorList ? "Tensor(\(letters[k])!)[] \(o.name)" : "Tensor(\(letters[k])!) \(o.name)"
        }
        let returned: String
        if returnsOut { returned = "Tensor(a!)" } else if self.outs.count == 1 { returned = "Tensor(a!)[]" } else {
            returned = "(" + self.outs.indices.map { "Tensor(\(letters[$0])!)" }.joined(separator: ", ") + ")"
        }
        return "\(name)(" + (arguments.map(\.description) + ["*"] + outs).joined(separator: ", ") + ") -> \(returned)"
    }

    /// Why the call `args` (value indices into `values`) does not fit this schema, or nil when it
    /// does: the arity, then the kind of every argument, out and the returned value.
    public func mismatch(_ args: [Int32], in values: [EValue]) -> String? {
        guard args.count == arity else { return "\(name) takes \(arity) arguments, got \(args.count)" }
        for (k, a) in args.enumerated() {
            guard a >= 0, Int(a) < values.count else { return "\(name) argument \(k) refers to value \(a), which does not exist" }
            let value = values[Int(a)]
            let (label, kind) = k < parameters.count ? ("argument \(parameters[k].name)", parameters[k].kind) : ("returned value", returnKind)
            guard kind.accepts(value, in: values) else { return "\(name) \(label) (%\(a)) must be \(kind), got \(value.kindName)" }
        }
        return nil
    }
}

/// A table by key from `items`, which must not repeat a key: a duplicate is a programming error
/// (two declarations of one thing), so it stops the program naming the key, never picking one.
public func uniqueTable<Key: Hashable, Item>(_ items: [Item], what: String, key: (Item) -> Key) -> [Key: Item] {
    let duplicates = duplicateKeys(items, key: key)
    precondition(duplicates.isEmpty, "duplicate \(what): \(duplicates.map { "\($0)" }.joined(separator: ", "))")
    return Dictionary(uniqueKeysWithValues: items.map { (key($0), $0) })
}

/// The keys that occur more than once in `items`, in first-occurrence order.
public func duplicateKeys<Key: Hashable, Item>(_ items: [Item], key: (Item) -> Key) -> [Key] {
    var seen: Set<Key> = [], repeated: [Key] = []
    for item in items {
        let k = key(item)
        if !seen.insert(k).inserted, !repeated.contains(k) { repeated.append(k) }
    }
    return repeated
}
