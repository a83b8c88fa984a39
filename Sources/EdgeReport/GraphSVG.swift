import EdgeProfile

/// The graph view as SVG: a box per group of instructions, filled by partition (portable
/// kernels, each delegate backend), labelled `node · kernel`; edges carry tensor shapes.
/// Each box has a `<title>` listing every instruction it holds (a tooltip in browsers).
public enum GraphSVG {
    public static func render(_ view: GraphView, graph: ProgramGraph, colors: inout PartitionColors) -> String {
        typealias M = Markup
        var body = ""
        // Edges first, so boxes cover their ends.
        for e in view.edges {
            let a = view.boxes[e.from], b = view.boxes[e.to]
            let d: String, lx: Double, ly: Double
            if b.layer - a.layer <= 1 {
                let x1 = a.x + a.width / 2, y1 = a.y + a.height, x2 = b.x + b.width / 2, y2 = b.y
                let bend = max(20, (y2 - y1) / 2)
                d = "M\(M.num(x1)),\(M.num(y1)) C\(M.num(x1)),\(M.num(y1 + bend)) \(M.num(x2)),\(M.num(y2 - bend)) \(M.num(x2)),\(M.num(y2))"
                // The label sits just above the target box, where edges into one box do not overlap.
                lx = x2 + 4
                ly = y2 - 6
            } else {
                // An edge that skips layers (a residual) leaves and enters on the right side, bowing
                // out past the boxes it passes, so it is not hidden behind them.
                let x1 = a.x + a.width, y1 = a.y + a.height / 2, x2 = b.x + b.width, y2 = b.y + b.height / 2
                let out = max(x1, x2) + 28 + 8 * Double(min(b.layer - a.layer, 6))
                d = "M\(M.num(x1)),\(M.num(y1)) C\(M.num(out)),\(M.num(y1)) \(M.num(out)),\(M.num(y2)) \(M.num(x2 + 2)),\(M.num(y2))"
                lx = out - 6
                ly = (y1 + y2) / 2
            }
            var g = M.element("path", [("d", d), ("class", "edge"), ("marker-end", "url(#arrow)")])
            g += M.element("text", [("x", M.num(lx)), ("y", M.num(ly)), ("class", "shape")], M.escape(e.label))
            body += M.element("g", [("class", "edge-group"), ("data-from", String(e.from)), ("data-to", String(e.to))], g) + "\n"
        }
        for box in view.boxes {
            let fill = box.kind == .steps ? colors.color(box.partition) : "#ffffff"
            var g = M.element("title", [], M.escape(tooltip(box, graph)))
            g += M.element("rect", [("x", M.num(box.x)), ("y", M.num(box.y)), ("width", M.num(box.width)), ("height", M.num(box.height)),
                                    ("rx", box.kind == .steps ? "4" : "12"), ("fill", fill), ("class", box.kind == .steps ? "box" : "io")])
            for (i, line) in GraphView.shownLines(box).enumerated() {
                let y = box.y + GraphView.padding + GraphView.lineHeight * Double(i) + 11
                g += M.element("text", [("x", M.num(box.x + GraphView.padding)), ("y", M.num(y)), ("class", box.kind == .steps ? "label" : "io-label")],
                               M.escape(clip(line, GraphView.lineLength + 2)))
            }
            let kind = box.kind == .steps ? "node" : (box.kind == .input ? "input" : "output")
            body += M.element("g", [("class", kind), ("data-partition", box.partition), ("data-steps", box.steps.map(String.init).joined(separator: " "))], g) + "\n"
        }
        let defs = "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#666\"/></marker></defs>\n"
        return M.element("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("id", "graph"), ("class", "zoomable"),
                                 ("viewBox", "0 0 \(M.num(view.width)) \(M.num(view.height))"),
                                 ("width", M.num(view.width)), ("height", M.num(view.height))], "\n" + defs + body)
    }

    /// Every instruction of a box with its kernel and output shape.
    static func tooltip(_ box: GraphView.Box, _ graph: ProgramGraph) -> String {
        guard box.kind == .steps else { return box.lines.joined(separator: " ") }
        return box.steps.map { k in "#\(k) \(graph.nodeLabel(k)): \(graph.steps[k].unit.name) → \(graph.outputShapes(k))" }.joined(separator: "\n")
    }

    /// `s` cut to `n` characters with an ellipsis.
    static func clip(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }
}

