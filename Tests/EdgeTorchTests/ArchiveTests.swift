import EdgeIR
import Foundation
import Testing
import ZIPFoundation

@testable import EdgeTorch

/// Hostile and malformed archives: each must give a clear error, never a crash.
@Suite struct ArchiveTests {
    @Test func readsTheLayoutTorchWrites() throws {
        let a = try PT2Archive(path: fixture("cnn_bn"))
        #expect(a.root == "cnn_bn")
        #expect(a.version == "0")
        #expect(a.modelNames == ["model"])
        for entry in ["models/model.json", "data/weights/model_weights_config.json", "data/weights/weight_0"] {
            #expect(a.contains(entry), "missing \(entry)")
        }
    }

    @Test func garbageIsNotAZip() {
        let e = importError(Data("this is not a zip file at all, just text".utf8))
        #expect(e?.contains("test.pt2: error: not a zip archive") == true, "\(e ?? "no error")")
    }

    @Test func missingFile() {
        #expect(throws: TorchImportError.self) { try PT2Archive(path: "/nonexistent/model.pt2") }
        do { _ = try PT2Archive(path: "/nonexistent/model.pt2") } catch {
            #expect(error.description.contains("no such file"))
        }
    }

    @Test func emptyZip() throws {
        let e = importError(try makeZip([]))
        #expect(e != nil)
    }

    @Test func missingArchiveFormat() throws {
        let e = importError(try editedFixture("mlp") { p, d in p.hasSuffix("/archive_format") ? nil : d })
        #expect(e?.contains("missing entry 'mlp/archive_format'") == true, "\(e ?? "no error")")
    }

    @Test func wrongArchiveFormat() throws {
        let e = importError(try editedFixture("mlp") { p, d in p.hasSuffix("/archive_format") ? Data("zip".utf8) : d })
        #expect(e?.contains("archive_format is 'zip', expected 'pt2'") == true, "\(e ?? "no error")")
    }

    @Test func unknownArchiveVersionIsRejected() throws {
        let e = importError(try editedFixture("mlp") { p, d in p.hasSuffix("/archive_version") ? Data("7".utf8) : d })
        #expect(e?.contains("unsupported archive_version '7'") == true, "\(e ?? "no error")")
        #expect(e?.contains("torch 2.13") == true)
    }

    @Test func unknownSchemaVersionIsRejected() throws {
        let e = importError(try editedFixture("mlp") { p, d in
            guard p.hasSuffix("models/model.json") else { return d }
            return try editJSON(d) { $0["schema_version"] = ["major": 99, "minor": 0] }
        })
        #expect(e?.contains("export schema version 99.0 is not supported") == true, "\(e ?? "no error")")
    }

    @Test(arguments: ["mlp/../../etc/passwd", "/abs/path", "mlp/a\\b", "mlp/./x"])
    func entriesEscapingTheArchiveAreRejected(_ evil: String) throws {
        var es = try entries(of: "mlp")
        es.append((evil, Data("x".utf8)))
        let e = importError(try makeZip(es))
        #expect(e?.contains("escapes the archive") == true, "\(evil): \(e ?? "no error")")
    }

    @Test func entryOutsideTheRootIsRejected() throws {
        var es = try entries(of: "mlp")
        es.append(("other/file", Data("x".utf8)))
        let e = importError(try makeZip(es))
        #expect(e?.contains("outside the archive's root folder 'mlp/'") == true, "\(e ?? "no error")")
    }

    @Test func missingModelJSON() throws {
        let e = importError(try editedFixture("mlp") { p, d in p.contains("/models/") ? nil : d })
        #expect(e?.contains("missing entry 'mlp/models/<name>.json'") == true, "\(e ?? "no error")")
    }

    @Test func missingWeightEntry() throws {
        let e = importError(try editedFixture("mlp") { p, d in p.hasSuffix("data/weights/weight_0") ? nil : d })
        #expect(e?.contains("missing entry 'mlp/data/weights/weight_0'") == true, "\(e ?? "no error")")
    }

    @Test func malformedJSON() throws {
        let e = importError(try editedFixture("mlp") { p, d in p.hasSuffix("models/model.json") ? d.prefix(100) : d })
        #expect(e?.contains("mlp/models/model.json is not valid JSON") == true, "\(e ?? "no error")")
    }

