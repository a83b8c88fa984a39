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

/// Every node table's fields land in the slots flatc names them by: one node per table with a
/// distinct number in every field, decoded by flatc with Grammar/xnnpack.fbs and compared by name.
@Suite struct XNNPACKNodeFieldTests {
    /// (node, expected JSON fields of its union table).
    static var samples: [(XNode, [String: Double])] {
        let p = XNNPadding2D(top: 1, right: 2, bottom: 3, left: 4)
        let pads: [String: Double] = ["padding_top": 1, "padding_right": 2, "padding_bottom": 3, "padding_left": 4]
        return [
            (.binary(.subtract, 11, 12, output: 13), ["input1_id": 11, "input2_id": 12, "output_id": 13, "flags": 0]),
            (.unary(.sigmoid, 21, output: 22, flags: 23), ["input_id": 21, "output_id": 22, "flags": 23]),
            (XNode(.depthwiseConv2d, .convolution(XNNConvolution(
                padding: p, kernelHeight: 5, kernelWidth: 6, subsamplingHeight: 7, subsamplingWidth: 8, dilationHeight: 9,
                dilationWidth: 10, groupInputChannels: 11, groupOutputChannels: 12, groups: 13, adjustmentHeight: 14,
                adjustmentWidth: 15, input: 16, filter: 17, bias: 18, output: 19, flags: 20))),
             pads.merging(["kernel_height": 5, "kernel_width": 6, "subsampling_height": 7, "subsampling_width": 8,
                           "dilation_height": 9, "dilation_width": 10, "group_input_channels": 11, "group_output_channels": 12,
                           "groups": 13, "adjustment_height": 14, "adjustment_width": 15, "input1_id": 16, "filter_id": 17,
                           "bias_id": 18, "output_id": 19, "flags": 20]) { _, _ in Double.nan }),
            (XNode(.maxPooling2d, .pooling(XNNPooling2D(padding: p, poolingHeight: 5, poolingWidth: 6, strideHeight: 7, strideWidth: 8,
                                                        dilationHeight: 9, dilationWidth: 10, input: 11, output: 12, flags: 13))),
             pads.merging(["pooling_height": 5, "pooling_width": 6, "stride_height": 7, "stride_width": 8, "dilation_height": 9,
                           "dilation_width": 10, "input_id": 11, "output_id": 12, "flags": 13]) { _, _ in Double.nan }),
            (.concatenate(XNNConcatenate(axis: 1, inputs: [2, 3, 4, 5, 6], output: 7, flags: 8)),
             ["axis": 1, "input1_id": 2, "input2_id": 3, "input3_id": 4, "input4_id": 5, "input5_id": 6, "output_id": 7, "flags": 8]),
            (.concatenate(XNNConcatenate(axis: 1, inputs: [2, 3], output: 7)),
             ["axis": 1, "input1_id": 2, "input2_id": 3, "input3_id": 4_294_967_295, "input4_id": 4_294_967_295,
              "input5_id": 4_294_967_295, "output_id": 7]),
            (XNode(.fullyConnected, .fullyConnected(XNNFullyConnected(input: 1, filter: 2, bias: nil, output: 4, flags: 5))),
             ["input1_id": 1, "filter_id": 2, "bias_id": 4_294_967_295, "output_id": 4, "flags": 5]),
            (XNode(.staticTranspose, .staticTranspose(XNNStaticTranspose(perm: [1, 0], input: 3, output: 4, flags: 5))),
             ["num_dims": 2, "input_id": 3, "output_id": 4, "flags": 5]),
            (XNode(.staticResizeBilinear2D, .staticResizeBilinear2D(XNNStaticResizeBilinear2D(newHeight: 1, newWidth: 2, input: 3, output: 4, flags: 5))),
             ["new_height": 1, "new_width": 2, "input_id": 3, "output_id": 4, "flags": 5]),
            (XNode(.staticConstantPad, .staticConstantPad(XNNStaticConstantPad(prePaddings: [1], postPaddings: [2], paddingValue: -1.5,
                                                                              input: 3, output: 4, flags: 5))),
             ["padding_value": -1.5, "input_id": 3, "output_id": 4, "flags": 5]),
            (XNode(.staticReshape, .staticReshape(XNNStaticReshape(newShape: [6, 1, 2], input: 3, output: 4, flags: 5))),
             ["num_dims": 3, "input_id": 3, "output_id": 4, "flags": 5]),
            (XNode(.staticSlice, .staticSlice(XNNStaticSlice(offsets: [1, 2], sizes: [3, 4], input: 5, output: 6, flags: 7))),
             ["num_dims": 2, "input_id": 5, "output_id": 6, "flags": 7]),
            (XNode(.argMaxPooling2d, .argMaxPooling2d(XNNArgMaxPooling2d(padding: p, poolingHeight: 5, poolingWidth: 6, input: 7,
                                                                         outputValue: 8, outputIndex: 9, flags: 10))),
             pads.merging(["pooling_height": 5, "pooling_width": 6, "input_id": 7, "output_value_id": 8, "output_index_id": 9,
                           "flags": 10]) { _, _ in Double.nan }),
            (XNode(.leakyReLU, .unaryWithParameter(XNNUnaryWithParameter(0.25, input: 2, output: 3, flags: 4))),
             ["negative_slope": 0.25, "input_id": 2, "output_id": 3, "flags": 4]),
            (XNode(.elu, .unaryWithParameter(XNNUnaryWithParameter(0.75, input: 2, output: 3, flags: 4))),
             ["alpha": 0.75, "input_id": 2, "output_id": 3, "flags": 4]),
            (XNode(.scaledDotProductAttention, .scaledDotProductAttention(XNNScaledDotProductAttention(
                query: 1, key: 2, value: 3, scale: 4, mask: 5, output: 6, flags: 7))),
             ["query_id": 1, "key_id": 2, "value_id": 3, "scale_id": 4, "mask_id": 5, "output_id": 6, "flags": 7]),
        ]
    }

