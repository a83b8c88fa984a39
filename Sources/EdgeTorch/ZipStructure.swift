import Foundation

/// A check of a zip file's directory structures before ZIPFoundation reads them.
///
/// ZIPFoundation 0.9.20 seeks with `off_t(offset)` on offsets and sizes taken from the file, so
/// a hostile archive whose central-directory offset, local-header offset or data size does not
/// fit `Int64` traps the process inside `Archive.makeIterator` (found by the fuzz-pt2 harness).
/// This walks the same records ZIPFoundation walks — the end-of-central-directory record it
/// finds (the last signature in the file), the ZIP64 record it takes from just before the
/// locator, every central-directory entry, its local header and data descriptor — and rejects
/// any offset or size that points past the end of the file or past ``maxSize``, with a message
/// that names the record. Reads only the directory records, never the entry data.
struct ZipStructure {
    /// Sizes past this (1 PiB) are rejected outright: far beyond any model, far below `Int64.max`,
    /// so sums of a few of them cannot overflow.
    static let maxSize: UInt64 = 1 << 50

    private static let eocdSignature: UInt32 = 0x0605_4b50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    private static let zip64RecordSignature: UInt32 = 0x0606_4b50
    private static let centralSignature: UInt32 = 0x0201_4b50
    private static let localSignature: UInt32 = 0x0403_4b50
    private static let descriptorSignature: UInt32 = 0x0807_4b50

    private let file: FileHandle
    private let size: UInt64
    private let path: String

