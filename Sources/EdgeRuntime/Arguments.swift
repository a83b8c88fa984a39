import EdgeKernels
import EdgeProgram

/// One kernel call's arguments, read by schema name while the interpreter binds the call at
/// load. Every reader checks the name against the kernel's schema (and the value's kind); the
/// values it returns (scalars, lists, and tensor views of memory fixed at load) are captured
/// by the kernel's run closure, so running a call reads nothing again.
struct Arguments {
    let interpreter: Interpreter
    let schema: KernelSchema
    /// Value indices of the call, in schema order.
    let indices: [Int]

    var values: [EValue] { interpreter.plan.values }

    /// The call position of `name`, which the schema must declare with one of `kinds`.
    private func position(_ name: String, _ kinds: [ArgumentKind], out: Bool = false) throws(RuntimeError) -> Int {
        guard let k = schema.position(of: name) else { throw RuntimeError("\(schema.name) has no argument \"\(name)\"") }
        let p = schema.parameters[k]
        guard kinds.contains(p.kind), out == (k >= schema.arguments.count) else {
            throw RuntimeError("\(schema.name) \(out ? "out" : "argument") \"\(name)\" is read as \(kinds.map(\.rawValue).joined(separator: " or ")), but the schema declares \(p.kind) \(name)")
        }
        return k
    }

    private func fail(_ name: String, _ expected: String, _ value: EValue) -> RuntimeError {
        RuntimeError("\(schema.name) argument \"\(name)\" must be \(expected), got \(value.kindName)")
    }

    private func view(_ index: Int, _ name: String) throws(RuntimeError) -> TensorView {
        guard index >= 0, index < values.count, let t = values[index].tensor, let dtype = t.scalarType.dtype else {
            throw RuntimeError("\(schema.name) argument \"\(name)\" (%\(index)) must be a Tensor of a supported element type")
        }
        return TensorView(base: UnsafeRawPointer(interpreter.address(index)), dtype: dtype, shape: t.sizes.map(Int.init))
    }

    private func writable(_ index: Int, _ name: String) throws(RuntimeError) -> MutableTensorView {
        guard index >= 0, index < values.count, let t = values[index].tensor, let dtype = t.scalarType.dtype else {
            throw RuntimeError("\(schema.name) out \"\(name)\" (%\(index)) must be a Tensor of a supported element type")
        }
        guard t.dataBufferIndex == 0 else { throw RuntimeError("\(schema.name) out \"\(name)\" (%\(index)) is a constant but is written as an out tensor") }
        return MutableTensorView(base: interpreter.address(index), dtype: dtype, shape: t.sizes.map(Int.init))
    }

    private func items(_ name: String, _ value: EValue) throws(RuntimeError) -> [Int] {
        guard case .tensorList(let items) = value else { throw fail(name, "a TensorList", value) }
        return items.map(Int.init)
    }

    /// Whether anything reads out `name` after this call (another call or the method's outputs);
    /// a kernel may skip computing an out nothing reads.
    func outIsRead(_ name: String) throws(RuntimeError) -> Bool {
        let i = indices[try position(name, [.tensor], out: true)]
        // This call names its out (and returns it) itself; count only the others.
        var own = 0
        for a in indices {
            if a == i { own += 1 }
            if a >= 0, a < values.count, case .tensorList(let items) = values[a] { own += items.filter { Int($0) == i }.count }
        }
        return (interpreter.references[i] ?? 0) > own
    }

    /// The value index of tensor argument `name` when it is a constant of the program (its data
    /// in a constant buffer, which no call writes), else nil.
    func constant(_ name: String) throws(RuntimeError) -> Int? {
        let i = indices[try position(name, [.tensor])]
        guard i >= 0, i < values.count, let t = values[i].tensor, t.dataBufferIndex != 0 else { return nil }
        return i
    }

    func tensor(_ name: String) throws(RuntimeError) -> TensorView {
        try view(indices[try position(name, [.tensor])], name)
    }

    func optionalTensor(_ name: String) throws(RuntimeError) -> TensorView? {
        let i = indices[try position(name, [.optionalTensor])]
        return values[i] == .null ? nil : try view(i, name)
    }

    func tensorList(_ name: String) throws(RuntimeError) -> [TensorView] {
        var out: [TensorView] = []
        for i in try items(name, values[indices[try position(name, [.tensorList])]]) { out.append(try view(i, name)) }
        return out
    }

