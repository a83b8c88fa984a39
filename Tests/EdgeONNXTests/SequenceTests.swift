import EdgeIR
import EdgeKernels
import Foundation
import SwiftProtobuf
import Testing

@testable import EdgeONNX

extension ModelBuilder {
    static func sequenceType(_ element: Onnx_TensorProto.DataType, _ dims: [Any]?) -> Onnx_TypeProto {
        .with { $0.sequenceType = .with { $0.elemType = type(element, dims) } }
    }

    static func optionalType(_ inner: Onnx_TypeProto) -> Onnx_TypeProto {
        .with { $0.optionalType = .with { $0.elemType = inner } }
    }

    mutating func input(_ name: String, type: Onnx_TypeProto) {
        graph.input.append(.with { $0.name = name; $0.type = type })
    }

    mutating func output(_ name: String, type: Onnx_TypeProto) {
        graph.output.append(.with { $0.name = name; $0.type = type })
    }

    func importModule(_ options: ONNXImportOptions) throws -> Module {
        try ONNXImporter.importModel(data: data, directory: nil, options: options)
    }

    func importError(_ options: ONNXImportOptions) -> String {
        do {
            _ = try importModule(options)
            return "<imported without error>"
        } catch {
            return String(describing: error)
        }
    }
}

/// Protobuf wire encoding of onnx-data.proto messages (the bindings do not have them).
enum Wire {
    static func varint(_ v: UInt64) -> [UInt8] {
        var v = v, out: [UInt8] = []
        repeat {
            let b = UInt8(v & 0x7f)
            v >>= 7
            out.append(v == 0 ? b : b | 0x80)
        } while v != 0
        return out
    }

    static func field(_ number: Int, _ bytes: [UInt8]) -> [UInt8] {
        varint(UInt64(number << 3 | 2)) + varint(UInt64(bytes.count)) + bytes
    }

    /// A SequenceProto of tensors (elem_type TENSOR = 1).
    static func sequence(_ name: String, _ tensors: [Onnx_TensorProto]) throws -> Data {
        var out = field(1, Array(name.utf8)) + varint(2 << 3) + varint(1)
        for t in tensors { out += field(3, [UInt8](try t.serializedData())) }
        return Data(out)
    }

    /// An OptionalProto holding `tensor`, or nothing.
    static func optional(_ name: String, _ tensor: Onnx_TensorProto?) throws -> Data {
        var out = field(1, Array(name.utf8)) + varint(2 << 3) + varint(1)
        if let tensor { out += field(3, [UInt8](try tensor.serializedData())) }
        return Data(out)
    }
}

@Suite("ONNX sequences and optionals: resolved at import as static lists, flattened at the graph's edges")
struct SequenceTests {
    /// x[6] -> SplitToSequence (parts of 2) -> SequenceMap(Relu, + bias) -> ConcatFromSequence.
    @Test func splitMapConcatImportsAsTensorOps() throws {
        var m = ModelBuilder(opset: 17)
        m.input("x", [6])
        m.initializer("two", [], ints: [2])
        m.initializer("bias", [2], [10, 20])
        m.node("SplitToSequence", ["x", "two"], ["parts"], [Attr.int("axis", 0)])
        m.node("SequenceMap", ["parts", "bias"], ["mapped"], [
            subgraphAttribute("body") { b in
                b.input("e", [2])
                b.input("b", [2])
                b.node("Relu", ["e"], ["r"])
                b.node("Add", ["r", "b"], ["y"])
                b.output("y")
            },
        ])
        m.node("ConcatFromSequence", ["mapped"], ["joined"], [Attr.int("axis", 0)])
        m.node("SequenceLength", ["mapped"], ["count"])
        m.output("joined")
        m.output("count", .int64)
        let module = try m.importModule()
        #expect(module.opNames.filter { $0 == "edge.relu" }.count == 3)
        let x = try Tensor([-1, 2, 3, -4, 5, 6] as [Float], shape: [6])
        let out = try evaluateMain(module, [x])
        #expect(out[0].doubles() == [10, 22, 13, 20, 15, 26])
        #expect(out[1].int64s() == [3])
    }

