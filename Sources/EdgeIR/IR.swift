/// An SSA value: a function argument or an operation result. Each value has exactly one
/// definition; its uses are tracked so rewrites can replace it everywhere.
public final class Value {
    /// The value's type.
    public internal(set) var type: TensorType
    /// A preferred name for printing (`%x`); numbers are assigned where there is none.
    public var nameHint: String?
    /// The operation that defines the value, or nil for a block argument.
    public internal(set) weak var definingOp: Operation?
    /// The index among the defining operation's results or the block's arguments.
    public internal(set) var index: Int
    /// The block whose argument this is, or nil for an operation result.
    public internal(set) weak var ownerBlock: Block?

    var useList: [Use] = []

    init(type: TensorType, nameHint: String? = nil, index: Int) {
        self.type = type
        self.nameHint = nameHint
        self.index = index
    }

    /// Every (operation, operand index) pair that reads this value.
    public var uses: [Use] { useList }

    public var hasUses: Bool { !useList.isEmpty }

    /// The distinct operations that read this value.
    public var users: [Operation] {
        var seen = Set<ObjectIdentifier>()
        return useList.compactMap { seen.insert(ObjectIdentifier($0.user)).inserted ? $0.user : nil }
    }
}

/// One read of a value: operand `operandIndex` of `user`.
public struct Use {
    public unowned let user: Operation
    public let operandIndex: Int
}

/// One operation: an op definition applied to operands and attributes, yielding results.
public final class Operation {
    /// The declaration of this op (its name, signature and type rules).
    public let definition: OpDefinition
    public private(set) var operands: [Value?]
    public internal(set) var results: [Value]
    /// Attributes written explicitly; declared defaults apply to the rest (see ``attribute(_:)``).
    public internal(set) var attributes: [String: Attribute]
    public internal(set) var location: Location
    /// Where the op was read from, for diagnostics on parsed IR.
    public internal(set) var sourcePosition: SourcePosition?

    public internal(set) weak var block: Block?
    var next: Operation?
    weak var previous: Operation?

    init(
        definition: OpDefinition, operands: [Value?], resultTypes: [TensorType],
        attributes: [String: Attribute], location: Location
    ) {
        self.definition = definition
        self.operands = []
        self.results = []
        self.attributes = attributes
        self.location = location
        self.results = resultTypes.enumerated().map { i, t in
            let v = Value(type: t, index: i)
            return v
        }
        for r in results { r.definingOp = self }
        for (i, v) in operands.enumerated() {
            self.operands.append(v)
            v?.useList.append(Use(user: self, operandIndex: i))
        }
    }

    /// The op's name, e.g. `edge.conv2d`.
    public var name: String { definition.name }

    /// The single result of a one-result op.
    public var result: Value { results[0] }

    /// The operand at `index`, or nil when it is an absent optional.
    public func operand(_ index: Int) -> Value? { index < operands.count ? operands[index] : nil }

    /// The operands that are present.
    public var presentOperands: [Value] { operands.compactMap { $0 } }

    /// The attribute's value: the explicit one, or the declared default.
    public func attribute(_ name: String) -> Attribute? {
        attributes[name] ?? definition.attribute(named: name)?.defaultValue
    }

    /// The operation after this one in its block.
    public var nextInBlock: Operation? { next }
    /// The operation before this one in its block.
    public var previousInBlock: Operation? { previous }

    func setOperand(_ index: Int, _ value: Value?) {
        if let old = operands[index] {
            old.useList.removeAll { $0.user === self && $0.operandIndex == index }
        }
        operands[index] = value
        value?.useList.append(Use(user: self, operandIndex: index))
    }

    /// Drops this op's uses of its operands (before it is erased).
    func dropOperandUses() {
        for i in operands.indices { setOperand(i, nil) }
    }

    /// A short description for diagnostics: the op name and, when known, the node name.
    public var diagnosticName: String {
        if let node = location.nodeName { return "'\(name)' at \"\(node)\"" }
        return "'\(name)'"
    }
}

/// An ordered list of operations with arguments: the body of a function.
public final class Block {
    public internal(set) var arguments: [Value] = []
    public private(set) var firstOp: Operation?
    public private(set) weak var lastOp: Operation?
    public internal(set) weak var parentFunction: Function?

    init() {}

    /// The operations in order (a snapshot, safe to iterate while rewriting).
    public var operations: [Operation] {
        var out: [Operation] = []
        var op = firstOp
        while let o = op {
            out.append(o)
            op = o.next
        }
        return out
    }

    /// The block's last operation when it is a terminator.
    public var terminator: Operation? {
        guard let last = lastOp, last.definition.traits.contains(.terminator) else { return nil }
        return last
    }

    func addArgument(_ type: TensorType, nameHint: String?) -> Value {
        let v = Value(type: type, nameHint: nameHint, index: arguments.count)
        v.ownerBlock = self
        arguments.append(v)
        return v
    }

