import EdgeIR
import EdgeProgram

// Constants and fills.

extension PortableLowering {
    static let constantRules: [PortableRule] = [
        PortableRule("edge.constant", [], "constant segment (no kernel)") { l, op throws(Unsupported) in try l.constant(op) },
        PortableRule("edge.full", [.full], "fill value as Double (floats), Int (integers) or Bool") { l, op throws(Unsupported) in try l.full(op) },
    ]

    mutating func full(_ op: Operation) throws(Unsupported) {
        let value = attrFloat(op, "value")
        let s = op.result.type.element.storage
        let b = builder
        let fill: Int32
        switch s {
        case .f32, .f64, .f16, .bf16: fill = b.double(value)
        case .bool: fill = b.bool(value != 0)
        default:
            guard value.isFinite, Swift.abs(value) < 9.2e18 else { throw Unsupported("fill value \(value) does not convert to \(s.rawValue)") }
            fill = b.int(Int(value.rounded(.towardZero)))
        }
        let o = try out(op.result)
        try call(.full, ["size": b.intList(dims(op.result)), "fill_value": fill, "out": o])
    }
}
