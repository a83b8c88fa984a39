import Foundation
import EdgeKernels

/// Reads `.eir` text (grammar: Grammar/edge-ir.ebnf) into a ``Module``.
///
/// The parser checks structure and names: syntax, known ops and attributes, attribute kinds,
/// values defined before use and defined once. Type rules are the ``Verifier``'s job.
public struct IRParser {
    private var lexer: Lexer
    private var token: Token
    private let source: SourceText
    private let blobs: BlobStore

    /// Parses `text`; `fileName` names it in diagnostics. Blob references resolve against
    /// `blobs` (which the caller loaded from the header's blob file, see ``IRReader``).
    public static func parse(_ text: String, fileName: String = "<input>", blobs: BlobStore = BlobStore()) throws(DiagnosticError) -> Module {
        do {
            var parser = try IRParser(text: text, fileName: fileName, blobs: blobs)
            return try parser.parseModule()
        } catch {
            throw DiagnosticError(error)
        }
    }

    /// Reads only the header's blob file name, so the caller can load it before parsing.
    public static func blobFileName(in text: String) -> String? {
        guard var parser = try? IRParser(text: text, fileName: "", blobs: BlobStore()),
              parser.token.kind == .identifier("module") else { return nil }
        guard (try? parser.advance()) != nil, (try? parser.expectSymbol("module name")) != nil,
              parser.token.kind == .punct("{"), let attrs = try? parser.parseAttributeDictionary()
        else { return nil }
        if case .final(.string(let s))? = attrs.first(where: { $0.name == "blobs" })?.value { return s }
        return nil
    }

    private init(text: String, fileName: String, blobs: BlobStore) throws(Diagnostic) {
        source = SourceText(file: fileName, text: text)
        lexer = Lexer(source)
        token = Token(kind: .eof, offset: 0)
        self.blobs = blobs
        token = try lexer.next()
    }

    // MARK: Tokens

    private mutating func advance() throws(Diagnostic) {
        token = try lexer.next()
    }

    private func error(_ message: String, at offset: Int? = nil, notes: [Diagnostic] = []) -> Diagnostic {
        source.diagnostic(message, at: offset ?? token.offset, notes: notes)
    }

    private var tokenDescription: String {
        switch token.kind {
        case .valueName(let n): return "'%\(n)'"
        case .symbol(let s): return "'@\(s)'"
        case .hashIdent(let s): return "'#\(s)'"
        case .identifier(let s): return "'\(s)'"
        case .integer(let v): return "'\(v)'"
        case .unsignedInteger(let v): return "'\(v)'"
        case .float(let v): return "'\(v)'"
        case .hex: return "hex data"
        case .string(let s): return "string \(TypeText.quoted(s))"
        case .punct(let p): return "'\(p)'"
        case .eof: return "end of input"
        }
    }

    private mutating func consume(_ punct: String) throws(Diagnostic) -> Bool {
        guard token.kind == .punct(punct) else { return false }
        try advance()
        return true
    }

    private mutating func expect(_ punct: String, _ context: String) throws(Diagnostic) {
        guard token.kind == .punct(punct) else {
            throw error("expected '\(punct)' \(context), found \(tokenDescription)")
        }
        try advance()
    }

    private mutating func expectKeyword(_ word: String, _ context: String) throws(Diagnostic) {
        guard token.kind == .identifier(word) else {
            throw error("expected '\(word)' \(context), found \(tokenDescription)")
        }
        try advance()
    }

    private mutating func expectSymbol(_ what: String) throws(Diagnostic) -> String {
        guard case .symbol(let s) = token.kind else { throw error("expected \(what) ('@name'), found \(tokenDescription)") }
        try advance()
        return s
    }

    private mutating func expectInteger(_ what: String) throws(Diagnostic) -> Int64 {
        guard case .integer(let v) = token.kind else { throw error("expected \(what), found \(tokenDescription)") }
        try advance()
        return v
    }

    // MARK: Module and functions

