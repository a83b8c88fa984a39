// Affine INT quantization: `q = saturate(round_half_even(x / scale) + zero_point)` and
// `x = scale * (q - zero_point)`, per tensor, per channel along one axis, or blockwise 4-bit
// (ONNX QuantizeLinear / DequantizeLinear; ATen quantize_per_tensor / quantize_per_channel;
// torchao's groupwise int4).

/// The affine map of a quantized tensor: one scale and zero point, one per slice along `axis`,
/// or (``blockSize`` set) one scale per block of `blockSize` consecutive elements along `axis`.
public struct QuantizationParameters: Sendable, Hashable {
    public var scales: [Double]
    public var zeroPoints: [Int64]
    /// The channel axis (non-negative), or the blocked axis; nil for per-tensor parameters.
    public var axis: Int?
    /// Blockwise 4-bit: the block length along ``axis``. The scales are laid out as the tensor's
    /// shape with `shape[axis]` replaced by `shape[axis] / blockSize` (row-major); the integers are
    /// symmetric (zero points 0) in ``int4Range`` whatever the storage type.
    public var blockSize: Int?

    /// The values of a 4-bit blockwise tensor.
    public static let int4Range: ClosedRange<Int64> = -8 ... 7

    public init(scale: Double, zeroPoint: Int64) {
        scales = [scale]
        zeroPoints = [zeroPoint]
        axis = nil
    }

    public init(axis: Int, scales: [Double], zeroPoints: [Int64]) {
        self.axis = axis
        self.scales = scales
        self.zeroPoints = zeroPoints
    }

    /// Blockwise 4-bit parameters (symmetric: every zero point 0).
    public init(axis: Int, blockSize: Int, scales: [Double]) {
        self.axis = axis
        self.scales = scales
        self.zeroPoints = Array(repeating: 0, count: scales.count)
        self.blockSize = blockSize
    }

    /// The integer range of `storage` under these parameters (``int4Range`` when blockwise).
    func integerRange(of storage: DType) -> ClosedRange<Int64>? {
        guard let r = Self.range(of: storage) else { return nil }
        return blockSize == nil ? r : Self.int4Range.clamped(to: r)
    }

    /// The representable range of an integer storage type, or nil for non-integer types.
    public static func range(of storage: DType) -> ClosedRange<Int64>? {
        switch storage {
        case .i8: return Int64(Int8.min)...Int64(Int8.max)
        case .u8: return Int64(UInt8.min)...Int64(UInt8.max)
        case .i16: return Int64(Int16.min)...Int64(Int16.max)
        case .u16: return Int64(UInt16.min)...Int64(UInt16.max)
        case .i32: return Int64(Int32.min)...Int64(Int32.max)
        case .u32: return Int64(UInt32.min)...Int64(UInt32.max)
        default: return nil
        }
    }

    /// Checks the parameters against a tensor shape and storage type; returns, per element
    /// index (row-major), the index of its scale and zero point.
    func layout(shape: [Int], storage: DType, kernel: String) throws -> (Int) -> Int {
        guard let range = integerRange(of: storage) else {
            throw KernelError.unsupportedDType(kernel: kernel, dtype: storage)
        }
        guard scales.count == zeroPoints.count, !scales.isEmpty else {
            throw KernelError.invalidArgument(kernel: kernel, message: "\(scales.count) scales but \(zeroPoints.count) zero points")
        }
        for (i, s) in scales.enumerated() where !(s > 0 && s.isFinite) {
            throw KernelError.invalidArgument(kernel: kernel, message: "scale #\(i) is \(s); scales must be positive and finite")
        }
        for (i, z) in zeroPoints.enumerated() where !range.contains(z) {
            throw KernelError.invalidArgument(kernel: kernel, message: "zero point #\(i) is \(z), outside \(storage)'s range \(range)")
        }
        guard let axis else {
            guard scales.count == 1 else {
                throw KernelError.invalidArgument(kernel: kernel, message: "per-tensor parameters need one scale, got \(scales.count)")
            }
            return { _ in 0 }
        }
        guard axis >= 0, axis < shape.count else {
            throw KernelError.invalidArgument(kernel: kernel, message: "axis \(axis) is out of range for rank \(shape.count)")
        }
        let channels = shape[axis], inner = max(1, product(Array(shape[(axis + 1)...])))
        guard let block = blockSize else {
            guard scales.count == channels else {
                throw KernelError.shapeMismatch(kernel: kernel, message: "\(scales.count) scales for \(channels) channels along axis \(axis)")
            }
            return { i in (i / inner) % channels }
        }
        guard block > 0, channels % block == 0 else {
            throw KernelError.shapeMismatch(kernel: kernel, message: "block size \(block) does not divide the \(channels) elements along axis \(axis)")
        }
        let blocks = channels / block
        guard scales.count == product(shape) / block else {
            throw KernelError.shapeMismatch(kernel: kernel, message: "\(scales.count) scales for \(product(shape) / block) blocks of \(block) along axis \(axis)")
        }
        return { i in
            let outer = i / (channels * inner), c = (i / inner) % channels, rest = i % inner
            return (outer * blocks + c / block) * inner + rest
        }
    }
}

