import EdgeIR
import Foundation

/// Builds `@main` from one exported program: signature, constants, then one lowering per node.
final class GraphImporter {
    let program: TorchExportedProgram
    var payloads: TensorPayloads
    let options: TorchImportOptions
    let module: Module
    /// IR values of the graph's tensors, by torch name. A node output edgec does not
    /// produce (e.g. batch norm's saved statistics) maps to nil.
    var values: [String: Value?] = [:]
    /// Symbolic integers (`sym_size` results), by torch name.
    var symbols: [String: Dim] = [:]
    /// Symbols fixed to a size (from input shapes or upper bounds).
    var bindings: [String: Int] = [:]
    /// Metadata of the tensors of the graph being imported (`@main`'s, or a branch's).
    var tensorValues: [String: TorchTensorMeta]

    init(program: TorchExportedProgram, payloads: TensorPayloads, options: TorchImportOptions, moduleName: String) throws(TorchImportError) {
        self.program = program
        self.payloads = payloads
        self.options = options
        self.module = Module(name: moduleName)
        tensorValues = program.tensorValues
    }

    // MARK: Types

    /// The Edge IR dimension of a torch size, after bindings.
    func dim(_ s: TorchSymInt) -> Dim {
        switch s {
        case .int(let v): return .known(Int(v))
        case .expr:
            guard let name = s.symbolName else { return .unknown }
            if let v = bindings[name] { return .known(v) }
            return .symbolic(name)
        }
    }

    /// The Edge IR type of the graph tensor `name`, from its metadata.
    func metaType(_ name: String) throws(TorchImportError) -> TensorType {
        guard let meta = tensorValues[name] else {
            throw TorchImportError("tensor '\(name)' has no entry in the graph's tensor_values")
        }
        guard let element = TorchDType.element(meta.dtype) else {
            throw TorchImportError("tensor '\(name)' has dtype \(TorchDType.name(meta.dtype)), which edgec does not support")
        }
        for case .int(let v) in meta.sizes where v < 0 {
            throw TorchImportError("tensor '\(name)' has the negative size \(v) in its metadata")
        }
        return TensorType(.scalar(element), meta.sizes.map(dim))
    }

    // MARK: Symbols

    /// Binds symbols from `--input-shape` and, when asked, the remaining ones to their upper bounds.
    func bindSymbols(userInputs: [String]) throws(TorchImportError) {
        // The symbols at bounded axes stay free; the bounded inputs' other dims bind as given.
        var kept = Set<String>()
        var shapes = options.inputShapes
        for (name, b) in options.boundedInputs.sorted(by: { $0.key < $1.key }) {
            guard let meta = program.tensorValues[name], meta.sizes.count == b.dims.count else {
                throw TorchImportError("--input-shape \(name): the model has no input of that name and rank \(b.dims.count)")
            }
            for (axis, range) in b.ranges.sorted(by: { $0.key < $1.key }) {
                guard let sym = meta.sizes[axis].symbolName else {
                    throw TorchImportError("--input-shape \(name): dim \(axis) is a range, but the model was exported with \(meta.sizes[axis]) there (a range needs a dynamic dim of the export)")
                }
                try check(sym, range.lowerBound, source: "--input-shape for '\(name)'")
                try check(sym, range.upperBound, source: "--input-shape for '\(name)'")
                kept.insert(sym)
            }
            // Only the static axes are bound; a ranged axis gets a placeholder skipped below.
            shapes[name] = b.dims.enumerated().map { b.ranges[$0.offset] == nil ? $0.element : -1 }
        }
        for (name, shape) in shapes.sorted(by: { $0.key < $1.key }) {
            guard userInputs.contains(name) else {
                throw TorchImportError("--input-shape names '\(name)', which is not an input of the model (inputs: \(userInputs.joined(separator: ", ")))")
            }
            guard let meta = program.tensorValues[name] else { continue }
            guard meta.sizes.count == shape.count else {
                throw TorchImportError("--input-shape gives '\(name)' rank \(shape.count) (\(shape)), but the model's input has rank \(meta.sizes.count)")
            }
            for (i, (s, v)) in zip(meta.sizes, shape).enumerated() where v >= 0 || options.boundedInputs[name] == nil {
                switch s {
                case .int(let k):
                    guard Int(k) == v else {
                        throw TorchImportError("--input-shape gives '\(name)' size \(v) in dim \(i), but the model was exported with the static size \(k) there")
                    }
                case .expr:
                    guard let sym = s.symbolName else {
                        throw TorchImportError("dim \(i) of input '\(name)' is the expression \(s); edgec can fix only plain symbols")
                    }
                    if let old = bindings[sym], old != v {
                        throw TorchImportError("--input-shape sets symbol \(sym) to both \(old) and \(v)")
                    }
                    try check(sym, v, source: "--input-shape for '\(name)'")
                    bindings[sym] = v
                }
            }
        }
        guard options.fixSymbolsToUpperBound else { return }
        var free = Set<String>()
        for name in userInputs {
            for s in program.tensorValues[name]?.sizes ?? [] {
                if let sym = s.symbolName, bindings[sym] == nil, !kept.contains(sym) { free.insert(sym) }
            }
        }
        for sym in free.sorted() {
            guard let hi = program.rangeConstraints[sym]?.max else {
                throw TorchImportError("symbol \(sym) has no upper bound to fix it to; give the input's size with --input-shape")
            }
            bindings[sym] = Int(hi)
        }
    }

