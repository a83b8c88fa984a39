// The quantized (INT8) part of edgec's XNNPACK interpreter: static qs8 (qint8 per-tensor
// activations, qcint8 per-channel weights, qcint32 biases) and dynamic qd8 (qdint8 per-row
// activations computed at run time). Integer arithmetic as XNNPACK's "fp32" requantization does it:
// int32 accumulation, `Float(acc) * scale`, round to nearest even, saturation, plus the zero point.
// Quantized values live in the same per-slot buffers as fp32 ones (int8 or int32 elements).
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import EdgeKernels
import EdgeProgram

/// Per-row quantization parameters of a `qdint8` value, written by its Convert at run time.
final class XNNRowParams {
    var scale: [Float]
    var zeroPoint: [Int32]
    init(rows: Int) {
        scale = [Float](repeating: 1, count: rows)
        zeroPoint = [Int32](repeating: 0, count: rows)
    }
}

/// How a bound value maps to real numbers (absent for fp32).
enum XNNQuant {
    case perTensor(scale: Float, zeroPoint: Int32)
    case perChannel(scales: [Float], channelDim: Int)
    case dynamic(XNNRowParams, rowLength: Int)
    /// A qbint4 filter [N, K]: one scale per `groupSize` elements of a row (``scales`` is [N, K / groupSize]).
    case blockwise(scales: [Float], groupSize: Int)
}

extension XNNBuffers {
    func i8(_ slot: Int) -> UnsafeMutablePointer<Int8> { UnsafeMutableRawPointer(self[slot]).assumingMemoryBound(to: Int8.self) }
    func i32(_ slot: Int) -> UnsafeMutablePointer<Int32> { UnsafeMutableRawPointer(self[slot]).assumingMemoryBound(to: Int32.self) }
}

enum XNNQuantOps {
    typealias Run = (XNNBuffers) -> Void

    /// XNNPACK's fp32 requantization of `v` (a value in output steps, without the zero point): round
    /// half to even (the magic-number / `lrintf` rounding), then add the zero point `zp`, then saturate
    /// to `[lo, hi]`. The zero point is added to the rounded integer, never to the float before
    /// rounding: with an odd zero point that would move every tie (`52.5 + (-1)` rounds to 52,
    /// XNNPACK gives `round(53.5) - 1 = 53`), as the input quantize of images scaled by 1/127.5 hits on
    /// most pixels.
    @inline(__always) static func requantize(_ v: Float, _ zp: Int32, _ lo: Int32, _ hi: Int32) -> Int8 {
        let r = v.rounded(.toNearestOrEven)
        if r.isNaN { return Int8(clamping: lo) }
        return Int8(Swift.min(Swift.max(r + Float(zp), Float(lo)), Float(hi)))
    }

    /// A node parameter in real units (an output bound, a padding value) as int8, as XNNPACK's
    /// subgraph quantizes it: `v / scale + zp` saturated to [-128, 127], then rounded half to even
    /// (here the zero point is added before rounding, unlike the tensor requantization above).
    static func quantizeParameter(_ v: Float, _ scale: Float, _ zp: Int32) -> Int8 {
        let r = Swift.min(Swift.max(v / scale + Float(zp), -128), 127).rounded(.toNearestOrEven)
        return r.isNaN ? Int8(clamping: zp) : Int8(r)
    }

    /// `output_min_max` in real units as int8 bounds of an output with `scale` and `zp`.
    static func bounds(_ lo: Float, _ hi: Float, _ scale: Float, _ zp: Int32) -> (Int32, Int32) {
        func q(_ v: Float, _ dflt: Int32) -> Int32 { v.isFinite ? Int32(quantizeParameter(v, scale, zp)) : dflt }
        return (q(lo, -128), q(hi, 127))
    }

    static func tensorQuant(_ q: XNNQuant?, _ what: String) throws -> (Float, Int32) {
        guard case .perTensor(let s, let z)? = q else { throw XNNOps.bindError("\(what) must be a per-tensor quantized qint8 value") }
        return (s, z)
    }

    static func channelScales(_ q: XNNQuant?, _ count: Int, _ dim: Int, _ what: String) throws -> [Float] {
        guard case .perChannel(let s, let d)? = q else { throw XNNOps.bindError("\(what) must be a per-channel quantized value") }
        guard s.count == count else { throw XNNOps.bindError("\(what) has \(s.count) scales for \(count) channels") }
        guard d == dim else { throw XNNOps.bindError("\(what) is quantized along dim \(d), expected \(dim)") }
        return s
    }

