import EdgeIR
import EdgeKernels
import Foundation

/// What an op importer sees of one node: its inputs (as values or known constants),
/// attributes, the opset definition chosen, and a builder that tags ops with the node's name.
final class NodeContext {
    let node: Onnx_NodeProto
    /// The since-version of the ONNX definition the model's opset selects.
    let version: Int
    let opset: Int
    unowned let graph: GraphImporter
    let location: Location
    private let attributes: [String: Onnx_AttributeProto]

    init(node: Onnx_NodeProto, version: Int, opset: Int, graph: GraphImporter) throws(ImportError) {
        self.node = node
        self.version = version
        self.opset = opset
        self.graph = graph
        self.location = .name(node.name.isEmpty ? (node.output.first ?? node.opType) : node.name)
        var table: [String: Onnx_AttributeProto] = [:]
        for a in node.attribute {
            guard table.updateValue(a, forKey: a.name) == nil else { throw ImportError("attribute '\(a.name)' is given twice") }
        }
        self.attributes = table
    }

    var builder: IRBuilder { graph.builder }

    // MARK: inputs

    /// Whether input `i` is present (not absent and not the empty name).
    func has(_ i: Int) -> Bool { i < node.input.count && !node.input[i].isEmpty }

    var inputCount: Int { node.input.count }

    /// The known contents of input `i`, when it is a constant.
    func constant(_ i: Int) -> Tensor? {
        guard has(i) else { return nil }
        return graph.values[node.input[i]]?.tensor
    }

    /// Input `i` as an operand of ``apply(_:_:_:resultTypes:foldLimit:)``: its IR value, or its
    /// contents when known at import time, named so that an op that is not folded reuses the
    /// input's one `edge.constant`.
    func input(_ i: Int) throws -> Imported {
        guard has(i) else { throw ImportError("input #\(i) is required") }
        let name = node.input[i]
        guard let known = graph.values[name] else { throw ImportError("input \"\(name)\" is not defined") }
        guard known.isTensor else { throw notTensor(i, known) }
        return known.named(name)
    }

    /// Input `i` whatever it is (a tensor, a sequence, an optional): for the sequence and
    /// optional ops, Identity and control flow.
    func anyInput(_ i: Int) throws -> Imported {
        guard has(i) else { throw ImportError("input #\(i) is required") }
        let name = node.input[i]
        guard let known = graph.values[name] else { throw ImportError("input \"\(name)\" is not defined") }
        return known.named(name)
    }

    /// The error for a sequence or optional given where the op takes a tensor.
    func notTensor(_ i: Int, _ known: Imported) -> ImportError {
        ImportError("input #\(i) \"\(node.input[i])\" is \(known.kindDescription); \(node.opType) takes a tensor there")
    }

    /// Input `i` as an IR value (constants are materialized once).
    func value(_ i: Int) throws -> Value {
        guard has(i) else { throw ImportError("input #\(i) is required") }
        return try graph.materialize(node.input[i])
    }

    func optionalValue(_ i: Int) throws -> Value? { has(i) ? try value(i) : nil }

    /// The type of input `i`.
    func type(_ i: Int) throws -> TensorType {
        guard has(i) else { throw ImportError("input #\(i) is required") }
        guard let known = graph.values[node.input[i]] else { throw ImportError("input \"\(node.input[i])\" is not defined") }
        guard known.isTensor else { throw notTensor(i, known) }
        return known.type
    }

    /// The static shape of input `i`, or an error saying why it is needed.
    func staticShape(_ i: Int, for purpose: String) throws -> [Int] {
        let t = try type(i)
        guard let s = t.staticShape else {
            throw ImportError("\(purpose) needs the static shape of input \"\(node.input[i])\", which is \(TypeText.type(t))\(shapeFix(t))")
        }
        return s
    }

    /// How to make `type` static: the `--input-shape` options that fix its dims (see
    /// ``InputShape/fixHint(for:in:)``), as a `"; fix it with ..."` suffix for an error.
    func shapeFix(_ type: TensorType?) -> String {
        InputShape.fixHint(for: type, in: graph.function)
    }

