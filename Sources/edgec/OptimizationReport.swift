import ArgumentParser
import EdgeConformance
import Foundation

/// `edgec optimization-report`: what the optimization levels do to models, as the markdown
/// table in docs/optimization.md (regenerate with `Benchmarks/optimization-report.sh`).
struct OptimizationReport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimization-report",
        abstract: "Compare -O0 with -O2 on models: IR ops, kernel calls, constant bytes, arena bytes, interpreter latency.",
        discussion: """
        Each model is compiled for the portable backend at -O0 and -O2 (symbolic input dims become 1), \
        both programs run in edgec's interpreter on the same deterministic inputs (their largest \
        output difference is reported), and the median of --runs timed runs is the latency. Prints \
        a markdown table.

          edgec optimization-report Grammar/examples/*.eir
        """
    )

    @Argument(help: ArgumentHelp("The .eir models.", valueName: "model.eir"))
    var models: [String]

    @Option(help: "Timed interpreter runs per program (the median is reported).")
    var runs: Int = 20

    func run() throws {
        var rows: [String] = []
        for path in models {
            do {
                let o0 = try OptimizationMeasurement.measure(path, level: 0, runs: runs)
                let o2 = try OptimizationMeasurement.measure(path, level: 2, runs: runs)
                rows.append(OptimizationMeasurement.row(URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent, o0, o2))
            } catch {
                throw fail(error)
            }
        }
        print(OptimizationMeasurement.header)
        for r in rows { print(r) }
    }
}
