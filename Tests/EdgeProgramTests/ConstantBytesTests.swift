import Testing
@testable import EdgeProgram

/// ``Program/constantByteCount``: weights counted wherever the program stores them.
@Suite struct ConstantBytesTests {
    /// A payload with `floats` in its own constant region and one named constant of `named` bytes.
    static func payload(floats: [Float], named: (String, Int)?) throws -> [UInt8] {
        var g = XNNGraph()
        let x = g.addTensor(dims: [UInt32(floats.count)], external: .input(0))
        let w = g.addTensor(dims: [UInt32(floats.count)], constant: g.addConstant(floats: floats))
        let y = g.addTensor(dims: [UInt32(floats.count)], external: .output(1))
        if let (key, size) = named {
            let n = g.addTensor(dims: [UInt32(size / 4)], constant: g.addNamedConstant(key: key, size: size))
            let t = g.addTensor(dims: [UInt32(floats.count)])
            g.addNode(XNode(.add, .node2x1(XNNNode2x1(input1: x, input2: w, output: t))))
            g.addNode(XNode(.add, .node2x1(XNNNode2x1(input1: t, input2: n, output: y))))
        } else {
            g.addNode(XNode(.add, .node2x1(XNNNode2x1(input1: x, input2: w, output: y))))
        }
        return try g.serialize()
    }

    @Test func countsBuffersNamedDataAndPayloadConstants() throws {
        let a = BackendDelegate(id: BackendDelegate.xnnpackID, processed: try Self.payload(floats: [1, 2, 3], named: ("k", 12)))
        let other = BackendDelegate(id: "SomeBackend", processed: [1, 2, 3, 4])
        let plan = ExecutionPlan(delegates: [a, a, other])   // the same payload twice: stored once, counted once
        let program = Program(plans: [plan], constantBuffers: [[], [0, 0, 0, 0]], namedData: [NamedData(key: "k", data: [UInt8](repeating: 0, count: 12))])
        #expect(program.constantByteCount == 4 + 12 + 12)
        let c = Program.delegateConstants(a)
        #expect(c.inPayload == 12)
        #expect(c.named.map(\.key) == ["k"] && c.named.map(\.bytes) == [12])
        #expect(Program.delegateConstants(other).inPayload == 0)
    }
}
