// A NumPy `.npy` input, as `edgec run --input x.npy` decodes it.
import EdgeRuntime
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start, count > 0 else { return 0 }
    _ = try? NPY.decode([UInt8](UnsafeBufferPointer(start: start, count: count)))
    return 0
}

@_cdecl("fuzz_npy_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, fuzzOneInput)
}
