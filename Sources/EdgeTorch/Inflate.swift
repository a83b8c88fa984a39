import Foundation

/// A raw DEFLATE decoder (RFC 1951), for the deflated entries of a zip archive.
///
/// Written for hostile input: every read is bounds-checked against the compressed bytes, the
/// output stops at `limit` bytes (the size the entry declares, itself capped by the archive
/// limits), code lengths that do not form a valid prefix code are rejected, and a stream that
/// ends before its final block is an error. The work is linear in input plus output.
enum Inflate {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The bytes `input` inflates to. Throws when the stream is malformed, ends early, or would
    /// produce more than `limit` bytes.
    static func decompress(_ input: UnsafeRawBufferPointer, limit: Int) throws(Failure) -> Data {
        var state = Decoder(input: input, limit: limit)
        try state.run()
        return Data(state.output)
    }

    /// A canonical Huffman code: counts per length and symbols in code order (RFC 1951 3.2.2).
    struct Code {
        var counts = [UInt16](repeating: 0, count: 16)
        var symbols: [UInt16] = []

        /// How much of the code space a code may leave unused.
        enum Incomplete { case never, singleCode, any }

        /// Builds the code of `lengths` (0 = unused symbol). Incomplete codes are allowed only
        /// where RFC 1951 has them (a dynamic distance code of one symbol; the fixed distance
        /// code's 30 of 32); over-subscribed codes never.
        init(lengths: ArraySlice<UInt8>, allowIncomplete: Incomplete) throws(Failure) {
            for l in lengths { counts[Int(l)] += 1 }
            counts[0] = 0
            var left = 1
            for len in 1 ... 15 {
                left <<= 1
                left -= Int(counts[len])
                if left < 0 { throw Failure("over-subscribed Huffman code") }
            }
            let used = lengths.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
            let allowed = allowIncomplete == .any || (allowIncomplete == .singleCode && used <= 1)
            if left > 0 && !allowed && used > 0 {
                throw Failure("incomplete Huffman code")
            }
            var offsets = [Int](repeating: 0, count: 16)
            for len in 1 ..< 15 { offsets[len + 1] = offsets[len] + Int(counts[len]) }
            symbols = [UInt16](repeating: 0, count: used)
            for (symbol, l) in lengths.enumerated() where l > 0 {
                symbols[offsets[Int(l)]] = UInt16(symbol)
                offsets[Int(l)] += 1
            }
        }
    }

    private static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBase: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distanceExtra: [Int] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    /// The order code-length code lengths are sent in.
    private static let codeLengthOrder: [Int] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    private static let fixedCodes: (Code, Code) = {
        var lengths = [UInt8](repeating: 8, count: 288)
        for i in 144 ..< 256 { lengths[i] = 9 }
        for i in 256 ..< 280 { lengths[i] = 7 }
        let literal = try! Code(lengths: lengths[...], allowIncomplete: .never)
        let distance = try! Code(lengths: [UInt8](repeating: 5, count: 30)[...], allowIncomplete: .any)
        return (literal, distance)
    }()

    private struct Decoder {
        let input: UnsafeRawBufferPointer
        let limit: Int
        var position = 0
        var bitBuffer: UInt64 = 0
        var bitCount = 0
        var output: [UInt8] = []

        init(input: UnsafeRawBufferPointer, limit: Int) {
            self.input = input
            self.limit = limit
            output.reserveCapacity(Swift.min(limit, 64 << 20))
        }

        mutating func bits(_ n: Int) throws(Failure) -> Int {
            while bitCount < n {
                guard position < input.count else { throw Failure("the compressed data ends in the middle of a block") }
                bitBuffer |= UInt64(input[position]) << UInt64(bitCount)
                position += 1
                bitCount += 8
            }
            let v = Int(bitBuffer & ((1 << UInt64(n)) - 1))
            bitBuffer >>= UInt64(n)
            bitCount -= n
            return v
        }

        mutating func decode(_ code: Code) throws(Failure) -> Int {
            var value = 0, first = 0, index = 0
            for len in 1 ... 15 {
                value |= try bits(1)
                let count = Int(code.counts[len])
                if value - count < first { return Int(code.symbols[index + value - first]) }
                index += count
                first += count
                first <<= 1
                value <<= 1
            }
            throw Failure("invalid Huffman code in the compressed data")
        }

