import EdgeKernels
import EdgeProgram

/// Why a program cannot be loaded or run.
public struct RuntimeError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The bundled conformance interpreter: runs one method of a verified `.pte` program with
/// EdgeKernels. At load it allocates the planned arena once, copies the constants to aligned
/// memory and binds every kernel call to its implementation by argument name from the kernel's
/// schema (``ATenKernel``; unknown kernels and argument lists that do not fit the schema are
/// load errors); ``run(_:)`` then only executes.
public final class Interpreter {
    /// The method's plan, its tensor sizes those of the current bounded size (``boundedSize``).
    public private(set) var plan: ExecutionPlan
    /// The plan as the program holds it (a bounded program's sizes at the upper bound).
    let programPlan: ExecutionPlan
    /// How a bounded program's sizes follow its bounded size (``BoundedShapes``), when it has them.
    public let bounds: BoundedShapes?
    /// The bounded size the calls are bound for (the upper bound after loading).
    public private(set) var boundedSize: Int?
    private(set) var namedData: [String: [UInt8]] = [:]
    let arena: UnsafeMutableRawPointer
    let arenaSize: Int
    let constants: UnsafeMutableRawPointer
    var constantOffsets: [Int] = []
    var calls: [(name: String, run: Kernel.Run)] = []
    /// Constant weights packed once for the GEMM kernels, by value and use (``packed(_:_:make:)``).
    private var packedOperands: [PackedKey: PackedOperand] = [:]
    private var packedBytes = 0
    private let memoryLimit: MemoryLimit
    private var loadedBytes = 0

    struct PackedKey: Hashable {
        let value: Int
        let use: String
    }
    /// The jumps of the plan by instruction (empty when it has none): where a `JumpFalseCall`
    /// goes on when its condition is false. Their entries in ``calls`` run nothing.
    var jumps: [Jump?] = []

    /// A bound `JumpFalseCall`: a constant condition, or the bytes of a Bool tensor (all true: go on).
    struct Jump {
        let constant: Bool?
        let condition: UnsafeRawPointer
        let count: Int
        let destination: Int

        /// Whether the condition holds (ExecuTorch: every element of a Bool tensor is true).
        var holds: Bool {
            if let constant { return constant }
            let p = condition.assumingMemoryBound(to: UInt8.self)
            for i in 0 ..< count where p[i] == 0 { return false }
            return true
        }
    }
    /// The most jumps back (loop iterations, over every loop) one run takes before it stops
    /// with an error: a loop in the plan whose condition never turns false would otherwise run
    /// forever.
    public var maxJumpsBack = 1 << 26

    /// Counts a jump back taken at instruction `k`, or throws once a run takes too many.
    func countJumpBack(_ count: inout Int, at k: Int) throws(RuntimeError) {
        count += 1
        guard count <= maxJumpsBack else {
            throw RuntimeError("\(plan.describeInstruction(k)): the program jumped back \(maxJumpsBack) times in one run (a loop that does not end?); edgec's interpreter stops there")
        }
    }
    /// A bounded program's values and bound calls by bounded size, so a run at a size seen
    /// before binds nothing (at most ``maxCachedSizes``; the upper bound's from loading).
    private var bindings: [Int: (values: [EValue], calls: [(name: String, run: Kernel.Run)])] = [:]
    static let maxCachedSizes = 16
    /// Bound XNNPACK delegate calls (kept alive with the interpreter).
    var delegates: [XNNPACKDelegate] = []
    /// How many times each value index is named by the plan's calls (directly or in a tensor
    /// list) or returned by the method: an out named once (by its own call) is never read.
    private(set) lazy var references: [Int: Int] = {
        var count: [Int: Int] = [:]
        for i in plan.outputs { count[Int(i), default: 0] += 1 }
        for instruction in plan.instructions {
            for a in instruction.valueIndices {
                count[Int(a), default: 0] += 1
                if Int(a) >= 0, Int(a) < plan.values.count, case .tensorList(let items) = plan.values[Int(a)] {
                    for item in items { count[Int(item), default: 0] += 1 }
                }
            }
        }
        return count
    }()