    /// Checks a value for `symbol` against the range the model was exported for.
    func check(_ symbol: String, _ value: Int, source: String) throws(TorchImportError) {
        guard let r = program.rangeConstraints[symbol] else { return }
        if (r.min.map { value < $0 } ?? false) || (r.max.map { value > $0 } ?? false) {
            throw TorchImportError("\(source): \(symbol) = \(value) is outside the range the model was exported for [\(r.min.map(String.init) ?? "0"), \(r.max.map(String.init) ?? "inf")]")
        }
    }

    // MARK: Run

    func run() throws(TorchImportError) -> Module {
        // Unknown targets first, all at once, before any IR is built.
        var unknown: [String] = []
        for node in program.nodes where ATenTable.lowering(for: node.target) == nil {
            unknown.append("  \(node.name): \(ATenTable.shortName(node.target))\(location(of: node).map { " (\($0))" } ?? "")")
        }
        if !unknown.isEmpty {
            let distinct = Set(program.nodes.map(\.target).filter { ATenTable.lowering(for: $0) == nil }).count
            throw TorchImportError("\(unknown.count) node\(unknown.count == 1 ? " uses an operator" : "s use operators") edgec cannot import (\(distinct) distinct):\n" + unknown.joined(separator: "\n") + "\nsee docs/torch.md for the supported ATen operators")
        }
        for (name, kind) in program.inputs {
            if case .unsupported(let what) = kind {
                throw TorchImportError("input '\(name)' is \(what), which edgec cannot import")
            }
        }
        for (name, kind) in program.outputs where kind != "user_output" {
            throw TorchImportError("output '\(name)' is a \(kind.replacingOccurrences(of: "_", with: " ")); edgec imports inference programs whose outputs are all user outputs (export the model in eval mode without in-place buffer updates)")
        }

        let userInputs = program.inputs.filter { $0.kind == .userInput }.map(\.name)
        try bindSymbols(userInputs: userInputs)

        // Signature.
        let argTypes = try userInputs.map { n throws(TorchImportError) in try metaType(n) }
        let outNames = program.outputs.map(\.name)
        let resultTypes = try outNames.map { n throws(TorchImportError) in try metaType(n) }
        let main = Function(name: "main", argumentTypes: argTypes, argumentNames: userInputs, resultTypes: resultTypes)
        for (i, n) in userInputs.enumerated() { main.argumentAttributes[i]["name"] = .string(n) }
        module.add(main)
        let b = Rewriter(function: main)
        for (i, n) in userInputs.enumerated() { values[n] = main.arguments[i] }

        // Module attributes: provenance and symbol ranges.
        module.attributes["source"] = .string("torch.export")
        if let v = program.torchVersion { module.attributes["torch_version"] = .string(v) }
        for (sym, r) in program.rangeConstraints {
            module.attributes["torch.range.\(sym)"] = .ints([r.min ?? 0, r.max ?? -1])
        }
        for (sym, v) in bindings { module.attributes["torch.fixed.\(sym)"] = .int(Int64(v)) }

        // Parameters, buffers and constants.
        for (name, kind) in program.inputs {
            let fqn: String
            switch kind {
            case .parameter(let t), .buffer(let t, _), .tensorConstant(let t): fqn = t
            case .userInput, .unsupported: continue
            case .constantInput: values[name] = nil; continue
            }
            let type = try metaType(name)
            guard type.staticShape != nil else {
                throw TorchImportError("'\(fqn)' (input '\(name)') has symbolic size \(TypeText.type(type))")
            }
            let bytes = try payloads.bytes(of: fqn, expected: type, placeholder: name)
            do {
                values[name] = try b.constant(bytes, type: type, name: fqn, location: .name(fqn))
            } catch {
                throw TorchImportError("'\(fqn)': \(error.message)")
            }
        }

        try importNodes(program.nodes, builder: b)

        // Results.
        var outs: [Value] = []
        for (name, type) in zip(outNames, resultTypes) {
            guard let v = values[name] ?? nil else {
                throw TorchImportError("output '\(name)' is not a tensor edgec produced")
            }
            guard v.type == type else {
                throw TorchImportError("output '\(name)' is \(TypeText.type(type)) in torch's metadata but edgec computes \(TypeText.type(v.type))")
            }
            outs.append(v)
        }
        do {
            try b.makeReturn(outs)
        } catch {
            throw TorchImportError("return: \(error.message)")
        }
        for (i, n) in outNames.enumerated() { main.resultAttributes[i]["name"] = .string(n) }
        do {
            try Verifier.verify(module)
        } catch {
            throw TorchImportError("the imported IR does not verify (an edgec bug; please report it):\n\(error)")
        }
        return module
    }

