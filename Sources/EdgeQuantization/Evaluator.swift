import EdgeIR
import EdgeKernels
import Foundation

/// Runs a function of Edge IR on concrete inputs, op by op, with each op's `evaluate:` facet —
/// the EdgeKernels kernels the runtime and constant folding run. Calibration and the
/// quantization report use it because it sees every value by its IR identity (a `.pte`'s
/// memory plan reuses buffers, so the interpreter cannot show intermediate tensors) and it
/// runs QDQ Edge IR directly (the quantize/dequantize facets), before any lowering exists.
///
/// A value's tensor is dropped after its last use, so memory stays at the program's live set.
public struct IREvaluator {
    public let function: Function
    private let order: [EdgeIR.Operation]
    /// For each op index, the values whose last use it is.
    private let releases: [[ObjectIdentifier]]

    public init(_ function: Function) {
        self.function = function
        order = function.body.operations
        var last: [ObjectIdentifier: Int] = [:]
        for (i, op) in order.enumerated() { for v in op.presentOperands { last[ObjectIdentifier(v)] = i } }
        var rel = Array(repeating: [ObjectIdentifier](), count: order.count)
        for (v, i) in last { rel[i].append(v) }
        releases = rel
    }

    /// The function's results on `inputs` (one per argument, checked against its type).
    /// `observe` sees every value that `wanted` accepts, as it is computed (arguments first).
    public func run(_ inputs: [Tensor], wanted: Set<ObjectIdentifier> = [], observe: (Value, Tensor) throws -> Void = { _, _ in }) throws -> [Tensor] {
        try run(inputs, wanted: wanted, observe: observe, depth: 0)
    }

    /// How deep `edge.if` branches may call branches.
    static let maxBranchDepth = 64
    /// The most iterations one `edge.loop` runs here before the evaluator calls it endless.
    public static let maxLoopIterations: Int64 = 1 << 24

    func run(_ inputs: [Tensor], wanted: Set<ObjectIdentifier>, observe: (Value, Tensor) throws -> Void, depth: Int) throws -> [Tensor] {
        guard inputs.count == function.arguments.count else {
            throw EvaluationFailure("the function takes \(function.arguments.count) inputs, got \(inputs.count)")
        }
        var env: [ObjectIdentifier: Tensor] = [:]
        for (i, (a, t)) in zip(function.arguments, inputs).enumerated() {
            guard t.dtype == a.type.element.storage, t.shape == a.type.staticShape else {
                throw EvaluationFailure("input \(i) (\(function.inputName(i) ?? "#\(i)")) is \(t.dtype.rawValue)\(t.shape), the model takes \(TypeText.type(a.type))")
            }
            env[ObjectIdentifier(a)] = t
            if wanted.contains(ObjectIdentifier(a)) { try observe(a, t) }
        }
        var outputs: [Tensor] = []
        for (i, op) in order.enumerated() {
            if op.definition === Ops.return {
                outputs = try op.presentOperands.map { v in try env[ObjectIdentifier(v)].orThrow("a returned value was not computed") }
                break
            }
            let results: [Tensor]
            if op.definition === Ops.constant {
                results = [try Self.constant(op)]
            } else if op.definition === Ops.conditional {
                // The branch the condition takes runs (its values observed like any other).
                let operands = try op.presentOperands.map { v in try env[ObjectIdentifier(v)].orThrow("\(op.diagnosticName): an operand was not computed") }
                let taken = operands[0].withView { $0.buffer(as: UInt8.self).allSatisfy { $0 != 0 } }
                let key = taken ? "then_branch" : "else_branch"
                guard let callee = op.attribute(key)?.symbolValue.flatMap({ function.module?.function(named: $0) }) else {
                    throw EvaluationFailure("\(op.diagnosticName): \(key) is not a function of the module")
                }
                guard depth < Self.maxBranchDepth else { throw EvaluationFailure("\(op.diagnosticName): branches call branches more than \(Self.maxBranchDepth) deep") }
                results = try IREvaluator(callee).run(Array(operands.dropFirst()), wanted: wanted, observe: observe, depth: depth + 1)
            } else if op.definition === Ops.loop {
                // Every iteration runs (each observed like any other value).
                let operands = try op.presentOperands.map { v in try env[ObjectIdentifier(v)].orThrow("\(op.diagnosticName): an operand was not computed") }
                guard let body = op.attribute("body")?.symbolValue.flatMap({ function.module?.function(named: $0) }) else {
                    throw EvaluationFailure("\(op.diagnosticName): body is not a function of the module")
                }
                guard depth < Self.maxBranchDepth else { throw EvaluationFailure("\(op.diagnosticName): loops and branches nest more than \(Self.maxBranchDepth) deep") }
                let trips = operands[0].int64s()[0]
                var running = operands[1].bools()[0]
                var carried = Array(operands.dropFirst(2).prefix(op.results.count))
                let invariant = Array(operands.dropFirst(2 + op.results.count))
                let evaluator = IREvaluator(body)
                var i: Int64 = 0
                while running, i < trips {
                    guard i < Self.maxLoopIterations else {
                        throw EvaluationFailure("\(op.diagnosticName): the loop ran \(Self.maxLoopIterations) iterations without ending")
                    }
                    let counter = try Tensor([i], shape: body.arguments[0].type.staticShape ?? [])
                    let flag = try Tensor([true], shape: body.arguments[1].type.staticShape ?? [])
                    let outs = try evaluator.run([counter, flag] + carried + invariant, wanted: wanted, observe: observe, depth: depth + 1)
                    running = outs[0].bools()[0]
                    carried = Array(outs.dropFirst())
                    i += 1
                }
                results = carried
            } else {
                let operands: [Tensor?] = try op.operands.map { v in
                    guard let v else { return nil }
                    return try env[ObjectIdentifier(v)].orThrow("\(op.diagnosticName): an operand was not computed")
                }
                do {
                    guard let r = try op.evaluate(operands) else { throw EvaluationFailure("\(op.diagnosticName) has no evaluation kernel") }
                    results = r
                } catch let e as EvaluationFailure {
                    throw e
                } catch {
                    throw EvaluationFailure("\(op.diagnosticName): \(error)")
                }
            }
            for (v, t) in zip(op.results, results) {
                env[ObjectIdentifier(v)] = t
                if wanted.contains(ObjectIdentifier(v)) { try observe(v, t) }
            }
            for v in releases[i] { env[v] = nil }
        }
        return outputs
    }

    /// The stored elements of an `edge.constant` (quantized constants as their integers).
    static func constant(_ op: EdgeIR.Operation) throws -> Tensor {
        let type = op.result.type
        guard let shape = type.staticShape, case .dense(let d)? = op.attribute("value") else {
            throw EvaluationFailure("\(op.diagnosticName): constant without static shape or data")
        }
        let bytes: [UInt8]
        switch d {
        case .inline(let b): bytes = b
        case .blob(let name):
            guard let data = op.block?.parentFunction?.module?.blobs[name] else { throw EvaluationFailure("blob \"\(name)\" is missing") }
            bytes = [UInt8](data)
        }
        return try Tensor(bytes: bytes, dtype: type.element.storage, shape: shape)
    }
}

/// A failure to evaluate a model, naming the op or input.
public struct EvaluationFailure: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension Optional {
    func orThrow(_ message: @autoclosure () -> String) throws -> Wrapped {
        guard let self else { throw EvaluationFailure(message()) }
        return self
    }
}

extension EdgeIR.Operation {
    /// Whether this op is an instance of `definition`.
    func isOp(_ definition: OpDefinition) -> Bool { self.definition === definition }
}
