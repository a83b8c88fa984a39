// A torch.export archive given as its entries, so mutations reach the export schema and weights
// instead of dying at the zip's CRC checks: the input is a list of entries, each introduced by a
// line `#entry <path>` (the path relative to the archive's root folder) and followed by its bytes
// up to the next such line. The harness stores them in a zip under `fuzz/` and imports it as
// `edgec compile model.pt2` does. Fuzz/corpus/pt2-entries holds the fixtures in this form
// (written by Fuzz/make-corpus.py).
import EdgeTorch
import Foundation
import FuzzSupport
import ZIPFoundation

let marker = Array("#entry ".utf8)
let fixedDate = Date(timeIntervalSince1970: 1_600_000_000)

/// Splits the input at lines starting with `#entry `.
func entries(_ bytes: [UInt8]) -> [(String, Data)] {
    var out: [(String, Data)] = []
    var name: String?
    var bodyStart = 0
    var i = 0
    func close(_ end: Int) {
        guard let name else { return }
        var e = end
        if e > bodyStart, bytes[e - 1] == 0x0A { e -= 1 }
        out.append((name, Data(bytes[bodyStart ..< max(bodyStart, e)])))
    }
    while i < bytes.count {
        let atLineStart = i == 0 || bytes[i - 1] == 0x0A
        if atLineStart, bytes.count - i >= marker.count, Array(bytes[i ..< i + marker.count]) == marker {
            close(i)
            var j = i + marker.count
            while j < bytes.count, bytes[j] != 0x0A { j += 1 }
            name = String(decoding: bytes[(i + marker.count) ..< j], as: UTF8.self)
            bodyStart = min(j + 1, bytes.count)
            i = bodyStart
            continue
        }
        i += 1
    }
    close(bytes.count)
    return out
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start, count > 0 else { return 0 }
    let list = entries([UInt8](UnsafeBufferPointer(start: start, count: count)))
    guard !list.isEmpty, list.count <= 64, let zip = try? Archive(data: Data(), accessMode: .create) else { return 0 }
    for (name, body) in list {
        try? zip.addEntry(with: "fuzz/" + name, type: .file, uncompressedSize: Int64(body.count), modificationDate: fixedDate,
                          compressionMethod: .none, provider: { position, size in
                              body.subdata(in: (body.startIndex + Int(position)) ..< (body.startIndex + Int(position) + size)) })
    }
    guard let bytes = zip.data, let archive = try? PT2Archive(data: bytes, path: "fuzz.pt2", limits: Fuzz.torchOptions.limits) else { return 0 }
    _ = try? TorchImporter.importModule(archive: archive, options: Fuzz.torchOptions)
    return 0
}

@_cdecl("fuzz_pt2_entries_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, fuzzOneInput)
}
