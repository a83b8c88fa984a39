// Blocked single-precision GEMM (GotoBLAS-style packing + SIMD register micro-kernel).
// Shared by matmul, linear and conv2d (which packs its im2col matrix straight into B panels).

/// Single-precision matrix multiply on row-major matrices.
public enum Gemm {
    /// Rows of the register tile.
    static let mr = 4
    /// Columns of the register tile (two SIMD8 vectors).
    static let nr = 16

    /// Cache blocking: rows of A per packed block, depth per block, columns of B per packed block.
    struct Blocking {
        var mc = 128
        var kc = 256
        var nc = 2048
        static let standard = Blocking()
    }

    /// `C = op(A)·op(B)` (or `C += ...` when `accumulate`) with `op(A)` m×k and `op(B)` k×n.
    /// `transposeA` means A is stored k×m; `transposeB` means B is stored n×k (e.g. `x·Wᵀ`).
    /// Leading dimensions are row strides in elements. C must not alias A or B.
    public static func sgemm(m: Int, n: Int, k: Int,
                             a: UnsafePointer<Float>, lda: Int, transposeA: Bool = false,
                             b: UnsafePointer<Float>, ldb: Int, transposeB: Bool = false,
                             c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false) {
        sgemm(m: m, n: n, k: k, a: a, lda: lda, transposeA: transposeA, b: b, ldb: ldb, transposeB: transposeB,
              c: c, ldc: ldc, accumulate: accumulate, blocking: .standard)
    }

