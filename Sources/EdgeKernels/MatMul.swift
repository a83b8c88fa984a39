// Numpy-semantics matmul and linear (x·Wᵀ + b), both on top of Gemm.sgemm.
import CEdgeKernels

/// `torch.matmul` / `numpy.matmul`: 1-D operands are promoted and the added dim removed again;
/// leading (batch) dims broadcast. f32 only.
public enum MatMul {
    static let name = "matmul"

    /// Output shape (e.g. [2,1,3,4]·[5,4,6] -> [2,5,3,6]; [4]·[4] -> []).
    public static func outputShape(_ a: [Int], _ b: [Int]) throws -> [Int] {
        guard !a.isEmpty, !b.isEmpty else {
            throw KernelError.shapeMismatch(kernel: name, message: "operands must be at least 1-D, got \(a) and \(b)")
        }
        let a2 = a.count == 1 ? [1, a[0]] : a
        let b2 = b.count == 1 ? [b[0], 1] : b
        guard a2[a2.count - 1] == b2[b2.count - 2] else {
            throw KernelError.shapeMismatch(kernel: name, message: "inner dimensions of \(a) and \(b) differ")
        }
        var out = try Shapes.broadcast(Array(a2.dropLast(2)), Array(b2.dropLast(2)), kernel: name)
        if a.count > 1 { out.append(a2[a2.count - 2]) }
        if b.count > 1 { out.append(b2[b2.count - 1]) }
        _ = try Shapes.elementCount(out, kernel: name)
        _ = try Shapes.elementCount(a, kernel: name)
        _ = try Shapes.elementCount(b, kernel: name)
        return out
    }

    /// Out-variant (output must not alias inputs).
    public static func run(_ a: TensorView, _ b: TensorView, output: MutableTensorView) throws {
        try run(a, b, output: output, config: .standard)
    }

    /// `b` (a rank-2 f32 matrix, such as a constant weight) packed for ``run(_:_:output:packedB:)``
    /// (nil when it is not such a matrix or is empty).
    public static func prepackSecond(_ b: TensorView, config: KernelConfig = .standard) -> PackedOperand? {
        guard b.dtype == .f32, b.shape.count == 2, b.shape[0] > 0, b.shape[1] > 0 else { return nil }
        var cfg = config.c
        return PackedOperand(ek_pack_gemm_b(&cfg, b.shape[0], b.shape[1], b.f32, b.shape[1], 0))
    }

    /// The out-variant with `b` prepacked (``prepackSecond(_:config:)``): the same results.
    public static func run(_ a: TensorView, _ b: TensorView, output: MutableTensorView, packedB: PackedOperand?) throws {
        try run(a, b, output: output, config: .standard, packedB: packedB)
    }

    /// The product plus a row vector: out[i, j] = bias[j] + Σ_k a[i, k]·b[k, j] for rank-2 f32
    /// `a` [M, K], `b` [K, N] and `bias` [N] (addmm with beta 1): the bias is the sum's starting
    /// value (rows of out filled with it, then accumulated into), instead of a second pass.
    public static func runWithRowBias(_ a: TensorView, _ b: TensorView, bias: TensorView, output: MutableTensorView,
                                      packedB: PackedOperand?) throws {
        let shape = try outputShape(a.shape, b.shape)
        try requireShape(output.shape, shape, name)
        guard takesRowBias(a, b, bias: bias), output.dtype == .f32 else {
            throw KernelError.invalidArgument(kernel: name, message: "a row bias needs f32 [M, K] · [K, N] + [N], got \(a.shape) · \(b.shape) + \(bias.shape)")
        }
        let (m, n) = (shape[0], shape[1])
        if m == 0 || n == 0 { return }
        let pc = output.f32, pb = bias.f32
        for i in 0..<m { (pc + i * n).update(from: pb, count: n) }
        try run(a, b, output: output, config: .standard, packedB: packedB, accumulate: true)
    }

    /// Whether ``runWithRowBias(_:_:bias:output:packedB:)`` takes these operands: f32 [M, K] · [K, N]
    /// with a bias [N] or [1, N].
    public static func takesRowBias(_ a: TensorView, _ b: TensorView, bias: TensorView) -> Bool {
        guard a.dtype == .f32, b.dtype == .f32, bias.dtype == .f32, a.rank == 2, b.rank == 2 else { return false }
        let n = b.shape[1]
        return bias.shape == [n] || bias.shape == [1, n]
    }

