// A small test schema exercising every feature, with a Swift model, an encoder using
// FlatBufferBuilder, a decoder using the reader, a JSON rendering matching `flatc --json`,
// and the verification schema.
import FlatBuffers

/// The schema text given to flatc; slots noted per field.
let sampleFBS = """
namespace edgec.test;

enum Color : byte { Red = 0, Green = 1, Blue = 2 }

struct Vec3 { x: float; y: float; z: float; }
struct Pair { a: byte; b: long; }

table Leaf { name: string; value: long = 7; }
table Tensor { sizes: [int]; data: [ubyte] (force_align: 16); }
table Str { s: string; }
union Payload { Leaf, Tensor, Str }

table Node { name: string; children: [Node]; payload: Payload; }

table Root {
  version: uint = 1;
  flag: bool;
  color: Color = Green;
  pos: Vec3;
  names: [string];
  leaves: [Leaf];
  data: [ubyte] (force_align: 16);
  points: [Vec3];
  pairs: [Pair];
  payload: Payload;
  tree: Node;
  d: double;
  i8: byte;
  i16: short;
  u16: ushort;
  i64: long;
  u64: ulong;
  f: float;
}

root_type Root;
file_identifier "ET12";
"""

/// Verification schemas mirroring `sampleFBS` (Node is recursive).
enum Schemas {
    static let payload: FieldKind = .union([1: { leaf }, 2: { tensor }, 3: { str }])
    static let leaf: TableSchema = TableSchema("Leaf", [
        .init("name", slot: 0, .string),
        .init("value", slot: 1, .scalar(size: 8)),
    ])
    static let tensor: TableSchema = TableSchema("Tensor", [
        .init("sizes", slot: 0, .vectorOfScalars(size: 4)),
        .init("data", slot: 1, .vectorOfScalars(size: 1, alignment: 16)),
    ])
    static let str: TableSchema = TableSchema("Str", [.init("s", slot: 0, .string)])
    static let node: TableSchema = TableSchema("Node", [
        .init("name", slot: 0, .string),
        .init("children", slot: 1, .vectorOfTables { Schemas.node }),
        .init("payload", slot: 2, payload),
    ])
    static let root: TableSchema = TableSchema("Root", [
        .init("version", slot: 0, .scalar(size: 4)),
        .init("flag", slot: 1, .scalar(size: 1)),
        .init("color", slot: 2, .scalar(size: 1)),
        .init("pos", slot: 3, .structure(size: 12, alignment: 4)),
        .init("names", slot: 4, .vectorOfStrings),
        .init("leaves", slot: 5, .vectorOfTables { Schemas.leaf }),
        .init("data", slot: 6, .vectorOfScalars(size: 1, alignment: 16)),
        .init("points", slot: 7, .vectorOfStructs(size: 12, alignment: 4)),
        .init("pairs", slot: 8, .vectorOfStructs(size: 16, alignment: 8)),
        .init("payload", slot: 9, payload),
        .init("tree", slot: 11, .table { Schemas.node }),
        .init("d", slot: 12, .scalar(size: 8)),
        .init("i8", slot: 13, .scalar(size: 1)),
        .init("i16", slot: 14, .scalar(size: 2)),
        .init("u16", slot: 15, .scalar(size: 2)),
        .init("i64", slot: 16, .scalar(size: 8)),
        .init("u64", slot: 17, .scalar(size: 8)),
        .init("f", slot: 18, .scalar(size: 4)),
    ])
}

struct Vec3: Equatable { var x, y, z: Float }
struct Pair: Equatable { var a: Int8; var b: Int64 }
struct Leaf: Equatable { var name: String?; var value: Int64 = 7 }
enum Payload: Equatable { case leaf(Leaf), tensor(sizes: [Int32], data: [UInt8]), str(String) }
struct Node: Equatable { var name: String?; var children: [Node]?; var payload: Payload? }

struct Root: Equatable {
    var version: UInt32 = 1
    var flag = false
    var color: Int8 = 1
    var pos: Vec3?
    var names: [String]?
    var leaves: [Leaf]?
    var data: [UInt8]?
    var points: [Vec3]?
    var pairs: [Pair]?
    var payload: Payload?
    var tree: Node?
    var d: Double = 0
    var i8: Int8 = 0
    var i16: Int16 = 0
    var u16: UInt16 = 0
    var i64: Int64 = 0
    var u64: UInt64 = 0
    var f: Float = 0

