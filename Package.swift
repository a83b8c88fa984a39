// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "edgec",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "edgec", targets: ["edgec"]),
        .library(name: "EdgeCompiler", targets: ["EdgeCompiler"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    ],
    targets: [
        .target(name: "EdgeIR"),
        .target(name: "EdgePasses", dependencies: ["EdgeIR"]),
        // ONNX ingest: generated protobuf bindings (Generated/) and the opset-aware importer.
        .target(
            name: "EdgeONNX",
            dependencies: ["EdgeIR", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Generated/README.md"]),
        .target(name: "EdgeCompiler", dependencies: ["EdgeIR", "EdgePasses", "EdgeONNX"]),
        .executableTarget(
            name: "edgec",
            dependencies: [
                "EdgeCompiler",
                "EdgeONNX",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Standard FlatBuffers builder, reader and schema-driven verifier (no dependencies).
        .target(name: "FlatBuffers"),
        .testTarget(name: "FlatBuffersTests", dependencies: ["FlatBuffers"]),
        // LLVM-style FileCheck, used by the text tests of passes.
        .target(name: "FileCheck"),
        .testTarget(name: "EdgeIRTests", dependencies: ["EdgeIR", "EdgePasses"]),
        .testTarget(name: "FileCheckTests", dependencies: ["FileCheck"]),
        .testTarget(
            name: "EdgeONNXTests",
            dependencies: ["EdgeONNX", "EdgeIR", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            resources: [.copy("Fixtures")]),
        // End-to-end tests of the edgec binary, including the .eir text tests under Tests/text.
        .testTarget(name: "EdgecTests", dependencies: ["EdgeIR", "EdgeCompiler", "FileCheck", "edgec"]),
    ],
    swiftLanguageModes: [.v6]
)
