import EdgeIR
import EdgeKernels
import Foundation
import SwiftProtobuf

/// One ONNX `TensorProto` serialized on its own, as the ONNX backend tests store their inputs
/// and outputs (`test_data_set_0/input_0.pb`). `edgec run --input x.pb` reads these; the
/// contents are decoded by the importer's own `TensorDecoder` (every storage form: raw_data,
/// the typed *_data fields; every type as itself, u16/u32/u64 included), so a `.pb` input means exactly what
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

/// One ONNX test value as the backend tests store it: a TensorProto, or for values of sequence
/// and optional type (onnx-data.proto) a `SequenceProto` (`elem_type`, `tensor_values`,
/// `sequence_values`, ...) or an `OptionalProto` (`tensor_value`, `sequence_value`, ... or
/// nothing). Which message a file holds is not in its bytes: it is read as the kind the model
/// declares for that input or output. Sequences and optionals flatten into their tensor leaves
/// the way the importer flattens graph inputs and outputs (`seq.0`, `seq.1`, ...; see
/// ``ONNXImportOptions/sequenceLengths``).
public indirect enum ONNXValueFile: Sendable {
    case tensor(ONNXTensorFile)
    case sequence(name: String, [ONNXValueFile])
    /// An optional: its value, or nil when it holds none.
    case optional(name: String, ONNXValueFile?)

    /// The message's `name` field (empty when the file has none).
    public var name: String {
        switch self {
        case .tensor(let t): return t.name
        case .sequence(let n, _), .optional(let n, _): return n
        }
    }

    /// Parses `bytes` as the message for a value of `kind`; `what` names the file in errors.
    public static func decode(_ bytes: Data, kind: ONNXValueKind, what: String) throws(DiagnosticError) -> ONNXValueFile {
        do { return try decodeMessage(bytes, kind: kind, what: what) } catch let e as DiagnosticError {
            throw e
        } catch let e as ImportError {
            throw DiagnosticError(Diagnostic(.error, e.message))
        } catch {
            throw DiagnosticError(Diagnostic(.error, "\(what): \(error)"))
        }
    }

    private static func decodeMessage(_ bytes: Data, kind: ONNXValueKind, what: String) throws -> ONNXValueFile {
        switch kind {
        case .tensor, .unknown: return .tensor(try ONNXTensorFile.decode(bytes, what: what))
        case .map: throw ImportError("\(what): a map value, which edgec does not support")
        case .sparseTensor, .opaque: throw ImportError("\(what): a \(kind), which edgec does not support")
        case .sequence(let element):
            var name = "", items: [ONNXValueFile] = []
            for field in try ProtoWire.fields(bytes, what: "\(what): SequenceProto") {
                switch (field.number, field.bytes) {
                case (1, let b?): name = String(decoding: b, as: UTF8.self)
                case (3, let b?), (5, let b?), (7, let b?):
                    items.append(try decodeMessage(b, kind: element, what: "\(what): element \(items.count)"))
                case (4, _?), (6, _?): throw ImportError("\(what): a sequence of sparse tensors or maps, which edgec does not support")
                default: break  // elem_type (2) and unknown fields
                }
            }
            return .sequence(name: name, items)
        case .optional(let element):
            var name = "", value: ONNXValueFile?
            for field in try ProtoWire.fields(bytes, what: "\(what): OptionalProto") {
                switch (field.number, field.bytes) {
                case (1, let b?): name = String(decoding: b, as: UTF8.self)
                case (3, let b?), (5, let b?), (7, let b?): value = try decodeMessage(b, kind: element, what: "\(what): value")
                case (4, _?), (6, _?): throw ImportError("\(what): an optional sparse tensor or map, which edgec does not support")
                default: break
                }
            }
            return .optional(name: name, value)
        }
    }

    /// The tensor leaves of the value as the importer names them (`name`, `name.0`, ...), in order.
    public func leaves(name: String) -> [(name: String, tensor: ONNXTensorFile)] {
        switch self {
        case .tensor(let t): return [(name, t)]
        case .sequence(_, let items):
            return items.enumerated().flatMap { i, item in item.leaves(name: ONNXValueKind.elementName(name, i)) }
        case .optional(_, nil): return []
        case .optional(_, let v?): return v.leaves(name: name)
        }
    }

    /// Records the value's structure (sequence lengths, absent optionals) for a graph input
    /// `name` in `options`, so that the import resolves it as this value is.
    public func describeStructure(name: String, in options: inout ONNXImportOptions) {
        switch self {
        case .tensor: break
        case .sequence(_, let items):
            options.sequenceLengths[name] = items.count
            for (i, item) in items.enumerated() { item.describeStructure(name: ONNXValueKind.elementName(name, i), in: &options) }
        case .optional(_, nil): options.absentInputs.insert(name)
        case .optional(_, let v?): v.describeStructure(name: name, in: &options)
        }
    }

    /// Whether this is a plain tensor.
    public var isTensor: Bool {
        if case .tensor = self { return true }
        return false
    }
}

/// The protobuf wire format, enough to read the fields of onnx-data.proto's SequenceProto and
/// OptionalProto (https://protobuf.dev/programming-guides/encoding/), whose Swift bindings the
/// generated onnx.pb.swift does not include.
enum ProtoWire {
    struct Field {
        var number: Int
        /// The payload of a length-delimited field (nil for varints and fixed-size fields).
        var bytes: Data?
    }

    static func fields(_ data: Data, what: String) throws -> [Field] {
        let b = [UInt8](data)
        var i = 0, out: [Field] = []
        func varint() throws -> UInt64 {
            var v: UInt64 = 0, shift: UInt64 = 0
            while true {
                guard i < b.count, shift < 64 else { throw ImportError("\(what): truncated or malformed protobuf") }
                let byte = b[i]
                i += 1
                v |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return v }
                shift += 7
            }
        }
        while i < b.count {
            let key = try varint()
            let number = Int(key >> 3)
            guard number > 0 else { throw ImportError("\(what): malformed protobuf (field number 0)") }
            switch key & 7 {
            case 0: _ = try varint(); out.append(Field(number: number, bytes: nil))
            case 1, 5:
                let n = key & 7 == 1 ? 8 : 4
                guard i + n <= b.count else { throw ImportError("\(what): truncated protobuf") }
                i += n
                out.append(Field(number: number, bytes: nil))
            case 2:
                let n = try varint()
                guard n <= UInt64(b.count - i) else { throw ImportError("\(what): truncated protobuf (field \(number) runs past the end)") }
                out.append(Field(number: number, bytes: Data(b[i..<(i + Int(n))])))
                i += Int(n)
            default: throw ImportError("\(what): not a protobuf message this edgec reads (wire type \(key & 7))")
            }
        }
        return out
    }
}
