import Foundation

/// Reads tensor data stored outside the model (`data_location = EXTERNAL`).
///
/// Paths are relative to the model's folder and must stay inside it: absolute paths, `..`
/// components and symbolic links leading out of the folder are rejected, as are offsets and
/// lengths past the end of the file. Files are memory-mapped once and sliced, never copied.
final class ExternalDataReader {
    /// The model's folder with symbolic links resolved.
    let directory: URL
    private var files: [String: Data] = [:]

    init(directory: URL) {
        self.directory = directory.standardizedFileURL.resolvingSymlinksInPath()
    }

    /// The bytes that the tensor's `external_data` entries (location, offset, length) name.
    func read(_ t: Onnx_TensorProto, what: String) throws(ImportError) -> Data {
        var location: String?
        var offset = 0
        var length: Int?
        for entry in t.externalData {
            switch entry.key {
            case "location": location = entry.value
            case "offset":
                guard let v = Int(entry.value), v >= 0 else { throw ImportError("\(what) has external data offset \"\(entry.value)\", not a non-negative integer") }
                offset = v
            case "length":
                guard let v = Int(entry.value), v >= 0 else { throw ImportError("\(what) has external data length \"\(entry.value)\", not a non-negative integer") }
                length = v
            default: break  // checksum and unknown keys are advisory
            }
        }
        guard let location, !location.isEmpty else { throw ImportError("\(what) has external data without a location") }
        let file = try map(location, what: what)
        guard offset <= file.count else {
            throw ImportError("\(what): external data offset \(offset) is past the end of \"\(location)\" (\(file.count) bytes)")
        }
        let n = length ?? (file.count - offset)
        guard n <= file.count - offset else {
            throw ImportError("\(what): external data \"\(location)\" offset \(offset) + length \(n) is past the end of the file (\(file.count) bytes)")
        }
        let start = file.startIndex + offset
        return file[start..<(start + n)]
    }

    /// The mapped file at `location`, after checking that it stays inside the model's folder.
    private func map(_ location: String, what: String) throws(ImportError) -> Data {
        if let d = files[location] { return d }
        let components = location.split(whereSeparator: { $0 == "/" || $0 == "\\" })
        if location.hasPrefix("/") || location.hasPrefix("\\") || location.hasPrefix("~")
            || (location.count >= 2 && location.dropFirst().first == ":") {
            throw ImportError("\(what): external data location \"\(location)\" is an absolute path; it must be relative to the model's folder")
        }
        if components.contains("..") {
            throw ImportError("\(what): external data location \"\(location)\" contains '..'; it must stay inside the model's folder")
        }
        if location.utf8.contains(0) { throw ImportError("\(what): external data location contains a NUL byte") }
        let url = components.reduce(directory) { $0.appendingPathComponent(String($1)) }.resolvingSymlinksInPath()
        let root = directory.path.hasSuffix("/") ? directory.path : directory.path + "/"
        guard url.path.hasPrefix(root) else {
            throw ImportError("\(what): external data location \"\(location)\" resolves to \(url.path), outside the model's folder \(directory.path) (through a symbolic link?)")
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ImportError("\(what): external data file \"\(location)\" does not exist in \(directory.path)")
        }
        guard !isDirectory.boolValue else { throw ImportError("\(what): external data location \"\(location)\" is a folder") }
        do {
            let data = try Data(contentsOf: url, options: .alwaysMapped)
            files[location] = data
            return data
        } catch {
            throw ImportError("\(what): cannot read external data file \"\(location)\": \(error.localizedDescription)")
        }
    }
}
