import EdgeProfile
import EdgeProgram
import EdgeQuantization

/// `edgec report`: one self-contained HTML file (inline CSS, SVG and a small zoom script; no
/// network access) with the graph by partition, the memory plan, the static cost, the latency
/// breakdown when measured, the op counts per optimization level for a model and, for a program
/// quantized by `edgec compile --quantize int8`, the per-layer quantization error.
public struct HTMLReport {
    public var title: String
    public var graph: ProgramGraph
    public var cost: StaticCost
    public var profile: ProfileReport?
    /// Rows of the op-count comparison: level, IR ops, kernel calls, calls by kernel.
    public var levels: [(level: String, irOps: Int, instructions: Int, units: [String: Int])]
    public var notes: [String]
    /// The quantizer's report the program recorded (``QuantizationReport/recordKey``).
    public var quantization: QuantizationReport?

    public init(title: String, graph: ProgramGraph, cost: StaticCost, profile: ProfileReport? = nil,
                levels: [(level: String, irOps: Int, instructions: Int, units: [String: Int])] = [], notes: [String] = [],
                quantization: QuantizationReport? = nil) {
        self.quantization = quantization
        self.title = title
        self.graph = graph
        self.cost = cost
        self.profile = profile
        self.levels = levels
        self.notes = notes
    }

    public func render() -> String {
        typealias M = Markup
        var colors = PartitionColors()
        let view = GraphView(graph)
        let graphSVG = GraphSVG.render(view, graph: graph, colors: &colors)
        let memory = MemoryLayout(graph)
        let memorySVG = MemorySVG.render(memory, graph: graph, colors: &colors)
        var html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        html += "<title>\(M.escape(title)) — edgec report</title>\n<style>\n\(Self.css)</style>\n</head>\n<body>\n"
        html += "<h1>\(M.escape(title))</h1>\n"
        let steps = graph.steps.count
        let partitions = Dictionary(grouping: graph.steps, by: { $0.unit.partition }).mapValues(\.count)
        html += "<p class=\"summary\">\(steps) instructions in \(view.boxes.filter { $0.kind == .steps }.count) boxes · "
        html += partitions.keys.sorted().map { "\(M.escape($0)): \(partitions[$0]!)" }.joined(separator: ", ")
        html += " · program \(M.escape(Format.bytes(cost.programBytes))) · arena \(M.escape(Format.bytes(cost.arenaBytes))) · constants \(M.escape(Format.bytes(cost.constantBytes))) · \(M.escape(Format.count(cost.totalMACs))) MACs</p>\n"
        for n in notes { html += "<p class=\"note\">\(M.escape(n))</p>\n" }
        html += "<nav><a href=\"#sec-graph\">graph</a> <a href=\"#sec-memory\">memory plan</a> "
        if profile != nil { html += "<a href=\"#sec-latency\">latency</a> " }
        html += "<a href=\"#sec-cost\">static cost</a>"
        if !levels.isEmpty { html += " <a href=\"#sec-levels\">-O0 vs -O2</a>" }
        if quantization != nil { html += " <a href=\"#sec-quantization\">quantization error</a>" }
        html += "</nav>\n"

        html += "<section id=\"sec-graph\"><h2>Graph</h2>\n<p>Boxes are instructions (linear chains collapsed), labelled <i>source node · kernel</i> and coloured by partition; edges carry tensor shapes. Scroll to zoom, drag to pan, double-click to fit. Hover a box for its instructions.</p>\n"
        html += "<div class=\"legend\">" + colors.assigned.map { "<span><i style=\"background:\($0.color)\"></i>\(M.escape($0.partition == "portable" ? "portable kernels" : "delegate " + $0.partition))</span>" }.joined() + "</div>\n"
        html += "<div class=\"viewport\" id=\"graph-viewport\">\n\(graphSVG)\n</div></section>\n"

        html += "<section id=\"sec-memory\"><h2>Memory plan</h2>\n<p>Each planned tensor is a rectangle: x is its lifetime over the instructions, y its offset in the arena. Arena \(M.escape(Format.bytes(memory.arenaBytes))), lower bound \(M.escape(Format.bytes(memory.lowerBound))) (reached at instruction \(memory.peakStep)), \(memory.buffers.count) buffers.</p>\n"
        html += "<div class=\"figure\">\(memorySVG)</div></section>\n"

        if let profile { html += latency(profile) }
        html += costSection()
        if !levels.isEmpty { html += levelsSection() }
        if let quantization { html += Self.quantizationSection(quantization) }
        html += "<script>\n\(Self.script)</script>\n</body>\n</html>\n"
        return html
    }

