import EdgeBackends
import EdgeCompiler
import EdgeIR
import EdgePasses
import Foundation
import Testing

/// The XNNPACK capability table: what it accepts, what it refuses and why.
@Suite struct XNNPACKSupportTests {
    /// The refusal of the op defining the single result of `@main` in `text` (nil = accepted).
    static func refusal(_ text: String) throws -> String? {
        let module = try IRFile.parse(text, fileName: "case.eir")
        let main = try #require(module.mainFunction)
        let op = try #require(main.returnedValues.first?.definingOp)
        return XNNPACKSupport.refusal(for: op)
    }

    static func fn(_ args: String, _ result: String, _ body: String) -> String {
        "func @main(\(args)) -> \(result) {\n\(body)\n  return %y\n}\n"
    }

    @Test func acceptsWhatExecuTorchDelegates() throws {
        let cases = [
            Self.fn("%x: f32[1,3,8,8]", "f32[1,8,8,8]", """
              %w = edge.constant {value = dense<0.5>} : f32[8,3,3,3]
              %y = edge.conv2d(%x, %w) {padding = [1, 1], fused_activation = "relu6"} : f32[1,8,8,8]
            """),
            Self.fn("%x: f32[1,8,8,8]", "f32[1,8,8,8]", """
              %w = edge.constant {value = dense<0.5>} : f32[8,1,3,3]
              %y = edge.conv2d(%x, %w) {padding = [1, 1], groups = 8} : f32[1,8,8,8]
            """),
            Self.fn("%x: f32[1,8,8,8]", "f32[1,8,8,8]", """
              %w = edge.constant {value = dense<0.5>} : f32[8,4,3,3]
              %y = edge.conv2d(%x, %w) {padding = [1, 1], groups = 2} : f32[1,8,8,8]
            """),
            Self.fn("%x: f32[2,5,8]", "f32[2,5,4]", """
              %w = edge.constant {value = dense<0.5>} : f32[4,8]
              %y = edge.linear(%x, %w) : f32[2,5,4]
            """),
            Self.fn("%a: f32[2,3,4], %b: f32[2,4,5]", "f32[2,3,5]", "  %y = edge.matmul(%a, %b) : f32[2,3,5]"),
            Self.fn("%a: f32[3,4]", "f32[3,5]", """
              %w = edge.constant {value = dense<0.5>} : f32[4,5]
              %y = edge.matmul(%a, %w) : f32[3,5]
            """),
            Self.fn("%a: f32[1,4,2,2], %b: f32[4,1,1]", "f32[1,4,2,2]", "  %y = edge.div(%a, %b) : f32[1,4,2,2]"),
            Self.fn("%x: f32[1,4,8,8]", "f32[1,4,4,4]", "  %y = edge.max_pool2d(%x) {kernel_size = [3, 3], stride = [2, 2], padding = [1, 1], ceil_mode = true} : f32[1,4,5,5]")
                .replacingOccurrences(of: "f32[1,4,4,4]", with: "f32[1,4,5,5]"),
            Self.fn("%x: f32[1,4,8,8]", "f32[1,4,8,8]", "  %y = edge.avg_pool2d(%x) {kernel_size = [3, 3], stride = [1, 1], padding = [1, 1], count_include_pad = false} : f32[1,4,8,8]"),
            Self.fn("%x: f32[1,4,8,8]", "f32[1,4,1,1]", "  %y = edge.mean(%x) {axes = [-1, 2], keepdim = true} : f32[1,4,1,1]"),
            // Without keepdim: a global average pool (keep dims) and a static reshape to [N, C].
            Self.fn("%x: f32[1,4,8,8]", "f32[1,4]", "  %y = edge.mean(%x) {axes = [2, 3]} : f32[1,4]"),
            Self.fn("%x: f32[2,3]", "f32[2,3]", "  %y = edge.softmax(%x) {axis = 1} : f32[2,3]"),
            Self.fn("%x: f32[2,3]", "f32[2,3]", "  %y = edge.layer_norm(%x) {normalized_shape = [3]} : f32[2,3]"),
            Self.fn("%x: f32[2,3]", "f32[2,3]", "  %y = edge.hardsigmoid(%x) : f32[2,3]"),
            Self.fn("%x: f32[1,2,3,3]", "f32[1,2,3,3]", """
              %s = edge.full {shape = [2], value = 1.0} : f32[2]
              %y = edge.batch_norm(%x, %s, %s, %s, %s) : f32[1,2,3,3]
            """),
            Self.fn("%x: f32[2,3]", "f32[2,3]", "  %y = edge.clamp(%x) {min = -1.0} : f32[2,3]"),
            Self.fn("%x: f32[2,3]", "f32[2,5]", "  %y = edge.pad(%x) {pad = [1, 1]} : f32[2,5]"),
            Self.fn("%x: f32[2,3]", "f32[3,2]", "  %y = edge.permute(%x) {dims = [1, 0]} : f32[3,2]"),
            Self.fn("%x: f32[2,3]", "f32[2,6]", "  %y = edge.concat(%x, %x) {axis = 1} : f32[2,6]"),
            Self.fn("%x: f32[2,3]", "f32[2,3]", """
              %two = edge.constant {value = dense<2.0>} : f32[]
              %y = edge.pow(%x, %two) : f32[2,3]
            """),
        ]
        for text in cases {
            #expect(try Self.refusal(text) == nil, "refused:\n\(text)")
        }
    }

