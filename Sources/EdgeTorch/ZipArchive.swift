import Foundation

/// A zip archive read from bytes in memory (a `.pt2` file is memory-mapped): edgec's own walk of
/// the end-of-central-directory record (ZIP64 too), the central directory and each entry's local
/// header, and extraction of stored and deflated entries with their CRC-32 checked.
///
/// Everything is checked against the file before it is used: offsets and sizes must stay inside
/// the file and below ``maxSize``, names must be UTF-8, encrypted entries and other compression
/// methods are refused, and extraction stops at the size an entry declares. It replaced
/// ZIPFoundation's reader, which seeks with `off_t(offset)` on offsets from the file (a trap on
/// any offset past `Int64.max`, found by the fuzz-pt2 harness) and, for bytes in memory, needed a
/// temporary file (its in-memory backend traps on offsets past the end).
struct ZipArchive {
    /// Sizes past this (1 PiB) are rejected outright: far beyond any model, far below `Int64.max`,
    /// so sums of a few of them cannot overflow.
    static let maxSize: UInt64 = 1 << 50

    private static let eocdSignature: UInt32 = 0x0605_4b50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    private static let zip64RecordSignature: UInt32 = 0x0606_4b50
    private static let centralSignature: UInt32 = 0x0201_4b50
    private static let localSignature: UInt32 = 0x0403_4b50

    /// One entry of the central directory, with where its data starts (from its local header).
    struct Entry {
        enum Kind { case file, directory, symlink }
        let index: Int
        let path: String
        let kind: Kind
        let method: UInt16
        let crc32: UInt32
        let compressedSize: UInt64
        let uncompressedSize: UInt64
        let dataOffset: UInt64
    }

    let data: Data
    let path: String
    let entries: [Entry]

    /// Reads the directory of the zip in `data` (reported as `path`); throws on the first record
    /// that does not fit.
    init(data: Data, path: String, maxEntries: Int) throws(TorchImportError) {
        self.data = data
        self.path = path
        // `withUnsafeBytes` rethrows untyped errors: carry the typed one out in a Result.
        let walked = data.withUnsafeBytes { raw in
            Result { () throws(TorchImportError) in try Walk(bytes: raw, path: path).entries(maxEntries: maxEntries) }
        }
        self.entries = try walked.get()
    }

