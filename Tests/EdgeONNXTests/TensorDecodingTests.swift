import EdgeIR
import EdgeKernels
import Foundation
import Testing

@testable import EdgeONNX

@Suite("ONNX tensors: every storage form, length checks")
struct TensorDecodingTests {
    typealias DT = Onnx_TensorProto.DataType

    func tensor(_ type: DT, _ dims: [Int64], _ fill: (inout Onnx_TensorProto) -> Void) -> Onnx_TensorProto {
        var t = Onnx_TensorProto()
        t.name = "t"
        t.dataType = Int32(type.rawValue)
        t.dims = dims
        fill(&t)
        return t
    }

    func decoded(_ t: Onnx_TensorProto) throws -> TensorDecoder.Decoded {
        try TensorDecoder.decode(t, what: "initializer \"t\"", external: nil)
    }

    func decode(_ t: Onnx_TensorProto) throws -> Tensor {
        let d = try decoded(t)
        return try Tensor(bytes: [UInt8](d.data), dtype: d.element, shape: d.shape)
    }

    func error(_ t: Onnx_TensorProto) -> String {
        do { _ = try decode(t); return "<decoded>" } catch { return "\(error)" }
    }

    @Test func everyStorageForm() throws {
        #expect(try decode(tensor(.float, [2], { $0.floatData = [1.5, -2] })).doubles() == [1.5, -2])
        #expect(try decode(tensor(.float, [2], { $0.rawData = Data([0, 0, 0xC0, 0x3F, 0, 0, 0, 0x40]) })).doubles() == [1.5, 2])
        #expect(try decode(tensor(.double, [1], { $0.doubleData = [0.25] })).doubles() == [0.25])
        #expect(try decode(tensor(.int64, [3], { $0.int64Data = [1, -2, .max] })).int64s() == [1, -2, .max])
        #expect(try decode(tensor(.int32, [2], { $0.int32Data = [7, -7] })).int64s() == [7, -7])
        #expect(try decode(tensor(.int8, [2], { $0.int32Data = [-128, 127] })).int64s() == [-128, 127])
        #expect(try decode(tensor(.uint8, [2], { $0.int32Data = [0, 255] })).int64s() == [0, 255])
        #expect(try decode(tensor(.int16, [1], { $0.int32Data = [-300] })).int64s() == [-300])
        #expect(try decode(tensor(.bool, [3], { $0.int32Data = [1, 0, 5] })).int64s() == [1, 0, 1])
        // f16 / bf16 bit patterns in int32_data.
        let h = try decode(tensor(.float16, [2], { $0.int32Data = [0x3C00, 0xC000] }))
        #expect(h.dtype == .f16 && h.doubles() == [1, -2])
        let b = try decode(tensor(.bfloat16, [1], { $0.int32Data = [0x3FC0] }))
        #expect(b.dtype == .bf16 && b.doubles() == [1.5])
        // Unsigned types import as themselves: u64 / u32 from uint64_data (every u64 value exact),
        // u16 from int32_data, and raw_data as for the other types.
        let u = try decode(tensor(.uint64, [3], { $0.uint64Data = [3, 1 << 40, .max] }))
        #expect(u.dtype == .u64 && u.uint64s() == [3, 1 << 40, .max])
        let u32 = try decode(tensor(.uint32, [2], { $0.uint64Data = [7, 4_000_000_000] }))
        #expect(u32.dtype == .u32 && u32.uint64s() == [7, 4_000_000_000])
        #expect(error(tensor(.uint32, [1], { $0.uint64Data = [1 << 32] })).contains("does not fit its UINT32 type"))
        let u16 = try decode(tensor(.uint16, [2], { $0.int32Data = [65535, 1] }))
        #expect(u16.dtype == .u16 && u16.int64s() == [65535, 1])
        let raw = try decode(tensor(.uint64, [1], { $0.rawData = Data([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]) }))
        #expect(raw.uint64s() == [.max])
        #expect(error(tensor(.uint64, [2], { $0.uint64Data = [1] })).contains("uint64_data"))
        // Scalars and empty tensors.
        #expect(try decode(tensor(.float, [], { $0.floatData = [3] })).shape == [])
        #expect(try decode(tensor(.float, [0, 4], { _ in })).count == 0)
    }

    @Test func rawDataIsNotCopied() throws {
        let raw = Data((0..<4096).map { UInt8($0 & 0xFF) })
        let t = try decoded(tensor(.float, [1024], { $0.rawData = raw }))
        #expect(t.data == raw)
    }

