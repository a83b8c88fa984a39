// ONNX model import: protobuf → Edge IR, including external data (from the side folder) and the
// verifier, as `edgec import` / `edgec compile model.onnx` call it.
import EdgeONNX
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = Fuzz.data(start, count)
    _ = try? ONNXImporter.importModel(data: data, directory: Fuzz.sideFolder, fileName: "fuzz.onnx")
    return 0
}

@_cdecl("fuzz_onnx_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, fuzzOneInput)
}
