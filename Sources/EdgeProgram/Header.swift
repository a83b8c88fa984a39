/// ExecuTorch's extended header, inserted after the FlatBuffer file identifier
/// (layout from `executorch/exir/_serialize/_program.py`, ExecuTorch 1.5.1):
/// magic `eh00`, `u32` header length (32), `u64` program size (FlatBuffer data including
/// this header), `u64` segment base offset, `u64` segment data size; all little-endian.
public struct ExtendedHeader: Sendable, Hashable {
    /// The header's magic bytes.
    public static let magic: [UInt8] = Array("eh00".utf8)
    /// The header length edgec writes (ExecuTorch's `EXPECTED_LENGTH`).
    public static let length = 32
    /// The shortest header ExecuTorch accepts (without the segment data size).
    public static let minimumLength = 24
    /// Where the header starts: after the root offset and file identifier.
    public static let position = 8

    /// Bytes of FlatBuffer data, header included.
    public var programSize: UInt64
    /// File offset of the first segment (0 when there are none).
    public var segmentBaseOffset: UInt64
    /// Bytes of segment data after the base offset.
    public var segmentDataSize: UInt64

    public init(programSize: UInt64, segmentBaseOffset: UInt64, segmentDataSize: UInt64) {
        self.programSize = programSize
        self.segmentBaseOffset = segmentBaseOffset
        self.segmentDataSize = segmentDataSize
    }

    /// The 32 header bytes.
    public var bytes: [UInt8] {
        var out = Self.magic
        appendLE(&out, UInt32(Self.length))
        appendLE(&out, programSize)
        appendLE(&out, segmentBaseOffset)
        appendLE(&out, segmentDataSize)
        return out
    }

    /// Reads the header of a `.pte` file, or nil when the file has none (no `eh00` magic).
    static func read(_ file: [UInt8]) throws(ProgramError) -> ExtendedHeader? {
        let at = position
        guard file.count >= at + 8, Array(file[at ..< at + 4]) == magic else { return nil }
        let length = Int(readLE(file, at + 4, UInt32.self))
        guard length >= minimumLength, file.count >= at + length else {
            throw ProgramError("extended header claims \(length) bytes but must be at least \(minimumLength) and fit in the \(file.count)-byte file")
        }
        return ExtendedHeader(programSize: readLE(file, at + 8, UInt64.self),
                              segmentBaseOffset: readLE(file, at + 16, UInt64.self),
                              segmentDataSize: length >= 32 ? readLE(file, at + 24, UInt64.self) : 0)
    }
}

func appendLE<T: FixedWidthInteger>(_ out: inout [UInt8], _ v: T) {
    withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
}

func readLE<T: FixedWidthInteger>(_ bytes: [UInt8], _ at: Int, _: T.Type) -> T {
    var v: T = 0
    for i in 0 ..< MemoryLayout<T>.size { v |= T(bytes[at + i]) << (8 * i) }
    return v
}

/// A `.pte` file that cannot be read, with the reason.
public struct ProgramError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
