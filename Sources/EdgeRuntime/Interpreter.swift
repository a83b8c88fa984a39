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
/// memory and binds every kernel call to its implementation (unknown kernels and malformed
/// argument lists are load errors); ``run(_:)`` then only executes.
public final class Interpreter {
    public let plan: ExecutionPlan
    let arena: UnsafeMutableRawPointer
    let arenaSize: Int
    let constants: UnsafeMutableRawPointer
    var constantOffsets: [Int] = []
    var calls: [(name: String, run: (Interpreter) throws -> Void)] = []
    /// Bound XNNPACK delegate calls (kept alive with the interpreter).
    var delegates: [XNNPACKDelegate] = []

    /// Prepares `method` of `program` (already checked by ``ProgramReader``).
    public init(_ program: Program, method: String = "forward") throws(RuntimeError) {
        guard let plan = program.plan(named: method) else {
            throw RuntimeError("program has no method \"\(method)\" (methods: \(program.plans.map(\.name).joined(separator: ", ")))")
        }
        self.plan = plan
        guard plan.nonConstBufferSizes.count <= 2 else {
            throw RuntimeError("plan uses \(plan.nonConstBufferSizes.count - 1) memory arenas; edgec's interpreter supports one")
        }
        arenaSize = Int(plan.nonConstBufferSizes.last ?? 0)
        arena = UnsafeMutableRawPointer.allocate(byteCount: max(arenaSize, 1), alignment: 64)
        arena.initializeMemory(as: UInt8.self, repeating: 0, count: max(arenaSize, 1))
        var total = 0
        for buffer in program.constantBuffers {
            constantOffsets.append(total)
            total += (buffer.count + 63) / 64 * 64
        }
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
        var namedData: [String: [UInt8]] = [:]
        for blob in program.namedData {
            guard namedData.updateValue(blob.data, forKey: blob.key) == nil else {
                throw RuntimeError("named data key \"\(blob.key)\" appears twice")
            }
        }
        for (k, instruction) in plan.instructions.enumerated() {
            if case let .delegateCall(d, args) = instruction {
                let bound = try XNNPACKDelegate(plan.delegates[Int(d)], index: Int(d), args: args, plan: plan, namedData: namedData)
                delegates.append(bound)
                calls.append(("delegate \(d) (\(plan.delegates[Int(d)].id))", { bound.run($0) }))
                continue
            }
            guard case let .kernelCall(opIndex, args) = instruction else { continue }
            let name = plan.operators[Int(opIndex)].qualifiedName
            guard let kernel = Kernels.table[name] else {
                if !missing.contains(name) {
                    missing.append(name)
                    if let node = plan.source(ofInstruction: k) { missingAt.append("\(name) at node \(node)") }
                }
                continue
            }
            guard args.count == kernel.arity else {
                throw RuntimeError("\(plan.describeInstruction(k)): \(name) takes \(kernel.arity) arguments, got \(args.count)")
            }
            let a = args.map(Int.init)
            calls.append((name, { try kernel.run(Arguments(interpreter: $0, indices: a)) }))
        }
        if !missing.isEmpty {
            let nodes = missingAt.isEmpty ? "" : " (first used: \(missingAt.joined(separator: ", ")))"
            throw RuntimeError("no kernel for \(missing.joined(separator: ", ")) in edgec's interpreter\(nodes)")
        }
    }

    deinit {
        arena.deallocate()
        constants.deallocate()
    }

    /// The kernels (`name.overload`) the interpreter implements.
    public static var kernelNames: [String] { Kernels.table.keys.sorted() }

    /// Bytes of the planned arena (allocated once at load).
    public var plannedBytes: Int { arenaSize }

    /// The kernel dtype of a program scalar type, when the interpreter supports it.
    public static func dtype(_ s: PTEScalarType) -> DType? {
        switch s {
        case .float: return .f32
        case .double: return .f64
        case .half: return .f16
        case .bfloat16: return .bf16
        case .char: return .i8
        case .byte: return .u8
        case .short: return .i16
        case .int: return .i32
        case .long: return .i64
        case .bool: return .bool
        default: return nil
        }
    }

    /// The address of tensor value `i`'s data.
    func address(_ i: Int) -> UnsafeMutableRawPointer {
        let t = plan.values[i].tensor!
        if t.dataBufferIndex != 0 { return constants + constantOffsets[Int(t.dataBufferIndex)] }
        if let a = t.allocation { return arena + Int(a.offset) }
        return arena  // zero-byte tensor
    }

    /// Copies `inputs` into their planned slots, runs every instruction and returns copies of the outputs.
    public func run(_ inputs: [Tensor]) throws(RuntimeError) -> [Tensor] {
        guard inputs.count == plan.inputs.count else {
            throw RuntimeError("method \"\(plan.name)\" takes \(plan.inputs.count) inputs, got \(inputs.count)")
        }
        for (k, (index, input)) in zip(plan.inputs, inputs).enumerated() {
            let t = plan.values[Int(index)].tensor!
            let name = plan.ioNames.map { " \"\($0.inputs[k])\"" } ?? ""
            guard input.shape == t.sizes.map(Int.init), input.dtype == Self.dtype(t.scalarType) else {
                throw RuntimeError("input \(k)\(name) must be \(Self.dtype(t.scalarType)!)\(t.sizes), got \(input.dtype)\(input.shape)")
            }
            guard t.dataBufferIndex == 0 else { throw RuntimeError("input \(k)\(name) is a constant") }
            input.withView { address(Int(index)).copyMemory(from: $0.base, byteCount: $0.byteCount) }
        }
        for (k, call) in calls.enumerated() {
            do { try call.run(self) } catch {
                throw RuntimeError("\(plan.describeInstruction(k)): \(error)")
            }
        }
        var outputs: [Tensor] = []
        for index in plan.outputs {
            do { outputs.append(try Tensor(copying: try Arguments(interpreter: self, indices: [Int(index)]).tensor(0))) } catch {
                throw RuntimeError("output %\(index): \(error)")
            }
        }
        return outputs
    }
}