    @Test func lengthMismatchesNameTheTensor() {
        #expect(error(tensor(.float, [3], { $0.floatData = [1, 2] })) == "initializer \"t\" has 2 values in float_data but its dims [3] need 3")
        #expect(error(tensor(.float, [2, 2], { $0.rawData = Data(count: 15) })) == "initializer \"t\" has 15 bytes of raw_data but FLOAT[2, 2] needs 16")
        #expect(error(tensor(.int64, [2], { $0.int64Data = [1] })).contains("int64_data"))
        #expect(error(tensor(.float16, [2], { $0.int32Data = [1] })).contains("int32_data"))
        #expect(error(tensor(.double, [2], { $0.doubleData = [1, 2, 3] })).contains("double_data"))
    }

    @Test func hostileDimsAreErrors() {
        #expect(error(tensor(.float, [1 << 40, 1 << 40], { _ in })).contains("element count overflows"))
        #expect(error(tensor(.float, [Int64.max / 2], { _ in })).contains("byte size overflows"))
        #expect(error(tensor(.float, [-1], { _ in })).contains("negative dimension"))
        #expect(error(tensor(.string, [1], { $0.stringData = [Data("a".utf8)] })).contains("element type STRING"))
        #expect(error(tensor(.float, [1], { $0.dataLocation = .external })).contains("refers to external data, but the model was not read from a file"))
    }

    @Test func constantNodesInEveryAttributeForm() throws {
        var m = ModelBuilder()
        m.node("Constant", [], ["a"], [Attr.tensor("value", ModelBuilder.floatTensor("", [2], [1, 2]))])
        m.node("Constant", [], ["b"], [Attr.float("value_float", 3)])
        m.node("Constant", [], ["c"], [Attr.floats("value_floats", [4, 5])])
        m.node("Constant", [], ["d"], [Attr.int("value_int", 6)])
        m.node("Constant", [], ["e"], [Attr.ints("value_ints", [7, 8])])
        for o in ["a", "b", "c", "d", "e"] { m.output(o) }
        let module = try m.importModule()
        #expect(module.resultTypes == ["f32[2]", "f32[]", "f32[2]", "i64[]", "i64[2]"])
        #expect(module.text.contains("dense<[7, 8]>"))
        var bad = ModelBuilder()
        bad.node("Constant", [], ["s"], [Attr.string("value_string", "hi")])
        bad.output("s")
        #expect(bad.importError().contains("'value_string' constants are not supported"))
    }
}

@Suite("ONNX TensorProto files (.pb inputs of edgec run)")
struct TensorFileTests {
    @Test func decodesStandaloneTensors() throws {
        var t = Onnx_TensorProto()
        t.name = "input"
        t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        t.dims = [1, 2]
        t.floatData = [0.5, -1]
        let f = try ONNXTensorFile.decode(try t.serializedData(), what: "x.pb")
        #expect(f.name == "input" && f.element == .f32 && f.shape == [1, 2])
        #expect(f.data == Data([0, 0, 0, 0x3F, 0, 0, 0x80, 0xBF]))
        // uint64 keeps its type, as for initializers.
        var u = Onnx_TensorProto()
        u.dataType = Int32(Onnx_TensorProto.DataType.uint64.rawValue)
        u.dims = [2]
        u.uint64Data = [3, .max]
        let g = try ONNXTensorFile.decode(try u.serializedData(), what: "ids.pb")
        #expect(g.element == .u64 && g.shape == [2] && g.name.isEmpty)
        #expect(try g.tensor().uint64s() == [3, .max])
    }

    @Test func rejectsBadFiles() throws {
        func message(_ bytes: Data) -> String {
            do { _ = try ONNXTensorFile.decode(bytes, what: "bad.pb"); return "<decoded>" } catch { return "\(error)" }
        }
        #expect(message(Data([0xFF, 0xFF, 0xFF])).contains("bad.pb: not an ONNX TensorProto"))
        var t = Onnx_TensorProto()
        t.name = "x"
        t.dataType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        t.dims = [3]
        t.rawData = Data([0, 0])
        #expect(message(try t.serializedData()).contains("bad.pb: tensor \"x\" has 2 bytes of raw_data"))
        t.rawData = Data()
        t.dataLocation = .external
        #expect(message(try t.serializedData()).contains("external data"))
        t.dataLocation = .default
        t.dataType = Int32(Onnx_TensorProto.DataType.string.rawValue)
        #expect(message(try t.serializedData()).contains("STRING"))
    }
}
