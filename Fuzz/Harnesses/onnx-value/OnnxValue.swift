// An ONNX test value of sequence or optional type (onnx-data.proto's SequenceProto and
// OptionalProto, read by edgec's own wire-format reader), as `edgec run --input x.pb` and the
// node-suite runner read it for a model input of that type. Which message a file holds is not in
// its bytes (the model's declared type says), so the input's first byte picks the kind and the
// rest is the message: then the tensor leaves, the structure recorded for the import, and the
// interpreter tensor of every leaf.
import EdgeKernels
import EdgeONNX
import FuzzSupport

/// The kinds the first byte selects (modulo the count), nested as the node suite's models nest them.
let kinds: [ONNXValueKind] = [
    .tensor, .sequence(.tensor), .sequence(.sequence(.tensor)), .optional(.tensor),
    .optional(.sequence(.tensor)), .optional(.optional(.tensor)), .sequence(.unknown), .sequence(.optional(.tensor)),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start, count > 0 else { return 0 }
    let kind = kinds[Int(start[0]) % kinds.count]
    let data = Fuzz.data(start + 1, count - 1)
    guard let value = try? ONNXValueFile.decode(data, kind: kind, what: "fuzz.pb") else { return 0 }
    var options = ONNXImportOptions()
    value.describeStructure(name: "x", in: &options)
    for leaf in value.leaves(name: "x") {
        _ = try? leaf.tensor.tensor()
    }
    return 0
}

@_cdecl("fuzz_onnx_value_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, fuzzOneInput)
}