/// The memory plan as SVG: each planned buffer a rectangle (x: its lifetime over instructions,
/// y: its arena offset, height: its bytes), the arena's top and the lower bound as lines.
public enum MemorySVG {
    public static let plotWidth = 860.0, plotHeight = 320.0, left = 70.0, top = 20.0, bottom = 40.0

    public static func render(_ layout: MemoryLayout, graph: ProgramGraph, colors: inout PartitionColors) -> String {
        typealias M = Markup
        let steps = Double(max(layout.steps, 1))
        let arena = Double(max(layout.arenaBytes, layout.buffers.map { $0.offset + $0.size }.max() ?? 0, 1))
        func x(_ step: Double) -> Double { left + step / steps * plotWidth }
        func y(_ bytes: Double) -> Double { top + plotHeight - bytes / arena * plotHeight }
        var body = ""
        body += M.element("rect", [("x", M.num(left)), ("y", M.num(top)), ("width", M.num(plotWidth)), ("height", M.num(plotHeight)), ("class", "plot")]) + "\n"
        for b in layout.buffers where b.size > 0 {
            let producer = b.values.compactMap { graph.producer[$0] }.first
            let fill = producer.map { colors.color(graph.steps[$0].unit.partition) } ?? "#bab0ac"
            let title = "%\(b.values.map(String.init).joined(separator: ", %")) \(graph.shapeText(b.values[0])) \(b.size) bytes at offset \(b.offset), "
                + "instructions \(b.firstUse)–\(b.lastUse)" + (producer.map { ", written by \(graph.nodeLabel($0))" } ?? ", plan input")
            let rect = M.element("rect", [("x", M.num(x(Double(b.firstUse)))), ("y", M.num(y(Double(b.offset + b.size)))),
                                          ("width", M.num(max(1, x(Double(b.lastUse + 1)) - x(Double(b.firstUse))))),
                                          ("height", M.num(max(1, Double(b.size) / arena * plotHeight))),
                                          ("fill", fill), ("class", "buffer")], M.element("title", [], M.escape(title)))
            body += rect + "\n"
        }
        let ly = y(Double(layout.lowerBound))
        body += M.element("line", [("x1", M.num(left)), ("y1", M.num(ly)), ("x2", M.num(left + plotWidth)), ("y2", M.num(ly)), ("class", "lower-bound")]) + "\n"
        body += M.element("text", [("x", M.num(left + plotWidth - 4)), ("y", M.num(ly - 4)), ("class", "axis"), ("text-anchor", "end")],
                          M.escape("lower bound \(Format.bytes(layout.lowerBound))")) + "\n"
        body += M.element("text", [("x", M.num(left - 6)), ("y", M.num(top + 10)), ("class", "axis"), ("text-anchor", "end")], M.escape(Format.bytes(Int(arena)))) + "\n"
        body += M.element("text", [("x", M.num(left - 6)), ("y", M.num(top + plotHeight)), ("class", "axis"), ("text-anchor", "end")], "0") + "\n"
        body += M.element("text", [("x", M.num(left)), ("y", M.num(top + plotHeight + 16)), ("class", "axis")], "instruction 0") + "\n"
        body += M.element("text", [("x", M.num(left + plotWidth)), ("y", M.num(top + plotHeight + 16)), ("class", "axis"), ("text-anchor", "end")],
                          "instruction \(max(layout.steps - 1, 0))") + "\n"
        body += M.element("text", [("x", M.num(left + plotWidth / 2)), ("y", M.num(top + plotHeight + 32)), ("class", "axis"), ("text-anchor", "middle")],
                          "lifetime (instructions) →   y: arena offset (bytes)") + "\n"
        let w = left + plotWidth + 20, h = top + plotHeight + bottom
        return M.element("svg", [("xmlns", "http://www.w3.org/2000/svg"), ("id", "memory"), ("viewBox", "0 0 \(M.num(w)) \(M.num(h))"),
                                 ("width", M.num(w)), ("height", M.num(h))], "\n" + body)
    }
}
