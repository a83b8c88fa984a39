import EdgeProgram
import FlatBuffers
import Foundation
import Testing

/// Grammar/xnnpack.fbs and edgec's slot tables agree with ExecuTorch's schema: every table's
/// slots, every union number and enum value match `xnngraph_schema_slots.txt` (generated from
/// ExecuTorch 1.5.1's schema.fbs), and flatc decodes edgec's payloads with Grammar/xnnpack.fbs.
@Suite struct XNNPACKSchemaTests {
    static let root = FlatcDecodesPrograms.root

    /// `name -> [slot: field]` and the union/enum lines of the reference listing.
    static func reference() throws -> (tables: [String: [Int: String]], lines: [String]) {
        let text = try String(contentsOf: XNNSamples.folder.appendingPathComponent("xnngraph_schema_slots.txt"), encoding: .utf8)
        var tables: [String: [Int: String]] = [:]
        var lines: [String] = []
        for line in text.split(separator: "\n").map(String.init) where !line.hasPrefix("#") {
            guard line.hasPrefix("table ") else { lines.append(line); continue }
            let name = String(line.dropFirst(6).prefix { $0 != ":" })
            var fields: [Int: String] = [:]
            let body = line.drop { $0 != ":" }.dropFirst()
            // "0:storage([ubyte] deprecated, force_align: 16), 1:xnode_union(XNodeUnion)": split on "N:" tokens.
            let regex = try Regex(#"(\d+):([A-Za-z0-9_]+)\(([^)]*)\)"#)
            for m in String(body).matches(of: regex) {
                let slot = Int(m.output[1].substring ?? "") ?? -1
                let field = String(m.output[2].substring ?? "")
                let info = String(m.output[3].substring ?? "")
                fields[slot] = info.contains("deprecated") ? "deprecated:" + field : field
            }
            tables[name] = fields
        }
        return (tables, lines)
    }

    @Test func everyTableSlotMatchesExecuTorch() throws {
        let (tables, _) = try Self.reference()
        #expect(XNNSchema.allTables.count == 26)
        for table in XNNSchema.allTables {
            let expected = try #require(tables[table.name], "table \(table.name) is not in the reference schema")
            var mine: [Int: String] = [:]
            for f in table.fields {
                if case .union = f.kind {
                    mine[f.slot] = f.name + "_type"
                    mine[f.slot + 1] = f.name
                } else {
                    mine[f.slot] = f.name
                }
            }
            for (slot, name) in mine { #expect(expected[slot] == name, "\(table.name) slot \(slot)") }
            // Every reference field edgec leaves out is deprecated.
            for (slot, name) in expected where mine[slot] == nil {
                #expect(name.hasPrefix("deprecated:"), "\(table.name) slot \(slot) \(name) is missing")
            }
        }
    }

    @Test func unionNumbersAndEnumValuesMatchExecuTorch() throws {
        let (_, lines) = try Self.reference()
        let nodes = XNNNodeType.allCases.map { t in
            "\(t.rawValue)=\(t.name)" + (t.table.rawValue == t.name ? "" : ":\(t.table.rawValue)")
        }
        #expect(lines.contains("union XNodeUnion: " + nodes.joined(separator: ", ")))
        let quant: [XNNQuantParams] = [.perChannel(XNNPerChannelQuant(channelDim: 0, numScales: 0)), .perTensor(scale: 1, zeroPoint: 0),
                                       .perTokenDynamic(numNonbatchDims: 1),
                                       .perChannelGroup(XNNPerChannelGroupQuant(channelDim: 0, groupSize: 1, numScales: 0))]
        #expect(lines.contains("union XNNQuantParams: " + quant.map { "\($0.tag)=\($0.name)" }.joined(separator: ", ")))
        #expect(lines.contains("union XValueUnion: 1=XNNTensorValue, 2=XNNQuantizedTensorValue"))
        let types = XNNDatatype.allCases.map { "xnn_datatype_\($0)=\($0.rawValue)" }
        #expect(lines.contains("enum XNNDatatype (short): " + types.joined(separator: ", ")))
    }

    @Test func grammarFileListsTheSameUnionOrder() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("Grammar/xnnpack.fbs"), encoding: .utf8)
        let body = try #require(text.range(of: "union XNodeUnion {").map { text[$0.upperBound...] })
        let members = body.prefix { $0 != "}" }.split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .map { String($0.prefix { $0 != ":" && $0 != "," }) }
        #expect(members == XNNNodeType.allCases.map(\.name))
    }

    @Test func flatcDecodesEdgecPayloads() throws {
        let flatc = try #require(FlatcDecodesPrograms.flatc(), "flatc is not installed (Scripts/setup.sh installs it)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("edgec-xnn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bin = dir.appendingPathComponent("graph.bin")
        try Data(XNNSamples.convNet.flatBuffer()).write(to: bin)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: flatc)
        p.arguments = ["--json", "--raw-binary", "--strict-json", "--defaults-json", "-o", dir.path,
                       Self.root.appendingPathComponent("Grammar/xnnpack.fbs").path, "--", bin.path]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        // flatc prints non-finite floats as bare `inf`, which is not JSON: quote them.
        let text = try String(contentsOf: dir.appendingPathComponent("graph.json"), encoding: .utf8)
            .replacing(try Regex(#"([:\[,\s])(-?)inf\b"#)) { "\($0.output[1].substring ?? "")\"\($0.output[2].substring ?? "")inf\"" }
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(json["num_externs"] as? Int == 2)
        let nodes = try #require(json["xnodes"] as? [[String: Any]])
        #expect(nodes.map { $0["xnode_union_type"] as? String } ==
                ["XNNStaticTranspose", "XNNConv2d", "XNNGlobalAvgPooling2d", "XNNStaticReshape", "XNNFullyConnected"])
        let conv = try #require(nodes[1]["xnode_union"] as? [String: Any])
        #expect(conv["kernel_height"] as? Int == 3 && conv["padding_left"] as? Int == 1 && conv["bias_id"] as? Int == 3)
        let fc = try #require(nodes[4]["xnode_union"] as? [String: Any])
        #expect(fc["bias_id"] as? Int == 0xFFFF_FFFF)
        let minMax = try #require(nodes[1]["output_min_max"] as? [String: Any])
        #expect(minMax["output_min"] as? Double == 0 && minMax["output_max"] as? String == "inf")
        let values = try #require(json["xvalues"] as? [[String: Any]])
        let v0 = try #require(values[0]["xvalue_union"] as? [String: Any])
        #expect(v0["datatype"] as? String == "xnn_datatype_fp32" && v0["flags"] as? Int == 1 && v0["external_id"] as? Int == 0)
        let v1 = try #require(values[1]["xvalue_union"] as? [String: Any])
        #expect(v1["external_id"] as? Int == 0xFFFF_FFFF)
        let constants = try #require(json["constant_data"] as? [[String: Any]])
        #expect(constants.count == 4 && constants[1]["size"] as? Int == 432)
    }
}
