import EdgeIR
import EdgeKernels
import Foundation
import SwiftProtobuf
import Testing

@testable import EdgeONNX

/// A subgraph (If branch, loop body) for attribute `name`.
func subgraphAttribute(_ name: String, _ build: (inout ModelBuilder) -> Void) -> Onnx_AttributeProto {
    var b = ModelBuilder(name: name)
    build(&b)
    return .with { $0.name = name; $0.type = .graph; $0.g = b.graph }
}

@Suite("ONNX control flow: If inlined, Loop and Scan unrolled, recurrent layers unrolled")
struct ControlFlowTests {
    /// y = If(dim 0 of x == 2) then relu(x) + w else neg(x): the condition is a static shape computation.
    static func shapeSwitch(_ dims: [Any]) -> ModelBuilder {
        var m = ModelBuilder(opset: 17)
        m.input("x", dims)
        m.initializer("w", [1], [10])
        m.initializer("two", [], ints: [2])
        m.initializer("zero", [], ints: [0])
        m.node("Shape", ["x"], ["shape"])
        m.node("Gather", ["shape", "zero"], ["n"])
        m.node("Equal", ["n", "two"], ["is_two"])
        m.node("If", ["is_two"], ["y"], name: "switch", [
            subgraphAttribute("then_branch") { b in
                b.node("Relu", ["x"], ["r"])
                b.node("Add", ["r", "w"], ["then_y"])  // w and x come from the outer scope
                b.output("then_y")
            },
            subgraphAttribute("else_branch") { b in
                b.node("Neg", ["x"], ["else_y"])
                b.output("else_y")
            },
        ])
        m.output("y")
        return m
    }

    @Test func ifWithAShapeConditionInlinesTheTakenBranch() throws {
        let taken = try Self.shapeSwitch([2, 3]).importModule()
        #expect(taken.opNames == ["edge.relu", "edge.add"])
        let other = try Self.shapeSwitch(["n", 3]).importModule(inputShapes: ["x": [4, 3]])
        #expect(other.opNames == ["edge.neg"])
        let x = try Tensor([-1, 2, -3, 4, -5, 6] as [Float], shape: [2, 3])
        #expect(try evaluateMain(taken, [x])[0].doubles() == [10, 12, 10, 14, 10, 16])
    }

    static func runtimeSwitch(elseShape: [Int] = [2]) -> ModelBuilder {
        var m = ModelBuilder(opset: 17)
        m.input("x", [2])
        m.input("flag", [], .bool)
        m.initializer("w", [2], [0.5, 2])
        m.node("If", ["flag"], ["y", "z"], name: "vad_switch", [
            subgraphAttribute("then_branch") { b in b.node("Mul", ["x", "w"], ["a"]); b.node("Relu", ["a"], ["r"]); b.output("r"); b.output("x") },
            subgraphAttribute("else_branch") { b in
                b.node("Neg", ["x"], ["n"])
                if elseShape != [2] { b.node("Reshape", ["n", "shape"], ["n2"]); b.output("n2") } else { b.output("n") }
                b.output("w")
            },
        ])
        if elseShape != [2] { m.initializer("shape", [elseShape.count], ints: elseShape.map(Int64.init)) }
        m.output("y")
        m.output("z")
        return m
    }

    @Test func anIfWhoseConditionIsKnownOnlyAtRunTimeBecomesEdgeIfWithTwoBranchFunctions() throws {
        let module = try Self.runtimeSwitch().importModule()
        #expect(module.opNames == ["edge.if"])
        let op = try #require(module.first("edge.if"))
        #expect(op.location.nodeName == "vad_switch")
        // Both branches take every outer value either reads (x; w is a constant, copied in).
        #expect(op.presentOperands.count == 2)
        let then = try #require(module.function(named: op.attribute("then_branch")?.symbolValue ?? ""))
        let otherwise = try #require(module.function(named: op.attribute("else_branch")?.symbolValue ?? ""))
        #expect(then.body.operations.map(\.name) == ["edge.constant", "edge.mul", "edge.relu", "return"])
        #expect(otherwise.body.operations.map(\.name) == ["edge.neg", "edge.constant", "return"])
        #expect(then.resultTypes == otherwise.resultTypes)
        try Verifier.verify(module)
        // The text form round-trips (functions called by symbol).
        let text = IRPrinter().print(module)
        #expect(IRPrinter().print(try IRFile.parse(text, fileName: "if.eir")) == text)
    }