    private mutating func parseModule() throws(Diagnostic) -> Module {
        let module = Module(blobs: blobs)
        if token.kind == .identifier("module") {
            try advance()
            module.name = try expectSymbol("module name")
            if token.kind == .punct("{") {
                for entry in try parseAttributeDictionary() {
                    guard case .final(let a) = entry.value else {
                        throw error("module attribute '\(entry.name)' cannot hold dense data", at: entry.offset)
                    }
                    if entry.name == "blobs" {
                        guard case .string(let file) = a else { throw error("'blobs' must be a string (the .eirb file)", at: entry.offset) }
                        module.blobFile = file
                    } else {
                        module.attributes[entry.name] = a
                    }
                }
            }
        }
        var seen: [String: Int] = [:]
        while token.kind != .eof {
            guard token.kind == .identifier("func") else {
                throw error("expected 'func' to start a function, found \(tokenDescription)")
            }
            let offset = token.offset
            let f = try parseFunction()
            if let previous = seen[f.name] {
                throw error("function @\(f.name) is defined twice", at: offset,
                            notes: [source.diagnostic("previous definition", at: previous).asNote])
            }
            seen[f.name] = offset
            module.add(f)
        }
        return module
    }

    private mutating func parseFunction() throws(Diagnostic) -> Function {
        try expectKeyword("func", "")
        let name = try expectSymbol("function name")
        var scope = Scope()
        try expect("(", "to open the argument list of @\(name)")
        var argumentNames: [(String, Int)] = []
        var argumentTypes: [TensorType] = []
        var argumentAttributes: [ArgumentAttributes] = []
        if !(try consume(")")) {
            repeat {
                guard case .valueName(let n) = token.kind else {
                    throw error("expected an argument name ('%x'), found \(tokenDescription)")
                }
                argumentNames.append((n, token.offset))
                try advance()
                try expect(":", "after argument %\(n)")
                argumentTypes.append(try parseType())
                argumentAttributes.append(try parseSimpleAttributes())
            } while try consume(",")
            try expect(")", "to close the argument list")
        }
        try expect("->", "before the result types of @\(name)")
        var resultTypes: [TensorType] = []
        var resultAttributes: [ArgumentAttributes] = []
        if try consume("(") {
            if !(try consume(")")) {
                repeat {
                    resultTypes.append(try parseType())
                    resultAttributes.append(try parseSimpleAttributes())
                } while try consume(",")
                try expect(")", "to close the result types")
            }
        } else {
            resultTypes.append(try parseType())
            resultAttributes.append([:])
        }
        var functionAttributes: [String: Attribute] = [:]
        if token.kind == .identifier("attributes") {
            try advance()
            guard token.kind == .punct("{") else { throw error("expected '{' after 'attributes' of @\(name), found \(tokenDescription)") }
            for entry in try parseAttributeDictionary() {
                guard case .final(let a) = entry.value else { throw error("dense data is not allowed in function attributes", at: entry.offset) }
                guard functionAttributes[entry.name] == nil else { throw error("attribute '\(entry.name)' is given twice", at: entry.offset) }
                functionAttributes[entry.name] = a
            }
        }
        let function = Function(name: name, argumentTypes: argumentTypes, resultTypes: resultTypes)
        function.argumentAttributes = argumentAttributes
        function.resultAttributes = resultAttributes
        function.attributes = functionAttributes
        for (arg, (n, offset)) in zip(function.arguments, argumentNames) {
            arg.nameHint = Int(n) == nil ? n : nil
            try scope.define(n, arg, at: offset, source: source)
        }
        try expect("{", "to open the body of @\(name)")
        while !(try consume("}")) {
            guard token.kind != .eof else { throw error("expected '}' to close the body of @\(name)") }
            try parseOperation(into: function, scope: &scope)
        }
        return function
    }

    /// `{name = "x"}` after a function argument or result.
    private mutating func parseSimpleAttributes() throws(Diagnostic) -> ArgumentAttributes {
        guard token.kind == .punct("{") else { return [:] }
        var out: ArgumentAttributes = [:]
        for entry in try parseAttributeDictionary() {
            guard case .final(let a) = entry.value else { throw error("dense data is not allowed here", at: entry.offset) }
            out[entry.name] = a
        }
        return out
    }

