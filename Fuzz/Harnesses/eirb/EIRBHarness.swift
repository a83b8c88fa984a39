// `.eirb` blob files, decoded as IRFile does, then used by a module whose constants name them.
import EdgeIR
import Foundation
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = Fuzz.data(start, count)
    guard let blobs = try? BlobFile.decode(data, path: "fuzz.eirb") else { return 0 }
    // Every blob read through a constant of a type its length could have: i8[n].
    var text = "module @m\n\nfunc @main() -> ("
    let names = blobs.names.prefix(8).filter { n in !n.contains("\"") && !n.contains("\\") && !n.contains("\n") }
    text += names.map { "i8[\(blobs[$0]?.count ?? 0)]" }.joined(separator: ", ") + ") {\n"
    for (k, n) in names.enumerated() {
        text += "  %c\(k) = edge.constant {value = #blob<\"\(n)\">} : i8[\(blobs[n]?.count ?? 0)]\n"
    }
    text += "  return " + names.indices.map { "%c\($0)" }.joined(separator: ", ") + "\n}\n"
    if let module = try? IRParser.parse(text, fileName: "fuzz.eir", blobs: blobs) { _ = try? Verifier.verify(module) }
    return 0
}

@_cdecl("fuzz_eirb_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, fuzzOneInput)
}
