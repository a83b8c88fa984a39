import EdgeIR
import EdgeKernels
import Foundation

/// Imports one ONNX graph into the `@main` function of a module.
final class GraphImporter {
    let module: Module
    let opset: Int
    let external: ExternalDataReader?
    private(set) var function: Function!
    private(set) var builder: IRBuilder!
    /// Every ONNX name defined so far: graph inputs, initializers, node outputs.
    var values: [String: Imported] = [:]
    /// The IR constant each known value was materialized as, by ONNX name.
    var materialized: [String: Value] = [:]
    /// How many subgraph copies have been inlined (If branches, unrolled loop bodies).
    var inlinedSubgraphs = 0

    /// Runs `work` with `f` as the function being imported into, then goes back to the current one.
    func importing<T>(into f: Function, _ work: () throws -> T) rethrows -> T {
        let (outerFunction, outerBuilder) = (function, builder)
        defer { (function, builder) = (outerFunction, outerBuilder) }
        function = f
        builder = IRBuilder(function: f)
        return try work()
    }

    init(module: Module, opset: Int, external: ExternalDataReader?) {
        self.module = module
        self.opset = opset
        self.external = external
    }

    /// The IR value for `name`, creating an `edge.constant` the first time a constant is used.
    func materialize(_ name: String) throws -> Value {
        switch values[name] {
        case .value(let v)?: return v
        case let known?:
            if let v = materialized[name] { return v }
            // A known input passed through unchanged (Identity, a Cast to its own type, ...)
            // shares the input's one constant.
            if let origin = known.origin, origin != name, values[origin] != nil {
                let v = try materialize(origin)
                materialized[name] = v
                return v
            }
            let data: Data
            switch known {
            case .initializer(_, let d, _): data = d
            case .constant(let t, _): data = Data(t.bytes())
            case .sequence, .optional: throw ImportError("\"\(name)\" is \(known.kindDescription), not a tensor")
            case .value: preconditionFailure("handled above")
            }
            let v: Value
            do throws(OpError) {
                v = try builder.constant(data, type: known.type, name: name, location: .name(name))
            } catch {
                throw ImportError("constant \"\(name)\": \(error.message)")
            }
            materialized[name] = v
            return v
        case nil: throw ImportError("\"\(name)\" is not defined")
        }
    }

