/// A token of `.eir` text.
enum TokenKind: Equatable {
    case valueName(String)   // %x, %0
    case symbol(String)      // @main, @"odd name"
    case hashIdent(String)   // #blob
    case identifier(String)  // edge.conv2d, f32, true, loc
    case integer(Int64)
    case unsignedInteger(UInt64)  // a literal above Int64.max (u64 dense data)
    case float(Double)
    case hex([UInt8])        // 0x00FF...
    case string(String)
    case punct(String)       // ( ) [ ] { } < > , : = -> ?
    case eof
}

struct Token {
    var kind: TokenKind
    var offset: Int
}

/// Splits `.eir` text into tokens; `//` comments are skipped.
struct Lexer {
    let source: SourceText
    private var pos = 0

    init(_ source: SourceText) { self.source = source }

    private var bytes: [UInt8] { source.bytes }

    private func peek(_ k: Int = 0) -> UInt8? {
        pos + k < bytes.count ? bytes[pos + k] : nil
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    private static func isHex(_ c: UInt8) -> Bool {
        isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)
    }

    mutating func next() throws(Diagnostic) -> Token {
        skipTrivia()
        let start = pos
        guard let c = peek() else { return Token(kind: .eof, offset: pos) }
        switch c {
        case UInt8(ascii: "%"):
            pos += 1
            let name = identifierBody(allowLeadingDigit: true)
            guard !name.isEmpty else { throw source.diagnostic("expected a value name after '%'", at: start) }
            return Token(kind: .valueName(name), offset: start)
        case UInt8(ascii: "@"):
            pos += 1
            if peek() == UInt8(ascii: "\"") { return Token(kind: .symbol(try string()), offset: start) }
            let name = identifierBody(allowLeadingDigit: false)
            guard !name.isEmpty else { throw source.diagnostic("expected a symbol name after '@'", at: start) }
            return Token(kind: .symbol(name), offset: start)
        case UInt8(ascii: "#"):
            pos += 1
            let name = identifierBody(allowLeadingDigit: false)
            guard !name.isEmpty else { throw source.diagnostic("expected a name after '#'", at: start) }
            return Token(kind: .hashIdent(name), offset: start)
        case UInt8(ascii: "\""):
            return Token(kind: .string(try string()), offset: start)
        case UInt8(ascii: "-") where peek(1) == UInt8(ascii: ">"):
            pos += 2
            return Token(kind: .punct("->"), offset: start)
        case UInt8(ascii: "-") where peek(1) == UInt8(ascii: "i"):
            pos += 1
            let word = identifierBody(allowLeadingDigit: false)
            guard word == "inf" else { throw source.diagnostic("unexpected '-\(word)'", at: start) }
            return Token(kind: .float(-.infinity), offset: start)
        case UInt8(ascii: "-"), UInt8(ascii: "+"):
            guard let d = peek(1), Lexer.isDigit(d) else { throw source.diagnostic("unexpected '\(Character(UnicodeScalar(c)))'", at: start) }
            return try number(start)
        case _ where Lexer.isDigit(c):
            return try number(start)
        case _ where TypeText.isIdentifierStart(c):
            return Token(kind: .identifier(identifierBody(allowLeadingDigit: false)), offset: start)
        case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"),
             UInt8(ascii: "}"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: ","), UInt8(ascii: ":"),
             UInt8(ascii: "="), UInt8(ascii: "?"):
            pos += 1
            return Token(kind: .punct(String(UnicodeScalar(c))), offset: start)
        default:
            let shown = c < 0x20 || c >= 0x7F ? "byte 0x" + String(c, radix: 16, uppercase: true) : "'\(Character(UnicodeScalar(c)))'"
            throw source.diagnostic("unexpected character \(shown)", at: start)
        }
    }

    private mutating func skipTrivia() {
        while let c = peek() {
            if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D {
                pos += 1
            } else if c == UInt8(ascii: "/") && peek(1) == UInt8(ascii: "/") {
                while let d = peek(), d != 0x0A { pos += 1 }
            } else {
                return
            }
        }
    }