    // MARK: Operations

    private mutating func parseOperation(into function: Function, scope: inout Scope) throws(Diagnostic) {
        let start = token.offset
        var resultNames: [(String, Int)] = []
        if case .valueName = token.kind {
            repeat {
                guard case .valueName(let n) = token.kind else { throw error("expected a result name ('%x'), found \(tokenDescription)") }
                resultNames.append((n, token.offset))
                try advance()
            } while try consume(",")
            try expect("=", "after the result names")
        }
        guard case .identifier(let opName) = token.kind else {
            throw error("expected an operation name, found \(tokenDescription)")
        }
        let opOffset = token.offset
        guard let definition = OpRegistry.lookup(opName) else {
            let hints = OpRegistry.suggestions(for: opName)
            throw error("unknown operation '\(opName)'" + (hints.isEmpty ? "" : "; did you mean \(hints.map { "'\($0)'" }.joined(separator: " or "))?")
                        + " (`edgec list-ops` lists them all)")
        }
        try advance()

        var operands: [Value?] = []
        var attributes: [AttributeEntry] = []
        var resultTypes: [TensorType] = []
        if definition.traits.contains(.terminator) {
            if case .valueName = token.kind {
                repeat { operands.append(try parseOperandValue(scope)) } while try consume(",")
            }
        } else {
            // Ops that declare no operands may omit the empty '()'.
            if definition.operands.isEmpty {
                if try consume("(") { try expect(")", "(\(opName) takes no operands)") }
            } else if try !consume("(") {
                throw error("expected '(' to open the operands of \(opName), found \(tokenDescription)")
            } else if try !consume(")") {
                repeat {
                    if token.kind == .identifier("none") {
                        try advance()
                        operands.append(nil)
                    } else {
                        operands.append(try parseOperandValue(scope))
                    }
                } while try consume(",")
                try expect(")", "to close the operands of \(opName)")
            }
            if token.kind == .punct("{") { attributes = try parseAttributeDictionary() }
            try expect(":", "before the result types of \(opName)")
            if try consume("(") {
                try expect(")", "(an op without results is written ': ()')")
            } else {
                repeat { resultTypes.append(try parseType()) } while try consume(",")
            }
        }
        var location = Location.unknown
        if token.kind == .identifier("loc") { location = try parseLocation() }

        // Shape checks that need only the declaration.
        if case .fixed(let n) = definition.results, n != resultTypes.count {
            throw error("\(opName) has \(n) result\(n == 1 ? "" : "s"), but \(resultTypes.count) type\(resultTypes.count == 1 ? " is" : "s are") written", at: opOffset)
        }
        guard resultNames.count == resultTypes.count else {
            throw error("\(resultNames.count) result name\(resultNames.count == 1 ? "" : "s") but \(resultTypes.count) result type\(resultTypes.count == 1 ? "" : "s")", at: start)
        }
        do {
            _ = try definition.groupOperands(operands)
        } catch {
            throw self.error("\(opName) \(error.message)", at: opOffset)
        }
        var resolved: [String: Attribute] = [:]
        for entry in attributes {
            guard let spec = definition.attribute(named: entry.name) else {
                let known = definition.attributes.map(\.name)
                throw error("\(opName) has no attribute '\(entry.name)'" + (known.isEmpty ? " (it takes none)" : "; it takes \(known.joined(separator: ", "))"), at: entry.offset)
            }
            guard resolved[entry.name] == nil else { throw error("attribute '\(entry.name)' is given twice", at: entry.offset) }
            resolved[entry.name] = try coerce(entry, to: spec, opName: opName, resultType: resultTypes.first)
        }
        for spec in definition.attributes where spec.presence == .required && resolved[spec.name] == nil {
            throw error("\(opName) needs attribute '\(spec.name)' (\(spec.kind.displayName))", at: opOffset)
        }

        let op = Operation(definition: definition, operands: operands, resultTypes: resultTypes,
                           attributes: resolved, location: location)
        op.sourcePosition = source.position(of: opOffset)
        for (value, (n, offset)) in zip(op.results, resultNames) {
            value.nameHint = Int(n) == nil ? n : nil
            try scope.define(n, value, at: offset, source: source)
        }
        function.body.insert(op, before: nil)
    }