    /// Input `i` as integers; it must be a constant known at import time.
    func ints(_ i: Int, _ what: String) throws -> [Int] {
        guard has(i) else { throw ImportError("\(what) (input #\(i)) is required") }
        guard let c = constant(i), c.dtype.isIntegral || c.dtype == .bool, case let v = c.int64s() else {
            throw ImportError("\(what) (input \"\(node.input[i])\") must be an integer tensor known at import time (a constant or a static shape computation)")
        }
        return try v.map { x throws in
            guard let n = Int(exactly: x) else { throw ImportError("\(what) value \(x) is out of range") }
            return n
        }
    }

    /// Input `i` as one float; it must be a constant.
    func scalar(_ i: Int, _ what: String) throws -> Double {
        guard let c = constant(i), c.count == 1 else {
            throw ImportError("\(what) (input #\(i) \"\(node.input[i])\") must be a one-element constant known at import time")
        }
        return c.doubles()[0]
    }

    // MARK: attributes

    func hasAttribute(_ name: String) -> Bool { attributes[name] != nil }

    func int(_ name: String, _ fallback: Int) throws -> Int {
        guard let a = attributes[name] else { return fallback }
        guard a.type == .int || (a.type == .undefined && a.hasI) else { throw wrongKind(a, "an integer") }
        guard let v = Int(exactly: a.i) else { throw ImportError("attribute '\(name)' value \(a.i) is out of range") }
        return v
    }

    func float(_ name: String, _ fallback: Double) throws -> Double {
        guard let a = attributes[name] else { return fallback }
        guard a.type == .float || (a.type == .undefined && a.hasF) else { throw wrongKind(a, "a float") }
        return Double(a.f)
    }

    func ints(_ name: String) throws -> [Int]? {
        guard let a = attributes[name] else { return nil }
        guard a.type == .ints || (a.type == .undefined && !a.ints.isEmpty) else { throw wrongKind(a, "a list of integers") }
        return try a.ints.map { x throws in
            guard let n = Int(exactly: x) else { throw ImportError("attribute '\(name)' value \(x) is out of range") }
            return n
        }
    }

    func floats(_ name: String) throws -> [Double]? {
        guard let a = attributes[name] else { return nil }
        guard a.type == .floats || (a.type == .undefined && !a.floats.isEmpty) else { throw wrongKind(a, "a list of floats") }
        return a.floats.map(Double.init)
    }

    func string(_ name: String, _ fallback: String) throws -> String {
        guard let a = attributes[name] else { return fallback }
        guard a.type == .string || (a.type == .undefined && a.hasS) else { throw wrongKind(a, "a string") }
        guard let s = String(validating: a.s, as: UTF8.self) else { throw ImportError("attribute '\(name)' is not UTF-8") }
        return s
    }

    func tensor(_ name: String) throws -> Tensor? {
        guard let a = attributes[name] else { return nil }
        guard a.type == .tensor || (a.type == .undefined && a.hasT) else { throw wrongKind(a, "a tensor") }
        let d = try TensorDecoder.decode(a.t, what: "attribute '\(name)'", external: graph.external)
        do { return try Tensor(bytes: [UInt8](d.data), dtype: d.element, shape: d.shape) } catch {
            throw ImportError("attribute '\(name)': \(error)")
        }
    }

    /// The single attribute of a Constant-like node (its name and value), if any.
    var onlyAttribute: Onnx_AttributeProto? { node.attribute.count == 1 ? node.attribute[0] : nil }

    private func wrongKind(_ a: Onnx_AttributeProto, _ expected: String) -> ImportError {
        ImportError("attribute '\(a.name)' must be \(expected), got \(a.type)")
    }

    /// Fails with a message that says the attribute value is not supported.
    func unsupported(_ what: String) -> ImportError { ImportError("\(what) is not supported") }

    // MARK: emitting IR

    /// Creates an op tagged with the node's location and returns its single result.
    func emit(_ def: OpDefinition, _ operands: [Value?], _ attributes: [String: Attribute] = [:]) throws -> Value {
        try emitOp(def, operands, attributes).result
    }

    /// Creates an op tagged with the node's location.
    func emitOp(_ def: OpDefinition, _ operands: [Value?], _ attributes: [String: Attribute] = [:], resultTypes: [TensorType]? = nil) throws -> EdgeIR.Operation {
        do throws(OpError) {
            return try builder.create(def, operands, attributes: attributes, resultTypes: resultTypes, location: location)
        } catch {
            throw ImportError("\(def.name): \(error.message)")
        }
    }

