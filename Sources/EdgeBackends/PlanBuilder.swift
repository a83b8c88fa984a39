import EdgeProgram

/// A kernel call that does not fit its schema (a lowering bug, reported against the node).
public struct KernelCallError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Builds an ``ExecutionPlan``'s value table, operator list and kernel-call chain, and tracks
/// which tensor values need arena memory ("storages"; a view shares its source's storage).
/// ``finish(inputs:outputs:)`` plans the arena and fills in every tensor's allocation.
public final class PlanBuilder {
    public private(set) var values: [EValue] = []
    public private(set) var operators: [Operator] = []
    public private(set) var instructions: [Instruction] = []
    /// Constant buffers by index; 0 is ExecuTorch's empty placeholder.
    public private(set) var constants: [[UInt8]] = [[]]
    /// Backend delegates of the plan, by `DelegateCall.delegate_index`.
    public private(set) var delegates: [BackendDelegate] = []
    private var operatorIndex: [String: Int32] = [:]
    /// Storage (arena buffer) of each planned tensor value.
    private var storageOf: [Int32: Int] = [:]
    private var storageSizes: [Int] = []
    /// Where each run of instructions came from: instructions from `start` on (up to the next
    /// mark) were emitted while ``location`` was `frames`.
    private var locationMarks: [(start: Int, frames: FrameList)] = []

    /// The source node of the instructions emitted from now on (the lowering driver sets it
    /// before each op lowers); ``finish(name:inputs:outputs:ioNames:)`` writes it to the
    /// chain's `stacktrace`, one frame list per instruction.
    public var location = FrameList() {
        didSet {
            if let last = locationMarks.last, last.start == instructions.count { locationMarks.removeLast() }
            locationMarks.append((instructions.count, location))
        }
    }

    public init() {}

    /// One frame list per instruction, from the location marks; nil when no instruction has a source.
    func stacktrace() -> [FrameList]? {
        var out = [FrameList](repeating: FrameList(), count: instructions.count)
        for (k, mark) in locationMarks.enumerated() {
            let end = k + 1 < locationMarks.count ? locationMarks[k + 1].start : instructions.count
            for i in mark.start ..< max(mark.start, end) { out[i] = mark.frames }
        }
        return out.allSatisfy(\.items.isEmpty) ? nil : out
    }

    private func add(_ value: EValue) -> Int32 {
        values.append(value)
        return Int32(values.count - 1)
    }

    /// An `Int` value.
    public func int(_ v: Int) -> Int32 { add(.int(Int64(v))) }
    /// A `Double` value.
    public func double(_ v: Double) -> Int32 { add(.double(v)) }
    /// A `Bool` value.
    public func bool(_ v: Bool) -> Int32 { add(.bool(v)) }
    /// A `Null` value (an absent optional argument).
    public func null() -> Int32 { add(.null) }
    /// A `String` value.
    public func string(_ v: String) -> Int32 { add(.string(v)) }
    /// An `IntList`: one `Int` value per item, then the list referring to them (as ExecuTorch emits).
    public func intList(_ items: [Int]) -> Int32 {
        let refs = items.map { int($0) }
        return add(.intList(refs))
    }
    /// A `TensorList` of tensor values.
    public func tensorList(_ items: [Int32]) -> Int32 { add(.tensorList(items)) }

    /// A constant tensor whose bytes go to the constant segment.
    public func constant(_ type: PTEScalarType, _ sizes: [Int], bytes: [UInt8]) -> Int32 {
        constants.append(bytes)
        return add(.tensor(TensorValue(scalarType: type, sizes: sizes.map { Int32($0) }, dataBufferIndex: UInt32(constants.count - 1))))
    }

    /// A tensor that lives in the arena (its own storage).
    public func planned(_ type: PTEScalarType, _ sizes: [Int]) -> Int32 {
        let v = add(.tensor(TensorValue(scalarType: type, sizes: sizes.map { Int32($0) })))
        storageSizes.append((sizes.reduce(1, *)) * type.byteSize)
        storageOf[v] = storageSizes.count - 1
        return v
    }

    /// A view of `source` with new sizes (same bytes): shares its storage or constant buffer.
    public func view(of source: Int32, sizes: [Int]) -> Int32 {
        guard var t = values[Int(source)].tensor else { preconditionFailure("view of a non-tensor") }
        t.sizes = sizes.map { Int32($0) }
        t.dimOrder = (0 ..< sizes.count).map { UInt8($0) }
        let v = add(.tensor(t))
        if let s = storageOf[source] { storageOf[v] = s }
        return v
    }

    /// The tensor value at `index`.
    public func tensor(_ index: Int32) -> TensorValue { values[Int(index)].tensor! }

    /// Whether two planned tensor values share arena storage (one is a view of the other).
    public func sharesStorage(_ a: Int32, _ b: Int32) -> Bool {
        guard let x = storageOf[a], let y = storageOf[b] else { return false }
        return x == y
    }

