import EdgeIR

/// Activations that ONNX defines as functions, imported as their defining expressions over
/// existing Edge IR ops (https://onnx.ai/onnx/operators/: Selu, Celu, ThresholdedRelu,
/// Softsign, Swish, Shrink, Mish, Sign).
extension ONNXOps {
    static let activations: [OpImporter] = [
        // gamma * elu(x, alpha)
        OpImporter("Selu", [6, 22]) { ctx in
            let x = try ctx.value(0)
            let elu = try ctx.emit(Ops.elu, [x], ["alpha": .float(try ctx.float("alpha", 1.67326319217681884765625))])
            return [.value(try ctx.emit(Ops.mul, [elu, try ctx.scalarValue(try ctx.float("gamma", 1.05070102214813232421875), x.type.element, name: "gamma")]))]
        },
        // alpha * elu(x / alpha, 1)
        OpImporter("Celu", [12, 28]) { ctx in
            let x = try ctx.value(0), alpha = try ctx.float("alpha", 1)
            let scaled = try ctx.emit(Ops.div, [x, try ctx.scalarValue(alpha, x.type.element, name: "alpha")])
            let elu = try ctx.emit(Ops.elu, [scaled], ["alpha": .float(1)])
            return [.value(try ctx.emit(Ops.mul, [elu, try ctx.scalarValue(alpha, x.type.element, name: "alpha")]))]
        },
        // x > alpha ? x : 0
        OpImporter("ThresholdedRelu", [10, 22]) { ctx in
            let x = try ctx.value(0)
            let above = try ctx.emit(Ops.gt, [x, try ctx.scalarValue(try ctx.float("alpha", 1), x.type.element, name: "alpha")])
            return [.value(try ctx.emit(Ops.where, [above, x, try ctx.scalarValue(0, x.type.element, name: "zero")]))]
        },
        // x / (1 + |x|)
        OpImporter("Softsign", [1, 22]) { ctx in
            let x = try ctx.value(0)
            let denominator = try ctx.emit(Ops.add, [try ctx.emit(Ops.abs, [x]), try ctx.scalarValue(1, x.type.element, name: "one")])
            return [.value(try ctx.emit(Ops.div, [x, denominator]))]
        },
        // x * sigmoid(alpha * x)
        OpImporter("Swish", [24]) { ctx in
            let x = try ctx.value(0), alpha = try ctx.float("alpha", 1)
            let arg = alpha == 1 ? x : try ctx.emit(Ops.mul, [x, try ctx.scalarValue(alpha, x.type.element, name: "alpha")])
            return [.value(try ctx.emit(Ops.mul, [x, try ctx.emit(Ops.sigmoid, [arg])]))]
        },
        // x < -lambd ? x + bias : x > lambd ? x - bias : 0
        OpImporter("Shrink", [9]) { ctx in
            let x = try ctx.value(0), e = x.type.element
            let lambd = try ctx.float("lambd", 0.5), bias = try ctx.float("bias", 0)
            let below = try ctx.emit(Ops.lt, [x, try ctx.scalarValue(-lambd, e, name: "neg_lambd")])
            let above = try ctx.emit(Ops.gt, [x, try ctx.scalarValue(lambd, e, name: "lambd")])
            let b = try ctx.scalarValue(bias, e, name: "bias")
            let inner = try ctx.emit(Ops.where, [above, try ctx.emit(Ops.sub, [x, b]), try ctx.scalarValue(0, e, name: "zero")])
            return [.value(try ctx.emit(Ops.where, [below, try ctx.emit(Ops.add, [x, b]), inner]))]
        },
        // x * tanh(log(1 + exp(x)))
        OpImporter("Mish", [18, 22]) { ctx in
            let x = try ctx.value(0)
            let softplus = try ctx.emit(Ops.log, [try ctx.emit(Ops.add, [try ctx.emit(Ops.exp, [x]), try ctx.scalarValue(1, x.type.element, name: "one")])])
            return [.value(try ctx.emit(Ops.mul, [x, try ctx.emit(Ops.tanh, [softplus])]))]
        },
        // x > 0 ? 1 : x < 0 ? -1 : 0
        OpImporter("Sign", [9, 13]) { ctx in
            let x = try ctx.value(0), e = x.type.element
            let zero = try ctx.scalarValue(0, e, name: "zero")
            let negative = try ctx.emit(Ops.where, [try ctx.emit(Ops.lt, [x, zero]), try ctx.scalarValue(-1, e, name: "minus_one"), zero])
            return [.value(try ctx.emit(Ops.where, [try ctx.emit(Ops.gt, [x, zero]), try ctx.scalarValue(1, e, name: "one"), negative]))]
        },
    ]
}
