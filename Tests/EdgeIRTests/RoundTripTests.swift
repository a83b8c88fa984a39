import Foundation
import Testing

@testable import EdgeIR

/// The repository root, found from this file's path.
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

func exampleFiles() throws -> [URL] {
    let dir = repoRoot.appendingPathComponent("Grammar/examples")
    return try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
        .filter { $0.pathExtension == "eir" }
        .sorted { $0.lastPathComponent < $1.lastPathComponent }
}

/// print → parse → print must give the same text.
func expectRoundTrip(_ module: Module, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
    let first = IRPrinter().print(module)
    let reparsed: Module
    do {
        reparsed = try IRParser.parse(first, fileName: "printed.eir", blobs: module.blobs)
        try Verifier.verify(reparsed)
    } catch {
        Issue.record("printed IR does not parse back:\n\(error)\n--- text ---\n\(first)", sourceLocation: sourceLocation)
        return first
    }
    let second = IRPrinter().print(reparsed)
    #expect(first == second, "print → parse → print changed the text", sourceLocation: sourceLocation)
    return first
}

@Suite struct RoundTripTests {
    @Test func examplesExist() throws {
        #expect(try exampleFiles().count >= 3)
    }

    @Test(arguments: try exampleFiles())
    func exampleRoundTrips(_ url: URL) throws {
        let module = try IRFile.read(path: url.path)
        let printed = try expectRoundTrip(module)
        // Nothing is lost: the reprinted text verifies and has as many ops as the source.
        let reparsed = try IRFile.parse(printed, fileName: "printed.eir")
        #expect(reparsed.functions.map { $0.body.operations.count } == module.functions.map { $0.body.operations.count })
    }

    /// IR built through the builder, using every declared op.
    static func buildEveryOp() throws -> Module {
        let module = Module(name: "every_op")
        let image = TensorType(.f32, [1, 3, 8, 8] as [Int])
        let features = TensorType(.f32, [Dim.symbolic("n"), Dim.known(4)])
        let logits = TensorType(.f32, [1, 10] as [Int])
        let projected = TensorType(.f32, [Dim.symbolic("n"), Dim.known(6)])
        let f = Function(name: "main", argumentTypes: [image, features], argumentNames: ["image", "feat"], resultTypes: [logits, projected])
        f.argumentAttributes[0]["name"] = .string("input.1")
        f.resultAttributes[1]["name"] = .string("features/out:0")
        module.add(f)
        let b = IRBuilder(function: f)
        let x = f.arguments[0], feat = f.arguments[1]
        // A weight with bit patterns that text cannot show: NaN payloads and -0.
        var weights: [Float] = (0..<162).map { (i: Int) -> Float in Float(i) * 0.01 - 0.5 }
        weights[0] = Float(bitPattern: 0x7FC0_1234)
        weights[1] = -0.0
        let wData = weights.withUnsafeBufferPointer { Data(buffer: $0) }
        let w = try b.constant(wData, type: TensorType(.f32, [6, 3, 3, 3]), name: "conv.weight")
        let bias = try b.constant(Data(repeating: 0, count: 24), type: TensorType(.f32, [6]), name: "conv.bias")
        b.location = .name("Conv_0")
        let conv = try b.value(Ops.conv2d, [x, w, bias], attributes: ["padding": .ints([1, 1, 1, 1]), "stride": .ints([1, 1])])
        b.location = .file("model.py", line: 12, column: 8)
        let ones = try b.constant([Float](repeating: 1, count: 6).withUnsafeBufferPointer { Data(buffer: $0) }, type: TensorType(.f32, [6]), name: "ones")
        let bn = try b.value(Ops.batchNorm, [conv, ones, bias, bias, ones], attributes: ["epsilon": .float(1e-3)])
        let relu = try b.value(Ops.relu, [bn])
        let clamp = try b.value(Ops.clamp, [relu], attributes: ["max": .float(6)])
        let mp = try b.value(Ops.maxPool2d, [clamp], attributes: ["kernel_size": .ints([2, 2])])
        let ap = try b.value(Ops.avgPool2d, [clamp], attributes: ["kernel_size": .ints([2, 2]), "ceil_mode": .bool(true)])
        let sum = try b.value(Ops.add, [mp, ap])
        let diff = try b.value(Ops.sub, [sum, mp])
        let prod = try b.value(Ops.mul, [diff, ap])
        let quot = try b.value(Ops.div, [prod, sum])
        let gap = try b.value(Ops.globalAvgPool2d, [quot])
        let flat = try b.value(Ops.flatten, [gap])
        let fcW = try b.constant(Data(count: 10 * 6 * 4), type: TensorType(.f32, [10, 6]), name: "fc.weight")
        let fc = try b.value(Ops.linear, [flat, fcW])
        let sm = try b.value(Ops.softmax, [fc], attributes: ["axis": .int(1)])
        let proj = try b.constant(Data(count: 4 * 3 * 4), type: TensorType(.f32, [4, 3]), name: "proj")
        let mm = try b.value(Ops.matmul, [feat, proj])
        let perm = try b.value(Ops.permute, [mm], attributes: ["dims": .ints([1, 0])])
        let back = try b.value(Ops.permute, [perm], attributes: ["dims": .ints([1, 0])])
        let cat = try b.value(Ops.concat, [mm, back], attributes: ["axis": .int(1)])
        let r = try b.value(Ops.reshape, [sm], attributes: ["shape": .ints([1, -1])])
        let m = try b.value(Ops.mean, [cat], attributes: ["axes": .ints([1]), "keepdim": .bool(true)])
        let shifted = try b.value(Ops.sub, [cat, m])
        try addNewerOps(b, image: x, features: feat)
        try addTorchIngestOps(b, image: x, features: feat)
        try addDelegateCall(b, module: module, image: x)
        b.location = .unknown
        try b.makeReturn([r, shifted])
        try Verifier.verify(module)
        return module
    }

