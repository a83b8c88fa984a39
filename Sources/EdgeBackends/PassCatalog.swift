import EdgePasses

/// Every pass `--passes` accepts: the target-independent ones (``PassRegistry``) and those
/// backends contribute (`partition-xnnpack`). `edgec list-passes` and pipeline parsing derive
/// from it; a test checks the names are unique.
public enum PassCatalog {
    public static let all: [Pass] = PassRegistry.all + [ArmCPUBackend.partitionPass]

    public static func lookup(_ name: String) -> Pass? { all.first { $0.name == name } }
}
