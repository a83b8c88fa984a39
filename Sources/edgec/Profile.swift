import ArgumentParser
import EdgeCompiler
import EdgeConformance
import EdgeProfile
import Foundation

struct Profile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time a program by instruction, named by the model's source nodes.",
        discussion: """
        Runs the program in edgec's interpreter (a model is compiled first, as `edgec compile` \
        would) --warmup times untimed, then --runs times with a clock around every instruction, and \
        prints each instruction's source node, kernel (or delegate), output shape, median time and \
        share, the totals per kernel, the latency (min/median/max), arena and constant bytes and \
        the process's peak resident memory. Inputs are bound as `edgec run` binds them; with no \
        --input and no --fill every input is filled with 1.0 (the report says so).

        --etdump reads an ETDump that ExecuTorch's runtime recorded for this .pte (event tracing \
        on; Benchmarks/make_etdump.py makes one with the pip runtime) and prints the same table \
        from the device's own timings. --static prints per-layer MACs, parameter and activation \
        bytes and the model's totals without running anything (from the Edge IR for a model, from \
        the program for a .pte).

          edgec profile tiny_cnn.pte --input Examples/tiny_cnn.input.npy --runs 50
          edgec profile Examples/tiny_cnn.onnx --json
          edgec profile tiny_cnn.pte --etdump run.etdump
          edgec profile --static model.onnx
        """
    )

    @Argument(help: ArgumentHelp("A .pte program, or a model (.onnx, .pt2, .eir) to compile first.", valueName: "model"))
    var input: String

    @Option(name: .customLong("input"), help: ArgumentHelp("An input tensor (repeatable), as `edgec run` takes it.", valueName: "[name=]file"))
    var inputs: [String] = []

    @Option(name: .customLong("fill"), help: ArgumentHelp("Fill inputs not given with --input with this value (default 1.0 when no --input is given).", valueName: "value"))
    var fill: Double?

    @Option(help: ArgumentHelp("Timed runs (the median is reported).", valueName: "N"))
    var runs: Int = 20

    @Option(help: ArgumentHelp("Untimed runs before timing.", valueName: "K"))
    var warmup: Int = 2

    @Option(help: ArgumentHelp("The method to run.", valueName: "name"))
    var method: String = "forward"

    @Option(help: ArgumentHelp("Read the timings from an ExecuTorch ETDump of this program instead of running it.", valueName: "file"))
    var etdump: String?

    @Option(name: .customLong("tick-ns"), help: ArgumentHelp("Nanoseconds per ETDump tick (1 on ExecuTorch's POSIX platform layer).", valueName: "ns"))
    var tickNanoseconds: Double = 1

    @Flag(name: .customLong("static"), help: "Print the static cost (MACs, parameter and activation bytes per layer; totals) without running.")
    var staticCost = false

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @OptionGroup var compileOptions: ModelCompileOptions

    func validate() throws {
        if runs < 1 { throw ValidationError("--runs must be at least 1") }
        if warmup < 0 { throw ValidationError("--warmup must be 0 or more") }
        if !(tickNanoseconds > 0) { throw ValidationError("--tick-ns must be positive") }
        if staticCost, etdump != nil { throw ValidationError("--static and --etdump are different reports; give one") }
        if etdump != nil, !input.lowercased().hasSuffix(".pte") { throw ValidationError("--etdump needs the .pte the ETDump was recorded from") }
    }

    func run() throws {
        do {
            let loaded = try ProfileInput.load(path: input, compiler: try compileOptions.compiler())
            if staticCost {
                return print(json ? loaded.staticCost.json() : loaded.staticCost.text(), terminator: "")
            }
            let report: ProfileReport
            if let etdump {
                report = try ProgramProfiler.fromETDump(etdump, loaded, method: method, tickNanoseconds: tickNanoseconds)
            } else {
                let progress = Progress()
                report = try ProgramProfiler.measure(loaded, inputs: inputs, fill: fill, runs: runs, warmup: warmup, method: method,
                                                     progress: progress.update)
                progress.finish()
            }
            print(json ? report.json() : report.text(), terminator: "")
        } catch {
            throw fail(error)
        }
    }
}

/// Progress of a long measurement on stderr: redrawn in place on a terminal, otherwise a line
/// every few seconds once it has taken more than two; nothing for a quick run.
final class Progress {
    let start = DispatchTime.now().uptimeNanoseconds
    let terminal = isatty(2) != 0
    var lastShown: UInt64 = 0
    var shown = false

    func update(_ done: Int, _ total: Int, _ what: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        let elapsed = now - start
        let interval: UInt64 = terminal ? 200_000_000 : 5_000_000_000
        guard elapsed > (terminal ? 500_000_000 : 2_000_000_000), now - lastShown > interval || done == total else { return }
        lastShown = now
        shown = true
        let line = String(format: "profile: %@ %d/%d (%.1f s)", what, done, total, Double(elapsed) / 1e9)
        writeStderr(terminal ? "\r" + line : line + "\n")
    }

    func finish() { if shown, terminal { writeStderr("\n") } }
}