    /// Whether the value's data is a constant.
    public func isConstant(_ index: Int32) -> Bool { tensor(index).dataBufferIndex != 0 }

    /// The bytes of a constant tensor value.
    public func constantBytes(_ index: Int32) -> [UInt8] { constants[Int(tensor(index).dataBufferIndex)] }

    /// Appends a call to `kernel` with its schema arguments and outs by name (``ATenKernel``'s
    /// schema says which, in what order and of what kind). An argument left out takes its schema
    /// default, written as a new value as ExecuTorch's emitter does; the returned value is derived
    /// from the outs. A missing, unknown or mistyped argument, or a constant out, is an error.
    public func call(_ kernel: ATenKernel, _ named: [String: Int32]) throws(KernelCallError) {
        let schema = kernel.schema
        if let unknown = named.keys.sorted().first(where: { schema.position(of: $0) == nil }) {
            throw KernelCallError("\(schema.name) has no argument \"\(unknown)\" (schema: \(schema))")
        }
        for p in schema.parameters where named[p.name] == nil && p.defaultValue == nil {
            throw KernelCallError("\(schema.name) is missing argument \"\(p.name)\" (\(p.kind))")
        }
        var args: [Int32] = []
        for p in schema.parameters {
            let v = named[p.name] ?? value(p.defaultValue!)
            guard v >= 0, Int(v) < values.count else { throw KernelCallError("\(schema.name) argument \"\(p.name)\" refers to no value (\(v))") }
            guard p.kind.accepts(values[Int(v)], in: values) else {
                throw KernelCallError("\(schema.name) argument \"\(p.name)\" must be \(p.kind), got \(values[Int(v)].kindName)")
            }
            args.append(v)
        }
        var outs: [Int32] = []
        for k in schema.outs.indices {
            let v = args[schema.arguments.count + k]
            if case .tensorList(let items) = values[Int(v)] { outs += items } else { outs.append(v) }
        }
        if let constant = outs.first(where: { isConstant($0) }) {
            throw KernelCallError("\(schema.name) writes its out into constant %\(constant)")
        }
        args.append(schema.returnsOut ? outs[0] : tensorList(outs))
        let op: Int32
        if let i = operatorIndex[schema.name] {
            op = i
        } else {
            let dot = schema.name.lastIndex(of: ".")!
            operators.append(Operator(name: String(schema.name[..<dot]), overload: String(schema.name[schema.name.index(after: dot)...])))
            op = Int32(operators.count - 1)
            operatorIndex[schema.name] = op
        }
        instructions.append(.kernelCall(opIndex: op, args: args))
    }

    /// A new value holding a schema default.
    private func value(_ d: ArgumentDefault) -> Int32 {
        switch d {
        case .int(let v): return add(.int(v))
        case .double(let v): return double(v)
        case .bool(let v): return bool(v)
        case .null: return null()
        case .intList(let v): return add(.intList(v.map { add(.int($0)) }))
        case .string(let v): return string(v)
        }
    }

    /// Appends a call of `delegate` (added to the plan's delegates) with `args`: every delegate
    /// input in order, then every output.
    public func delegateCall(_ delegate: BackendDelegate, args: [Int32]) {
        delegates.append(delegate)
        instructions.append(.delegateCall(delegateIndex: Int32(delegates.count - 1), args: args))
    }

    /// Appends a `JumpFalseCall` on `condition` and returns its instruction index; its destination
    /// is set by ``setDestination(of:)`` once the code it skips is emitted.
    public func jumpFalse(_ condition: Int32) -> Int {
        instructions.append(.jumpFalse(condition: condition, destination: -1))
        return instructions.count - 1
    }

    /// Appends a `JumpFalseCall` on `condition` to `destination` (an instruction already emitted:
    /// a jump back, which makes a loop).
    public func jumpFalse(_ condition: Int32, destination: Int) {
        instructions.append(.jumpFalse(condition: condition, destination: Int32(destination)))
    }

    /// Points the jump at `index` to the next instruction to be emitted.
    public func setDestination(of index: Int) {
        guard case let .jumpFalse(condition, _) = instructions[index] else { preconditionFailure("instruction \(index) is not a jump") }
        instructions[index] = .jumpFalse(condition: condition, destination: Int32(instructions.count))
    }

    /// The index the next instruction will have.
    public var nextInstruction: Int { instructions.count }

    /// The ATen kernel instruction `k` calls (nil for other instructions).
    private func kernel(at k: Int) -> ATenKernel? {
        guard case let .kernelCall(op, _) = instructions[k] else { return nil }
        return ATenKernel(rawValue: operators[Int(op)].qualifiedName)
    }