    func table(_ header: [String], _ rows: [[String]], numeric: Set<Int> = []) -> String {
        Self.table(header, rows, numeric: numeric)
    }

    static func table(_ header: [String], _ rows: [[String]], numeric: Set<Int> = []) -> String {
        var s = "<table><thead><tr>" + header.map { "<th>\(Markup.escape($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for r in rows {
            s += "<tr>" + r.enumerated().map { i, c in numeric.contains(i) ? "<td class=\"num\">\(Markup.escape(c))</td>" : "<td>\(Markup.escape(c))</td>" }.joined() + "</tr>\n"
        }
        return s + "</tbody></table>\n"
    }

    func latency(_ p: ProfileReport) -> String {
        typealias M = Markup
        var colors = PartitionColors()
        var s = "<section id=\"sec-latency\"><h2>Latency (\(M.escape(p.origin)))</h2>\n"
        if !p.totalTimes.isEmpty {
            let t = p.totalTimes.sorted()
            s += "<p>min \(Format.ms(t[0])) ms · median \(Format.ms(Stats.median(t))) ms · max \(Format.ms(t[t.count - 1])) ms over \(p.runs) runs"
            s += p.peakResidentBytes.map { " · peak RSS \(M.escape(Format.bytes($0)))" } ?? ""
            s += "</p>\n"
        }
        for n in p.notes { s += "<p class=\"note\">\(M.escape(n))</p>\n" }
        let rows = p.rows
        let top = rows.prefix(15)
        let longest = top.compactMap(\.median).max() ?? 1
        var bars = ""
        for (i, r) in top.enumerated() {
            let y = Double(i) * 20
            let w = (r.median ?? 0) / max(longest, 1e-9) * 500
            bars += M.element("text", [("x", "0"), ("y", M.num(y + 13)), ("class", "label")], M.escape(GraphSVG.clip("\(r.node) · \(r.unit.shortName)", 40)))
            bars += M.element("rect", [("x", "280"), ("y", M.num(y + 3)), ("width", M.num(max(1, w))), ("height", "14"), ("fill", colors.color(r.unit.partition))])
            bars += M.element("text", [("x", M.num(286 + w)), ("y", M.num(y + 13)), ("class", "label")],
                              M.escape("\(r.median.map(Format.ms) ?? "-") ms (\(String(format: "%.1f%%", r.share * 100)))"))
        }
        let h = Double(top.count) * 20 + 6
        s += M.element("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("id", "latency"), ("viewBox", "0 0 900 \(M.num(h))"), ("width", "900"), ("height", M.num(h))], bars) + "\n"
        s += "<h3>By kernel</h3>\n" + table(["kernel", "calls", "total ms", "share"], p.aggregates.map {
            [$0.unit.name, String($0.count), Format.ms($0.median), String(format: "%.1f%%", $0.share * 100)]
        }, numeric: [1, 2, 3])
        s += "<h3>Instructions (slowest first)</h3>\n" + table(["#", "node", "kernel", "output", "median ms", "share"], rows.map {
            [String($0.index), $0.node, $0.unit.name, $0.outputShape, $0.median.map(Format.ms) ?? "-", String(format: "%.1f%%", $0.share * 100)]
        }, numeric: [0, 4, 5])
        return s + "</section>\n"
    }

    func costSection() -> String {
        var s = "<section id=\"sec-cost\"><h2>Static cost (\(Markup.escape(cost.view)) view)</h2>\n"
        s += table(["total", "value"], [
            ["MACs", "\(Format.count(cost.totalMACs)) (\(cost.totalMACs))"],
            ["parameter bytes", "\(Format.bytes(cost.totalParameterBytes)) (\(cost.totalParameterBytes))"],
            ["activation bytes", "\(Format.bytes(cost.totalActivationBytes)) (\(cost.totalActivationBytes))"],
            ["program size", "\(Format.bytes(cost.programBytes)) (\(cost.programBytes))"],
            ["arena / lower bound", "\(Format.bytes(cost.arenaBytes)) / \(Format.bytes(cost.lowerBound))"],
            ["peak working set (arena + constants)", "\(Format.bytes(cost.peakWorkingSet)) (\(cost.peakWorkingSet))"],
        ])
        let heaviest = cost.layers.enumerated().sorted { (($0.element.macs ?? 0), -$0.offset) > (($1.element.macs ?? 0), -$1.offset) }.prefix(20)
        s += "<h3>Layers with the most MACs</h3>\n" + table(["#", "node", "op", "output", "MACs", "params", "activations"], heaviest.map { i, l in
            [String(i), l.node, l.op, l.outputShape, l.macs.map(Format.count) ?? "n/a", Format.bytes(l.parameterBytes), Format.bytes(l.activationBytes)]
        }, numeric: [0, 4, 5, 6])
        return s + "</section>\n"
    }

    func levelsSection() -> String {
        let units = Set(levels.flatMap(\.units.keys)).sorted()
        var rows = [["IR ops"] + levels.map { String($0.irOps) }, ["kernel calls"] + levels.map { String($0.instructions) }]
        for u in units { rows.append(["  " + u] + levels.map { String($0.units[u] ?? 0) }) }
        return "<section id=\"sec-levels\"><h2>Op counts by optimization level</h2>\n" + table([""] + levels.map(\.level), rows, numeric: Set(1 ... levels.count)) + "</section>\n"
    }

    /// Per quantized tensor (each quantized layer's output, in model order) its SQNR against
    /// float on the calibration samples, drawn worst first and listed with the observer, the
    /// range, the parameters and the saturated share; then the outputs, the float ops and the
    /// sensitivity ranking when the quantizer computed one.
    static func quantizationSection(_ q: QuantizationReport) -> String {
        typealias M = Markup
        var s = "<section id=\"sec-quantization\"><h2>Quantization error (INT8)</h2>\n"
        s += "<p>\(M.escape(q.summary)). SQNR is each tensor as the quantized model computes it against the float model on the calibration samples (errors accumulate from the inputs on); clipped is the share of calibration values outside the chosen range.</p>\n"
        for n in q.notes { s += "<p class=\"note\">\(M.escape(n))</p>\n" }
        if !q.outputs.isEmpty {
            s += "<h3>Outputs</h3>\n" + table(["output", "SQNR dB", "cosine"], q.outputs.map {
                [$0.name, QuantizationReport.db($0.sqnr), String(format: "%.6f", $0.cosine)]
            }, numeric: [1, 2])
        }
        let measured = q.tensors.filter { $0.sqnr != nil }
        if !measured.isEmpty {
            let worst = measured.sorted { ($0.sqnr!, $0.name) < ($1.sqnr!, $1.name) }.prefix(30)
            let finite = worst.compactMap(\.sqnr).filter(\.isFinite)
            let top = max(finite.max() ?? 1, 1)
            var bars = ""
            for (i, t) in worst.enumerated() {
                let y = Double(i) * 18, db = t.sqnr!
                let w = db.isFinite ? max(db, 0) / top * 420 : 420
                // Below 20 dB the error is about a tenth of the signal: worth a look.
                let fill = db < 20 ? "#d62728" : (t.clipped > 0.01 ? "#ff7f0e" : "#2ca02c")
                bars += M.element("text", [("x", "0"), ("y", M.num(y + 12)), ("class", "label")], M.escape(GraphSVG.clip("\(t.name) · \(t.op)", 44)))
                bars += M.element("rect", [("x", "310"), ("y", M.num(y + 2)), ("width", M.num(max(1, w))), ("height", "13"), ("fill", fill)])
                bars += M.element("text", [("x", M.num(316 + w)), ("y", M.num(y + 12)), ("class", "label")],
                                  M.escape("\(QuantizationReport.db(db)) dB" + (t.clipped > 0 ? String(format: ", %.2f%% clipped", t.clipped * 100) : "")))
            }
            let h = Double(worst.count) * 18 + 6
            s += "<h3>Lowest SQNR first</h3>\n<p class=\"note\">green: SQNR ≥ 20 dB and ≤ 1 % clipped; orange: more than 1 % of the values saturate; red: below 20 dB.</p>\n"
            s += M.element("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("id", "quantization-sqnr"), ("viewBox", "0 0 900 \(M.num(h))"), ("width", "900"), ("height", M.num(h))], bars) + "\n"
        }
        s += "<h3>Per tensor (model order)</h3>\n" + table(["tensor", "op", "observer", "observed", "range", "scale", "zp", "clipped", "SQNR dB"], q.tensors.map {
            [$0.name, $0.op, $0.observer, QuantizationReport.range($0.observed), QuantizationReport.range($0.range), QuantizationReport.g($0.scale),
             String($0.zeroPoint), String(format: "%.3f%%", $0.clipped * 100), $0.sqnr.map(QuantizationReport.db) ?? "-"]
        }, numeric: [5, 6, 7, 8])
        let notes = q.tensors.filter { $0.note != nil }
        for t in notes { s += "<p class=\"note\">\(M.escape(t.name)): \(M.escape(t.note!))</p>\n" }
        if !q.floatOps.isEmpty {
            s += "<h3>Ops kept in float</h3>\n" + table(["node", "op", "why"], q.floatOps.map { [$0.name, $0.op, $0.reason] })
        }
        if !q.sensitivity.isEmpty {
            s += "<h3>Sensitivity (outputs' SQNR with only this layer quantized, most sensitive first)</h3>\n"
                + table(["layer", "op", "output SQNR dB"], q.sensitivity.map { [$0.name, $0.op, QuantizationReport.db($0.outputSQNR)] }, numeric: [2])
        }
        return s + "</section>\n"
    }

    static let css = """
    body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #222; background: #fafafa; }
    h1 { font-size: 22px; margin: 0 0 6px; } h2 { font-size: 18px; margin: 28px 0 6px; } h3 { font-size: 15px; }
    .summary { color: #444; } .note { color: #666; font-size: 12px; margin: 2px 0; }
    nav a { margin-right: 12px; }
    .viewport { border: 1px solid #ccc; background: #fff; height: 640px; overflow: hidden; cursor: grab; position: relative; }
    .viewport svg { width: 100%; height: 100%; }
    .figure { background: #fff; border: 1px solid #ccc; display: inline-block; }
    .legend span { margin-right: 16px; font-size: 13px; } .legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: -1px; border: 1px solid #555; }
    .box { stroke: #333; stroke-width: 1; } .io { stroke: #333; stroke-width: 1; stroke-dasharray: 4 2; }
    .label { font: 11px ui-monospace, Menlo, Consolas, monospace; fill: #111; }
    .node .label { fill: #fff; } .io-label { font: 11px ui-monospace, Menlo, Consolas, monospace; fill: #111; }
    .edge { fill: none; stroke: #888; stroke-width: 1.2; } .shape { font: 9px ui-monospace, Menlo, monospace; fill: #555; }
    .plot { fill: #f4f4f4; stroke: #999; } .buffer { stroke: #222; stroke-width: 0.4; opacity: 0.85; }
    .lower-bound { stroke: #d62728; stroke-width: 1.5; stroke-dasharray: 6 3; } .axis { font: 11px system-ui, sans-serif; fill: #333; }
    table { border-collapse: collapse; margin: 6px 0 12px; background: #fff; } th, td { border: 1px solid #ddd; padding: 3px 8px; font-size: 12px; }
    th { background: #eee; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }

    """

    /// Zoom (wheel), pan (drag) and fit (double-click) on the graph's viewBox.
    static let script = """
    (function () {
      var svg = document.getElementById('graph');
      var port = document.getElementById('graph-viewport');
      if (!svg || !port) return;
      var full = svg.getAttribute('viewBox').split(' ').map(Number);
      svg.removeAttribute('width'); svg.removeAttribute('height');
      var vb = full.slice();
      // Fit: the whole width at most at 1.2x; a tall graph starts at its top.
      function fitWidth() {
        var pw = Math.max(port.clientWidth, 1), ph = Math.max(port.clientHeight, 1);
        var scale = Math.min(pw / full[2], 1.2);
        if (full[3] * scale < ph) scale = Math.min(scale, ph / full[3]);
        var w = pw / scale, h = ph / scale;
        vb = [full[0] - (w - full[2]) / 2, full[1], w, h];
        apply();
      }
      function apply() { svg.setAttribute('viewBox', vb.join(' ')); }
      port.addEventListener('wheel', function (e) {
        e.preventDefault();
        var r = port.getBoundingClientRect();
        var mx = vb[0] + (e.clientX - r.left) / r.width * vb[2];
        var my = vb[1] + (e.clientY - r.top) / r.height * vb[3];
        var k = e.deltaY > 0 ? 1.15 : 1 / 1.15;
        vb = [mx - (mx - vb[0]) * k, my - (my - vb[1]) * k, vb[2] * k, vb[3] * k];
        apply();
      }, { passive: false });
      var drag = null;
      port.addEventListener('mousedown', function (e) { drag = [e.clientX, e.clientY, vb[0], vb[1]]; });
      window.addEventListener('mouseup', function () { drag = null; });
      window.addEventListener('mousemove', function (e) {
        if (!drag) return;
        var r = port.getBoundingClientRect();
        vb[0] = drag[2] - (e.clientX - drag[0]) / r.width * vb[2];
        vb[1] = drag[3] - (e.clientY - drag[1]) / r.height * vb[3];
        apply();
      });
      port.addEventListener('dblclick', fitWidth);
      fitWidth();
    })();

    """
}
