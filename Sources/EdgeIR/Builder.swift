import Foundation

/// Creates operations in a function at an insertion point, inferring their result types.
/// Importers build IR with it; passes use its subclass ``Rewriter``.
public class IRBuilder {
    public let function: Function
    /// New ops go before this op; nil appends at the end of the body.
    public var insertionPoint: Operation?
    /// The location given to ops created without one.
    public var location: Location = .unknown
    /// Constants up to this many bytes are stored inline, larger ones as blobs.
    public var inlineConstantLimit = 64

    public init(function: Function) {
        self.function = function
    }

    /// Inserts new ops before `op`.
    public func setInsertionPoint(before op: Operation) { insertionPoint = op }
    /// Appends new ops at the end of the body (before nothing).
    public func setInsertionPointToEnd() { insertionPoint = nil }

    /// Creates an op after checking operands and attributes against its declaration and
    /// inferring its result types. `resultTypes` is needed only by ops whose types cannot be
    /// inferred (constants) or to refine anonymous dimensions.
    @discardableResult
    public func create(
        _ definition: OpDefinition, _ operands: [Value?], attributes: [String: Attribute] = [:],
        resultTypes: [TensorType]? = nil, location: Location? = nil
    ) throws(OpError) -> Operation {
        let types = try definition.resultTypes(operands.map { $0?.type }, attributes: attributes, resultTypes: resultTypes,
                                               blobs: function.module?.blobs, callees: function.module?.signatures)
        let op = Operation(definition: definition, operands: operands, resultTypes: types,
                           attributes: attributes, location: location ?? self.location)
        function.body.insert(op, before: insertionPoint)
        didCreate(op)
        return op
    }

    /// Creates a one-result op and returns its result.
    public func value(
        _ definition: OpDefinition, _ operands: [Value?], attributes: [String: Attribute] = [:],
        location: Location? = nil
    ) throws(OpError) -> Value {
        try create(definition, operands, attributes: attributes, location: location).result
    }

    /// A constant holding `bytes` (little-endian elements of `type`): inline when small,
    /// otherwise a blob named after `name` in the module's blob store.
    public func constant(_ bytes: Data, type: TensorType, name: String, location: Location? = nil) throws(OpError) -> Value {
        let value: DenseElements
        if bytes.count <= inlineConstantLimit {
            value = .inline(Array(bytes))
        } else {
            guard let module = function.module else { throw OpError("large constants need the function to be in a module") }
            let blobName = module.blobs.uniqueName(name)
            module.blobs.set(blobName, bytes)
            value = .blob(blobName)
        }
        let op = try create(Ops.constant, [], attributes: ["value": .dense(value)], resultTypes: [type], location: location)
        op.result.nameHint = NameTable.sanitize(name).isEmpty ? nil : NameTable.sanitize(name)
        return op.result
    }

    /// Ends the body with `return values`.
    @discardableResult
    public func makeReturn(_ values: [Value]) throws(OpError) -> Operation {
        try create(Ops.return, values)
    }

    /// Hook for change tracking.
    func didCreate(_ op: Operation) {}
}

/// The only way passes change IR: every mutation goes through here and is counted, so the
/// pass manager knows whether a pass changed anything (`--print-ir-after-change`).
public final class Rewriter: IRBuilder {
    /// Number of changes made through this rewriter.
    public private(set) var changeCount = 0

    public var changed: Bool { changeCount > 0 }

    override func didCreate(_ op: Operation) { changeCount += 1 }

    /// Points every use of `old` at `new`.
    public func replaceAllUses(of old: Value, with new: Value) {
        guard old !== new else { return }
        for use in old.useList {
            use.user.setOperand(use.operandIndex, new)
            changeCount += 1
        }
    }

    /// Replaces the results of `op` with `values` everywhere, then erases `op`.
    public func replace(_ op: Operation, with values: [Value]) {
        precondition(values.count == op.results.count, "replacement must provide one value per result")
        for (old, new) in zip(op.results, values) { replaceAllUses(of: old, with: new) }
        erase(op)
    }

    /// Removes `op`, which must have no remaining uses of its results.
    public func erase(_ op: Operation) {
        precondition(op.results.allSatisfy { !$0.hasUses }, "erasing \(op.name) whose results are still used")
        if insertionPoint === op { insertionPoint = op.nextInBlock }
        op.dropOperandUses()
        op.block?.remove(op)
        changeCount += 1
    }

    /// Sets (or, with nil, removes) an attribute.
    public func setAttribute(_ name: String, _ value: Attribute?, on op: Operation) {
        guard op.attributes[name] != value else { return }
        op.attributes[name] = value
        changeCount += 1
    }

    /// Moves `op` (already in this function) to just before `before`, or to the end of the
    /// body when nil. The caller keeps definitions before uses.
    public func move(_ op: Operation, before: Operation?) {
        if let before {
            if op === before || op.nextInBlock === before { return }
        } else if op.nextInBlock == nil {
            return
        }
        if insertionPoint === op { insertionPoint = op.nextInBlock }
        function.body.remove(op)
        function.body.insert(op, before: before)
        changeCount += 1
    }

    /// Replaces operand `index` of `op`.
    public func setOperand(_ index: Int, of op: Operation, to value: Value?) {
        guard op.operand(index) !== value else { return }
        op.setOperand(index, value)
        changeCount += 1
    }
}
