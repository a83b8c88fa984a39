import EdgeIR

/// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss
/// (https://onnx.ai/onnx/operators/onnx__NegativeLogLikelihoodLoss.html), over static shapes.
/// The class picked by each target is selected with a one-hot mask (target == class index),
/// so no gather op is needed: loss = -Σ_c onehot · input · weight[c]; targets equal to
/// `ignore_index` select nothing and weigh 0.
extension ONNXOps {
    static let losses: [OpImporter] = [
        OpImporter("NegativeLogLikelihoodLoss", [12, 13, 22]) { ctx in
            [.value(try nllLoss(ctx, try ctx.value(0), target: try ctx.value(1), weight: try ctx.optionalValue(2)))]
        },
        OpImporter("SoftmaxCrossEntropyLoss", [12, 13]) { ctx in
            let scores = try ctx.value(0)
            let logProb = try ctx.emit(Ops.logSoftmax, [scores], ["axis": .int(1)])
            let loss = try nllLoss(ctx, logProb, target: try ctx.value(1), weight: try ctx.optionalValue(2))
            return [.value(loss), .value(logProb)]
        },
    ]

    static func nllLoss(_ ctx: NodeContext, _ input: Value, target: Value, weight: Value?) throws -> Value {
        guard let shape = input.type.staticShape, shape.count >= 2, target.type.staticShape != nil,
              case .scalar(let t) = target.type.element, case .scalar(let e) = input.type.element else {
            throw ImportError("input and target must have static shapes (input of rank 2 or more)")
        }
        let classes = shape[1], rank = shape.count
        // class index c at dim 1: [1, C, 1, ...]
        var indexShape = [Int](repeating: 1, count: rank)
        indexShape[1] = classes
        let index = try ctx.constantValue(try ctx.constantTensor((0..<classes).map(Double.init), t, shape: indexShape), name: "class_index")
        let target1 = try ctx.emit(Ops.unsqueeze, [target], ["dim": .int(1)])
        var onehot = try ctx.emit(Ops.eq, [target1, index])
        let reduction = try ctx.string("reduction", "mean")
        if let ignore = try ctx.node.attribute.contains(where: { $0.name == "ignore_index" }) ? ctx.int("ignore_index", 0) : nil,
           ignore >= 0, ignore < classes {
            let kept = try ctx.emit(Ops.logicalNot, [try ctx.emit(Ops.eq, [target1, try ctx.scalarValue(Double(ignore), target.type.element, name: "ignore_index")])])
            onehot = try ctx.emit(Ops.logicalAnd, [onehot, kept])
        }
        let zero = try ctx.scalarValue(0, input.type.element, name: "zero")
        let classAxis: [String: Attribute] = ["axes": .ints([1]), "keepdim": .bool(false)]
        let picked = try ctx.emit(Ops.sum, [try ctx.emit(Ops.where, [onehot, input, zero])], classAxis)
        let weights: Value
        if let weight {
            let w = try ctx.emit(Ops.reshape, [weight], ["shape": .ints(indexShape.map(Int64.init))])
            weights = try ctx.emit(Ops.sum, [try ctx.emit(Ops.where, [onehot, w, zero])], classAxis)
        } else {
            weights = try ctx.emit(Ops.sum, [try ctx.emit(Ops.cast, [onehot], ["dtype": .string(e.rawValue)])], classAxis)
        }
        let loss = try ctx.emit(Ops.neg, [weight == nil ? picked : try ctx.emit(Ops.mul, [picked, weights])])
        let all: [String: Attribute] = ["axes": .ints((0..<(rank - 1)).map(Int64.init)), "keepdim": .bool(false)]
        switch reduction {
        case "none": return loss
        case "sum": return try ctx.emit(Ops.sum, [loss], all)
        case "mean": return try ctx.emit(Ops.div, [try ctx.emit(Ops.sum, [loss], all), try ctx.emit(Ops.sum, [weights], all)])
        default: throw ctx.unsupported("reduction \"\(reduction)\"")
        }
    }
}
