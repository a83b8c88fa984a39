/// Why an ONNX model could not be imported; the message names the tensor or node at fault.
struct ImportError: Error, CustomStringConvertible {
    var message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}