    /// A value with every field set (one leaf keeps its default to test omission).
    static let sample = Root(
        version: 3, flag: true, color: 2, pos: Vec3(x: 1.5, y: -2, z: 3.25),
        names: ["alpha", "βeta", ""],
        leaves: [Leaf(name: "a", value: 1), Leaf(name: "b"), Leaf(name: "c", value: -5)],
        data: (0 ..< 37).map { UInt8(truncatingIfNeeded: $0 * 7) },
        points: [Vec3(x: 1, y: 2, z: 3), Vec3(x: -0.5, y: 0, z: 8)],
        pairs: [Pair(a: -1, b: 1 << 40), Pair(a: 127, b: -3)],
        payload: .tensor(sizes: [2, 3], data: [9, 8, 7]),
        tree: Node(name: "root", children: [
            Node(name: "x", payload: .leaf(Leaf(name: "l", value: 42))),
            Node(name: "y", children: [Node(name: "z", payload: .str("hi"))]),
        ], payload: .str("top")),
        d: 2.5, i8: -8, i16: -1600, u16: 65000, i64: -(1 << 50), u64: 1 << 52, f: 0.5)
}

// MARK: Encoding

func vec3(_ v: Vec3) -> StructBytes {
    var s = StructBytes(size: 12, alignment: 4)
    s.set(v.x, at: 0); s.set(v.y, at: 4); s.set(v.z, at: 8)
    return s
}

func pair(_ p: Pair) -> StructBytes {
    var s = StructBytes(size: 16, alignment: 8)
    s.set(p.a, at: 0); s.set(p.b, at: 8)
    return s
}

func encode(_ leaf: Leaf, _ b: inout FlatBufferBuilder) -> Offset {
    let name = leaf.name.map { b.createString($0) } ?? .null
    b.startTable()
    b.addOffset(slot: 0, name)
    b.addField(slot: 1, leaf.value, default: 7)
    return b.endTable()
}

func encode(_ payload: Payload, _ b: inout FlatBufferBuilder) -> (UInt8, Offset) {
    switch payload {
    case let .leaf(leaf):
        return (1, encode(leaf, &b))
    case let .tensor(sizes, data):
        let s = b.createVector(sizes)
        let d = b.createVector(bytes: data, alignment: 16)
        b.startTable()
        b.addOffset(slot: 0, s)
        b.addOffset(slot: 1, d)
        return (2, b.endTable())
    case let .str(text):
        let s = b.createString(text)
        b.startTable()
        b.addOffset(slot: 0, s)
        return (3, b.endTable())
    }
}

func encode(_ node: Node, _ b: inout FlatBufferBuilder) -> Offset {
    let name = node.name.map { b.createString($0) } ?? .null
    let children = node.children.map { kids in b.createVector(offsets: kids.map { encode($0, &b) }) } ?? .null
    let payload = node.payload.map { encode($0, &b) }
    b.startTable()
    b.addOffset(slot: 0, name)
    b.addOffset(slot: 1, children)
    if let payload { b.addUnion(slot: 2, type: payload.0, value: payload.1) }
    return b.endTable()
}

func encode(_ r: Root, forceDefaults: Bool = false, sizePrefixed: Bool = false) -> [UInt8] {
    var b = FlatBufferBuilder(initialCapacity: 16, forceDefaults: forceDefaults)
    let names = r.names.map { b.createVector(strings: $0) } ?? .null
    let leaves = r.leaves.map { ls in b.createVector(offsets: ls.map { encode($0, &b) }) } ?? .null
    let data = r.data.map { b.createVector(bytes: $0, alignment: 16) } ?? .null
    let points = r.points.map { b.createVector(structs: $0.map(vec3)) } ?? .null
    let pairs = r.pairs.map { b.createVector(structs: $0.map(pair)) } ?? .null
    let payload = r.payload.map { encode($0, &b) }
    let tree = r.tree.map { encode($0, &b) } ?? .null
    b.startTable()
    b.addField(slot: 0, r.version, default: 1)
    b.addField(slot: 1, r.flag, default: false)
    b.addField(slot: 2, r.color, default: 1)
    if let pos = r.pos { b.addStruct(slot: 3, vec3(pos)) }
    b.addOffset(slot: 4, names)
    b.addOffset(slot: 5, leaves)
    b.addOffset(slot: 6, data)
    b.addOffset(slot: 7, points)
    b.addOffset(slot: 8, pairs)
    if let payload { b.addUnion(slot: 9, type: payload.0, value: payload.1) }
    b.addOffset(slot: 11, tree)
    b.addField(slot: 12, r.d, default: 0)
    b.addField(slot: 13, r.i8, default: 0)
    b.addField(slot: 14, r.i16, default: 0)
    b.addField(slot: 15, r.u16, default: 0)
    b.addField(slot: 16, r.i64, default: 0)
    b.addField(slot: 17, r.u64, default: 0)
    b.addField(slot: 18, r.f, default: 0)
    let root = b.endTable()
    return b.finish(root, fileIdentifier: "ET12", sizePrefixed: sizePrefixed)
}

