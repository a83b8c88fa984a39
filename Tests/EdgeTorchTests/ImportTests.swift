import EdgeIR
import Foundation
import Testing

@testable import EdgeTorch

/// Imports of the committed fixtures: the IR verifies, round-trips through text, and has the
/// expected ops, shapes, names, weights and source locations.
@Suite struct ImportTests {
    func opNames(_ m: Module) -> [String] {
        m.mainFunction!.body.operations.map(\.name).filter { $0 != "edge.constant" && $0 != "return" }
    }

    func roundTrip(_ m: Module) throws {
        let text = IRPrinter().print(m)
        let back = try IRParser.parse(text, fileName: "imported.eir", blobs: m.blobs)
        try Verifier.verify(back)
        #expect(IRPrinter().print(back) == text)
    }

    @Test func cnnWithBatchNorm() throws {
        let m = try importFixture("cnn_bn")
        try roundTrip(m)
        #expect(opNames(m) == ["edge.conv2d", "edge.batch_norm", "edge.relu", "edge.max_pool2d", "edge.conv2d", "edge.batch_norm",
                               "edge.clamp", "edge.avg_pool2d", "edge.global_avg_pool2d", "edge.flatten", "edge.linear", "edge.softmax"])
        let f = m.mainFunction!
        #expect(f.arguments[0].type == TensorType(.f32, [1, 3, 8, 8]))
        #expect(f.inputName(0) == "x")
        #expect(f.resultTypes == [TensorType(.f32, [1, 4])])
        #expect(f.outputName(0) == "softmax")
        #expect(m.attributes["source"] == .string("torch.export"))
        // The second convolution: groups and stride from the node, no bias.
        let convs = f.body.operations.filter { $0.name == "edge.conv2d" }
        #expect(convs[1].attribute("groups") == .int(2))
        #expect(convs[1].attribute("stride") == .ints([2, 2]))
        #expect(convs[1].operand(2) == nil)
        // hardtanh(0, 6) is a clamp.
        let clamp = f.body.operations.first { $0.name == "edge.clamp" }!
        #expect(clamp.attribute("min") == .float(0) && clamp.attribute("max") == .float(6))
        // Node names and the user's Python line become the location.
        guard case .fused(let parts) = convs[0].location, case .name("conv2d") = parts[0],
              case .file(let file, let line, _) = parts[1] else {
            Issue.record("conv2d location is \(convs[0].location)"); return
        }
        #expect(file.hasSuffix("Conformance/torch/make_fixtures.py"))
        // The recorded line is the one in the fixture script that calls conv1 (read from the
        // script, so editing it elsewhere does not break this; a stale fixture does).
        let repoRoot = fixtures.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = try String(contentsOf: repoRoot.appendingPathComponent("Conformance/torch/make_fixtures.py"), encoding: .utf8)
        let lines = script.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(line >= 1 && line <= lines.count && lines[line - 1].contains("self.conv1(x)"),
                "line \(line) of make_fixtures.py is not the conv1 call; regenerate the fixtures")
        // Weights come from the archive bit for bit.
        let archive = try PT2Archive(path: fixture("cnn_bn"))
        #expect(m.blobs["conv1.weight"] == (try archive.read("data/weights/weight_0")))
        let eps = f.body.operations.first { $0.name == "edge.batch_norm" }!.attribute("epsilon")
        #expect(eps == .float(1e-5))
    }

    @Test func coreATenCNN() throws {
        let m = try importFixture("cnn_bn_core")
        try roundTrip(m)
        let ops = opNames(m)
        #expect(ops.filter { $0 == "edge.batch_norm" }.count == 2, "_native_batch_norm_legit_no_training's getitem[0] is the batch norm")
        #expect(ops.contains("edge.mean"))
        #expect(Array(ops.suffix(5)) == ["edge.reshape", "edge.permute", "edge.matmul", "edge.add", "edge.softmax"], "addmm → matmul + add")
        #expect(m.mainFunction!.resultTypes == [TensorType(.f32, [1, 4])])
    }

    @Test func mlpKeepsTheDynamicBatch() throws {
        let m = try importFixture("mlp")
        try roundTrip(m)
        let f = m.mainFunction!
        #expect(f.arguments[0].type == TensorType(.f32, [.symbolic("s77"), .known(16)]))
        #expect(f.resultTypes == [TensorType(.f32, [.symbolic("s77"), .known(10)])])
        #expect(m.attributes["torch.range.s77"] == .ints([1, 64]))
        let ops = opNames(m)
        for op in ["edge.linear", "edge.gelu", "edge.sigmoid", "edge.tanh", "edge.hardswish", "edge.log_softmax"] {
            #expect(ops.contains(op), "missing \(op)")
        }
        #expect(!ops.contains { $0.contains("dropout") }, "dropout is the identity in inference")
    }

    @Test func inputShapeFixesSymbols() throws {
        let m = try importFixture("mlp", TorchImportOptions(inputShapes: ["x": [8, 16]]))
        #expect(m.mainFunction!.arguments[0].type == TensorType(.f32, [8, 16]))
        #expect(m.mainFunction!.resultTypes == [TensorType(.f32, [8, 10])])
        #expect(m.attributes["torch.fixed.s77"] == .int(8))
        for op in m.mainFunction!.body.operations {
            for r in op.results { #expect(r.type.staticShape != nil, "\(op.name) has \(TypeText.type(r.type))") }
        }
    }

    @Test func staticFixesSymbolsToTheUpperBound() throws {
        let m = try importFixture("encoder", TorchImportOptions(fixSymbolsToUpperBound: true))
        #expect(m.mainFunction!.arguments[0].type == TensorType(.i64, [1, 32]))
        #expect(m.attributes["torch.fixed.s27"] == .int(32))
        try roundTrip(m)
    }

    @Test(arguments: [
        (["x": [65, 16]], "s77 = 65 is outside the range the model was exported for [1, 64]"),
        (["x": [8]], "rank 1"),
        (["x": [8, 15]], "the model was exported with the static size 16"),
        (["y": [8, 16]], "'y', which is not an input of the model (inputs: x)"),
    ])
    func badInputShapes(_ shapes: [String: [Int]], _ message: String) throws {
        do {
            _ = try importFixture("mlp", TorchImportOptions(inputShapes: shapes))
            Issue.record("expected an error containing \(message)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    @Test func transformerEncoder() throws {
        let m = try importFixture("encoder")
        try roundTrip(m)
        let f = m.mainFunction!
        let seq = Dim.symbolic("s27")
        #expect(f.arguments[0].type == TensorType(.i64, [.known(1), seq]))
        #expect(f.inputName(0) == "ids")
        #expect(f.resultTypes == [TensorType(.f32, [1, 16])])
        let ops = opNames(m)
        for op in ["edge.embedding", "edge.layer_norm", "edge.split", "edge.softmax", "edge.gelu"] {
            #expect(ops.contains(op), "missing \(op)")
        }
        // Attention scores are [1, heads, seq, seq].
        let sm = f.body.operations.first { $0.name == "edge.softmax" }!
        #expect(sm.result.type == TensorType(.f32, [.known(1), .known(2), seq, seq]))
        #expect(sm.location.nodeName == "scaled_dot_product_attention")
        // The view to [1, seq, 2, 8] keeps its symbol through reshape's -1.
        let view = f.body.operations.first { $0.location.nodeName == "view" }!
        #expect(view.attribute("shape") == .ints([1, -1, 2, 8]))
        #expect(view.result.type == TensorType(.f32, [.known(1), seq, .known(2), .known(8)]))
    }

    @Test func buffersConstantsAndSharedStorage() throws {
        let m = try importFixture("buffers")
        try roundTrip(m)
        let f = m.mainFunction!
        #expect((0..<2).map { f.outputName($0) } == ["flatten", "mul_1"])
        #expect(f.resultTypes == [TensorType(.f32, [2]), TensorType(.f32, [1, 2, 2])])
        // A persistent buffer, a non-persistent buffer viewing the same storage at offset 4,
        // a lifted tensor constant, and a parameter stored transposed (strides [1, 4]).
        let table = try #require(constantNamed("table", in: m))
        #expect(floats(constantBytes(table, in: m)!).map { ($0 * 10).rounded() } == (0..<12).map(Float.init))
        let row = try #require(constantNamed("row", in: m))
        #expect(floats(constantBytes(row, in: m)!).map { ($0 * 10).rounded() } == [4, 5, 6, 7])
        let scale = try #require(constantNamed("scale", in: m))
        #expect(floats(constantBytes(scale, in: m)!) == [2, 0.5, 1, -1])
        let w = try #require(constantNamed("w", in: m))
        #expect(w.type == TensorType(.f32, [4, 3]))
        let wv = floats(constantBytes(w, in: m)!)
        // Values from torch: ep.state_dict["w"].contiguous().flatten()[:3].
        #expect(abs(wv[0] - 0.80327606) < 1e-6 && abs(wv[1] - 0.04618245) < 1e-6 && abs(wv[2] + 1.4351794) < 1e-6)
        // Python scalars become rank-0 constants of the tensor's dtype.
        let sub = f.body.operations.first { $0.location.nodeName == "sub" && $0.name == "edge.sub" }!
        #expect(sub.operand(1)!.type == TensorType(.f32, [Int]()))
    }

    @Test func huggingFaceStyleMasking() throws {
        // aten.to.device/dtype, _assert_tensor_metadata, scalar comparisons, &, |, masked_fill, where.
        let m = try importFixture("masking")
        try roundTrip(m)
        let ops = opNames(m)
        for op in ["edge.ge", "edge.eq", "edge.gt", "edge.le", "edge.lt", "edge.logical_and", "edge.logical_or", "edge.logical_not", "edge.where", "edge.cast"] {
            #expect(ops.contains(op), "no \(op) in \(ops)")
        }
        // The assertions produce nothing; the device move of an i64 mask to bool is one cast.
        #expect(ops.filter { $0 == "edge.cast" }.count == 4, "\(ops)")
        let ge = try #require(m.mainFunction!.body.operations.first { $0.name == "edge.ge" })
        #expect(ge.operand(1)!.type == TensorType(.i64, [Int]()))
        #expect(m.mainFunction!.resultTypes == [TensorType(.f32, [2, 6, 6])])
    }

    @Test func unknownOperatorsAreListedAllAtOnce() throws {
        do {
            _ = try importFixture("unsupported")
            Issue.record("expected an error")
        } catch {
            let text = "\(error)"
            #expect(text.contains("2 nodes use operators edgec cannot import (2 distinct)"), "\(text)")
            for line in ["cumprod: aten.cumprod.default", "sort: aten.sort.default"] {
                #expect(text.contains(line), "missing \(line) in \(text)")
            }
            #expect(text.contains("make_fixtures.py:141"))
        }
    }

    @Test func metadataDisagreeingWithInferenceNamesTheNode() throws {
        let zip = try editedFixture("cnn_bn") { p, d in
            guard p.hasSuffix("models/model.json") else { return d }
            return try editJSON(d) { root in
                var gm = root["graph_module"] as! [String: Any]
                var g = gm["graph"] as! [String: Any]
                var tv = g["tensor_values"] as! [String: Any]
                var relu = tv["relu"] as! [String: Any]
                relu["sizes"] = [["as_int": 1], ["as_int": 8], ["as_int": 7], ["as_int": 8]]
                tv["relu"] = relu
                g["tensor_values"] = tv
                gm["graph"] = g
                root["graph_module"] = gm
            }
        }
        let e = importError(zip)
        #expect(e?.contains("node 'relu' (aten.relu.default) at ") == true, "\(e ?? "no error")")
        #expect(e?.contains("torch's metadata says output 'relu' is f32[1,8,7,8] but edgec infers f32[1,8,8,8] (dim 2: 8 vs 7)") == true)
    }

    @Test func importedIRWritesAndReadsBackBitExact() throws {
        let m = try importFixture("encoder")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("edgetorch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("encoder.eir").path
        try IRFile.write(m, to: path)
        let back = try IRFile.read(path: path)
        for name in IRFile.referencedBlobs(m) { #expect(back.blobs[name] == m.blobs[name], "blob \(name) changed") }
        #expect(back.attributes["torch.range.s27"] == .ints([2, 32]))
    }

    @Test func stackTraceFramesPickTheUserLine() {
        let trace = "File \"/home/u/model.py\", line 12, in forward\n    y = self.conv(x)\n  File \"/venv/lib/python3.11/site-packages/torch/nn/modules/conv.py\", line 565, in forward\n    return self._conv_forward(input)"
        let f = GraphImporter.userFrame(trace)
        #expect(f?.file == "/home/u/model.py" && f?.line == 12)
        #expect(GraphImporter.userFrame("File \"torch/fx/passes/runtime_assert.py\", line 24, in f") == nil)
        #expect(GraphImporter.userFrame("") == nil)
    }

    @Test func everyTableEntryHasASummary() {
        #expect(TorchImporter.supportedTargets.count > 60)
        for (t, s) in TorchImporter.targetDescriptions { #expect(!s.isEmpty, "\(t)") }
        for t in ["aten.conv2d.default", "aten._native_batch_norm_legit_no_training.default", "aten.addmm.default",
                  "aten.scaled_dot_product_attention.default", "aten.embedding.default", "aten.arange.start_step"] {
            #expect(TorchImporter.supportedTargets.contains(t), "\(t)")
        }
    }
}

/// In-place ops as torch.export's training IR keeps them.
@Suite struct InPlaceTests {
    @Test func inPlaceOpsRebindEveryNameOfTheTensor() throws {
        let m = try importFixture("inplace")
        let f = m.mainFunction!
        let ops = f.body.operations.filter { $0.name != "edge.constant" }
        #expect(ops.map(\.name) == ["edge.conv2d", "edge.relu", "edge.add", "edge.clamp", "edge.add", "edge.full", "edge.unsqueeze", "edge.expand", "return"])
        // relu_, add_ and hardtanh_ all update the conv's output, so `relu6(z) + y` adds the clamp to itself.
        let clamp = ops[3], sum = ops[4]
        #expect(sum.operand(0) === clamp.result && sum.operand(1) === clamp.result)
        #expect(f.resultTypes == [TensorType(.f32, [1, 4, 6, 6]), TensorType(.f32, [3, 2])])
    }

    @Test func inPlaceUpdateThroughAViewIsRejected() throws {
        do {
            _ = try importFixture("inplace_view")
            Issue.record("expected an error")
        } catch {
            let text = "\(error)"
            #expect(text.contains("node 'add_' (aten.add_.Tensor)"), "\(text)")
            #expect(text.contains("ep.run_decompositions()"))
        }
    }

    @Test func inPlaceTargetsMapToTheirFunctionalForms() {
        #expect(ATenTable.inPlaceBase("aten.relu_.default") == "aten.relu.default")
        #expect(ATenTable.inPlaceBase("aten.add_.Tensor") == "aten.add.Tensor")
        #expect(ATenTable.inPlaceBase("aten.__and__.Tensor") == nil)
        #expect(ATenTable.inPlaceBase("aten.relu.default") == nil)
        #expect(ATenTable.lowering(for: "torch.ops.aten.hardtanh_.default") != nil)
    }
}

/// Numbers in an exported program that no Int holds are errors naming the op, never a trap.
@Suite struct TorchHostileNumberTests {
    @Test func arangeWhoseLengthOverflowsIsAnError() throws {
        // hf_indexing's first aten.arange(2) becomes arange(-1e308, 1e308): (end - start) is inf.
        let data = try editedFixture("hf_indexing") { path, d in
            guard path.hasSuffix("models/model.json") else { return d }
            return try editJSON(d) { obj in
                var module = obj["graph_module"] as! [String: Any]
                var graph = module["graph"] as! [String: Any]
                var nodes = graph["nodes"] as! [[String: Any]]
                let k = nodes.firstIndex { ($0["target"] as? String) == "torch.ops.aten.arange.default" }!
                nodes[k]["target"] = "torch.ops.aten.arange.start"
                nodes[k]["inputs"] = [["name": "start", "arg": ["as_float": -1e308], "kind": 1],
                                      ["name": "end", "arg": ["as_float": 1e308], "kind": 1]]
                graph["nodes"] = nodes
                module["graph"] = graph
                obj["graph_module"] = module
            }
        }
        let error = try #require(importError(data))
        #expect(error.contains("arange of inf elements is too large"), "\(error)")
    }
}
