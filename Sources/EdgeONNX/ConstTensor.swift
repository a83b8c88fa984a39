import EdgeIR
import Foundation

/// A tensor whose contents are known at import time: an initializer, a Constant node, or the
/// result of evaluating a shape computation. `data` holds little-endian elements and may be a
/// slice of the model's bytes or of a memory-mapped external file (never copied needlessly).
struct ConstTensor {
    var element: ScalarType
    var shape: [Int]
    var data: Data

    var type: TensorType { TensorType(.scalar(element), shape) }
    var count: Int { data.count / element.byteSize }

    init(element: ScalarType, shape: [Int], data: Data) {
        self.element = element
        self.shape = shape
        self.data = data
    }

    /// An i64 tensor holding `values`.
    init(int64s values: [Int64], shape: [Int]? = nil) {
        self.element = .i64
        self.shape = shape ?? [values.count]
        self.data = values.withUnsafeBufferPointer { Data(buffer: $0) }
    }

    /// A tensor of `element` (an integer, bool or float type) holding `values` converted to it.
    init(element: ScalarType, shape: [Int], values: [Double]) {
        self.element = element
        self.shape = shape
        var out = Data(capacity: values.count * element.byteSize)
        for v in values { ConstTensor.append(v, as: element, to: &out) }
        self.data = out
    }

    static func append(_ v: Double, as element: ScalarType, to out: inout Data) {
        func put<T>(_ x: T) { withUnsafeBytes(of: x) { out.append(contentsOf: $0) } }
        switch element {
        case .f32: put(Float(v).bitPattern.littleEndian)
        case .f64: put(v.bitPattern.littleEndian)
        case .f16: put(Half.bits(from: Float(v)).littleEndian)
        case .bf16: put(UInt16(truncatingIfNeeded: Float(v).bitPattern >> 16).littleEndian)
        case .i8: put(Int8(clamping: Int64(exactly: v.rounded(.towardZero)) ?? 0))
        case .u8: put(UInt8(clamping: Int64(exactly: v.rounded(.towardZero)) ?? 0))
        case .i16: put(Int16(clamping: Int64(exactly: v.rounded(.towardZero)) ?? 0).littleEndian)
        case .i32: put(Int32(clamping: Int64(exactly: v.rounded(.towardZero)) ?? 0).littleEndian)
        case .i64: put((v.isFinite && abs(v) < 9.2e18 ? Int64(v) : 0).littleEndian)
        case .bool: put(UInt8(v != 0 ? 1 : 0))
        }
    }

    private func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
        let size = MemoryLayout<T>.size
        var v: T = 0
        let base = data.startIndex + i * size
        for b in 0..<size { v |= T(truncatingIfNeeded: data[base + b]) << (8 * b) }
        return v
    }

    /// The elements as integers (integer and bool tensors), else nil.
    var int64s: [Int64]? {
        let n = count
        switch element {
        case .i64: return (0..<n).map { load(Int64.self, $0) }
        case .i32: return (0..<n).map { Int64(load(Int32.self, $0)) }
        case .i16: return (0..<n).map { Int64(load(Int16.self, $0)) }
        case .i8: return (0..<n).map { Int64(load(Int8.self, $0)) }
        case .u8, .bool: return (0..<n).map { Int64(load(UInt8.self, $0)) }
        default: return nil
        }
    }

    /// The elements as doubles (any element type).
    var doubles: [Double] {
        let n = count
        switch element {
        case .f32: return (0..<n).map { Double(Float(bitPattern: load(UInt32.self, $0))) }
        case .f64: return (0..<n).map { Double(bitPattern: load(UInt64.self, $0)) }
        case .f16: return (0..<n).map { Double(Half.float(from: load(UInt16.self, $0))) }
        case .bf16: return (0..<n).map { Double(Float(bitPattern: UInt32(load(UInt16.self, $0)) << 16)) }
        default: return int64s!.map(Double.init)
        }
    }

    /// The same elements viewed with another shape (no copy).
    func reshaped(_ shape: [Int]) -> ConstTensor { ConstTensor(element: element, shape: shape, data: data) }
}

/// IEEE half-precision conversions (Float16 is not available on every platform Swift supports).
enum Half {
    static func float(from h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exp = Int((h >> 10) & 0x1F), frac = UInt32(h & 0x3FF)
        if exp == 0 {
            let v = Float(frac) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign == 0 ? v : -v
        }
        if exp == 31 { return Float(bitPattern: sign | 0x7F80_0000 | (frac << 13)) }
        return Float(bitPattern: sign | UInt32(exp - 15 + 127) << 23 | (frac << 13))
    }

    static func bits(from f: Float) -> UInt16 {
        let b = f.bitPattern
        let sign = UInt16((b >> 16) & 0x8000)
        if f.isNaN { return sign | 0x7E00 }
        let a = Swift.abs(f)
        if a >= 65520 { return sign | 0x7C00 }
        if a < Float(sign: .plus, exponent: -14, significand: 1) {
            return sign | UInt16((a * Float(sign: .plus, exponent: 24, significand: 1)).rounded(.toNearestOrEven))
        }
        let exp = Int((b >> 23) & 0xFF) - 127 + 15
        var mant = (b >> 13) & 0x3FF
        let rest = b & 0x1FFF
        var e = UInt16(exp)
        if rest > 0x1000 || (rest == 0x1000 && mant & 1 == 1) {
            mant += 1
            if mant == 0x400 { mant = 0; e += 1 }
        }
        return sign | (e << 10) | UInt16(mant)
    }
}
