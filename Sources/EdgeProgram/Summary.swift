import Foundation

/// Human-readable and JSON descriptions of a loaded program (`edgec inspect`).
public enum ProgramSummary {
    /// One value as text: `Tensor FLOAT[1,3,8,8] arena 1 @ 256`, `Int 3`, `IntList [%4, %5]`.
    public static func describe(_ value: EValue) -> String {
        switch value {
        case .null: return "Null"
        case .int(let v): return "Int \(v)"
        case .bool(let v): return "Bool \(v)"
        case .double(let v): return "Double \(v)"
        case .string(let s): return "String \"\(s)\""
        case .intList(let items): return "IntList [" + items.map { "%\($0)" }.joined(separator: ", ") + "]"
        case .doubleList(let items): return "DoubleList \(items)"
        case .boolList(let items): return "BoolList \(items)"
        case .tensorList(let items): return "TensorList [" + items.map { "%\($0)" }.joined(separator: ", ") + "]"
        case .optionalTensorList(let items): return "OptionalTensorList [" + items.map { "%\($0)" }.joined(separator: ", ") + "]"
        case .tensor(let t):
            var s = "Tensor \(t.scalarType)[" + t.sizes.map(String.init).joined(separator: ",") + "]"
            if t.shapeDynamism == 1 { s += " dynamic (bound)" } else if t.shapeDynamism == 2 { s += " dynamic (unbound)" }
            if t.dataBufferIndex != 0 { s += " constant #\(t.dataBufferIndex)" }
            if let a = t.allocation { s += " arena \(a.memoryID) @ \(a.offset) (\(t.byteCount ?? 0) bytes)" }
            return s
        }
    }

    /// What a delegate holds: for XNNPACK, the graph's constant bytes and node counts by type.
    public static func delegateFacts(_ d: BackendDelegate) -> [String: Any] {
        var facts: [String: Any] = ["id": d.id, "payload_bytes": d.processed.count,
                                    "location": d.location == .inline ? "INLINE" : "SEGMENT"]
        if !d.compileSpecs.isEmpty { facts["compile_specs"] = d.compileSpecs.map(\.key) }
        guard d.id == BackendDelegate.xnnpackID else { return facts }
        do {
            let g = try XNNPayloadReader.read(d.processed)
            facts["constant_bytes"] = Int(g.constantBytes)
            facts["payload_constant_bytes"] = g.constantRegion.count
            facts["named_constants"] = g.constantData.dropFirst().filter { $0.namedKey != nil }.count
            facts["values"] = g.values.count
            facts["precision"] = g.precision
            facts["int8_constant_bytes"] = Int(g.quantizedConstantBytes)
            facts["node_count"] = g.nodes.count
            facts["nodes"] = Dictionary(uniqueKeysWithValues: g.nodeCounts.map { ($0.name, $0.count) })
        } catch {
            facts["error"] = error.message
        }
        return facts
    }