    /// Binds a node that reads or writes a quantized value.
    static func bind(_ node: XNode, ins: [Int], outs: [Int], dims: (Int) -> [Int], quant: (Int) -> XNNQuant?,
                     lo: Float, hi: Float) throws -> Run {
        let o = outs[0]
        switch node.fields {
        case .node1x1 where node.type == .convert:
            return try convert(ins[0], o, dims, quant)
        case .node2x1 where [.add, .subtract, .multiply].contains(node.type):
            return try binary(node.type, ins[0], ins[1], o, dims, quant, lo, hi)
        case .convolution(let c) where node.type == .conv2d || node.type == .depthwiseConv2d:
            return try convolution(node.type, c, ins, o, dims, quant, lo, hi)
        case .fullyConnected(let n):
            return try fullyConnected(n, ins, o, dims, quant, lo, hi)
        case .staticTranspose(let t):
            try sameQuant(ins[0], o, quant)
            return try XNNOps.transposeBytes(t.perm.map(Int.init), ins[0], o, dims, elementSize: 1)
        case .staticReshape:
            try sameQuant(ins[0], o, quant)
            let a = ins[0], total = XNNOps.count(dims(a))
            guard XNNOps.count(dims(o)) == total else { throw XNNOps.bindError("reshape of \(dims(a)) to \(dims(o)) changes the element count") }
            return { b in b.i8(o).update(from: b.i8(a), count: total) }
        case .node1x1 where node.type == .clamp:
            try sameQuant(ins[0], o, quant)
            try XNNOps.expect(dims(o), dims(ins[0]), "output")
            let a = ins[0], total = XNNOps.count(dims(a))
            guard case .perTensor(let s, let z)? = quant(o) else { throw XNNOps.bindError("output must be qint8") }
            let (qlo, qhi) = bounds(lo, hi, s, z)
            return { b in let x = b.i8(a), y = b.i8(o); for i in 0 ..< total { y[i] = Int8(Swift.min(Swift.max(Int32(x[i]), qlo), qhi)) } }
        case .node1x1 where node.type == .globalAvgPooling2d:
            return try globalAvgPool(ins[0], o, dims, quant, lo, hi)
        case .pooling(let p) where node.type == .maxPooling2d:
            return try maxPool(p, ins[0], o, dims, quant, lo, hi)
        case .staticSlice(let sl):
            try sameQuant(ins[0], o, quant)
            let dx = dims(ins[0]), off = sl.offsets.map(Int.init), sz = sl.sizes.map(Int.init)
            guard off.count == dx.count, sz.count == dx.count else { throw XNNOps.bindError("offsets/sizes do not have \(dx.count) entries") }
            let shape = zip(zip(off, sz), dx).map { os, d in os.1 == 0 ? d - os.0 : os.1 }
            for (i, d) in dx.enumerated() where off[i] < 0 || shape[i] < 0 || off[i] + shape[i] > d {
                throw XNNOps.bindError("slice \(off[i])..<\(off[i] + shape[i]) of dimension \(i) exceeds \(d)")
            }
            try XNNOps.expect(dims(o), shape, "output")
            let sx = XNNOps.strides(dx), start = zip(off, sx).reduce(0) { $0 + $1.0 * $1.1 }
            return gather(ins[0], o, shape) { idx in start + zip(idx, sx).reduce(0) { $0 + $1.0 * $1.1 } }
        case .staticConstantPad(let pd):
            try sameQuant(ins[0], o, quant)
            let dx = dims(ins[0]), r = dx.count
            guard pd.prePaddings.count <= r, pd.postPaddings.count <= r else { throw XNNOps.bindError("paddings have more entries than the \(r) dims") }
            let pre = pd.prePaddings.map(Int.init) + [Int](repeating: 0, count: r - pd.prePaddings.count)
            let post = pd.postPaddings.map(Int.init) + [Int](repeating: 0, count: r - pd.postPaddings.count)
            let shape = (0 ..< r).map { dx[$0] + pre[$0] + post[$0] }
            try XNNOps.expect(dims(o), shape, "output")
            guard case .perTensor(let s, let z)? = quant(o) else { throw XNNOps.bindError("output must be qint8") }
            // The padding value is given in real units; XNNPACK quantizes it with the output's parameters.
            let value = quantizeParameter(pd.paddingValue, s, z)
            let sx = XNNOps.strides(dx)
            return gather(ins[0], o, shape, fill: value) { idx in
                var k = 0
                for d in 0 ..< r { let i = idx[d] - pre[d]; if i < 0 || i >= dx[d] { return nil }; k += i * sx[d] }
                return k
            }
        case .concatenate(let c):
            for i in ins { try sameQuant(i, o, quant) }
            return try concatenate(Int(c.axis), ins, o, dims)
        default:
            throw XNNOps.Unsupported(reason: "on quantized values is not supported by edgec's interpreter")
        }
    }

