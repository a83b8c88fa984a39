import EdgeKernels
import EdgeProgram

/// Typed access to one kernel call's arguments; every accessor checks the value's kind.
struct Arguments {
    let interpreter: Interpreter
    let indices: [Int]

    var values: [EValue] { interpreter.plan.values }

    func value(_ k: Int) -> EValue { values[indices[k]] }

    func fail(_ k: Int, _ expected: String) -> RuntimeError {
        RuntimeError("argument \(k) (%\(indices[k])) must be \(expected), got \(value(k).kindName)")
    }

    func tensor(_ k: Int) throws(RuntimeError) -> TensorView { try tensorAt(indices[k], k) }

    private func tensorAt(_ index: Int, _ k: Int) throws(RuntimeError) -> TensorView {
        guard let t = values[index].tensor, let dtype = Interpreter.dtype(t.scalarType) else { throw fail(k, "a Tensor") }
        return TensorView(base: UnsafeRawPointer(interpreter.address(index)), dtype: dtype, shape: t.sizes.map(Int.init))
    }

    func optionalTensor(_ k: Int) throws(RuntimeError) -> TensorView? {
        if value(k) == .null { return nil }
        return try tensor(k)
    }

    /// A writable tensor (an out argument); constants are never written.
    func out(_ k: Int) throws(RuntimeError) -> MutableTensorView {
        guard let t = value(k).tensor, let dtype = Interpreter.dtype(t.scalarType) else { throw fail(k, "a Tensor") }
        guard t.dataBufferIndex == 0 else { throw RuntimeError("argument \(k) (%\(indices[k])) is a constant but is written as an out tensor") }
        return MutableTensorView(base: interpreter.address(indices[k]), dtype: dtype, shape: t.sizes.map(Int.init))
    }

    func int(_ k: Int) throws(RuntimeError) -> Int {
        guard case .int(let v) = value(k), let i = Int(exactly: v) else { throw fail(k, "an Int") }
        return i
    }

    func bool(_ k: Int) throws(RuntimeError) -> Bool {
        guard case .bool(let v) = value(k) else { throw fail(k, "a Bool") }
        return v
    }

    /// A Scalar (Int, Double or Bool) as a Double.
    func scalar(_ k: Int) throws(RuntimeError) -> Double {
        switch value(k) {
        case .int(let v): return Double(v)
        case .double(let v): return v
        case .bool(let v): return v ? 1 : 0
        default: throw fail(k, "a Scalar")
        }
    }

    func optionalScalar(_ k: Int) throws(RuntimeError) -> Double? { value(k) == .null ? nil : try scalar(k) }

    func optionalInt(_ k: Int) throws(RuntimeError) -> Int? { value(k) == .null ? nil : try int(k) }

    func intList(_ k: Int) throws(RuntimeError) -> [Int] {
        guard case .intList(let items) = value(k) else { throw fail(k, "an IntList") }
        var out: [Int] = []
        for i in items {
            guard case .int(let v) = values[Int(i)], let x = Int(exactly: v) else { throw fail(k, "an IntList of Ints") }
            out.append(x)
        }
        return out
    }

    /// An optional IntList (`int[1]? dim`): nil for Null.
    func optionalIntList(_ k: Int) throws(RuntimeError) -> [Int]? { value(k) == .null ? nil : try intList(k) }

    func tensorList(_ k: Int) throws(RuntimeError) -> [TensorView] {
        guard case .tensorList(let items) = value(k) else { throw fail(k, "a TensorList") }
        var out: [TensorView] = []
        for i in items { out.append(try tensorAt(Int(i), k)) }
        return out
    }

    func string(_ k: Int) throws(RuntimeError) -> String? {
        switch value(k) {
        case .null: return nil
        case .string(let s): return s
        default: throw fail(k, "a String or Null")
        }
    }
}

extension Arguments {
    /// A TensorList of writable tensors (the out argument of multi-output kernels).
    func outList(_ k: Int) throws(RuntimeError) -> [MutableTensorView] {
        guard case .tensorList(let items) = value(k) else { throw fail(k, "a TensorList") }
        var out: [MutableTensorView] = []
        for i in items { out.append(try Arguments(interpreter: interpreter, indices: [Int(i)]).out(0)) }
        return out
    }

    /// A Scalar argument as a 0-d tensor of `dtype` (for the `.Scalar_out` kernels).
    func scalarTensor(_ k: Int, _ dtype: DType) throws -> Tensor {
        try Tensor(converting: [try scalar(k)], dtype: dtype, shape: [])
    }
}
