// A torch.export archive given as its entries, so mutations reach the export schema and weights
// instead of dying at the zip's CRC checks: the input is a list of entries, each introduced by a
// line `#entry <path>` (the path relative to the archive's root folder) and followed by its bytes
// up to the next such line. The harness stores them in a zip under `fuzz/` and imports it as
// `edgec compile model.pt2` does. Fuzz/corpus/pt2-entries holds the fixtures in this form
// (written by Fuzz/make-corpus.py). The zip is written here (stored entries, no temporary file):
// a zip library's writer took a fifth of the time per input.
import EdgeTorch
import Foundation
import FuzzSupport

let marker = Array("#entry ".utf8)

/// A zip of stored (uncompressed) entries: local headers, central directory, end record.
func storedZip(_ list: [(String, Data)]) -> Data {
    var out = Data(), directory = Data()
    func u16(_ v: Int, _ d: inout Data) { withUnsafeBytes(of: UInt16(truncatingIfNeeded: v).littleEndian) { d.append(contentsOf: $0) } }
    func u32(_ v: UInt32, _ d: inout Data) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
    for (name, body) in list {
        let path = Data(name.utf8), crc = CRC32.checksum(body), offset = UInt32(truncatingIfNeeded: out.count)
        // version 20, no flags, stored, a fixed time and date, CRC, sizes, name length, no extra field
        u32(0x0403_4b50, &out); u16(20, &out); u16(0, &out); u16(0, &out); u16(0, &out); u16(0x5121, &out)
        u32(crc, &out); u32(UInt32(body.count), &out); u32(UInt32(body.count), &out); u16(path.count, &out); u16(0, &out)
        out.append(path); out.append(body)
        u32(0x0201_4b50, &directory); u16(20, &directory); u16(20, &directory); u16(0, &directory); u16(0, &directory)
        u16(0, &directory); u16(0x5121, &directory); u32(crc, &directory); u32(UInt32(body.count), &directory)
        u32(UInt32(body.count), &directory); u16(path.count, &directory); u16(0, &directory); u16(0, &directory)
        u16(0, &directory); u16(0, &directory); u32(0, &directory); u32(offset, &directory); directory.append(path)
    }
    let directoryOffset = UInt32(out.count)
    out.append(directory)
    u32(0x0605_4b50, &out); u16(0, &out); u16(0, &out); u16(list.count, &out); u16(list.count, &out)
    u32(UInt32(directory.count), &out); u32(directoryOffset, &out); u16(0, &out)
    return out
}

/// Splits the input at lines starting with `#entry ` (lines found with memchr, outside the
/// instrumented code, so the coverage callbacks count the readers' comparisons, not the harness's).
func entries(_ bytes: UnsafeBufferPointer<UInt8>) -> [(String, Data)] {
    guard let base = bytes.baseAddress else { return [] }
    var out: [(String, Data)] = []
    var name: String?
    var bodyStart = 0
    func close(_ end: Int) {
        guard let name else { return }
        var e = end
        if e > bodyStart, bytes[e - 1] == 0x0A { e -= 1 }
        out.append((name, Data(bytes: base + bodyStart, count: max(0, e - bodyStart))))
    }
    func startsWithMarker(_ i: Int) -> Bool {
        bytes.count - i >= marker.count && memcmp(base + i, marker, marker.count) == 0
    }
    func lineEnd(_ i: Int) -> Int {
        guard i < bytes.count, let p = memchr(base + i, 0x0A, bytes.count - i) else { return bytes.count }
        return base.distance(to: p.assumingMemoryBound(to: UInt8.self))
    }
    var i = 0
    while i < bytes.count {
        let end = lineEnd(i)
        if startsWithMarker(i) {
            close(i)
            name = String(decoding: UnsafeBufferPointer(rebasing: bytes[(i + marker.count) ..< end]), as: UTF8.self)
            bodyStart = min(end + 1, bytes.count)
        }
        i = end + 1
    }
    close(bytes.count)
    return out
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start, count > 0 else { return 0 }
    let list = entries(UnsafeBufferPointer(start: start, count: count))
    guard !list.isEmpty, list.count <= 64,
          let archive = try? PT2Archive(data: storedZip(list.map { ("fuzz/" + $0.0, $0.1) }), path: "fuzz.pt2", limits: Fuzz.torchOptions.limits)
    else { return 0 }
    _ = try? TorchImporter.importModule(archive: archive, options: Fuzz.torchOptions)
    return 0
}

@_cdecl("fuzz_pt2_entries_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, fuzzOneInput)
}