    @Test func refusesWithAReason() throws {
        let cases: [(String, String)] = [
            (Self.fn("%x: f32[2,3]", "f32[2,3]", "  %y = edge.softmax(%x) {axis = 0} : f32[2,3]"),
             "softmax over axis 0 is not the last dim (rank 2)"),
            (Self.fn("%x: f32[1,4,8,8]", "f32[1,1,8,8]", "  %y = edge.mean(%x) {axes = [1], keepdim = true} : f32[1,1,8,8]"),
             "mean.dim only supports averaging 4D tensors across the innermost dimensions (axes [1])"),
            (Self.fn("%x: f32[4,8]", "f32[4,1]", "  %y = edge.mean(%x) {axes = [1], keepdim = true} : f32[4,1]"),
             "mean.dim only supports averaging 4D tensors, got tensor of rank 2"),
            (Self.fn("%x: f32[1,3,8,8], %w: f32[8,3,3,3]", "f32[1,8,6,6]", "  %y = edge.conv2d(%x, %w) : f32[1,8,6,6]"),
             "weight is not a constant (XNNPACK needs static weights)"),
            (Self.fn("%x: i32[2,3]", "i32[2,3]", "  %y = edge.relu(%x) : i32[2,3]"),
             "operand i32[2,3] is not f32 (the XNNPACK delegate runs f32 and qi8 here)"),
            (Self.fn("%x: f32[2,3]", "f32[2,3]", "  %y = edge.erf(%x) : f32[2,3]"), "XNNPACK has no node for edge.erf"),
            (Self.fn("%x: f32[2,3], %w: f32[3]", "f32[2,3]", "  %y = edge.layer_norm(%x, %w) {normalized_shape = [3]} : f32[2,3]"),
             "weight is not a constant"),
            (Self.fn("%x: f32[1,4,8,8]", "f32[1,4,4,4]", "  %y = edge.avg_pool2d(%x) {kernel_size = [2, 2], ceil_mode = true} : f32[1,4,4,4]"),
             "ceil mode is not supported"),
            (Self.fn("%x: f32[1,4,8,8]", "f32[1,4,8,8]", "  %y = edge.avg_pool2d(%x) {kernel_size = [3, 3], stride = [1, 1], padding = [1, 1]} : f32[1,4,8,8]"),
             "zero-padding in the averaging calculation is not supported (count_include_pad with padding [1, 1])"),
            (Self.fn("%x: f32[1,4,8,8]", "f32[1,4,3,3]", "  %y = edge.max_pool2d(%x) {kernel_size = [2, 2], stride = [3, 3]} : f32[1,4,3,3]"),
             "stride ([3, 3]) must be less than or equal to kernel size ([2, 2])"),
            (Self.fn("%x: f32[2,3]", "f32[2,3]", "  %y = edge.gelu(%x) {approximate = \"tanh\"} : f32[2,3]"),
             "XNNPACK's gelu is the erf form; approximate = \"tanh\" is not"),
            (Self.fn("%x: f32[2,3]", "f32[2,1]", "  %y = edge.pad(%x) {pad = [0, -2]} : f32[2,1]"),
             "XNNPACK does not support negative padding values ([0, -2])"),
            (Self.fn("%x: f32[2,6]", "f32[2,3]", "  %y = edge.slice(%x) {dim = 1, step = 2} : f32[2,3]"),
             "XNNPACK static slice only supports step 1, got 2"),
            (Self.fn("%a: f32[2,3,4], %b: f32[1,4,5]", "f32[2,3,5]", "  %y = edge.matmul(%a, %b) : f32[2,3,5]"),
             "matmul of f32[2,3,4] and f32[1,4,5] broadcasts batch dims (XNNPACK's batch matrix multiply takes equal batches)"),
            (Self.fn("%x: f32[2,3]", "f32[2,3]", """
              %three = edge.constant {value = dense<3.0>} : f32[]
              %y = edge.pow(%x, %three) : f32[2,3]
            """), "only power == 2 (a constant exponent) is supported"),
            (Self.fn("%x: f32[2,3]", "f32[2,3]", "  %y = edge.concat(%x) {axis = 1} : f32[2,3]"),
             "only supports concatenation of 2 or more tensors, got 1"),
            (Self.fn("%a: f32[], %b: f32[]", "f32[]", "  %y = edge.add(%a, %b) : f32[]"),
             "operand f32[] is a scalar (rank 0)"),
        ]
        for (text, reason) in cases {
            #expect(try Self.refusal(text) == reason, "for:\n\(text)")
        }
    }

