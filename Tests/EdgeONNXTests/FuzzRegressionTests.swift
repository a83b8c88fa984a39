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
}