    /// Imports `nodes` with `builder`. An in-place op (`relu_`) is lowered as its functional form and its input's
        // name is rebound to the result, which is exact unless a view shares the input.
    func importNodes(_ nodes: [TorchNode], builder b: Rewriter) throws(TorchImportError) {
        var aliased = Set<String>()
        // Names of one tensor updated in place: `relu_(y)` returns `relu_`, which is `y`.
        var sameTensor: [String: [String]] = [:]
        for node in nodes {
            let short = ATenTable.shortName(node.target)
            let inputNames = node.inputs.compactMap { input -> String? in
                if case .tensor(let t) = input.value { return t }
                return nil
            }
            let inPlaceTarget = ATenTable.lowerings[short] == nil ? inputNames.first : nil
            if let target = inPlaceTarget {
                guard !aliased.contains(target), values[target] != nil else {
                    throw TorchImportError("node '\(node.name)' (\(short))\(location(of: node).map { " at \($0)" } ?? ""): an in-place update of '\(target)', which shares memory with another tensor (a view, an input or a weight), is not supported; functionalize the program with ep.run_decompositions() before torch.export.save")
                }
                if program.inputs.contains(where: { $0.name == target }) {
                    throw TorchImportError("node '\(node.name)' (\(short)): updates the program input '\(target)' in place; edgec imports programs that do not mutate their inputs or weights")
                }
            }
            if ATenTable.viewTargets.contains(short) {
                aliased.formUnion(inputNames.prefix(1))
                for case .tensor(let n) in node.outputs { aliased.insert(n) }
                for case .tensors(let ns) in node.outputs { aliased.formUnion(ns) }
            }
            guard let lowering = ATenTable.lowering(for: node.target) else {
                throw TorchImportError("node '\(node.name)' uses \(ATenTable.shortName(node.target)), an operator edgec cannot import\(location(of: node).map { " (\($0))" } ?? ""); see docs/torch.md for the supported ATen operators")
            }
            var call = ATenCall(node: node, importer: self, builder: b, location: irLocation(of: node))
            let results: [Value?]
            do {
                results = try lowering.lower(&call)
            } catch {
                throw TorchImportError("node '\(node.name)' (\(ATenTable.shortName(node.target)))\(location(of: node).map { " at \($0)" } ?? ""): \(error.message)")
            }
            try bind(node, results, call: call)
            if let target = inPlaceTarget, let first = results.first {
                var names = sameTensor[target] ?? [target]
                if case .tensor(let out)? = node.outputs.first, !names.contains(out) { names.append(out) }
                for n in names {
                    values[n] = first
                    sameTensor[n] = names
                }
            }
        }
    }

