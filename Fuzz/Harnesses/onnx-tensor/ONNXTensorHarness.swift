// An ONNX TensorProto `.pb` input, as `edgec run --input x.pb` reads it (decode, then the
// interpreter tensor built from it).
import EdgeKernels
import EdgeONNX
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = Fuzz.data(start, count)
    guard let file = try? ONNXTensorFile.decode(data, what: "fuzz.pb") else { return 0 }
    if let dtype = DType(rawValue: file.element.rawValue) {
        _ = try? Tensor(bytes: [UInt8](file.data), dtype: dtype, shape: file.shape)
    }
    return 0
}

@_cdecl("fuzz_onnx_tensor_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, fuzzOneInput)
}
