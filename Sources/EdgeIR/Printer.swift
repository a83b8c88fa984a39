import Foundation

/// Text forms of types, shared by the printer and diagnostics.
public enum TypeText {
    public static func element(_ e: ElementType) -> String {
        switch e {
        case .scalar(let s): return s.rawValue
        case .quantized(let q):
            let storage = "q" + q.storage.rawValue
            switch q.scheme {
            case .blockwise(let axis, let block, let scales):
                // 4-bit values: `qi4` names the scheme; the storage (i8) is implied.
                return "qi4<axis=\(axis), block=\(block), scales=[\(scales.map(float).joined(separator: ", "))]>"
            case .perTensor(let scale, let zp):
                return "\(storage)<scale=\(float(scale)), zp=\(zp)>"
            case .perChannel(let axis, let scales, let zps):
                return "\(storage)<axis=\(axis), scales=[\(scales.map(float).joined(separator: ", "))], zps=[\(zps.map(String.init).joined(separator: ", "))]>"
            }
        }
    }

    /// `f32[1,3,?batch,?]`.
    public static func type(_ t: TensorType) -> String {
        element(t.element) + ShapeRules.describe(t.shape)
    }

    /// A float that parses back to the same bits (`1.0`, `1e-05`, `inf`, `nan`).
    public static func float(_ v: Double) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v < 0 ? "-inf" : "inf" }
        return v.description
    }

    static func float32(_ v: Float) -> String {
        if v.isInfinite { return v < 0 ? "-inf" : "inf" }
        return v.description
    }

    /// A string literal with escapes.
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// Whether `s` can be written bare after `%` or `@`.
    static func isBareIdentifier(_ s: String) -> Bool {
        guard let first = s.utf8.first, isIdentifierStart(first) else { return false }
        return s.utf8.allSatisfy(isIdentifierBody)
    }

    static func isIdentifierStart(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
    }

    static func isIdentifierBody(_ c: UInt8) -> Bool {
        isIdentifierStart(c) || (c >= 0x30 && c <= 0x39) || c == 0x2E || c == 0x24
    }
}

/// Prints IR as `.eir` text that ``IRParser`` reads back to the same IR.
public struct IRPrinter {
    /// The blob file named in the module header; nil prints the module's own ``Module/blobFile``.
    public var blobFile: String?
    /// Print `loc(...)` suffixes.
    public var printLocations = true

    public init(blobFile: String? = nil, printLocations: Bool = true) {
        self.blobFile = blobFile
        self.printLocations = printLocations
    }

    public func print(_ module: Module) -> String {
        var out = ""
        var headerAttributes = module.attributes
        if let file = blobFile ?? module.blobFile { headerAttributes["blobs"] = .string(file) }
        if module.name != Module.defaultName || !headerAttributes.isEmpty {
            out += "module @\(symbol(module.name))"
            if !headerAttributes.isEmpty {
                out += " " + attributeDictionary(headerAttributes.sorted { $0.key < $1.key }, resultType: nil)
            }
            out += "\n\n"
        }
        for (i, f) in module.functions.enumerated() {
            if i > 0 { out += "\n" }
            out += print(f)
        }
        return out
    }

    public func print(_ function: Function) -> String {
        var names = NameTable()
        var out = "func @\(symbol(function.name))("
        out += function.arguments.enumerated().map { i, arg in
            var s = "%\(names.name(for: arg)): \(TypeText.type(arg.type))"
            if !function.argumentAttributes[i].isEmpty {
                s += " " + attributeDictionary(function.argumentAttributes[i].sorted { $0.key < $1.key }, resultType: nil)
            }
            return s
        }.joined(separator: ", ")
        out += ") -> "
        let results = function.resultTypes.enumerated().map { i, t in
            var s = TypeText.type(t)
            if !function.resultAttributes[i].isEmpty {
                s += " " + attributeDictionary(function.resultAttributes[i].sorted { $0.key < $1.key }, resultType: nil)
            }
            return s
        }
        if results.count == 1 && function.resultAttributes[0].isEmpty {
            out += results[0]
        } else {
            out += "(" + results.joined(separator: ", ") + ")"
        }
        if !function.attributes.isEmpty {
            out += " attributes " + attributeDictionary(function.attributes.sorted { $0.key < $1.key }, resultType: nil)
        }
        out += " {\n"
        for op in function.body.operations {
            out += "  " + print(op, names: &names) + "\n"
        }
        out += "}\n"
        return out
    }

    /// Prints one operation; names come from (and are added to) `names`.
    func print(_ op: Operation, names: inout NameTable) -> String {
        var out = ""
        if !op.results.isEmpty {
            out += op.results.map { "%" + names.name(for: $0) }.joined(separator: ", ") + " = "
        }
        out += op.name
        if op.definition.traits.contains(.terminator) {
            let operands = op.presentOperands.map { "%" + names.name(for: $0) }.joined(separator: ", ")
            if !operands.isEmpty { out += " " + operands }
        } else {
            var operands = op.operands
            while let last = operands.last, last == nil { operands.removeLast() }
            if !(operands.isEmpty && op.definition.operands.isEmpty) {
                out += "(" + operands.map { $0.map { "%" + names.name(for: $0) } ?? "none" }.joined(separator: ", ") + ")"
            }
            let declaredOrder = op.definition.attributes.map(\.name)
            let ordered = op.attributes.sorted { a, b in
                let ia = declaredOrder.firstIndex(of: a.key) ?? Int.max
                let ib = declaredOrder.firstIndex(of: b.key) ?? Int.max
                return ia != ib ? ia < ib : a.key < b.key
            }
            if !ordered.isEmpty {
                out += " " + attributeDictionary(ordered, resultType: op.results.first?.type)
            }
            out += " : " + (op.results.isEmpty ? "()" : op.results.map { TypeText.type($0.type) }.joined(separator: ", "))
        }
        if printLocations, op.location != .unknown {
            out += " " + location(op.location)
        }
        return out
    }