    func run(_ graph: Onnx_GraphProto, options: ONNXImportOptions) throws {
        // Initializers (named constants).
        for (i, t) in graph.initializer.enumerated() {
            let what = "initializer \"\(t.name)\""
            guard !t.name.isEmpty else { throw ImportError("initializer #\(i) has no name") }
            guard values[t.name] == nil else { throw ImportError("\(what) is defined twice") }
            let d = try TensorDecoder.decode(t, what: what, external: external)
            values[t.name] = .initializer(TensorType(.scalar(d.element), d.shape), d.data)
        }
        if !graph.sparseInitializer.isEmpty { throw ImportError("sparse initializers are not supported") }

        // Graph inputs, minus initializers listed as inputs (IR version < 4 lists them). A
        // sequence or optional input is resolved to its structure here (a sequence of N
        // tensors, an optional present or absent, as the options say) and flattened into
        // tensor leaves (`seq.0`, `seq.1`, ...; docs/design.md, "Sequences and optionals").
        // Leaves bound to values by the caller become constants, the others arguments.
        let inputs = graph.input.filter { values[$0.name] == nil }
        var seenInputs = Set<String>()
        var structures: [GraphInputStructure] = []
        for input in inputs {
            guard seenInputs.insert(input.name).inserted else { throw ImportError("graph input \"\(input.name)\" is listed twice") }
            structures.append(try GraphInputStructure(name: input.name, type: input.type, options: options))
        }
        try GraphInputStructure.checkOptions(options, structures)
        var remainingOverrides = options.inputShapes
        var argTypes: [TensorType] = [], argNames: [String] = []
        var leafValues: [String: Imported] = [:]
        let leafNames = structures.flatMap(\.leaves).map(\.name)
        for leaf in structures.flatMap(\.leaves) {
            let what = "graph input \"\(leaf.name)\""
            if let numbers = options.inputValues[leaf.name] {
                guard leaf.type.isTensor else { throw ImportError("--input-value \(leaf.name): \(what) is not a tensor") }
                let element = try ONNXType.require(leaf.type.tensorType.elemType, what)
                let dims: [Int?] = leaf.type.tensorType.shape.dim.map { d -> Int? in
                    if case .dimValue(let v)? = d.value, v > 0 { return Int(v) }
                    return nil
                }
                let declaredText = dims.map { $0.map(String.init) ?? "?" }.joined(separator: ",")
                var shape = remainingOverrides.removeValue(forKey: leaf.name)
                if shape == nil, leaf.type.tensorType.hasShape, dims.allSatisfy({ $0 != nil }) { shape = dims.map { $0! } }
                guard let shape, shape.reduce(1, *) == numbers.count else {
                    let given = "\(numbers.count) value" + (numbers.count == 1 ? "" : "s")
                    throw ImportError("--input-value \(leaf.name): \(given) given, but \(what) is \(element)[\(declaredText)]; give one value per element (and its shape with --input-shape when it is not static)")
                }
                let t: Tensor
                do { t = try Tensor(converting: numbers, dtype: element, shape: shape) } catch {
                    throw ImportError("--input-value \(leaf.name): \(error)")
                }
                leafValues[leaf.name] = .initializer(TensorType(.scalar(element), shape), Data(t.bytes()))
                continue
            }
            if let bound = options.constantInputs[leaf.name] {
                guard leaf.type.isTensor, try ONNXType.require(leaf.type.tensorType.elemType, what) == bound.element,
                      !leaf.type.tensorType.hasShape || leaf.type.tensorType.shape.dim.count == bound.shape.count else {
                    throw ImportError("the value bound to \(what) (\(bound.element)\(bound.shape)) does not match its declared type")
                }
                remainingOverrides[leaf.name] = nil
                leafValues[leaf.name] = .initializer(TensorType(.scalar(bound.element), bound.shape), bound.data)
                continue
            }
            if leaf.type.isTensor, !leaf.type.tensorType.hasShape, let dims = remainingOverrides.removeValue(forKey: leaf.name) {
                // No declared shape (common for sequence elements): the given one is the shape.
                argTypes.append(TensorType(.scalar(try ONNXType.require(leaf.type.tensorType.elemType, what)), dims))
                argNames.append(leaf.name)
                continue
            }
            var type = try Self.tensorType(leaf.type, name: leaf.name, what: what)
            if let dims = remainingOverrides.removeValue(forKey: leaf.name) {
                if leaf.type.tensorType.hasShape, type.rank != dims.count {
                    throw ImportError("--input-shape \(leaf.name) gives \(dims.count) dims, but the input has rank \(type.rank) (\(TypeText.type(type)))")
                }
                for (d, n) in zip(type.shape, dims) {
                    // A declared 0 is what some exporters write for an unknown size; a given
                    // size replaces it (a real empty input is given as 0 and agrees).
                    if let v = d.value, v != n, v != 0 {
                        throw ImportError("--input-shape \(leaf.name)=\(dims.map(String.init).joined(separator: "x")) contradicts the model's \(TypeText.type(type))")
                    }
                }
                type = TensorType(type.element, dims)
            }
            if let b = options.boundedInputs[leaf.name] {
                guard remainingOverrides[leaf.name] == nil, options.inputShapes[leaf.name] == nil else {
                    throw ImportError("--input-shape \(leaf.name) is given twice")
                }
                if leaf.type.tensorType.hasShape, type.rank != b.dims.count {
                    throw ImportError("--input-shape \(leaf.name) gives \(b.dims.count) dims, but the input has rank \(type.rank) (\(TypeText.type(type)))")
                }
                var shape: [Dim] = []
                for (axis, n) in b.dims.enumerated() {
                    let declared = axis < type.rank ? type.shape[axis] : .unknown
                    if b.ranged.contains(axis) {
                        if case .symbolic(let s) = declared, !s.isEmpty { shape.append(declared) } else { shape.append(.symbolic(b.symbol)) }
                    } else {
                        if let v = declared.value, v != n, v != 0 {
                            throw ImportError("--input-shape \(leaf.name): size \(n) in dim \(axis) contradicts the model's \(TypeText.type(type))")
                        }
                        shape.append(.known(n))
                    }
                }
                type = TensorType(type.element, shape)
            }
            argTypes.append(type)
            argNames.append(leaf.name)
        }
        if let unknown = (Array(remainingOverrides.keys) + options.boundedInputs.keys.filter { !leafNames.contains($0) }).sorted().first {
            throw ImportError("--input-shape names \"\(unknown)\", which is not a graph input (inputs: \(leafNames.map { "\"\($0)\"" }.joined(separator: ", ")))")
        }
        let f = Function(name: "main", argumentTypes: argTypes, argumentNames: argNames, resultTypes: [])
        for (i, name) in argNames.enumerated() {
            f.argumentAttributes[i]["name"] = .string(name)
            leafValues[name] = .value(f.arguments[i])
        }
        for structure in structures {
            guard values[structure.name] == nil else { throw ImportError("graph input \"\(structure.name)\" is listed twice") }
            values[structure.name] = structure.value(leafValues)
        }
        module.add(f)
        function = f
        builder = IRBuilder(function: f)

        // value_info: check that declared element types are ones edgec knows (types are re-inferred).
        for vi in graph.valueInfo where vi.type.isTensor {
            _ = try ONNXType.require(vi.type.tensorType.elemType, "value \"\(vi.name)\" (value_info)")
        }

        let order = try Self.topologicalOrder(graph, defined: Set(values.keys))
        try Self.checkSupport(graph.node, opset: opset)
        for index in order {
            try importNode(graph.node[index])
        }

        // Outputs: sequences and optionals flatten into their tensors, named like inputs.
        var results: [Value] = []
        var resultNames: [String] = []
        for out in graph.output {
            guard let v = values[out.name] else { throw ImportError("graph output \"\(out.name)\" is not produced by any node, input or initializer") }
            try Self.checkKind(v, declared: out.type, "graph output \"\(out.name)\"")
            for (name, leaf) in try GraphInputStructure.flatten(v, name: out.name) {
                results.append(try materialize(leaf, name: name))
                resultNames.append(name)
            }
        }
        f.setResultTypes(results.map(\.type))
        for (i, name) in resultNames.enumerated() { f.resultAttributes[i]["name"] = .string(name) }
        do {
            try builder.makeReturn(results)
        } catch {
            throw ImportError("graph outputs: \(error.message)")
        }
    }

    func importNode(_ node: Onnx_NodeProto) throws {
        let label = "node \"\(node.name.isEmpty ? node.output.first ?? "" : node.name)\" (\(node.opType), opset \(opset))"
        guard let (importer, version) = ONNXOps.lookup(node.opType, opset: opset) else {
            throw ImportError("\(label) is not supported")
        }
        do {
            let ctx = try NodeContext(node: node, version: version, opset: opset, graph: self)
            let results = try importer.run(ctx)
            let named = node.output
            guard results.count >= named.filter({ !$0.isEmpty }).count || results.count >= named.count else {
                throw ImportError("produces \(results.count) outputs but the node names \(named.count)")
            }
            for (i, name) in named.enumerated() where !name.isEmpty {
                guard i < results.count else { throw ImportError("output #\(i) \"\(name)\" is not supported") }
                guard values[name] == nil else { throw ImportError("output \"\(name)\" is already defined") }
                values[name] = results[i]
                if case .value(let v) = results[i], v.nameHint == nil || v.definingOp?.name != "edge.constant" {
                    v.nameHint = name
                }
            }
        } catch let e as ImportError {
            throw ImportError("\(label): \(e.message)")
        }
    }

    /// The node indices in an order where every input is defined first; errors name
    /// undefined inputs and cycles by node.
    static func topologicalOrder(_ graph: Onnx_GraphProto, defined: Set<String>) throws -> [Int] {
        var producer: [String: Int] = [:]
        for (i, n) in graph.node.enumerated() {
            for o in n.output where !o.isEmpty {
                if defined.contains(o) { throw ImportError("node \(describe(n, i)) redefines \"\(o)\", which is a graph input or initializer") }
                if let j = producer[o] { throw ImportError("nodes \(describe(graph.node[j], j)) and \(describe(n, i)) both define \"\(o)\"") }
                producer[o] = i
            }
        }
        var pending = [Int](repeating: 0, count: graph.node.count)
        var consumers = [[Int]](repeating: [], count: graph.node.count)
        for (i, n) in graph.node.enumerated() {
            // A node with subgraphs (If, Loop, Scan) also depends on the outer values they read.
            for input in Set(n.input).union(outerReferences(n)) where !input.isEmpty && !defined.contains(input) {
                guard let p = producer[input] else {
                    throw ImportError("node \(describe(n, i)) uses \"\(input)\", which no node, graph input or initializer defines")
                }
                pending[i] += 1
                consumers[p].append(i)
            }
        }
        var ready = (0..<graph.node.count).filter { pending[$0] == 0 }.reversed() as [Int]
        var order: [Int] = []
        order.reserveCapacity(graph.node.count)
        while let i = ready.popLast() {
            order.append(i)
            for c in consumers[i].reversed() {
                pending[c] -= 1
                if pending[c] == 0 { ready.append(c) }
            }
        }
        if order.count < graph.node.count {
            let stuck = (0..<graph.node.count).filter { pending[$0] > 0 }
            throw ImportError("the graph has a cycle through \(stuck.count) node\(stuck.count == 1 ? "" : "s"), e.g. node \(describe(graph.node[stuck[0]], stuck[0]))")
        }
        return order
    }

    static func describe(_ n: Onnx_NodeProto, _ index: Int) -> String {
        n.name.isEmpty ? "#\(index) (\(n.opType))" : "\"\(n.name)\" (\(n.opType))"
    }

    /// Fails listing every unsupported op type once, with its count, opset and first node names.
    static func checkSupport(_ nodes: [Onnx_NodeProto], opset: Int) throws {
        var missing: [String: (count: Int, names: [String], label: String)] = [:]
        var order: [String] = []
        for (i, n) in nodes.enumerated() {
            let isDefault = n.domain.isEmpty || n.domain == "ai.onnx"
            if isDefault, ONNXOps.lookup(n.opType, opset: opset) != nil { continue }
            let key = isDefault ? n.opType : "\(n.domain).\(n.opType)"
            let label: String
            if !isDefault { label = "\(key) (domain \(n.domain))" }
            else if onnxSchemaVersions[n.opType] == nil { label = "\(key) (not an ONNX operator)" }
            else if let v = ONNXOps.schemaVersion(n.opType, opset: opset) { label = "\(key) (opset \(opset), definition \(v))" }
            else { label = "\(key) (does not exist in opset \(opset))" }
            if missing[key] == nil { order.append(key); missing[key] = (0, [], label) }
            missing[key]!.count += 1
            if missing[key]!.names.count < 3 { missing[key]!.names.append(n.name.isEmpty ? "#\(i)" : n.name) }
        }
        guard !order.isEmpty else { return }
        let total = missing.values.reduce(0) { $0 + $1.count }
        let parts = order.map { k -> String in
            let m = missing[k]!
            let names = m.names.map { "\"\($0)\"" }.joined(separator: ", ") + (m.count > m.names.count ? ", ..." : "")
            return "\(m.label) ×\(m.count) at \(names)"
        }
        throw ImportError("\(total) node\(total == 1 ? " uses an op" : "s use ops") edgec does not support: \(parts.joined(separator: "; "))")
    }

    /// The Edge IR type of a graph input (or a tensor leaf of a sequence input) named `name`;
    /// symbolic dims keep their names.
    static func tensorType(_ type: Onnx_TypeProto, name: String, what: String) throws -> TensorType {
        guard type.isTensor else { throw ImportError("\(what) is not a tensor") }
        let t = type.tensorType
        let element = try ONNXType.require(t.elemType, what)
        guard t.hasShape else { throw ImportError("\(what) has no shape; give one with --input-shape \(name)=...") }
        let dims: [Dim] = try t.shape.dim.map { d throws in
            switch d.value {
            case .dimValue(let v)?:
                // Exporters (PaddlePaddle among them) write -1 for a size they do not know:
                // an anonymous dim, fixed with --input-shape like any symbolic one.
                if v < 0 { return .unknown }
                guard let n = Int(exactly: v) else { throw ImportError("\(what) has dimension \(v)") }
                return .known(n)
            case .dimParam(let p)?:
                let name = NameSanitizer.dim(p)
                return name.isEmpty ? .unknown : .symbolic(name)
            case nil: return .unknown
            }
        }
        return TensorType(.scalar(element), dims)
    }
}

/// Turns ONNX symbolic dim names into IR identifiers (`batch_size`, `?seq`).
enum NameSanitizer {
    static func dim(_ p: String) -> String {
        var out = ""
        for (i, c) in p.unicodeScalars.enumerated() {
            let ok = c == "_" || (c.properties.isAlphabetic && c.isASCII) || (i > 0 && c.properties.numericType != nil && c.isASCII)
            out.unicodeScalars.append(ok ? c : "_")
        }
        if let f = out.unicodeScalars.first, f.properties.numericType != nil { out = "_" + out }
        return out
    }
}

extension Onnx_TypeProto {
    /// Whether the type is a tensor type (not a sequence, map, optional or sparse tensor).
    var isTensor: Bool {
        if case .tensorType? = value { return true }
        return false
    }
}