    @Test func anInputGivenAValueMakesTheIfAnImportTimeChoice() throws {
        var options = ONNXImportOptions()
        options.inputValues = ["flag": [1]]
        let m = Self.runtimeSwitch()
        let module = try ONNXImporter.importModel(data: m.data, directory: nil, options: options)
        #expect(module.opNames == ["edge.mul", "edge.relu"])
        #expect(module.mainFunction!.arguments.count == 1, "the program no longer takes flag")
        options.inputValues = ["flag": [1, 0]]
        do {
            _ = try ONNXImporter.importModel(data: m.data, directory: nil, options: options)
            Issue.record("two values for a scalar were accepted")
        } catch {
            #expect("\(error)".contains("--input-value flag: 2 values given, but graph input \"flag\" is bool[]"), "\(error)")
        }
    }

    @Test func aRunTimeIfWhoseBranchesDisagreeOnATypeNamesTheOutput() {
        let e = Self.runtimeSwitch(elseShape: [1, 2]).importError()
        #expect(e.contains("node \"vad_switch\" (If, opset 17): the condition \"flag\" is not a compile-time constant: output \"y\" is f32[2] from then_branch but f32[1,2] from else_branch"), "\(e)")
        // The conformance runner binds such an input to its test data ("known at import time").
        #expect(e.contains("known at import time"), "\(e)")
        #expect(e.contains("it depends on the values of graph input \"flag\""), "\(e)")
    }

    @Test func aBranchReadingAnUndefinedOuterValueIsAnErrorNamingTheNode() {
        var m = ModelBuilder(opset: 17)
        m.input("x", [2])
        m.initializer("yes", [], [1])
        m.node("Cast", ["yes"], ["c"], name: "cast", [Attr.int("to", 9)])
        m.node("If", ["c"], ["y"], name: "branchy", [
            subgraphAttribute("then_branch") { b in b.node("Add", ["x", "nowhere"], ["a"], name: "inner_add"); b.output("a") },
            subgraphAttribute("else_branch") { b in b.output("x") },
        ])
        m.output("y")
        let e = m.importError()
        #expect(e.contains("\"branchy\" (If)") && e.contains("\"nowhere\""), "\(e)")
    }

    /// Loop M=4 over (acc): acc = If(i == 1) then acc * x else acc + x — an If nested in a loop
    /// body whose condition is the iteration number, reading x from two scopes out.
    @Test func nestedIfInsideALoopFoldsPerIteration() throws {
        var m = ModelBuilder(opset: 17)
        m.input("x", [2])
        m.initializer("acc0", [2], [1, 1])
        m.initializer("one", [], ints: [1])
        m.graph.initializer.append(.with { $0.name = "trip"; $0.dataType = 7; $0.int64Data = [4] })
        m.node("Loop", ["trip", "", "acc0"], ["acc", "trace"], name: "loop", [
            subgraphAttribute("body") { b in
                b.input("i", [], .int64)
                b.input("cond_in", [], .bool)
                b.input("acc_in", [2])
                b.node("Equal", ["i", "one"], ["is_one"])
                b.node("If", ["is_one"], ["acc_out"], name: "inner_if", [
                    subgraphAttribute("then_branch") { t in t.node("Mul", ["acc_in", "x"], ["m"]); t.output("m") },
                    subgraphAttribute("else_branch") { e in e.node("Add", ["acc_in", "x"], ["s"]); e.output("s") },
                ])
                b.node("Identity", ["cond_in"], ["cond_out"])
                b.node("Identity", ["acc_out"], ["scan"])
                b.output("cond_out", .bool)
                b.output("acc_out")
                b.output("scan")
            },
        ])
        m.output("acc")
        m.output("trace")
        let module = try m.importModule()
        #expect(module.opNames.filter { $0 == "edge.mul" }.count == 1)
        #expect(module.opNames.filter { $0 == "edge.add" }.count == 3)
        #expect(module.resultTypes == ["f32[2]", "f32[4,2]"])
        let out = try evaluateMain(module, [try Tensor([2, 3] as [Float])])
        // ((1 + x) * x + x) + x with x = [2, 3]
        #expect(out[0].doubles() == [10, 18])
        #expect(out[1].doubles() == [3, 4, 6, 12, 8, 15, 10, 18])
    }