    /// Prepares `method` of `program` (already checked by ``ProgramReader``). The planned arena
    /// and the constants are allocated once, and only when together they fit in `maxMemory`.
    public init(_ program: Program, method: String = "forward", maxMemory: MemoryLimit = .default) throws(RuntimeError) {
        guard let plan = program.plan(named: method) else {
            throw RuntimeError("program has no method \"\(method)\" (methods: \(program.plans.map(\.name).joined(separator: ", ")))")
        }
        self.plan = plan
        programPlan = plan
        do { bounds = try BoundedShapes.of(program) } catch { throw RuntimeError(error.message) }
        boundedSize = bounds?.max
        guard plan.nonConstBufferSizes.count <= 2 else {
            throw RuntimeError("plan uses \(plan.nonConstBufferSizes.count - 1) memory arenas; edgec's interpreter supports one")
        }
        var total = 0
        for buffer in program.constantBuffers {
            constantOffsets.append(total)
            total += (buffer.count + 63) / 64 * 64
        }
        let planned = Int(exactly: plan.nonConstBufferSizes.last ?? 0)
        let needed = planned.flatMap { p in p.addingReportingOverflow(total).overflow ? nil : p + total }
        guard let planned, maxMemory.allows(needed) else {
            throw RuntimeError(maxMemory.overMessage("loading \"\(method)\" (arena \(plan.nonConstBufferSizes.last ?? 0) bytes + constants \(total) bytes)", bytes: needed))
        }
        arenaSize = planned
        memoryLimit = maxMemory
        loadedBytes = planned + total
        arena = UnsafeMutableRawPointer.allocate(byteCount: max(arenaSize, 1), alignment: 64)
        arena.initializeMemory(as: UInt8.self, repeating: 0, count: max(arenaSize, 1))
        constants = UnsafeMutableRawPointer.allocate(byteCount: max(total, 1), alignment: 64)
        for (buffer, offset) in zip(program.constantBuffers, constantOffsets) where !buffer.isEmpty {
            buffer.withUnsafeBytes { (constants + offset).copyMemory(from: $0.baseAddress!, byteCount: buffer.count) }
        }
        for (i, v) in plan.values.enumerated() {
            guard let t = v.tensor else { continue }
            guard t.dimOrder == (0 ..< t.sizes.count).map({ UInt8($0) }) else {
                throw RuntimeError("values[\(i)]: dim_order \(t.dimOrder) is not contiguous; edgec's interpreter needs contiguous tensors")
            }
            guard t.dataBufferIndex != 0 || t.allocation != nil || t.byteCount == 0 else {
                throw RuntimeError("values[\(i)]: tensor has neither constant data nor a planned arena slot")
            }
            guard Self.dtype(t.scalarType) != nil else { throw RuntimeError("values[\(i)]: scalar type \(t.scalarType) is not supported") }
        }
        var missing: [String] = [], missingAt: [String] = []
        for (k, instruction) in plan.instructions.enumerated() {
            guard case let .kernelCall(opIndex, _) = instruction else { continue }
            let name = plan.operators[Int(opIndex)].qualifiedName
            if ATenKernel(rawValue: name).flatMap({ Kernels.table[$0] }) == nil, !missing.contains(name) {
                missing.append(name)
                if let node = plan.source(ofInstruction: k) { missingAt.append("\(name) at node \(node)") }
            }
        }
        if !missing.isEmpty {
            let nodes = missingAt.isEmpty ? "" : " (first used: \(missingAt.joined(separator: ", ")))"
            throw RuntimeError("no kernel for \(missing.joined(separator: ", ")) in edgec's interpreter\(nodes)")
        }
        var namedData: [String: [UInt8]] = [:]
        for blob in program.namedData {
            guard namedData.updateValue(blob.data, forKey: blob.key) == nil else {
                throw RuntimeError("named data key \"\(blob.key)\" appears twice")
            }
        }
        self.namedData = namedData
        if let bounds { try Self.check(bounds, plan) }
        try bindCalls()
        if let s = boundedSize { bindings[s] = (plan.values, calls) }
    }

