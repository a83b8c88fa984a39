// Storage scalars, dtype conversions and the arithmetic used by generic kernels.

/// Bit-exact conversions between `Float` and the 16-bit float formats: the one f16/bf16 codec
/// of edgec (kernels, constant folding, the `.eir` parser and both importers use it). Encoding
/// rounds to nearest even (ties to the even mantissa), overflows to infinity, keeps subnormals
/// and infinities, and keeps NaN a (quiet) NaN with its sign.
public enum HalfPrecision {
    /// IEEE binary16 bits -> Float (exact).
    public static func float(fromF16 h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exp = UInt32(h >> 10) & 0x1F
        let mant = UInt32(h & 0x3FF)
        if exp == 0 {
            // Zero or subnormal: mant * 2^-24.
            let v = Float(mant) * Float(bitPattern: 0x3380_0000)
            return Float(bitPattern: v.bitPattern | sign)
        }
        if exp == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mant << 13)) }
        return Float(bitPattern: sign | ((exp + 112) << 23) | (mant << 13))
    }

    /// Float -> IEEE binary16 bits (round to nearest even, overflow to infinity, NaN kept quiet).
    public static func f16(from f: Float) -> UInt16 {
        var x = f.bitPattern
        let sign = x & 0x8000_0000
        x ^= sign
        var o: UInt32
        if x >= 0x4780_0000 {  // >= 65536: inf or NaN (values in [65520, 65536) round below)
            o = x > 0x7F80_0000 ? 0x7E00 : 0x7C00
        } else if x < 0x3880_0000 {  // below the smallest normal half: subnormal or zero
            let magic = Float(bitPattern: 0x3F00_0000)  // 0.5: aligns bits so the FPU rounds for us
            let v = Float(bitPattern: x) + magic
            o = v.bitPattern &- magic.bitPattern
        } else {
            let mantOdd = (x >> 13) & 1
            x = x &+ (UInt32(bitPattern: Int32(15 - 127) << 23) &+ 0xFFF)
            x = x &+ mantOdd
            o = x >> 13
        }
        return UInt16(truncatingIfNeeded: o | (sign >> 16))
    }

    /// bfloat16 bits -> Float (exact).
    public static func float(fromBF16 b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }

    /// Float -> bfloat16 bits (round to nearest even, NaN kept quiet).
    public static func bf16(from f: Float) -> UInt16 {
        let x = f.bitPattern
        if f.isNaN { return UInt16(truncatingIfNeeded: (x >> 16) | 0x40) }
        let bias = 0x7FFF + ((x >> 16) & 1)
        return UInt16(truncatingIfNeeded: (x &+ bias) >> 16)
    }
}

/// IEEE half stored as bits.
struct F16Bits { var bits: UInt16 }
/// bfloat16 stored as bits.
struct BF16Bits { var bits: UInt16 }
/// One-byte boolean (any non-zero byte reads as true).
struct BoolByte { var raw: UInt8 }

/// A scalar as laid out in tensor memory, with ATen-like conversions.
/// Integers and bool convert through Int64 (exact: narrower types wrap, u64 keeps its bit
/// pattern), except that u64 converts to floating-point types by value; floats through Double.
protocol StorageScalar {
    static var dtype: DType { get }
    static var isIntegerLike: Bool { get }
    var asDouble: Double { get }
    var asInt64: Int64 { get }
    init(fromDouble v: Double)
    init(fromInt64 v: Int64)
    /// From an unsigned 64-bit value (integers wrap, floats round to nearest, bool is v != 0).
    init(fromUInt64 v: UInt64)
}

/// Float -> Int64 truncating toward zero; NaN -> 0, saturating out of range.
@inline(__always) func saturatingInt64(_ d: Double) -> Int64 {
    if d.isNaN { return 0 }
    if d >= 9.223372036854775807e18 { return .max }
    if d <= -9.223372036854775808e18 { return .min }
    return Int64(d)
}

/// Float -> integer type T for constants: truncates toward zero, NaN -> 0, saturating at T's
/// range (the constant-encoding policy of `Tensor(converting:dtype:)`).
@inline(__always) func saturatingInteger<T: FixedWidthInteger>(_ d: Double, _: T.Type) -> T {
    if d.isNaN { return 0 }
    let t = d.rounded(.towardZero)
    if t >= Double(T.max) { return .max }
    if t <= Double(T.min) { return .min }
    return T(t)
}

extension StorageScalar where Self: FixedWidthInteger {
    static var isIntegerLike: Bool { true }
    var asDouble: Double { Double(self) }
    var asInt64: Int64 { Int64(truncatingIfNeeded: self) }
    init(fromDouble v: Double) { self.init(truncatingIfNeeded: saturatingInt64(v)) }
    init(fromInt64 v: Int64) { self.init(truncatingIfNeeded: v) }
    init(fromUInt64 v: UInt64) { self.init(truncatingIfNeeded: v) }
}

