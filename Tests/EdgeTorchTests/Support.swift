import EdgeIR
import Foundation
import Testing
import ZIPFoundation

@testable import EdgeTorch

/// The committed .pt2 fixtures (made by Conformance/torch/make_fixtures.py).
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name + ".pt2").path }

/// Imports a committed fixture.
func importFixture(_ name: String, _ options: TorchImportOptions = TorchImportOptions()) throws -> Module {
    try TorchImporter.importModule(path: fixture(name), options: options)
}

/// The entries of a fixture archive, in order, as (path, bytes).
func entries(of name: String) throws -> [(path: String, data: Data)] {
    let archive = try Archive(url: URL(fileURLWithPath: fixture(name)), accessMode: .read)
    var out: [(String, Data)] = []
    for e in archive {
        var d = Data()
        _ = try archive.extract(e) { d.append($0) }
        out.append((e.path, d))
    }
    return out
}

/// A zip archive in memory holding `entries` (stored, or deflated when `deflate`).
func makeZip(_ entries: [(path: String, data: Data)], deflate: Set<String> = []) throws -> Data {
    let archive = try Archive(data: Data(), accessMode: .create)
    for (path, data) in entries {
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count),
                             compressionMethod: deflate.contains(path) ? .deflate : .none) { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }
    }
    return archive.data!
}

/// A fixture's entries with `edit` applied: return nil from it to drop an entry.
func editedFixture(_ name: String, _ edit: (String, Data) throws -> Data?) throws -> Data {
    var out: [(String, Data)] = []
    for (p, d) in try entries(of: name) {
        if let n = try edit(p, d) { out.append((p, n)) }
    }
    return try makeZip(out)
}

/// Rewrites a JSON entry through `transform` (on Foundation objects).
func editJSON(_ data: Data, _ transform: (inout [String: Any]) -> Void) throws -> Data {
    var obj = try JSONSerialization.jsonObject(with: data) as! [String: Any]
    transform(&obj)
    return try JSONSerialization.data(withJSONObject: obj)
}

/// The error an import of in-memory archive bytes throws (nil when it succeeds).
func importError(_ data: Data, limits: PT2Archive.Limits = PT2Archive.Limits(), options: TorchImportOptions = TorchImportOptions()) -> String? {
    do {
        let archive = try PT2Archive(data: data, path: "test.pt2", limits: limits)
        _ = try TorchImporter.importModule(archive: archive, options: options)
        return nil
    } catch {
        return error.description
    }
}

/// Little-endian floats of a blob or inline constant.
func floats(_ data: Data) -> [Float] {
    stride(from: 0, to: data.count, by: 4).map { i in
        let b = data.startIndex + i
        return Float(bitPattern: UInt32(data[b]) | UInt32(data[b + 1]) << 8 | UInt32(data[b + 2]) << 16 | UInt32(data[b + 3]) << 24)
    }
}

/// The bytes of the constant defining `value`.
func constantBytes(_ value: Value, in module: Module) -> Data? {
    guard let op = value.definingOp, case .dense(let d)? = op.attribute("value") else { return nil }
    switch d {
    case .blob(let name): return module.blobs[name]
    case .inline(let bytes): return Data(bytes)
    }
}

/// The constant op named (by name hint) `name` in `@main`.
func constantNamed(_ name: String, in module: Module) -> Value? {
    module.mainFunction?.body.operations.first { $0.name == "edge.constant" && $0.result.nameHint == name }?.result
}