    /// Copies int8 elements into an output of `shape`: `source(index)` is the input element of an
    /// output multi-index, or nil for `fill`.
    static func gather(_ x: Int, _ o: Int, _ shape: [Int], fill: Int8 = 0, _ source: @escaping ([Int]) -> Int?) -> Run {
        let total = XNNOps.count(shape), so = XNNOps.strides(shape), r = shape.count
        let map: [Int] = (0 ..< total).map { i in
            var rem = i, idx = [Int](repeating: 0, count: r)
            for d in 0 ..< r { idx[d] = rem / so[d]; rem %= so[d] }
            return source(idx) ?? -1
        }
        return { b in
            let xi = b.i8(x), z = b.i8(o)
            for (i, k) in map.enumerated() { z[i] = k < 0 ? fill : xi[k] }
        }
    }

    static func concatenate(_ axis: Int, _ ins: [Int], _ o: Int, _ dims: (Int) -> [Int]) throws -> Run {
        let first = dims(ins[0])
        guard axis < first.count else { throw XNNOps.bindError("axis \(axis) is out of range for \(first.count)-D inputs") }
        var shape = first
        shape[axis] = 0
        for i in ins {
            let d = dims(i)
            guard d.count == first.count, d.enumerated().allSatisfy({ $0.offset == axis || $0.element == first[$0.offset] }) else {
                throw XNNOps.bindError("input dims \(d) do not match \(first) outside axis \(axis)")
            }
            shape[axis] += d[axis]
        }
        try XNNOps.expect(dims(o), shape, "output")
        let outer = XNNOps.count(Array(first[..<axis])), inner = XNNOps.count(Array(first[(axis + 1)...]))
        let chunks = ins.map { dims($0)[axis] * inner }, rowSize = shape[axis] * inner
        return { b in
            let z = b.i8(o)
            var offset = 0
            for (i, chunk) in zip(ins, chunks) {
                let xi = b.i8(i)
                for r in 0 ..< outer { (z + r * rowSize + offset).update(from: xi + r * chunk, count: chunk) }
                offset += chunk
            }
        }
    }

    static func maxPool(_ p: XNNPooling2D, _ x: Int, _ o: Int, _ dims: (Int) -> [Int], _ quant: (Int) -> XNNQuant?,
                        _ lo: Float, _ hi: Float) throws -> Run {
        try sameQuant(x, o, quant)
        let dx = dims(x)
        guard dx.count == 4 else { throw XNNOps.bindError("input \(dx) must be 4-D (NHWC)") }
        let ph = Int(p.poolingHeight), pw = Int(p.poolingWidth), sh = Int(p.strideHeight), sw = Int(p.strideWidth)
        let dh = Swift.max(Int(p.dilationHeight), 1), dwl = Swift.max(Int(p.dilationWidth), 1)
        guard ph > 0, pw > 0, sh > 0, sw > 0 else { throw XNNOps.bindError("pooling \(ph)x\(pw) and stride \(sh)x\(sw) must be positive") }
        let (nb, ih, iw, c) = (dx[0], dx[1], dx[2], dx[3])
        let oh = XNNOps.outputSize(ih, p.padding.top, p.padding.bottom, ph, sh, dh)
        let ow = XNNOps.outputSize(iw, p.padding.left, p.padding.right, pw, sw, dwl)
        try XNNOps.expect(dims(o), [nb, oh, ow, c], "output")
        guard case .perTensor(let s, let z)? = quant(o) else { throw XNNOps.bindError("output must be qint8") }
        let (qlo, qhi) = bounds(lo, hi, s, z), pt = Int(p.padding.top), pl = Int(p.padding.left)
        return { b in
            let xi = b.i8(x), zo = b.i8(o)
            for n in 0 ..< nb {
                for y in 0 ..< oh {
                    for xo in 0 ..< ow {
                        for ch in 0 ..< c {
                            var m: Int32 = -128
                            for ky in 0 ..< ph {
                                let iy = y * sh - pt + ky * dh
                                if iy < 0 || iy >= ih { continue }
                                for kx in 0 ..< pw {
                                    let ix = xo * sw - pl + kx * dwl
                                    if ix < 0 || ix >= iw { continue }
                                    m = Swift.max(m, Int32(xi[((n * ih + iy) * iw + ix) * c + ch]))
                                }
                            }
                            zo[((n * oh + y) * ow + xo) * c + ch] = Int8(Swift.min(Swift.max(m, qlo), qhi))
                        }
                    }
                }
            }
        }
    }

