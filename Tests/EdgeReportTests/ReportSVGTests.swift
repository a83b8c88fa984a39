import EdgeProfile
import EdgeProgram
import EdgeReport
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// x → relu → t1 → sigmoid → t2; add(t1, t2) → t3 → neg → t4 (output). relu's result has two
/// readers and add has two producers, so only add → neg collapses into one box.
func diamondPlan() -> ExecutionPlan {
    func t(_ offset: UInt64) -> EValue { .tensor(TensorValue(scalarType: .float, sizes: [1, 4], allocation: Allocation(memoryID: 1, offset: offset))) }
    let values: [EValue] = [t(0), t(16), t(32), t(0), t(48), .double(1)]
    let ops = [Operator(name: "aten::relu", overload: "out"), Operator(name: "aten::sigmoid", overload: "out"),
               Operator(name: "aten::add", overload: "out"), Operator(name: "aten::neg", overload: "out")]
    let instructions: [Instruction] = [.kernelCall(opIndex: 0, args: [0, 1, 1]), .kernelCall(opIndex: 1, args: [1, 2, 2]),
                                       .kernelCall(opIndex: 2, args: [1, 2, 5, 3, 3]), .kernelCall(opIndex: 3, args: [3, 4, 4])]
    let frames = ["Relu_0", "Sigmoid_1", "Add_2", "Neg_<3>"].map { FrameList([Frame(name: $0)]) }
    return ExecutionPlan(values: values, inputs: [0], outputs: [4], operators: ops, instructions: instructions,
                         nonConstBufferSizes: [0, 64], ioNames: IONames(inputs: ["x"], outputs: ["y"]), stacktrace: frames)
}

/// Whether `text` parses as XML.
func isWellFormedXML(_ text: String) -> Bool {
    let parser = XMLParser(data: Data(text.utf8))
    return parser.parse()
}

/// The number of times `needle` occurs in `text`.
func occurrences(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

@Suite struct ReportSVGTests {
    @Test func graphCollapsesOnlyLinearChains() {
        let view = GraphView(ProgramGraph(diamondPlan()))
        #expect(view.boxes.map(\.kind) == [.input, .steps, .steps, .steps, .output])
        #expect(view.boxes.filter { $0.kind == .steps }.map(\.steps) == [[0], [1], [2, 3]])
        #expect(view.edges.map { [$0.from, $0.to] } == [[0, 1], [1, 2], [1, 3], [2, 3], [3, 4]])
        #expect(view.edges.allSatisfy { $0.label == "f32[1,4]" })
        // Layers: input, relu, sigmoid, add+neg, output.
        #expect(view.boxes.map(\.layer) == [0, 1, 2, 3, 4])
    }

    @Test func graphSVGText() {
        let graph = ProgramGraph(diamondPlan())
        var colors = PartitionColors()
        let svg = GraphSVG.render(GraphView(graph), graph: graph, colors: &colors)
        #expect(isWellFormedXML(svg))
        #expect(occurrences("<g class=\"node\"", in: svg) == 3)
        #expect(occurrences("<g class=\"edge-group\"", in: svg) == 5)
        #expect(svg.contains(">Relu_0 · relu</text>"))
        #expect(svg.contains(">Add_2 · add</text><text"))
        // Node names are escaped, in labels and tooltips.
        #expect(svg.contains("Neg_&lt;3&gt; · neg"))
        #expect(!svg.contains("Neg_<3>"))
        #expect(svg.contains("<title>#2 Add_2: aten::add.out → f32[1,4]\n#3 Neg_&lt;3&gt;: aten::neg.out → f32[1,4]</title>"))
        #expect(occurrences("fill=\"#4e79a7\"", in: svg) == 3)  // portable
        #expect(colors.assigned.map(\.partition) == ["portable"])
        // The same program gives the same bytes.
        var again = PartitionColors()
        #expect(GraphSVG.render(GraphView(graph), graph: graph, colors: &again) == svg)
    }

    @Test func delegatesGetTheirOwnColours() {
        var colors = PartitionColors()
        let portable = colors.color("portable"), xnn = colors.color("XnnpackBackend"), other = colors.color("VulkanBackend")
        #expect(Set([portable, xnn, other]).count == 3)
        #expect(colors.color("XnnpackBackend") == xnn)
    }

    @Test func memorySVGText() {
        let graph = ProgramGraph(diamondPlan())
        let layout = MemoryLayout(graph)
        #expect(layout.buffers.count == 5)
        #expect(layout.lowerBound == 48)  // t1, t2 and t3 at instruction 2
        #expect(layout.peakStep == 2)
        var colors = PartitionColors()
        let svg = MemorySVG.render(layout, graph: graph, colors: &colors)
        #expect(isWellFormedXML(svg))
        #expect(occurrences("class=\"buffer\"", in: svg) == 5)
        // Arena 64 bytes over 320 px: the bound at 48 bytes is 240 px above the plot's bottom (y 340).
        #expect(svg.contains("<line x1=\"70\" y1=\"100\" x2=\"930\" y2=\"100\" class=\"lower-bound\"/>"))
        // t3 lives at instructions 2–3, offset 0: x from 70 + 2/4·860 = 500, 430 wide, 80 high at the bottom.
        #expect(svg.contains("<rect x=\"500\" y=\"260\" width=\"430\" height=\"80\" fill=\"#4e79a7\" class=\"buffer\"><title>%3 f32[1,4] 16 bytes at offset 0, instructions 2–3, written by Add_2</title></rect>"))
        #expect(svg.contains("plan input"))
    }

    @Test func htmlIsSelfContained() {
        let plan = diamondPlan()
        let graph = ProgramGraph(plan)
        let cost = StaticCost.of(program: Program(plans: [plan]), programBytes: 100)!
        let html = HTMLReport(title: "diamond <test>", graph: graph, cost: cost,
                              levels: [("-O0", 5, 5, ["aten::relu.out": 1]), ("-O2", 4, 4, ["aten::relu.out": 1])]).render()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<title>diamond &lt;test&gt; — edgec report</title>"))
        for section in ["sec-graph", "sec-memory", "sec-cost", "sec-levels"] { #expect(html.contains("id=\"\(section)\"")) }
        #expect(!html.contains("id=\"sec-latency\""))
        // Nothing is fetched: no external script, stylesheet, image or font.
        for external in ["<script src", "<link", "http://", "https://", "url(http", "@import"] where external != "http://" {
            #expect(!html.contains(external), "\(external)")
        }
        #expect(html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").range(of: "http") == nil)
        #expect(occurrences("<script>", in: html) == 1)
    }
}
