import EdgeIR
import EdgeKernels
import Foundation

/// What a lowering sees of one ATen node: its arguments by schema name (with ATen's
/// defaults where torch omitted them), the IR values of its tensor inputs, and a builder
/// that gives every created op the node's location and checks the node's output types.
struct ATenCall {
    let node: TorchNode
    let importer: GraphImporter
    let builder: Rewriter
    let location: Location

    // MARK: Arguments

    func argument(_ name: String) -> TorchArgument? {
        guard let a = node.argument(name) else { return nil }
        if case .none = a { return nil }
        return a
    }

    /// The IR value of tensor argument `name`.
    func tensor(_ name: String) throws(OpError) -> Value {
        guard let v = try optionalTensor(name) else { throw OpError("missing tensor argument '\(name)'") }
        return v
    }

    /// The IR value of an optional tensor argument.
    func optionalTensor(_ name: String) throws(OpError) -> Value? {
        guard let a = argument(name) else { return nil }
        guard case .tensor(let t) = a else { throw OpError("argument '\(name)' must be a tensor, got \(a)") }
        return try value(t)
    }

    /// The IR value of the graph tensor named `t`.
    func value(_ t: String) throws(OpError) -> Value {
        guard let entry = importer.values[t] else { throw OpError("tensor '\(t)' is used before it is defined") }
        guard let v = entry else { throw OpError("tensor '\(t)' is an output edgec does not produce (e.g. batch statistics or pooling indices)") }
        return v
    }

    /// The values of a tensor-list argument.
    func tensors(_ name: String) throws(OpError) -> [Value] {
        guard case .tensors(let ts)? = argument(name) else { throw OpError("argument '\(name)' must be a list of tensors") }
        var out: [Value] = []
        for t in ts { out.append(try value(t)) }
        return out
    }

    func int(_ name: String, default d: Int? = nil) throws(OpError) -> Int {
        switch argument(name) {
        case .int(let v)?: return Int(v)
        case .symInt(.int(let v))?: return Int(v)
        case nil: if let d { return d }; throw OpError("missing integer argument '\(name)'")
        case let a?: throw OpError("argument '\(name)' must be an integer, got \(a)")
        }
    }

    func ints(_ name: String, default d: [Int]? = nil) throws(OpError) -> [Int] {
        switch argument(name) {
        case .ints(let v)?: return v.map { Int($0) }
        case .int(let v)?: return [Int(v)]
        case .symInts(let xs)?:
            var out: [Int] = []
            for x in xs {
                guard case .int(let v) = x else { throw OpError("argument '\(name)' has a symbolic entry where edgec needs a constant") }
                out.append(Int(v))
            }
            return out
        case nil: if let d { return d }; throw OpError("missing integer-list argument '\(name)'")
        case let a?: throw OpError("argument '\(name)' must be a list of integers, got \(a)")
        }
    }

    /// A size list whose entries may be symbolic (`view`, `expand`): each as a Dim.
    func dims(_ name: String) throws(OpError) -> [Dim] {
        switch argument(name) {
        case .ints(let v)?: return v.map { .known(Int($0)) }
        case .symInts(let xs)?:
            var out: [Dim] = []
            for x in xs {
                switch x {
                case .int(let v): out.append(.known(Int(v)))
                case .name(let n):
                    guard let d = importer.symbols[n] else { throw OpError("symbolic size '\(n)' is not defined") }
                    out.append(d)
                }
            }
            return out
        case let a: throw OpError("argument '\(name)' must be a list of sizes, got \(a.map { "\($0)" } ?? "nothing")")
        }
    }

    func float(_ name: String, default d: Double? = nil) throws(OpError) -> Double {
        switch argument(name) {
        case .float(let v)?: return v
        case .int(let v)?: return Double(v)
        case .bool(let v)?: return v ? 1 : 0
        case nil: if let d { return d }; throw OpError("missing number argument '\(name)'")
        case let a?: throw OpError("argument '\(name)' must be a number, got \(a)")
        }
    }

    /// An optional number (nil when absent or None).
    func optionalFloat(_ name: String) throws(OpError) -> Double? {
        argument(name) == nil ? nil : try float(name)
    }

