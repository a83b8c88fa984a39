// A torch.export archive as raw zip bytes: the zip reader, PT2Archive's checks and limits, then
// the export schema and weights, as `edgec compile model.pt2` imports it (symbols fixed to
// their upper bound) with --max-memory 512M.
import EdgeTorch
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = Fuzz.data(start, count)
    guard let archive = try? PT2Archive(data: data, path: "fuzz.pt2", limits: Fuzz.torchOptions.limits) else { return 0 }
    _ = try? TorchImporter.importModule(archive: archive, options: Fuzz.torchOptions)
    return 0
}

@_cdecl("fuzz_pt2_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, fuzzOneInput)
}
