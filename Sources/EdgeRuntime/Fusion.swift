import EdgeKernels
import EdgeProgram

/// Calls the interpreter runs as one: an activation applied by the convolution as it stores its
/// outputs (`convolution.out` followed by `relu.out`, `clamp.out`, `sigmoid.out`, or `sigmoid.out`
/// and `mul.out` forming x·sigmoid(x)), and `sigmoid.out` + `mul.out` of the same x as one silu
/// pass. Found at load on consecutive calls whose intermediate values nothing else reads; the
/// fused call writes the last call's out and the others run nothing. A conv epilogue gives the
/// unfused calls' values bit for bit (same comparisons, same sigmoid); silu computes x·sigmoid(x)
/// in one pass, within a few ulp of sigmoid-then-mul (kernels.inc states its bound).
struct Fusion {
    /// What instruction `start` runs instead of its own call, and the calls after it it covers.
    struct Fused {
        let name: String
        let run: Kernel.Run
        let covers: Int
    }

    /// The fusions of `interpreter`'s plan, by first instruction.
    /// A group never spans a jump's destination (a jump into it would skip the fused call).
    static func find(_ interpreter: Interpreter, jumpDestinations: Set<Int> = []) -> [Int: Fused] {
        var found: [Int: Fused] = [:]
        let plan = interpreter.plan
        var k = 0
        while k < plan.instructions.count {
            if let f = try? fuse(at: k, interpreter), !(k + 1 ... k + f.covers).contains(where: jumpDestinations.contains) {
                found[k] = f
                k += 1 + f.covers
            } else {
                k += 1
            }
        }
        return found
    }

    /// The kernel and arguments of instruction `k`, when it is a kernel call.
    static func call(_ k: Int, _ interpreter: Interpreter) -> (ATenKernel, Arguments)? {
        let plan = interpreter.plan
        guard k < plan.instructions.count, case let .kernelCall(opIndex, args) = plan.instructions[k],
              let kernel = ATenKernel(rawValue: plan.operators[Int(opIndex)].qualifiedName) else { return nil }
        let schema = kernel.schema
        guard schema.mismatch(args, in: plan.values) == nil else { return nil }
        return (kernel, Arguments(interpreter: interpreter, schema: schema, indices: args.map(Int.init)))
    }

    static func fuse(at k: Int, _ interpreter: Interpreter) throws -> Fused? {
        guard let (kernel, a) = call(k, interpreter) else { return nil }
        switch kernel {
        case .convolution: return try convolution(k, a, interpreter)
        case .sigmoid: return try silu(k, a, interpreter)
        default: return nil
        }
    }

    /// f32 tensors of the same shape.
    static func sameF32(_ i: Int, _ j: Int, _ interpreter: Interpreter) -> Bool {
        guard let a = interpreter.plan.values[i].tensor, let b = interpreter.plan.values[j].tensor else { return false }
        return a.scalarType.dtype == .f32 && b.scalarType.dtype == .f32 && a.sizes == b.sizes
    }

    /// Whether values `i` and `j` share memory without being the same bytes.
    static func partlyOverlap(_ i: Int, _ j: Int, _ interpreter: Interpreter) -> Bool {
        let a = interpreter.address(i), b = interpreter.address(j)
        let na = interpreter.plan.values[i].tensor?.byteCount ?? 0, nb = interpreter.plan.values[j].tensor?.byteCount ?? 0
        if a == b && na == nb { return false }
        return a < b + nb && b < a + na
    }

    static func overlap(_ i: Int, _ j: Int, _ interpreter: Interpreter) -> Bool {
        let a = interpreter.address(i), b = interpreter.address(j)
        let na = interpreter.plan.values[i].tensor?.byteCount ?? 0, nb = interpreter.plan.values[j].tensor?.byteCount ?? 0
        return a < b + nb && b < a + na
    }

    /// How many times calls other than `producer` (which names its out twice: as the out and as
    /// the returned value) or the method's outputs name value `i`.
    static func readers(_ i: Int, besides producer: Arguments, _ interpreter: Interpreter) -> Int {
        (interpreter.references[i] ?? 0) - producer.indices.filter { $0 == i }.count
    }

    /// convolution → relu / clamp / sigmoid, or → sigmoid → mul(conv, sigmoid).
    static func convolution(_ k: Int, _ conv: Arguments, _ interpreter: Interpreter) throws -> Fused? {
        guard try !conv.bool("transposed"), let (next, act) = call(k + 1, interpreter) else { return nil }
        let o = try conv.index(of: "out"), input = try conv.index(of: "input")
        guard try act.index(of: "self") == o, interpreter.plan.values[input].tensor?.scalarType.dtype == .f32 else { return nil }
        var activation: ConvActivation, name: String, final: Int, covers = 1
        switch next {
        case .relu where readers(o, besides: conv, interpreter) == 1:
            (activation, name, final) = (.clamp(min: 0, max: nil), "relu", try act.index(of: "out"))
        case .clamp where readers(o, besides: conv, interpreter) == 1:
            let lo = try act.optionalScalar("min"), hi = try act.optionalScalar("max")
            guard lo != nil || hi != nil else { return nil }
            (activation, name, final) = (.clamp(min: lo, max: hi), "clamp", try act.index(of: "out"))
        case .sigmoid:
            let s = try act.index(of: "out")
            if let (third, mul) = call(k + 2, interpreter), third == .mul, readers(o, besides: conv, interpreter) == 2,
               readers(s, besides: act, interpreter) == 1,
               Set([try mul.index(of: "self"), try mul.index(of: "other")]) == [o, s] {
                (activation, name, final, covers) = (.silu, "sigmoid+mul (silu)", try mul.index(of: "out"), 2)
            } else if readers(o, besides: conv, interpreter) == 1 {
                (activation, name, final) = (.sigmoid, "sigmoid", s)
            } else {
                return nil
            }
        default: return nil
        }
        // The fused call writes `final` while the conv runs: it must not share memory with what the
        // conv reads (the planner may give it the memory of a value whose last use is the conv,
        // such as the input or a weight computed in the arena).
        var reads = [input, try conv.index(of: "weight")]
        if try conv.optionalTensor("bias") != nil { reads.append(try conv.index(of: "bias")) }
        guard sameF32(o, final, interpreter), !reads.contains(where: { overlap(final, $0, interpreter) }) else { return nil }
        let out = try act.outView(final)
        let run = try Kernels.bindConvolution(conv, output: out, activation: activation)
        return Fused(name: "\(conv.schema.name)+\(name)", run: run, covers: covers)
    }

    /// sigmoid(x) → mul(x, sigmoid) as silu(x).
    static func silu(_ k: Int, _ sig: Arguments, _ interpreter: Interpreter) throws -> Fused? {
        guard let (next, mul) = call(k + 1, interpreter), next == .mul else { return nil }
        let x = try sig.index(of: "self"), s = try sig.index(of: "out"), y = try mul.index(of: "out")
        guard readers(s, besides: sig, interpreter) == 1, Set([try mul.index(of: "self"), try mul.index(of: "other")]) == [x, s],
              sameF32(x, s, interpreter), sameF32(x, y, interpreter), !partlyOverlap(x, y, interpreter) else { return nil }
        let input = try sig.tensor("self"), out = try mul.outView(y)
        return Fused(name: "aten::sigmoid.out+mul (silu)", run: { try Math.silu(input: input, output: out) }, covers: 1)
    }
}
