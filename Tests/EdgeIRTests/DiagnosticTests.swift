import Foundation
import Testing

@testable import EdgeIR

/// Parses and verifies `text`, returning the diagnostics it is rejected with.
func diagnostics(of text: String) -> [Diagnostic] {
    do {
        _ = try IRFile.parse(text, fileName: "t.eir")
        return []
    } catch {
        return error.diagnostics
    }
}

@Suite struct ParserDiagnosticTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var text: String
        var message: String
        var line: Int
        var column: Int
        var testDescription: String { message }
    }

    static let cases: [Case] = [
        Case(text: "func @main(%x: f32[2]) -> f32[2] {\n  %y = edge.relux(%x) : f32[2]\n  return %y\n}",
             message: "unknown operation 'edge.relux'; did you mean 'edge.relu'?", line: 2, column: 8),
        Case(text: "func @main(%x: f32[2]) -> f32[2] {\n  %y = edge.relu(%z) : f32[2]\n  return %y\n}",
             message: "use of undefined value '%z'", line: 2, column: 18),
        Case(text: "func @main(%x: f32[2]) -> f32[2] {\n  %y = edge.relu(%x) : f32[2]\n  %y = edge.relu(%x) : f32[2]\n  return %y\n}",
             message: "value '%y' is defined twice", line: 3, column: 3),
        Case(text: "func @main(%x: f32[2]) -> f32[2] {\n  %y = edge.relu(%x : f32[2]\n  return %y\n}",
             message: "expected ')' to close the operands of edge.relu, found ':'", line: 2, column: 21),
        Case(text: "func @main(%x: f33[2]) -> f32[2] {\n}",
             message: "unknown element type 'f33'", line: 1, column: 16),
        Case(text: "func @main(%x: qi4<axis=1, scales=[1.0]>[2]) -> f32[2] {\n}",
             message: "qi4 parameters must be <axis=A, block=B, scales=[...]>", line: 1, column: 41),
        Case(text: "func @main(%x: f32[2]) -> f32[2] {\n  %y = edge.softmax(%x) {axis = \"last\"} : f32[2]\n  return %y\n}",
             message: "attribute 'axis' of edge.softmax must be integer, got string", line: 2, column: 26),
        Case(text: "func @main(%x: f32[2]) -> f32[2] {\n  %y = edge.softmax(%x) {axes = 0} : f32[2]\n  return %y\n}",
             message: "edge.softmax has no attribute 'axes'; it takes axis", line: 2, column: 26),
        Case(text: "func @main(%x: f32[2]) -> f32[2] {\n  %y = edge.reshape(%x) : f32[2]\n  return %y\n}",
             message: "edge.reshape needs attribute 'shape' (integer list)", line: 2, column: 8),
        Case(text: "func @main(%x: f32[2]) -> f32[2] {\n  %y = edge.relu(%x, %x) : f32[2]\n  return %y\n}",
             message: "edge.relu takes at most 1 operand, got 2", line: 2, column: 8),
        Case(text: "func @main(%x: f32[2]) -> f32[2] {\n  %y = edge.relu(%x) : f32[2]\n  return %y",
             message: "expected '}' to close the body of @main", line: 3, column: 12),
        Case(text: "func @main(%x: f32[2]) -> f32[2] {\n  %y = edge.constant {value = dense<[1.0, 2.0, 3.0]>} : f32[2]\n  return %y\n}",
             message: "dense data has 3 elements but f32[2] holds 2", line: 2, column: 31),
        Case(text: "func @main(%x: f32[2]) -> f32[2] {\n  %y = edge.relu(%x) : f32[2] loc(\"unterminated)\n}",
             message: "unterminated string", line: 2, column: 35),
        Case(text: "func @main(%x: f32[2]) -> f32[2] {\n  %y = edge.relu(%x) : f32[99999999999999999999]\n}",
             message: "does not fit in 64 bits", line: 2, column: 28),
        Case(text: "func @main(%x: f32[2]) -> f32[2] {\n  \u{1}\n}",
             message: "unexpected character byte 0x1", line: 2, column: 3),
        Case(text: "func @a() -> () {\n  return\n}\nfunc @a() -> () {\n  return\n}",
             message: "function @a is defined twice", line: 4, column: 1),
        Case(text: "module @m {blobs = \"x.eirb\"} garbage",
             message: "expected 'func' to start a function, found 'garbage'", line: 1, column: 28),
    ]

    @Test(arguments: cases)
    func parseErrorsPointAtTheProblem(_ c: Case) {
        // Blob files are not involved in these cases; strip the header blob so only syntax is tested.
        let text = c.text.replacingOccurrences(of: "{blobs = \"x.eirb\"}", with: "{producer = \"x\"}")
        let ds = diagnostics(of: text)
        guard let d = ds.first else {
            Issue.record("accepted: \(c.text)")
            return
        }
        #expect(d.message.contains(c.message), "got: \(d.message)")
        #expect(d.position?.file == "t.eir")
        #expect(d.position?.line == c.line, "\(d)")
        #expect(d.position?.column == c.column, "\(d)")
        // The rendered diagnostic shows the line and a caret under the column.
        let rendered = d.description.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(rendered.count >= 3)
        #expect(rendered[0].hasPrefix("t.eir:\(c.line):\(c.column): error: "))
        if rendered.count >= 3 {
            #expect(rendered[2].count == c.column && rendered[2].hasSuffix("^"), "caret misplaced:\n\(d)")
        }
    }
}