    @Test func loopsWithoutAStaticBoundBecomeLoopsInThePlan() throws {
        func loop(trip: Int64?, cond: Bool) -> ModelBuilder {
            var m = ModelBuilder(opset: 17)
            m.input("x", [2])
            if let trip { m.graph.initializer.append(.with { $0.name = "trip"; $0.dataType = 7; $0.int64Data = [trip] }) }
            if cond { m.input("go", [], .bool) }
            m.node("Loop", [trip == nil ? "" : "trip", cond ? "go" : "", "x"], ["y"], name: "long_loop", [
                subgraphAttribute("body") { b in
                    b.input("i", [], .int64)
                    b.input("c", [], .bool)
                    b.input("v", [2])
                    b.node("Identity", ["c"], ["c2"])
                    b.node("Neg", ["v"], ["v2"])
                    b.output("c2", .bool)
                    b.output("v2")
                },
            ])
            m.output("y")
            return m
        }
        // Too long to unroll, or with a run-time condition: a loop in the plan.
        for (trip, cond) in [(Int64(100_000), false), (3, true)] {
            let module = try loop(trip: trip, cond: cond).importModule()
            #expect(module.opNames == ["edge.loop"], "trip \(trip), cond \(cond): \(module.opNames)")
            #expect(module.functions.count == 2, "@main and the body, no scratch function left")
        }
        let endless = loop(trip: nil, cond: false).importError()
        #expect(endless.contains("never ends"), "\(endless)")
        #expect(throws: Never.self) { try loop(trip: 3, cond: false).importModule() }
        // A run-time loop needs no scan outputs and carried values of one static type.
        var scans = ModelBuilder(opset: 17)
        scans.input("x", [2])
        scans.input("n", [], .int64)
        scans.node("Loop", ["n", "", "x"], ["y", "ys"], name: "scanning", [
            subgraphAttribute("body") { b in
                b.input("i", [], .int64)
                b.input("c", [], .bool)
                b.input("v", [2])
                b.node("Identity", ["c"], ["c2"])
                b.node("Neg", ["v"], ["v2"])
                b.output("c2", .bool)
                b.output("v2")
                b.output("v2")
            },
        ])
        scans.output("y")
        scans.output("ys")
        let scanError = scans.importError()
        #expect(scanError.contains("node \"scanning\" (Loop, opset 17)") && scanError.contains("has 1 scan output and its trip count \"n\" is known only at run time")
                && scanError.contains("--input-value n=VALUE"), "\(scanError)")
        var growing = ModelBuilder(opset: 17)
        growing.input("x", [2])
        growing.input("n", [], .int64)
        growing.node("Loop", ["n", "", "x"], ["y"], name: "growing", [
            subgraphAttribute("body") { b in
                b.input("i", [], .int64)
                b.input("c", [], .bool)
                b.input("v", [2])
                b.node("Identity", ["c"], ["c2"])
                b.node("Concat", ["v", "v"], ["v2"], [Attr.int("axis", 0)])
                b.output("c2", .bool)
                b.output("v2")
            },
        ])
        growing.output("y")
        let growError = growing.importError()
        #expect(growError.contains("node \"growing\"") && growError.contains("loop-carried value \"v\" enters the loop as f32[2] but the body returns f32[4]"), "\(growError)")
    }

    /// Past the unrolling limit a Scan is a loop in the plan (numerics: the control-flow case
    /// scan_long on both executors).
    @Test func aLongScanBecomesALoopThatSelectsAndScatters() throws {
        var m = ModelBuilder(opset: 17)
        m.input("x", [300, 2])
        m.initializer("s0", [2], [0, 0])
        m.node("Scan", ["s0", "x"], ["s", "ys"], name: "long", [
            Attr.int("num_scan_inputs", 1), Attr.ints("scan_input_directions", [1]),
            subgraphAttribute("body") { b in
                b.input("s_in", [2])
                b.input("a", [2])
                b.node("Add", ["s_in", "a"], ["s_out"])
                b.node("Identity", ["s_out"], ["y"])
                b.output("s_out")
                b.output("y")
            },
        ])
        m.output("s")
        m.output("ys")
        let module = try m.importModule()
        #expect(module.opNames == ["edge.loop"], "\(module.opNames)")
        #expect(module.resultTypes == ["f32[2]", "f32[300,2]"])
        let body = try #require(module.functions.first { $0.name != "main" })
        let names = body.body.operations.map(\.name)
        #expect(names.contains("edge.index_select") && names.contains("edge.scatter") && names.contains("edge.sub"), "the reversed input counts down: \(names)")
        try Verifier.verify(module)
    }

    @Test func scanReversesInputsAndOutputsAlongTheirAxes() throws {
        var m = ModelBuilder(opset: 17)
        m.input("x", [2, 3])
        m.initializer("s0", [2], [0, 0])
        m.node("Scan", ["s0", "x"], ["s", "ys"], name: "scan", [
            Attr.int("num_scan_inputs", 1), Attr.ints("scan_input_axes", [1]), Attr.ints("scan_input_directions", [1]),
            Attr.ints("scan_output_axes", [-1]),
            subgraphAttribute("body") { b in
                b.input("sum_in", [2])
                b.input("col", [2])
                b.node("Add", ["sum_in", "col"], ["sum_out"])
                b.node("Identity", ["sum_out"], ["y"])
                b.output("sum_out")
                b.output("y")
            },
        ])
        m.output("s")
        m.output("ys")
        let module = try m.importModule()
        let out = try evaluateMain(module, [try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])])
        #expect(out[0].doubles() == [6, 15])
        // Columns visited 2, 1, 0; outputs stacked along the last axis in visiting order.
        #expect(out[1].shape == [2, 3])
        #expect(out[1].doubles() == [3, 5, 6, 6, 11, 15])
    }

    @Test func inconsistentRecurrentWeightShapesNameTheNode() {
        var m = ModelBuilder(opset: 14)
        m.input("x", [5, 1, 4])
        m.initializer("W", [1, 32, 4], [Float](repeating: 0, count: 128))
        m.initializer("R", [1, 24, 8], [Float](repeating: 0, count: 192))
        m.node("LSTM", ["x", "W", "R"], ["y"], name: "lstm_1", [Attr.int("hidden_size", 8)])
        m.output("y")
        let e = m.importError()
        #expect(e.contains("node \"lstm_1\" (LSTM, opset 14): inconsistent weight shapes: R \"R\" is f32[1,24,8], expected [1,32,8]"), "\(e)")
    }

    @Test func aRecurrentSequenceLongerThanTheBoundIsAnError() {
        var m = ModelBuilder(opset: 14)
        m.input("x", [300, 1, 2])
        m.initializer("W", [1, 3, 2], [Float](repeating: 0.1, count: 6))
        m.initializer("R", [1, 3, 3], [Float](repeating: 0.1, count: 9))
        m.node("RNN", ["x", "W", "R"], ["y"], name: "rnn", [Attr.int("hidden_size", 3)])
        m.output("y")
        let e = m.importError()
        #expect(e.contains("node \"rnn\" (RNN, opset 14)") && e.contains("300 steps") && e.contains("256"), "\(e)")
    }

    /// A one-step RNN with a constant sequence_lens of [1, 0]: the second batch entry outputs
    /// zeros and keeps its initial state.
    @Test func rnnSequenceLengthsMaskFinishedBatchEntries() throws {
        var m = ModelBuilder(opset: 14)
        m.input("x", [1, 2, 1])
        m.initializer("W", [1, 1, 1], [1])
        m.initializer("R", [1, 1, 1], [1])
        m.initializer("h0", [1, 2, 1], [0.5, 0.25])
        m.graph.initializer.append(.with { $0.name = "lens"; $0.dims = [2]; $0.dataType = 6; $0.int32Data = [1, 0] })
        m.node("RNN", ["x", "W", "R", "", "lens", "h0"], ["y", "yh"], name: "rnn", [Attr.int("hidden_size", 1)])
        m.output("y")
        m.output("yh")
        let module = try m.importModule()
        let out = try evaluateMain(module, [try Tensor([1, 2] as [Float], shape: [1, 2, 1])])
        let h = tanh(1.5)
        #expect(out[0].shape == [1, 1, 2, 1])
        #expect(Swift.abs(out[0].doubles()[0] - h) < 1e-6 && out[0].doubles()[1] == 0)
        #expect(Swift.abs(out[1].doubles()[0] - h) < 1e-6 && out[1].doubles()[1] == 0.25)
    }
}