    @Test func aSequenceInputBecomesOneArgumentPerElementAndOutputsFlatten() throws {
        var m = ModelBuilder(opset: 17)
        m.input("seq", type: ModelBuilder.sequenceType(.float, [2]))
        m.initializer("pos", [], ints: [-1])
        m.node("SequenceAt", ["seq", "pos"], ["last"])
        m.node("SequenceErase", ["seq"], ["rest"])
        m.output("last")
        m.output("rest", type: ModelBuilder.sequenceType(.float, nil))
        let module = try m.importModule(ONNXImportOptions(sequenceLengths: ["seq": 3]))
        let main = try #require(module.mainFunction)
        #expect(main.argumentAttributes.map { $0["name"]?.stringValue } == ["seq.0", "seq.1", "seq.2"])
        #expect(main.resultAttributes.map { $0["name"]?.stringValue } == ["last", "rest.0", "rest.1"])
        let items = try (0..<3).map { try Tensor([Float($0), Float($0) + 0.5], shape: [2]) }
        let out = try evaluateMain(module, items)
        #expect(out.map { $0.doubles() } == [[2, 2.5], [0, 0.5], [1, 1.5]])
    }

    @Test func aSequenceInputWithoutALengthSaysWhichOptionGivesIt() {
        var m = ModelBuilder(opset: 17)
        m.input("tokens", type: ModelBuilder.sequenceType(.float, [2]))
        m.node("SequenceLength", ["tokens"], ["n"])
        m.output("n", .int64)
        let e = m.importError(ONNXImportOptions())
        #expect(e.contains("graph input \"tokens\"") && e.contains("--sequence-length tokens=N"), "\(e)")
        #expect(e.contains("tokens.0"), "\(e)")
    }

    @Test func aRunTimePositionIsAnErrorNamingTheNode() {
        var m = ModelBuilder(opset: 17)
        m.input("seq", type: ModelBuilder.sequenceType(.float, [2]))
        m.input("i", [], .int64)
        m.node("SequenceAt", ["seq", "i"], ["y"], name: "pick")
        m.output("y")
        let e = m.importError(ONNXImportOptions(sequenceLengths: ["seq": 2]))
        #expect(e.contains("node \"pick\" (SequenceAt, opset 17)"), "\(e)")
        #expect(e.contains("position \"i\" must be known at import time"), "\(e)")
    }

    @Test func aSequenceWhereATensorIsExpectedIsAnErrorNamingTheNode() {
        var m = ModelBuilder(opset: 17)
        m.input("x", [2])
        m.node("SequenceConstruct", ["x", "x"], ["s"])
        m.node("Relu", ["s"], ["y"], name: "bad_relu")
        m.output("y")
        let e = m.importError(ONNXImportOptions())
        #expect(e.contains("node \"bad_relu\" (Relu, opset 17)") && e.contains("is a sequence of 2 tensors"), "\(e)")
    }

    @Test func mapsStayUnsupported() {
        var m = ModelBuilder(opset: 17)
        m.input("m", type: .with { $0.mapType = .with { $0.keyType = 7; $0.valueType = ModelBuilder.type(.float, []) } })
        m.output("m")
        let e = m.importError(ONNXImportOptions())
        #expect(e.contains("graph input \"m\" is a map, which edgec does not support"), "\(e)")
    }

    /// OptionalHasElement / OptionalGetElement on an optional input, present and absent.
    @Test func optionalInputsArePresentOrAbsentAsTheOptionsSay() throws {
        var m = ModelBuilder(opset: 18)
        m.input("opt", type: ModelBuilder.optionalType(ModelBuilder.type(.float, [2])))
        m.node("OptionalHasElement", ["opt"], ["has"])
        m.output("has", .bool)
        m.output("opt", type: ModelBuilder.optionalType(ModelBuilder.type(.float, [2])))
        let present = try m.importModule(ONNXImportOptions())
        #expect(present.mainFunction?.argumentAttributes.map { $0["name"]?.stringValue } == ["opt"])
        let x = try Tensor([1, 2] as [Float], shape: [2])
        let out = try evaluateMain(present, [x])
        #expect(out.count == 2 && out[0].doubles() == [1] && out[1].doubles() == [1, 2])
        let absent = try m.importModule(ONNXImportOptions(absentInputs: ["opt"]))
        #expect(absent.mainFunction?.arguments.isEmpty == true)
        let none = try evaluateMain(absent, [])
        #expect(none.count == 1 && none[0].doubles() == [0])

        var get = ModelBuilder(opset: 18)
        get.input("opt", type: ModelBuilder.optionalType(ModelBuilder.type(.float, [2])))
        get.node("OptionalGetElement", ["opt"], ["y"], name: "unwrap")
        get.output("y")
        let e = get.importError(ONNXImportOptions(absentInputs: ["opt"]))
        #expect(e.contains("node \"unwrap\"") && e.contains("empty optional"), "\(e)")
    }