    @Test func everyTableMatchesFlatcByName() throws {
        let flatc = try #require(FlatcDecodesPrograms.flatc(), "flatc is not installed (Scripts/setup.sh installs it)")
        var g = XNNGraph()
        for (node, _) in Self.samples { g.addNode(node) }
        // The field structs round-trip through the reader (decode is the inverse of the writer's slot order).
        #expect(try XNNPayloadReader.decodeForTesting(g.flatBuffer()).nodes == g.nodes)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("edgec-xnnf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bin = dir.appendingPathComponent("nodes.bin")
        try Data(g.flatBuffer()).write(to: bin)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: flatc)
        p.arguments = ["--json", "--raw-binary", "--strict-json", "--defaults-json", "-o", dir.path,
                       XNNPACKSchemaTests.root.appendingPathComponent("Grammar/xnnpack.fbs").path, "--", bin.path]
        try p.run()
        p.waitUntilExit()
        try #require(p.terminationStatus == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("nodes.json"))) as? [String: Any])
        let nodes = try #require(json["xnodes"] as? [[String: Any]])
        #expect(nodes.count == Self.samples.count)
        for ((node, expected), decoded) in zip(Self.samples, nodes) {
            #expect(decoded["xnode_union_type"] as? String == node.type.name)
            let fields = try #require(decoded["xnode_union"] as? [String: Any])
            for (name, value) in expected {
                #expect((fields[name] as? NSNumber)?.doubleValue == value, "\(node.type.name).\(name) = \(fields[name] ?? "absent")")
            }
        }
        #expect((nodes[7]["xnode_union"] as? [String: Any])?["perm"] as? [Int] == [1, 0])
        #expect((nodes[9]["xnode_union"] as? [String: Any])?["post_paddings"] as? [Int] == [2])
        #expect((nodes[11]["xnode_union"] as? [String: Any])?["sizes"] as? [Int] == [3, 4])
    }
}
