// swift-tools-version:6.0
// libFuzzer harnesses for every format edgec reads. Built only by Scripts/fuzz.sh, into its own
// scratch path (.build-fuzz) with -sanitize=fuzzer,address, so `swift build` / `swift test` of the
// main package never see these targets. See docs/reliability.md.
import PackageDescription

let readers: Target.Dependency = .product(name: "EdgeReaders", package: "edgec")

/// One executable per harness: Harnesses/<name>/<Name>.swift provides LLVMFuzzerTestOneInput and
/// the entry point SwiftPM links as main (`fuzz_<name>_main`), which runs libFuzzer's driver.
func harness(_ name: String, _ extra: [Target.Dependency] = []) -> Target {
    .executableTarget(name: "fuzz-\(name)", dependencies: ["FuzzSupport", readers] + extra, path: "Harnesses/\(name)")
}

let package = Package(
    name: "edgec-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "edgec", path: ".."),
    ],
    targets: [
        .target(name: "CFuzzer"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzer", readers]),
        harness("onnx"),
        harness("onnx-tensor"),
        harness("onnx-value"),
        harness("pt2"),
        harness("pt2-entries"),
        harness("eir"),
        harness("eirb"),
        harness("pte"),
        harness("npy"),
    ],
    swiftLanguageModes: [.v6]
)