    /// A partition outlined into its own function (with function attributes) and called.
    static func addDelegateCall(_ b: IRBuilder, module: Module, image x: Value) throws {
        let callee = Function(name: "xnnpack_0", argumentTypes: [x.type], argumentNames: ["x"], resultTypes: [x.type, x.type])
        callee.attributes["backend"] = .string("xnnpack")
        module.add(callee)
        let cb = IRBuilder(function: callee)
        let r = try cb.value(Ops.relu, [callee.arguments[0]])
        try cb.makeReturn([r, callee.arguments[0]])
        let call = try b.create(Ops.delegateCall, [x], attributes: ["callee": .symbol("xnnpack_0")])
        #expect(call.results.map(\.type) == [x.type, x.type])
        // A run-time If: two branch functions taking the same arguments, returning the same types.
        for (name, op) in [("if_then_0", Ops.sigmoid), ("if_else_0", Ops.tanh)] {
            let branch = Function(name: name, argumentTypes: [x.type], argumentNames: ["x"], resultTypes: [x.type, x.type])
            module.add(branch)
            let bb = IRBuilder(function: branch)
            try bb.makeReturn([try bb.value(op, [branch.arguments[0]]), branch.arguments[0]])
        }
        let zero = try b.constant(Data(count: 4), type: TensorType(.f32, [] as [Int]), name: "zero")
        let flag = try b.value(Ops.gt, [zero, zero])
        let conditional = try b.create(Ops.conditional, [flag, x], attributes: ["then_branch": .symbol("if_then_0"), "else_branch": .symbol("if_else_0")])
        #expect(conditional.results.map(\.type) == [x.type, x.type])
        // A run-time loop: the body takes (counter, condition, carried, invariant) and returns
        // (next condition, next carried).
        let i64 = TensorType(.i64, [] as [Int]), bool = TensorType(.bool, [] as [Int])
        let body = Function(name: "loop_body_0", argumentTypes: [i64, bool, x.type, x.type], argumentNames: ["i", "c", "v", "x"], resultTypes: [bool, x.type])
        module.add(body)
        let lb = IRBuilder(function: body)
        try lb.makeReturn([body.arguments[1], try lb.value(Ops.add, [body.arguments[2], body.arguments[3]])])
        let trips = try b.constant(Data(count: 8), type: i64, name: "trips")
        let loop = try b.create(Ops.loop, [trips, flag, x, x], attributes: ["body": .symbol("loop_body_0")])
        #expect(loop.results.map(\.type) == [x.type])
    }