    /// The interpreter runs a convolution and the activation after it (relu, clamp, sigmoid, or
    /// sigmoid then mul: silu) as one call that writes the activation's out while the convolution
    /// still reads its operands (Sources/EdgeRuntime/Fusion.swift), which it can only do when that
    /// out does not share the memory of the convolution's input. Starting the out's lifetime at
    /// the convolution keeps them apart; it is done only where it does not raise the arena's lower
    /// bound (the most bytes live at one step), so ExecuTorch's memory does not pay for it.
    private func keepEpiloguesApart(_ first: inout [Int], _ last: [Int]) {
        let steps = instructions.count
        guard steps > 1 else { return }
        let jumpTargets = Set(instructions.compactMap { i -> Int? in
            if case let .jumpFalse(_, d) = i { return Int(d) }
            return nil
        })
        let size = storageSizes.map(MemoryPlanner.aligned)
        var live = [Int](repeating: 0, count: steps + 1)
        for s in size.indices where first[s] != Int.max && size[s] > 0 {
            live[first[s]] += size[s]
            live[last[s] + 1] -= size[s]
        }
        for t in 1..<live.count { live[t] += live[t - 1] }
        let peak = live.max() ?? 0
        /// The out a call at `j` writes when it reads `input` and is one of `kinds` (nil otherwise).
        func out(_ j: Int, reading input: Int32, _ kinds: [ATenKernel]) -> Int32? {
            guard j < steps, !jumpTargets.contains(j), let kind = kernel(at: j), kinds.contains(kind),
                  case let .kernelCall(_, args) = instructions[j], args.dropLast().contains(input) else { return nil }
            return args.last
        }
        for k in instructions.indices {
            guard kernel(at: k) == .convolution, case let .kernelCall(_, conv) = instructions[k], let convOut = conv.last,
                  let act = out(k + 1, reading: convOut, [.relu, .clamp, .sigmoid]) else { continue }
            // conv → sigmoid → mul(conv, sigmoid) writes the mul's out (silu); the others their own.
            var final = act
            if kernel(at: k + 1) == .sigmoid, let m = out(k + 2, reading: act, [.mul]),
               case let .kernelCall(_, mul) = instructions[k + 2], mul.dropLast().contains(convOut) {
                final = m
            }
            guard let s = storageOf[final], first[s] != Int.max, first[s] > k else { continue }
            if (k..<first[s]).allSatisfy({ live[$0] + size[s] <= peak }) {
                for t in k..<first[s] { live[t] += size[s] }
                first[s] = k
            }
        }
    }

    /// Lifetimes of every storage over the chain: inputs are live from the start, outputs to the end.
    public func lifetimes(inputs: [Int32], outputs: [Int32]) -> [BufferLifetime] {
        var first = [Int](repeating: Int.max, count: storageSizes.count)
        var last = [Int](repeating: -1, count: storageSizes.count)
        func use(_ v: Int32, _ step: Int) {
            guard let s = storageOf[v] else {
                if case .tensorList(let items) = values[Int(v)] { for i in items { use(i, step) } }
                return
            }
            first[s] = min(first[s], step)
            last[s] = max(last[s], step)
        }
        let end = max(instructions.count - 1, 0)
        for v in inputs { use(v, 0) }
        for v in outputs { use(v, end) }
        for (step, instruction) in instructions.enumerated() {
            for a in instruction.valueIndices { use(a, step) }
        }
        // A loop (a jump back from `b` to `d`) reads again, in its next iteration, whatever it
        // read that was made before it: such a storage stays live to the jump back. Nested
        // loops extend each other, so repeat until nothing changes.
        let loops = instructions.enumerated().compactMap { b, i -> (Int, Int)? in
            if case let .jumpFalse(_, d) = i, Int(d) <= b { return (Int(d), b) }
            return nil
        }
        var changed = !loops.isEmpty
        while changed {
            changed = false
            for (d, b) in loops {
                for s in first.indices where first[s] < d && last[s] >= d && last[s] < b {
                    last[s] = b
                    changed = true
                }
            }
        }
        keepEpiloguesApart(&first, last)
        return storageSizes.indices.map { s in
            first[s] == Int.max ? BufferLifetime(size: 0, firstUse: 0, lastUse: 0)  // never used
                : BufferLifetime(size: storageSizes[s], firstUse: first[s], lastUse: last[s])
        }
    }

    /// Plans the arena, writes each planned tensor's allocation, and returns the plan.
    public func finish(name: String = "forward", inputs: [Int32], outputs: [Int32], ioNames: IONames?) throws(MemoryPlanError) -> (ExecutionPlan, MemoryPlan) {
        let buffers = lifetimes(inputs: inputs, outputs: outputs)
        let memory = MemoryPlanner.plan(buffers)
        try MemoryPlanner.check(memory, buffers)
        for (v, s) in storageOf {
            guard case .tensor(var t) = values[Int(v)] else { continue }
            t.allocation = Allocation(memoryID: 1, offset: UInt64(memory.offsets[s]))
            values[Int(v)] = .tensor(t)
        }
        let plan = ExecutionPlan(name: name, values: values, inputs: inputs, outputs: outputs, operators: operators,
                                 instructions: instructions, nonConstBufferSizes: [0, Int64(memory.arenaSize)], ioNames: ioNames,
                                 stacktrace: stacktrace(), delegates: delegates)
        return (plan, memory)
    }
}
