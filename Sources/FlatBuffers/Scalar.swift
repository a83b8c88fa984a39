// Scalar encoding and the raw byte buffer shared by the builder, verifier and reader.
//
// FlatBuffers stores every scalar little-endian. A `FlatBufferScalar` maps a Swift value to
// the unsigned integer holding its bit pattern; the buffer layer only moves those bits.

/// A value that FlatBuffers stores inline as a little-endian scalar (integers, floats, bool).
public protocol FlatBufferScalar: Equatable, Sendable {
    /// The unsigned integer type holding this value's bit pattern; its width is the wire size.
    associatedtype Bits: FixedWidthInteger & UnsignedInteger & Sendable
    /// The bit pattern written to the buffer.
    var flatBufferBits: Bits { get }
    /// Recreates a value from its stored bit pattern.
    init(flatBufferBits: Bits)
}

extension FlatBufferScalar {
    /// Wire size (and natural alignment) of this scalar in bytes.
    public static var byteSize: Int { MemoryLayout<Bits>.size }
}

extension FlatBufferScalar where Self: FixedWidthInteger {
    /// The two's-complement bit pattern of the integer.
    public var flatBufferBits: Bits { Bits(truncatingIfNeeded: self) }
    /// Reinterprets a stored bit pattern as this integer type.
    public init(flatBufferBits: Bits) { self.init(truncatingIfNeeded: flatBufferBits) }
}

extension UInt8: FlatBufferScalar { public typealias Bits = UInt8 }
extension Int8: FlatBufferScalar { public typealias Bits = UInt8 }
extension UInt16: FlatBufferScalar { public typealias Bits = UInt16 }
extension Int16: FlatBufferScalar { public typealias Bits = UInt16 }
extension UInt32: FlatBufferScalar { public typealias Bits = UInt32 }
extension Int32: FlatBufferScalar { public typealias Bits = UInt32 }
extension UInt64: FlatBufferScalar { public typealias Bits = UInt64 }
extension Int64: FlatBufferScalar { public typealias Bits = UInt64 }

extension Float: FlatBufferScalar {
    /// The IEEE-754 bit pattern.
    public var flatBufferBits: UInt32 { bitPattern }
    /// Recreates the float from its IEEE-754 bit pattern.
    public init(flatBufferBits: UInt32) { self.init(bitPattern: flatBufferBits) }
}

extension Double: FlatBufferScalar {
    /// The IEEE-754 bit pattern.
    public var flatBufferBits: UInt64 { bitPattern }
    /// Recreates the double from its IEEE-754 bit pattern.
    public init(flatBufferBits: UInt64) { self.init(bitPattern: flatBufferBits) }
}

extension Bool: FlatBufferScalar {
    /// `1` for true, `0` for false.
    public var flatBufferBits: UInt8 { self ? 1 : 0 }
    /// Any non-zero byte reads as true.
    public init(flatBufferBits: UInt8) { self = flatBufferBits != 0 }
}

/// An immutable byte buffer with bounds-checked little-endian reads.
///
/// Every read traps (rather than reading out of bounds) if it falls outside the buffer, so even
/// a reader misused on unverified data cannot touch memory it does not own.
public struct ByteBuffer: Sendable, Equatable {
    /// The underlying bytes.
    public let bytes: [UInt8]

    /// Wraps `bytes` (no copy).
    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// Number of bytes in the buffer.
    public var count: Int { bytes.count }

    /// Whether `length` bytes starting at `position` lie inside the buffer.
    public func contains(_ position: Int, length: Int) -> Bool {
        position >= 0 && length >= 0 && position <= bytes.count - length
    }

    /// Reads a little-endian scalar at `position` (traps if out of bounds).
    public func read<T: FlatBufferScalar>(_ type: T.Type = T.self, at position: Int) -> T {
        precondition(contains(position, length: T.byteSize), "FlatBuffers: read past end of buffer")
        let bits = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: position, as: T.Bits.self) }
        return T(flatBufferBits: T.Bits(littleEndian: bits))
    }

    /// The bytes in `position ..< position + length` (traps if out of bounds).
    public func slice(_ position: Int, length: Int) -> ArraySlice<UInt8> {
        precondition(contains(position, length: length), "FlatBuffers: read past end of buffer")
        return bytes[position ..< position + length]
    }

    /// Reads a length-prefixed string whose length field is at `position`.
    func string(at position: Int) -> String {
        let length = Int(read(UInt32.self, at: position))
        return String(decoding: slice(position + 4, length: length), as: UTF8.self)
    }
}