    /// Uses the ops added with ONNX ingest; their results feed nothing (the test checks
    /// round-tripping, and unused results are fine in IR).
    static func addNewerOps(_ b: IRBuilder, image x: Value, features feat: Value) throws {
        let full = try b.value(Ops.full, [], attributes: ["shape": .ints([1, 3, 8, 8]), "value": .float(2)])
        for op in [Ops.pow, Ops.maximum, Ops.minimum] { _ = try b.value(op, [x, full]) }
        let gt = try b.value(Ops.gt, [x, full])
        for op in [Ops.eq, Ops.lt, Ops.le, Ops.ge] { _ = try b.value(op, [x, full]) }
        let not = try b.value(Ops.logicalNot, [gt])
        for op in [Ops.logicalAnd, Ops.logicalOr, Ops.logicalXor] { _ = try b.value(op, [gt, not]) }
        let sel = try b.value(Ops.where, [gt, x, full])
        for op in [Ops.exp, Ops.log, Ops.sqrt, Ops.rsqrt, Ops.reciprocal, Ops.erf, Ops.neg, Ops.abs, Ops.floor, Ops.ceil,
                   Ops.sin, Ops.cos, Ops.sigmoid, Ops.tanh, Ops.hardswish, Ops.hardsigmoid, Ops.gelu, Ops.leakyRelu, Ops.elu, Ops.silu] {
            _ = try b.value(op, [sel])
        }
        _ = try b.value(Ops.gelu, [sel], attributes: ["approximate": .string("tanh")])
        _ = try b.value(Ops.leakyRelu, [sel], attributes: ["negative_slope": .float(0.2)])
        _ = try b.value(Ops.cast, [sel], attributes: ["dtype": .string("f16")])
        let qType = TensorType(.quantized(QuantizedType(storage: .i8, scheme: .perChannel(axis: 1, scales: [0.5, 0.25, 0.125], zeroPoints: [0, 1, -1]))), sel.type.shape)
        let q = try b.create(Ops.quantize, [sel], resultTypes: [qType]).results[0]
        _ = try b.value(Ops.dequantize, [q])
        _ = try b.value(Ops.dynamicQuantize, [sel])
        let w = try b.value(Ops.full, [], attributes: ["shape": .ints([3, 2, 2, 2]), "value": .float(0.5)])
        _ = try b.value(Ops.convTranspose2d, [x, w], attributes: ["stride": .ints([2, 2]), "groups": .int(1)])
        let ln = try b.value(Ops.layerNorm, [x], attributes: ["normalized_shape": .ints([8, 8]), "epsilon": .float(1e-6)])
        _ = try b.value(Ops.groupNorm, [ln], attributes: ["groups": .int(3)])
        _ = try b.value(Ops.upsampleNearest2d, [x], attributes: ["size": .ints([16, 16])])
        _ = try b.value(Ops.upsampleBilinear2d, [x], attributes: ["size": .ints([4, 4]), "align_corners": .bool(true)])
        for op in [Ops.sum, Ops.amax, Ops.amin] { _ = try b.value(op, [x], attributes: ["axes": .ints([2, 3]), "keepdim": .bool(true)]) }
        _ = try b.value(Ops.argmax, [feat], attributes: ["dim": .int(1)])
        _ = try b.value(Ops.argmin, [feat], attributes: ["dim": .int(-1), "keepdim": .bool(true)])
        let sq = try b.value(Ops.squeeze, [x], attributes: ["dims": .ints([0])])
        let usq = try b.value(Ops.unsqueeze, [sq], attributes: ["dim": .int(0)])
        _ = try b.value(Ops.expand, [usq], attributes: ["shape": .ints([2, 3, 8, 8])])
        _ = try b.value(Ops.repeat, [usq], attributes: ["repeats": .ints([1, 1, 2, 1])])
        _ = try b.value(Ops.slice, [x], attributes: ["dim": .int(2), "start": .int(1), "end": .int(7), "step": .int(2)])
        let idx = try b.constant(Data([2, 0, 0, 0, 0, 0, 0, 0]), type: TensorType(.i64, [1]), name: "idx")
        _ = try b.value(Ops.indexSelect, [x, idx], attributes: ["dim": .int(1)])
        let gidx = try b.constant(Data(count: 8 * 6), type: TensorType(.i64, [1, 3, 2, 1]), name: "gidx")
        _ = try b.value(Ops.gather, [x, gidx], attributes: ["dim": .int(2)])
        let parts = try b.create(Ops.split, [x], attributes: ["dim": .int(1), "sizes": .ints([1, 2])])
        #expect(parts.results.count == 2)
        _ = try b.value(Ops.pad, [x], attributes: ["pad": .ints([1, 1, 2, 2]), "mode": .string("reflect")])
        _ = try b.value(Ops.pad, [x], attributes: ["pad": .ints([1, -1]), "value": .float(-1)])
        for op in [Ops.tan, Ops.asin, Ops.acos, Ops.atan, Ops.sinh, Ops.cosh, Ops.asinh, Ops.acosh, Ops.atanh, Ops.round] { _ = try b.value(op, [x]) }
        let ints = try b.constant(Data(count: 4 * 6), type: TensorType(.i32, [2, 3]), name: "ints")
        for op in [Ops.bitwiseAnd, Ops.bitwiseOr, Ops.bitwiseXor, Ops.bitwiseLeftShift, Ops.bitwiseRightShift] { _ = try b.value(op, [ints, ints]) }
        _ = try b.value(Ops.bitwiseNot, [ints])
        _ = try b.value(Ops.prod, [x], attributes: ["dim": .int(1), "keepdim": .bool(true)])
        _ = try b.value(Ops.prod, [x])
        _ = try b.value(Ops.scatter, [x, gidx, x], attributes: ["dim": .int(2), "reduce": .string("add")])
        let top = try b.create(Ops.topk, [x], attributes: ["k": .int(2), "dim": .int(-1), "largest": .bool(false)])
        #expect(top.results.count == 2)
        let grid = try b.constant(Data(count: 4 * 2 * 4 * 4), type: TensorType(.f32, [1, 4, 4, 2]), name: "grid")
        _ = try b.value(Ops.gridSample, [x, grid], attributes: ["mode": .string("nearest"), "padding": .string("border"), "align_corners": .bool(true)])
    }

