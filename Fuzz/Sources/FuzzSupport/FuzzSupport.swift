import CFuzzer
import EdgeIR
import EdgeProgram
import EdgeTorch
import Foundation

/// What every harness shares: the input as Data, and a scratch folder holding the side files a
/// reader may look up next to its input (ONNX external data, an `.eirb` blob file), so those code
/// paths run too. Nothing here catches traps: a trap is the crash libFuzzer reports.
public enum Fuzz {
    /// The input bytes, copied (readers may keep slices past the call).
    public static func data(_ start: UnsafePointer<UInt8>?, _ count: Int) -> Data {
        guard let start, count > 0 else { return Data() }
        return Data(bytes: start, count: count)
    }

    /// The `--max-memory` the harnesses run with: well under libFuzzer's malloc and RSS limits
    /// (2 GB in Scripts/fuzz.sh), so an input that gets past the limit checks and still
    /// allocates more is reported.
    public static let memoryLimit = MemoryLimit(bytes: 512 << 20)

    /// The torch import options of `edgec compile model.pt2 --max-memory 512M`.
    public static var torchOptions: TorchImportOptions {
        var o = TorchImportOptions(fixSymbolsToUpperBound: true)
        o.limits.maxEntryBytes = UInt64(memoryLimit.bytes)
        o.limits.maxTotalBytes = UInt64(memoryLimit.bytes)
        return o
    }

    /// A per-process folder with `weights.bin` (1 KiB of external data) and `model.eirb`
    /// (two small blobs named `w` and `b`), created on first use.
    public static let sideFolder: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("edgec-fuzz-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let weights = Data((0 ..< 1024).map { UInt8(truncatingIfNeeded: $0 &* 37) })
        try? weights.write(to: url.appendingPathComponent("weights.bin"))
        let blobs = BlobStore()
        blobs.set("w", Data((0 ..< 96).map { UInt8(truncatingIfNeeded: $0) }))
        blobs.set("b", Data(repeating: 0, count: 16))
        try? BlobFile.encode(blobs).write(to: url.appendingPathComponent("model.eirb"))
        atexit { try? FileManager.default.removeItem(at: Fuzz.sideFolder) }
        return url
    }()

    /// Runs libFuzzer's driver (command-line flags, corpus, limits) on `testOneInput`. SwiftPM
    /// links an executable's `<module>_main` as `main`; each harness defines that to call this.
    public static func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                            _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt {
        var count = argc
        var vector = argv
        return LLVMFuzzerRunDriver(&count, &vector, testOneInput)
    }
}
