import EdgeIR
import EdgeProgram

extension PortableLowering {
    /// `edge.delegate_call`: one `DelegateCall` instruction of the callee's payload whose
    /// arguments are the call's inputs in order, then its outputs (planned tensors the delegate
    /// writes), as ExecuTorch emits it.
    mutating func delegateCall(_ op: Operation) throws(Unsupported) {
        guard case .symbol(let callee)? = op.attribute("callee") else { throw Unsupported("no callee") }
        guard let delegate = delegates[callee] else {
            let backend = function.module?.function(named: callee)?.attributes["backend"]?.stringValue
            throw Unsupported("@\(callee) is a partition for \(backend.map { "the \($0) delegate" } ?? "a delegate"); compile with a backend that has it (--backend arm-cpu)")
        }
        let inputs = op.presentOperands.map(t)
        var outputs: [Int32] = []
        for r in op.results { outputs.append(try out(r, quantizedAsStorage: true)) }
        builder.delegateCall(delegate, args: inputs + outputs)
    }
}