    /// A Loop carrying a sequence that grows each iteration (test_loop13_seq's pattern).
    @Test func aLoopGrowsACarriedSequence() throws {
        var m = ModelBuilder(opset: 13)
        m.input("x", [3])
        m.initializer("trip", [], ints: [3])
        m.node("SequenceEmpty", [], ["empty"], [Attr.int("dtype", 1)])
        m.node("Loop", ["trip", "", "empty"], ["grown"], [
            subgraphAttribute("body") { b in
                b.input("i", [], .int64)
                b.input("c", [], .bool)
                b.graph.input.append(.with { $0.name = "s"; $0.type = ModelBuilder.sequenceType(.float, nil) })
                b.node("Identity", ["c"], ["c_out"])
                b.node("Cast", ["i"], ["fi"], [Attr.int("to", 1)])
                b.node("Add", ["x", "fi"], ["v"])
                b.node("SequenceInsert", ["s", "v"], ["s_out"])
                b.output("c_out", .bool)
                b.graph.output.append(.with { $0.name = "s_out"; $0.type = ModelBuilder.sequenceType(.float, nil) })
            },
        ])
        m.output("grown", type: ModelBuilder.sequenceType(.float, nil))
        let module = try m.importModule()
        let x = try Tensor([1, 2, 3] as [Float], shape: [3])
        let out = try evaluateMain(module, [x])
        #expect(out.map { $0.doubles() } == [[1, 2, 3], [2, 3, 4], [3, 4, 5]])
        #expect(module.mainFunction?.resultAttributes.map { $0["name"]?.stringValue } == ["grown.0", "grown.1", "grown.2"])
    }

    @Test func sequenceAndOptionalFilesDecodeAndFlatten() throws {
        let a = ModelBuilder.floatTensor("", [2], [1, 2]), b = ModelBuilder.floatTensor("", [1], [3])
        let seq = try ONNXValueFile.decode(try Wire.sequence("s", [a, b]), kind: .sequence(.tensor), what: "input_0.pb")
        #expect(seq.name == "s")
        let leaves = seq.leaves(name: "s")
        #expect(leaves.map(\.name) == ["s.0", "s.1"])
        #expect(try leaves.map { try $0.tensor.tensor().doubles() } == [[1, 2], [3]])
        var options = ONNXImportOptions()
        seq.describeStructure(name: "s", in: &options)
        #expect(options.sequenceLengths == ["s": 2])

        let empty = try ONNXValueFile.decode(try Wire.optional("o", nil), kind: .optional(.tensor), what: "input_1.pb")
        #expect(empty.leaves(name: "o").isEmpty)
        empty.describeStructure(name: "o", in: &options)
        #expect(options.absentInputs == ["o"])
        let full = try ONNXValueFile.decode(try Wire.optional("o", a), kind: .optional(.tensor), what: "input_1.pb")
        #expect(full.leaves(name: "o").map(\.name) == ["o"])

        #expect(throws: DiagnosticError.self) {
            try ONNXValueFile.decode(Data([0x0a, 0x05, 0x61]), kind: .sequence(.tensor), what: "input_2.pb")
        }
    }
}