    private mutating func parseOperandValue(_ scope: Scope) throws(Diagnostic) -> Value {
        guard case .valueName(let n) = token.kind else {
            throw error("expected an operand ('%x'), found \(tokenDescription)")
        }
        guard let v = scope.values[n] else {
            throw error("use of undefined value '%\(n)'")
        }
        try advance()
        return v
    }

    // MARK: Types

    private mutating func parseType() throws(Diagnostic) -> TensorType {
        guard case .identifier(let name) = token.kind else {
            throw error("expected a tensor type (like 'f32[1,3]'), found \(tokenDescription)")
        }
        let element: ElementType
        if let s = ScalarType(rawValue: name) {
            element = .scalar(s)
            try advance()
        } else if name == "qi4" {
            try advance()
            element = .quantized(QuantizedType(storage: .i8, scheme: try parseQuantization(blockwise: true)))
        } else if name.hasPrefix("q"), let storage = ScalarType(rawValue: String(name.dropFirst())), storage.isInteger {
            try advance()
            element = .quantized(QuantizedType(storage: storage, scheme: try parseQuantization(blockwise: false)))
        } else {
            throw error("unknown element type '\(name)'; expected one of \(ScalarType.allCases.map(\.rawValue).joined(separator: ", ")) or a quantized type like 'qi8<scale=0.1, zp=0>'")
        }
        try expect("[", "to open the shape (a scalar is written 'f32[]')")
        var shape: [Dim] = []
        if !(try consume("]")) {
            repeat {
                if try consume("?") {
                    if case .identifier(let sym) = token.kind {
                        shape.append(.symbolic(sym))
                        try advance()
                    } else {
                        shape.append(.unknown)
                    }
                } else {
                    let v = try expectInteger("a dimension (a size or '?name')")
                    guard v >= 0, v <= Int64(Int32.max) * 1024 else { throw error("dimension \(v) is out of range") }
                    shape.append(.known(Int(v)))
                }
            } while try consume(",")
            try expect("]", "to close the shape")
        }
        return TensorType(element, shape)
    }

    /// `<scale=0.1, zp=3>` or `<axis=0, scales=[...], zps=[...]>`; after `qi4`,
    /// `<axis=1, block=32, scales=[...]>`.
    private mutating func parseQuantization(blockwise: Bool) throws(Diagnostic) -> QuantizationScheme {
        try expect("<", "to open the quantization parameters")
        var fields: [String: AttributeEntry] = [:]
        repeat {
            guard case .identifier(let key) = token.kind else { throw error("expected a quantization parameter name, found \(tokenDescription)") }
            let offset = token.offset
            try advance()
            try expect("=", "after '\(key)'")
            fields[key] = AttributeEntry(name: key, value: try parseAttributeValue(), offset: offset)
        } while try consume(",")
        try expect(">", "to close the quantization parameters")
        func value(_ key: String) -> Attribute? {
            if case .final(let a)? = fields[key]?.value { return a }
            return nil
        }
        if blockwise {
            let scales: [Double]? = value("scales")?.floatsValue ?? value("scales")?.intsValue?.map(Double.init)
            if let axis = value("axis")?.intValue, let block = value("block")?.intValue, let scales, fields.count == 3,
               let a = Int(exactly: axis), let b = Int(exactly: block) {
                return .blockwise(axis: a, blockSize: b, scales: scales)
            }
            throw error("qi4 parameters must be <axis=A, block=B, scales=[...]> (symmetric 4-bit blocks of B elements along axis A)")
        }
        if let scale = value("scale")?.floatValue, let zp = value("zp")?.intValue, fields.count == 2 {
            return .perTensor(scale: scale, zeroPoint: zp)
        }
        if let axis = value("axis")?.intValue, fields.count == 3 {
            let scales: [Double]? = value("scales")?.floatsValue ?? value("scales")?.intsValue?.map(Double.init)
            if let scales, let zps = value("zps")?.intsValue, scales.count == zps.count {
                return .perChannel(axis: Int(axis), scales: scales, zeroPoints: zps)
            }
        }
        throw error("quantization parameters must be <scale=S, zp=Z> or <axis=A, scales=[...], zps=[...]> with as many scales as zero points")
    }