    func attributeDictionary(_ attrs: [(key: String, value: Attribute)], resultType: TensorType?) -> String {
        "{" + attrs.map { "\(attributeName($0.key)) = \(attribute($0.value, resultType: resultType))" }.joined(separator: ", ") + "}"
    }

    func attributeName(_ s: String) -> String {
        TypeText.isBareIdentifier(s) ? s : TypeText.quoted(s)
    }

    func symbol(_ s: String) -> String {
        TypeText.isBareIdentifier(s) ? s : TypeText.quoted(s)
    }

    /// Prints an attribute value; dense data is read with `resultType`'s element type.
    public func attribute(_ a: Attribute, resultType: TensorType?) -> String {
        switch a {
        case .int(let v): return String(v)
        case .float(let v): return TypeText.float(v)
        case .bool(let v): return v ? "true" : "false"
        case .string(let s): return TypeText.quoted(s)
        case .ints(let vs): return "[" + vs.map(String.init).joined(separator: ", ") + "]"
        case .floats(let vs): return "[" + vs.map(TypeText.float).joined(separator: ", ") + "]"
        case .type(let t): return TypeText.type(t)
        case .symbol(let s): return "@" + symbol(s)
        case .dense(.blob(let name)): return "#blob<\(TypeText.quoted(name))>"
        case .dense(.inline(let bytes)):
            if let t = resultType, let list = DenseText.list(bytes, t.element.storage) { return "dense<\(list)>" }
            return "dense<0x" + bytes.map { String(format: "%02X", $0) }.joined() + ">"
        }
    }

    public func location(_ l: Location) -> String {
        "loc(" + locationBody(l) + ")"
    }

    func locationBody(_ l: Location) -> String {
        switch l {
        case .unknown: return "unknown"
        case .name(let n): return TypeText.quoted(n)
        case .file(let f, let line, let col): return "\(TypeText.quoted(f)):\(line):\(col)"
        case .fused(let ls): return "fused[" + ls.map(locationBody).joined(separator: ", ") + "]"
        }
    }
}

/// Assigns printed SSA names: a value's hint when it is free, else a number.
struct NameTable {
    private var names: [ObjectIdentifier: String] = [:]
    private var used: Set<String> = []
    private var counter = 0

    mutating func name(for v: Value) -> String {
        if let n = names[ObjectIdentifier(v)] { return n }
        var chosen: String
        if let hint = v.nameHint.map(NameTable.sanitize), !hint.isEmpty {
            chosen = hint
            var i = 1
            while used.contains(chosen) {
                chosen = "\(hint)_\(i)"
                i += 1
            }
        } else {
            while used.contains(String(counter)) { counter += 1 }
            chosen = String(counter)
            counter += 1
        }
        used.insert(chosen)
        names[ObjectIdentifier(v)] = chosen
        return chosen
    }

    /// Turns any hint into a bare identifier, or "" when nothing usable remains
    /// (purely numeric hints are dropped: numbers are the printer's).
    static func sanitize(_ hint: String) -> String {
        var bytes = Array(hint.utf8).map { TypeText.isIdentifierBody($0) ? $0 : UInt8(ascii: "_") }
        if bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { return "" }
        if let f = bytes.first, !TypeText.isIdentifierStart(f) { bytes.insert(UInt8(ascii: "_"), at: 0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Inline dense data as a readable list, when the list parses back bit-exactly.
enum DenseText {
    static func list(_ bytes: [UInt8], _ type: ScalarType) -> String? {
        guard bytes.count % type.byteSize == 0 else { return nil }
        let n = bytes.count / type.byteSize
        var items: [String] = []
        items.reserveCapacity(n)
        func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
            var v: T = 0
            for b in 0..<MemoryLayout<T>.size { v |= T(truncatingIfNeeded: bytes[i * MemoryLayout<T>.size + b]) << (8 * b) }
            return v
        }
        // A tensor of one repeated value prints as that value (a splat).
        let size = type.byteSize
        let isSplat = n >= 1 && (1..<n).allSatisfy { i in bytes[(i * size)..<(i * size + size)].elementsEqual(bytes[0..<size]) }
        for i in 0..<(isSplat ? 1 : n) {
            switch type {
            case .f32:
                let f = Float(bitPattern: load(UInt32.self, i))
                if f.isNaN { return nil }
                items.append(TypeText.float32(f))
            case .f64:
                let d = Double(bitPattern: load(UInt64.self, i))
                if d.isNaN { return nil }
                items.append(TypeText.float(d))
            case .i8: items.append(String(load(Int8.self, i)))
            case .u8: items.append(String(load(UInt8.self, i)))
            case .i16: items.append(String(load(Int16.self, i)))
            case .u16: items.append(String(load(UInt16.self, i)))
            case .i32: items.append(String(load(Int32.self, i)))
            case .u32: items.append(String(load(UInt32.self, i)))
            case .i64: items.append(String(load(Int64.self, i)))
            case .u64: items.append(String(load(UInt64.self, i)))
            case .bool:
                let b = load(UInt8.self, i)
                guard b <= 1 else { return nil }
                items.append(b == 1 ? "true" : "false")
            case .f16, .bf16: return nil
            }
        }
        if isSplat { return items[0] }
        return "[" + items.joined(separator: ", ") + "]"
    }
}