    /// The packed copy of constant value `value` for one use (such as a convolution's weight with
    /// its groups), made by `make` the first time and shared by every call (and rebinding) after.
    /// Nil when `make` declines, or when the copy would take the loaded program past its memory
    /// limit (the calls then pack as they run: the same results, only slower).
    func packed(_ value: Int, _ use: String, make: () -> PackedOperand?) -> PackedOperand? {
        let key = PackedKey(value: value, use: use)
        if let p = packedOperands[key] { return p }
        guard let p = make() else { return nil }
        let after = loadedBytes.addingReportingOverflow(packedBytes + p.byteCount)
        guard !after.overflow, memoryLimit.allows(after.partialValue) else { return nil }
        packedBytes += p.byteCount
        packedOperands[key] = p
        return p
    }

    /// Bytes of the packed weight copies (``packed(_:_:make:)``).
    public var packedWeightBytes: Int { packedBytes }

    /// A bounded program's record must describe tensors of the plan whose sizes at the upper
    /// bound are the planned ones and never grow past them (so every size fits its arena slot).
    static func check(_ bounds: BoundedShapes, _ plan: ExecutionPlan) throws(RuntimeError) {
        guard plan.delegates.isEmpty else { throw RuntimeError("a bounded program with delegates is not supported") }
        for d in bounds.dims {
            guard d.value >= 0, d.value < plan.values.count, let t = plan.values[d.value].tensor, d.dim >= 0, d.dim < t.sizes.count,
                  t.dataBufferIndex == 0, d.scale >= 0, d.size(bounds.max) == Int(t.sizes[d.dim]), d.size(bounds.min) >= 0 else {
                throw RuntimeError("named data \(BoundedShapes.key): dim \(d.dim) of value %\(d.value) (\(d.scale)·\(bounds.symbol)+\(d.offset)) does not fit the plan")
            }
        }
    }

    /// Binds every call to the current sizes (at load, and when a run's inputs change the bounded size).
    func bindCalls() throws(RuntimeError) {
        calls = []
        delegates = []
        // Calls run as one (Fusion.swift): the first runs the fused kernel, the ones it covers nothing.
        jumps = []
        var destinations = Set<Int>()
        for case let .jumpFalse(_, d) in plan.instructions { destinations.insert(Int(d)) }
        let fusions = Fusion.find(self, jumpDestinations: destinations)
        var covered = 0
        for (k, instruction) in plan.instructions.enumerated() {
            if case let .jumpFalse(c, d) = instruction {
                // A jump back is a loop; a run counts them (``maxJumpsBack``), so a program that
                // never leaves its loop stops with an error instead of hanging.
                if jumps.isEmpty { jumps = [Jump?](repeating: nil, count: plan.instructions.count) }
                switch plan.values[Int(c)] {
                case .bool(let b):
                    jumps[k] = Jump(constant: b, condition: UnsafeRawPointer(arena), count: 0, destination: Int(d))
                case .tensor(let t) where t.scalarType == .bool:
                    jumps[k] = Jump(constant: nil, condition: UnsafeRawPointer(address(Int(c))), count: t.byteCount ?? 0, destination: Int(d))
                default:
                    throw RuntimeError("\(plan.describeInstruction(k)): the condition %\(c) is not a Bool or a Bool tensor")
                }
                calls.append(("JumpFalseCall", {}))
                continue
            }
            if case let .move(from, to) = instruction {
                // Tensors only, as a copy of the bytes: the interpreter binds addresses at load, so
                // it cannot re-point `to` at `from`'s memory as ExecuTorch does; the values read
                // after the move are the same.
                guard let source = plan.values[Int(from)].tensor, let target = plan.values[Int(to)].tensor,
                      source.scalarType == target.scalarType, source.sizes == target.sizes,
                      target.dataBufferIndex == 0, target.allocation != nil || (target.byteCount ?? 0) == 0 else {
                    throw RuntimeError("\(plan.describeInstruction(k)): edgec's interpreter moves only between tensors of one type and size into planned memory (%\(from) -> %\(to))")
                }
                let src = UnsafeRawPointer(address(Int(from))), dst = address(Int(to)), n = target.byteCount ?? 0
                calls.append(("MoveCall", { if src != UnsafeRawPointer(dst) { dst.copyMemory(from: src, byteCount: n) } }))
                continue
            }
            if case let .delegateCall(d, args) = instruction {
                // Its errors name the delegate and node ("delegate 0 node 12: ...").
                let bound = try XNNPACKDelegate(plan.delegates[Int(d)], index: Int(d), args: args, plan: plan,
                                                namedData: namedData, address: address)
                delegates.append(bound)
                calls.append(("delegate \(d) (\(plan.delegates[Int(d)].id))", { bound.run() }))
                continue
            }
            guard case let .kernelCall(opIndex, args) = instruction,
                  let kernel = ATenKernel(rawValue: plan.operators[Int(opIndex)].qualifiedName).flatMap({ Kernels.table[$0] }) else { continue }
            let schema = kernel.kernel.schema
            if let problem = schema.mismatch(args, in: plan.values) { throw RuntimeError("\(plan.describeInstruction(k)): \(problem)") }
            do {
                // Every call is bound (so its argument errors are reported), fused or not.
                let run = try kernel.bind(Arguments(interpreter: self, schema: schema, indices: args.map(Int.init)))
                if covered > 0 {
                    covered -= 1
                    calls.append(("\(schema.name) (fused into the call before)", {}))
                } else if let fused = fusions[k] {
                    covered = fused.covers
                    calls.append((fused.name, fused.run))
                } else {
                    calls.append((schema.name, run))
                }
            } catch {
                throw RuntimeError("\(plan.describeInstruction(k)): \(error)")
            }
        }
    }

