import Foundation

/// Reads and writes `.eir` files together with their `.eirb` blob files.
public enum IRFile {
    /// Reads, parses and verifies an `.eir` file; the blob file named in its header is
    /// memory-mapped from the same folder.
    public static func read(path: String) throws(DiagnosticError) -> Module {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DiagnosticError(Diagnostic(.error, "cannot read \(path): \(error.localizedDescription)"))
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw DiagnosticError(Diagnostic(.error, "\(path) is not UTF-8 .eir text (binary models are read by extension: .onnx and .pt2)"))
        }
        return try parse(text, fileName: path, directory: url.deletingLastPathComponent())
    }

    /// Parses and verifies `.eir` text; blob files are looked up relative to `directory`.
    public static func parse(_ text: String, fileName: String, directory: URL? = nil) throws(DiagnosticError) -> Module {
        var blobs = BlobStore()
        if let blobName = IRParser.blobFileName(in: text) {
            let blobURL = URL(fileURLWithPath: blobName, relativeTo: directory ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            let data: Data
            do {
                data = try Data(contentsOf: blobURL, options: .alwaysMapped)
            } catch {
                throw DiagnosticError(Diagnostic(.error, "\(fileName): cannot read blob file \(blobURL.path) named in the module header: \(error.localizedDescription)"))
            }
            do {
                blobs = try BlobFile.decode(data, path: blobURL.path)
            } catch {
                throw DiagnosticError(Diagnostic(.error, error.description))
            }
        }
        let module = try IRParser.parse(text, fileName: fileName, blobs: blobs)
        try Verifier.verify(module, source: SourceText(file: fileName, text: text))
        return module
    }

    /// The names of blobs that constants of `module` refer to, in first-use order.
    public static func referencedBlobs(_ module: Module) -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        for f in module.functions {
            for op in f.body.operations {
                for case .dense(.blob(let name)) in op.attributes.values where seen.insert(name).inserted {
                    out.append(name)
                }
            }
        }
        return out
    }

    /// Writes `module` to `path` and, when it refers to blobs, `<path minus .eir>.eirb` beside
    /// it. Both files are written atomically.
    public static func write(_ module: Module, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let used = referencedBlobs(module)
        var printer = IRPrinter()
        if !used.isEmpty {
            let blobURL = url.deletingPathExtension().appendingPathExtension("eirb")
            try AtomicFile.write(BlobFile.encode(module.blobs, names: used), to: blobURL.path)
            printer.blobFile = blobURL.lastPathComponent
        } else {
            printer.blobFile = nil
        }
        let saved = module.blobFile
        if used.isEmpty { module.blobFile = nil }
        defer { module.blobFile = saved }
        try AtomicFile.write(Data(printer.print(module).utf8), to: path)
    }
}

/// Writes files so that readers see either the old file or the complete new one.
public enum AtomicFile {
    /// Writes `data` to a temporary file in the destination's folder, then renames it into place.
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        let temp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
        do {
            try data.write(to: temp)
            guard rename(temp.path, url.path) == 0 else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: "cannot move the finished file into place at \(path) (errno \(errno))"])
            }
        } catch {
            try? FileManager.default.removeItem(at: temp)
            throw error
        }
    }
}
