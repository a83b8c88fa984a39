// A torch.export archive as raw zip bytes: the zip reader, PT2Archive's checks and limits, then
// the export schema and weights, as `edgec compile model.pt2` imports it (symbols fixed to
// their upper bound).
import EdgeTorch
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = Fuzz.data(start, count)
    guard let archive = try? PT2Archive(data: data, path: "fuzz.pt2") else { return 0 }
    _ = try? TorchImporter.importModule(archive: archive, options: TorchImportOptions(fixSymbolsToUpperBound: true))
    return 0
}

@_cdecl("fuzz_pt2_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, fuzzOneInput)
}
