import Foundation

/// What `edgec quantize --report` prints: per quantized tensor the observer, the observed and
/// chosen ranges, the INT8 parameters, the share of elements that saturate and the SQNR of
/// the tensor (as the quantized model computes it) against float on the calibration samples;
/// the ops left float with why; the model outputs' SQNR and cosine similarity.
public struct QuantizationReport: Sendable, Codable {
    public struct Tensor: Sendable, Codable {
        public var name: String
        /// The op producing it (`input` for a model input).
        public var op: String
        /// The observer that chose its range (`auto:<observer>` when `auto` picked).
        public var observer: String
        public var observed: ClosedRange<Double>
        public var range: ClosedRange<Double>
        public var scale: Double
        public var zeroPoint: Int64
        /// Share of the calibration elements outside the representable range.
        public var clipped: Double
        /// Signal-to-quantization-noise ratio in dB of this tensor against float.
        public var sqnr: Double?
        public var note: String?
    }

    public struct FloatOp: Sendable, Codable {
        public var name: String
        public var op: String
        public var reason: String
    }

    public struct Output: Sendable, Codable {
        public var name: String
        public var sqnr: Double
        public var cosine: Double
    }

    /// One layer of the sensitivity ranking: the worst output SQNR with only it quantized.
    public struct Sensitivity: Sendable, Codable {
        public var name: String
        public var op: String
        /// The op's position in the function body.
        public var index: Int
        public var outputSQNR: Double
    }

    public var tensors: [Tensor]
    public var floatOps: [FloatOp]
    public var quantizedOps: Int
    public var samples: Int
    public var outputs: [Output] = []
    /// Decisions the quantizer made (the `--min-sqnr` outcome).
    public var notes: [String] = []
    /// Most sensitive first (with `--sensitivity` or `--keep-float N`).
    public var sensitivity: [Sensitivity] = []

    init(tensors: [Tensor], floatOps: [(String, String, String)], quantizedOps: Int, samples: Int) {
        self.tensors = tensors
        self.floatOps = floatOps.map { FloatOp(name: $0.0, op: $0.1, reason: $0.2) }
        self.quantizedOps = quantizedOps
        self.samples = samples
    }

    /// The report as a table (fixed formatting, so the same input prints the same text).
    public var text: String {
        var out = "quantized \(quantizedOps) ops, \(tensors.count) activation tensors, \(floatOps.count) ops float; calibrated on \(samples) sample\(samples == 1 ? "" : "s")\n\n"
        let header = ["tensor", "op", "observer", "observed", "range", "scale", "zp", "clipped", "SQNR dB"]
        for n in notes { out += "note: \(n)\n" }
        if !notes.isEmpty { out += "\n" }
        var rows = [header]
        for t in tensors {
            rows.append([t.name, t.op, t.observer, Self.range(t.observed), Self.range(t.range), Self.g(t.scale), "\(t.zeroPoint)",
                         String(format: "%.3f%%", t.clipped * 100), t.sqnr.map(Self.db) ?? "-"])
        }
        out += Self.table(rows)
        let notes = tensors.filter { $0.note != nil }
        if !notes.isEmpty { out += "\n" + notes.map { "note: \($0.name): \($0.note!)\n" }.joined() }
        if !floatOps.isEmpty {
            out += "\nfloat ops:\n" + Self.table([["node", "op", "why"]] + floatOps.map { [$0.name, $0.op, $0.reason] })
        }
        if !outputs.isEmpty {
            out += "\noutputs (quantized vs float on the calibration samples):\n"
                + Self.table([["output", "SQNR dB", "cosine"]] + outputs.map { [$0.name, Self.db($0.sqnr), String(format: "%.6f", $0.cosine)] })
        }
        if !sensitivity.isEmpty {
            out += "\nsensitivity (outputs' SQNR with only this layer quantized; most sensitive first):\n"
                + Self.table([["layer", "op", "output SQNR dB"]] + sensitivity.map { [$0.name, $0.op, Self.db($0.outputSQNR)] })
        }
        return out
    }

    /// The report as JSON (sorted keys).
    public var json: String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        e.nonConformingFloatEncodingStrategy = Self.floatStrategy.encoding
        return (try? String(decoding: e.encode(self), as: UTF8.self)) ?? "{}"
    }

    /// The `named_data` key under which `edgec compile --quantize int8` records this report in
    /// the program (one of edgec's records, `edgec.*`: not model data), so `edgec report` and
    /// `edgec inspect` can show the per-layer error of the program they read.
    public static let recordKey = "edgec.quantization_report"

    /// The record's bytes: compact JSON, keys sorted (the same calibration gives the same bytes).
    public var recordBytes: [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = Self.floatStrategy.encoding
        return [UInt8]((try? e.encode(self)) ?? Data())
    }

    /// The report recorded as `bytes`, or nil when they are not a report of this shape.
    public static func record(_ bytes: [UInt8]) -> QuantizationReport? {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = floatStrategy.decoding
        return try? d.decode(QuantizationReport.self, from: Data(bytes))
    }

    /// One line for `edgec inspect`: what was quantized and how close the outputs stayed.
    public var summary: String {
        var s = "\(quantizedOps) ops INT8, \(tensors.count) activation tensors, \(floatOps.count) ops float, \(samples) calibration sample\(samples == 1 ? "" : "s")"
        if !outputs.isEmpty {
            s += "; outputs vs float: " + outputs.map { "\($0.name) \(Self.db($0.sqnr)) dB SQNR, cosine \(String(format: "%.6f", $0.cosine))" }.joined(separator: ", ")
        }
        return s
    }

    private static let floatStrategy = (
        encoding: JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan"),
        decoding: JSONDecoder.NonConformingFloatDecodingStrategy.convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan"))

    public static func g(_ x: Double) -> String { String(format: "%.6g", x) }
    public static func db(_ x: Double) -> String { x.isInfinite ? "inf" : String(format: "%.2f", x) }
    public static func range(_ r: ClosedRange<Double>) -> String { "[\(g(r.lowerBound)), \(g(r.upperBound))]" }

    static func table(_ rows: [[String]]) -> String {
        var widths = Array(repeating: 0, count: rows.map(\.count).max() ?? 0)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        return rows.map { r in
            r.enumerated().map { i, c in i == r.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
