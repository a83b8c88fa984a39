import EdgeProfile
import EdgeProgram

/// The program's dataflow as boxes and edges, ready to draw: instructions grouped into boxes
/// (linear chains collapsed), the plan's inputs and outputs as their own boxes, and a layered
/// top-to-bottom layout.
///
/// A step joins its predecessor's box when it reads tensors from that one step only, that
/// step's results go to it alone (and are not plan outputs), and both run on the same
/// partition, up to ``maxChain`` steps: `Conv_0 → Relu_1 → MaxPool_2` is one box, a residual
/// add is not.
public struct GraphView: Sendable {
    public enum Kind: Sendable, Hashable { case input, output, steps }

    public struct Box: Sendable, Hashable {
        public var id: Int
        public var kind: Kind
        /// The instructions in the box, in order (empty for inputs and outputs).
        public var steps: [Int]
        /// One line per instruction (or the input/output name and shape).
        public var lines: [String]
        public var partition: String
        public var layer = 0
        public var x = 0.0, y = 0.0, width = 0.0, height = 0.0
    }

    public struct Edge: Sendable, Hashable {
        public var from: Int
        public var to: Int
        /// The tensor shapes on the edge (`f32[1,16,32,32]`).
        public var label: String
    }

    public private(set) var boxes: [Box] = []
    public private(set) var edges: [Edge] = []
    public private(set) var width = 0.0, height = 0.0

    /// Lines shown per box before `+N more`.
    public static let maxLines = 4
    /// The most instructions one box collapses (a longer chain continues in the next box), so
    /// every box shows all its instructions.
    public static let maxChain = 4
    static let boxWidth = 270.0, lineHeight = 14.0, padding = 8.0, layerGap = 46.0, columnGap = 30.0, margin = 20.0, skipRoom = 160.0

    public init(_ graph: ProgramGraph) {
        let plan = graph.plan
        let outputs = Set(plan.outputs)
        var boxOfStep: [Int] = []
        var boxOfValue: [Int32: Int] = [:]
        // Inputs.
        for (i, v) in plan.inputs.enumerated() {
            let name = plan.ioNames.map { i < $0.inputs.count ? $0.inputs[i] : "input \(i)" } ?? "input \(i)"
            boxes.append(Box(id: boxes.count, kind: .input, steps: [], lines: ["input \(name)", graph.shapeText(v)], partition: "io"))
            boxOfValue[v] = boxes.count - 1
        }
        // Steps, collapsing chains.
        for s in graph.steps {
            let producers = Set(s.reads.compactMap { graph.producer[$0] })
            var joined: Int?
            if producers.count == 1, let p = producers.first, p < boxOfStep.count {
                let pred = graph.steps[p]
                let onlyToMe = pred.writes.allSatisfy { w in !outputs.contains(w) && (graph.consumers[w] ?? []).allSatisfy { $0 == s.index } }
                let b = boxOfStep[p]
                if onlyToMe, boxes[b].steps.last == p, boxes[b].steps.count < Self.maxChain, pred.unit.partition == s.unit.partition, !s.reads.contains(where: { plan.inputs.contains($0) }) {
                    joined = b
                }
            }
            let line = Self.line(node: graph.nodeLabel(s.index), kernel: s.unit.shortName)
            if let b = joined {
                boxes[b].steps.append(s.index)
                boxes[b].lines.append(line)
                boxOfStep.append(b)
            } else {
                boxes.append(Box(id: boxes.count, kind: .steps, steps: [s.index], lines: [line], partition: s.unit.partition))
                boxOfStep.append(boxes.count - 1)
            }
            for w in s.writes { boxOfValue[w] = boxOfStep[s.index] }
        }
        // Edges between boxes, one per (from, to) with the shapes of the tensors carried.
        var edgeLabels: [[Int]: [String]] = [:]
        var edgeOrder: [[Int]] = []
        func connect(_ from: Int, _ to: Int, _ v: Int32) {
            guard from != to else { return }
            let key = [from, to]
            if edgeLabels[key] == nil { edgeOrder.append(key); edgeLabels[key] = [] }
            let shape = graph.shapeText(v)
            if !edgeLabels[key]!.contains(shape) { edgeLabels[key]!.append(shape) }
        }
        for s in graph.steps {
            for v in s.reads { if let from = boxOfValue[v] { connect(from, boxOfStep[s.index], v) } }
        }
        for (i, v) in plan.outputs.enumerated() {
            let name = plan.ioNames.map { i < $0.outputs.count ? $0.outputs[i] : "output \(i)" } ?? "output \(i)"
            boxes.append(Box(id: boxes.count, kind: .output, steps: [], lines: ["output \(name)", graph.shapeText(v)], partition: "io"))
            if let from = boxOfValue[v] { connect(from, boxes.count - 1, v) }
        }
        edges = edgeOrder.map { Edge(from: $0[0], to: $0[1], label: edgeLabels[$0]!.joined(separator: ", ")) }
        layout()
    }

    /// Characters of a box line.
    public static let lineLength = 36

    /// `node · kernel`, the node cut from the front (`…ures.1.0/Conv · convolution`) so the
    /// line fits and the node's most specific part stays; the whole name is in the tooltip.
    public static func line(node: String, kernel: String) -> String {
        let room = max(8, lineLength - kernel.count - 3)
        let shown = node.count <= room ? node : "…" + String(node.suffix(room - 1))
        return shown + " · " + kernel
    }

    /// The lines a box shows: up to ``maxLines``, then `+N more`.
    public static func shownLines(_ box: Box) -> [String] {
        guard box.lines.count > maxLines else { return box.lines }
        return Array(box.lines.prefix(maxLines - 1)) + ["+\(box.lines.count - maxLines + 1) more"]
    }

    /// Longest-path layers (boxes are created in a topological order), then each layer ordered
    /// by the mean x of its predecessors and centred.
    mutating func layout() {
        var preds = [[Int]](repeating: [], count: boxes.count)
        for e in edges { preds[e.to].append(e.from) }
        for b in boxes.indices {
            boxes[b].layer = preds[b].map { boxes[$0].layer + 1 }.max() ?? 0
            let lines = Double(Self.shownLines(boxes[b]).count)
            boxes[b].width = Self.boxWidth
            boxes[b].height = lines * Self.lineHeight + 2 * Self.padding
        }
        let layers = (boxes.map(\.layer).max() ?? -1) + 1
        var members = [[Int]](repeating: [], count: layers)
        for b in boxes.indices { members[boxes[b].layer].append(b) }
        let widest = members.map(\.count).max() ?? 0
        // Room on the right for edges that skip layers and their shape labels.
        width = Double(widest) * (Self.boxWidth + Self.columnGap) - Self.columnGap + 2 * Self.margin + Self.skipRoom
        var y = Self.margin
        for l in 0 ..< layers {
            let order = members[l].map { b -> (Double, Int) in
                let xs = preds[b].map { boxes[$0].x }
                return (xs.isEmpty ? Double(b) : xs.reduce(0, +) / Double(xs.count), b)
            }.sorted { $0 < $1 }.map(\.1)
            let rowWidth = Double(order.count) * (Self.boxWidth + Self.columnGap) - Self.columnGap
            var x = (width - Self.skipRoom - rowWidth) / 2
            var rowHeight = 0.0
            for b in order {
                boxes[b].x = x
                boxes[b].y = y
                x += Self.boxWidth + Self.columnGap
                rowHeight = max(rowHeight, boxes[b].height)
            }
            y += rowHeight + Self.layerGap
        }
        height = max(y - Self.layerGap + Self.margin, 2 * Self.margin)
    }
}
