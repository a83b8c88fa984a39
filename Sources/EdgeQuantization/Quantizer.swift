import EdgeIR
import EdgeKernels
import EdgePasses
import Foundation

/// One calibration sample: a tensor per model input, in argument order.
public struct CalibrationSample: Sendable {
    /// Where it came from, for messages (`DATA/sample_3`, `x.npy[3]`).
    public var name: String
    public var inputs: [Tensor]
    public init(name: String, inputs: [Tensor]) {
        self.name = name
        self.inputs = inputs
    }
}

/// What `edgec quantize` was asked for.
public struct QuantizationOptions: Sendable {
    /// The observer of tensors no rule names (a name in ``Observers/names``).
    public var observer = Observers.auto
    /// `--observer GLOB=NAME` rules, first match wins; the glob matches the producing op's
    /// node name or the tensor's name.
    public var rules: [(glob: String, observer: String)] = []
    public var settings = ObserverSettings()
    /// `--keep-float GLOB`: ops whose node name matches stay float.
    public var keepFloat: [String] = []
    /// The ops the backend runs in INT8 (``PassTarget/int8Ops``); nil: every op of ``QuantizableOps``.
    public var int8Ops: Set<String>?
    /// `--keep-float N`: keep the N layers float whose quantization alone hurts the outputs most.
    public var keepMostSensitive = 0
    /// `--min-sqnr DB`: keep layers float, most sensitive first, until every output's SQNR on
    /// the calibration samples reaches this.
    public var minSQNR: Double?
    /// `--sensitivity`: rank the layers by the outputs' SQNR with only that layer quantized.
    public var sensitivity = false
    /// Receives progress lines (`calibrating: pass 1/2, sample 3/8`).
    public var progress: @Sendable (String) -> Void = { _ in }

    public init() {}

    /// Parses one `--observer` value: `NAME` (global) or `GLOB=NAME`.
    public mutating func addObserver(_ text: String) throws(QuantizationError) {
        if let eq = text.lastIndex(of: "=") {
            let glob = String(text[..<eq]), name = String(text[text.index(after: eq)...])
            try Self.check(name, in: text)
            guard !glob.isEmpty else { throw QuantizationError("--observer \(text): the glob before '=' is empty") }
            rules.append((glob, name))
        } else {
            try Self.check(text, in: text)
            observer = text
        }
    }

    static func check(_ name: String, in text: String) throws(QuantizationError) {
        guard Observers.names.contains(name) else {
            throw QuantizationError("--observer \(text): unknown observer '\(name)'; the observers are \(Observers.names.joined(separator: ", "))")
        }
    }

    /// The observer name for a tensor with these names.
    func observerName(for names: [String]) -> String {
        for r in rules where names.contains(where: { Glob.matches(r.glob, $0) }) { return r.observer }
        return observer
    }
}

public struct QuantizationError: Error, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "error: " + message }
}

/// Shell-style globs: `*` any run of characters, `?` one character.
public enum Glob {
    public static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern), t = Array(text)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == "?" || p[pi] == t[ti] { pi += 1; ti += 1 }
            else if pi < p.count, p[pi] == "*" { star = pi; mark = ti; pi += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; ti = mark }
            else { return false }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}

/// INT8 post-training quantization of Edge IR: plan → calibrate → choose ranges → rewrite to
/// QDQ Edge IR → measure (docs/quantization.md).
public enum Quantizer {
    /// Quantizes the main function of `module` in place and returns the report (per tensor:
    /// observer, range, parameters, saturated share, SQNR against float on the samples).
    public static func quantize(_ module: Module, samples: [CalibrationSample], options: QuantizationOptions) throws -> QuantizationReport {
        guard let function = module.mainFunction else { throw QuantizationError("the module has no function") }
        try check(samples, against: function)
        var ranking: [QuantizationReport.Sensitivity] = []
        if options.sensitivity || options.keepMostSensitive > 0 || options.minSQNR != nil {
            ranking = try sensitivity(module, samples: samples, options: options)
        }
        let ops = function.body.operations
        var keepCount = min(options.keepMostSensitive, ranking.count)
        var notes: [String] = []
        if let budget = options.minSQNR {
            var quiet = options
            quiet.progress = { _ in }
            var reached = false
            for n in keepCount...ranking.count {
                options.progress("--min-sqnr: trying \(n) float layer\(n == 1 ? "" : "s")\n")
                let copy = try IRParser.parse(IRPrinter(printLocations: true).print(module), fileName: "<copy>", blobs: module.blobs)
                let copyOps = copy.mainFunction!.body.operations
                let float = Set(ranking.prefix(n).map { ObjectIdentifier(copyOps[$0.index]) })
                let r = try quantize(copy, samples: samples, options: quiet) { float.contains(ObjectIdentifier($0)) || keptByGlob($0, options) }
                keepCount = n
                if (r.outputs.map(\.sqnr).min() ?? .infinity) >= budget { reached = true; break }
            }
            notes.append(reached ? "--min-sqnr \(budget): \(keepCount) layer\(keepCount == 1 ? "" : "s") kept float reach the budget"
                                 : "--min-sqnr \(budget): not reached even with every ranked layer float")
        }
        let sensitive = Set(ranking.prefix(keepCount).map { ObjectIdentifier(ops[$0.index]) })
        var report = try quantize(module, samples: samples, options: options) { op in
            sensitive.contains(ObjectIdentifier(op)) || keptByGlob(op, options)
        }
        report.sensitivity = ranking
        report.notes = notes
        return report
    }