extension Int8: StorageScalar { static var dtype: DType { .i8 } }
extension UInt8: StorageScalar { static var dtype: DType { .u8 } }
extension Int16: StorageScalar { static var dtype: DType { .i16 } }
extension UInt16: StorageScalar { static var dtype: DType { .u16 } }
extension Int32: StorageScalar { static var dtype: DType { .i32 } }
extension UInt32: StorageScalar { static var dtype: DType { .u32 } }
extension Int64: StorageScalar { static var dtype: DType { .i64 } }

extension UInt64: StorageScalar {
    static var dtype: DType { .u64 }
    /// Floats at or above 2^63 convert by value (saturating at 2^64 - 1); below, as the other
    /// integer types (through the Int64 range, so negative values wrap).
    init(fromDouble v: Double) {
        if v >= 9.223372036854775808e18 {
            self = v >= 1.8446744073709551616e19 ? .max : UInt64(v)
        } else {
            self.init(truncatingIfNeeded: saturatingInt64(v))
        }
    }
}

extension Float: StorageScalar {
    static var dtype: DType { .f32 }
    static var isIntegerLike: Bool { false }
    var asDouble: Double { Double(self) }
    var asInt64: Int64 { saturatingInt64(Double(self)) }
    init(fromDouble v: Double) { self.init(v) }
    init(fromInt64 v: Int64) { self.init(v) }
    init(fromUInt64 v: UInt64) { self.init(v) }
}

extension Double: StorageScalar {
    static var dtype: DType { .f64 }
    static var isIntegerLike: Bool { false }
    var asDouble: Double { self }
    var asInt64: Int64 { saturatingInt64(self) }
    init(fromDouble v: Double) { self = v }
    init(fromInt64 v: Int64) { self.init(v) }
    init(fromUInt64 v: UInt64) { self.init(v) }
}

extension F16Bits: StorageScalar {
    static var dtype: DType { .f16 }
    static var isIntegerLike: Bool { false }
    var asDouble: Double { Double(HalfPrecision.float(fromF16: bits)) }
    var asInt64: Int64 { saturatingInt64(asDouble) }
    init(fromDouble v: Double) { bits = HalfPrecision.f16(from: Float(v)) }
    init(fromInt64 v: Int64) { bits = HalfPrecision.f16(from: Float(v)) }
    init(fromUInt64 v: UInt64) { bits = HalfPrecision.f16(from: Float(v)) }
}

extension BF16Bits: StorageScalar {
    static var dtype: DType { .bf16 }
    static var isIntegerLike: Bool { false }
    var asDouble: Double { Double(HalfPrecision.float(fromBF16: bits)) }
    var asInt64: Int64 { saturatingInt64(asDouble) }
    init(fromDouble v: Double) { bits = HalfPrecision.bf16(from: Float(v)) }
    init(fromInt64 v: Int64) { bits = HalfPrecision.bf16(from: Float(v)) }
    init(fromUInt64 v: UInt64) { bits = HalfPrecision.bf16(from: Float(v)) }
}

extension BoolByte: StorageScalar {
    static var dtype: DType { .bool }
    static var isIntegerLike: Bool { true }
    var asDouble: Double { raw != 0 ? 1 : 0 }
    var asInt64: Int64 { raw != 0 ? 1 : 0 }
    init(fromDouble v: Double) { raw = v != 0 ? 1 : 0 }  // NaN -> true, like C++ bool(NaN)
    init(fromInt64 v: Int64) { raw = v != 0 ? 1 : 0 }
    init(fromUInt64 v: UInt64) { raw = v != 0 ? 1 : 0 }
}

/// Converts one scalar between storage types with ATen cast semantics
/// (float -> int truncates toward zero, int -> narrower int wraps, x -> bool is x != 0;
/// u64 -> float is by value, not through the Int64 bit pattern).
@inline(__always) func convertScalar<S: StorageScalar, D: StorageScalar>(_ s: S, to: D.Type) -> D {
    if S.self == UInt64.self { return D(fromUInt64: UInt64(truncatingIfNeeded: s.asInt64)) }
    return S.isIntegerLike ? D(fromInt64: s.asInt64) : D(fromDouble: s.asDouble)
}

/// Converts `count` elements from `src` (dtype S) into `dst` (dtype D).
func convertBuffer<S: StorageScalar, D: StorageScalar>(_ src: UnsafeRawPointer, _: S.Type,
                                                       _ dst: UnsafeMutableRawPointer, _: D.Type, count: Int) {
    let s = src.bindMemory(to: S.self, capacity: count)
    let d = dst.bindMemory(to: D.self, capacity: count)
    for i in 0..<count { d[i] = convertScalar(s[i], to: D.self) }
}