    /// qs8 mean over H and W: int32 sum of `x - zp_in`, times `in_scale / (out_scale * H * W)`, rounded, + zp_out.
    static func globalAvgPool(_ x: Int, _ o: Int, _ dims: (Int) -> [Int], _ quant: (Int) -> XNNQuant?, _ lo: Float, _ hi: Float) throws -> Run {
        let da = dims(x)
        guard da.count == 4 else { throw XNNOps.bindError("global average pooling needs an NHWC input, got \(da)") }
        let (nb, h, w, c) = (da[0], da[1], da[2], da[3])
        guard XNNOps.count(dims(o)) == nb * c, dims(o).last == c else { throw XNNOps.bindError("output dims are \(dims(o)), expected [\(nb), 1, 1, \(c)]") }
        let (sx, zx) = try tensorQuant(quant(x), "input"), (so, zo) = try tensorQuant(quant(o), "output")
        let scale = sx / (so * Float(h * w)), (qlo, qhi) = bounds(lo, hi, so, zo)
        return { b in
            let xi = b.i8(x), z = b.i8(o)
            for i in 0 ..< nb {
                for ch in 0 ..< c {
                    var acc: Int32 = 0
                    for p in 0 ..< h * w { acc &+= Int32(xi[(i * h * w + p) * c + ch]) - zx }
                    z[i * c + ch] = requantize(Float(acc) * scale, zo, qlo, qhi)
                }
            }
        }
    }

    /// Data movement keeps the quantization: input and output must have the same parameters.
    static func sameQuant(_ a: Int, _ o: Int, _ quant: (Int) -> XNNQuant?) throws {
        let (sa, za) = try tensorQuant(quant(a), "input"), (so, zo) = try tensorQuant(quant(o), "output")
        guard sa == so, za == zo else { throw XNNOps.bindError("input (scale \(sa), zero point \(za)) and output (scale \(so), zero point \(zo)) are quantized differently") }
    }

    // MARK: Convert