    /// Gives every value the sizes it has at bounded size `s` and binds the calls again.
    func resize(to s: Int) throws(RuntimeError) {
        guard let bounds, s != boundedSize else { return }
        if let cached = bindings[s] {
            (plan.values, calls, boundedSize) = (cached.values, cached.calls, s)
            return
        }
        var values = programPlan.values
        for d in bounds.dims {
            guard case .tensor(var t) = values[d.value] else { continue }
            t.sizes[d.dim] = Int32(d.size(s))
            values[d.value] = .tensor(t)
        }
        let previous = (plan.values, boundedSize)
        plan.values = values
        boundedSize = s
        do { try bindCalls() } catch {
            // Stay runnable at the size bound before (a binding that fails at one size is a bug
            // the message names; the next run may still use the other).
            (plan.values, boundedSize) = previous
            try? bindCalls()
            throw error
        }
        if bindings.count < Self.maxCachedSizes { bindings[s] = (plan.values, calls) }
    }

    /// The bounded size the inputs carry, checked against the range; nil for a static program.
    func boundedSize(of inputs: [Tensor]) throws(RuntimeError) -> Int? {
        guard let bounds else { return nil }
        var dynamic: [Int: [Int: BoundedShapes.DynamicDim]] = [:]
        for d in bounds.dims { dynamic[d.value, default: [:]][d.dim] = d }
        var s: Int?
        for (k, (index, input)) in zip(programPlan.inputs, inputs).enumerated() {
            guard let dims = dynamic[Int(index)], let t = programPlan.values[Int(index)].tensor else { continue }
            let name = programPlan.ioNames.map { " \"\($0.inputs[k])\"" } ?? ""
            let expected = t.sizes.indices.map { i in dims[i].map { "\($0.size(bounds.min))..\($0.size(bounds.max))" } ?? String(t.sizes[i]) }
            let shapeText = "[" + expected.joined(separator: ",") + "]"
            guard input.shape.count == t.sizes.count else {
                throw RuntimeError("input \(k)\(name) must be \(Self.dtype(t.scalarType)!)\(shapeText), got \(input.dtype)\(input.shape)")
            }
            for (i, n) in input.shape.enumerated() {
                guard let d = dims[i] else {
                    guard n == Int(t.sizes[i]) else { throw RuntimeError("input \(k)\(name) must be \(Self.dtype(t.scalarType)!)\(shapeText), got \(input.dtype)\(input.shape)") }
                    continue
                }
                let q = d.scale == 0 ? nil : (n - d.offset).quotientAndRemainder(dividingBy: d.scale)
                guard let q, q.remainder == 0, bounds.min ... bounds.max ~= q.quotient else {
                    throw RuntimeError("input \(k)\(name) must be \(Self.dtype(t.scalarType)!)\(shapeText), got \(input.dtype)\(input.shape): dim \(i) is \(n), outside the bound \(expected[i]) (\(bounds.symbol) in \(bounds.min)..\(bounds.max))")
                }
                if let s, s != q.quotient {
                    throw RuntimeError("input \(k)\(name): dim \(i) is \(n), but another input gives \(bounds.symbol) = \(s); all bounded dims are one size")
                }
                s = q.quotient
            }
        }
        return s
    }