    static func keptByGlob(_ op: EdgeIR.Operation, _ options: QuantizationOptions) -> Bool {
        guard !options.keepFloat.isEmpty else { return false }
        let names = Self.names(of: op)
        return options.keepFloat.contains { g in names.contains { Glob.matches(g, $0) } }
    }

    /// The layers with parameters of their own (weighted and compute ops), ranked by the worst
    /// output SQNR when that layer alone is quantized (calibrated and measured on a copy of the
    /// module), most sensitive first. Costs about four model runs per sample and layer.
    static func sensitivity(_ module: Module, samples: [CalibrationSample], options: QuantizationOptions) throws -> [QuantizationReport.Sensitivity] {
        let function = module.mainFunction!
        let ops = function.body.operations
        let plan = QuantizationPlan(function, int8Ops: options.int8Ops) { keptByGlob($0, options) }
        let layers = ops.indices.filter { i in
            guard plan.isQuantized(ops[i]), let role = QuantizableOps.role(of: ops[i]) else { return false }
            switch role { case .weighted, .compute: return true; default: return false }
        }
        var out: [QuantizationReport.Sensitivity] = []
        var quiet = options
        quiet.progress = { _ in }
        for (k, index) in layers.enumerated() {
            options.progress("sensitivity: layer \(k + 1)/\(layers.count) (\(names(of: ops[index]).first ?? ops[index].name))\n")
            let copy = try IRParser.parse(IRPrinter(printLocations: true).print(module), fileName: "<copy>", blobs: module.blobs)
            let target = ObjectIdentifier(copy.mainFunction!.body.operations[index])
            let r = try quantize(copy, samples: samples, options: quiet) { ObjectIdentifier($0) != target }
            out.append(.init(name: names(of: ops[index]).first ?? ops[index].name, op: ops[index].name, index: index,
                             outputSQNR: r.outputs.map(\.sqnr).min() ?? .infinity))
        }
        return out.sorted { ($0.outputSQNR, $0.index) < ($1.outputSQNR, $1.index) }
    }

    /// Quantizes with `keep` deciding the float ops.
    static func quantize(_ module: Module, samples: [CalibrationSample], options: QuantizationOptions,
                         keep: (EdgeIR.Operation) -> Bool) throws -> QuantizationReport {
        let function = module.mainFunction!
        let float = try IRParser.parse(IRPrinter(printLocations: true).print(module), fileName: "<float copy>", blobs: module.blobs)

        let plan = QuantizationPlan(function, int8Ops: options.int8Ops, keepFloat: keep)
        let stats = try calibrate(function, plan: plan, samples: samples, progress: options.progress)

        // Ranges per tensor, then the union per sharing group.
        var rows: [QuantizationReport.Tensor] = []
        var groupRange = Array(repeating: Optional<ClosedRange<Double>>.none, count: plan.groupCount)
        for (v, s) in zip(plan.activations, stats) {
            let names = tensorNames(v, in: function)
            var name = options.observerName(for: names)
            var range: ClosedRange<Double>
            if name == Observers.auto {
                if let p = v.definingOp, p.isOp(Ops.sigmoid) {
                    // A probability keeps its whole range: a post-processor's threshold must stay reachable.
                    name = Observers.minmax.name
                    range = s.min...s.max
                } else {
                    let (o, r) = Observers.chooseAuto(s, options.settings)
                    name = "auto:" + o.name
                    range = r
                }
            } else {
                range = Observers.named(name)!.range(s, options.settings)
            }
            if !(range.lowerBound.isFinite && range.upperBound.isFinite) { range = 0...0 }
            let g = plan.group(of: v)!
            if let p = v.definingOp, plan.isQuantized(p), QuantizableOps.role(of: p) == .passThrough, plan.group(of: p.operand(0)!) == g {
                // A pass-through output takes its input's parameters; its own range does not widen them.
                name = "shared"
            } else {
                groupRange[g] = groupRange[g].map { min($0.lowerBound, range.lowerBound)...max($0.upperBound, range.upperBound) } ?? range
            }
            rows.append(QuantizationReport.Tensor(name: names.first ?? "?", op: v.definingOp?.name ?? "input", observer: name,
                                                  observed: s.min...s.max, range: range, scale: 0, zeroPoint: 0, clipped: 0, sqnr: nil))
        }
        let parameters = groupRange.map { r in ActivationParameters(range: r?.lowerBound ?? 0, r?.upperBound ?? 0) }
        for i in rows.indices {
            let p = parameters[plan.group(of: plan.activations[i])!]
            rows[i].scale = p.scale
            rows[i].zeroPoint = p.zeroPoint
            if rows[i].observer == "shared" { rows[i].range = groupRange[plan.group(of: plan.activations[i])!] ?? rows[i].range }
            rows[i].clipped = stats[i].error(of: p.representable).clipped
            if stats[i].max == stats[i].min { rows[i].note = "constant range \(stats[i].min); scale \(p.scale)" }
        }

        let rewriter = Rewriter(function: function)
        try InsertQDQ.apply(plan, parameters: parameters, to: function, rewriter: rewriter)
        try QuantizeWeights.run(function, rewriter: rewriter, only: { plan.isQuantized($0) })
        try Verifier.verify(module)

        var report = QuantizationReport(tensors: rows, floatOps: plan.floatOps.map { (Self.names(of: $0.op).first ?? $0.op.name, $0.op.name, $0.reason) },
                                        quantizedOps: plan.ops.count, samples: samples.count)
        try measure(float: float, quantized: module, plan: plan, samples: samples, report: &report, progress: options.progress)
        return report
    }