    @Test func weightSmallerThanItsMetadata() throws {
        let e = importError(try editedFixture("mlp") { p, d in p.hasSuffix("data/weights/weight_0") ? d.prefix(100) : d })
        #expect(e?.contains("'fc1.weight'") == true && e?.contains("bytes of storage but the entry has 100") == true, "\(e ?? "no error")")
    }

    @Test func weightsConfigDisagreeingWithTheGraph() throws {
        let e = importError(try editedFixture("mlp") { p, d in
            guard p.hasSuffix("model_weights_config.json") else { return d }
            return try editJSON(d) { root in
                var config = root["config"] as! [String: Any]
                var w = config["fc1.weight"] as! [String: Any]
                var meta = w["tensor_meta"] as! [String: Any]
                meta["sizes"] = [["as_int": 16], ["as_int": 32]]
                meta["strides"] = [["as_int": 32], ["as_int": 1]]
                w["tensor_meta"] = meta
                config["fc1.weight"] = w
                root["config"] = config
            }
        })
        #expect(e?.contains("'fc1.weight': the weights config says f32[16,32] but the graph's input 'p_fc1_weight' is f32[32,16]") == true, "\(e ?? "no error")")
    }

    @Test func pickledWeightsAreRejectedWithAFix() throws {
        let e = importError(try editedFixture("mlp") { p, d in
            guard p.hasSuffix("model_weights_config.json") else { return d }
            return try editJSON(d) { root in
                var config = root["config"] as! [String: Any]
                var w = config["fc2.bias"] as! [String: Any]
                w["use_pickle"] = true
                config["fc2.bias"] = w
                root["config"] = config
            }
        })
        #expect(e?.contains("'fc2.bias' is stored pickled") == true, "\(e ?? "no error")")
        #expect(e?.contains("re-export with torch.export.save") == true)
    }

    @Test func legacyPickledWeightFileIsRejected() throws {
        var es = try entries(of: "mlp")
        es.append(("mlp/data/weights/model.pt", Data([0x80, 0x02])))
        let e = importError(try makeZip(es))
        #expect(e?.contains("legacy pickled form") == true, "\(e ?? "no error")")
    }

    @Test func extractionIsCappedByTheLimit() throws {
        // A deflated entry of 4 MiB of zeros compresses to a few KB.
        var es = try entries(of: "mlp")
        es.append(("mlp/extra/bomb", Data(count: 4 << 20)))
        let zip = try makeZip(es, deflate: ["mlp/extra/bomb"])
        #expect(zip.count < 200_000)
        let archive = try PT2Archive(data: zip, path: "bomb.pt2", limits: PT2Archive.Limits(maxEntryBytes: 1 << 20))
        #expect(throws: TorchImportError.self) { try archive.read("extra/bomb") }
        do { _ = try archive.read("extra/bomb") } catch {
            #expect(error.description.contains("more than the 1048576-byte extraction limit"), "\(error)")
        }
        // The total cap applies across entries too.
        let small = try PT2Archive(data: zip, path: "bomb.pt2", limits: PT2Archive.Limits(maxTotalBytes: 1000))
        #expect(throws: TorchImportError.self) { try TorchImporter.importModule(archive: small) }
    }

    @Test func entryExpandingPastItsDeclaredSizeStops() throws {
        var es = try entries(of: "mlp")
        es.append(("mlp/extra/liar", Data(count: 1 << 20)))
        var zip = try makeZip(es, deflate: ["mlp/extra/liar"])
        // Patch the declared uncompressed size (local and central headers) down to 1000 bytes.
        let name = Array("mlp/extra/liar".utf8)
        let bytes = [UInt8](zip)
        var patched = 0
        for i in 0..<(bytes.count - 46 - name.count) {
            if bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 0x03, bytes[i + 3] == 0x04, Array(bytes[(i + 30)..<(i + 30 + name.count)]) == name {
                zip.replaceSubrange((i + 22)..<(i + 26), with: [0xE8, 0x03, 0, 0]); patched += 1
            }
            if bytes[i] == 0x50, bytes[i + 1] == 0x4B, bytes[i + 2] == 0x01, bytes[i + 3] == 0x02, Array(bytes[(i + 46)..<(i + 46 + name.count)]) == name {
                zip.replaceSubrange((i + 24)..<(i + 28), with: [0xE8, 0x03, 0, 0]); patched += 1
            }
        }
        #expect(patched == 2)
        let archive = try PT2Archive(data: zip, path: "liar.pt2")
        do {
            _ = try archive.read("extra/liar")
            Issue.record("reading an entry that expands past its declared size must fail")
        } catch {
            #expect(error.description.contains("entry 'mlp/extra/liar'"), "\(error)")
        }
    }