public enum Quantize {
    /// Quantizes one real value (round half to even, saturate to `range`; NaN gives the zero point).
    @inlinable
    public static func quantize(_ x: Float, scale: Float, zeroPoint: Int64, range: ClosedRange<Int64>) -> Int64 {
        let r = (x / scale).rounded(.toNearestOrEven)
        if r.isNaN { return min(max(zeroPoint, range.lowerBound), range.upperBound) }
        let lo = Float(range.lowerBound - zeroPoint), hi = Float(range.upperBound - zeroPoint)
        if r <= lo { return range.lowerBound }
        if r >= hi { return range.upperBound }
        return Int64(r) + zeroPoint
    }

    /// Quantizes a floating-point tensor into `storage` (i8, u8, i16, u16, i32 or u32).
    public static func run(_ input: Tensor, storage: DType, parameters p: QuantizationParameters) throws -> Tensor {
        guard input.dtype.isFloatingPoint else {
            throw KernelError.dtypeMismatch(kernel: "quantize", message: "input must be floating point, got \(input.dtype)")
        }
        let index = try p.layout(shape: input.shape, storage: storage, kernel: "quantize")
        guard let range = p.integerRange(of: storage) else {
            throw KernelError.unsupportedDType(kernel: "quantize", dtype: storage)
        }
        let x = input.converted(to: Float.self)
        let scales = p.scales.map { Float($0) }
        var q = [Double](repeating: 0, count: x.count)
        for i in 0..<x.count {
            let c = index(i)
            q[i] = Double(quantize(x[i], scale: scales[c], zeroPoint: p.zeroPoints[c], range: range))
        }
        return try Tensor(converting: q, dtype: storage, shape: input.shape)
    }
}

public enum Dequantize {
    /// Maps an integer tensor back to `output` (f32 unless stated): `scale * (q - zero_point)`.
    public static func run(_ input: Tensor, parameters p: QuantizationParameters, to output: DType = .f32) throws -> Tensor {
        let index = try p.layout(shape: input.shape, storage: input.dtype, kernel: "dequantize")
        guard output.isFloatingPoint else {
            throw KernelError.unsupportedDType(kernel: "dequantize", dtype: output)
        }
        let q = input.converted(to: Int64.self)
        let scales = p.scales.map { Float($0) }
        var x = [Double](repeating: 0, count: q.count)
        for i in 0..<q.count {
            let c = index(i)
            x[i] = Double(Float(q[i] - p.zeroPoints[c]) * scales[c])
        }
        return try Tensor(converting: x, dtype: output, shape: input.shape)
    }
}

/// Packed 4-bit integers, the layout of XNNPACK's qbint4 weights and of edgec's 4-bit embedding
/// tables: two values per byte along the last dimension, element 2j in the low nibble and 2j+1 in
/// the high one, each stored as the unsigned `q + 8`.
public enum Int4Packing {
    /// Packs integers in [-8, 7] whose rows (the last dimension, `rowLength`) are of even length.
    public static func pack(_ q: [Int8], rowLength: Int) throws -> [UInt8] {
        guard rowLength > 0, rowLength % 2 == 0, q.count % rowLength == 0 else {
            throw KernelError.invalidArgument(kernel: "int4 pack", message: "\(q.count) values do not form rows of an even length \(rowLength)")
        }
        var out = [UInt8](repeating: 0, count: q.count / 2)
        for (i, v) in q.enumerated() {
            guard QuantizationParameters.int4Range.contains(Int64(v)) else {
                throw KernelError.invalidArgument(kernel: "int4 pack", message: "value #\(i) is \(v), outside [-8, 7]")
            }
            out[i / 2] |= UInt8(Int(v) + 8) << (i % 2 == 0 ? 0 : 4)
        }
        return out
    }
}
