import EdgeProgram
import Foundation

/// Small programs and fixtures shared by the EdgeProgram tests.
enum Samples {
    /// `y = relu(x + w)` on f32[2,3], with `w` a constant; names on inputs and outputs.
    static var addRelu: Program {
        let weight = (0 ..< 6).flatMap { withUnsafeBytes(of: Float($0).bitPattern.littleEndian, Array.init) }
        var plan = ExecutionPlan()
        plan.values = [
            .tensor(TensorValue(scalarType: .float, sizes: [2, 3], allocation: Allocation(memoryID: 1, offset: 0))),
            .tensor(TensorValue(scalarType: .float, sizes: [2, 3], dataBufferIndex: 1)),
            .int(1),
            .tensor(TensorValue(scalarType: .float, sizes: [2, 3], allocation: Allocation(memoryID: 1, offset: 32))),
            .tensor(TensorValue(scalarType: .float, sizes: [2, 3], allocation: Allocation(memoryID: 1, offset: 0))),
            .null, .double(0.5), .bool(true), .intList([2, 2]), .tensorList([0, 1]), .string("none"),
        ]
        plan.operators = [Operator(name: "aten::add", overload: "out"), Operator(name: "aten::relu", overload: "out")]
        plan.instructions = [.kernelCall(opIndex: 0, args: [0, 1, 2, 3, 3]), .kernelCall(opIndex: 1, args: [3, 4, 4])]
        plan.inputs = [0]
        plan.outputs = [4]
        plan.nonConstBufferSizes = [0, 64]
        plan.ioNames = IONames(inputs: ["input.1"], outputs: ["y/out"])
        return Program(plans: [plan], constantBuffers: [[], weight])
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/executorch")

    /// A fixture file's bytes.
    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }
}
