import EdgeIR
import EdgeProgram

// Views (no kernel), copies that move data (permute, expand, repeat, concat, split) and padding.

extension PortableLowering {
    static let layoutRules: [PortableRule] = [
        viewRule("edge.reshape"),
        viewRule("edge.flatten"),
        viewRule("edge.squeeze"),
        viewRule("edge.unsqueeze"),
        PortableRule("edge.permute", [.permuteCopy]) { l, op throws(Unsupported) in
            let o = try l.out(op.result)
            try l.call(.permuteCopy, ["self": l.t(op.operand(0)!), "dims": l.builder.intList(l.attrInts(op, "dims")), "out": o])
        },
        PortableRule("edge.concat", [.cat]) { l, op throws(Unsupported) in
            let o = try l.out(op.result)
            let b = l.builder
            let list = b.tensorList(op.presentOperands.map(l.t))
            try l.call(.cat, ["tensors": list, "dim": b.int(l.attrInt(op, "axis")), "out": o])
        },
        PortableRule("edge.expand", [.expandCopy], "size = the result shape, implicit = false; a view when no dim grows") { l, op throws(Unsupported) in
            let x = op.operand(0)!
            l.bind(op.result, try l.view(try l.expand(l.t(x), l.dims(x), to: l.dims(op.result)), l.dims(op.result)))
        },
        PortableRule("edge.repeat", [.repeat]) { l, op throws(Unsupported) in
            let o = try l.out(op.result)
            try l.call(.repeat, ["self": l.t(op.operand(0)!), "repeats": l.builder.intList(l.attrInts(op, "repeats")), "out": o])
        },
        PortableRule("edge.split", [.splitWithSizesCopy], "outs as a TensorList, repeated as the return value") { l, op throws(Unsupported) in
            let x = op.operand(0)!
            var outs: [Int32] = []
            for r in op.results { outs.append(try l.out(r)) }
            let b = l.builder
            try l.call(.splitWithSizesCopy, ["self": l.t(x), "split_sizes": b.intList(l.attrInts(op, "sizes")),
                                             "dim": b.int(l.axis(l.attrInt(op, "dim"), x)), "out": b.tensorList(outs)])
        },
        PortableRule("edge.pad", [.constantPadNd, .sliceCopy] + reflectionPads + replicationPads,
                     "constant: `constant_pad_nd` (negative amounts crop first with `slice_copy`); reflect / replicate: `reflection_padNd` / `replication_padNd` on a view with N padded dims (N ≤ 3)") { l, op throws(Unsupported) in
            try l.pad(op)
        },
    ]

    /// The `reflection_padNd` / `replication_padNd` kernels by N - 1.
    static let reflectionPads: [ATenKernel] = [.reflectionPad1d, .reflectionPad2d, .reflectionPad3d]
    static let replicationPads: [ATenKernel] = [.replicationPad1d, .replicationPad2d, .replicationPad3d]

    /// An op whose result is a view of its operand with the result's shape (no kernel).
    static func viewRule(_ op: String) -> PortableRule {
        PortableRule(op, [], "view (no kernel)") { l, op throws(Unsupported) in l.bind(op.result, try l.view(l.t(op.operand(0)!), l.dims(op.result))) }
    }

    /// `x` (viewed as `dims`) broadcast to `target` with `expand_copy` (implicit = false); no-op when equal.
    mutating func expand(_ x: Int32, _ dims: [Int], to target: [Int]) throws(Unsupported) -> Int32 {
        if dims.reduce(1, *) == target.reduce(1, *) { return x }
        let source = try view(x, dims)
        let o = temp(builder.tensor(x).scalarType, target)
        try call(.expandCopy, ["self": source, "size": builder.intList(target), "out": o])
        return o
    }

    mutating func pad(_ op: Operation) throws(Unsupported) {
        let x = op.operand(0)!
        var pad = attrInts(op, "pad")
        let mode = attrString(op, "mode")
        let rank = x.type.rank
        var source = t(x)
        var d = dims(x)
        let type = scalar(x)
        // Trailing (outermost) all-zero pairs pad nothing.
        while pad.count >= 2 && pad[pad.count - 1] == 0 && pad[pad.count - 2] == 0 { pad.removeLast(2) }
        if pad.isEmpty { return bind(op.result, source) }
        if mode == "constant" {
            // Negative amounts crop: slice those dims first.
            for k in 0 ..< pad.count / 2 where pad[2 * k] < 0 || pad[2 * k + 1] < 0 {
                let dim = rank - 1 - k
                let start = max(-pad[2 * k], 0), end = d[dim] - max(-pad[2 * k + 1], 0)
                var nd = d
                nd[dim] = max(end - start, 0)
                let cropped = temp(type, nd)
                try sliceCopy(source, dim: dim, start: start, end: max(end, start), step: 1, into: cropped)
                source = cropped
                d = nd
                pad[2 * k] = max(pad[2 * k], 0)
                pad[2 * k + 1] = max(pad[2 * k + 1], 0)
            }
            if pad.allSatisfy({ $0 == 0 }) {
                // Only cropping: the last slice result is the value.
                if source == t(x) { return bind(op.result, source) }
                return bind(op.result, try view(source, dims(op.result)))
            }
            let o = try out(op.result)
            try call(.constantPadNd, ["self": source, "pad": builder.intList(pad), "value": builder.double(attrFloat(op, "value")), "out": o])
            return
        }
        // reflection_padNd / replication_padNd take exactly N pairs on an input of rank N+1 or N+2:
        // view the input as [outer, last N dims] (and the output likewise).
        let n = pad.count / 2
        guard n <= 3 else { throw Unsupported("\(mode) padding of \(n) dims is not supported (at most 3)") }
        let kernel = (mode == "reflect" ? Self.reflectionPads : Self.replicationPads)[n - 1]
        let inner = Array(d.suffix(n)), outer = d.dropLast(n).reduce(1, *)
        let result = dims(op.result)
        let outDims = [outer] + Array(result.suffix(n))
        let o = temp(type, outDims)
        try call(kernel, ["self": try view(source, [outer] + inner), "padding": builder.intList(pad), "out": o])
        bind(op.result, try view(o, result))
    }
}
