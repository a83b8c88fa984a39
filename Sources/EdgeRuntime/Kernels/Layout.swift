import EdgeKernels
import EdgeProgram

// Copies (clone, view / squeeze / unsqueeze copies, permute, expand, repeat, concat, split),
// padding and resizing.

extension Kernels {
    static let layout: [Kernel] = [
        copy(.clone),
        copy(.viewCopy),
        reshape(.squeezeCopy),
        reshape(.unsqueezeCopy),
        Kernel(.permuteCopy) { a in
            let x = try a.tensor("self"), dims = try a.intList("dims"), out = try a.out("out")
            return { try Permute.run(input: x, permutation: dims, output: out) }
        },
        Kernel(.expandCopy) { a in
            let x = try a.tensor("self"), out = try a.out("out")
            return { try Expand.run(input: x, output: out) }
        },
        Kernel(.repeat) { a in
            let x = try a.tensor("self"), repeats = try a.intList("repeats"), out = try a.out("out")
            return { try Repeat.run(input: x, repeats: repeats, output: out) }
        },
        Kernel(.cat) { a in
            let xs = try a.tensorList("tensors"), axis = try a.int("dim"), out = try a.out("out")
            return { try Concat.run(inputs: xs, axis: axis, output: out) }
        },
        Kernel(.splitWithSizesCopy) { a in
            let x = try a.tensor("self"), dim = try a.int("dim"), sizes = try a.intList("split_sizes"), outs = try a.outList("out")
            return { try Split.run(input: x, dim: dim, sizes: sizes, outputs: outs) }
        },
        Kernel(.constantPadNd) { a in
            let x = try a.tensor("self"), pad = try a.intList("pad"), value = try a.scalar("value"), out = try a.out("out")
            return { try Pad.run(input: x, pad: pad, mode: .constant, value: value, output: out) }
        },
        pad(.reflectionPad1d, .reflect, 1),
        pad(.reflectionPad2d, .reflect, 2),
        pad(.reflectionPad3d, .reflect, 3),
        pad(.replicationPad1d, .replicate, 1),
        pad(.replicationPad2d, .replicate, 2),
        pad(.replicationPad3d, .replicate, 3),
        Kernel(.upsampleNearest2d) { a in
            let x = try a.tensor("input"), out = try a.out("out")
            guard try a.isNull("scale_factors"), let size = try a.optionalIntList("output_size"), size == Array(out.shape.suffix(2)) else {
                throw RuntimeError("upsample_nearest2d.vec_out needs an output_size equal to the out tensor's H, W and no scale factors")
            }
            return { try Upsample2D.nearest(input: x, output: out) }
        },
        Kernel(.upsampleBilinear2d) { a in
            let x = try a.tensor("input"), alignCorners = try a.bool("align_corners"), out = try a.out("out")
            guard try a.isNull("scale_factors"), let size = try a.optionalIntList("output_size"), size == Array(out.shape.suffix(2)) else {
                throw RuntimeError("upsample_bilinear2d.vec_out needs an output_size equal to the out tensor's H, W and no scale factors")
            }
            return { try Upsample2D.bilinear(input: x, alignCorners: alignCorners, output: out) }
        },
    ]

    /// `kernel(self, ..., *, out)` that copies `self`'s bytes into `out` (same element count and type).
    static func copy(_ kernel: ATenKernel) -> Kernel {
        Kernel(kernel) { a in
            let x = try a.tensor("self"), out = try a.out("out")
            return {
                guard x.dtype == out.dtype, x.count == out.count else { throw RuntimeError("copy of \(x.dtype)\(x.shape) into \(out.dtype)\(out.shape)") }
                out.base.copyMemory(from: x.base, byteCount: x.byteCount)
            }
        }
    }

    /// `kernel(self, dim, *, out)` that only changes the shape (squeeze / unsqueeze copies).
    static func reshape(_ kernel: ATenKernel) -> Kernel {
        Kernel(kernel) { a in
            let x = try a.tensor("self"), out = try a.out("out")
            return { try Reshape.run(input: x, output: out) }
        }
    }

    /// `reflection_padNd` / `replication_padNd(self, padding, *, out)` with `pairs` padded dims.
    static func pad(_ kernel: ATenKernel, _ mode: PadMode, _ pairs: Int) -> Kernel {
        Kernel(kernel) { a in
            let x = try a.tensor("self"), pad = try a.intList("padding"), out = try a.out("out")
            guard pad.count == 2 * pairs else { throw RuntimeError("padding must have \(2 * pairs) values, got \(pad)") }
            return { try Pad.run(input: x, pad: pad, mode: mode, output: out) }
        }
    }
}