    static func run(_ a: TensorView, _ b: TensorView, output: MutableTensorView, config: KernelConfig,
                    packedB: PackedOperand? = nil, accumulate: Bool = false) throws {
        let shape = try outputShape(a.shape, b.shape)
        try requireShape(output.shape, shape, name)
        guard a.dtype == .f32 else { throw KernelError.unsupportedDType(kernel: name, dtype: a.dtype) }
        try requireDType(b.dtype, .f32, name, "second operand")
        try requireDType(output.dtype, .f32, name, "output")
        let a2 = a.shape.count == 1 ? [1, a.shape[0]] : a.shape
        let b2 = b.shape.count == 1 ? [b.shape[0], 1] : b.shape
        let m = a2[a2.count - 2], k = a2[a2.count - 1], n = b2[b2.count - 1]
        let aBatch = Array(a2.dropLast(2)), bBatch = Array(b2.dropLast(2))
        let batch = try Shapes.broadcast(aBatch, bBatch, kernel: name)
        let batchCount = product(batch)
        if batchCount == 0 || m == 0 || n == 0 { return }
        let pa = a.f32, pb = b.f32, pc = output.f32
        if product(bBatch) == 1 && aBatch.count == batch.count && aBatch == batch {
            // B shared by every batch: fold the batch into M (one big GEMM).
            Gemm.sgemm(m: batchCount * m, n: n, k: k, a: pa, lda: k, transposeA: false, b: pb, ldb: n, transposeB: false,
                       c: pc, ldc: n, accumulate: accumulate, config: config, packedB: bBatch.isEmpty ? packedB : nil)
            return
        }
        let sa = broadcastStrides(aBatch, to: batch), sb = broadcastStrides(bBatch, to: batch)
        var idx = [Int](repeating: 0, count: batch.count)
        var offA = 0, offB = 0
        for i in 0..<batchCount {
            Gemm.sgemm(m: m, n: n, k: k, a: pa + offA * m * k, lda: k, transposeA: false, b: pb + offB * k * n, ldb: n,
                       transposeB: false, c: pc + i * m * n, ldc: n, accumulate: accumulate, config: config)
            var d = batch.count - 1
            while d >= 0 {
                idx[d] += 1
                offA += sa[d]
                offB += sb[d]
                if idx[d] < batch[d] { break }
                offA -= sa[d] * batch[d]
                offB -= sb[d] * batch[d]
                idx[d] = 0
                d -= 1
            }
        }
    }

    /// Allocating wrapper.
    public static func run(_ a: Tensor, _ b: Tensor, config: KernelConfig = .standard) throws -> Tensor {
        let shape = try outputShape(a.shape, b.shape)
        return try withExtendedLifetime((a, b)) {
            try makeTensor(shape: shape, dtype: a.dtype, kernel: name) { try run(a.unsafeView, b.unsafeView, output: $0, config: config) }
        }
    }
}

/// Fully connected layer `y = x·Wᵀ + b` with W [out, in], b [out], x [..., in] -> [..., out]. f32 only.
public enum Linear {
    static let name = "linear"

    /// Output shape: `x.shape` with the last dim replaced by `out`.
    public static func outputShape(input: [Int], weight: [Int], bias: [Int]? = nil) throws -> [Int] {
        guard !input.isEmpty else {
            throw KernelError.shapeMismatch(kernel: name, message: "input must be at least 1-D")
        }
        try requireRank(weight, 2, name, "weight")
        guard input[input.count - 1] == weight[1] else {
            throw KernelError.shapeMismatch(kernel: name, message: "input \(input) does not match weight \(weight)")
        }
        if let bias, bias != [weight[0]] {
            throw KernelError.shapeMismatch(kernel: name, message: "bias shape \(bias), expected [\(weight[0])]")
        }
        let out = Array(input.dropLast()) + [weight[0]]
        _ = try Shapes.elementCount(input, kernel: name)
        _ = try Shapes.elementCount(weight, kernel: name)
        _ = try Shapes.elementCount(out, kernel: name)
        return out
    }

    /// Out-variant (output must not alias inputs).
    public static func run(input: TensorView, weight: TensorView, bias: TensorView?, output: MutableTensorView) throws {
        try run(input: input, weight: weight, bias: bias, output: output, config: .standard)
    }

    static func run(input: TensorView, weight: TensorView, bias: TensorView?, output: MutableTensorView,
                    config: KernelConfig) throws {
        let shape = try outputShape(input: input.shape, weight: weight.shape, bias: bias?.shape)
        try requireShape(output.shape, shape, name)
        guard input.dtype == .f32 else { throw KernelError.unsupportedDType(kernel: name, dtype: input.dtype) }
        try requireDType(weight.dtype, .f32, name, "weight")
        if let bias { try requireDType(bias.dtype, .f32, name, "bias") }
        try requireDType(output.dtype, .f32, name, "output")
        let k = weight.shape[1], n = weight.shape[0]
        let m = product(input.shape.dropLast())
        if m == 0 || n == 0 { return }
        let y = output.f32
        if let bias {
            let b = bias.f32
            for i in 0..<m { (y + i * n).update(from: b, count: n) }
        }
        Gemm.sgemm(m: m, n: n, k: k, a: input.f32, lda: k, transposeA: false, b: weight.f32, ldb: k, transposeB: true,
                   c: y, ldc: n, accumulate: bias != nil, config: config)
    }

    /// Allocating wrapper.
    public static func run(_ input: Tensor, weight: Tensor, bias: Tensor? = nil, config: KernelConfig = .standard) throws -> Tensor {
        let shape = try outputShape(input: input.shape, weight: weight.shape, bias: bias?.shape)
        return try withExtendedLifetime((input, weight, bias)) {
            try makeTensor(shape: shape, dtype: input.dtype, kernel: name) {
                try run(input: input.unsafeView, weight: weight.unsafeView, bias: bias?.unsafeView, output: $0, config: config)
            }
        }
    }
}