/// A small recurrent node over x [2, 1, 3] with hidden size 2 and constant weights.
func recurrentNode(_ op: String, gates: Int, _ attributes: [Onnx_AttributeProto] = []) -> ModelBuilder {
    var m = ModelBuilder(opset: 17)
    m.input("x", [2, 1, 3])
    m.initializer("W", [1, gates * 2, 3], w([1, gates * 2, 3], 0.1))
    m.initializer("R", [1, gates * 2, 2], w([1, gates * 2, 2], 0.2))
    m.node(op, ["x", "W", "R"], ["y", "yh"], name: "n", [Attr.int("hidden_size", 2)] + attributes)
    m.output("y")
    m.output("yh")
    return m
}

/// The control-flow and recurrent importers' entries of the per-op cases
/// (`OpImporterTests.everyImporterHasACase` counts them with `opCases`).
let controlFlowOpCases: [OpCase] = [
    OpCase("If", ["edge.relu", "edge.add"], "f32[2,3]") { ControlFlowTests.shapeSwitch([2, 3]) },
    OpCase("Loop", ["edge.neg", "edge.neg"], "f32[2]") {
        var m = ModelBuilder(opset: 17)
        m.input("x", [2])
        m.initializer("trip", [], ints: [2])
        m.node("Loop", ["trip", "", "x"], ["y"], name: "n", [subgraphAttribute("body") { b in
            b.input("i", [], .int64); b.input("c", [], .bool); b.input("v", [2])
            b.node("Identity", ["c"], ["c2"]); b.node("Neg", ["v"], ["v2"])
            b.output("c2", .bool); b.output("v2")
        }])
        m.output("y")
        return m
    },
    OpCase("Scan", ["edge.slice", "edge.squeeze", "edge.add", "edge.slice", "edge.squeeze", "edge.add"], "f32[3]") {
        var m = ModelBuilder(opset: 17)
        m.input("x", [2, 3])
        m.initializer("s0", [3], [0, 0, 0])
        m.node("Scan", ["s0", "x"], ["s"], name: "n", [Attr.int("num_scan_inputs", 1), subgraphAttribute("body") { b in
            b.input("a", [3]); b.input("row", [3])
            b.node("Add", ["a", "row"], ["a2"]); b.output("a2")
        }])
        m.output("s")
        return m
    },
    // Step 1 starts from the zero state (no recurrent product); step 2 adds H·Rᵀ.
    OpCase("RNN", ["edge.linear", "edge.slice", "edge.tanh", "edge.slice", "edge.linear", "edge.add", "edge.tanh",
                   "edge.concat", "edge.unsqueeze"], "f32[2,1,1,2]") { recurrentNode("RNN", gates: 1) },
    // Without linear_before_reset the hidden gate's rows of R apply after r·H (rows sliced once).
    OpCase("GRU", ["edge.linear", "edge.slice", "edge.slice", "edge.concat", "edge.slice", "edge.slice", "edge.split",
                   "edge.sigmoid", "edge.sigmoid", "edge.tanh", "edge.sub", "edge.mul", "edge.slice", "edge.linear", "edge.split",
                   "edge.split", "edge.add", "edge.sigmoid", "edge.add", "edge.sigmoid", "edge.mul", "edge.linear", "edge.add",
                   "edge.tanh", "edge.sub", "edge.mul", "edge.mul", "edge.add", "edge.concat", "edge.unsqueeze"], "f32[2,1,1,2]") { recurrentNode("GRU", gates: 3) },
    OpCase("LSTM", ["edge.linear", "edge.slice", "edge.split", "edge.sigmoid", "edge.sigmoid", "edge.tanh", "edge.mul",
                    "edge.sigmoid", "edge.tanh", "edge.mul", "edge.slice", "edge.linear", "edge.add", "edge.split", "edge.sigmoid",
                    "edge.sigmoid", "edge.tanh", "edge.mul", "edge.mul", "edge.add", "edge.sigmoid", "edge.tanh", "edge.mul",
                    "edge.concat", "edge.unsqueeze"], "f32[2,1,1,2]") { recurrentNode("LSTM", gates: 4) },
]

