import EdgeKernels

/// NumPy `.npy` files (format versions 1–3, little-endian, C order) for tensors.
public enum NPY {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    static let descriptors: [(String, DType)] = [
        ("<f4", .f32), ("<f8", .f64), ("<f2", .f16), ("|i1", .i8), ("|u1", .u8), ("<i2", .i16), ("<u2", .u16),
        ("<i4", .i32), ("<u4", .u32), ("<i8", .i64), ("<u8", .u64), ("|b1", .bool),
    ]

    /// Serializes a tensor as a version 1.0 `.npy` file.
    public static func encode(_ tensor: Tensor) throws -> [UInt8] {
        guard let descr = descriptors.first(where: { $0.1 == tensor.dtype })?.0 else {
            throw RuntimeError("\(tensor.dtype) has no NumPy type")
        }
        let shape = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }"
        let unpadded = magic.count + 4 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var out = magic + [1, 0]
        let length = UInt16(header.utf8.count)
        out += [UInt8(length & 0xFF), UInt8(length >> 8)]
        out += Array(header.utf8)
        tensor.withView { v in out += Array(UnsafeRawBufferPointer(start: v.base, count: v.byteCount)) }
        return out
    }

    /// Reads a `.npy` file; rejects big-endian, Fortran order and unknown types with a message.
    public static func decode(_ bytes: [UInt8]) throws -> Tensor {
        guard bytes.count >= 10, Array(bytes[0 ..< 6]) == magic else { throw RuntimeError("not a .npy file (missing \\x93NUMPY magic)") }
        let major = bytes[6]
        let headerStart = major == 1 ? 10 : 12
        guard major >= 1, major <= 3, bytes.count >= headerStart else { throw RuntimeError(".npy version \(major) is not supported") }
        var length = Int(bytes[8]) | Int(bytes[9]) << 8
        if major > 1 { length |= Int(bytes[10]) << 16 | Int(bytes[11]) << 24 }
        guard length <= bytes.count - headerStart else { throw RuntimeError(".npy header is truncated") }
        let header = String(decoding: bytes[headerStart ..< headerStart + length], as: UTF8.self)
        func field(_ key: String) -> String? {
            guard let r = header.range(of: "'\(key)':") else { return nil }
            return String(header[r.upperBound...]).trimmedSpaces()
        }
        guard let d = field("descr"), let quote = d.dropFirst().firstIndex(of: "'") else { throw RuntimeError(".npy header has no descr") }
        var descr = String(d[d.index(after: d.startIndex) ..< quote])
        if descr.hasPrefix("=") { descr = "<" + descr.dropFirst() }
        if descr == "<i1" || descr == "<u1" || descr == "<b1" { descr = "|" + descr.dropFirst() }
        guard let dtype = descriptors.first(where: { $0.0 == descr })?.1 else {
            throw RuntimeError(".npy element type '\(descr)' is not supported (little-endian f2/f4/f8, i1/i2/i4/i8, u1/u2/u4/u8, b1)")
        }
        guard let f = field("fortran_order"), f.hasPrefix("False") else { throw RuntimeError(".npy in Fortran order is not supported") }
        guard let s = field("shape"), let open = s.firstIndex(of: "("), let close = s[open...].firstIndex(of: ")") else {
            throw RuntimeError(".npy header has no shape")
        }
        let dims = s[s.index(after: open) ..< close].split(separator: ",").map { String($0).trimmedSpaces() }.filter { !$0.isEmpty }
        var shape: [Int] = []
        for text in dims {
            guard let v = Int(text), v >= 0 else { throw RuntimeError(".npy shape entry '\(text)' is not a size") }
            shape.append(v)
        }
        let data = Array(bytes[(headerStart + length)...])
        let expected = try Shapes.byteCount(shape, dtype: dtype, kernel: "npy")
        guard data.count == expected else {
            throw RuntimeError(".npy data has \(data.count) bytes; \(descr) \(shape) needs \(expected)")
        }
        return try Tensor(bytes: data, dtype: dtype, shape: shape)
    }
}

extension String {
    fileprivate func trimmedSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