    static func sgemm(m: Int, n: Int, k: Int,
                      a: UnsafePointer<Float>, lda: Int, transposeA: Bool,
                      b: UnsafePointer<Float>, ldb: Int, transposeB: Bool,
                      c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, blocking: Blocking) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            if !accumulate { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
            return
        }
        if m == 1 {
            let aStride = transposeA ? lda : 1
            if transposeB {
                for j in 0..<n {
                    let d = dot(a, aStride, b + j * ldb, k)
                    c[j] = accumulate ? c[j] + d : d
                }
            } else {
                rowTimesMatrix(a, aStride, b, ldb, k, n, c, accumulate)
            }
            return
        }
        if n == 1 && !transposeA {
            let bStride = transposeB ? 1 : ldb
            for i in 0..<m {
                let d = dot(b, bStride, a + i * lda, k)
                c[i * ldc] = accumulate ? c[i * ldc] + d : d
            }
            return
        }
        blocked(m: m, n: n, k: k, c: c, ldc: ldc, accumulate: accumulate, blocking: blocking,
                packA: { i0, rows, p0, kLen, dst in
                    packA(a, lda, transposeA, i0, rows, p0, kLen, dst)
                },
                packB: { p0, kLen, j0, cols, dst in
                    packB(b, ldb, transposeB, p0, kLen, j0, cols, dst)
                })
    }

    /// Blocked driver: loops over (nc, kc, mc) blocks, calling the packers and the macro-kernel.
    /// `packA(i0, rows, p0, kLen, dst)` writes `ceil(rows/mr)` panels of `mr×kLen`;
    /// `packB(p0, kLen, j0, cols, dst)` writes `ceil(cols/nr)` panels of `kLen×nr` (zero-padded).
    static func blocked(m: Int, n: Int, k: Int, c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool,
                        blocking: Blocking = .standard,
                        packA: (Int, Int, Int, Int, UnsafeMutablePointer<Float>) -> Void,
                        packB: (Int, Int, Int, Int, UnsafeMutablePointer<Float>) -> Void) {
        guard m > 0, n > 0 else { return }
        if k == 0 {
            if !accumulate { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
            return
        }
        let mcMax = roundUp(min(blocking.mc, m), mr)
        let ncMax = roundUp(min(blocking.nc, n), nr)
        let kcMax = min(blocking.kc, k)
        let bufA = UnsafeMutablePointer<Float>.allocate(capacity: mcMax * kcMax)
        let bufB = UnsafeMutablePointer<Float>.allocate(capacity: ncMax * kcMax)
        defer { bufA.deallocate(); bufB.deallocate() }

        var j0 = 0
        while j0 < n {
            let cols = min(blocking.nc, n - j0)
            var p0 = 0
            while p0 < k {
                let kLen = min(blocking.kc, k - p0)
                packB(p0, kLen, j0, cols, bufB)
                let acc = accumulate || p0 > 0
                var i0 = 0
                while i0 < m {
                    let rows = min(blocking.mc, m - i0)
                    packA(i0, rows, p0, kLen, bufA)
                    macroKernel(rows, cols, kLen, bufA, bufB, c + i0 * ldc + j0, ldc, acc)
                    i0 += rows
                }
                p0 += kLen
            }
            j0 += cols
        }
    }

    @inline(__always) static func roundUp(_ x: Int, _ m: Int) -> Int { (x + m - 1) / m * m }

    /// Packs rows `i0..<i0+rows`, depth `p0..<p0+kLen` of op(A) into mr-row panels (k-major).
    static func packA(_ a: UnsafePointer<Float>, _ lda: Int, _ trans: Bool,
                      _ i0: Int, _ rows: Int, _ p0: Int, _ kLen: Int, _ dst: UnsafeMutablePointer<Float>) {
        var ir = 0
        var d = dst
        while ir < rows {
            let r = min(mr, rows - ir)
            if trans {
                // A stored k×m: mr consecutive elements per depth step.
                for p in 0..<kLen {
                    let src = a + (p0 + p) * lda + i0 + ir
                    for q in 0..<r { d[p * mr + q] = src[q] }
                    for q in r..<mr { d[p * mr + q] = 0 }
                }
            } else {
                for q in 0..<mr {
                    if q < r {
                        let src = a + (i0 + ir + q) * lda + p0
                        for p in 0..<kLen { d[p * mr + q] = src[p] }
                    } else {
                        for p in 0..<kLen { d[p * mr + q] = 0 }
                    }
                }
            }
            d += mr * kLen
            ir += mr
        }
    }

    /// Packs depth `p0..<p0+kLen`, columns `j0..<j0+cols` of op(B) into nr-column panels (k-major).
    static func packB(_ b: UnsafePointer<Float>, _ ldb: Int, _ trans: Bool,
                      _ p0: Int, _ kLen: Int, _ j0: Int, _ cols: Int, _ dst: UnsafeMutablePointer<Float>) {
        var jr = 0
        var d = dst
        while jr < cols {
            let w = min(nr, cols - jr)
            if trans {
                // B stored n×k: read each column's row contiguously.
                for j in 0..<nr {
                    if j < w {
                        let src = b + (j0 + jr + j) * ldb + p0
                        for p in 0..<kLen { d[p * nr + j] = src[p] }
                    } else {
                        for p in 0..<kLen { d[p * nr + j] = 0 }
                    }
                }
            } else if w == nr {
                for p in 0..<kLen {
                    let src = b + (p0 + p) * ldb + j0 + jr
                    store8(load8(src), d + p * nr)
                    store8(load8(src + 8), d + p * nr + 8)
                }
            } else {
                for p in 0..<kLen {
                    let src = b + (p0 + p) * ldb + j0 + jr
                    for j in 0..<w { d[p * nr + j] = src[j] }
                    for j in w..<nr { d[p * nr + j] = 0 }
                }
            }
            d += nr * kLen
            jr += nr
        }
    }

    /// Multiplies packed A (rows×kLen) by packed B (kLen×cols) into C.
    static func macroKernel(_ rows: Int, _ cols: Int, _ kLen: Int,
                            _ pa: UnsafeMutablePointer<Float>, _ pb: UnsafeMutablePointer<Float>,
                            _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool) {
        var jr = 0
        while jr < cols {
            let w = min(nr, cols - jr)
            let bPanel = UnsafePointer(pb + jr * kLen)
            var ir = 0
            while ir < rows {
                let h = min(mr, rows - ir)
                microKernel(kLen, UnsafePointer(pa + ir * kLen), bPanel, c + ir * ldc + jr, ldc, accumulate, h, w)
                ir += mr
            }
            jr += nr
        }
    }

    /// 4×16 register tile: C[0..<h, 0..<w] (+)= Apanel · Bpanel.
    @inline(__always)
    static func microKernel(_ kLen: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                            _ c: UnsafeMutablePointer<Float>, _ ldc: Int, _ accumulate: Bool, _ h: Int, _ w: Int) {
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
        var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
        var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var ap = a
        var bp = b
        for _ in 0..<kLen {
            let b0 = load8(bp), b1 = load8(bp + 8)
            let a0 = SIMD8<Float>(repeating: ap[0])
            c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01)
            let a1 = SIMD8<Float>(repeating: ap[1])
            c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11)
            let a2 = SIMD8<Float>(repeating: ap[2])
            c20 = madd(a2, b0, c20); c21 = madd(a2, b1, c21)
            let a3 = SIMD8<Float>(repeating: ap[3])
            c30 = madd(a3, b0, c30); c31 = madd(a3, b1, c31)
            ap += mr
            bp += nr
        }
        if h == mr && w == nr {
            storeRow(c, c00, c01, accumulate)
            storeRow(c + ldc, c10, c11, accumulate)
            storeRow(c + 2 * ldc, c20, c21, accumulate)
            storeRow(c + 3 * ldc, c30, c31, accumulate)
            return
        }
        // Edge tile: spill to a scratch tile, then copy the valid part.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: mr * nr) { tile in
            let t = tile.baseAddress!
            store8(c00, t); store8(c01, t + 8)
            store8(c10, t + 16); store8(c11, t + 24)
            store8(c20, t + 32); store8(c21, t + 40)
            store8(c30, t + 48); store8(c31, t + 56)
            for i in 0..<h {
                let row = c + i * ldc
                for j in 0..<w { row[j] = accumulate ? row[j] + t[i * nr + j] : t[i * nr + j] }
            }
        }
    }

    @inline(__always)
    static func storeRow(_ p: UnsafeMutablePointer<Float>, _ v0: SIMD8<Float>, _ v1: SIMD8<Float>, _ accumulate: Bool) {
        if accumulate {
            store8(load8(p) + v0, p)
            store8(load8(p + 8) + v1, p + 8)
        } else {
            store8(v0, p)
            store8(v1, p + 8)
        }
    }

    /// Dot product of `x` (stride `xs`) with contiguous `y`, length `n`.
    static func dot(_ x: UnsafePointer<Float>, _ xs: Int, _ y: UnsafePointer<Float>, _ n: Int) -> Float {
        var i = 0
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>()
        if xs == 1 {
            while i + 16 <= n {
                s0 = madd(load8(x + i), load8(y + i), s0)
                s1 = madd(load8(x + i + 8), load8(y + i + 8), s1)
                i += 16
            }
        }
        var s = hsum(s0 + s1)
        while i < n {
            s += x[i * xs] * y[i]
            i += 1
        }
        return s
    }

    /// `c[0..<n] (+)= x · B` for a single row `x` (stride `xs`) and row-major B (k×n, stride ldb).
    static func rowTimesMatrix(_ x: UnsafePointer<Float>, _ xs: Int, _ b: UnsafePointer<Float>, _ ldb: Int,
                               _ k: Int, _ n: Int, _ c: UnsafeMutablePointer<Float>, _ accumulate: Bool) {
        if !accumulate { c.update(repeating: 0, count: n) }
        for p in 0..<k {
            let s = x[p * xs]
            let sv = SIMD8<Float>(repeating: s)
            let row = b + p * ldb
            var j = 0
            while j + 8 <= n {
                store8(madd(sv, load8(row + j), load8(c + j)), c + j)
                j += 8
            }
            while j < n {
                c[j] += s * row[j]
                j += 1
            }
        }
    }
}
