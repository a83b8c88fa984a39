import EdgeProgram
import Foundation
import Testing

/// `flatc` (the reference FlatBuffers compiler) decodes what edgec writes with Grammar/program.fbs.
@Suite struct FlatcDecodesPrograms {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func flatc() -> String? {
        for p in ["/usr/bin/flatc", "/usr/local/bin/flatc"] where FileManager.default.isExecutableFile(atPath: p) { return p }
        return nil
    }

    @Test func flatcReadsEdgecOutput() throws {
        let flatc = try #require(Self.flatc(), "flatc is not installed (Scripts/setup.sh installs it)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("edgec-flatc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let pte = dir.appendingPathComponent("sample.pte")
        try Data(ProgramWriter.serialize(StacktraceTests.withFrames)).write(to: pte)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: flatc)
        p.arguments = ["--json", "--raw-binary", "--strict-json", "--defaults-json", "-o", dir.path,
                       Self.root.appendingPathComponent("Grammar/program.fbs").path, "--", pte.path]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("sample.json"))) as! [String: Any]
        let plan = (json["execution_plan"] as! [[String: Any]])[0]
        #expect(plan["name"] as? String == "forward")
        #expect(plan["non_const_buffer_sizes"] as? [Int] == [0, 64])
        let values = plan["values"] as! [[String: Any]]
        #expect(values.map { $0["val_type"] as? String } == ["Tensor", "Tensor", "Int", "Tensor", "Tensor", "Null", "Double", "Bool", "IntList", "TensorList", "String"])
        let ops = plan["operators"] as! [[String: Any]]
        #expect(ops.map { $0["name"] as? String } == ["aten::add", "aten::relu"])
        let segment = json["constant_segment"] as! [String: Any]
        #expect(segment["offsets"] as? [Int] == [0, 0])
        let alloc = (values[3]["val"] as! [String: Any])["allocation_info"] as! [String: Any]
        #expect(alloc["memory_offset_low"] as? Int == 32)
        #expect(alloc["memory_id"] as? Int == 1)
        // The per-instruction stacktrace, as flatc reads it with the schema.
        let chain = (plan["chains"] as! [[String: Any]])[0]
        let stacktrace = chain["stacktrace"] as! [[String: Any]]
        #expect(stacktrace.count == 2)
        let frames = stacktrace.map { ($0["items"] as! [[String: Any]]) }
        #expect(frames[0][0]["name"] as? String == "add_1" && frames[0][0]["filename"] as? String == "model.py" && frames[0][0]["lineno"] as? Int == 12)
        #expect(frames[0][0]["context"] as? String == "x + w" && frames[0][1]["name"] as? String == "outer")
        #expect(frames[1][0]["name"] as? String == "Relu_7")
    }
}