    static func convert(_ a: Int, _ o: Int, _ dims: (Int) -> [Int], _ quant: (Int) -> XNNQuant?) throws -> Run {
        let total = XNNOps.count(dims(a))
        try XNNOps.expect(dims(o), dims(a), "output")
        switch (quant(a), quant(o)) {
        case (nil, .perTensor(let s, let z)?):
            // Quantize: x * (1 / scale), round to nearest even, add the zero point, saturate.
            let inv = 1 / s
            return { b in
                let x = b[a], y = b.i8(o)
                for i in 0 ..< total { y[i] = requantize(x[i] * inv, z, -128, 127) }
            }
        case (.perTensor(let s, let z)?, nil):
            return { b in
                let x = b.i8(a), y = b[o]
                for i in 0 ..< total { y[i] = Float(Int32(x[i]) - z) * s }
            }
        case (nil, .dynamic(let rp, let n)?):
            return { b in
                let x = b[a], y = b.i8(o)
                for r in 0 ..< (n == 0 ? 0 : total / n) {
                    let row = x + r * n
                    var mn: Float = 0, mx: Float = 0
                    for i in 0 ..< n { mn = Swift.min(mn, row[i]); mx = Swift.max(mx, row[i]) }
                    let (inv, zp) = DynamicQuantize.rowParameters(mn, mx)
                    rp.scale[r] = 1 / inv
                    rp.zeroPoint[r] = zp
                    for i in 0 ..< n { y[r * n + i] = DynamicQuantize.quantize(row[i], inverseScale: inv, zeroPoint: zp) }
                }
            }
        case (.perTensor(let sa, let za)?, .perTensor(let so, let zo)?):
            // qint8 → qint8 requantization in XNNPACK's fixed point (its qs8 vcvt kernels): the scale
            // ratio as a multiplier with 8 fractional bits, `(x - za) * m + (zo << 8) + 128`, shifted
            // right by 8 (ties round up), saturated.
            let m = Int32(clamping: Int64((256 * (sa / so)).rounded(.toNearestOrEven)))
            guard m >= 1, m <= 1 << 24 else {
                throw XNNOps.Unsupported(reason: "from scale \(sa) to scale \(so) is outside XNNPACK's requantization range (ratio 2^-8 to 2^16)")
            }
            let bias = (zo << 8) + 128
            return { b in
                let x = b.i8(a), y = b.i8(o)
                for i in 0 ..< total {
                    let v = ((Int32(x[i]) - za) &* m &+ bias) >> 8
                    y[i] = Int8(Swift.min(Swift.max(v, -128), 127))
                }
            }
        default:
            throw XNNOps.Unsupported(reason: "between these datatypes is not supported by edgec's interpreter")
        }
    }

    // MARK: Elementwise

    static func binary(_ type: XNNNodeType, _ a: Int, _ c: Int, _ o: Int, _ dims: (Int) -> [Int], _ quant: (Int) -> XNNQuant?,
                       _ lo: Float, _ hi: Float) throws -> Run {
        let (sa, za) = try tensorQuant(quant(a), "input 1"), (sb, zb) = try tensorQuant(quant(c), "input 2")
        let (so, zo) = try tensorQuant(quant(o), "output")
        let da = dims(a), db = dims(c)
        guard let shape = XNNOps.broadcast(da, db) else { throw XNNOps.bindError("input dims \(da) and \(db) do not broadcast") }
        try XNNOps.expect(dims(o), shape, "output")
        let (qlo, qhi) = bounds(lo, hi, so, zo)
        let f: (Int32, Int32) -> Int8
        switch type {
        case .multiply:
            let m = sa * sb / so
            f = { x, y in requantize(Float((x - za) * (y - zb)) * m, zo, qlo, qhi) }
        default:
            let p = try addParameters(sa, za, type == .subtract ? -sb : sb, zb, so)
            f = { x, y in
                let v = ((p.bias &+ x &* p.a &+ y &* p.b) >> p.shift) &+ zo
                return Int8(Swift.min(Swift.max(v, qlo), qhi))
            }
        }
        let r = shape.count, total = XNNOps.count(shape)
        let sta = XNNOps.broadcastStrides(da, rank: r), stb = XNNOps.broadcastStrides(db, rank: r), so_ = XNNOps.strides(shape)
        return { b in
            let x = b.i8(a), y = b.i8(c), z = b.i8(o)
            for i in 0 ..< total {
                var ia = 0, ib = 0, rem = i
                for d in 0 ..< r { let k = rem / so_[d]; rem %= so_[d]; ia += k * sta[d]; ib += k * stb[d] }
                z[i] = f(Int32(x[ia]), Int32(y[ib]))
            }
        }
    }