    func bool(_ name: String, default d: Bool? = nil) throws(OpError) -> Bool {
        switch argument(name) {
        case .bool(let v)?: return v
        case nil: if let d { return d }; throw OpError("missing bool argument '\(name)'")
        case let a?: throw OpError("argument '\(name)' must be a bool, got \(a)")
        }
    }

    func string(_ name: String, default d: String? = nil) throws(OpError) -> String {
        switch argument(name) {
        case .string(let v)?: return v
        case nil: if let d { return d }; throw OpError("missing string argument '\(name)'")
        case let a?: throw OpError("argument '\(name)' must be a string, got \(a)")
        }
    }

    /// A tensor or Python-number argument as a value: numbers become rank-0 constants of
    /// `like`'s element type (ATen's scalar operand).
    func tensorOrScalar(_ name: String, like: Value) throws(OpError) -> Value {
        switch argument(name) {
        case .tensor?: return try tensor(name)
        case .float(let v)?: return try scalar(v, like.type.element.storage)
        case .int(let v)?: return try scalar(Double(v), like.type.element.storage)
        case .bool(let v)?: return try scalar(v ? 1 : 0, like.type.element.storage)
        case nil: throw OpError("missing argument '\(name)'")
        case let a?: throw OpError("argument '\(name)' must be a tensor or a number, got \(a)")
        }
    }

    // MARK: Building

    /// The output type torch recorded for output `index`, if any.
    func outputType(_ index: Int = 0) -> TensorType? {
        var names: [String] = []
        for o in node.outputs {
            switch o {
            case .tensor(let n): names.append(n)
            case .tensors(let ns): names += ns
            default: names.append("")
            }
        }
        guard index < names.count, importer.tensorValues[names[index]] != nil else { return nil }
        return try? importer.metaType(names[index])
    }

    /// Creates an op at the node's location. With `output`, the result is the node's output
    /// `output`: anonymous dims of the inferred type are filled in from torch's metadata.
    @discardableResult
    func emit(_ def: OpDefinition, _ operands: [Value?], _ attributes: [String: Attribute] = [:], output: Int? = nil) throws(OpError) -> Value {
        let op = try builder.create(def, operands, attributes: attributes, location: location)
        guard let output, op.results.count == 1, let meta = outputType(output),
              let better = GraphImporter.refined(op.result.type, by: meta) else { return op.result }
        builder.erase(op)
        return try builder.create(def, operands, attributes: attributes, resultTypes: [better], location: location).result
    }

    /// A rank-0 constant of element type `type` holding `v`.
    func scalar(_ v: Double, _ type: ScalarType) throws(OpError) -> Value {
        try constant([v], type: TensorType(.scalar(type), [Int]()))
    }

    /// A constant with the given elements (converted to `type`'s element type).
    func constant(_ values: [Double], type: TensorType) throws(OpError) -> Value {
        let t: Tensor
        do { t = try Tensor(converting: values, dtype: type.element.storage, shape: type.staticShape) } catch {
            throw OpError("constant of \(TypeText.type(type)): \(error)")
        }
        return try builder.constant(Data(t.bytes()), type: type, name: "\(node.name)_const", location: location)
    }
}

extension ATenCall {
    /// Creates an op with several results at the node's location.
    func emitResults(_ def: OpDefinition, _ operands: [Value?], _ attributes: [String: Attribute] = [:]) throws(OpError) -> [Value] {
        try builder.create(def, operands, attributes: attributes, location: location).results
    }

    /// An integer argument that may be symbolic, as a Dim (nil when absent or None).
    func symbolicInt(_ name: String) throws(OpError) -> Dim? {
        switch argument(name) {
        case nil: return nil
        case .int(let v)?: return .known(Int(v))
        case .symInt(.int(let v))?: return .known(Int(v))
        case .symInt(.name(let n))?:
            if let d = importer.symbols[n] { return d }
            if let s = importer.program.symIntValues[n] { return importer.dim(s) }
            throw OpError("symbolic integer '\(n)' is not defined")
        case let a?: throw OpError("argument '\(name)' must be an integer, got \(a)")
        }
    }
}
