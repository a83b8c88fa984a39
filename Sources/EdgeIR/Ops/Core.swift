import EdgeKernels

/// The op declarations, grouped by concept in this folder. ``OpRegistry`` lists them all.
public enum Ops {}

extension Ops {
    /// A constant tensor whose bytes live in a blob or inline.
    public static let constant = OpDefinition(
        "edge.constant",
        summary: "A constant tensor; `value` names a blob (`#blob<\"w\">`) or holds small data inline (`dense<[...]>`).",
        reference: "aten constant tensors / ONNX Constant and initializers",
        attributes: [AttributeSpec("value", .dense, .required, "the tensor's bytes")],
        traits: [.pure, .constantLike]
    ) { ctx throws(OpError) in
        guard let declared = ctx.declaredResultTypes, declared.count == 1 else {
            throw OpError("needs its result type written out (`: f32[2,3]`)")
        }
        let type = declared[0]
        guard let bytes = type.byteCount else {
            throw OpError("result type \(TypeText.type(type)) must have a static shape whose size fits in memory")
        }
        var contents: [UInt8]?
        switch ctx.attribute("value") {
        case .dense(.inline(let data))?:
            guard data.count == bytes else {
                throw OpError("inline value has \(data.count) bytes but \(TypeText.type(type)) needs \(bytes)")
            }
            contents = Array(data)
        case .dense(.blob(let name))?:
            if let blobs = ctx.blobs {
                guard let data = blobs[name] else { throw OpError("blob \"\(name)\" is not in the module's blob store") }
                guard data.count == bytes else {
                    throw OpError("blob \"\(name)\" has \(data.count) bytes but \(TypeText.type(type)) needs \(bytes)")
                }
                contents = [UInt8](data)
            }
        default:
            throw OpError("'value' must be a dense tensor")
        }
        // 4-bit blockwise constants: parameters that fit the shape, integers in [-8, 7].
        if case .quantized(let q) = type.element, case .blockwise = q.scheme {
            if let problem = q.scheme.problem(shape: type.shape, storage: q.storage) { throw OpError(problem) }
            if let contents, let i = contents.firstIndex(where: { !(-8 ... 7).contains(Int8(bitPattern: $0)) }) {
                throw OpError("4-bit value #\(i) is \(Int8(bitPattern: contents[i])), outside [-8, 7]")
            }
        }
        return declared
    }

    /// Returns values from a function; the last op of every function body.
    public static let `return` = OpDefinition(
        "return",
        summary: "Returns the function's results; ends the function body.",
        operands: [OperandSpec("values", .variadic)],
        results: .fixed(0),
        traits: [.terminator]
    ) { _ throws(OpError) in [] }
}

extension Ops {
    public static let full = OpDefinition(
        "edge.full",
        summary: "A tensor of `shape` with every element equal to `value`, of element type `dtype`.",
        reference: "aten::full",
        attributes: [
            AttributeSpec("shape", .ints, .required),
            AttributeSpec("value", .float, .required, "the fill value (converted to dtype)"),
            AttributeSpec("dtype", .string, .defaulted(.string("f32")), "the element type"),
        ],
        evaluate: { _, ctx in
            let s = try ctx.required(ScalarType(rawValue: ctx.attribute("dtype")?.stringValue ?? ""), "dtype")
            return [try Full.run(shape: try ctx.resultShape(), value: try ctx.required(ctx.float("value"), "value"), dtype: s)]
        }
    ) { ctx throws(OpError) in
        let shape = ctx.ints("shape")!
        guard shape.allSatisfy({ $0 >= 0 }), checkedProduct(shape) != nil else { throw OpError("shape \(shape) is negative or overflows") }
        let name = ctx.attribute("dtype")?.stringValue ?? ""
        guard let s = ScalarType(rawValue: name) else { throw OpError("dtype \"\(name)\" is not an element type") }
        return [TensorType(.scalar(s), shape)]
    }
}
