import EdgeKernels
import EdgeProgram

// Slicing and gathers.

extension Kernels {
    static let indexing: [Kernel] = [
        Kernel(.sliceCopy) { a in
            let x = try a.tensor("self"), dim = try a.int("dim"), start = try a.optionalInt("start") ?? 0, end = try a.optionalInt("end") ?? Int.max
            let step = try a.int("step"), out = try a.out("out")
            return { try Slice.run(input: x, dim: dim, start: start, end: end, step: step, output: out) }
        },
        Kernel(.indexSelect) { a in
            let x = try a.tensor("self"), dim = try a.int("dim"), index = try a.tensor("index"), out = try a.out("out")
            return { try IndexSelect.run(input: x, dim: dim, index: index, output: out) }
        },
        Kernel(.gather) { a in
            let x = try a.tensor("self"), dim = try a.int("dim"), index = try a.tensor("index"), out = try a.out("out")
            return { try Gather.run(input: x, dim: dim, index: index, output: out) }
        },
    ]
}