    @Test func everyRuleNamesADeclaredOpThePortableBackendAlsoLowers() {
        let declared = Set(OpRegistry.all.map(\.name))
        for op in XNNPACKSupport.supportedOps {
            #expect(declared.contains(op), "\(op) is not a declared op")
            // A refused instance falls back to portable kernels, so each op needs a portable lowering
            // too — except quantize/dequantize, which no ExecuTorch pip kernel runs (only XNNPACK does).
            if op == Ops.quantize.name || op == Ops.dequantize.name || op == Ops.dynamicQuantize.name { continue }
            #expect(PortableBackend.supportedOps.contains(op), "\(op) has no portable fallback")
        }
    }

    @Test func docIsCurrent() throws {
        let committed = try String(contentsOf: repoRoot.appendingPathComponent("docs/arm-cpu.md"), encoding: .utf8)
        // The generated table, then the hand-written sections (conformance differences).
        #expect(committed.hasPrefix(XNNPACKSupport.markdown() + "\n## "),
                "docs/arm-cpu.md is stale: replace its table with the output of `swift run edgec list-ops --xnnpack`")
    }

    @Test func passNamesAreUnique() {
        let names = PassCatalog.all.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.contains("partition-xnnpack"))
    }

    /// One declaration of "runs in INT8 on arm-cpu": the target's INT8 ops are XNNPACK's INT8
    /// forms, and each has a quantizer role of the matching kind (so the quantizer plans exactly
    /// what the lowering runs on integers); quantizable ops without an XNNPACK INT8 form stay
    /// float in arm-cpu programs.
    @Test func theQuantizerPlansWhatXNNPACKRunsInINT8() throws {
        let target = try BackendRegistry.named("arm-cpu").target
        #expect(target.int8Ops == XNNPACKSupport.int8Ops)
        #expect(try BackendRegistry.named("portable").target.int8Ops == nil)
        let roles = Dictionary(uniqueKeysWithValues: QuantizableOps.table.map { ($0.op.name, $0.role) })
        var planned: [String] = []
        for op in XNNPACKSupport.int8Ops.sorted() {
            guard let role = roles[op] else { continue }  // lowered INT8 when the IR says so, not planned by the quantizer
            planned.append(op)
            switch (XNNPACKSupport.int8FormName(op), role) {
            case ("gemm"?, .weighted), ("requantizing"?, .compute), ("sameParameters"?, .passThrough), ("sameParameters"?, .shared): break
            default: Issue.record("\(op): XNNPACK form \(XNNPACKSupport.int8FormName(op) ?? "none") does not match the quantizer role \(role)")
            }
        }
        #expect(planned.contains("edge.conv2d") && planned.contains("edge.sub") && planned.contains("edge.slice") && planned.contains("edge.concat"))
        // The table's ops without an XNNPACK INT8 form: float islands on arm-cpu.
        let floatOnArm = Set(roles.keys).subtracting(XNNPACKSupport.int8Ops)
        #expect(floatOnArm == ["edge.avg_pool2d", "edge.sigmoid"], "\(floatOnArm.sorted())")
    }

}