    /// Checks the zip at `url` (reported as `path`); throws on the first record that does not fit.
    static func check(url: URL, path: String, maxEntries: Int) throws(TorchImportError) {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw TorchImportError("cannot read \(path): \(error.localizedDescription)", file: path)
        }
        defer { try? handle.close() }
        let size: UInt64
        do {
            size = try handle.seekToEnd()
        } catch {
            throw TorchImportError("cannot read \(path): \(error.localizedDescription)", file: path)
        }
        try ZipStructure(file: handle, size: size, path: path).walk(maxEntries: maxEntries)
    }

    private init(file: FileHandle, size: UInt64, path: String) {
        self.file = file
        self.size = size
        self.path = path
    }

    private func fail(_ message: String) -> TorchImportError {
        TorchImportError("not a valid zip archive: \(message)", file: path)
    }

    /// `count` bytes at `offset`, or nil when they are not all inside the file.
    private func bytes(at offset: UInt64, count: Int) -> [UInt8]? {
        guard offset <= size, UInt64(count) <= size - offset else { return nil }
        if count == 0 { return [] }
        do {
            try file.seek(toOffset: offset)
            guard let data = try file.read(upToCount: count), data.count == count else { return nil }
            return [UInt8](data)
        } catch {
            return nil
        }
    }

    private func walk(maxEntries: Int) throws(TorchImportError) {
        guard let eocd = findEndOfCentralDirectory() else {
            throw TorchImportError("not a zip archive (no end-of-central-directory record); a .pt2 file is written by torch.export.save", file: path)
        }
        var entries = UInt64(u16(eocd.bytes, 10))
        var directorySize = UInt64(u32(eocd.bytes, 12))
        var directoryOffset = UInt64(u32(eocd.bytes, 16))
        // ZIPFoundation takes a ZIP64 record when a locator sits just before the record and the
        // record just before the locator (it ignores the locator's own offset field).
        if eocd.offset > 20, eocd.offset - 20 > 56,
           let locator = bytes(at: eocd.offset - 20, count: 20), u32(locator, 0) == Self.zip64LocatorSignature,
           let record = bytes(at: eocd.offset - 20 - 56, count: 56), u32(record, 0) == Self.zip64RecordSignature {
            entries = u64(record, 32)
            directorySize = u64(record, 40)
            directoryOffset = u64(record, 48)
        }
        guard directoryOffset <= size else {
            throw fail("the central directory starts at byte \(directoryOffset), past the end of the \(size)-byte file")
        }
        guard directorySize <= size - directoryOffset else {
            throw fail("the central directory (\(directorySize) bytes at byte \(directoryOffset)) runs past the end of the \(size)-byte file")
        }
        guard entries <= UInt64(maxEntries) else {
            throw fail("it declares \(entries) entries; at most \(maxEntries) are read")
        }
        var position = directoryOffset
        for index in 0..<entries {
            guard let header = bytes(at: position, count: 46), u32(header, 0) == Self.centralSignature else {
                // ZIPFoundation stops its iteration here; the archive's checks then name what is missing.
                return
            }
            let nameLength = Int(u16(header, 28)), extraLength = Int(u16(header, 30)), commentLength = Int(u16(header, 32))
            guard let extra = bytes(at: position + 46 + UInt64(nameLength), count: extraLength) else {
                throw fail("central-directory entry #\(index) runs past the end of the file")
            }
            try checkEntry(index: index, header: header, extra: extra)
            position += 46 + UInt64(nameLength) + UInt64(extraLength) + UInt64(commentLength)
        }
    }

    /// The end-of-central-directory record ZIPFoundation finds: the last signature in the file.
    private func findEndOfCentralDirectory() -> (offset: UInt64, bytes: [UInt8])? {
        guard size >= 22 else { return nil }
        // A record is 22 bytes plus a comment of at most 65535; scan that tail first, then the
        // rest in chunks (ZIPFoundation scans the whole file backwards).
        var end = size
        while end >= 22 {
            let start = end > 65_557 + 22 ? end - 65_557 : 0
            guard let chunk = bytes(at: start, count: Int(end - start)) else { return nil }
            var i = chunk.count - 22
            while i >= 0 {
                if chunk[i] == 0x50, chunk[i + 1] == 0x4b, chunk[i + 2] == 0x05, chunk[i + 3] == 0x06 {
                    return (start + UInt64(i), Array(chunk[i..<(i + 22)]))
                }
                i -= 1
            }
            if start == 0 { return nil }
            end = start + 21  // overlap so a record straddling the chunk boundary is seen
        }
        return nil
    }

    private func checkEntry(index: UInt64, header: [UInt8], extra: [UInt8]) throws(TorchImportError) {
        let compressed32 = UInt64(u32(header, 20)), uncompressed32 = UInt64(u32(header, 24))
        let offset32 = UInt64(u32(header, 42))
        // Every 8-byte value of a ZIP64 extended-information field, whichever of the sizes and
        // offset ZIPFoundation takes it for, must be a sane size.
        let wide = zip64Values(extra)
        for value in wide where value > Self.maxSize {
            throw fail("central-directory entry #\(index) has a ZIP64 size or offset of \(value) bytes")
        }
        var headerOffsets = [offset32]
        headerOffsets.append(contentsOf: wide.filter { $0 > 0 })
        var dataSizes = [compressed32, uncompressed32]
        dataSizes.append(contentsOf: wide.filter { $0 > 0 })
        let usesDescriptor = u16(header, 8) & 0x8 != 0
        // The local header: ZIPFoundation reads it at the entry's offset.
        for offset in headerOffsets where offset <= size {
            guard let local = bytes(at: offset, count: 30), u32(local, 0) == Self.localSignature else { continue }
            let localExtraLength = Int(u16(local, 28))
            let dataStart = offset + 30 + UInt64(u16(local, 26)) + UInt64(localExtraLength)
            if let localExtra = bytes(at: offset + 30 + UInt64(u16(local, 26)), count: localExtraLength) {
                for value in zip64Values(localExtra) where value > Self.maxSize {
                    throw fail("the local header of entry #\(index) has a ZIP64 size of \(value) bytes")
                }
            }
            // ZIPFoundation reads a ZIP64 data descriptor (8-byte sizes) only for an entry it
            // takes as ZIP64; the 4-byte sizes of the ordinary one cannot overflow anything.
            let isZIP64 = u16(header, 6) & 0xff >= 45 || hasZIP64Field(extra)
            guard usesDescriptor, isZIP64 else { continue }
            for dataSize in dataSizes {
                guard let descriptor = bytes(at: dataStart + dataSize, count: 24) else { continue }
                let base = u32(descriptor, 0) == Self.descriptorSignature ? 8 : 4
                for value in [u64(descriptor, base), u64(descriptor, base + 8)] where value > Self.maxSize {
                    throw fail("the data descriptor of entry #\(index) has a size of \(value) bytes")
                }
            }
        }
    }

    /// Whether an extra field holds a ZIP64 extended-information field (id 1).
    private func hasZIP64Field(_ extra: [UInt8]) -> Bool {
        var i = 0
        while i + 4 <= extra.count {
            if u16(extra, i) == 1 { return true }
            i += 4 + Int(u16(extra, i + 2))
        }
        return false
    }

    /// The 8-byte values inside the ZIP64 extended-information fields (id 1) of an extra field.
    private func zip64Values(_ extra: [UInt8]) -> [UInt64] {
        var values: [UInt64] = []
        var i = 0
        while i + 4 <= extra.count {
            let id = u16(extra, i), length = Int(u16(extra, i + 2))
            let end = min(i + 4 + length, extra.count)
            if id == 1 {
                var j = i + 4
                while j + 8 <= end {
                    values.append(u64(extra, j))
                    j += 8
                }
            }
            i += 4 + length
        }
        return values
    }

    private func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    private func u32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(u16(b, i)) | UInt32(u16(b, i + 2)) << 16 }
    private func u64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(u32(b, i)) | UInt64(u32(b, i + 4)) << 32 }
}
