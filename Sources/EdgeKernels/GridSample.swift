// 2-D grid sampling with ATen `grid_sampler_2d` semantics (ONNX GridSample on 4-D inputs):
// input [N, C, H, W], grid [N, Ho, Wo, 2] of (x, y) in [-1, 1], output [N, C, Ho, Wo].
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

public enum GridSampleMode: Int, Sendable, Hashable, CaseIterable {
    case bilinear = 0, nearest = 1, bicubic = 2
}

public enum GridSamplePadding: Int, Sendable, Hashable, CaseIterable {
    case zeros = 0, border = 1, reflection = 2
}

public enum GridSample {
    public static func outputShape(input: [Int], grid: [Int]) throws -> [Int] {
        guard input.count == 4, grid.count == 4, grid[3] == 2, grid[0] == input[0] else {
            throw KernelError.invalidArgument(kernel: "grid_sampler_2d", message: "input \(input) must be [N, C, H, W] and grid \(grid) [N, Ho, Wo, 2]")
        }
        return [input[0], input[1], grid[1], grid[2]]
    }

    /// Out-variant (f32, f64; grid of the input's dtype).
    public static func run(input: TensorView, grid: TensorView, mode: GridSampleMode, padding: GridSamplePadding, alignCorners: Bool,
                           output: MutableTensorView) throws {
        let name = "grid_sampler_2d"
        try requireShape(output.shape, try outputShape(input: input.shape, grid: grid.shape), name)
        try requireDType(grid.dtype, input.dtype, name, "grid")
        try requireDType(output.dtype, input.dtype, name, "output")
        switch input.dtype {
        case .f32: typed(Float.self, input, grid, mode, padding, alignCorners, output)
        case .f64: typed(Double.self, input, grid, mode, padding, alignCorners, output)
        default: throw KernelError.unsupportedDType(kernel: name, dtype: input.dtype)
        }
    }

    static func typed<T: BinaryFloatingPoint>(_: T.Type, _ input: TensorView, _ grid: TensorView, _ mode: GridSampleMode,
                                              _ padding: GridSamplePadding, _ align: Bool, _ output: MutableTensorView) {
        let (n, c, h, w) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
        let (ho, wo) = (grid.shape[1], grid.shape[2])
        let x = input.typed(T.self), g = grid.typed(T.self), y = output.typed(T.self)
        func unnormalize(_ v: Double, _ size: Int) -> Double {
            align ? (v + 1) / 2 * Double(size - 1) : ((v + 1) * Double(size) - 1) / 2
        }
        func reflect(_ v: Double, _ twiceLow: Int, _ twiceHigh: Int) -> Double {
            if twiceLow == twiceHigh { return 0 }
            let low = Double(twiceLow) / 2, span = Double(twiceHigh - twiceLow) / 2
            let a = Swift.abs(v - low)
            guard a.isFinite else { return a }
            let extra = fmod(a, span), flips = (a / span).rounded(.down)
            return flips.truncatingRemainder(dividingBy: 2) == 0 ? extra + low : span - extra + low
        }
        func pad(_ v: Double, _ size: Int) -> Double {
            switch padding {
            case .zeros: return v
            case .border: return Swift.min(Swift.max(v, 0), Double(size - 1))
            case .reflection:
                let r = align ? reflect(v, 0, 2 * (size - 1)) : reflect(v, -1, 2 * size - 1)
                return Swift.min(Swift.max(r, 0), Double(size - 1))
            }
        }
        // Grid values are run-time data: NaN, inf or 1e30 land outside the input (zeros) instead
        // of trapping in Int(_:); the result is then NaN or the padding, as the arithmetic gives.
        func index(_ v: Double) -> Int { v.isFinite && Swift.abs(v) < 0x1p40 ? Int(v) : -(1 << 41) }
        func cubic(_ t: Double) -> [Double] {
            let a = -0.75
            func near(_ x: Double) -> Double { ((a + 2) * x - (a + 3)) * x * x + 1 }
            func far(_ x: Double) -> Double { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
            return [far(t + 1), near(t), near(1 - t), far(2 - t)]
        }
        for b in 0 ..< n {
            for i in 0 ..< ho {
                for j in 0 ..< wo {
                    let gp = ((b * ho + i) * wo + j) * 2
                    let gx = Double(g[gp]), gy = Double(g[gp + 1])
                    for ch in 0 ..< c {
                        let plane = x + (b * c + ch) * h * w
                        func at(_ yy: Int, _ xx: Int) -> Double {
                            yy >= 0 && yy < h && xx >= 0 && xx < w ? Double(plane[yy * w + xx]) : 0
                        }
                        var value = 0.0
                        switch mode {
                        case .bilinear:
                            let ix = pad(unnormalize(gx, w), w), iy = pad(unnormalize(gy, h), h)
                            let x0 = index(ix.rounded(.down)), y0 = index(iy.rounded(.down))
                            let tx = ix - Double(x0), ty = iy - Double(y0)
                            value = at(y0, x0) * (1 - tx) * (1 - ty) + at(y0, x0 + 1) * tx * (1 - ty)
                                + at(y0 + 1, x0) * (1 - tx) * ty + at(y0 + 1, x0 + 1) * tx * ty
                        case .nearest:
                            let ix = pad(unnormalize(gx, w), w), iy = pad(unnormalize(gy, h), h)
                            value = at(index(iy.rounded(.toNearestOrEven)), index(ix.rounded(.toNearestOrEven)))
                        case .bicubic:
                            let ix = unnormalize(gx, w), iy = unnormalize(gy, h)
                            let fx = ix.rounded(.down), fy = iy.rounded(.down)
                            let wx = cubic(ix - fx), wy = cubic(iy - fy)
                            for r in 0 ..< 4 {
                                var row = 0.0
                                for q in 0 ..< 4 {
                                    let sx = pad(fx - 1 + Double(q), w), sy = pad(fy - 1 + Double(r), h)
                                    row += wx[q] * at(index(sy.rounded(.down)), index(sx.rounded(.down)))
                                }
                                value += wy[r] * row
                            }
                        }
                        y[((b * c + ch) * ho + i) * wo + j] = T(value)
                    }
                }
            }
        }
    }

    /// Allocating wrapper.
    public static func run(_ input: Tensor, grid: Tensor, mode: GridSampleMode, padding: GridSamplePadding, alignCorners: Bool) throws -> Tensor {
        let shape = try outputShape(input: input.shape, grid: grid.shape)
        return try withExtendedLifetime((input, grid)) {
            try makeTensor(shape: shape, dtype: input.dtype, kernel: "grid_sampler_2d") {
                try run(input: input.unsafeView, grid: grid.unsafeView, mode: mode, padding: padding, alignCorners: alignCorners, output: $0)
            }
        }
    }
}