    deinit {
        arena.deallocate()
        constants.deallocate()
    }

    /// The kernels (`name.overload`) the interpreter implements.
    public static var kernelNames: [String] { Kernels.table.keys.map(\.rawValue).sorted() }

    /// The kernel (`name.overload`) of each call, in execution order.
    public var callNames: [String] { calls.map(\.name) }

    /// Bytes of the planned arena (allocated once at load).
    public var plannedBytes: Int { arenaSize }

    /// The kernel dtype of a program scalar type, when the interpreter supports it (``PTEScalarType/dtype``).
    public static func dtype(_ s: PTEScalarType) -> DType? { s.dtype }

    /// The address of tensor value `i`'s data.
    func address(_ i: Int) -> UnsafeMutableRawPointer {
        let t = plan.values[i].tensor!
        if t.dataBufferIndex != 0 { return constants + constantOffsets[Int(t.dataBufferIndex)] }
        if let a = t.allocation { return arena + Int(a.offset) }
        return arena  // zero-byte tensor
    }

    /// A view of tensor value `i` (an output).
    func view(_ i: Int) throws(RuntimeError) -> TensorView {
        guard let t = plan.values[i].tensor, let dtype = t.scalarType.dtype else { throw RuntimeError("value %\(i) must be a Tensor of a supported element type") }
        return TensorView(base: UnsafeRawPointer(address(i)), dtype: dtype, shape: t.sizes.map(Int.init))
    }

    /// Copies `inputs` into their planned slots, runs every instruction and returns copies of the outputs.
    public func run(_ inputs: [Tensor]) throws(RuntimeError) -> [Tensor] { try run(inputs, timing: nil) }

    /// ``run(_:)``, recording each instruction's duration in `timing` when given (no clock is
    /// read without it; see Interpreter+Profiling.swift).
    public func run(_ inputs: [Tensor], timing: InstructionTiming?) throws(RuntimeError) -> [Tensor] {
        guard inputs.count == plan.inputs.count else {
            throw RuntimeError("method \"\(plan.name)\" takes \(plan.inputs.count) inputs, got \(inputs.count)")
        }
        if let s = try boundedSize(of: inputs) { try resize(to: s) }
        for (k, (index, input)) in zip(plan.inputs, inputs).enumerated() {
            let t = plan.values[Int(index)].tensor!
            let name = plan.ioNames.map { " \"\($0.inputs[k])\"" } ?? ""
            guard input.shape == t.sizes.map(Int.init), input.dtype == Self.dtype(t.scalarType) else {
                // A DYNAMIC_BOUND program without edgec's record (ExecuTorch's own export) runs at its bound only.
                let bound = bounds == nil && t.shapeDynamism == 1 && input.shape.count == t.sizes.count
                    ? " (the input is DYNAMIC_BOUND, but the program has no \(BoundedShapes.key) record, so edgec's interpreter runs it at its upper bound only)" : ""
                throw RuntimeError("input \(k)\(name) must be \(Self.dtype(t.scalarType)!)\(t.sizes), got \(input.dtype)\(input.shape)\(bound)")
            }
            guard t.dataBufferIndex == 0 else { throw RuntimeError("input \(k)\(name) is a constant") }
            input.withView { address(Int(index)).copyMemory(from: $0.base, byteCount: $0.byteCount) }
        }
        if let timing {
            try executeTimed(timing)
        } else if jumps.isEmpty {
            for (k, call) in calls.enumerated() {
                do { try call.run() } catch {
                    throw RuntimeError("\(plan.describeInstruction(k)): \(error)")
                }
            }
        } else {
            var k = 0, back = 0
            while k < calls.count {
                if let jump = jumps[k] {
                    if jump.holds { k += 1; continue }
                    if jump.destination <= k { try countJumpBack(&back, at: k) }
                    k = jump.destination
                    continue
                }
                do { try calls[k].run() } catch {
                    throw RuntimeError("\(plan.describeInstruction(k)): \(error)")
                }
                k += 1
            }
        }
        var outputs: [Tensor] = []
        for index in plan.outputs {
            do { outputs.append(try Tensor(copying: try view(Int(index)))) } catch {
                throw RuntimeError("output %\(index): \(error)")
            }
        }
        return outputs
    }
}
