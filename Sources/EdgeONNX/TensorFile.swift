import EdgeIR
import EdgeKernels
import Foundation
import SwiftProtobuf

/// One ONNX `TensorProto` serialized on its own, as the ONNX backend tests store their inputs
/// and outputs (`test_data_set_0/input_0.pb`). `edgec run --input x.pb` reads these; the
/// contents are decoded by the importer's own `TensorDecoder` (every storage form: raw_data,
/// the typed *_data fields, unsigned types widened to i64), so a `.pb` input means exactly what
/// the same tensor would mean as an initializer.
public struct ONNXTensorFile: Sendable {
    /// The tensor's `name` field (empty when the file has none).
    public var name: String
    public var element: ScalarType
    public var shape: [Int]
    /// Little-endian elements of `element`, `shape.product * element.byteSize` bytes.
    public var data: Data

    /// Parses and decodes `bytes`; `what` names the file in errors.
    public static func decode(_ bytes: Data, what: String) throws(DiagnosticError) -> ONNXTensorFile {
        let proto: Onnx_TensorProto
        do {
            proto = try Onnx_TensorProto(serializedBytes: bytes)
        } catch {
            throw DiagnosticError(Diagnostic(.error, "\(what): not an ONNX TensorProto (\(error))"))
        }
        if proto.hasDataLocation && proto.dataLocation == .external {
            throw DiagnosticError(Diagnostic(.error, "\(what): tensor \"\(proto.name)\" refers to external data, which .pb inputs cannot use"))
        }
        do {
            let t = try TensorDecoder.decode(proto, what: "\(what): tensor \"\(proto.name)\"", external: nil)
            return ONNXTensorFile(name: proto.name, element: t.element, shape: t.shape, data: t.data)
        } catch {
            throw DiagnosticError(Diagnostic(.error, error.message))
        }
    }

    /// The contents as a kernel tensor (the element type is EdgeKernels' `DType`).
    public func tensor() throws -> Tensor { try Tensor(bytes: [UInt8](data), dtype: element, shape: shape) }

    /// Reads and decodes the file at `path`.
    public static func read(path: String) throws(DiagnosticError) -> ONNXTensorFile {
        let bytes: Data
        do { bytes = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw DiagnosticError(Diagnostic(.error, "\(path): cannot read (\(error.localizedDescription))"))
        }
        return try decode(bytes, what: path)
    }
}
