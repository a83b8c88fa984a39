import Foundation

/// A parsed JSON document, decoded without trusting its shape: every accessor checks the
/// kind it expects and throws an error naming the JSON path when the document differs.
/// Non-finite floats, which torch writes as the strings "Infinity", "-Infinity" and "NaN",
/// are read as doubles.
enum JSONValue: Sendable, Decodable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int64.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// Parses `data` as JSON; `what` names the document in errors.
    static func parse(_ data: Data, what: String) throws(TorchImportError) -> JSONValue {
        do {
            return try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw TorchImportError("\(what) is not valid JSON (\(Self.describe(error)))")
        }
    }

    private static func describe(_ error: any Error) -> String {
        if let e = error as? DecodingError {
            switch e {
            case .dataCorrupted(let ctx): return ctx.debugDescription
            default: return "\(e)"
            }
        }
        return "\(error)"
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