    /// Inserts `op` before `before`, or at the end when `before` is nil.
    func insert(_ op: Operation, before: Operation?) {
        precondition(op.block == nil, "operation is already in a block")
        op.block = self
        if let before {
            op.next = before
            op.previous = before.previous
            if let p = before.previous { p.next = op } else { firstOp = op }
            before.previous = op
        } else {
            op.previous = lastOp
            if let l = lastOp { l.next = op } else { firstOp = op }
            lastOp = op
        }
    }

    /// Unlinks `op` from the block.
    func remove(_ op: Operation) {
        precondition(op.block === self, "operation is not in this block")
        if let p = op.previous { p.next = op.next } else { firstOp = op.next }
        if let n = op.next { n.previous = op.previous } else { lastOp = op.previous }
        op.next = nil
        op.previous = nil
        op.block = nil
    }
}

/// Per-argument or per-result attributes of a function (e.g. the source model's I/O name).
public typealias ArgumentAttributes = [String: Attribute]

/// A function: typed arguments, a body, and result types. `@main` is the model's graph;
/// other functions serve as bodies for control flow.
public final class Function {
    public var name: String
    public let body: Block
    public internal(set) var resultTypes: [TensorType]
    /// Attributes of each argument (`{name = "input.1"}`).
    public var argumentAttributes: [ArgumentAttributes]
    /// Attributes of each result.
    public var resultAttributes: [ArgumentAttributes]
    /// Attributes of the function itself (`attributes {backend = "xnnpack"}` in text): e.g.
    /// which delegate executes an outlined partition.
    public var attributes: [String: Attribute] = [:]
    public internal(set) weak var module: Module?

    public init(name: String, argumentTypes: [TensorType], argumentNames: [String?] = [], resultTypes: [TensorType]) {
        self.name = name
        self.body = Block()
        self.resultTypes = resultTypes
        self.argumentAttributes = Array(repeating: [:], count: argumentTypes.count)
        self.resultAttributes = Array(repeating: [:], count: resultTypes.count)
        body.parentFunction = self
        for (i, t) in argumentTypes.enumerated() {
            _ = body.addArgument(t, nameHint: i < argumentNames.count ? argumentNames[i] : nil)
        }
    }

    public var arguments: [Value] { body.arguments }

    /// Adds an argument at the end (an importer that learns an argument's type only while it
    /// builds the body) and returns it.
    @discardableResult
    public func appendArgument(_ type: TensorType, name: String?) -> Value {
        argumentAttributes.append([:])
        return body.addArgument(type, nameHint: name)
    }

    /// Sets the result types (an importer knows them only once the body is built) and
    /// resizes ``resultAttributes`` to match, keeping the existing entries.
    public func setResultTypes(_ types: [TensorType]) {
        resultTypes = types
        if resultAttributes.count > types.count { resultAttributes.removeLast(resultAttributes.count - types.count) }
        while resultAttributes.count < types.count { resultAttributes.append([:]) }
    }

    /// The values the function returns (operands of its terminator).
    public var returnedValues: [Value] { body.terminator?.presentOperands ?? [] }

    /// The source-model name of argument `i`: its `name` attribute, else its SSA name hint.
    public func inputName(_ i: Int) -> String? {
        argumentAttributes[i]["name"]?.stringValue ?? arguments[i].nameHint
    }

    /// The source-model name of result `i`, when recorded.
    public func outputName(_ i: Int) -> String? {
        resultAttributes[i]["name"]?.stringValue
    }
}

/// The top-level unit: functions plus the blob store their constants refer to.
public final class Module {
    public var name: String
    public private(set) var functions: [Function] = []
    public let blobs: BlobStore
    /// Module-level attributes (producer, source opset, ...), printed in the header.
    public var attributes: [String: Attribute] = [:]
    /// The `.eirb` file the blobs were read from, as the header named it; printed back in dumps.
    public var blobFile: String?

    /// The name of a module whose text has no `module` header.
    public static let defaultName = "module"

    public init(name: String = Module.defaultName, blobs: BlobStore = BlobStore()) {
        self.name = name
        self.blobs = blobs
    }

    public func add(_ function: Function) {
        function.module = self
        functions.append(function)
    }

    /// Takes `function` out of the module (nothing may call it any more).
    public func remove(_ function: Function) {
        functions.removeAll { $0 === function }
        if function.module === self { function.module = nil }
    }

    public func function(named name: String) -> Function? {
        functions.first { $0.name == name }
    }

    /// A function name starting with `prefix` that no function of the module has yet
    /// (`prefix_0`, `prefix_1`, ...).
    public func uniqueFunctionName(_ prefix: String) -> String {
        let taken = Set(functions.map(\.name))
        var i = 0
        while taken.contains("\(prefix)_\(i)") { i += 1 }
        return "\(prefix)_\(i)"
    }

    /// Every function's signature by name, for ops that call functions.
    public var signatures: [String: FunctionSignature] {
        var out: [String: FunctionSignature] = [:]
        for f in functions where out[f.name] == nil { out[f.name] = FunctionSignature(f) }
        return out
    }

    /// The entry function: `@main`, else the first.
    public var mainFunction: Function? { function(named: "main") ?? functions.first }
}