    @Test func bigEndianArchivesAreRejected() throws {
        let e = importError(try editedFixture("mlp") { p, d in p.hasSuffix("/byteorder") ? Data("big".utf8) : d })
        #expect(e?.contains("little-endian") == true, "\(e ?? "no error")")
    }

    /// Truncated and bit-flipped copies of a fixture: each is rejected or imported, never a crash.
    @Test func damagedArchivesNeverCrash() throws {
        let original = try Data(contentsOf: URL(fileURLWithPath: fixture("buffers")))
        var rng = SplitMix(seed: 0x7063)
        var rejected = 0
        for i in 0..<150 {
            var d = original
            if i % 3 == 0 {
                d = d.prefix(Int(rng.next() % UInt64(d.count)))
            } else {
                for _ in 0..<(1 + i % 4) {
                    let at = Int(rng.next() % UInt64(d.count))
                    d[d.startIndex + at] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
                }
            }
            if importError(d) != nil { rejected += 1 }
        }
        #expect(rejected > 0)
    }

    /// fuzz-pt2 found this: a ZIP64 end-of-central-directory record whose directory offset is
    /// 2^64-1 made ZIPFoundation trap (`off_t(offset)`) inside its entry iterator.
    @Test func zip64DirectoryOffsetPastTheFileIsAnError() throws {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("fuzz/zip64-central-directory-offset.zip"))
        let e = importError(data)
        #expect(e?.contains("not a valid zip archive: the central directory starts at byte 18446744073709551615, past the end of the \(data.count)-byte file") == true, "\(e ?? "no error")")
    }

    /// The directory offset of the (non-ZIP64) end record moved past the end of the file.
    @Test func directoryOffsetPastTheFileIsAnError() throws {
        var zip = try makeZip(try entries(of: "mlp"))
        let eocd = zip.count - 22
        #expect(zip[eocd] == 0x50 && zip[eocd + 1] == 0x4b && zip[eocd + 2] == 0x05 && zip[eocd + 3] == 0x06)
        for i in 0..<4 { zip[eocd + 16 + i] = 0xfe }
        let e = importError(zip)
        #expect(e?.contains("the central directory starts at byte 4278124286, past the end") == true, "\(e ?? "no error")")
    }

    /// A ZIP64 extended-information field on a central-directory entry claiming an exabyte.
    @Test func zip64EntrySizeIsBounded() throws {
        var zip = try makeZip(try entries(of: "mlp"))
        // The first central-directory entry, found from the end record.
        let eocd = zip.count - 22
        let directoryOffset = Int(zip[eocd + 16]) | Int(zip[eocd + 17]) << 8 | Int(zip[eocd + 18]) << 16 | Int(zip[eocd + 19]) << 24
        let nameLength = Int(zip[directoryOffset + 28]) | Int(zip[directoryOffset + 29]) << 8
        let extraLength = Int(zip[directoryOffset + 30]) | Int(zip[directoryOffset + 31]) << 8
        // Insert a 12-byte ZIP64 field (id 1, length 8, value 2^60) after the name.
        let field: [UInt8] = [0x01, 0x00, 0x08, 0x00, 0, 0, 0, 0, 0, 0, 0, 0x10]
        zip.insert(contentsOf: field, at: directoryOffset + 46 + nameLength + extraLength)
        let newExtra = extraLength + field.count
        zip[directoryOffset + 30] = UInt8(newExtra & 0xff)
        zip[directoryOffset + 31] = UInt8(newExtra >> 8)
        // The directory grew by 12 bytes: fix its size in the end record (now 12 bytes later).
        let end = zip.count - 22
        var size = Int(zip[end + 12]) | Int(zip[end + 13]) << 8 | Int(zip[end + 14]) << 16 | Int(zip[end + 15]) << 24
        size += field.count
        for i in 0..<4 { zip[end + 12 + i] = UInt8((size >> (8 * i)) & 0xff) }
        let e = importError(zip)
        #expect(e?.contains("central-directory entry #0 has a ZIP64 size or offset of 1152921504606846976 bytes") == true, "\(e ?? "no error")")
    }
}

/// A small deterministic random generator for mutation tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
