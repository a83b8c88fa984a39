/// Why a `.pt2` archive could not be read or imported. The message names the archive entry
/// or graph node at fault and, where there is one, the fix.
public struct TorchImportError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, naming the entry or node.
    public var message: String
    /// The archive the error is about, when known (prefixes the printed message).
    public var file: String?

    public init(_ message: String, file: String? = nil) {
        self.message = message
        self.file = file
    }

    /// `file: error: message`, the form edgec prints.
    public var description: String {
        (file.map { "\($0): " } ?? "") + "error: " + message
    }
}