    // MARK: Attributes

    enum ParsedValue {
        case final(Attribute)
        /// `dense<[...]>`: numbers read with the op's result type once it is known.
        case denseList([Literal], offset: Int)
    }

    enum Literal {
        /// `uint` holds integers above Int64.max (only u64 dense data takes them).
        case int(Int64), uint(UInt64), float(Double), bool(Bool)
    }

    struct AttributeEntry {
        var name: String
        var value: ParsedValue
        var offset: Int
    }

    private mutating func parseAttributeDictionary() throws(Diagnostic) -> [AttributeEntry] {
        try expect("{", "to open attributes")
        var out: [AttributeEntry] = []
        if try consume("}") { return out }
        repeat {
            let offset = token.offset
            let name: String
            switch token.kind {
            case .identifier(let n), .string(let n): name = n
            default: throw error("expected an attribute name, found \(tokenDescription)")
            }
            try advance()
            try expect("=", "after attribute name '\(name)'")
            out.append(AttributeEntry(name: name, value: try parseAttributeValue(), offset: offset))
        } while try consume(",")
        try expect("}", "to close attributes")
        return out
    }

    private mutating func parseAttributeValue() throws(Diagnostic) -> ParsedValue {
        let offset = token.offset
        switch token.kind {
        case .integer(let v): try advance(); return .final(.int(v))
        case .unsignedInteger(let v): throw error("integer \(v) does not fit in a 64-bit signed attribute")
        case .float(let v): try advance(); return .final(.float(v))
        case .string(let s): try advance(); return .final(.string(s))
        case .symbol(let s): try advance(); return .final(.symbol(s))
        case .identifier("true"): try advance(); return .final(.bool(true))
        case .identifier("false"): try advance(); return .final(.bool(false))
        case .identifier("inf"): try advance(); return .final(.float(.infinity))
        case .identifier("nan"): try advance(); return .final(.float(.nan))
        case .punct("["):
            let items = try parseLiteralList()
            if items.contains(where: { if case .bool = $0 { return true }; return false }) {
                throw error("attribute lists hold numbers only", at: offset)
            }
            for case .uint(let v) in items {
                throw error("integer \(v) does not fit in a 64-bit signed attribute", at: offset)
            }
            if items.allSatisfy({ if case .int = $0 { return true }; return false }) {
                return .final(.ints(items.map { if case .int(let v) = $0 { return v }; return 0 }))
            }
            return .final(.floats(items.map { lit in
                switch lit {
                case .int(let v): return Double(v)
                case .uint(let v): return Double(v)
                case .float(let v): return v
                case .bool: return 0
                }
            }))
        case .hashIdent("blob"):
            try advance()
            try expect("<", "after '#blob'")
            guard case .string(let name) = token.kind else { throw error("expected the blob name as a string, found \(tokenDescription)") }
            try advance()
            try expect(">", "to close '#blob<...>'")
            return .final(.dense(.blob(name)))
        case .identifier("dense"):
            try advance()
            try expect("<", "after 'dense'")
            let value: ParsedValue
            if case .hex(let bytes) = token.kind {
                try advance()
                value = .final(.dense(.inline(bytes)))
            } else if token.kind == .punct("[") {
                value = .denseList(try parseLiteralList(), offset: offset)
            } else if let splat = try parseLiteral() {
                value = .denseList([splat], offset: offset)
            } else {
                throw error("expected a list, a single value or hex data (0x...) inside dense<...>, found \(tokenDescription)")
            }
            try expect(">", "to close 'dense<...>'")
            return value
        case .identifier:
            return .final(.type(try parseType()))
        default:
            throw error("expected an attribute value, found \(tokenDescription)")
        }
    }