    @Test func builtIRCoversEveryOpAndRoundTrips() throws {
        let module = try Self.buildEveryOp()
        let used = Set(module.functions.flatMap { $0.body.operations.map(\.name) })
        let declared = Set(OpRegistry.all.map(\.name))
        #expect(declared.subtracting(used).isEmpty, "ops not covered by the round-trip test: \(declared.subtracting(used).sorted())")
        _ = try expectRoundTrip(module)
    }

    @Test func blobsRoundTripBitExactThroughFiles() throws {
        let module = try Self.buildEveryOp()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("edgec-rt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("model.eir").path
        try IRFile.write(module, to: path)
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("model.eirb").path))
        let loaded = try IRFile.read(path: path)
        #expect(loaded.blobs.names.sorted() == IRFile.referencedBlobs(module).sorted())
        for name in loaded.blobs.names {
            #expect(loaded.blobs[name] == module.blobs[name], "blob \(name) changed")
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("blobs = \"model.eirb\""))
        #expect(text.contains("#blob<\"conv.weight\">"))
        // Writing the loaded module again gives the same files.
        let path2 = dir.appendingPathComponent("again.eir").path
        try IRFile.write(loaded, to: path2)
        let text2 = try String(contentsOfFile: path2, encoding: .utf8)
        #expect(text2 == text.replacingOccurrences(of: "model.eirb", with: "again.eirb"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.appendingPathComponent("again.eirb").path))
                == Data(contentsOf: URL(fileURLWithPath: dir.appendingPathComponent("model.eirb").path)))
    }

    @Test func inlineConstantsRoundTripBitExact() throws {
        // Inline data with NaN (hex form), splats, integer extremes and f16.
        let text = """
        func @main() -> (f32[3], f32[4], i64[2], f16[2], bool[3], i8[2]) {
          %a = edge.constant {value = dense<0x0100C07F000000800000807F>} : f32[3]
          %b = edge.constant {value = dense<-1.5>} : f32[4]
          %c = edge.constant {value = dense<[9223372036854775807, -9223372036854775808]>} : i64[2]
          %d = edge.constant {value = dense<[1.0, 65504.0]>} : f16[2]
          %e = edge.constant {value = dense<[true, false, true]>} : bool[3]
          %f = edge.constant {value = dense<[-128, 127]>} : i8[2]
          return %a, %b, %c, %d, %e, %f
        }
        """
        let module = try IRFile.parse(text, fileName: "inline.eir")
        let printed = try expectRoundTrip(module)
        let ops = module.functions[0].body.operations
        guard case .dense(.inline(let a))? = ops[0].attributes["value"] else { Issue.record("not inline"); return }
        #expect(a == [0x01, 0x00, 0xC0, 0x7F, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x80, 0x7F])
        guard case .dense(.inline(let d))? = ops[3].attributes["value"] else { Issue.record("not inline"); return }
        #expect(d == [0x00, 0x3C, 0xFF, 0x7B])
        #expect(printed.contains("dense<-1.5>"))
        #expect(printed.contains("dense<[true, false, true]>"))
    }

    @Test func unsignedConstantsRoundTripExactly() throws {
        // u64 values above Int64.max, the u16 / u32 extremes, through text and through the .eirb blob form.
        let text = """
        func @main() -> (u64[3], u32[2], u16[2], u64[2]) {
          %a = edge.constant {value = dense<[18446744073709551615, 9223372036854775808, 0]>} : u64[3]
          %b = edge.constant {value = dense<[4294967295, 1]>} : u32[2]
          %c = edge.constant {value = dense<[65535, 0]>} : u16[2]
          %d = edge.constant {value = dense<18446744073709551614>} : u64[2]
          return %a, %b, %c, %d
        }
        """
        let module = try IRFile.parse(text, fileName: "unsigned.eir")
        let printed = try expectRoundTrip(module)
        #expect(printed.contains("dense<[18446744073709551615, 9223372036854775808, 0]>"))
        #expect(printed.contains("dense<[4294967295, 1]>"))
        #expect(printed.contains("dense<[65535, 0]>"))
        #expect(printed.contains("dense<18446744073709551614>"))
        #expect(printed.contains("-> (u64[3], u32[2], u16[2], u64[2])"))
        let ops = module.functions[0].body.operations
        guard case .dense(.inline(let a))? = ops[0].attributes["value"] else { Issue.record("not inline"); return }
        #expect(a == [UInt8](repeating: 0xFF, count: 8) + [0, 0, 0, 0, 0, 0, 0, 0x80] + [UInt8](repeating: 0, count: 8))
        // Out of range for the type, or above Int64.max where no u64 is expected: clear errors.
        for (dense, type, message) in [("[18446744073709551616]", "u64[1]", "does not fit in 64 bits"),
                                       ("[-1]", "u64[1]", "value -1 does not fit in u64"),
                                       ("[65536]", "u16[1]", "value 65536 does not fit in u16"),
                                       ("[9223372036854775808]", "i64[1]", "value 9223372036854775808 does not fit in i64")] {
            let source = "func @main() -> (\(type)) {\n  %a = edge.constant {value = dense<\(dense)>} : \(type)\n  return %a\n}\n"
            #expect(throws: (any Error).self) { try IRFile.parse(source, fileName: "bad.eir") }
            do { _ = try IRFile.parse(source, fileName: "bad.eir") } catch { #expect("\(error)".contains(message), "\(error)") }
        }
        // The blob (.eirb) form keeps the bytes.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("edgec-u64-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let big = Module(name: "big")
        let f = Function(name: "main", argumentTypes: [], resultTypes: [TensorType(.u64, [64])])
        big.add(f)
        let values = (0 ..< 64).map { UInt64.max - UInt64($0) * 0x0101_0101_0101 }
        let bytes = values.withUnsafeBufferPointer { Array(UnsafeRawBufferPointer($0)) }
        let b = IRBuilder(function: f)
        let c = try b.constant(Data(bytes), type: TensorType(.u64, [64]), name: "w")
        try b.makeReturn([c])
        #expect(big.blobs.names == ["w"])
        let path = dir.appendingPathComponent("big.eir").path
        try IRFile.write(big, to: path)
        let loaded = try IRFile.read(path: path)
        #expect(loaded.blobs["w"] == Data(bytes))
        #expect(IRPrinter().print(loaded).contains("u64[64]"))
    }

    @Test func namesAreSanitizedDeduplicatedAndStable() throws {
        let module = Module()
        let f = Function(name: "main", argumentTypes: [TensorType(.f32, [2]), TensorType(.f32, [2])],
                         argumentNames: ["/input:0", "x"], resultTypes: [TensorType(.f32, [2])])
        module.add(f)
        let b = IRBuilder(function: f)
        let r1 = try b.value(Ops.relu, [f.arguments[0]])
        r1.nameHint = "x"
        let r2 = try b.value(Ops.add, [r1, f.arguments[1]])
        r2.nameHint = "123"
        try b.makeReturn([r2])
        let text = try expectRoundTrip(module)
        #expect(text.contains("%_input_0: f32[2], %x: f32[2]"))
        #expect(text.contains("%x_1 = edge.relu(%_input_0)"))
        #expect(text.contains("%0 = edge.add(%x_1, %x)"))
    }

    @Test func symbolicAndQuantizedTypesPrint() throws {
        let q = TensorType(.quantized(QuantizedType(storage: .i8, scheme: .perChannel(axis: 0, scales: [0.5, 1e-3], zeroPoints: [0, -1]))), [2, Dim.symbolic("s"), .unknown])
        #expect(TypeText.type(q) == "qi8<axis=0, scales=[0.5, 0.001], zps=[0, -1]>[2,?s,?]")
        let module = Module()
        let f = Function(name: "main", argumentTypes: [q], resultTypes: [q])
        module.add(f)
        try IRBuilder(function: f).makeReturn([f.arguments[0]])
        _ = try expectRoundTrip(module)
    }

    /// The 4-bit blockwise type prints as `qi4<axis, block, scales>` (i8 storage implied) and parses back.
    @Test func blockwiseTypesPrintAndParse() throws {
        let q = TensorType(.quantized(QuantizedType(storage: .i8, scheme: .blockwise(axis: 1, blockSize: 32, scales: [0.5, 0.0078125]))), [1, 64])
        #expect(TypeText.type(q) == "qi4<axis=1, block=32, scales=[0.5, 0.0078125]>[1,64]")
        let module = Module()
        let f = Function(name: "main", argumentTypes: [q], resultTypes: [TensorType(.f32, [1, 64])])
        module.add(f)
        let b = IRBuilder(function: f)
        try b.makeReturn([try b.value(Ops.dequantize, [f.arguments[0]])])
        let text = try expectRoundTrip(module)
        let parsed = try IRFile.parse(text, fileName: "t.eir")
        #expect(parsed.mainFunction!.arguments[0].type == q)
    }

    @Test func floatAttributesRoundTripExactly() throws {
        for v in [1e-5, 0.1, 1.0 / 3.0, -0.0, 1e300, Double.leastNonzeroMagnitude, Double.infinity, -Double.infinity] {
            let module = Module()
            let f = Function(name: "main", argumentTypes: [TensorType(.f32, [1, 2])], resultTypes: [TensorType(.f32, [1, 2])])
            module.add(f)
            let b = IRBuilder(function: f)
            let c = try b.value(Ops.clamp, [f.arguments[0]], attributes: ["max": .float(v)])
            try b.makeReturn([c])
            let text = try expectRoundTrip(module)
            let back = try IRFile.parse(text, fileName: "f.eir")
            let value = back.functions[0].body.operations[0].attributes["max"]?.floatValue
            #expect(value?.bitPattern == v.bitPattern, "\(v) came back as \(String(describing: value))")
        }
    }
}