    /// The bytes of `entry`, at most `entry.uncompressedSize` of them (the caller has checked
    /// that size against its limits), their CRC-32 checked.
    func extract(_ entry: Entry) throws(TorchImportError) -> Data {
        let start = Int(entry.dataOffset), count = Int(entry.compressedSize)
        let out: Data
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else {
                throw TorchImportError("entry '\(entry.path)' is stored uncompressed in \(entry.compressedSize) bytes but declares \(entry.uncompressedSize)", file: path)
            }
            out = data.subdata(in: data.startIndex + start ..< data.startIndex + start + count)
        case 8:
            let inflated = data.withUnsafeBytes { raw in
                Result { () throws(Inflate.Failure) in
                    try Inflate.decompress(UnsafeRawBufferPointer(rebasing: raw[start ..< start + count]), limit: Int(entry.uncompressedSize))
                }
            }
            switch inflated {
            case .success(let d): out = d
            case .failure(let error): throw TorchImportError("cannot extract entry '\(entry.path)': \(error)", file: path)
            }
        default:
            throw TorchImportError("entry '\(entry.path)' uses compression method \(entry.method); edgec reads stored (0) and deflated (8) entries", file: path)
        }
        guard UInt64(out.count) == entry.uncompressedSize else {
            throw TorchImportError("entry '\(entry.path)' holds \(out.count) bytes but its header declares \(entry.uncompressedSize)", file: path)
        }
        guard CRC32.checksum(out) == entry.crc32 else {
            throw TorchImportError("entry '\(entry.path)' fails its CRC-32 check; the archive is corrupt", file: path)
        }
        return out
    }

    /// The directory walk over the raw bytes.
    private struct Walk {
        let bytes: UnsafeRawBufferPointer
        let path: String
        var size: UInt64 { UInt64(bytes.count) }

        func fail(_ message: String) -> TorchImportError {
            TorchImportError("not a valid zip archive: \(message)", file: path)
        }

        /// Whether `count` bytes at `offset` are inside the file.
        func fits(_ offset: UInt64, _ count: UInt64) -> Bool { offset <= size && count <= size - offset }

        func u16(_ i: UInt64) -> UInt16 { UInt16(bytes[Int(i)]) | UInt16(bytes[Int(i) + 1]) << 8 }
        func u32(_ i: UInt64) -> UInt32 { UInt32(u16(i)) | UInt32(u16(i + 2)) << 16 }
        func u64(_ i: UInt64) -> UInt64 { UInt64(u32(i)) | UInt64(u32(i + 4)) << 32 }

        /// The end-of-central-directory record: the last signature within the last 64 KiB + 22
        /// bytes (a record is 22 bytes plus a comment of at most 65535).
        func endOfCentralDirectory() -> UInt64? {
            guard size >= 22 else { return nil }
            let lowest = size > 65_557 ? size - 65_557 : 0
            var i = size - 22
            while true {
                if u32(i) == ZipArchive.eocdSignature { return i }
                if i == lowest { return nil }
                i -= 1
            }
        }

        func entries(maxEntries: Int) throws(TorchImportError) -> [Entry] {
            guard let eocd = endOfCentralDirectory() else {
                throw TorchImportError("not a zip archive (no end-of-central-directory record); a .pt2 file is written by torch.export.save", file: path)
            }
            var count = UInt64(u16(eocd + 10))
            var directorySize = UInt64(u32(eocd + 12))
            var directoryOffset = UInt64(u32(eocd + 16))
            // A ZIP64 end record, named by the locator just before the end record (or, where the
            // locator's offset is wrong, sitting just before the locator).
            if eocd >= 20, u32(eocd - 20) == ZipArchive.zip64LocatorSignature {
                let named = u64(eocd - 20 + 8)
                let record: UInt64? = fits(named, 56) && u32(named) == ZipArchive.zip64RecordSignature ? named
                    : (eocd >= 76 && u32(eocd - 76) == ZipArchive.zip64RecordSignature ? eocd - 76 : nil)
                if let record {
                    count = u64(record + 32)
                    directorySize = u64(record + 40)
                    directoryOffset = u64(record + 48)
                }
            }
            guard directoryOffset <= size else {
                throw fail("the central directory starts at byte \(directoryOffset), past the end of the \(size)-byte file")
            }
            guard directorySize <= size - directoryOffset else {
                throw fail("the central directory (\(directorySize) bytes at byte \(directoryOffset)) runs past the end of the \(size)-byte file")
            }
            guard count <= UInt64(maxEntries) else {
                throw fail("it declares \(count) entries; at most \(maxEntries) are read")
            }
            // Each entry takes at least 46 bytes of the directory.
            guard count <= directorySize / 46 + 1 else {
                throw fail("it declares \(count) entries but its \(directorySize)-byte central directory holds at most \(directorySize / 46)")
            }
            var out: [Entry] = []
            out.reserveCapacity(Int(count))
            var position = directoryOffset
            for index in 0 ..< Int(count) {
                guard fits(position, 46), u32(position) == ZipArchive.centralSignature else {
                    throw fail("central-directory entry #\(index) is missing (no signature at byte \(position))")
                }
                let entry = try self.entry(index: index, at: position)
                out.append(entry.entry)
                position = entry.next
            }
            return out
        }

        func entry(index: Int, at position: UInt64) throws(TorchImportError) -> (entry: Entry, next: UInt64) {
            let madeBy = u16(position + 4), flags = u16(position + 8), method = u16(position + 10)
            let crc = u32(position + 16)
            var compressed = UInt64(u32(position + 20)), uncompressed = UInt64(u32(position + 24))
            let nameLength = UInt64(u16(position + 28)), extraLength = UInt64(u16(position + 30)), commentLength = UInt64(u16(position + 32))
            let external = u32(position + 38)
            var offset = UInt64(u32(position + 42))
            guard fits(position + 46, nameLength + extraLength + commentLength) else {
                throw fail("central-directory entry #\(index) runs past the end of the file")
            }
            let nameStart = Int(position + 46)
            guard let name = String(validating: UnsafeRawBufferPointer(rebasing: bytes[nameStart ..< nameStart + Int(nameLength)]), as: UTF8.self) else {
                throw fail("the name of entry #\(index) is not UTF-8")
            }
            // The ZIP64 extended-information field holds, in this order, the sizes and offset
            // whose 4-byte fields are 0xffffffff. Any 8-byte value in it must be a sane size.
            let wide = zip64Values(at: position + 46 + nameLength, length: extraLength)
            for value in wide where value > ZipArchive.maxSize {
                throw fail("central-directory entry #\(index) has a ZIP64 size or offset of \(value) bytes")
            }
            var next = wide.makeIterator()
            if uncompressed == 0xffff_ffff, let v = next.next() { uncompressed = v }
            if compressed == 0xffff_ffff, let v = next.next() { compressed = v }
            if offset == 0xffff_ffff, let v = next.next() { offset = v }
            guard flags & 1 == 0 else { throw fail("entry '\(name)' is encrypted") }
            guard compressed <= ZipArchive.maxSize, uncompressed <= ZipArchive.maxSize else {
                throw fail("entry '\(name)' declares \(max(compressed, uncompressed)) bytes")
            }
            guard fits(offset, 30), u32(offset) == ZipArchive.localSignature else {
                throw fail("the local header of entry '\(name)' (at byte \(offset)) is missing or past the end of the file")
            }
            let localName = UInt64(u16(offset + 26)), localExtra = UInt64(u16(offset + 28))
            guard fits(offset + 30, localName + localExtra) else {
                throw fail("the local header of entry '\(name)' runs past the end of the file")
            }
            for value in zip64Values(at: offset + 30 + localName, length: localExtra) where value > ZipArchive.maxSize {
                throw fail("the local header of entry '\(name)' has a ZIP64 size of \(value) bytes")
            }
            let dataOffset = offset + 30 + localName + localExtra
            guard fits(dataOffset, compressed) else {
                throw fail("the data of entry '\(name)' (\(compressed) bytes at byte \(dataOffset)) runs past the end of the \(size)-byte file")
            }
            // Unix "made by" (host 3) keeps the file mode in the high half of the external attributes.
            let isSymlink = madeBy >> 8 == 3 && (external >> 16) & 0o170000 == 0o120000
            let kind: Entry.Kind = isSymlink ? .symlink : (name.hasSuffix("/") ? .directory : .file)
            let entry = Entry(index: index, path: name, kind: kind, method: method, crc32: crc,
                              compressedSize: compressed, uncompressedSize: uncompressed, dataOffset: dataOffset)
            return (entry, position + 46 + nameLength + extraLength + commentLength)
        }

        /// The 8-byte values inside the ZIP64 extended-information fields (id 1) of an extra field.
        func zip64Values(at start: UInt64, length: UInt64) -> [UInt64] {
            var values: [UInt64] = []
            var i = start
            let end = start + length
            while i + 4 <= end {
                let id = u16(i), fieldLength = UInt64(u16(i + 2))
                let fieldEnd = min(i + 4 + fieldLength, end)
                if id == 1 {
                    var j = i + 4
                    while j + 8 <= fieldEnd {
                        values.append(u64(j))
                        j += 8
                    }
                }
                i += 4 + fieldLength
            }
            return values
        }
    }
}

/// CRC-32 (the zip / IEEE 802.3 polynomial, reflected 0xEDB88320).
public enum CRC32 {
    private static let table: [UInt32] = (0 ..< 256).map { n in
        var c = UInt32(n)
        for _ in 0 ..< 8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func checksum(_ data: Data) -> UInt32 {
        data.withUnsafeBytes { raw in
            var c: UInt32 = 0xffff_ffff
            table.withUnsafeBufferPointer { t in
                for b in raw { c = t[Int((c ^ UInt32(b)) & 0xff)] ^ (c >> 8) }
            }
            return c ^ 0xffff_ffff
        }
    }
}
