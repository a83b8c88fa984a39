import Foundation
import Testing

@testable import EdgeIR

extension RoundTripTests {
    /// Uses the ops added with torch.export ingest (log_softmax, embedding).
    static func addTorchIngestOps(_ b: IRBuilder, image x: Value, features feat: Value) throws {
        _ = try b.value(Ops.logSoftmax, [feat], attributes: ["axis": .int(1)])
        let table = try b.constant(Data(count: 5 * 4 * 4), type: TensorType(.f32, [5, 4]), name: "emb.weight")
        let ids = try b.constant(Data([1, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0]), type: TensorType(.i64, [1, 2]), name: "ids")
        let e = try b.value(Ops.embedding, [table, ids])
        #expect(e.type == TensorType(.f32, [1, 2, 4]))
    }
}