/// One import case per sequence and optional importer (checked by `everyImporterHasACase`).
let sequenceOpCases: [OpCase] = [
    OpCase("SequenceConstruct", ["edge.concat"], "f32[4]") { seqModel { $0.node("SequenceConstruct", ["x", "x"], ["s"], name: "n"); $0.node("ConcatFromSequence", ["s"], ["y"], [Attr.int("axis", 0)]) } },
    OpCase("ConcatFromSequence", ["edge.unsqueeze", "edge.unsqueeze", "edge.concat"], "f32[2,2]") {
        seqModel { $0.node("SequenceConstruct", ["x", "x"], ["s"]); $0.node("ConcatFromSequence", ["s"], ["y"], name: "n", [Attr.int("axis", 1), Attr.int("new_axis", 1)]) }
    },
    OpCase("SequenceEmpty", ["edge.relu"], "f32[2]") {
        seqModel { $0.node("SequenceEmpty", [], ["e"], name: "n"); $0.node("SequenceInsert", ["e", "x"], ["s"]); $0.node("SequenceAt", ["s", "zero"], ["a"]); $0.node("Relu", ["a"], ["y"]) }
    },
    OpCase("SequenceInsert", ["edge.neg"], "f32[2]") {
        seqModel { $0.node("Neg", ["x"], ["nx"]); $0.node("SequenceConstruct", ["x"], ["s"]); $0.node("SequenceInsert", ["s", "nx", "zero"], ["t"], name: "n"); $0.node("SequenceAt", ["t", "zero"], ["y"]) }
    },
    OpCase("SequenceAt", ["edge.neg"], "f32[2]") {
        seqModel { $0.node("Neg", ["x"], ["nx"]); $0.node("SequenceConstruct", ["x", "nx"], ["s"]); $0.node("SequenceAt", ["s", "minus_one"], ["y"], name: "n") }
    },
    OpCase("SequenceErase", ["edge.neg"], "f32[2]") {
        seqModel { $0.node("Neg", ["x"], ["nx"]); $0.node("SequenceConstruct", ["x", "nx"], ["s"]); $0.node("SequenceErase", ["s", "zero"], ["t"], name: "n"); $0.node("SequenceAt", ["t", "zero"], ["y"]) }
    },
    OpCase("SequenceLength", [], "i64[]") {
        seqModel(output: .int64) { $0.node("SequenceConstruct", ["x", "x", "x"], ["s"]); $0.node("SequenceLength", ["s"], ["y"], name: "n") }
    },
    OpCase("SplitToSequence", ["edge.split", "edge.squeeze", "edge.squeeze"], "f32[]") {
        seqModel { $0.node("SplitToSequence", ["x"], ["s"], name: "n", [Attr.int("keepdims", 0)]); $0.node("SequenceAt", ["s", "minus_one"], ["y"]) }
    },
    OpCase("SequenceMap", ["edge.relu", "edge.relu"], "f32[2]") {
        seqModel {
            $0.node("SequenceConstruct", ["x", "x"], ["s"])
            $0.node("SequenceMap", ["s"], ["m"], name: "n", [subgraphAttribute("body") { b in b.input("e", [2]); b.node("Relu", ["e"], ["r"]); b.output("r") }])
            $0.node("SequenceAt", ["m", "zero"], ["y"])
        }
    },
    OpCase("Optional", opset: 18, ["edge.relu"], "f32[2]") {
        seqModel(opset: 18) { $0.node("Optional", ["x"], ["o"], name: "n"); $0.node("OptionalGetElement", ["o"], ["g"]); $0.node("Relu", ["g"], ["y"]) }
    },
    OpCase("OptionalGetElement", opset: 18, ["edge.neg"], "f32[2]") {
        seqModel(opset: 18) { $0.node("Optional", ["x"], ["o"]); $0.node("OptionalGetElement", ["o"], ["g"], name: "n"); $0.node("Neg", ["g"], ["y"]) }
    },
    OpCase("OptionalHasElement", opset: 18, [], "bool[]") {
        seqModel(opset: 18, output: .bool) { $0.node("Optional", [], ["o"], [.with { $0.name = "type"; $0.type = .typeProto; $0.tp = ModelBuilder.type(.float, [2]) }]); $0.node("OptionalHasElement", ["o"], ["y"], name: "n") }
    },
]

/// x: f32[2] -> (nodes) -> y, with the int64 constants `zero` and `minus_one`.
func seqModel(opset: Int = 17, output: Onnx_TensorProto.DataType = .float, _ nodes: (inout ModelBuilder) -> Void) -> ModelBuilder {
    var m = ModelBuilder(opset: opset)
    m.input("x", [2])
    m.initializer("zero", [], ints: [0])
    m.initializer("minus_one", [], ints: [-1])
    nodes(&m)
    m.output("y", output)
    return m
}