    /// A constant materialized in the IR (for decompositions that need one).
    func constantValue(_ c: Tensor, name: String) throws -> Value {
        do throws(OpError) {
            return try builder.constant(Data(c.bytes()), type: TensorType(.scalar(c.dtype), c.shape), name: name, location: location)
        } catch {
            throw ImportError(error.message)
        }
    }

    /// A constant of `element` type and `shape` holding `values`, encoded with the constant
    /// policy of `Tensor(converting:dtype:)` (round to nearest even; integers saturate).
    func constantTensor(_ values: [Double], _ element: ScalarType, shape: [Int]) throws -> Tensor {
        do { return try Tensor(converting: values, dtype: element, shape: shape) } catch {
            throw ImportError("a constant of \(element)\(shape): \(error)")
        }
    }

    /// A scalar constant of `element` type.
    func scalarValue(_ v: Double, _ element: ElementType, name: String) throws -> Value {
        try constantValue(try constantTensor([v], element.storage, shape: []), name: name)
    }

    // MARK: folding

    /// An operand as an IR value: known contents become an `edge.constant` (once per ONNX name).
    func materialize(_ x: Imported) throws -> Value {
        switch x {
        case .value(let v): return v
        case .sequence, .optional: throw ImportError("\(x.kindDescription) is used where \(node.opType) takes a tensor")
        case .constant(_, let name?), .initializer(_, _, let name?): return try graph.materialize(name)
        case .constant(let t, nil): return try constantValue(t, name: (node.output.first ?? node.opType) + "_const")
        case .initializer(let type, let data, nil):
            do throws(OpError) {
                return try builder.constant(data, type: type, name: (node.output.first ?? node.opType) + "_const", location: location)
            } catch {
                throw ImportError(error.message)
            }
        }
    }

    /// Emits `def` on `operands`, or, when every present operand is known at import time,
    /// evaluates it with the op's evaluation facet (the EdgeKernels kernel the runtime runs;
    /// `OpDefinition.evaluate`) and returns the results as known tensors without creating the
    /// op. Folding happens when the results have at most `foldLimit` elements; ops that only
    /// reinterpret the shape (reshape, flatten, squeeze, unsqueeze) fold at any size. Larger
    /// results, and operands the kernel does not support, are emitted (the fold-constants pass
    /// may still fold them with the same facet).
    func apply(_ def: OpDefinition, _ operands: [Imported?], _ attributes: [String: Attribute] = [:],
               resultTypes: [TensorType]? = nil, foldLimit: Int = ONNXOps.foldLimit) throws -> [Imported] {
        if let other = operands.compactMap({ $0 }).first(where: { !$0.isTensor }) {
            throw ImportError("\(def.name): an operand is \(other.kindDescription), not a tensor")
        }
        if def.evaluate != nil, operands.allSatisfy({ $0?.isKnown ?? true }) {
            do throws(OpError) {
                let types = try def.resultTypes(operands.map { $0?.type }, attributes: attributes, resultTypes: resultTypes)
                let small = types.allSatisfy { ($0.elementCount ?? .max) <= foldLimit }
                if small || ONNXOps.viewOps.contains(def.name) {
                    // Initializer bytes are copied into tensors only here, when the op folds.
                    let tensors = operands.map { $0?.tensor }
                    if tensors.indices.allSatisfy({ (tensors[$0] == nil) == (operands[$0] == nil) }),
                       let out = try def.evaluate(tensors, attributes: attributes, resultTypes: resultTypes) {
                        return out.map { .constant($0) }
                    }
                }
            } catch {
                throw ImportError("\(def.name): \(error.message)")
            }
        }
        let values = try operands.map { try $0.map(materialize) }
        return try emitOp(def, values, attributes, resultTypes: resultTypes).results.map { .value($0) }
    }

    /// ``apply(_:_:_:resultTypes:foldLimit:)`` for an op with one result.
    func apply1(_ def: OpDefinition, _ operands: [Imported?], _ attributes: [String: Attribute] = [:],
                resultTypes: [TensorType]? = nil, foldLimit: Int = ONNXOps.foldLimit) throws -> Imported {
        let results = try apply(def, operands, attributes, resultTypes: resultTypes, foldLimit: foldLimit)
        guard results.count == 1 else { throw ImportError("\(def.name) gives \(results.count) results, expected 1") }
        return results[0]
    }
}
