import EdgeIR
import EdgeProgram
import EdgePasses
import EdgeKernels
import EdgeQuantization
import EdgeRuntime
import Foundation

/// What `--quantize int8 --calibration DATA` and `edgec quantize` ask of the pipeline: after
/// the optimize stage (batch norms folded, activations fused), the main function is calibrated
/// on the samples and rewritten to QDQ Edge IR (docs/quantization.md).
public struct QuantizationRequest: Sendable {
    /// `--calibration`: a folder of samples, or NAME=FILE.npy per input.
    public var calibration: [String]
    /// `--observer NAME` / `--observer GLOB=NAME` values, in order.
    public var observers: [String] = []
    /// `--percentile p`.
    public var percentile: Double?
    /// `--keep-float GLOB` values; a number N keeps the N most sensitive layers float.
    public var keepFloat: [String] = []
    /// `--sensitivity`: rank layers in the report.
    public var sensitivity = false
    /// `--min-sqnr DB`.
    public var minSQNR: Double?
    /// Progress lines (stderr in the CLI).
    public var progress: @Sendable (String) -> Void = { _ in }
    /// `--evaluate DATA` (same layouts as calibration) and `--evaluate-output FILE.npy`: run
    /// the quantized IR (INT8 simulated by its quantize/dequantize ops) on these samples and
    /// write the first output of each, stacked on a new leading axis.
    public var evaluate: [String] = []
    public var evaluateOutput: String?
    /// Receives the report once quantization is done.
    public var report: @Sendable (QuantizationOutcome) -> Void = { _ in }

    public init(calibration: [String]) { self.calibration = calibration }

    /// The quantizer's options; a bad observer or percentile is an error naming it.
    func options() throws -> QuantizationOptions {
        var o = QuantizationOptions()
        for text in observers { try o.addObserver(text) }
        if let p = percentile {
            guard p > 0, p <= 100 else { throw QuantizationError("--percentile \(p): give a share in (0, 100], like 99.99") }
            o.settings.percentile = p
        }
        for k in keepFloat {
            if let n = Int(k) {
                guard n >= 0 else { throw QuantizationError("--keep-float \(k): give a glob or a count of layers") }
                o.keepMostSensitive = n
            } else {
                o.keepFloat.append(k)
            }
        }
        o.sensitivity = sensitivity
        if let m = minSQNR {
            guard m.isFinite else { throw QuantizationError("--min-sqnr \(m): give a finite number of dB, like 30") }
            o.minSQNR = m
        }
        o.progress = progress
        return o
    }

    /// Checks the options without data (the CLI's validation).
    public func validate() throws { _ = try options() }

    /// `--quantize` values and the observers, for help texts.
    public static let schemes = ["int8", "dynamic-int8", "int4-weights"]
    /// Schemes the issue names that edgec does not emit yet, with why (a clear refusal, not "unknown").
    public static let refusedSchemes: [String: String] = [:]
    /// `--group-size` without a value (``DynamicQuantization/defaultGroupSize``).
    public static var int4DefaultGroupSize: Int { DynamicQuantization.defaultGroupSize }
    /// Why `--group-size n` is not a 4-bit block size XNNPACK takes, or nil.
    public static func groupSizeProblem(_ n: Int) -> String? { DynamicQuantization.groupSizeProblem(n) }
    public static var observerHelp: String {
        Observers.all.map { "\($0.name): \($0.summary)" }.joined(separator: "; ")
            + "; \(Observers.auto): per tensor, the observer with the lowest quantization error on the calibration data among those saturating at most \(Observers.autoClipLimit * 100) % of the values (sigmoid outputs keep minmax)"
    }
    public static var observerNames: [String] { Observers.names }
    public static var quantizableOps: [String] { QuantizableOps.table.map(\.op.name) }
}

/// The quantizer's report, as text and JSON.
public struct QuantizationOutcome: Sendable {
    public let text: String
    public let json: String
}

extension ProgramCompiler {
    /// Why this compiler cannot lower quantized IR for its backend, or nil.
    func quantizedLoweringRefusal() -> String? {
        guard backend == "portable" else { return nil }
        return "--backend portable cannot run INT8: ExecuTorch's portable kernels have no quantized ops; use --backend arm-cpu (XNNPACK), or `edgec quantize` to write QDQ Edge IR"
    }

    /// Quantizes `module` in place as `request` says (its main function, QDQ form); returns the
    /// quantizer's report (which `edgec compile` records in the program).
    @discardableResult
    public func quantize(_ module: Module, _ request: QuantizationRequest) throws -> QuantizationReport {
        guard let function = module.mainFunction else { throw QuantizationError("the module has no function") }
        var options = try request.options()
        options.int8Ops = try resolvedBackend().target.int8Ops
        let samples = try CalibrationData.load(request.calibration, for: function)
        let report = try Quantizer.quantize(module, samples: samples, options: options)
        request.report(QuantizationOutcome(text: report.text, json: report.json))
        if let path = request.evaluateOutput {
            let samples = try CalibrationData.load(request.evaluate, for: function)
            let evaluator = IREvaluator(function)
            var bytes: [UInt8] = [], first: Tensor?
            for (k, s) in samples.enumerated() {
                request.progress("evaluating: sample \(k + 1)/\(samples.count)\n")
                let out = try evaluator.run(s.inputs)[0]
                if first == nil { first = out }
                bytes += out.bytes()
            }
            if let first {
                let stacked = try Tensor(bytes: bytes, dtype: first.dtype, shape: [samples.count] + first.shape)
                try AtomicFile.write(Data(try NPY.encode(stacked)), to: path)
            }
        }
        return report
    }
}

extension QuantizationReport {
    /// The report `edgec compile --quantize int8` recorded in `program` (``recordKey``), or nil.
    public static func recorded(in program: Program) -> QuantizationReport? {
        program.namedData.first { $0.key == recordKey }.flatMap { record($0.data) }
    }
}