    private mutating func parseLiteralList() throws(Diagnostic) -> [Literal] {
        try expect("[", "to open a list")
        var items: [Literal] = []
        if try consume("]") { return items }
        repeat {
            guard let item = try parseLiteral() else { throw error("expected a number in the list, found \(tokenDescription)") }
            items.append(item)
        } while try consume(",")
        try expect("]", "to close the list")
        return items
    }

    /// A number or bool literal, or nil (consuming nothing) when the token is not one.
    private mutating func parseLiteral() throws(Diagnostic) -> Literal? {
        let item: Literal
        switch token.kind {
        case .integer(let v): item = .int(v)
        case .unsignedInteger(let v): item = .uint(v)
        case .float(let v): item = .float(v)
        case .identifier("true"): item = .bool(true)
        case .identifier("false"): item = .bool(false)
        case .identifier("inf"): item = .float(.infinity)
        case .identifier("nan"): item = .float(.nan)
        default: return nil
        }
        try advance()
        return item
    }

    /// Checks a parsed attribute against its declaration, converting where the text is
    /// ambiguous (`1` for a float, `[]` for any list, `dense<[...]>` by the result type).
    private func coerce(_ entry: AttributeEntry, to spec: AttributeSpec, opName: String, resultType: TensorType?) throws(Diagnostic) -> Attribute {
        let mismatch = { (got: String) -> Diagnostic in
            self.error("attribute '\(spec.name)' of \(opName) must be \(spec.kind.displayName), got \(got)", at: entry.offset)
        }
        switch entry.value {
        case .denseList(let items, let offset):
            guard spec.kind == .dense else { throw mismatch("dense data") }
            guard let type = resultType else { throw error("dense data needs a result type", at: offset) }
            do {
                return .dense(.inline(try DenseEncoding.encode(items, as: type)))
            } catch {
                throw self.error(error.message, at: offset)
            }
        case .final(let a):
            switch (spec.kind, a) {
            case (let k, _) where k == a.kind: return a
            case (.float, .int(let v)): return .float(Double(v))
            case (.floats, .ints(let vs)): return .floats(vs.map(Double.init))
            default: throw mismatch(a.kind.displayName)
            }
        }
    }

    // MARK: Locations

    private mutating func parseLocation() throws(Diagnostic) -> Location {
        try expectKeyword("loc", "")
        try expect("(", "after 'loc'")
        let l = try parseLocationBody()
        try expect(")", "to close 'loc(...)'")
        return l
    }

    private mutating func parseLocationBody() throws(Diagnostic) -> Location {
        switch token.kind {
        case .identifier("unknown"):
            try advance()
            return .unknown
        case .identifier("fused"):
            try advance()
            try expect("[", "after 'fused'")
            var parts: [Location] = []
            if !(try consume("]")) {
                repeat { parts.append(try parseLocationBody()) } while try consume(",")
                try expect("]", "to close 'fused[...]'")
            }
            return .fused(parts)
        case .string(let s):
            try advance()
            if try consume(":") {
                let line = try expectInteger("a line number")
                try expect(":", "after the line number")
                let col = try expectInteger("a column number")
                return .file(s, line: Int(clamping: line), column: Int(clamping: col))
            }
            return .name(s)
        default:
            throw error("expected a location (a node name string, \"file\":line:col, or fused[...]), found \(tokenDescription)")
        }
    }
}

/// SSA names visible in a function body.
private struct Scope {
    var values: [String: Value] = [:]
    var offsets: [String: Int] = [:]

    mutating func define(_ name: String, _ v: Value, at offset: Int, source: SourceText) throws(Diagnostic) {
        if let previous = offsets[name] {
            throw source.diagnostic("value '%\(name)' is defined twice (SSA values have one definition)", at: offset,
                                    notes: [source.diagnostic("previous definition", at: previous).asNote])
        }
        values[name] = v
        offsets[name] = offset
    }
}

extension Diagnostic {
    /// The same diagnostic as a note.
    var asNote: Diagnostic {
        var d = self
        d.severity = .note
        return d
    }
}

