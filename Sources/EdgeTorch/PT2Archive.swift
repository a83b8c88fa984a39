import Foundation

/// A `torch.export.save` archive (`.pt2`): a zip whose entries sit under one root folder.
///
/// Layout read here (torch 2.13, `torch/export/pt2_archive/constants.py`):
/// `<root>/archive_format` ("pt2"), `<root>/archive_version` ("0"),
/// `<root>/models/<name>.json` (the serialized ExportedProgram),
/// `<root>/data/weights/<name>_weights_config.json` with the raw storages beside it, and
/// `<root>/data/constants/<name>_constants_config.json` with the constant storages.
/// Every entry is checked before use: its path must stay inside the root, and extraction
/// stops at ``Limits`` and at the size its header declares.
public final class PT2Archive {
    /// Caps on what reading an archive may allocate.
    public struct Limits: Sendable {
        /// The most bytes one entry may expand to.
        public var maxEntryBytes: UInt64
        /// The most bytes all extracted entries together may expand to.
        public var maxTotalBytes: UInt64
        /// The most entries the archive may hold.
        public var maxEntries: Int

        public init(maxEntryBytes: UInt64 = 8 << 30, maxTotalBytes: UInt64 = 32 << 30, maxEntries: Int = 1_000_000) {
            self.maxEntryBytes = maxEntryBytes
            self.maxTotalBytes = maxTotalBytes
            self.maxEntries = maxEntries
        }
    }

    /// The archive format versions this reader understands (`archive_version`).
    public static let supportedVersions: Set<String> = ["0"]

    /// Where the archive was read from, for messages.
    public let path: String
    /// The top-level folder every entry lives under.
    public let root: String
    /// The `archive_version` the archive declares.
    public var version: String { versionStorage }
    /// Entry paths relative to the root, sorted.
    public let entryNames: [String]

    private let archive: ZipArchive
    private let entries: [String: ZipArchive.Entry]
    private let limits: Limits
    private var extractedBytes: UInt64 = 0

    /// Opens the archive at `path` (memory-mapped) and checks its format and version.
    public convenience init(path: String, limits: Limits = Limits()) throws(TorchImportError) {
        guard FileManager.default.fileExists(atPath: path) else {
            throw TorchImportError("cannot read \(path): no such file", file: path)
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw TorchImportError("cannot read \(path): \(error.localizedDescription)", file: path)
        }
        try self.init(data: data, path: path, limits: limits)
    }

    /// Opens an archive held in memory (a mapped file, tests, or bytes from elsewhere).
    public init(data: Data, path: String = "<memory>", limits: Limits = Limits()) throws(TorchImportError) {
        let archive = try ZipArchive(data: data, path: path, maxEntries: limits.maxEntries)
        self.archive = archive
        self.path = path
        self.limits = limits
        let all = archive.entries
        guard let first = all.first else {
            throw TorchImportError("archive is empty; a .pt2 file written by torch.export.save has an archive_format entry", file: path)
        }
        // The root folder is the first component of the first entry (as torch's reader does).
        let root = String(first.path.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)[0])
        var table: [String: ZipArchive.Entry] = [:]
        for entry in all {
            let name = entry.path
            try Self.checkContained(name, archive: path)
            guard name.hasPrefix(root + "/") else {
                throw TorchImportError("entry '\(name)' is outside the archive's root folder '\(root)/'", file: path)
            }
            let relative = String(name.dropFirst(root.count + 1))
            guard entry.kind != .symlink else {
                throw TorchImportError("entry '\(name)' is a symbolic link; .pt2 archives hold plain files only", file: path)
            }
            if entry.kind == .directory || relative.isEmpty { continue }
            guard table[relative] == nil else {
                throw TorchImportError("entry '\(name)' appears twice", file: path)
            }
            table[relative] = entry
        }
        self.root = root
        self.entries = table
        self.entryNames = table.keys.sorted()
        let format = try readString("archive_format")
        guard format == "pt2" else {
            throw TorchImportError("archive_format is '\(format.prefix(40))', expected 'pt2'; this is not a torch.export archive", file: path)
        }
        let version = try readString("archive_version").trimmingCharacters(in: .whitespacesAndNewlines)
        guard Self.supportedVersions.contains(version) else {
            throw TorchImportError("unsupported archive_version '\(version.prefix(40))' (edgec reads version \(Self.supportedVersions.sorted().joined(separator: ", ")), as written by torch 2.13); re-export with torch.export.save from a supported torch", file: path)
        }
        self.versionStorage = version
        if let order = try? readString("byteorder"), order.trimmingCharacters(in: .whitespacesAndNewlines) != "little" {
            throw TorchImportError("byteorder is '\(order.prefix(20))'; edgec reads little-endian archives only", file: path)
        }
    }

    private var versionStorage = ""

    /// Rejects entry paths that could escape a folder they were extracted into.
    static func checkContained(_ name: String, archive: String) throws(TorchImportError) {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        if name.hasPrefix("/") || name.contains("\\") || name.contains("\0")
            || parts.contains(where: { $0 == ".." || $0 == "." }) || (name.count >= 2 && name.dropFirst().first == ":") {
            throw TorchImportError("entry '\(name)' has a path that escapes the archive (absolute, '..' or '\\'); refusing to read it", file: archive)
        }
    }

    /// Whether the archive has an entry at `name` (relative to the root).
    public func contains(_ name: String) -> Bool { entries[name] != nil }

    /// The bytes of entry `name` (relative to the root). Extraction stops with an error when
    /// the entry would expand past its declared size or the archive's limits.
    public func read(_ name: String) throws(TorchImportError) -> Data {
        guard let entry = entries[name] else {
            throw TorchImportError("missing entry '\(root)/\(name)'", file: path)
        }
        let declared = entry.uncompressedSize
        let cap = min(limits.maxEntryBytes, limits.maxTotalBytes - min(limits.maxTotalBytes, extractedBytes))
        guard declared <= cap else {
            throw TorchImportError("entry '\(root)/\(name)' declares \(declared) bytes, more than the \(cap)-byte extraction limit", file: path)
        }
        let out = try archive.extract(entry)
        extractedBytes += declared
        return out
    }

    /// Entry `name` as UTF-8 text.
    public func readString(_ name: String) throws(TorchImportError) -> String {
        let data = try read(name)
        guard let s = String(validating: data, as: UTF8.self) else {
            throw TorchImportError("entry '\(root)/\(name)' is not UTF-8 text", file: path)
        }
        return s
    }

    /// The names of the models in the archive (`models/<name>.json`), sorted.
    public var modelNames: [String] {
        entryNames.compactMap { n in
            guard n.hasPrefix("models/"), n.hasSuffix(".json") else { return nil }
            let base = n.dropFirst("models/".count).dropLast(".json".count)
            return base.contains("/") || base.isEmpty ? nil : String(base)
        }
    }
}