    /// XNNPACK's qs8 add in fixed point (subtract is add with input 2's scale negated): both
    /// input-to-output scale ratios (f32 divisions) become integer multipliers with 20 bits for the
    /// larger one, `m = lrintf(ratio * 2^shift)` with `shift = 20 - exponent(max |ratio|)`, and
    /// the zero points and the rounding half `2^(shift-1)` are folded into one bias; the kernel
    /// computes `(bias + a * ma + b * mb) >> shift` (arithmetic, so ties round up), adds the
    /// output zero point and saturates. Not the float requantization of the other qs8 nodes: the
    /// multipliers are the ratios rounded to 20 bits, so near-ties land where XNNPACK puts them.
    static func addParameters(_ sa: Float, _ za: Int32, _ sb: Float, _ zb: Int32, _ so: Float) throws
        -> (a: Int32, b: Int32, bias: Int32, shift: Int32) {
        let ra = sa / so, rb = sb / so
        let largest = Swift.max(abs(ra), abs(rb))
        guard largest.isNormal else { throw XNNOps.bindError("input-to-output scale ratios \(ra) and \(rb) are not usable") }
        let shift = 20 - Int32(largest.exponent)
        guard (1 ... 31).contains(shift) else {
            throw XNNOps.bindError("input-to-output scale ratio \(largest) is outside XNNPACK's fixed-point range [2^-11, 2^20)")
        }
        func multiplier(_ r: Float) -> Int32 {
            let m = Int32((abs(r) * Float(sign: .plus, exponent: Int(shift), significand: 1)).rounded(.toNearestOrEven))
            return r.sign == .minus ? -m : m
        }
        let (a, b) = (multiplier(ra), multiplier(rb))
        let bias = (Int32(1) << (shift - 1)) &- a &* za &- b &* zb
        return (a, b, bias, shift)
    }

    // MARK: Convolution and fully connected

    static func convolution(_ type: XNNNodeType, _ c: XNNConvolution, _ ins: [Int], _ o: Int, _ dims: (Int) -> [Int],
                            _ quant: (Int) -> XNNQuant?, _ lo: Float, _ hi: Float) throws -> Run {
        let x = ins[0], w = ins[1], bias = ins.count > 2 ? ins[2] : nil
        let g = try XNNOps.ConvGeometry(type, c, ins, o, dims)
        let (kh, kw, sh, sw, dh, dwl) = (g.kh, g.kw, g.sh, g.sw, g.dh, g.dw)
        let (_, gic, goc, nb, ih, iw, cin, cout, oh, ow) = (g.groups, g.gic, g.goc, g.nb, g.ih, g.iw, g.cin, g.cout, g.oh, g.ow)
        let depthwise = g.depthwise
        let (sx, zx) = try tensorQuant(quant(x), "input"), (so, zo) = try tensorQuant(quant(o), "output")
        let ws = try channelScales(quant(w), cout, depthwise ? 3 : 0, "filter")
        if let bias { try checkBias(bias, cout, sx, ws, dims, quant) }
        let req = ws.map { sx * $0 / so }
        let (qlo, qhi) = bounds(lo, hi, so, zo)
        let pt = Int(c.padding.top), pl = Int(c.padding.left)
        return { b in
            let xi = b.i8(x), wi = b.i8(w), z = b.i8(o), bi = bias.map { b.i32($0) }
            var acc = [Int32](repeating: 0, count: cout)
            for n in 0 ..< nb {
                for y in 0 ..< oh {
                    for xo in 0 ..< ow {
                        for oc in 0 ..< cout { acc[oc] = bi?[oc] ?? 0 }
                        for ky in 0 ..< kh {
                            let iy = y * sh - pt + ky * dh
                            if iy < 0 || iy >= ih { continue }
                            for kx in 0 ..< kw {
                                let ix = xo * sw - pl + kx * dwl
                                if ix < 0 || ix >= iw { continue }
                                let inp = xi + ((n * ih + iy) * iw + ix) * cin
                                if depthwise {
                                    let wr = wi + (ky * kw + kx) * cout
                                    for oc in 0 ..< cout { acc[oc] &+= (Int32(inp[oc / goc]) - zx) * Int32(wr[oc]) }
                                } else {
                                    for oc in 0 ..< cout {
                                        let g = oc / goc, wr = wi + ((oc * kh + ky) * kw + kx) * gic, ip = inp + g * gic
                                        var s: Int32 = 0
                                        for ic in 0 ..< gic { s &+= (Int32(ip[ic]) - zx) * Int32(wr[ic]) }
                                        acc[oc] &+= s
                                    }
                                }
                            }
                        }
                        let out = z + ((n * oh + y) * ow + xo) * cout
                        for oc in 0 ..< cout { out[oc] = requantize(Float(acc[oc]) * req[oc], zo, qlo, qhi) }
                    }
                }
            }
        }
    }

