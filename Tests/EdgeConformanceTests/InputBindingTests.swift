import EdgeConformance
import EdgeKernels
import EdgeProgram
import Foundation
import Testing

/// The one input-binding rule `edgec run` and the conformance runner share.
@Suite struct InputBindingTests {
    /// A plan with inputs `a: f32[2]`, `b: f32[2]`, `c: i64[1]`.
    static var plan: ExecutionPlan {
        var plan = ExecutionPlan()
        plan.values = [
            .tensor(TensorValue(scalarType: .float, sizes: [2], allocation: Allocation(memoryID: 1, offset: 0))),
            .tensor(TensorValue(scalarType: .float, sizes: [2], allocation: Allocation(memoryID: 1, offset: 16))),
            .tensor(TensorValue(scalarType: .long, sizes: [1], allocation: Allocation(memoryID: 1, offset: 32))),
        ]
        plan.inputs = [0, 1, 2]
        plan.ioNames = IONames(inputs: ["a", "b", "c"], outputs: [])
        return plan
    }

    static func t(_ v: Float) throws -> Tensor { try Tensor([v, v], shape: [2]) }
    static func first(_ t: Tensor) -> Double { t.doubles()[0] }

    @Test func namedFirstThenTheRestInOrder() throws {
        // "b" by explicit name, "c" by the name the data carries, the unnamed one fills "a".
        let given = [
            GivenInput(explicitName: "b", tensor: try Self.t(2), origin: "b.npy"),
            GivenInput(carriedName: "c", tensor: try Tensor(converting: [7], dtype: .i64, shape: [1]), origin: "c.pb"),
            GivenInput(carriedName: "not_an_input", tensor: try Self.t(1), origin: "x.pb"),
        ]
        let bound = try InputBinding.bind(given, to: Self.plan)
        #expect(bound.map(Self.first) == [1, 2, 7])
    }

    @Test func positionalInputsFillTheInputsNotGivenByName() throws {
        let given = [
            GivenInput(tensor: try Self.t(1), origin: "1.npy"),
            GivenInput(explicitName: "a", tensor: try Self.t(0), origin: "0.npy"),
        ]
        let bound = try InputBinding.bind(given, to: Self.plan, fill: 3)
        #expect(bound.map(Self.first) == [0, 1, 3])
        #expect(bound[2].dtype == .i64)
    }

    @Test func problemsAreNamed() throws {
        let twice = [GivenInput(explicitName: "a", tensor: try Self.t(0), origin: "x.npy"), GivenInput(explicitName: "a", tensor: try Self.t(1), origin: "y.npy")]
        #expect { try InputBinding.bind(twice, to: Self.plan) } throws: { "\($0)".contains("y.npy: input 0 \"a\" is given twice") }
        #expect { try InputBinding.bind([], to: Self.plan) } throws: { "\($0)".contains("no value for input 0 \"a\"") }
        let four = try (0 ..< 4).map { GivenInput(tensor: try Self.t(Float($0)), origin: "\($0).npy") }
        #expect { try InputBinding.bind(four, to: Self.plan) } throws: { "\($0)".contains("4 inputs given, but the program takes 3 (a, b, c)") }
        // A data set may hold values for inputs the program dropped.
        #expect(try InputBinding.bind(four, to: Self.plan, ignoreExtra: true).count == 3)
    }

    @Test func specsNameAnInputOnlyWhenTheProgramHasIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("edgec-bind-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect { try InputBinding.read("a=\(dir.path)/x.txt", inputNames: ["a"]) } throws: { "\($0)".contains("inputs are NumPy .npy files or ONNX TensorProto .pb files") }
        #expect { try InputBinding.read("zz=\(dir.path)/missing.npy", inputNames: ["a"]) } throws: { "\($0)".contains("cannot read zz=\(dir.path)/missing.npy") }
    }
}
