import Foundation

/// Named byte buffers that hold a module's large constants (weights).
///
/// Constants refer to blobs by name (`#blob<"conv1.weight">`), so weights are never copied
/// when IR is printed, parsed or rewritten. Blob bytes are `Data`, which may be a slice of a
/// memory-mapped file. On disk a store is an `.eirb` file (see ``BlobFile``).
public final class BlobStore {
    private var order: [String] = []
    private var table: [String: Data] = [:]

    public init() {}

    /// The blob names in insertion order.
    public var names: [String] { order }

    public var count: Int { order.count }

    public subscript(name: String) -> Data? { table[name] }

    /// Adds or replaces a blob.
    public func set(_ name: String, _ bytes: Data) {
        if table.updateValue(bytes, forKey: name) == nil { order.append(name) }
    }

    /// Removes blobs that `keep` rejects.
    public func removeAll(where reject: (String) -> Bool) {
        order.removeAll { name in
            guard reject(name) else { return false }
            table[name] = nil
            return true
        }
    }

    /// A name not yet used in the store, derived from `base`.
    public func uniqueName(_ base: String) -> String {
        if table[base] == nil { return base }
        var i = 1
        while table["\(base)_\(i)"] != nil { i += 1 }
        return "\(base)_\(i)"
    }

    /// Total bytes held.
    public var totalBytes: Int { table.values.reduce(0) { $0 + $1.count } }
}

/// The `.eirb` blob file: the weights that an `.eir` file refers to by name.
///
/// Layout (little-endian): magic `EIRB`, `u32` version (1), `u32` blob count, `u32` reserved;
/// then per blob: `u32` name length, the UTF-8 name, `u64` byte length, zero padding to a
/// 64-byte boundary, the bytes. Data starts 64-byte aligned so a mapped file can be used
/// in place.
public enum BlobFile {
    public static let magic: [UInt8] = Array("EIRB".utf8)
    public static let version: UInt32 = 1
    static let alignment = 64

    /// Serializes the named blobs (all of them when `names` is nil).
    public static func encode(_ store: BlobStore, names: [String]? = nil) -> Data {
        var out = Data()
        let selected = names ?? store.names
        out.append(contentsOf: magic)
        appendLE(&out, version)
        appendLE(&out, UInt32(selected.count))
        appendLE(&out, UInt32(0))
        for name in selected {
            let bytes = store[name] ?? Data()
            let utf8 = Array(name.utf8)
            appendLE(&out, UInt32(utf8.count))
            out.append(contentsOf: utf8)
            appendLE(&out, UInt64(bytes.count))
            let pad = (alignment - out.count % alignment) % alignment
            out.append(contentsOf: repeatElement(0, count: pad))
            out.append(bytes)
        }
        return out
    }

    /// Reads a blob file, checking every length against the data before slicing it.
    /// The returned blobs are slices of `data` (no copy).
    public static func decode(_ data: Data, path: String) throws(BlobFileError) -> BlobStore {
        let base = data.startIndex
        var pos = 0
        func fail(_ why: String) -> BlobFileError { BlobFileError(path: path, message: why) }
        func read<T: FixedWidthInteger>(_: T.Type, _ what: String) throws(BlobFileError) -> T {
            let size = MemoryLayout<T>.size
            guard data.count - pos >= size else {
                throw fail("truncated: \(what) at byte \(pos) needs \(size) bytes, file has \(data.count)")
            }
            var v: T = 0
            for i in 0..<size { v |= T(data[base + pos + i]) << (8 * i) }
            pos += size
            return v
        }
        guard data.count >= 16, Array(data[base..<base + 4]) == magic else {
            throw fail("not an edgec blob file (missing EIRB magic)")
        }
        pos = 4
        let version = try read(UInt32.self, "version")
        guard version == Self.version else {
            throw fail("unsupported blob file version \(version) (this edgec reads version \(Self.version))")
        }
        let count = try read(UInt32.self, "blob count")
        _ = try read(UInt32.self, "reserved")
        let store = BlobStore()
        for index in 0..<Int(count) {
            let nameLength = Int(try read(UInt32.self, "name length of blob \(index)"))
            guard nameLength <= data.count - pos else { throw fail("truncated: name of blob \(index)") }
            guard let name = String(validating: data[(base + pos)..<(base + pos + nameLength)], as: UTF8.self)
            else { throw fail("name of blob \(index) is not valid UTF-8") }
            pos += nameLength
            let length = try read(UInt64.self, "byte length of blob \"\(name)\"")
            pos += (alignment - pos % alignment) % alignment
            guard pos <= data.count, length <= UInt64(data.count - pos) else {
                throw fail("blob \"\(name)\" claims \(length) bytes but only \(max(0, data.count - pos)) remain")
            }
            guard store[name] == nil else { throw fail("blob \"\(name)\" appears twice") }
            store.set(name, data[(base + pos)..<(base + pos + Int(length))])
            pos += Int(length)
        }
        return store
    }

    private static func appendLE<T: FixedWidthInteger>(_ out: inout Data, _ v: T) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }
}

/// A malformed or unreadable blob file.
public struct BlobFileError: Error, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): error: \(message)" }
}