// MARK: Decoding

func decodeVec3(_ s: Struct) -> Vec3 { Vec3(x: s.scalar(at: 0), y: s.scalar(at: 4), z: s.scalar(at: 8)) }

func decodeLeaf(_ t: Table) -> Leaf { Leaf(name: t.string(0), value: t.scalar(1, default: 7)) }

func decodePayload(_ t: Table, slot: Int) -> Payload? {
    guard let (type, value) = t.union(slot) else { return nil }
    switch type {
    case 1: return .leaf(decodeLeaf(value))
    case 2: return .tensor(sizes: value.vector(0)?.scalars() ?? [], data: Array(value.vector(1)?.bytes ?? []))
    case 3: return .str(value.string(0) ?? "")
    default: return nil
    }
}

func decodeNode(_ t: Table) -> Node {
    let kids = t.vector(1).map { v in (0 ..< v.count).map { decodeNode(v.table(at: $0)) } }
    return Node(name: t.string(0), children: kids, payload: decodePayload(t, slot: 2))
}

func decodeRoot(_ t: Table) -> Root {
    var r = Root()
    r.version = t.scalar(0, default: 1)
    r.flag = t.scalar(1, default: false)
    r.color = t.scalar(2, default: 1)
    r.pos = t.structure(3).map(decodeVec3)
    r.names = t.vector(4).map { v in (0 ..< v.count).map { v.string(at: $0) } }
    r.leaves = t.vector(5).map { v in (0 ..< v.count).map { decodeLeaf(v.table(at: $0)) } }
    r.data = t.vector(6).map { Array($0.bytes) }
    r.points = t.vector(7).map { v in (0 ..< v.count).map { decodeVec3(v.structure(at: $0, size: 12)) } }
    r.pairs = t.vector(8).map { v in
        (0 ..< v.count).map { let s = v.structure(at: $0, size: 16); return Pair(a: s.scalar(at: 0), b: s.scalar(at: 8)) }
    }
    r.payload = decodePayload(t, slot: 9)
    r.tree = t.table(11).map(decodeNode)
    r.d = t.scalar(12, default: 0)
    r.i8 = t.scalar(13, default: 0)
    r.i16 = t.scalar(14, default: 0)
    r.u16 = t.scalar(15, default: 0)
    r.i64 = t.scalar(16, default: 0)
    r.u64 = t.scalar(17, default: 0)
    r.f = t.scalar(18, default: 0)
    return r
}

// MARK: JSON (as `flatc --json --strict-json` prints it: defaults and absent fields omitted)

