import EdgeIR
import EdgeONNX
import Foundation
import Testing

/// Inputs that crashed a fuzz harness (Scripts/fuzz.sh), kept byte for byte; each must now be
/// rejected with an error.
@Suite struct ONNXFuzzRegressionTests {
    static func bytes(_ hex: String) -> Data {
        var out = Data()
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i ..< j], radix: 16)!)
            i = j
        }
        return out
    }

    /// fuzz-onnx-tensor: dims [1, 1, 0xffff…] of f32 with empty float_data made the decoder
    /// reserve 47 GB before checking the value count (out of memory).
    @Test func typedDataIsCountedBeforeTheBufferIsReserved() {
        let input = Self.bytes("10010a0801010a07ffff65656565656565")
        do {
            _ = try ONNXTensorFile.decode(input, what: "crash.pb")
            Issue.record("accepted a tensor declaring billions of elements with no data")
        } catch {
            #expect(error.description.contains("values in float_data but its dims"), "\(error.description)")
        }
    }

    /// fuzz-onnx (campaign of 2026-12-03): a 114-byte model with a Hardmax on a rank-0 input. The
    /// shared axis normalization accepted axis 0 for rank 0 (as if a scalar were 1-D) and Hardmax
    /// then read the size of a dim the input does not have (index out of range, a trap). Axes now
    /// lie in 0 ..< rank for every importer.
    @Test func hardmaxOfAScalarIsAnError() throws {
        let input = Self.bytes("2d746573743a650a1c0a01781201792207486172646d61782a0b0a04617869731800a001021213746573745f686172646d61785f617869735f305a170a017812120a100801120cf04368610a02080a0a02080562170a007912ebf5100801120c0a0208030a0208040a02080542040a00100d")
        do {
            _ = try ONNXImporter.importModel(data: input, directory: nil)
            Issue.record("imported a Hardmax of a scalar")
        } catch {
            #expect(error.description.contains("out of range for rank 0"), "\(error.description)")
        }
    }

    /// fuzz-onnx campaign, 2026-12-03 (226 bytes, after 14.3 M executions of the fourth part): a
    /// Conv with strides [0, 7] and auto_pad SAME_*: the padding computation divided by the
    /// stride (a trap). Kernel sizes, strides and dilations are checked (1 ... 2²⁴) first.
    @Test func aConvWithAZeroStrideIsAnError() throws {
        let input = Self.bytes("080a120c6261636b656e642d746573743ac9010a530a01780a01571201692204436f6e762a190a086175746f5f706164220a53414d455f4c4f574552a001032a150a0c6b65726e656c5f736861706540034003a001072a100a077374726964657340004007a00107121b746573745f636f6e765f776974685f6175746f7061645f73616d655a1b0a017812160a14080112100a0208010a0208010a0208050a0208055a1b0a015712160a14080112100a0208010a0208010a0208030a020803621b0a017912160a14080112100a0208010a0208010a0208030a02080342040a001016")
        do {
            _ = try ONNXImporter.importModel(data: input, directory: nil)
            Issue.record("imported a Conv with a zero stride")
        } catch {
            #expect(error.description.contains("'strides' [0, 7] must hold values from 1 to 16777216"), "\(error.description)")
        }
    }

    /// fuzz-onnx campaign, 2026-12-03 (373 bytes, after 0.14 M executions of the third part): a
    /// Scan-8 whose state input is rank 0. Scan-8 slices every input along its batch axis 0, and
    /// the IR's slice, like split, concat and squeeze, accepted dim 0 of a rank-0 tensor (the
    /// shared axis rule lets a scalar act as 1-D for reductions) and then read that dim's size
    /// (index out of range, a trap). Those ops now need a tensor with the dim, and Scan-8 says
    /// which input has no batch axis.
    @Test func aScanOfARankZeroInputIsAnError() throws {
        let input = Self.bytes("0803120c6261636b656e642d746573743adc020ae8010a000a07696e697469616c0a017812017912017a22045363616e2a160a0f6e756d5f7363616e5f696e707574731801a001022ab1010a04626f647932a5010a1e220673756d5f696e0a046e657874120773756d5f6f757422034164643a000a1f0a0773756d5f6f757412087363616e5f6f757422084964656e746974793a0012097363616e5f626f64795a140a0673756d5f696e120a0a08080112040a0208025a120a046e657874120a0a08080912040a02080262150a0773756d5f6f7574120a0a08080512040a02080262160a087363616e5f6f7574120a0a08080112040a020802a001053a00120d746573745f736361665f73756d5a190a07696e697469616c120e0a0c080112080a0208010a0208025a170a017812120a100801120cf10008010a0208020a02080262130a0179120e0a0c080112080a0208010a02080262170a017a12120a100801120c0a0208010a0208030a02080242040a001008")
        do {
            _ = try ONNXImporter.importModel(data: input, directory: nil)
            Issue.record("imported a Scan-8 of a rank-0 input")
        } catch {
            #expect(error.description.contains("is a rank-0 tensor; every input of Scan-8 has the batch axis 0"), "\(error.description)")
        }
        let b = IRBuilder(function: Function(name: "f", argumentTypes: [TensorType(.f32, [] as [Int])], resultTypes: []))
        let scalar = b.function.arguments[0]
        for (op, attributes) in [(Ops.slice, ["dim": Attribute.int(0), "start": .int(0), "end": .int(1)]), (Ops.split, ["dim": .int(0), "sizes": .ints([1])]),
                                 (Ops.squeeze, ["dims": .ints([0])])] {
            #expect(throws: OpError.self, "\(op.name) of a rank-0 tensor") { try b.create(op, [scalar], attributes: attributes) }
        }
        #expect(throws: OpError.self) { try b.create(Ops.concat, [scalar, scalar], attributes: ["axis": .int(0)]) }
    }

    /// fuzz-onnx campaign, 2026-12-03 (673 bytes, after 1.57 M executions): a nearest Resize to
    /// [1, 0, 4 008 960, 200 000] (scales 1, 1.2e-38, 34560, 1e5) built its 4 M-entry table
    /// position by position for an output with no elements: 10 s, past libFuzzer's timeout.
    /// The whole output is checked first; an empty one is a constant, a huge one an error.
    @Test func aResizeToAnEmptyOutputBuildsNoTables() throws {
        let input = Self.bytes("0808120e65646765632d66697874757265731a01313a83050a4212066373686170651a0c6373686170655f636f6e73742208436f6e7374616e742a200a0576616c75652a14080210073a06c0843dc0843d4206637368617065a001040a440a06637368617065120666696c6c65641a066e6f64655f33220f436f6e7374616e744f6653686170652a190a0576616c75652a0d0801100122040000803f420176a001040a4312066573686170651a0c6573686170655f636f6e73742208436f6e7374616e742a210a0576616c75652a15080310073a07c0843dc0843d044206657368617065a001040a270a01580a066573686170651208657870616e6465641a08657870616e645f302206457870616e640a3c1204726570731a0a726570735f636f6e73742208436f6e7374616e742a1e0a0576616c75652a12080210073a06c0843dc0843d420472657073a001040a1e0a01580a0472657073120574696c65641a0674696c655f30220454696c650a88010a0258340a000a067363616c65731207726573697a65641a08726573697a655f302206526573697a652a2f0a1e636f6f7264696e6174655f7472616e73666f726d6174696f6e5f6b6f6465220a6173796d6d6574726963a001032a120a046d6f646522076e656172657374a001032a180a0c6e6561726573745f6d6f64652205666c6f6f72a00103120b687567655f7368617065732a1e0804100122100000803f00008000000007470050c34742067363616c65735a130a0158120e0a0c080112080a0208010a0208045a1c0a02583412160a14080112100a0208010a0208010a0208740a020802620e0a0666696c6c656412040a02080162100a08657870616e64656412040a020801620d0a0574696c656412040a020801620f0a07726573697a656412040a02080142040a001011")
        let start = Date()
        do {
            _ = try ONNXImporter.importModel(data: input, directory: nil)
        } catch {
            // The same model's Expand and Tile are over the memory budget; the Resize is not.
            #expect(!error.description.contains("Resize"), "\(error.description)")
        }
        #expect(Date().timeIntervalSince(start) < 5, "the import took \(Date().timeIntervalSince(start)) s")
    }
}
