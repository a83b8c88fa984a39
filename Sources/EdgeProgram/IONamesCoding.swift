import Foundation

// Input and output names travel in the plan's `container_meta_type`, the slot ExecuTorch uses
// for the PyTorch pytree spec of a method's inputs and outputs. edgec writes a valid pytree
// spec (treespec JSON, protocol 1) in which inputs are keyword arguments and outputs a dict,
// each keyed by the source model's name, in plan order. The runtime does not read it.

extension IONames {
    private static var leaf: [String: Any] { ["type": NSNull(), "context": NSNull(), "children_spec": [Any]()] }

    private static func dict(_ keys: [String]) -> [String: Any] {
        ["type": "builtins.dict", "context": json(keys), "children_spec": keys.map { _ in leaf }]
    }

    private static func json(_ value: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed])) ?? Data("null".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// `encoded_inp_str`: `((), {name: leaf, ...})` as a treespec.
    var encodedInputs: String {
        let args: [String: Any] = ["type": "builtins.tuple", "context": "null", "children_spec": [Any]()]
        let root: [String: Any] = ["type": "builtins.tuple", "context": "null", "children_spec": [args, Self.dict(inputs)]]
        return Self.json([1, root] as [Any])
    }

    /// `encoded_out_str`: `{name: leaf, ...}` as a treespec.
    var encodedOutputs: String { Self.json([1, Self.dict(outputs)] as [Any]) }

    /// Recovers names from treespecs written by ``encodedInputs``/``encodedOutputs``; nil for other specs.
    init?(encodedInputs: String, encodedOutputs: String) {
        func keys(_ spec: Any?) -> [String]? {
            guard let d = spec as? [String: Any], d["type"] as? String == "builtins.dict",
                  let context = d["context"] as? String,
                  let names = try? JSONSerialization.jsonObject(with: Data(context.utf8)) as? [String] else { return nil }
            return names
        }
        func root(_ text: String) -> [String: Any]? {
            guard let top = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any], top.count == 2 else { return nil }
            return top[1] as? [String: Any]
        }
        guard let inRoot = root(encodedInputs), let children = inRoot["children_spec"] as? [Any], children.count == 2,
              let ins = keys(children[1]), let outs = keys(root(encodedOutputs)) else { return nil }
        self.init(inputs: ins, outputs: outs)
    }
}
