import Foundation
import Testing
import ZIPFoundation

@testable import EdgeTorch

/// edgec's own zip reader and DEFLATE decoder, against streams zlib wrote (through ZIPFoundation)
/// and hand-made hostile ones.
@Suite struct ZipArchiveTests {
    /// Raw DEFLATE of `data`, as zlib writes it.
    func deflate(_ data: Data) throws -> Data {
        var out = Data()
        _ = try Data.compress(size: Int64(data.count), bufferSize: 16_384, provider: { position, size in
            data.subdata(in: Int(position) ..< Int(position) + size)
        }, consumer: { out.append($0) })
        return out
    }

    func inflate(_ data: Data, limit: Int) throws(Inflate.Failure) -> Data {
        let r = data.withUnsafeBytes { raw in Result { () throws(Inflate.Failure) in try Inflate.decompress(raw, limit: limit) } }
        return try r.get()
    }

    func inflateError(_ data: Data, limit: Int) -> String? {
        do { _ = try inflate(data, limit: limit); return nil } catch { return error.description }
    }

    @Test(arguments: [0, 1, 100, 40_000, 300_000])
    func inflatesWhatZlibWrites(size: Int) throws {
        var rng = SplitMix(seed: UInt64(size) + 7)
        // Text-like bytes (literals and back-references, dynamic blocks), then random bytes
        // (mostly stored or literal-heavy blocks), then zeros (long matches).
        var text = Data(), noise = Data()
        let words = ["tensor", "weight", "bias", "conv", "linear", " ", "\n", "0.125", "layer."]
        while text.count < size { text.append(contentsOf: Array(words[Int(rng.next() % UInt64(words.count))].utf8)) }
        text = text.prefix(size)
        for _ in 0 ..< size { noise.append(UInt8(truncatingIfNeeded: rng.next())) }
        for original in [text, noise, Data(count: size)] {
            let packed = try deflate(original)
            #expect(try inflate(packed, limit: original.count) == original)
        }
    }

    @Test func outputPastTheLimitStops() throws {
        let packed = try deflate(Data(count: 1 << 20))
        #expect(inflateError(packed, limit: 1000)?.contains("inflates past the 1000 bytes declared") == true)
    }

    @Test func truncatedStreamsAreErrors() throws {
        let tail = Data((0 ..< 5000).map { (i: Int) -> UInt8 in UInt8(i % 251) })
        let packed = try deflate(Data(repeating: 0x41, count: 5000) + tail)
        for cut in [0, 1, 2, packed.count / 2, packed.count - 1] {
            #expect(inflateError(packed.prefix(cut), limit: 1 << 20) != nil, "cut at \(cut)")
        }
    }

    @Test func malformedBlocksAreErrors() {
        // BFINAL=1, BTYPE=3: reserved.
        #expect(inflateError(Data([0x07]), limit: 100)?.contains("invalid block type 3") == true)
        // A stored block whose LEN/NLEN disagree.
        #expect(inflateError(Data([0x01, 0x05, 0x00, 0x00, 0x00]), limit: 100)?.contains("length check fails") == true)
        // A stored block of 5 bytes with only 2 present.
        #expect(inflateError(Data([0x01, 0x05, 0x00, 0xfa, 0xff, 0x41, 0x42]), limit: 100)?.contains("runs past the end") == true)
        // Fixed Huffman: a length/distance pair (length 3, distance 1) before any output.
        // Bits: BFINAL=1, BTYPE=01, code 257 (0000001), distance code 0 (00000), end 256 (0000000).
        #expect(inflateError(Data([0x03, 0x02, 0x00, 0x00]), limit: 100)?.contains("before the start of the data") == true)
    }

    @Test func mutatedStreamsNeverTrap() throws {
        let original = Data((0 ..< 20_000).map { (i: Int) -> UInt8 in UInt8(truncatingIfNeeded: i * 7 + i / 13) })
        let packed = try deflate(original)
        var rng = SplitMix(seed: 0x1f1a7e)
        var failed = 0
        for _ in 0 ..< 300 {
            var d = packed
            for _ in 0 ..< 3 { d[Int(rng.next() % UInt64(d.count))] ^= UInt8(truncatingIfNeeded: rng.next() | 1) }
            if inflateError(d, limit: original.count) != nil { failed += 1 }
        }
        #expect(failed > 0)
    }

    // MARK: - The directory and entries

    func archive(_ zip: Data) throws(TorchImportError) -> ZipArchive { try ZipArchive(data: zip, path: "t.zip", maxEntries: 100) }