/// Encodes a `dense<[...]>` literal list into little-endian bytes of a tensor type.
enum DenseEncoding {
    /// The most bytes one `dense<...>` constant in `.eir` text may expand to.
    static let maxTextConstantBytes = 256 << 20

    static func encode(_ items: [IRParser.Literal], as type: TensorType) throws(OpError) -> [UInt8] {
        guard let count = type.elementCount, let total = type.byteCount else {
            throw OpError("dense data needs a static result type, got \(TypeText.type(type))")
        }
        // Text holds small constants; large ones belong in the blob file (`#blob<"name">`). A
        // splat would otherwise expand a few characters into gigabytes (fuzz-eir, 2026-12-03).
        guard total <= maxTextConstantBytes else {
            throw OpError("dense data of \(TypeText.type(type)) would be \(total) bytes, more than the \(maxTextConstantBytes >> 20) MiB a constant written in text may hold; store large constants in the blob file (#blob<\"name\">)")
        }
        guard items.count == count || items.count == 1 else {
            throw OpError("dense data has \(items.count) element\(items.count == 1 ? "" : "s") but \(TypeText.type(type)) holds \(count)")
        }
        let storage = type.element.storage
        var one: [UInt8] = []
        var out: [UInt8] = []
        if items.count == count { out.reserveCapacity(total) }
        func append<T: FixedWidthInteger>(_ v: T) {
            withUnsafeBytes(of: v.littleEndian) { one.append(contentsOf: $0) }
        }
        for item in items {
            one.removeAll(keepingCapacity: true)
            let asDouble: Double
            switch item {
            case .int(let v): asDouble = Double(v)
            case .uint(let v): asDouble = Double(v)
            case .float(let v): asDouble = v
            case .bool(let b): asDouble = b ? 1 : 0
            }
            switch storage {
            case .f32: append(Float(asDouble).bitPattern)
            case .f64: append(asDouble.bitPattern)
            case .f16: append(HalfPrecision.f16(from: Float(asDouble)))
            case .bf16: append(HalfPrecision.bf16(from: Float(asDouble)))
            case .bool:
                guard case .bool(let b) = item else { throw OpError("bool dense data must be written as true/false") }
                one.append(b ? 1 : 0)
            case .u64:
                switch item {
                case .uint(let v): append(v)
                case .int(let v): guard let x = UInt64(exactly: v) else { throw rangeError(String(v), storage) }; append(x)
                default: throw OpError("integer dense data must be written as integers")
                }
            case .i8, .u8, .i16, .u16, .i32, .u32, .i64:
                if case .uint(let v) = item { throw rangeError(String(v), storage) }
                guard case .int(let v) = item else { throw OpError("integer dense data must be written as integers") }
                switch storage {
                case .i8: guard let x = Int8(exactly: v) else { throw rangeError(String(v), storage) }; append(x)
                case .u8: guard let x = UInt8(exactly: v) else { throw rangeError(String(v), storage) }; append(x)
                case .i16: guard let x = Int16(exactly: v) else { throw rangeError(String(v), storage) }; append(x)
                case .u16: guard let x = UInt16(exactly: v) else { throw rangeError(String(v), storage) }; append(x)
                case .i32: guard let x = Int32(exactly: v) else { throw rangeError(String(v), storage) }; append(x)
                case .u32: guard let x = UInt32(exactly: v) else { throw rangeError(String(v), storage) }; append(x)
                default: append(v)
                }
            }
            out.append(contentsOf: one)
        }
        if items.count == 1 && count > 1 {
            // Fill by doubling copies of the one element (a byte-wise join is ~100× slower).
            let width = one.count
            out = [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
                let base = buffer.baseAddress!
                one.withUnsafeBytes { base.update(from: $0.bindMemory(to: UInt8.self).baseAddress!, count: width) }
                var filled = width
                while filled < total {
                    let n = min(filled, total - filled)
                    (base + filled).update(from: base, count: n)
                    filled += n
                }
                initialized = total
            }
        }
        if count == 0 { out = [] }
        return out
    }

    private static func rangeError(_ v: String, _ t: ScalarType) -> OpError {
        OpError("value \(v) does not fit in \(t.rawValue)")
    }
}