    /// Imports branch `graph` of a higher-order op as a new function `name_N` of the module.
    /// Its inputs are bound to `operands` in order: a constant is copied into the function, any
    /// other operand becomes an argument (the same list for both branches of a cond).
    func importSubgraph(_ graph: TorchSubgraph, operands: [Value], name: String) throws(TorchImportError) -> Function {
        guard graph.inputs.count == operands.count else {
            throw TorchImportError("graph '\(graph.name)' takes \(graph.inputs.count) inputs but is given \(operands.count)")
        }
        let arguments = operands.filter { !($0.definingOp.map(Outlining.isConstantLike) ?? false) }
        let f = Function(name: module.uniqueFunctionName(name), argumentTypes: arguments.map(\.type), argumentNames: arguments.map(\.nameHint), resultTypes: [])
        module.add(f)
        let b = Rewriter(function: f)
        let inputs = try Self.localOperands(operands, arguments: f.arguments, builder: b, what: "graph '\(graph.name)'")
        let outs = try inlineGraph(graph, inputs: inputs, builder: b)
        f.setResultTypes(outs.map(\.type))
        do { try b.makeReturn(outs) } catch { throw TorchImportError("graph '\(graph.name)' return: \(error.message)") }
        return f
    }

    /// `operands` as values of the function `builder` builds: a constant is copied in, every
    /// other operand is the next of `arguments` (so `arguments` are the non-constant operands, in order).
    static func localOperands(_ operands: [Value], arguments: [Value], builder b: Rewriter, what: String) throws(TorchImportError) -> [Value] {
        var next = 0, out: [Value] = []
        for operand in operands {
            if let d = operand.definingOp, Outlining.isConstantLike(d) {
                do {
                    let copy = try b.create(d.definition, [], attributes: d.attributes, resultTypes: [operand.type], location: d.location)
                    copy.result.nameHint = operand.nameHint
                    out.append(copy.result)
                } catch {
                    throw TorchImportError("\(what) input '\(operand.nameHint ?? "#\(out.count)")': \(error.message)")
                }
            } else {
                out.append(arguments[next])
                next += 1
            }
        }
        return out
    }

    /// Imports the nodes of `graph` with `builder` (into its function), its inputs bound to
    /// `inputs`, and returns its outputs.
    func inlineGraph(_ graph: TorchSubgraph, inputs: [Value], builder b: Rewriter) throws(TorchImportError) -> [Value] {
        guard graph.inputs.count == inputs.count else {
            throw TorchImportError("graph '\(graph.name)' takes \(graph.inputs.count) inputs but is given \(inputs.count)")
        }
        let (outerValues, outerMeta) = (values, tensorValues)
        defer { (values, tensorValues) = (outerValues, outerMeta) }
        values = [:]
        tensorValues = graph.tensorValues
        for (input, v) in zip(graph.inputs, inputs) { values[input] = v }
        do {
            try importNodes(graph.nodes, builder: b)
        } catch {
            throw TorchImportError("in graph '\(graph.name)': \(error.message)")
        }
        var outs: [Value] = []
        for name in graph.outputs {
            guard let v = values[name] ?? nil else { throw TorchImportError("graph '\(graph.name)' output '\(name)' is not a tensor edgec produced") }
            outs.append(v)
        }
        return outs
    }


    /// Records a node's results under its output names, checking each against the metadata.
    func bind(_ node: TorchNode, _ results: [Value?], call: ATenCall) throws(TorchImportError) {
        var names: [String?] = []
        for out in node.outputs {
            switch out {
            case .tensor(let n): names.append(n)
            case .tensors(let ns): names += ns.map { Optional($0) }
            case .symInt(.name(let n)): names.append(nil); _ = n
            case .none: names.append(nil)
            default: names.append(nil)
            }
        }
        if case .symInt = node.outputs.first { return }  // sym_size: recorded by its lowering
        guard results.count == names.count else {
            throw TorchImportError("node '\(node.name)' (\(ATenTable.shortName(node.target))): the lowering gave \(results.count) results for \(names.count) outputs (an edgec bug)")
        }
        for (value, name) in zip(results, names) {
            guard let name else { continue }
            values[name] = value
            guard let v = value, tensorValues[name] != nil else { continue }
            let expected = try metaType(name)
            if let problem = Self.mismatch(v.type, expected) {
                throw TorchImportError("node '\(node.name)' (\(ATenTable.shortName(node.target)))\(location(of: node).map { " at \($0)" } ?? ""): torch's metadata says output '\(name)' is \(TypeText.type(expected)) but edgec infers \(TypeText.type(v.type)) (\(problem))")
            }
        }
    }

    /// Why an inferred type contradicts torch's metadata, or nil when they agree.
    static func mismatch(_ inferred: TensorType, _ meta: TensorType) -> String? {
        guard inferred.element == meta.element else { return "element types differ" }
        guard inferred.rank == meta.rank else { return "ranks differ" }
        for (i, (a, m)) in zip(inferred.shape, meta.shape).enumerated() {
            switch (a, m) {
            case (.known(let x), .known(let y)) where x != y: return "dim \(i): \(x) vs \(y)"
            case (.symbolic(let s), .known(let y)) where !s.isEmpty: return "dim \(i): ?\(s) vs \(y)"
            default: continue
            }
        }
        return nil
    }

    /// The type an op result should carry: `inferred`, with anonymous dims filled in from torch's metadata.
    static func refined(_ inferred: TensorType, by meta: TensorType) -> TensorType? {
        guard inferred.element == meta.element, inferred.rank == meta.rank else { return nil }
        var shape = inferred.shape
        var changed = false
        for i in shape.indices where shape[i] == .unknown && meta.shape[i] != .unknown {
            shape[i] = meta.shape[i]
            changed = true
        }
        return changed ? TensorType(inferred.element, shape) : nil
    }

    // MARK: Locations

    /// The user's Python frame for a node: the first frame of its stack trace outside torch itself.
    static func userFrame(_ trace: String) -> (file: String, line: Int)? {
        var frames: [(String, Int)] = []
        for raw in trace.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix("File \""), let close = line.dropFirst(6).firstIndex(of: "\"") else { continue }
            let file = String(line[line.index(line.startIndex, offsetBy: 6)..<close])
            guard let r = line.range(of: ", line ") else { continue }
            let digits = line[r.upperBound...].prefix { $0.isNumber }
            guard let n = Int(digits) else { continue }
            frames.append((file, n))
        }
        let isTorch: (String) -> Bool = { $0.contains("/site-packages/torch/") || $0.hasPrefix("torch/") || $0.contains("/torch/fx/") }
        return frames.first { !isTorch($0.0) } ?? nil
    }

    /// `file:line` of a node's Python source, for messages.
    func location(of node: TorchNode) -> String? {
        guard let t = node.metadata["stack_trace"], let f = Self.userFrame(t) else { return nil }
        return "\(f.file):\(f.line)"
    }

    /// The IR location of a node: its name, fused with its Python source line when known.
    func irLocation(of node: TorchNode) -> Location {
        guard let t = node.metadata["stack_trace"], let f = Self.userFrame(t) else { return .name(node.name) }
        return .fused([.name(node.name), .file(f.file, line: f.line, column: 1)])
    }
}