    /// The value index of argument or out `name`.
    func index(of name: String) throws(RuntimeError) -> Int {
        guard let k = schema.position(of: name) else { throw RuntimeError("\(schema.name) has no argument \"\(name)\"") }
        return indices[k]
    }

    /// A writable view of value `index` (an out this call's run writes, such as a fused call's last out).
    func outView(_ index: Int) throws(RuntimeError) -> MutableTensorView { try writable(index, "out") }

    /// A writable out tensor; constants are never written.
    func out(_ name: String) throws(RuntimeError) -> MutableTensorView {
        try writable(indices[try position(name, [.tensor], out: true)], name)
    }

    /// A TensorList out of writable tensors (the out of `split_with_sizes_copy.out`).
    func outList(_ name: String) throws(RuntimeError) -> [MutableTensorView] {
        var out: [MutableTensorView] = []
        for i in try items(name, values[indices[try position(name, [.tensorList], out: true)]]) { out.append(try writable(i, name)) }
        return out
    }

    private func integer(_ name: String, _ value: EValue) throws(RuntimeError) -> Int {
        guard case .int(let v) = value, let i = Int(exactly: v) else { throw fail(name, "an Int", value) }
        return i
    }

    func int(_ name: String) throws(RuntimeError) -> Int { try integer(name, values[indices[try position(name, [.int])]]) }

    /// An `int?`, `ScalarType?` or `MemoryFormat?` argument: nil for Null.
    func optionalInt(_ name: String) throws(RuntimeError) -> Int? {
        let v = values[indices[try position(name, [.optionalInt, .optionalScalarType, .optionalMemoryFormat])]]
        return v == .null ? nil : try integer(name, v)
    }

    func bool(_ name: String) throws(RuntimeError) -> Bool {
        let v = values[indices[try position(name, [.bool])]]
        guard case .bool(let b) = v else { throw fail(name, "a Bool", v) }
        return b
    }

    private func number(_ name: String, _ value: EValue) throws(RuntimeError) -> Double {
        switch value {
        case .int(let v): return Double(v)
        case .double(let v): return v
        case .bool(let v): return v ? 1 : 0
        default: throw fail(name, "a Scalar", value)
        }
    }

    /// A `Scalar` (Int, Double or Bool) or `float` argument as a Double.
    func scalar(_ name: String) throws(RuntimeError) -> Double { try number(name, values[indices[try position(name, [.scalar, .float])]]) }

    func optionalScalar(_ name: String) throws(RuntimeError) -> Double? {
        let v = values[indices[try position(name, [.optionalScalar])]]
        return v == .null ? nil : try number(name, v)
    }

    private func ints(_ name: String, _ value: EValue) throws(RuntimeError) -> [Int] {
        guard case .intList(let items) = value else { throw fail(name, "an IntList", value) }
        var out: [Int] = []
        for i in items {
            guard i >= 0, Int(i) < values.count else { throw fail(name, "an IntList of Ints", value) }
            out.append(try integer(name, values[Int(i)]))
        }
        return out
    }

    func intList(_ name: String) throws(RuntimeError) -> [Int] { try ints(name, values[indices[try position(name, [.intList])]]) }

    /// An `int[]?` argument: nil for Null.
    func optionalIntList(_ name: String) throws(RuntimeError) -> [Int]? {
        let v = values[indices[try position(name, [.optionalIntList])]]
        return v == .null ? nil : try ints(name, v)
    }

    /// A `str` or `str?` argument (nil for Null).
    func string(_ name: String) throws(RuntimeError) -> String? {
        let v = values[indices[try position(name, [.string, .optionalString])]]
        switch v {
        case .null: return nil
        case .string(let s): return s
        default: throw fail(name, "a String or Null", v)
        }
    }

    /// Whether an optional argument is Null (for arguments the interpreter supports only absent).
    func isNull(_ name: String) throws(RuntimeError) -> Bool {
        let optionals: [ArgumentKind] = ArgumentKind.allCases.filter { $0.rawValue.hasSuffix("?") }
        return values[indices[try position(name, optionals)]] == .null
    }

    /// A Scalar argument as a 0-d tensor of `dtype` (for the `.Scalar_out` kernels).
    func scalarTensor(_ name: String, _ dtype: DType) throws -> Tensor {
        try Tensor(converting: [try scalar(name)], dtype: dtype, shape: [])
    }
}