    /// Names a rule may match for `op`: its node name(s) and its result's name.
    static func names(of op: EdgeIR.Operation) -> [String] {
        var out: [String] = []
        func collect(_ l: Location) {
            switch l {
            case .name(let n): out.append(n)
            case .fused(let ls): ls.forEach(collect)
            default: break
            }
        }
        collect(op.location)
        if let n = op.results.first?.nameHint { out.append(n) }
        return out
    }

    /// Names of an activation: its producer's names, or the input's name.
    static func tensorNames(_ v: Value, in f: Function) -> [String] {
        if let op = v.definingOp { return names(of: op) }
        guard let i = f.arguments.firstIndex(where: { $0 === v }) else { return [] }
        return [f.inputName(i) ?? "input \(i)"]
    }

    /// Every sample has one tensor per input with the input's element type and shape.
    static func check(_ samples: [CalibrationSample], against function: Function) throws {
        guard !samples.isEmpty else { throw QuantizationError("no calibration samples") }
        for s in samples {
            guard s.inputs.count == function.arguments.count else {
                throw QuantizationError("calibration sample \(s.name) has \(s.inputs.count) input\(s.inputs.count == 1 ? "" : "s"); the model takes \(function.arguments.count)")
            }
            for (i, (a, t)) in zip(function.arguments, s.inputs).enumerated() {
                guard t.dtype == a.type.element.storage, t.shape == a.type.staticShape else {
                    throw QuantizationError("calibration sample \(s.name), input \(i) '\(function.inputName(i) ?? "#\(i)")': expected \(TypeText.type(a.type)), got \(t.dtype.rawValue)\(t.shape)")
                }
            }
        }
    }

    /// Two passes over the samples: pass 1 the exact range of each planned activation, pass 2
    /// its histograms over that range. Memory: two histograms of ``Observers/bins`` per tensor,
    /// plus one sample's live tensors.
    static func calibrate(_ function: Function, plan: QuantizationPlan, samples: [CalibrationSample],
                          progress: (String) -> Void) throws -> [TensorStatistics] {
        let evaluator = IREvaluator(function)
        var index: [ObjectIdentifier: Int] = [:]
        for (i, v) in plan.activations.enumerated() { index[ObjectIdentifier(v)] = i }
        let wanted = Set(index.keys)
        var stats = Array(repeating: TensorStatistics(bins: Observers.bins), count: plan.activations.count)
        for pass in 1...2 {
            for (k, s) in samples.enumerated() {
                progress("calibrating: pass \(pass)/2 (\(pass == 1 ? "ranges" : "histograms")), sample \(k + 1)/\(samples.count) (\(s.name))\n")
                do {
                    _ = try evaluator.run(s.inputs, wanted: wanted) { v, t in
                        let i = index[ObjectIdentifier(v)]!
                        if pass == 1 {
                            stats[i].observeRange(t.floats())
                            if stats[i].nonFinite > 0 {
                                let name = tensorNames(v, in: function).first ?? "?"
                                throw QuantizationError("calibration sample \(s.name): tensor '\(name)' (\(v.definingOp?.name ?? "input")) has \(stats[i].nonFinite) NaN or infinite value\(stats[i].nonFinite == 1 ? "" : "s"); INT8 cannot represent them")
                            }
                        } else {
                            stats[i].observeHistogram(t.floats())
                        }
                    }
                } catch let e as QuantizationError { throw e } catch {
                    throw QuantizationError("calibration sample \(s.name): \(error)")
                }
            }
        }
        return stats
    }

    /// The SQNR of every quantized tensor and of the outputs, running the float and the QDQ
    /// IR on the samples. Tensors are matched by op order (quantization only inserts ops).
    static func measure(float: Module, quantized: Module, plan: QuantizationPlan, samples: [CalibrationSample],
                        report: inout QuantizationReport, progress: (String) -> Void) throws {
        guard let ff = float.mainFunction, let qf = quantized.mainFunction else { return }
        func layers(_ f: Function) -> [EdgeIR.Operation] {
            f.body.operations.filter { !($0.isOp(Ops.constant) || $0.isOp(Ops.quantize) || $0.isOp(Ops.dequantize) || $0.isOp(Ops.return)) }
        }
        let fl = layers(ff), ql = layers(qf)
        guard fl.count == ql.count, zip(fl, ql).allSatisfy({ $0.definition === $1.definition }) else { return }
        // Which row each tensor is, by its position among layer results (or argument index).
        var rowOf: [Int: Int] = [:]  // layer index (or -1 - argument) -> row
        let activations = plan.activations
        var layerIndex: [ObjectIdentifier: Int] = [:]
        for (i, op) in ql.enumerated() { layerIndex[ObjectIdentifier(op)] = i }
        for (r, v) in activations.enumerated() {
            if let op = v.definingOp, let i = layerIndex[ObjectIdentifier(op)] { rowOf[i] = r }
            else if let a = qf.arguments.firstIndex(where: { $0 === v }) { rowOf[-1 - a] = r }
        }
        // The tensor consumers of a quantized layer see: its output's dequantize when there is one.
        func seen(_ v: Value) -> Value {
            for u in v.uses where u.user.isOp(Ops.quantize) {
                if let dq = u.user.result.uses.first(where: { $0.user.isOp(Ops.dequantize) })?.user { return dq.result }
            }
            return v
        }
        var floatWanted: [ObjectIdentifier: Int] = [:], quantWanted: [ObjectIdentifier: Int] = [:]
        for (i, r) in rowOf {
            if i >= 0 {
                floatWanted[ObjectIdentifier(fl[i].result)] = r
                quantWanted[ObjectIdentifier(seen(ql[i].result))] = r
            } else {
                floatWanted[ObjectIdentifier(ff.arguments[-1 - i])] = r
                quantWanted[ObjectIdentifier(seen(qf.arguments[-1 - i]))] = r
            }
        }
        var signal = Array(repeating: 0.0, count: report.tensors.count), noise = signal
        var outSignal: [Double] = [], outNoise: [Double] = [], dot: [Double] = [], qq: [Double] = []
        let fe = IREvaluator(ff), qe = IREvaluator(qf)
        for (k, s) in samples.enumerated() {
            progress("measuring: sample \(k + 1)/\(samples.count) (\(s.name))\n")
            var reference: [Int: [Float]] = [:]
            let fo = try fe.run(s.inputs, wanted: Set(floatWanted.keys)) { v, t in reference[floatWanted[ObjectIdentifier(v)]!] = t.floats() }
            let qo = try qe.run(s.inputs, wanted: Set(quantWanted.keys)) { v, t in
                let r = quantWanted[ObjectIdentifier(v)]!
                guard let ref = reference[r] else { return }
                for (a, b) in zip(ref, t.floats()) {
                    signal[r] += Double(a) * Double(a)
                    noise[r] += Double(a - b) * Double(a - b)
                }
            }
            if outSignal.isEmpty { outSignal = Array(repeating: 0, count: fo.count); outNoise = outSignal; dot = outSignal; qq = outSignal }
            for (j, (a, b)) in zip(fo, qo).enumerated() where a.dtype.isFloatingPoint && b.dtype.isFloatingPoint {
                for (x, y) in zip(a.doubles(), b.doubles()) {
                    outSignal[j] += x * x
                    outNoise[j] += (x - y) * (x - y)
                    dot[j] += x * y
                    qq[j] += y * y
                }
            }
        }
        for r in report.tensors.indices where signal[r] > 0 || noise[r] > 0 { report.tensors[r].sqnr = sqnr(signal[r], noise[r]) }
        report.outputs = outSignal.indices.map { j in
            QuantizationReport.Output(name: ff.outputName(j) ?? "output \(j)", sqnr: sqnr(outSignal[j], outNoise[j]),
                                      cosine: outSignal[j] > 0 && qq[j] > 0 ? dot[j] / (outSignal[j].squareRoot() * qq[j].squareRoot()) : 1)
        }
    }

    static func sqnr(_ signal: Double, _ noise: Double) -> Double {
        noise == 0 ? Double.infinity : 10 * log10(signal / noise)
    }
}
