import EdgeIR
import Foundation
import Testing

@testable import EdgeTorch

/// `nn.LSTM`, `nn.GRU`, `nn.RNN` in a streaming model (state in, state out): the training IR's
/// `aten.lstm.input`/`aten.gru.input`/`aten.rnn_relu.input` unroll into existing ops; the core
/// IR's own decomposition (with `aten.flip` for the reverse direction) imports too.
/// Numerics against eager PyTorch on both executors: Conformance/torch/compare.py.
@Suite struct RecurrentImportTests {
    @Test func streamingRecurrentLayersUnrollWithStateInAndOut() throws {
        let m = try importFixture("streaming_rnn")
        let f = try #require(m.mainFunction)
        // frames [2, 5, 6] (batch first), LSTM h and c [4, 2, 8], GRU h [1, 2, 5].
        #expect(f.arguments.map { TypeText.type($0.type) } == ["f32[2,5,6]", "f32[4,2,8]", "f32[4,2,8]", "f32[1,2,5]"])
        #expect(f.resultTypes.map(TypeText.type) == ["f32[5,2,4]", "f32[4,2,8]", "f32[4,2,8]", "f32[1,2,5]"])
        let ops = f.body.operations.map(\.name)
        // 2 layers × 2 directions × 5 steps of LSTM, 5 of GRU, 5 of RNN, each with one
        // recurrent product, plus one input projection per layer and direction.
        #expect(ops.filter { $0 == "edge.linear" }.count == (4 * 5 + 5 + 5) + (4 + 1 + 1))
        #expect(ops.contains("edge.relu") && ops.contains("edge.sigmoid") && ops.contains("edge.tanh"))
    }

    @Test func theCoreDecompositionWithFlipImports() throws {
        let m = try importFixture("streaming_rnn_core")
        let ops = try #require(m.mainFunction).body.operations.map(\.name)
        #expect(ops.contains("edge.index_select"))
    }
}

/// torch.cond (`higher_order.cond`): each branch graph becomes a function, the node an edge.if.
@Suite("torch.cond imports as edge.if")
struct TorchCondImportTests {
    @Test func nestedCondsBecomeBranchFunctions() throws {
        let module = try importFixture("cond_quiet")
        let main = try #require(module.mainFunction)
        let ifs = module.functions.flatMap { f in f.body.operations.filter { $0.definition === Ops.conditional }.map { (f.name, $0) } }
        #expect(ifs.count == 2, "the outer cond in @main, the inner one in its true branch")
        #expect(ifs.first { $0.0 == "main" } != nil)
        let outer = try #require(main.body.operations.first { $0.definition === Ops.conditional })
        let then = try #require(outer.attribute("then_branch")?.symbolValue.flatMap(module.function(named:)))
        #expect(then.body.operations.contains { $0.definition === Ops.conditional }, "the nested cond sits in the true branch")
        // The branches take the cond's operands; the linear layer's weights are copied in as constants.
        #expect(outer.presentOperands.count == 2)
        #expect(then.body.operations.contains { $0.definition === Ops.linear })
        try Verifier.verify(module)
    }
}

/// torch.while_loop (`higher_order.while_loop`): one edge.loop whose body runs body_fn and then
/// cond_fn on its results; cond_fn on the initial values sits in the caller.
/// Numerics against eager PyTorch on both executors: Conformance/torch/compare.py.
@Suite("torch.while_loop imports as edge.loop")
struct TorchWhileLoopImportTests {
    @Test func theBodyRunsBodyThenCondition() throws {
        let module = try importFixture("while_settle")
        let main = try #require(module.mainFunction)
        let loops = main.body.operations.filter { $0.definition === Ops.loop }
        #expect(loops.count == 1)
        let loop = try #require(loops.first)
        let body = try #require(loop.attribute("body")?.symbolValue.flatMap(module.function(named:)))
        #expect(module.functions.count == 2, "@main and the loop body: the graphs are inlined, not kept as functions")
        // Carried: the count, h, previous; results are theirs, the body returns the condition first.
        #expect(loop.results.map { TypeText.type($0.type) } == ["i64[]", "f32[1,4]", "f32[1,4]"])
        #expect(body.resultTypes.map(TypeText.type) == ["bool[]", "i64[]", "f32[1,4]", "f32[1,4]"])
        #expect(body.body.operations.contains { $0.definition === Ops.tanh }, "body_fn")
        #expect(body.body.operations.contains { $0.definition === Ops.lt }, "cond_fn after the body")
        // cond_fn on the initial values runs in @main, before the loop.
        let first = try #require(loop.operand(1)?.definingOp)
        #expect(first.block === main.body)
        // The trip limit is the largest int64 (torch.while_loop has none).
        let limit = try #require(loop.operand(0)?.definingOp)
        #expect(limit.definition === Ops.constant)
        try Verifier.verify(module)
    }
}
