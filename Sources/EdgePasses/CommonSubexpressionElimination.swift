import EdgeIR
import Foundation

/// `cse`: replaces a pure op that repeats an earlier one (same op, operands, attributes and
/// result types) with the earlier op's results. Constants count as equal when their bytes
/// are equal, whether inline or in blobs with different names.
public enum CommonSubexpressionElimination {
    public static let pass = Pass.perFunction(
        name: "cse",
        summary: "Merge pure operations that compute the same value, including identical constants"
    ) { function, rewriter in
        let blobs = function.module?.blobs
        var seen: [Key: EdgeIR.Operation] = [:]
        for op in function.body.operations where op.definition.traits.contains(.pure) && !op.results.isEmpty {
            let key = Key(op, blobs: blobs)
            if let earlier = seen[key] {
                rewriter.replace(op, with: earlier.results)
            } else {
                seen[key] = op
            }
        }
    }

    /// What makes two ops interchangeable.
    struct Key: Hashable {
        let name: String
        let operands: [ObjectIdentifier?]
        let attributes: [String: Attribute]
        let resultTypes: [TensorType]
        /// Constant contents, so blobs with different names but equal bytes match.
        let contents: Data?

        init(_ op: EdgeIR.Operation, blobs: BlobStore?) {
            name = op.name
            operands = op.operands.map { $0.map(ObjectIdentifier.init) }
            resultTypes = op.results.map(\.type)
            var attrs = op.attributes
            var contents: Data?
            if op.definition.traits.contains(.constantLike), case .dense(let d)? = attrs["value"] {
                switch d {
                case .inline(let bytes): contents = Data(bytes)
                case .blob(let name): contents = blobs?[name]
                }
                if contents != nil { attrs["value"] = nil }
            }
            attributes = attrs
            self.contents = contents
        }
    }
}
