/// The argument and result types of a function, as an op that calls it sees them.
public struct FunctionSignature: Sendable, Hashable {
    public var arguments: [TensorType]
    public var results: [TensorType]

    public init(arguments: [TensorType], results: [TensorType]) {
        self.arguments = arguments
        self.results = results
    }

    public init(_ function: Function) {
        self.init(arguments: function.arguments.map(\.type), results: function.resultTypes)
    }
}

extension Ops {
    /// A call of an outlined function that a delegate (e.g. XNNPACK) executes as one unit.
    /// The backend lowers the callee to the delegate's payload and the call to one
    /// `DelegateCall` instruction whose arguments are the operands, then the results.
    public static let delegateCall = OpDefinition(
        "edge.delegate_call",
        summary: "Runs the function `callee` (a partition outlined for a delegate, marked `attributes {backend = ...}`) on the operands; its results are the callee's.",
        reference: "ExecuTorch DelegateCall instruction (program.fbs)",
        operands: [OperandSpec("inputs", .variadic, "the callee's arguments, in order")],
        attributes: [AttributeSpec("callee", .symbol, .required, "the function to run")],
        results: .variadic
    ) { ctx throws(OpError) in
        guard case .symbol(let name)? = ctx.attribute("callee") else { throw OpError("'callee' must be a function symbol") }
        let inputs = ctx.types("inputs")
        guard let callees = ctx.callees else {
            // Without the module (e.g. a detached builder) only the written types can be used.
            guard let declared = ctx.declaredResultTypes else { throw OpError("needs its result types written out or the module's functions") }
            return declared
        }
        guard let callee = callees[name] else { throw OpError("callee @\(name) is not a function of the module") }
        guard inputs.count == callee.arguments.count else {
            throw OpError("passes \(inputs.count) operand\(inputs.count == 1 ? "" : "s") but @\(name) takes \(callee.arguments.count)")
        }
        for (i, (given, expected)) in zip(inputs, callee.arguments).enumerated() where given != expected {
            throw OpError("operand #\(i) is \(TypeText.type(given)) but @\(name) takes \(TypeText.type(expected))")
        }
        return callee.results
    }
}