/// Converts `count` elements of any dtype at `src` into D.
func convertBuffer<D: StorageScalar>(_ src: UnsafeRawPointer, dtype: DType,
                                     _ dst: UnsafeMutableRawPointer, _: D.Type, count: Int) {
    switch dtype {
    case .f32: convertBuffer(src, Float.self, dst, D.self, count: count)
    case .f64: convertBuffer(src, Double.self, dst, D.self, count: count)
    case .f16: convertBuffer(src, F16Bits.self, dst, D.self, count: count)
    case .bf16: convertBuffer(src, BF16Bits.self, dst, D.self, count: count)
    case .i8: convertBuffer(src, Int8.self, dst, D.self, count: count)
    case .u8: convertBuffer(src, UInt8.self, dst, D.self, count: count)
    case .i16: convertBuffer(src, Int16.self, dst, D.self, count: count)
    case .u16: convertBuffer(src, UInt16.self, dst, D.self, count: count)
    case .i32: convertBuffer(src, Int32.self, dst, D.self, count: count)
    case .u32: convertBuffer(src, UInt32.self, dst, D.self, count: count)
    case .i64: convertBuffer(src, Int64.self, dst, D.self, count: count)
    case .u64: convertBuffer(src, UInt64.self, dst, D.self, count: count)
    case .bool: convertBuffer(src, BoolByte.self, dst, D.self, count: count)
    }
}

// MARK: - Arithmetic scalars

/// Scalars the arithmetic kernels are generic over (f32, f64 and the integer types).
/// Integer arithmetic wraps (unsigned: modulo 2^bits, as numpy); integer division truncates toward zero (C semantics).
protocol ArithScalar: StorageScalar, Comparable {
    static var zeroValue: Self { get }
    static func kAdd(_ a: Self, _ b: Self) -> Self
    static func kSub(_ a: Self, _ b: Self) -> Self
    static func kMul(_ a: Self, _ b: Self) -> Self
    static func kDiv(_ a: Self, _ b: Self) -> Self
    /// Converts a clamp bound; integer types round lower bounds up and upper bounds down.
    static func clampBound(_ v: Double, lower: Bool) -> Self
}

extension ArithScalar where Self: FixedWidthInteger {
    static var zeroValue: Self { 0 }
    @inline(__always) static func kAdd(_ a: Self, _ b: Self) -> Self { a &+ b }
    @inline(__always) static func kSub(_ a: Self, _ b: Self) -> Self { a &- b }
    @inline(__always) static func kMul(_ a: Self, _ b: Self) -> Self { a &* b }
    @inline(__always) static func kDiv(_ a: Self, _ b: Self) -> Self {
        b == 0 ? 0 : a.dividedReportingOverflow(by: b).partialValue
    }
    static func clampBound(_ v: Double, lower: Bool) -> Self {
        if v.isNaN { return lower ? .min : .max }
        let r = lower ? v.rounded(.up) : v.rounded(.down)
        if r <= Double(Self.min) { return .min }
        if r >= Double(Self.max) { return .max }
        return Self(r)
    }
}

extension ArithScalar where Self: BinaryFloatingPoint {
    static var zeroValue: Self { 0 }
    @inline(__always) static func kAdd(_ a: Self, _ b: Self) -> Self { a + b }
    @inline(__always) static func kSub(_ a: Self, _ b: Self) -> Self { a - b }
    @inline(__always) static func kMul(_ a: Self, _ b: Self) -> Self { a * b }
    @inline(__always) static func kDiv(_ a: Self, _ b: Self) -> Self { a / b }
    static func clampBound(_ v: Double, lower: Bool) -> Self { Self(v) }
}

extension Float: ArithScalar {}
extension Double: ArithScalar {}
extension Int8: ArithScalar {}
extension UInt8: ArithScalar {}
extension Int16: ArithScalar {}
extension UInt16: ArithScalar {}
extension Int32: ArithScalar {}
extension UInt32: ArithScalar {}
extension Int64: ArithScalar {}
extension UInt64: ArithScalar {}

// MARK: - SIMD helpers

@inline(__always) func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always) func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// `a * b + c`; fused only when built with `-DEDGEKERNELS_FMA` (needs a CPU target with FMA,
/// otherwise `addingProduct` lowers to a libm call per lane).
@inline(__always) func madd(_ a: SIMD8<Float>, _ b: SIMD8<Float>, _ c: SIMD8<Float>) -> SIMD8<Float> {
    #if EDGEKERNELS_FMA
    return c.addingProduct(a, b)
    #else
    return a * b + c
    #endif
}

/// Horizontal sum of a SIMD8 (pairwise, deterministic).
@inline(__always) func hsum(_ v: SIMD8<Float>) -> Float {
    let h = v.lowHalf + v.highHalf
    let q = h.lowHalf + h.highHalf
    return q[0] + q[1]
}