    func archiveError(_ zip: Data) -> String? {
        do {
            let a = try archive(zip)
            for e in a.entries { _ = try a.extract(e) }
            return nil
        } catch { return error.description }
    }

    @Test func readsStoredAndDeflatedEntries() throws {
        let payload = Data((0 ..< 70_000).map { (i: Int) -> UInt8 in UInt8(i % 253) })
        let zip = try makeZip([("r/a.bin", payload), ("r/b.txt", Data("hello".utf8)), ("r/c.bin", payload)], deflate: ["r/c.bin"])
        let a = try archive(zip)
        #expect(a.entries.map(\.path) == ["r/a.bin", "r/b.txt", "r/c.bin"])
        #expect(a.entries.map(\.method) == [0, 0, 8])
        #expect(try a.extract(a.entries[0]) == payload)
        #expect(try a.extract(a.entries[1]) == Data("hello".utf8))
        #expect(try a.extract(a.entries[2]) == payload)
    }

    /// Byte offsets of the local header and central-directory entry of the only entry of `zip`.
    func headers(_ zip: Data) -> (local: Int, central: Int) {
        let eocd = zip.count - 22
        let central = Int(zip[eocd + 16]) | Int(zip[eocd + 17]) << 8 | Int(zip[eocd + 18]) << 16 | Int(zip[eocd + 19]) << 24
        return (0, central)
    }

    @Test func aCorruptedByteFailsTheCRCCheck() throws {
        var zip = try makeZip([("r/a.bin", Data(repeating: 7, count: 64))])
        zip[30 + "r/a.bin".utf8.count + 10] ^= 0xff  // inside the stored data
        #expect(archiveError(zip)?.contains("entry 'r/a.bin' fails its CRC-32 check") == true)
    }

    @Test func otherCompressionMethodsAreRefused() throws {
        var zip = try makeZip([("r/a.bin", Data(repeating: 7, count: 64))])
        let h = headers(zip)
        zip[h.central + 10] = 12  // bzip2
        #expect(archiveError(zip)?.contains("uses compression method 12; edgec reads stored (0) and deflated (8) entries") == true)
    }

    @Test func encryptedEntriesAreRefused() throws {
        var zip = try makeZip([("r/a.bin", Data(repeating: 7, count: 64))])
        zip[headers(zip).central + 8] |= 1
        #expect(archiveError(zip)?.contains("entry 'r/a.bin' is encrypted") == true)
    }

    @Test func dataRunningPastTheFileIsAnError() throws {
        var zip = try makeZip([("r/a.bin", Data(repeating: 7, count: 64))])
        let c = headers(zip).central
        for i in 0 ..< 4 { zip[c + 20 + i] = [0x00, 0x00, 0x10, 0x00][i] }  // compressed size 1 MiB
        #expect(archiveError(zip)?.contains("the data of entry 'r/a.bin' (1048576 bytes at byte 37) runs past the end") == true)
    }

    @Test func aStoredEntryMustHoldItsDeclaredSize() throws {
        var zip = try makeZip([("r/a.bin", Data(repeating: 7, count: 64))])
        zip[headers(zip).central + 24] = 65  // uncompressed size 65
        #expect(archiveError(zip)?.contains("stored uncompressed in 64 bytes but declares 65") == true)
    }

    @Test func missingLocalHeaderIsAnError() throws {
        var zip = try makeZip([("r/a.bin", Data(repeating: 7, count: 64))])
        zip[0] = 0  // the local header's signature
        #expect(archiveError(zip)?.contains("the local header of entry 'r/a.bin' (at byte 0) is missing") == true)
    }

    @Test func symbolicLinksAreSeen() throws {
        var zip = try makeZip([("r/link", Data("/etc/passwd".utf8))])
        let c = headers(zip).central
        zip[c + 5] = 3  // made by Unix
        let mode: UInt32 = 0o120777 << 16
        for i in 0 ..< 4 { zip[c + 38 + i] = UInt8((mode >> (8 * UInt32(i))) & 0xff) }
        #expect(try archive(zip).entries.first?.kind == .symlink)
    }

    @Test func entryCountBeyondTheDirectoryIsAnError() throws {
        var zip = try makeZip([("r/a.bin", Data(repeating: 7, count: 64))])
        let eocd = zip.count - 22
        zip[eocd + 10] = 2  // two entries declared, one present
        #expect(archiveError(zip)?.contains("central-directory entry #1 is missing") == true)
    }

    @Test func crc32OfKnownStrings() {
        #expect(CRC32.checksum(Data()) == 0)
        #expect(CRC32.checksum(Data("123456789".utf8)) == 0xCBF4_3926)
    }
}
