import Foundation

/// A parsed JSON document, decoded without trusting its shape: every accessor checks the
/// kind it expects and throws an error naming the JSON path when the document differs.
/// Non-finite floats, which torch writes as the strings "Infinity", "-Infinity" and "NaN",
/// are read as doubles.
enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The deepest nesting of lists and objects accepted (an exported program nests about 10
    /// deep); deeper input is rejected before it can exhaust the stack.
    static let maxDepth = 256

    /// Parses `data` as JSON (RFC 8259; also the bare `NaN`, `Infinity` and `-Infinity` that
    /// Python's `json.dumps` writes by default); `what` names the document in errors. A number
    /// written without fraction or exponent that fits `Int64` is an integer, every other number
    /// a double. A repeated object key keeps its last value, as Python's reader does.
    static func parse(_ data: Data, what: String) throws(TorchImportError) -> JSONValue {
        let bytes = [UInt8](data)
        var parser = JSONParser(bytes: bytes)
        do throws(JSONParser.Failure) {
            parser.skipSpace()
            let value = try parser.value(depth: 0)
            parser.skipSpace()
            guard parser.at == bytes.count else { throw parser.failure("unexpected text after the document") }
            return value
        } catch {
            throw TorchImportError("\(what) is not valid JSON (\(error.message) at byte \(error.offset))")
        }
    }

    var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a bool"
        case .int: return "an integer"
        case .double: return "a number"
        case .string: return "a string"
        case .array: return "a list"
        case .object: return "an object"
        }
    }
}

/// A JSON value together with where it sits in its document, for error messages.
struct JSONCursor: Sendable {
    let value: JSONValue
    /// The document and the path within it: `models/model.json: graph_module.graph.nodes[3]`.
    let path: String

    init(_ value: JSONValue, path: String) {
        self.value = value
        self.path = path
    }

    func fail(_ expected: String) -> TorchImportError {
        TorchImportError("\(path): expected \(expected), found \(value.kindName)")
    }

    /// The member `key` of an object; throws when absent.
    subscript(key: String) -> JSONCursor {
        get throws(TorchImportError) {
            guard case .object(let o) = value else { throw fail("an object with '\(key)'") }
            guard let v = o[key] else { throw TorchImportError("\(path): missing '\(key)'") }
            return JSONCursor(v, path: path + "." + key)
        }
    }

    /// The member `key` when present and not null.
    func optional(_ key: String) throws(TorchImportError) -> JSONCursor? {
        guard case .object(let o) = value else { throw fail("an object") }
        guard let v = o[key] else { return nil }
        if case .null = v { return nil }
        return JSONCursor(v, path: path + "." + key)
    }

    var isNull: Bool { if case .null = value { return true }; return false }

    var object: [(key: String, value: JSONCursor)] {
        get throws(TorchImportError) {
            guard case .object(let o) = value else { throw fail("an object") }
            return o.sorted { $0.key < $1.key }.map { ($0.key, JSONCursor($0.value, path: path + "." + $0.key)) }
        }
    }

    var array: [JSONCursor] {
        get throws(TorchImportError) {
            guard case .array(let a) = value else { throw fail("a list") }
            return a.enumerated().map { JSONCursor($1, path: "\(path)[\($0)]") }
        }
    }

    var string: String {
        get throws(TorchImportError) {
            guard case .string(let s) = value else { throw fail("a string") }
            return s
        }
    }

    var int: Int64 {
        get throws(TorchImportError) {
            guard case .int(let i) = value else { throw fail("an integer") }
            return i
        }
    }

    var bool: Bool {
        get throws(TorchImportError) {
            guard case .bool(let b) = value else { throw fail("a bool") }
            return b
        }
    }

    var double: Double {
        get throws(TorchImportError) {
            switch value {
            case .double(let d): return d
            case .int(let i): return Double(i)
            case .string("Infinity"): return .infinity
            case .string("-Infinity"): return -.infinity
            case .string("NaN"): return .nan
            default: throw fail("a number")
            }
        }
    }

    /// A tagged union (`{"as_int": 3}`): the single member's key and value.
    var union: (tag: String, value: JSONCursor) {
        get throws(TorchImportError) {
            let members = try object
            guard members.count == 1 else {
                throw TorchImportError("\(path): expected a union with one member, found \(members.count) (\(members.map(\.key).joined(separator: ", ")))")
            }
            return (members[0].key, members[0].value)
        }
    }
}

/// A recursive-descent JSON reader over bytes. It replaces `JSONDecoder` with a
/// `Decodable` enum, which tried each kind in turn and paid for a thrown error per failed
/// attempt: about 20 ms per exported program, which made the `.pt2` fuzz harnesses crawl.
struct JSONParser {
    struct Failure: Error {
        let message: String
        let offset: Int
    }

    let bytes: [UInt8]
    var at = 0

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    func failure(_ message: String) -> Failure { Failure(message: message, offset: at) }