    /// A `qcint32` bias must be quantized at `input_scale * filter_scale[c]` (XNNPACK reads it that way).
    static func checkBias(_ bias: Int, _ cout: Int, _ sx: Float, _ ws: [Float], _ dims: (Int) -> [Int], _ quant: (Int) -> XNNQuant?) throws {
        guard XNNOps.count(dims(bias)) == cout else { throw XNNOps.bindError("bias dims \(dims(bias)) do not have \(cout) elements") }
        let bs = try channelScales(quant(bias), cout, 0, "bias")
        for (k, (s, w)) in zip(bs, ws).enumerated() where s != sx * w {
            throw XNNOps.bindError("bias scale \(k) is \(s), expected input scale × filter scale = \(sx * w)")
        }
    }

    static func fullyConnected(_ n: XNNFullyConnected, _ ins: [Int], _ o: Int, _ dims: (Int) -> [Int], _ quant: (Int) -> XNNQuant?,
                               _ lo: Float, _ hi: Float) throws -> Run {
        let x = ins[0], w = ins[1], bias = ins.count > 2 ? ins[2] : nil
        let dw = dims(w)
        guard dw.count == 2 else { throw XNNOps.bindError("filter dims \(dw) are not 2-D") }
        guard n.flags == 0 else { throw XNNOps.bindError("flags \(n.flags) are not supported on quantized filters") }
        let (outC, inC) = (dw[0], dw[1])
        let dx = dims(x)
        guard let last = dx.last, last == inC, inC > 0 else { throw XNNOps.bindError("input dims \(dx) do not end in the filter's \(inC) input channels") }
        let rows = XNNOps.count(dx) / inC
        guard XNNOps.count(dims(o)) == rows * outC, dims(o).last == outC else {
            throw XNNOps.bindError("output dims are \(dims(o)), expected \(Array(dx.dropLast()) + [outC])")
        }
        if case .blockwise(let bs, let g)? = quant(w) {
            return try fullyConnected4(x, w, bias, o, rows: rows, outC: outC, inC: inC, scales: bs, groupSize: g, dims, quant, lo, hi)
        }
        let ws = try channelScales(quant(w), outC, 0, "filter")
        switch quant(x) {
        case .dynamic(let rp, let len)?:
            // qd8: int32 dot product of (x - zp_row) and the filter row, times row scale × filter scale, plus the fp32 bias.
            guard len == inC else { throw XNNOps.bindError("dynamic quantization rows of \(len) do not match the \(inC) input channels") }
            guard quant(o) == nil else { throw XNNOps.bindError("a dynamically quantized fully connected node has an fp32 output") }
            if let bias {
                guard quant(bias) == nil, XNNOps.count(dims(bias)) == outC else { throw XNNOps.bindError("bias must be fp32 with \(outC) elements") }
            }
            return { b in
                let xi = b.i8(x), wi = b.i8(w), z = b[o], bi = bias.map { b[$0] }
                for r in 0 ..< rows {
                    let zp = rp.zeroPoint[r], s = rp.scale[r], row = xi + r * inC
                    for oc in 0 ..< outC {
                        let wr = wi + oc * inC
                        var acc: Int32 = 0
                        for i in 0 ..< inC { acc &+= (Int32(row[i]) - zp) * Int32(wr[i]) }
                        let v = Float(acc) * s * ws[oc] + (bi?[oc] ?? 0)
                        z[r * outC + oc] = Swift.min(Swift.max(v, lo), hi)
                    }
                }
            }
        default:
            let (sx, zx) = try tensorQuant(quant(x), "input"), (so, zo) = try tensorQuant(quant(o), "output")
            if let bias { try checkBias(bias, outC, sx, ws, dims, quant) }
            let req = ws.map { sx * $0 / so }
            let (qlo, qhi) = bounds(lo, hi, so, zo)
            return { b in
                let xi = b.i8(x), wi = b.i8(w), z = b.i8(o), bi = bias.map { b.i32($0) }
                for r in 0 ..< rows {
                    let row = xi + r * inC
                    for oc in 0 ..< outC {
                        let wr = wi + oc * inC
                        var acc: Int32 = bi?[oc] ?? 0
                        for i in 0 ..< inC { acc &+= (Int32(row[i]) - zx) * Int32(wr[i]) }
                        z[r * outC + oc] = requantize(Float(acc) * req[oc], zo, qlo, qhi)
                    }
                }
            }
        }
    }
}

