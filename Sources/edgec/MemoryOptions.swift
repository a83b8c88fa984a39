import ArgumentParser
import EdgeProgram

/// `--max-memory`, shared by `compile` and `run`.
struct MemoryOptions: ParsableArguments {
    @Option(name: .customLong("max-memory"),
            help: ArgumentHelp("The most memory one value, or the planned arena plus constants, may take; inputs that declare more are rejected before allocating (suffixes K, M, G, T are powers of 1024; default half of physical memory, here \(MemoryLimit.default)).",
                               valueName: "size"))
    var maxMemory: String?

    /// The limit given, or the default.
    var limit: MemoryLimit {
        get throws {
            guard let text = maxMemory else { return .default }
            guard let limit = MemoryLimit(parsing: text) else {
                throw ValidationError("--max-memory \(text): expected a size such as 8G, 512M or 1048576")
            }
            return limit
        }
    }

    func validate() throws { _ = try limit }
}
