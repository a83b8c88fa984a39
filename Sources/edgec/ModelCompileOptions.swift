import ArgumentParser
import EdgeCompiler

/// How `profile` and `report` compile a model they are given instead of a `.pte`: the backend,
/// `-O<n>` and `--input-shape`, as `edgec compile` takes them.
struct ModelCompileOptions: ParsableArguments {
    @Option(help: ArgumentHelp("For a model: the backend to lower for (\(Listings.backendNames)).", valueName: "name"))
    var backend: String = Listings.defaultBackend

    @OptionGroup var inputShapes: InputShapeOptions

    @OptionGroup var optimization: OptimizationOptions

    func validate() throws {
        do { _ = try ProgramCompiler(backend: backend).resolvedBackend() } catch { throw ValidationError(error.message) }
    }

    /// The compiler for a model input (unused for a `.pte`).
    func compiler() throws -> ProgramCompiler {
        var compiler = ProgramCompiler(backend: backend, inputShapes: try inputShapes.parsed(), optimization: try ProgramCompiler.level(optimization.level ?? 2))
        try inputShapes.apply(to: &compiler)
        return compiler
    }
}
