import Foundation
import Testing

@testable import EdgeTorch

/// The JSON reader of exported programs: RFC 8259 values, Python's non-finite literals, and
/// errors (with the byte offset) for malformed or hostile documents.
@Suite struct JSONParserTests {
    private func parse(_ text: String) throws(TorchImportError) -> JSONValue {
        try JSONValue.parse(Data(text.utf8), what: "doc.json")
    }

    private func message(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func readsEveryKind() throws {
        let v = try parse(#" { "a": [1, -2, 3.5, 1e3, -0.25E-2], "b": {"c": null, "d": true, "e": false}, "s": "x" } "#)
        let c = JSONCursor(v, path: "doc.json")
        let a = try c["a"].array
        #expect(try a[0].int == 1)
        #expect(try a[1].int == -2)
        #expect(try a[2].double == 3.5)
        #expect(try a[3].double == 1000)
        #expect(try a[4].double == -0.0025)
        #expect(throws: TorchImportError.self) { try a[2].int }   // 3.5 is not an integer
        #expect(throws: TorchImportError.self) { try a[3].int }   // nor is 1e3: written as a float
        #expect(try c["b"]["c"].isNull)
        #expect(try c["b"]["d"].bool == true)
        #expect(try c["b"]["e"].bool == false)
        #expect(try c["s"].string == "x")
        #expect(try c.object.map(\.key) == ["a", "b", "s"])
    }

    @Test func integersKeepAll64Bits() throws {
        let c = JSONCursor(try parse("[9223372036854775807, -9223372036854775808, 9223372036854775808]"), path: "d")
        let a = try c.array
        #expect(try a[0].int == Int64.max)
        #expect(try a[1].int == Int64.min)
        #expect(try a[2].double == 9223372036854775808.0)   // past Int64: a double, not a trap
    }

    @Test func nonFiniteFloatsAsPythonWritesThem() throws {
        let a = try JSONCursor(try parse(#"[NaN, Infinity, -Infinity, "NaN", "-Infinity"]"#), path: "d").array
        #expect(try a[0].double.isNaN)
        #expect(try a[1].double == .infinity)
        #expect(try a[2].double == -.infinity)
        #expect(try a[3].double.isNaN)
        #expect(try a[4].double == -.infinity)
    }

    @Test func stringEscapes() throws {
        let s = try JSONCursor(try parse(#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#), path: "d").string
        #expect(s == "a\"b\\c/d\n\té😀")
        #expect(try JSONCursor(try parse(#""""#), path: "d").string == "")
    }

    @Test func repeatedKeysKeepTheLast() throws {
        #expect(try JSONCursor(try parse(#"{"k": 1, "k": 2}"#), path: "d")["k"].int == 2)
    }

    @Test(arguments: [
        ("", "unexpected end of the document at byte 0"),
        ("[1, 2", "unterminated list"),
        (#"{"a" 1}"#, "expected ':' after member \"a\""),
        (#"{a: 1}"#, "expected a quoted member name"),
        ("[1,]", "unexpected character ']'"),
        ("01", "leading zero"),
        ("1.", "expected a digit after '.'"),
        ("1e", "expected a digit in the exponent"),
        ("-", "expected a digit"),
        ("[1] 2", "unexpected text after the document"),
        ("\"abc", "unterminated string"),
        ("\"a\u{01}b\"", "control character 0x1"),
        (#""\x""#, "unknown escape \\'x'"),
        (#""\ud800""#, "a high surrogate without its low half"),
        (#""\udc00""#, "a low surrogate without its high half"),
        (#""\u12g4""#, "bad hex digit"),
        ("tru", "unexpected character 't'"),
    ])
    func malformedDocumentsAreNamed(text: String, expected: String) {
        let m = message(text)
        #expect(m?.hasPrefix("doc.json is not valid JSON (") == true, "\(m ?? "parsed")")
        #expect(m?.contains(expected) == true, "\(m ?? "parsed") lacks \(expected)")
    }

    @Test func invalidUTF8InAStringIsAnError() {
        var bytes = Array("\"a".utf8)
        bytes += [0xFF, 0xFE]
        bytes += Array("\"".utf8)
        #expect(throws: TorchImportError.self) { try JSONValue.parse(Data(bytes), what: "doc.json") }
    }

    @Test func deepNestingIsRejectedNotAStackOverflow() throws {
        let ok = String(repeating: "[", count: JSONValue.maxDepth) + String(repeating: "]", count: JSONValue.maxDepth)
        _ = try parse(ok)
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(message(deep)?.contains("nest deeper than \(JSONValue.maxDepth)") == true)
        let objects = String(repeating: #"{"a":"#, count: 100_000)
        #expect(message(objects)?.contains("nest deeper than") == true)
    }
}