    private mutating func identifierBody(allowLeadingDigit: Bool) -> String {
        let start = pos
        if let c = peek(), TypeText.isIdentifierStart(c) || (allowLeadingDigit && Lexer.isDigit(c)) {
            pos += 1
            while let d = peek(), TypeText.isIdentifierBody(d) { pos += 1 }
        }
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }

    private mutating func number(_ start: Int) throws(Diagnostic) -> Token {
        if peek() == UInt8(ascii: "0"), peek(1) == UInt8(ascii: "x") || peek(1) == UInt8(ascii: "X") {
            pos += 2
            let digitsStart = pos
            while let c = peek(), Lexer.isHex(c) { pos += 1 }
            let digits = Array(bytes[digitsStart..<pos])
            guard !digits.isEmpty, digits.count % 2 == 0 else {
                throw source.diagnostic("hex data must have an even number of digits", at: start)
            }
            var out: [UInt8] = []
            out.reserveCapacity(digits.count / 2)
            for i in stride(from: 0, to: digits.count, by: 2) {
                out.append(UInt8(hexValue(digits[i]) << 4 | hexValue(digits[i + 1])))
            }
            return Token(kind: .hex(out), offset: start)
        }
        if peek() == UInt8(ascii: "-") || peek() == UInt8(ascii: "+") { pos += 1 }
        while let c = peek(), Lexer.isDigit(c) { pos += 1 }
        var isFloat = false
        if peek() == UInt8(ascii: "."), let d = peek(1), Lexer.isDigit(d) {
            isFloat = true
            pos += 1
            while let c = peek(), Lexer.isDigit(c) { pos += 1 }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            var k = 1
            if peek(k) == UInt8(ascii: "-") || peek(k) == UInt8(ascii: "+") { k += 1 }
            if let d = peek(k), Lexer.isDigit(d) {
                isFloat = true
                pos += k
                while let c = peek(), Lexer.isDigit(c) { pos += 1 }
            }
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        if isFloat {
            guard let v = Double(text) else { throw source.diagnostic("malformed number '\(text)'", at: start) }
            return Token(kind: .float(v), offset: start)
        }
        if let v = Int64(text) { return Token(kind: .integer(v), offset: start) }
        if let v = UInt64(text) { return Token(kind: .unsignedInteger(v), offset: start) }
        throw source.diagnostic("integer '\(text)' does not fit in 64 bits", at: start)
    }

    private func hexValue(_ c: UInt8) -> UInt8 {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        default: return c - 0x61 + 10
        }
    }

    private mutating func string() throws(Diagnostic) -> String {
        let start = pos
        pos += 1
        var out: [UInt8] = []
        while true {
            guard let c = peek(), c != 0x0A else { throw source.diagnostic("unterminated string", at: start) }
            pos += 1
            if c == UInt8(ascii: "\"") { break }
            guard c == UInt8(ascii: "\\") else {
                out.append(c)
                continue
            }
            guard let e = peek() else { throw source.diagnostic("unterminated string", at: start) }
            pos += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "u"):
                guard peek() == UInt8(ascii: "{") else { throw source.diagnostic("expected '{' after \\u", at: pos - 2) }
                pos += 1
                var value: UInt32 = 0
                var digits = 0
                while let h = peek(), Lexer.isHex(h), digits < 8 {
                    value = value << 4 | UInt32(hexValue(h))
                    pos += 1
                    digits += 1
                }
                guard digits > 0, peek() == UInt8(ascii: "}"), let scalar = UnicodeScalar(value) else {
                    throw source.diagnostic("malformed \\u{...} escape", at: pos)
                }
                pos += 1
                out.append(contentsOf: Array(String(scalar).utf8))
            default:
                throw source.diagnostic("unknown escape '\\\(Character(UnicodeScalar(e)))'", at: pos - 2)
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else {
            throw source.diagnostic("string is not valid UTF-8", at: start)
        }
        return s
    }
}