    static func delegateLine(_ d: BackendDelegate) -> String {
        let f = delegateFacts(d)
        var s = "\(d.id), \(d.processed.count) payload bytes (\(f["location"] ?? ""))"
        if let e = f["error"] { return s + ", unreadable: \(e)" }
        guard let nodes = f["node_count"] as? Int else { return s }
        s += ", \(f["constant_bytes"] ?? 0) constant bytes (\(f["payload_constant_bytes"] ?? 0) in the payload, \(f["named_constants"] ?? 0) named)"
        if let p = f["precision"] as? String, p != "fp32" { s += ", \(p), \(f["int8_constant_bytes"] ?? 0) quantized constant bytes" }
        s += ", \(f["values"] ?? 0) values, \(nodes) nodes: "
        let counts = (f["nodes"] as? [String: Int] ?? [:]).sorted { $0.key < $1.key }
        return s + counts.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    /// The `inspect` text report.
    public static func text(_ loaded: LoadedProgram) -> String {
        let p = loaded.program
        var out = "program: version \(p.version), \(p.plans.count) plan\(p.plans.count == 1 ? "" : "s"), FlatBuffer \(loaded.flatBufferSize) bytes\n"
        if let h = loaded.header {
            out += "extended header: program size \(h.programSize), segment base offset \(h.segmentBaseOffset), segment data \(h.segmentDataSize) bytes\n"
        } else {
            out += "extended header: none\n"
        }
        out += "segments: \(loaded.segmentSizes.map { "\($0) bytes" }.joined(separator: ", "))\n"
        if let info = CompileInfo.of(p) { out += "compiled by: \(info.text)\n" }
        if !p.namedData.isEmpty {
            out += "named data: \(p.namedData.count) blob\(p.namedData.count == 1 ? "" : "s"), \(p.namedData.reduce(0) { $0 + $1.data.count }) bytes\n"
        }
        out += "constant buffers: \(p.constantBuffers.count) (\(p.constantBuffers.reduce(0) { $0 + $1.count }) bytes with padding)\n"
        for plan in p.plans {
            out += "\nplan \"\(plan.name)\": \(plan.values.count) values, \(plan.instructions.count) instructions, \(plan.operators.count) operators\n"
            out += "memory plan: non_const_buffer_sizes \(plan.nonConstBufferSizes)\n"
            for (kind, list, names) in [("input", plan.inputs, plan.ioNames?.inputs), ("output", plan.outputs, plan.ioNames?.outputs)] {
                for (i, v) in list.enumerated() {
                    let name = names.map { " \"\($0[i])\"" } ?? ""
                    out += "  \(kind) \(i)\(name): %\(v) \(describe(plan.values[Int(v)]))\n"
                }
            }
            if !plan.delegates.isEmpty { out += "delegates:\n" }
            for (i, d) in plan.delegates.enumerated() { out += "  \(i): " + delegateLine(d) + "\n" }
            out += "operators:\n"
            for (i, op) in plan.operators.enumerated() { out += "  \(i): \(op.qualifiedName)\n" }
            out += "instructions:" + (plan.stacktrace == nil ? "" : " (source node after @)") + "\n"
            let calls = plan.instructions.enumerated().map { i, instruction -> String in
                switch instruction {
                case let .kernelCall(op, args):
                    return "  \(i): \(plan.operators[Int(op)].qualifiedName)(" + args.map { "%\($0)" }.joined(separator: ", ") + ")"
                case let .delegateCall(d, args):
                    return "  \(i): delegate \(d) (\(plan.delegates[Int(d)].id))(" + args.map { "%\($0)" }.joined(separator: ", ") + ")"
                case let .jumpFalse(condition, destination):
                    if case .bool(false) = plan.values[Int(condition)] { return "  \(i): jump to \(destination)" }
                    return "  \(i): jump to \(destination) unless %\(condition)"
                case let .move(from, to):
                    return "  \(i): move %\(from) -> %\(to)"
                }
            }
            let width = calls.map(\.count).max() ?? 0
            for (i, call) in calls.enumerated() {
                if let source = plan.source(ofInstruction: i) {
                    out += call.padding(toLength: width, withPad: " ", startingAt: 0) + "  @ \(source)\n"
                } else {
                    out += call + "\n"
                }
            }
            out += "values:\n"
            for (i, v) in plan.values.enumerated() { out += "  %\(i) = \(describe(v))\n" }
        }
        return out
    }

    /// A `Frame` as JSON, with only the fields it has.
    static func frameJSON(_ f: Frame) -> [String: Any] {
        var d: [String: Any] = [:]
        if let n = f.name { d["name"] = n }
        if let file = f.filename { d["filename"] = file }
        if f.lineno != 0 { d["lineno"] = Int(f.lineno) }
        if let c = f.context { d["context"] = c }
        return d
    }

    /// The `inspect --json` report.
    public static func json(_ loaded: LoadedProgram) -> String {
        let p = loaded.program
        var root: [String: Any] = [
            "version": Int(p.version),
            "flatbuffer_size": loaded.flatBufferSize,
            "segment_sizes": loaded.segmentSizes,
            "constant_buffer_sizes": p.constantBuffers.map(\.count),
        ]
        if let info = CompileInfo.of(p) {
            var record: [String: Any] = ["compiler": info.compiler, "options": info.options]
            if let m = info.model { record["model"] = m }
            root["compile_info"] = record
        }
        if !p.namedData.isEmpty { root["named_data"] = p.namedData.map { ["key": $0.key, "bytes": $0.data.count] } }
        if let h = loaded.header {
            root["extended_header"] = ["program_size": Int(h.programSize), "segment_base_offset": Int(h.segmentBaseOffset),
                                       "segment_data_size": Int(h.segmentDataSize)]
        }
        root["plans"] = p.plans.map { plan -> [String: Any] in
            var d: [String: Any] = [
                "name": plan.name,
                "inputs": plan.inputs.map(Int.init),
                "outputs": plan.outputs.map(Int.init),
                "non_const_buffer_sizes": plan.nonConstBufferSizes.map(Int.init),
                "operators": plan.operators.map(\.qualifiedName),
                "instructions": plan.instructions.enumerated().map { k, i -> [String: Any] in
                    var d: [String: Any]
                    switch i {
                    case let .kernelCall(op, args): d = ["operator": plan.operators[Int(op)].qualifiedName, "op_index": Int(op), "args": args.map(Int.init)]
                    case let .delegateCall(di, args): d = ["delegate": plan.delegates[Int(di)].id, "delegate_index": Int(di), "args": args.map(Int.init)]
                    case let .jumpFalse(c, dest): d = ["jump_false": ["cond_value_index": Int(c), "destination_instruction": Int(dest)]]
                    case let .move(from, to): d = ["move": ["move_from": Int(from), "move_to": Int(to)]]
                    }
                    if let st = plan.stacktrace, k < st.count {
                        let frames = st[k]
                        d["source"] = frames.text ?? NSNull()
                        d["frames"] = frames.items.map(frameJSON)
                    }
                    return d
                },
                "values": plan.values.map { v -> [String: Any] in
                    var d: [String: Any] = ["type": v.kindName, "text": describe(v)]
                    if let t = v.tensor {
                        d["scalar_type"] = t.scalarType.description
                        d["sizes"] = t.sizes.map(Int.init)
                        if t.dataBufferIndex != 0 { d["data_buffer_idx"] = Int(t.dataBufferIndex) }
                        if let a = t.allocation { d["memory_id"] = Int(a.memoryID); d["offset"] = Int(a.offset) }
                    }
                    return d
                },
            ]
            if let names = plan.ioNames { d["input_names"] = names.inputs; d["output_names"] = names.outputs }
            if !plan.delegates.isEmpty { d["delegates"] = plan.delegates.map(delegateFacts) }
            return d
        }
        let data = (try? JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
