import EdgeQuantization
@testable import EdgeReport
import Foundation
import Testing

/// The report's quantization section, from a recorded report (the bytes `edgec compile
/// --quantize int8` stores in the program).
@Suite struct QuantizationSectionTests {
    static let recorded = """
    {"floatOps":[{"name":"/head/Softmax","op":"edge.softmax","reason":"no quantized form"}],"notes":["kept 1 layer float"],
     "outputs":[{"cosine":0.99991,"name":"logits","sqnr":31.25}],"quantizedOps":3,"samples":8,
     "sensitivity":[{"index":4,"name":"/fc/Gemm","op":"edge.linear","outputSQNR":33.5}],
     "tensors":[
      {"clipped":0,"name":"input","observed":[-2.5,2.5],"observer":"auto:minmax","op":"input","range":[-2.5,2.5],"scale":0.0196,"sqnr":"inf","zeroPoint":0},
      {"clipped":0.042,"name":"/conv<1>","observed":[0,9],"observer":"auto:percentile","op":"edge.conv2d","range":[0,4],"scale":0.0157,"sqnr":12.5,"zeroPoint":-128,"note":"range widened to 0"},
      {"clipped":0,"name":"/fc/Gemm","observed":[-3,3],"observer":"mse","op":"edge.linear","range":[-3,3],"scale":0.0235,"sqnr":38.01,"zeroPoint":0}]}
    """

    @Test func sectionListsEveryTensorWorstFirstInTheChart() throws {
        let report = try #require(QuantizationReport.record(Array(Self.recorded.utf8)))
        #expect(report.tensors.count == 3 && report.tensors[0].sqnr == .infinity)
        // Encoding again and decoding gives the same report.
        let again = try #require(QuantizationReport.record(report.recordBytes))
        #expect(again.recordBytes == report.recordBytes)

        let html = HTMLReport.quantizationSection(report)
        #expect(isWellFormedXML("<root>" + html + "</root>"))
        // Names are escaped in the table and the chart.
        #expect(html.contains("<td>/conv&lt;1&gt;</td>") && !html.contains("/conv<1>"))
        // The chart: the lowest SQNR first (12.5 dB, red, with its clipped share), then 38.01, then inf.
        let chart = try #require(html.components(separatedBy: "id=\"quantization-sqnr\"").dropFirst().first?.components(separatedBy: "</svg>").first)
        let order = ["12.50 dB, 4.20% clipped", "38.01 dB", "inf dB"].map { chart.range(of: $0)?.lowerBound }
        #expect(order.allSatisfy { $0 != nil })
        #expect(order[0]! < order[1]! && order[1]! < order[2]!)
        #expect(occurrences("fill=\"#d62728\"", in: chart) == 1)
        #expect(occurrences("fill=\"#2ca02c\"", in: chart) == 2)
        // The table in model order, with its columns.
        let table = try #require(html.components(separatedBy: "Per tensor (model order)").dropFirst().first)
        #expect(table.range(of: "<td>input</td>")!.lowerBound < table.range(of: "<td>/fc/Gemm</td>")!.lowerBound)
        #expect(table.contains("<td>auto:percentile</td><td>[0, 9]</td><td>[0, 4]</td><td class=\"num\">0.0157</td><td class=\"num\">-128</td><td class=\"num\">4.200%</td><td class=\"num\">12.50</td>"))
        #expect(html.contains("/conv&lt;1&gt;: range widened to 0"))
        #expect(html.contains("<td>logits</td><td class=\"num\">31.25</td><td class=\"num\">0.999910</td>"))
        #expect(html.contains("<td>/head/Softmax</td><td>edge.softmax</td><td>no quantized form</td>"))
        #expect(html.contains("<td>/fc/Gemm</td><td>edge.linear</td><td class=\"num\">33.50</td>"))
        #expect(html.contains("kept 1 layer float"))
    }

    @Test func bytesThatAreNotAReportAreNone() {
        #expect(QuantizationReport.record(Array("{\"tensors\": 3}".utf8)) == nil)
        #expect(QuantizationReport.record([0xff, 0x00]) == nil)
    }
}