        mutating func emit(_ byte: UInt8) throws(Failure) {
            guard output.count < limit else { throw Failure("the data inflates past the \(limit) bytes declared") }
            output.append(byte)
        }

        mutating func run() throws(Failure) {
            var last = false
            while !last {
                last = try bits(1) == 1
                switch try bits(2) {
                case 0: try stored()
                case 1: try codes(Inflate.fixedCodes.0, Inflate.fixedCodes.1)
                case 2: try dynamic()
                default: throw Failure("invalid block type 3 in the compressed data")
                }
            }
        }

        mutating func stored() throws(Failure) {
            bitBuffer = 0
            bitCount = 0
            guard position + 4 <= input.count else { throw Failure("a stored block's header is cut off") }
            let len = Int(input[position]) | Int(input[position + 1]) << 8
            let nlen = Int(input[position + 2]) | Int(input[position + 3]) << 8
            position += 4
            guard len == ~nlen & 0xffff else { throw Failure("a stored block's length check fails") }
            guard position + len <= input.count else { throw Failure("a stored block runs past the end of the data") }
            guard output.count + len <= limit else { throw Failure("the data inflates past the \(limit) bytes declared") }
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[position ..< position + len]))
            position += len
        }

        mutating func dynamic() throws(Failure) {
            let literalCount = try bits(5) + 257, distanceCount = try bits(5) + 1, codeLengthCount = try bits(4) + 4
            guard literalCount <= 286, distanceCount <= 30 else { throw Failure("a dynamic block declares too many codes") }
            var lengths = [UInt8](repeating: 0, count: 19)
            for i in 0 ..< codeLengthCount { lengths[Inflate.codeLengthOrder[i]] = UInt8(try bits(3)) }
            let lengthCode = try Code(lengths: lengths[...], allowIncomplete: .never)
            var all = [UInt8](repeating: 0, count: literalCount + distanceCount)
            var i = 0
            while i < all.count {
                let symbol = try decode(lengthCode)
                if symbol < 16 {
                    all[i] = UInt8(symbol)
                    i += 1
                    continue
                }
                var repeatValue: UInt8 = 0, times = 0
                switch symbol {
                case 16:
                    guard i > 0 else { throw Failure("a length repeat with no previous length") }
                    repeatValue = all[i - 1]
                    times = 3 + (try bits(2))
                case 17: times = 3 + (try bits(3))
                default: times = 11 + (try bits(7))
                }
                guard i + times <= all.count else { throw Failure("code lengths repeat past the codes declared") }
                for _ in 0 ..< times { all[i] = repeatValue; i += 1 }
            }
            guard all[256] != 0 else { throw Failure("a dynamic block has no end-of-block code") }
            let literal = try Code(lengths: all[0 ..< literalCount], allowIncomplete: .singleCode)
            let distance = try Code(lengths: all[literalCount...], allowIncomplete: .singleCode)
            try codes(literal, distance)
        }

        mutating func codes(_ literal: Code, _ distance: Code) throws(Failure) {
            while true {
                let symbol = try decode(literal)
                if symbol < 256 {
                    try emit(UInt8(symbol))
                } else if symbol == 256 {
                    return
                } else {
                    let s = symbol - 257
                    guard s < 29 else { throw Failure("invalid length code \(symbol) in the compressed data") }
                    let length = Inflate.lengthBase[s] + (try bits(Inflate.lengthExtra[s]))
                    let d = try decode(distance)
                    guard d < 30 else { throw Failure("invalid distance code \(d) in the compressed data") }
                    let dist = Inflate.distanceBase[d] + (try bits(Inflate.distanceExtra[d]))
                    guard dist <= output.count else { throw Failure("a back-reference reaches before the start of the data") }
                    guard output.count + length <= limit else { throw Failure("the data inflates past the \(limit) bytes declared") }
                    let start = output.count - dist
                    for k in 0 ..< length { output.append(output[start + k]) }
                }
            }
        }
    }
}
