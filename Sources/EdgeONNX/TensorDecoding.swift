import EdgeIR
import Foundation

/// ONNX element types (TensorProto.DataType) and the Edge IR types they import as.
enum ONNXType {
    /// The Edge IR element type of an ONNX data type, or nil when edgec has none.
    static func scalar(_ dataType: Int32) -> ScalarType? {
        switch Onnx_TensorProto.DataType(rawValue: Int(dataType)) {
        case .float?: return .f32
        case .uint8?: return .u8
        case .int8?: return .i8
        case .int16?: return .i16
        case .uint16?: return .u16
        case .uint32?: return .u32
        case .uint64?: return .u64
        case .int32?: return .i32
        case .int64?: return .i64
        case .bool?: return .bool
        case .float16?: return .f16
        case .double?: return .f64
        case .bfloat16?: return .bf16
        default: return nil
        }
    }

    /// The ONNX spelling of a data type, for messages.
    static func name(_ dataType: Int32) -> String {
        guard let t = Onnx_TensorProto.DataType(rawValue: Int(dataType)) else { return "data type \(dataType)" }
        return "\(t)".uppercased()
    }

    /// The ONNX data type of an Edge IR element type.
    static func onnx(_ s: ScalarType) -> Onnx_TensorProto.DataType {
        switch s {
        case .f32: return .float
        case .f16: return .float16
        case .bf16: return .bfloat16
        case .f64: return .double
        case .i8: return .int8
        case .u8: return .uint8
        case .i16: return .int16
        case .u16: return .uint16
        case .i32: return .int32
        case .u32: return .uint32
        case .i64: return .int64
        case .u64: return .uint64
        case .bool: return .bool
        }
    }

    /// The element type of a tensor, or an error naming `what`.
    static func require(_ dataType: Int32, _ what: String) throws(ImportError) -> ScalarType {
        guard let s = scalar(dataType) else {
            throw ImportError("\(what) has element type \(name(dataType)), which edgec does not support")
        }
        return s
    }
}

/// Decodes TensorProto contents in every storage form, checking lengths against the dims.
enum TensorDecoder {
    /// A decoded tensor: little-endian elements of `element` (a slice of the model or of the
    /// mapped external data where the storage allows, so weights are not copied).
    typealias Decoded = (element: ScalarType, shape: [Int], data: Data)

    /// The tensor's contents as little-endian element bytes of its Edge IR type.
    /// `what` names the tensor in errors (e.g. `initializer "conv1.weight"`).
    static func decode(_ t: Onnx_TensorProto, what: String, external: ExternalDataReader?) throws(ImportError) -> Decoded {
        if t.hasSegment { throw ImportError("\(what) is stored in segments, which edgec does not support") }
        var dims: [Int] = []
        for d in t.dims {
            guard d >= 0 else { throw ImportError("\(what) has a negative dimension in \(t.dims)") }
            guard let v = Int(exactly: d) else { throw ImportError("\(what) dimension \(d) is too large") }
            dims.append(v)
        }
        guard let count = checkedProduct(dims) else {
            throw ImportError("\(what) has dims \(t.dims) whose element count overflows")
        }
        let dataType = t.dataType
        let element = try ONNXType.require(dataType, what)
        guard let bytes = count.multipliedReportingOverflow(by: element.byteSize).overflow ? nil : count * element.byteSize else {
            throw ImportError("\(what) has dims \(t.dims) whose byte size overflows")
        }
        func checkCount(_ n: Int, _ field: String) throws(ImportError) {
            guard n == count else {
                throw ImportError("\(what) has \(n) values in \(field) but its dims \(t.dims) need \(count)")
            }
        }
        if t.hasDataLocation && t.dataLocation == .external {
            guard let external else { throw ImportError("\(what) refers to external data, but the model was not read from a file") }
            let data = try external.read(t, what: what)
            guard data.count == bytes else {
                throw ImportError("\(what) has \(data.count) bytes of external data but \(ONNXType.name(dataType))\(t.dims) needs \(bytes)")
            }
            return (element, dims, data)
        }
        if t.hasRawData {
            guard t.rawData.count == bytes else {
                throw ImportError("\(what) has \(t.rawData.count) bytes of raw_data but \(ONNXType.name(dataType))\(t.dims) needs \(bytes)")
            }
            return (element, dims, t.rawData)
        }
        // The typed field must hold exactly `count` values; checked before allocating `bytes`
        // (dims may declare terabytes while the field is empty).
        switch element {
        case .f32: try checkCount(t.floatData.count, "float_data")
        case .f64: try checkCount(t.doubleData.count, "double_data")
        case .i64: try checkCount(t.int64Data.count, "int64_data")
        case .u32, .u64: try checkCount(t.uint64Data.count, "uint64_data")
        case .i32, .f16, .bf16, .i16, .u16, .i8, .u8, .bool: try checkCount(t.int32Data.count, "int32_data")
        }
        var out = Data(capacity: bytes)
        func put<T>(_ v: T) { withUnsafeBytes(of: v) { out.append(contentsOf: $0) } }
        switch element {
        case .f32:
            for v in t.floatData { put(v.bitPattern.littleEndian) }
        case .f64:
            for v in t.doubleData { put(v.bitPattern.littleEndian) }
        case .i64:
            for v in t.int64Data { put(v.littleEndian) }
        case .i32:
            for v in t.int32Data { put(v.littleEndian) }
        case .u64:
            for v in t.uint64Data { put(v.littleEndian) }
        case .u32:
            // uint64_data holds each value; one above UInt32.max is not a u32.
            for v in t.uint64Data {
                guard let x = UInt32(exactly: v) else { throw ImportError("\(what) holds \(v) in uint64_data, which does not fit its UINT32 type") }
                put(x.littleEndian)
            }
        case .f16, .bf16, .i16, .u16:
            // int32_data holds the 16-bit pattern (or value) of each element.
            for v in t.int32Data { put(UInt16(truncatingIfNeeded: v).littleEndian) }
        case .i8, .u8, .bool:
            for v in t.int32Data { put(UInt8(truncatingIfNeeded: element == .bool ? (v != 0 ? 1 : 0) : v)) }
        }
        return (element, dims, out)
    }
}
