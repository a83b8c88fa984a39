import ArgumentParser
import EdgeCompiler
import Foundation

/// The calibration options `quantize` and `compile --quantize int8` share.
struct CalibrationOptions: ParsableArguments {
    @Option(name: .customLong("calibration"), help: ArgumentHelp("Calibration samples: a folder laid out like ONNX test data (DATA/<sample>/input_K.npy or .pb, inputs by position), or NAME=FILE.npy per input with the samples stacked on a new leading axis (repeat for each input).", valueName: "DATA"))
    var calibration: [String] = []

    @Option(name: .customLong("observer"), help: ArgumentHelp("How a tensor's range is chosen: NAME for every tensor, or GLOB=NAME for the tensors whose node or tensor name matches (repeatable, first match wins; e.g. 'conv*=mse'). Default auto. \(QuantizationRequest.observerHelp).", valueName: "[GLOB=]NAME"))
    var observers: [String] = []

    @Option(help: ArgumentHelp("The share (%) of values the percentile observer keeps inside the range (default 99.99).", valueName: "p"))
    var percentile: Double?

    @Option(name: .customLong("keep-float"), help: ArgumentHelp("Keep the ops whose node name matches this glob in float (repeatable); a number N keeps the N layers float whose quantization alone lowers the outputs' SQNR most (see --sensitivity).", valueName: "GLOB|N"))
    var keepFloat: [String] = []

    @Option(name: .customLong("min-sqnr"), help: ArgumentHelp("Keep layers float, most sensitive first, until every output's SQNR against float on the calibration samples reaches this many dB.", valueName: "DB"))
    var minSQNR: Double?

    @Flag(help: "Rank the layers in the report by the outputs' SQNR when only that layer is quantized (about four model runs per sample and layer).")
    var sensitivity = false

    @Flag(help: "Print the per-tensor report: observer, observed and chosen range, scale / zero point, the share of values that saturate, the SQNR (dB) of each tensor and of the outputs against float on the calibration samples, and the ops kept float with why.")
    var report = false

    @Option(name: .customLong("report-json"), help: ArgumentHelp("Write the report as JSON to this file.", valueName: "file"))
    var reportJSON: String?

    @Option(name: .customLong("evaluate"), help: ArgumentHelp("Samples (same layouts as --calibration) to run the quantized IR on, with INT8 simulated by its quantize/dequantize ops; see --evaluate-output.", valueName: "DATA"))
    var evaluate: [String] = []

    @Option(name: .customLong("evaluate-output"), help: ArgumentHelp("Write the first output of the quantized IR on each --evaluate sample here (.npy, stacked on a new leading axis).", valueName: "file.npy"))
    var evaluateOutput: String?

    /// The request, reporting progress and the report on stderr / stdout.
    func request() -> QuantizationRequest {
        var r = QuantizationRequest(calibration: calibration)
        r.observers = observers
        r.percentile = percentile
        r.keepFloat = keepFloat
        r.sensitivity = sensitivity
        r.minSQNR = minSQNR
        r.evaluate = evaluate
        r.evaluateOutput = evaluateOutput
        r.progress = { writeStderr($0) }
        let print = report, json = reportJSON
        r.report = { outcome in
            if print { Swift.print(outcome.text, terminator: "") }
            if let json { try? Data((outcome.json + "\n").utf8).write(to: URL(fileURLWithPath: json)) }
        }
        return r
    }

    func check() throws {
        if calibration.isEmpty { throw ValidationError("--calibration DATA is required: a folder of samples (DATA/<sample>/input_0.npy) or NAME=FILE.npy per input") }
        if (evaluateOutput == nil) != evaluate.isEmpty { throw ValidationError("--evaluate and --evaluate-output go together") }
        do { try request().validate() } catch { throw ValidationError(String(describing: error)) }
    }
}

struct Quantize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Quantize a model to INT8 with calibration, writing QDQ Edge IR (.eir + .eirb).",
        discussion: """
        Imports the model, runs the -O2 passes for the backend (batch norms folded, relu fused \
        into conv/linear), then calibrates: the float IR runs on every sample in two passes \
        (pass 1 the exact range of each tensor to quantize, pass 2 two \(2048)-bin histograms \
        of it), an observer turns each tensor's statistics into a range, and the graph is \
        rewritten to QDQ Edge IR: quantize/dequantize pairs around every quantized op, \
        per-channel symmetric INT8 weights, INT32 biases, shared parameters across concat and \
        pass-through ops, float islands where an op has no quantized form \
        (docs/quantization.md). The output is ordinary Edge IR: inspect it, edit it, and compile \
        it with `edgec compile model.q.eir --backend arm-cpu`. Without -o the IR is printed to \
        stdout. Progress over the samples goes to stderr.

        Quantized ops: \(QuantizationRequest.quantizableOps.joined(separator: ", ")).

          edgec quantize Examples/tiny_cnn.onnx --calibration Examples/tiny_cnn -o tiny_cnn.q.eir --report
          edgec quantize model.onnx --calibration input=samples.npy -o model.q.eir --observer entropy
          edgec quantize model.onnx --calibration data/ -o model.q.eir --observer 'conv*=mse' --keep-float 'head*'
          edgec compile model.onnx -o model.pte --backend arm-cpu --quantize int8 --calibration data/
        """
    )

    @Argument(help: ArgumentHelp("The model: .onnx, .pt2 or .eir.", valueName: "model"))
    var input: String

    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("The backend whose -O2 passes run before quantizing (\(Listings.backendNames)).", valueName: "name"))
    var backend = "arm-cpu"

    @OptionGroup var inputShapes: InputShapeOptions

    @OptionGroup var calibration: CalibrationOptions

    func validate() throws {
        try calibration.check()
    }

    func run() throws {
        do {
            var compiler = ProgramCompiler(backend: backend, inputShapes: try inputShapes.parsed(), log: writeStderr)
            try inputShapes.apply(to: &compiler)
            compiler.quantization = calibration.request()
            let result = try compiler.run(path: input, through: .optimize)
            try emit(result, to: output.output)
        } catch {
            throw fail(error)
        }
    }
}
