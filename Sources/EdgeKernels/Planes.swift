// Padded, stride-deinterleaved plane buffer used by the SIMD sliding-window kernels
// (depthwise conv, max/avg pool). Each padded row is split into `stride` phases so that the
// inputs of 8 consecutive outputs for one tap are 8 consecutive floats, whatever the stride.

struct PaddedPlane {
    let h, w, top, left: Int
    /// Horizontal stride (number of phases per row).
    let phases: Int
    /// Floats per phase and per row.
    let phaseWidth, rowPitch, rows: Int
    let buffer: UnsafeMutablePointer<Float>
    let capacity: Int

    /// Buffer large enough for every window of an (outH × outW) sweep; borders hold `fill`.
    init(h: Int, w: Int, top: Int, left: Int, bottom: Int, right: Int, outH: Int, outW: Int,
         kernelH: Int, kernelW: Int, strideH: Int, strideW: Int, dilationH: Int, dilationW: Int, fill: Float) {
        self.h = h
        self.w = w
        self.top = top
        self.left = left
        phases = strideW
        let width = max(w + left + right, (outW - 1) * strideW + (kernelW - 1) * dilationW + 1)
        rows = max(h + top + bottom, (outH - 1) * strideH + (kernelH - 1) * dilationH + 1)
        phaseWidth = (width + strideW - 1) / strideW
        rowPitch = phaseWidth * strideW
        // Slack: a partial last vector may read up to 7 floats past the last window.
        capacity = rows * rowPitch + 16
        buffer = .allocate(capacity: capacity)
        buffer.initialize(repeating: fill, count: capacity)
    }

    func deallocate() { buffer.deallocate() }

    /// Copies one H×W input plane into the interior (borders keep the fill value).
    func load(_ src: UnsafePointer<Float>) {
        for y in 0..<h {
            let row = buffer + (y + top) * rowPitch
            let s = src + y * w
            if phases == 1 {
                (row + left).update(from: s, count: w)
            } else {
                // Phase ph holds padded columns c ≡ ph (mod phases) at index c / phases.
                for ph in 0..<phases {
                    var c = left + ((ph - left % phases) + phases) % phases
                    var d = row + ph * phaseWidth + c / phases
                    if phases == 2 {
                        // Even lanes of 16 consecutive inputs, while the read stays inside the row.
                        while c - left + 16 <= w {
                            let v = UnsafeRawPointer(s + (c - left)).loadUnaligned(as: SIMD16<Float>.self)
                            store8(v.evenHalf, d)
                            d += 8
                            c += 16
                        }
                    }
                    while c < left + w {
                        d.pointee = s[c - left]
                        d += 1
                        c += phases
                    }
                }
            }
        }
    }

    /// Offset of tap (ky, kx) relative to the output's window origin.
    func tapOffset(_ ky: Int, _ kx: Int, dilationH: Int, dilationW: Int) -> Int {
        let c = kx * dilationW
        return ky * dilationH * rowPitch + (c % phases) * phaseWidth + c / phases
    }

    /// Pointer to the window origin of output row `oy` (output column 0).
    @inline(__always) func rowBase(_ oy: Int, strideH: Int) -> UnsafePointer<Float> {
        UnsafePointer(buffer + oy * strideH * rowPitch)
    }
}

/// Stores the first `n` (1...8) lanes of `v` to `p`.
@inline(__always) func storePartial(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ n: Int) {
    if n == 8 {
        store8(v, p)
    } else {
        for i in 0..<n { p[i] = v[i] }
    }
}
