import EdgeBackends
import EdgeIR
import EdgePasses

/// The `opt` stage as a library call: read IR, run a pass pipeline, return the result.
public struct Optimizer {
    public var pipeline: String
    public var instrumentation: PassInstrumentation
    /// The backend the pipeline prepares for (plain `edgec opt`: any op may be created).
    public var target = PassTarget()
    /// Receives IR dumps and timing tables.
    public var log: (String) -> Void

    public init(pipeline: String, instrumentation: PassInstrumentation = PassInstrumentation(), log: @escaping (String) -> Void) {
        self.pipeline = pipeline
        self.instrumentation = instrumentation
        self.log = log
    }

    /// Runs the pipeline over `module` in place.
    @discardableResult
    public func run(_ module: Module) throws -> PassRunReport {
        let passes = try PassManager.parsePipeline(pipeline, registry: PassCatalog.all)
        var manager = PassManager(passes: passes, instrumentation: instrumentation, dump: log)
        manager.target = target
        let report = try manager.run(module)
        if instrumentation.timePasses { log(report.timingTable()) }
        return report
    }
}