    mutating func skipSpace() {
        while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 { at += 1 }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let n = word.utf8CodeUnitCount
        guard bytes.count - at >= n else { return false }
        let matches = word.withUTF8Buffer { w in (0 ..< n).allSatisfy { bytes[at + $0] == w[$0] } }
        if matches { at += n }
        return matches
    }

    mutating func value(depth: Int) throws(Failure) -> JSONValue {
        guard at < bytes.count else { throw failure("unexpected end of the document") }
        switch bytes[at] {
        case UInt8(ascii: "{"):
            guard depth < JSONValue.maxDepth else { throw failure("lists and objects nest deeper than \(JSONValue.maxDepth)") }
            at += 1
            var members: [String: JSONValue] = [:]
            skipSpace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
            while true {
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw failure("expected a quoted member name") }
                let key = try string()
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { throw failure("expected ':' after member \"\(key.prefix(40))\"") }
                at += 1
                skipSpace()
                members[key] = try value(depth: depth + 1)
                skipSpace()
                guard at < bytes.count else { throw failure("unterminated object") }
                if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                if bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
                throw failure("expected ',' or '}' in an object")
            }
        case UInt8(ascii: "["):
            guard depth < JSONValue.maxDepth else { throw failure("lists and objects nest deeper than \(JSONValue.maxDepth)") }
            at += 1
            var items: [JSONValue] = []
            skipSpace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard at < bytes.count else { throw failure("unterminated list") }
                if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                if bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
                throw failure("expected ',' or ']' in a list")
            }
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"):
            if literal("true") { return .bool(true) }
        case UInt8(ascii: "f"):
            if literal("false") { return .bool(false) }
        case UInt8(ascii: "n"):
            if literal("null") { return .null }
        case UInt8(ascii: "N"):
            if literal("NaN") { return .double(.nan) }
        case UInt8(ascii: "I"):
            if literal("Infinity") { return .double(.infinity) }
        case UInt8(ascii: "-"), UInt8(ascii: "0") ... UInt8(ascii: "9"):
            if literal("-Infinity") { return .double(-.infinity) }
            return try number()
        default:
            break
        }
        throw failure("unexpected character \(Self.describe(bytes[at]))")
    }

    private static func describe(_ b: UInt8) -> String {
        b >= 0x20 && b < 0x7F ? "'\(Character(UnicodeScalar(b)))'" : "0x" + String(b, radix: 16)
    }

    private func isDigit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9") }

    private mutating func number() throws(Failure) -> JSONValue {
        let start = at
        if bytes[at] == UInt8(ascii: "-") { at += 1 }
        guard isDigit(at) else { throw failure("expected a digit") }
        if bytes[at] == UInt8(ascii: "0") {
            at += 1
            if isDigit(at) { throw failure("a number may not have a leading zero") }
        } else {
            while isDigit(at) { at += 1 }
        }
        var integral = true
        if at < bytes.count, bytes[at] == UInt8(ascii: ".") {
            integral = false
            at += 1
            guard isDigit(at) else { throw failure("expected a digit after '.'") }
            while isDigit(at) { at += 1 }
        }
        if at < bytes.count, bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
            integral = false
            at += 1
            if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") { at += 1 }
            guard isDigit(at) else { throw failure("expected a digit in the exponent") }
            while isDigit(at) { at += 1 }
        }
        let text = String(decoding: bytes[start ..< at], as: UTF8.self)
        if integral, let i = Int64(text) { return .int(i) }
        guard let d = Double(text) else { throw Failure(message: "cannot read the number \(text.prefix(40))", offset: start) }
        return .double(d)
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard bytes.count - at >= 4 else { throw failure("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0 ..< 4 {
            let c = bytes[at]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0") ... UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a") ... UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A") ... UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw failure("bad hex digit in a \\u escape")
            }
            v = v << 4 | d
            at += 1
        }
        return v
    }

    /// A string starting at the opening quote.
    private mutating func string() throws(Failure) -> String {
        at += 1
        var out: [UInt8] = []
        var runStart = at
        while true {
            guard at < bytes.count else { throw failure("unterminated string") }
            let c = bytes[at]
            if c == UInt8(ascii: "\"") {
                out.append(contentsOf: bytes[runStart ..< at])
                at += 1
                break
            }
            if c < 0x20 { throw failure("control character 0x\(String(c, radix: 16)) inside a string") }
            if c != UInt8(ascii: "\\") { at += 1; continue }
            out.append(contentsOf: bytes[runStart ..< at])
            at += 1
            guard at < bytes.count else { throw failure("unterminated escape") }
            let e = bytes[at]
            at += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if scalar >= 0xD800, scalar < 0xDC00 {
                    guard literal("\\u") else { throw failure("a high surrogate without its low half") }
                    let low = try hex4()
                    guard low >= 0xDC00, low < 0xE000 else { throw failure("a high surrogate without its low half") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00, scalar < 0xE000 {
                    throw failure("a low surrogate without its high half")
                }
                guard let u = Unicode.Scalar(scalar) else { throw failure("invalid \\u escape") }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default:
                throw failure("unknown escape \\\(Self.describe(e))")
            }
            runStart = at
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw failure("a string that is not UTF-8") }
        return s
    }
}