@Suite struct VerifierTests {
    @Test func resultTypeMismatchNamesOpAndNode() {
        let ds = diagnostics(of: """
        func @main(%x: f32[1,3,8,8], %w: f32[4,3,3,3]) -> f32[1,4,8,8] {
          %y = edge.conv2d(%x, %w) : f32[1,4,8,8] loc("Conv_7")
          return %y
        }
        """)
        #expect(ds.count == 1)
        #expect(ds.first?.message == "'edge.conv2d' at \"Conv_7\": result #0 has type f32[1,4,8,8] but the operands and attributes give f32[1,4,6,6]")
        #expect(ds.first?.position?.line == 2)
    }

    @Test func reportsEveryProblemNotJustTheFirst() {
        let ds = diagnostics(of: """
        func @main(%x: f32[2,3], %y: f32[4,3]) -> f32[2,3] {
          %a = edge.add(%x, %y) : f32[2,3] loc("Add_1")
          %b = edge.softmax(%x) {axis = 5} : f32[2,3] loc("Softmax_2")
          %c = edge.matmul(%x, %y) : f32[2,4]
          return %a
        }
        """)
        let messages = ds.map(\.message)
        #expect(messages.count == 3, "\(messages)")
        #expect(messages.contains { $0.contains("\"Add_1\"") && $0.contains("do not broadcast") })
        #expect(messages.contains { $0.contains("\"Softmax_2\"") && $0.contains("axis 5 is out of range for rank 2") })
        #expect(messages.contains { $0.contains("contracted dimensions differ") })
    }

    @Test func returnMustMatchSignature() {
        let ds = diagnostics(of: "func @main(%x: f32[2]) -> (f32[2], f32[2]) {\n  return %x\n}")
        #expect(ds.first?.message.contains("returns 1 value but @main declares 2 results") == true)
        let ds2 = diagnostics(of: "func @main(%x: f32[2]) -> f32[3] {\n  return %x\n}")
        #expect(ds2.first?.message.contains("result #0 is f32[2] but @main declares f32[3]") == true)
        let ds3 = diagnostics(of: "func @main(%x: f32[2]) -> f32[2] {\n  %y = edge.relu(%x) : f32[2]\n}")
        #expect(ds3.first?.message.contains("must be 'return'") == true)
        let ds4 = diagnostics(of: "func @main(%x: f32[2]) -> f32[2] {\n}")
        #expect(ds4.first?.message.contains("body is empty") == true)
    }

    @Test func constantsMustMatchTheirBlobs() {
        let store = BlobStore()
        store.set("w", Data(count: 12))
        let text = "func @main() -> f32[4] {\n  %w = edge.constant {value = #blob<\"w\">} : f32[4]\n  return %w\n}"
        do {
            let m = try IRParser.parse(text, fileName: "c.eir", blobs: store)
            try Verifier.verify(m)
            Issue.record("accepted a 12-byte blob for f32[4]")
        } catch {
            #expect(error.description.contains("blob \"w\" has 12 bytes but f32[4] needs 16"))
        }
        let missing = diagnostics(of: text)
        #expect(missing.first?.message.contains("blob \"w\" is not in the module's blob store") == true)
    }

    @Test func useBeforeDefinitionIsCaught() throws {
        let module = Module()
        let f = Function(name: "main", argumentTypes: [TensorType(.f32, [2])], resultTypes: [TensorType(.f32, [2])])
        module.add(f)
        let b = IRBuilder(function: f)
        let ret = try b.makeReturn([f.arguments[0]])
        b.setInsertionPoint(before: ret)
        let late = try b.create(Ops.relu, [f.arguments[0]])
        b.setInsertionPoint(before: late)
        let early = try b.create(Ops.relu, [late.result])  // uses a value defined after it
        early.location = .name("early")
        do {
            try Verifier.verify(module)
            Issue.record("use before definition was accepted")
        } catch {
            #expect(error.description.contains("'edge.relu' at \"early\": operand #0 (%1) is used before its definition"), "\(error)")
        }
    }

    @Test func shapeOverflowIsADiagnosticNotACrash() {
        let ds = diagnostics(of: """
        func @main(%x: f32[4294967296,4294967296,4294967296]) -> f32[?] {
          %y = edge.flatten(%x) {start_dim = 0} : f32[?]
          return %y
        }
        """)
        #expect(ds.contains { $0.message.contains("flattened size overflows") })
        let ds2 = diagnostics(of: """
        func @main() -> f32[4294967296,4294967296] {
          %c = edge.constant {value = dense<1.0>} : f32[4294967296,4294967296]
          return %c
        }
        """)
        #expect(ds2.contains { $0.message.contains("dense data needs a static result type") })
        // fuzz-eir (2026-12-03): a splat of 98 M elements took 30 s to expand; text constants
        // stop at 256 MiB, with the advice to use the blob file.
        let ds2b = diagnostics(of: """
        func @main() -> f32[32888888,3] {
          %c = edge.constant {value = dense<0.125>} : f32[32888888,3]
          return %c
        }
        """)
        #expect(ds2b.contains { $0.message.contains("would be 394666656 bytes, more than the 256 MiB a constant written in text may hold") })
        let ds3 = diagnostics(of: """
        func @main(%x: f32[3037000500,3037000500]) -> f32[?] {
          %y = edge.reshape(%x) {shape = [-1]} : f32[?]
          return %y
        }
        """)
        #expect(!ds3.isEmpty)
    }
}