func json(_ s: String) -> String { "\"" + s + "\"" }
func json(_ v: Vec3) -> String { "{\"x\": \(v.x), \"y\": \(v.y), \"z\": \(v.z)}" }
func json(_ l: Leaf) -> String {
    var parts: [String] = []
    if let n = l.name { parts.append("\"name\": \(json(n))") }
    if l.value != 7 { parts.append("\"value\": \(l.value)") }
    return "{" + parts.joined(separator: ", ") + "}"
}
func json(_ p: Payload) -> [String] {
    switch p {
    case let .leaf(l): return ["\"payload_type\": \"Leaf\"", "\"payload\": \(json(l))"]
    case let .tensor(s, d): return ["\"payload_type\": \"Tensor\"", "\"payload\": {\"sizes\": \(s), \"data\": \(d)}"]
    case let .str(s): return ["\"payload_type\": \"Str\"", "\"payload\": {\"s\": \(json(s))}"]
    }
}
func json(_ n: Node) -> String {
    var parts: [String] = []
    if let name = n.name { parts.append("\"name\": \(json(name))") }
    if let kids = n.children { parts.append("\"children\": [" + kids.map(json).joined(separator: ", ") + "]") }
    if let p = n.payload { parts += json(p) }
    return "{" + parts.joined(separator: ", ") + "}"
}
func json(_ r: Root) -> String {
    var parts: [String] = []
    func add(_ k: String, _ v: String) { parts.append("\"\(k)\": \(v)") }
    if r.version != 1 { add("version", "\(r.version)") }
    if r.flag { add("flag", "true") }
    if r.color != 1 { add("color", json(["Red", "Green", "Blue"][Int(r.color)])) }
    if let p = r.pos { add("pos", json(p)) }
    if let n = r.names { add("names", "[" + n.map(json).joined(separator: ", ") + "]") }
    if let l = r.leaves { add("leaves", "[" + l.map(json).joined(separator: ", ") + "]") }
    if let d = r.data { add("data", "\(d)") }
    if let p = r.points { add("points", "[" + p.map(json).joined(separator: ", ") + "]") }
    if let p = r.pairs { add("pairs", "[" + p.map { "{\"a\": \($0.a), \"b\": \($0.b)}" }.joined(separator: ", ") + "]") }
    if let p = r.payload { parts += json(p) }
    if let t = r.tree { add("tree", json(t)) }
    if r.d != 0 { add("d", "\(r.d)") }
    if r.i8 != 0 { add("i8", "\(r.i8)") }
    if r.i16 != 0 { add("i16", "\(r.i16)") }
    if r.u16 != 0 { add("u16", "\(r.u16)") }
    if r.i64 != 0 { add("i64", "\(r.i64)") }
    if r.u64 != 0 { add("u64", "\(r.u64)") }
    if r.f != 0 { add("f", "\(r.f)") }
    return "{" + parts.joined(separator: ", ") + "}"
}

// MARK: Schema-driven reading of everything (for hostile-input tests)

/// Reads every field `schema` describes through the reader; returns a checksum.
func walk(_ t: Table, _ schema: TableSchema) -> Int {
    var sum = 0
    for field in schema.fields {
        switch field.kind {
        case let .scalar(size):
            switch size {
            case 1: sum &+= Int(t.scalar(field.slot, default: UInt8(0)))
            case 2: sum &+= Int(t.scalar(field.slot, default: UInt16(0)))
            case 4: sum &+= Int(t.scalar(field.slot, default: UInt32(0)))
            default: sum &+= Int(truncatingIfNeeded: t.scalar(field.slot, default: UInt64(0)))
            }
        case let .structure(size, _):
            if let s = t.structure(field.slot) { for i in 0 ..< size { sum &+= Int(s.scalar(at: i, as: UInt8.self)) } }
        case .string:
            sum &+= t.string(field.slot)?.utf8.count ?? 0
        case let .table(make):
            if let sub = t.table(field.slot) { sum &+= walk(sub, make()) }
        case let .vectorOfScalars(size, _):
            if let v = t.vector(field.slot) {
                for i in 0 ..< v.count {
                    switch size {
                    case 1: sum &+= Int(v.scalar(at: i, as: UInt8.self))
                    case 2: sum &+= Int(v.scalar(at: i, as: UInt16.self))
                    case 4: sum &+= Int(v.scalar(at: i, as: UInt32.self))
                    default: sum &+= Int(truncatingIfNeeded: v.scalar(at: i, as: UInt64.self))
                    }
                }
            }
        case let .vectorOfStructs(size, _):
            if let v = t.vector(field.slot) {
                for i in 0 ..< v.count { sum &+= Int(v.structure(at: i, size: size).scalar(at: size - 1, as: UInt8.self)) }
            }
        case .vectorOfStrings:
            if let v = t.vector(field.slot) { for i in 0 ..< v.count { sum &+= v.string(at: i).utf8.count } }
        case let .vectorOfTables(make):
            if let v = t.vector(field.slot) { for i in 0 ..< v.count { sum &+= walk(v.table(at: i), make()) } }
        case let .union(types):
            if let (type, value) = t.union(field.slot), let make = types[type] { sum &+= walk(value, make()) }
        }
    }
    return sum
}

/// Deterministic PRNG (SplitMix64) so fuzz failures reproduce.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