extension XNNQuantOps {
    /// qd8 × qbint4 fully connected: per block, the int32 dot product of (x - zp_row) and the
    /// filter's 4-bit integers (`nibble - 8`), times the block's scale, summed in f32 over the
    /// blocks; then times the row's scale, plus the fp32 bias, clamped.
    static func fullyConnected4(_ x: Int, _ w: Int, _ bias: Int?, _ o: Int, rows: Int, outC: Int, inC: Int, scales: [Float], groupSize g: Int,
                                _ dims: (Int) -> [Int], _ quant: (Int) -> XNNQuant?, _ lo: Float, _ hi: Float) throws -> Run {
        guard case .dynamic(let rp, let len)? = quant(x) else { throw XNNOps.bindError("a qbint4 filter needs a qdint8 (dynamically quantized) input") }
        guard len == inC else { throw XNNOps.bindError("dynamic quantization rows of \(len) do not match the \(inC) input channels") }
        guard quant(o) == nil else { throw XNNOps.bindError("a dynamically quantized fully connected node has an fp32 output") }
        guard inC % g == 0, inC % 2 == 0, scales.count == outC * (inC / g) else {
            throw XNNOps.bindError("the filter's \(scales.count) block scales do not fit [\(outC), \(inC)] in groups of \(g)")
        }
        if let bias {
            guard quant(bias) == nil, XNNOps.count(dims(bias)) == outC else { throw XNNOps.bindError("bias must be fp32 with \(outC) elements") }
        }
        let blocks = inC / g
        return { b in
            let xi = b.i8(x), z = b[o], bi = bias.map { b[$0] }
            let packed = UnsafeMutableRawPointer(b[w]).assumingMemoryBound(to: UInt8.self)
            var wrow = [Int32](repeating: 0, count: inC)
            for oc in 0 ..< outC {
                let src = packed + oc * (inC / 2)
                for j in 0 ..< inC / 2 {
                    wrow[2 * j] = Int32(src[j] & 0xF) - 8
                    wrow[2 * j + 1] = Int32(src[j] >> 4) - 8
                }
                for r in 0 ..< rows {
                    let zp = rp.zeroPoint[r], row = xi + r * inC
                    var v: Float = 0
                    for k in 0 ..< blocks {
                        var acc: Int32 = 0
                        for i in k * g ..< (k + 1) * g { acc &+= (Int32(row[i]) - zp) * wrow[i] }
                        v += Float(acc) * scales[oc * blocks + k]
                    }
                    z[r * outC + oc] = Swift.min(Swift.max(v * rp.scale[r] + (bi?[oc] ?? 0), lo), hi)
                }
            }
        }
    }
}

extension XNNQuant: Equatable {
    static func == (a: XNNQuant, b: XNNQuant) -> Bool {
        switch (a, b) {
        case (.perTensor(let s, let z), .perTensor(let t, let y)): return s == t && z == y
        case (.perChannel(let s, let d), .perChannel(let t, let e)): return s == t && d == e
        case (.dynamic(let p, let n), .dynamic(let q, let m)): return p === q && n == m
        case (.blockwise(let s, let g), .blockwise(let t, let h)): return s == t && g == h
        default: return false
        }
    }
}

extension XNNOps {
    /// Transpose of elements of `elementSize` bytes (quantized data).
    static func transposeBytes(_ perm: [Int], _ x: Int, _ o: Int, _ dims: (Int) -> [Int], elementSize: Int) throws -> (XNNBuffers) -> Void {
        let dx = dims(x)
        guard perm.count == dx.count, Set(perm).count == perm.count, perm.allSatisfy({ $0 >= 0 && $0 < dx.count }) else {
            throw bindError("perm \(perm) is not a permutation of the \(dx.count) input dims")
        }
        let shape = perm.map { dx[$0] }
        try expect(dims(o), shape, "output")
        let sx = strides(dx), src = perm.map { sx[$0] }, so = strides(shape), r = shape.count, total = count(shape)
        return { b in
            let xi = UnsafeMutableRawPointer(b[x]), z = UnsafeMutableRawPointer(b[o])
            for i in 0 ..< total {
                var s = 0, rem = i
                for d in 0 ..< r { let k = rem / so[d]; rem %= so[d]; s += k * src[d] }
                (z + i * elementSize).copyMemory(from: xi + s * elementSize, byteCount: elementSize)
            }
        }
    }
}
