import EdgeIR
import Foundation

/// Import-time evaluation of small constant tensors (shape computations in exported graphs:
/// Shape → Gather → Unsqueeze → Concat → Reshape). Tensors larger than `limit` elements are
/// left to the IR (constant folding proper is a pass).
enum Fold {
    static let limit = 1 << 16

    /// Numpy broadcasting of two static shapes.
    static func broadcast(_ a: [Int], _ b: [Int]) throws -> [Int] {
        do throws(OpError) {
            return try ShapeRules.broadcast(a.map(Dim.known), b.map(Dim.known)).map { $0.value! }
        } catch {
            throw ImportError(error.message)
        }
    }

    /// The flat index in a tensor of `shape` that broadcasting maps output index `i` (of `out`) to.
    static func sourceIndices(_ shape: [Int], to out: [Int]) -> [Int] {
        let n = checkedProduct(out) ?? 0
        let lead = out.count - shape.count
        var strides = [Int](repeating: 0, count: out.count)
        var s = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[d + lead] = shape[d] == 1 ? 0 : s
            s *= shape[d]
        }
        var result = [Int](repeating: 0, count: n)
        var index = [Int](repeating: 0, count: out.count)
        for i in 0..<n {
            var flat = 0
            for d in 0..<out.count { flat += index[d] * strides[d] }
            result[i] = flat
            var d = out.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < out[d] { break }
                index[d] = 0
                d -= 1
            }
        }
        return result
    }

    /// Applies a binary function with broadcasting; integer tensors use `int`, others `real`.
    static func binary(_ a: ConstTensor, _ b: ConstTensor, result: ScalarType? = nil,
                       int: (Int64, Int64) throws -> Int64, real: (Double, Double) -> Double) throws -> ConstTensor? {
        guard a.count <= limit, b.count <= limit, a.element == b.element else { return nil }
        let shape = try broadcast(a.shape, b.shape)
        let ia = sourceIndices(a.shape, to: shape), ib = sourceIndices(b.shape, to: shape)
        if let x = a.int64s, let y = b.int64s, a.element != .bool || result == .bool {
            let v = try zip(ia, ib).map { try int(x[$0], y[$1]) }
            let element = result ?? a.element
            return ConstTensor(element: element, shape: shape, values: v.map(Double.init)).withExactInts(v, element)
        }
        let x = a.doubles, y = b.doubles
        return ConstTensor(element: result ?? a.element, shape: shape, values: zip(ia, ib).map { real(x[$0], y[$1]) })
    }

    /// Applies a function to each element (integer tensors stay integer).
    static func unary(_ a: ConstTensor, int: (Int64) -> Int64, real: (Double) -> Double) -> ConstTensor? {
        guard a.count <= limit else { return nil }
        if let x = a.int64s, a.element != .bool {
            let v = x.map(int)
            return ConstTensor(element: a.element, shape: a.shape, values: []).withExactInts(v, a.element)
        }
        return ConstTensor(element: a.element, shape: a.shape, values: a.doubles.map(real))
    }

    /// Gathers `indices` along `axis` (ONNX Gather; negative indices count from the end).
    static func gather(_ data: ConstTensor, _ indices: [Int64], indexShape: [Int], axis: Int) throws -> ConstTensor? {
        guard data.count <= limit || data.shape.count == 1 && indices.count <= limit else { return nil }
        let shape = data.shape
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *), n = shape[axis]
        let size = data.element.byteSize
        var out = Data(capacity: outer * indices.count * inner * size)
        for o in 0..<outer {
            for raw in indices {
                let i = raw < 0 ? Int(raw) + n : Int(raw)
                guard i >= 0, i < n else { throw ImportError("index \(raw) is out of range for a dim of size \(n)") }
                let start = data.data.startIndex + ((o * n + i) * inner) * size
                out.append(data.data[start..<(start + inner * size)])
            }
        }
        return ConstTensor(element: data.element, shape: Array(shape[..<axis]) + indexShape + Array(shape[(axis + 1)...]), data: out)
    }
}

extension ConstTensor {
    /// Replaces the contents with exact integers (no trip through Double).
    func withExactInts(_ v: [Int64], _ element: ScalarType) -> ConstTensor {
        if element == .i64 { return ConstTensor(int64s: v, shape: shape) }
        var out = Data(capacity: v.count * element.byteSize)
        for x in v {
            switch element {
            case .i32: withUnsafeBytes(of: Int32(truncatingIfNeeded: x).littleEndian) { out.append(contentsOf: $0) }
            case .i16: withUnsafeBytes(of: Int16(truncatingIfNeeded: x).littleEndian) { out.append(contentsOf: $0) }
            case .i8: out.append(UInt8(bitPattern: Int8(truncatingIfNeeded: x)))
            case .u8: out.append(UInt8(truncatingIfNeeded: x))
            case .bool: out.append(x != 0 ? 1 : 0)
            default: ConstTensor.append(Double(x), as: element, to: &out)
            }
        }
        return ConstTensor(element: element, shape: shape, data: out)
    }
}
