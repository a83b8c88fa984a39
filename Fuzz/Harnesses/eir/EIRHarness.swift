// `.eir` text: parser and verifier as `edgec opt` / `edgec compile model.eir` read it. A header
// `{blobs = "model.eirb"}` finds the side folder's blob file, so `#blob<"w">` constants resolve.
import EdgeIR
import Foundation
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = Fuzz.data(start, count)
    guard let text = String(validating: data, as: UTF8.self) else { return 0 }
    _ = try? IRFile.parse(text, fileName: "fuzz.eir", directory: Fuzz.sideFolder)
    return 0
}

@_cdecl("fuzz_eir_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, fuzzOneInput)
}
