import ArgumentParser
import EdgeCompiler
import EdgeConformance
import EdgeProfile
import EdgeReport
import Foundation

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write one self-contained HTML report of a model or program.",
        discussion: """
        The report (no network access, no external scripts) shows the graph as SVG — boxes of \
        instructions labelled by source node and kernel, coloured by partition (portable kernels, \
        each delegate), shapes on the edges, linear chains collapsed, zoom and pan — the memory plan \
        (each planned tensor by lifetime and arena offset, with the lower bound), the static cost, \
        for a model the op counts at -O0 and -O2, with --input or --fill the latency breakdown \
        measured as `edgec profile` measures it, and for a program compiled with --quantize int8 the \
        quantization error per layer (SQNR against float on the calibration samples, the observer, the \
        range and the clipped share, as `edgec quantize --report` prints it; the compiler records it in \
        the program).

          edgec report Examples/tiny_cnn.onnx -o report.html --fill 1
          edgec report tiny_cnn.pte -o report.html --input Examples/tiny_cnn.input.npy
          edgec compile Examples/tiny_cnn.onnx -o q.pte --backend arm-cpu --quantize int8 --calibration Examples/tiny_cnn
          edgec report q.pte -o q.html
        """
    )

    @Argument(help: ArgumentHelp("A .pte program, or a model (.onnx, .pt2, .eir) to compile first.", valueName: "model"))
    var input: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The HTML file to write (atomically).", valueName: "report.html"))
    var output: String

    @Option(name: .customLong("input"), help: ArgumentHelp("An input tensor (repeatable); measures the latency.", valueName: "[name=]file"))
    var inputs: [String] = []

    @Option(name: .customLong("fill"), help: ArgumentHelp("Fill inputs not given with this value; measures the latency.", valueName: "value"))
    var fill: Double?

    @Option(help: ArgumentHelp("Timed runs for the latency breakdown.", valueName: "N"))
    var runs: Int = 10

    @Option(help: ArgumentHelp("Untimed runs before timing.", valueName: "K"))
    var warmup: Int = 1

    @OptionGroup var compileOptions: ModelCompileOptions

    func validate() throws {
        if runs < 1 { throw ValidationError("--runs must be at least 1") }
        if warmup < 0 { throw ValidationError("--warmup must be 0 or more") }
    }

    func run() throws {
        do {
            let loaded = try ProfileInput.load(path: input, compiler: try compileOptions.compiler(), compareLevels: true)
            let plan = try ProgramProfiler.plan(loaded, "forward")
            var profile: ProfileReport?
            if !inputs.isEmpty || fill != nil {
                profile = try ProgramProfiler.measure(loaded, inputs: inputs, fill: fill, runs: runs, warmup: warmup)
            }
            let report = HTMLReport(title: URL(fileURLWithPath: input).lastPathComponent, graph: ProgramGraph(plan), cost: loaded.staticCost,
                                    profile: profile, levels: loaded.levels.map { ($0.level, $0.irOps, $0.instructions, $0.units) },
                                    notes: loaded.notes + (profile == nil ? ["no latency: give --input or --fill to measure it"] : []),
                                    quantization: loaded.quantization)
            try AtomicWrite.write(Data(report.render().utf8), to: output)
        } catch {
            throw fail(error)
        }
    }
}
