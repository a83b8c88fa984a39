/// Shape arithmetic shared by the op type rules.
public enum ShapeRules {
    /// Numpy broadcasting of two shapes. Static sizes must match or be 1; a symbolic size
    /// broadcasts against 1 or itself; two different symbols give an anonymous dimension.
    public static func broadcast(_ a: [Dim], _ b: [Dim]) throws(OpError) -> [Dim] {
        let rank = max(a.count, b.count)
        var out: [Dim] = []
        out.reserveCapacity(rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? Dim.known(1) : a[i - (rank - a.count)]
            let db = i < rank - b.count ? Dim.known(1) : b[i - (rank - b.count)]
            switch (da, db) {
            case (.known(let x), .known(let y)):
                if x == y || y == 1 { out.append(da) } else if x == 1 { out.append(db) } else {
                    throw OpError("shapes \(describe(a)) and \(describe(b)) do not broadcast (dimension \(i): \(x) vs \(y))")
                }
            case (.known(1), .symbolic): out.append(db)
            case (.symbolic, .known(1)): out.append(da)
            case (.known, .symbolic): out.append(da)
            case (.symbolic, .known): out.append(db)
            case (.symbolic(let x), .symbolic(let y)): out.append(x == y ? da : .unknown)
            }
        }
        return out
    }

    /// Normalizes a possibly negative axis against `rank`.
    public static func axis(_ axis: Int, rank: Int, what: String = "axis") throws(OpError) -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < max(rank, 1) else {
            throw OpError("\(what) \(axis) is out of range for rank \(rank)")
        }
        return a
    }

    /// ``axis(_:rank:what:)`` for an op that reads the size of that dim: a rank-0 tensor has none.
    public static func existingAxis(_ axis: Int, rank: Int, what: String = "axis") throws(OpError) -> Int {
        guard rank > 0 else { throw OpError("\(what) \(axis) names a dim, but the input is a rank-0 tensor (it has none)") }
        return try self.axis(axis, rank: rank, what: what)
    }

    /// The shape as written in text: `[1,3,?,?n]`.
    public static func describe(_ shape: [Dim]) -> String {
        "[" + shape.map(describe).joined(separator: ",") + "]"
    }

    public static func describe(_ d: Dim) -> String {
        switch d {
        case .known(let v): return String(v)
        case .symbolic(let s): return "?" + s
        }
    }

    /// The output size of a sliding window: `floor((in + pads - dilation*(k-1) - 1)/stride) + 1`
    /// (or `ceil` with `ceilMode`, where the last window must start inside the input or left padding).
    public static func windowOutput(
        _ input: Dim, kernel: Int, stride: Int, padBegin: Int, padEnd: Int, dilation: Int, ceilMode: Bool = false
    ) throws(OpError) -> Dim {
        guard kernel > 0, stride > 0, dilation > 0, padBegin >= 0, padEnd >= 0 else {
            throw OpError("kernel, stride and dilation must be positive and padding non-negative (kernel \(kernel), stride \(stride), dilation \(dilation), padding \(padBegin),\(padEnd))")
        }
        guard case .known(let n) = input else { return .unknown }
        let effective = dilation * (kernel - 1) + 1
        let span = n + padBegin + padEnd - effective
        guard span >= 0 else {
            throw OpError("window of \(effective) (kernel \(kernel), dilation \(dilation)) is larger than the padded input \(n + padBegin + padEnd)")
        }
        var out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
        if ceilMode && (out - 1) * stride >= n + padBegin { out -= 1 }
        return .known(out)
    }

    /// Expands a 2-element (symmetric) or 4-element (`[top, left, bottom, right]`) padding list.
    public static func padding2d(_ p: [Int]) throws(OpError) -> (top: Int, left: Int, bottom: Int, right: Int) {
        switch p.count {
        case 2: return (p[0], p[1], p[0], p[1])
        case 4: return (p[0], p[1], p[2], p[3])
        default: throw OpError("padding must have 2 ([h, w]) or 4 ([top, left, bottom, right]) values, got \(p.count)")
        }
    }

    /// A pair attribute for 2-D ops (`[h, w]`, or one value used for both).
    public static func pair(_ v: [Int], _ name: String) throws(OpError) -> (Int, Int) {
        switch v.count {
        case 1: return (v[0], v[0])
        case 2: return (v[0], v[1])
        default: throw OpError("'\(name)' must have 2 values ([h, w]), got \(v.count)")
        }
    }

    /// Checks that operand types share one element type.
    public static func sameElement(_ types: [TensorType], _ what: String) throws(OpError) -> ElementType {
        guard let first = types.first else { throw OpError("\(what) needs at least one operand") }
        for t in types.dropFirst() where t.element != first.element {
            throw OpError("\(what) operands must have the same element type, got \(TypeText.element(first.element)) and \(TypeText.element(t.element))")
        }
        return first.element
    }

    /// Requires a rank.
    public static func requireRank(_ t: TensorType, _ rank: Int, _ what: String) throws(OpError) {
        guard t.rank == rank else {
            throw OpError("\(what) must have rank \(rank), got \(TypeText.type(t))")
        }
    }

    /// Requires a floating-point element type.
    public static func requireFloat(_ t: TensorType, _ what: String) throws(OpError) {
        guard case .scalar(let s) = t.element, s.isFloat else {
            throw OpError("\(what) must be a floating-point tensor, got \(TypeText.type(t))")
        }
    }

    /// Requires two dims to agree when both are known.
    public static func requireEqual(_ a: Dim, _ b: Dim, _ what: String) throws(OpError) {
        if let x = a.value, let y = b.value, x != y {
            throw OpError("\(what): \(x) vs \(y)")
        }
    }
}
