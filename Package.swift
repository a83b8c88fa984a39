// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "edgec",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "edgec", targets: ["edgec"]),
        .library(name: "EdgeCompiler", targets: ["EdgeCompiler"]),
        // The readers, for the fuzz harnesses (Fuzz/Package.swift depends on this package by path).
        .library(name: "EdgeReaders", targets: ["EdgeIR", "EdgeKernels", "EdgeONNX", "EdgeTorch", "EdgeProgram", "EdgeRuntime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
        .package(url: "https://github.com/apple/swift-protobuf", exact: "1.39.0"),
    ],
    targets: [
        // Ops carry an evaluation facet (constant folding) backed by EdgeKernels.
        .target(name: "EdgeIR", dependencies: ["EdgeKernels"]),
        // Reference kernels shared by constant folding and the runtime; depends only on its C kernels.
        .target(
            name: "EdgeKernels",
            dependencies: ["CEdgeKernels"],
            linkerSettings: [.linkedLibrary("m", .when(platforms: [.linux, .android]))]),
        // The hot f32 kernels (GEMM, convolution) in one variant per instruction set, picked at
        // run time from CPUID, and the worker pool they use (docs/design.md, "Kernel dispatch").
        .target(
            name: "CEdgeKernels",
            exclude: ["kernels.inc"],
            linkerSettings: [.linkedLibrary("pthread", .when(platforms: [.linux, .android]))]),
        .testTarget(name: "EdgeKernelsTests", dependencies: ["EdgeKernels"]),
        .target(name: "EdgePasses", dependencies: ["EdgeIR", "EdgeKernels"]),
        // torch.export ingest: the .pt2 archive reader and the ATen → Edge IR importer.
        .target(name: "EdgeTorch", dependencies: ["EdgeIR", "EdgeKernels"]),
        // ONNX ingest: generated protobuf bindings (Generated/) and the opset-aware importer.
        .target(
            name: "EdgeONNX",
            dependencies: ["EdgeIR", "EdgeKernels", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Generated/README.md"]),
        .testTarget(
            name: "EdgeONNXTests",
            dependencies: ["EdgeONNX", "EdgeIR", "EdgeKernels", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            resources: [.copy("Fixtures")]),
        .target(name: "EdgeCompiler", dependencies: ["EdgeIR", "EdgePasses", "EdgeBackends", "EdgeProgram", "EdgeTorch", "EdgeONNX", "EdgeProfile", "EdgeQuantization", "EdgeRuntime"]),
        // INT8 post-training quantization: the IR evaluator, calibration (observers over
        // histograms), the quantizer that rewrites float Edge IR to QDQ Edge IR, its report.
        .target(name: "EdgeQuantization", dependencies: ["EdgeIR", "EdgeKernels", "EdgePasses"]),
        .testTarget(name: "EdgeQuantizationTests", dependencies: ["EdgeQuantization", "EdgeIR", "EdgeKernels", "EdgePasses"]),
        // Profiles and static cost of programs, by source node: the program's dataflow and memory
        // plan read back, latency tables (interpreter or ExecuTorch ETDump), MACs and bytes.
        .target(name: "EdgeProfile", dependencies: ["EdgeProgram", "FlatBuffers"]),
        .testTarget(name: "EdgeProfileTests", dependencies: ["EdgeProfile", "EdgeProgram", "FlatBuffers"], resources: [.copy("Fixtures")]),
        // The self-contained HTML report: graph and memory-plan SVG, latency breakdown.
        .target(name: "EdgeReport", dependencies: ["EdgeProfile", "EdgeProgram", "EdgeQuantization"]),
        .testTarget(name: "EdgeReportTests", dependencies: ["EdgeReport", "EdgeProfile", "EdgeProgram", "EdgeQuantization"]),
        // The .pte format (ExecuTorch Program FlatBuffer): schema-typed writer and verified reader, the
        // ATen kernel schemas both sides of a kernel call use, and the DType <-> ScalarType mapping.
        .target(name: "EdgeProgram", dependencies: ["FlatBuffers", "EdgeKernels"]),
        .testTarget(name: "EdgeProgramTests", dependencies: ["EdgeProgram", "EdgeKernels", "FlatBuffers"]),
        // The Backend protocol and registry, lowering of Edge IR to .pte programs (portable ATen
        // kernels) and memory planning. EdgePasses: a backend declares its PassTarget.
        .target(name: "EdgeBackends", dependencies: ["EdgeIR", "EdgePasses", "EdgeProgram"]),
        .testTarget(name: "EdgeBackendsTests", dependencies: ["EdgeBackends", "EdgeIR", "EdgePasses", "EdgeProgram", "EdgeRuntime", "EdgeKernels", "EdgeCompiler"]),
        // The conformance interpreter: runs a verified .pte with EdgeKernels; imports no compiler module.
        .target(name: "EdgeRuntime", dependencies: ["EdgeProgram", "EdgeKernels"]),
        .testTarget(name: "EdgeRuntimeTests", dependencies: ["EdgeRuntime", "EdgeProgram", "EdgeKernels"]),
        .executableTarget(
            name: "edgec",
            dependencies: [
                // The compiler only through EdgeCompiler's pipeline; running programs through
                // EdgeRuntime and EdgeConformance (input binding, outputs, suites, reports,
                // profiling); EdgeProfile and EdgeReport for the profile tables and the HTML report.
                "EdgeCompiler", "EdgeRuntime", "EdgeConformance", "EdgeProfile", "EdgeReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        // Conformance suites: one case per child process, dtype-aware comparison, outcomes, records.
        .target(name: "EdgeConformance", dependencies: ["EdgeCompiler", "EdgeQuantization", "EdgeProfile", "EdgeBackends", "EdgeONNX", "EdgeIR", "EdgePasses", "EdgeRuntime", "EdgeKernels", "EdgeProgram"]),
        .testTarget(name: "EdgeConformanceTests", dependencies: ["EdgeConformance", "EdgeKernels", "EdgeProgram", "EdgeONNX"]),
        // Standard FlatBuffers builder, reader and schema-driven verifier (no dependencies).
        .target(name: "FlatBuffers"),
        .testTarget(name: "FlatBuffersTests", dependencies: ["FlatBuffers"]),
        // LLVM-style FileCheck, used by the text tests of passes.
        .target(name: "FileCheck"),
        .testTarget(name: "EdgeIRTests", dependencies: ["EdgeIR", "EdgePasses", "EdgeKernels"]),
        .testTarget(name: "FileCheckTests", dependencies: ["FileCheck"]),
        .testTarget(
            name: "EdgeTorchTests",
            dependencies: ["EdgeTorch", "EdgeIR", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            resources: [.copy("Fixtures")]),
        // End-to-end tests of the edgec binary, including the .eir text tests under Tests/text.
        .testTarget(name: "EdgecTests", dependencies: ["EdgeIR", "EdgeCompiler", "EdgeProgram", "EdgeQuantization", "EdgeRuntime", "EdgeKernels", "FileCheck", "edgec"]),
    ],
    swiftLanguageModes: [.v6]
)
