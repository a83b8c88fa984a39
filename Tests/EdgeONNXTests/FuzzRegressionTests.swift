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
}
