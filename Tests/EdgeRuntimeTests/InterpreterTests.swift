import EdgeKernels
import EdgeProgram
import EdgeRuntime
import Foundation
import Testing

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures/executorch")

func fixture(_ name: String) throws -> Program {
    try ProgramReader.read([UInt8](try Data(contentsOf: fixtures.appendingPathComponent(name)))).program
}

@Suite struct InterpreterTests {
    @Test func runsAProgramExportedByExecuTorchLikeExecuTorch() throws {
        // Expected values: ExecuTorch 1.5.1's runtime on the same file and input (recorded once).
        let x = try Tensor((0 ..< 768).map { sin(Float($0) * 0.37) }, shape: [1, 3, 16, 16])
        let y = try Interpreter(try fixture("tiny_cnn.pte")).run([x])
        let expected: [Float] = [0.15969544649124146, 0.2625248432159424, -0.11564653366804123, -0.23843133449554443]
        let got = y[0].withView { Array($0.buffer(as: Float.self)) }
        #expect(y[0].shape == [1, 4])
        #expect(zip(got, expected).allSatisfy { abs($0 - $1) < 1e-5 }, "\(got)")
    }

    @Test func missingKernelsAreALoadError() throws {
        do {
            _ = try Interpreter(try fixture("kitchen_sink.pte"))
            Issue.record("loaded a program with kernels the interpreter lacks")
        } catch let error as RuntimeError {
            #expect(error.message.contains("no kernel for"))
            #expect(error.message.contains("aten::hardtanh.out"))
        }
    }

    @Test func badInputsAndArgumentListsAreErrors() throws {
        var program = try fixture("tiny_cnn.pte")
        let interpreter = try Interpreter(program)
        #expect(throws: RuntimeError.self) { try interpreter.run([]) }
        #expect(throws: RuntimeError.self) { try interpreter.run([try Tensor(zeros: [1, 3, 8, 8])]) }
        // A kernel call with one argument missing is rejected at load.
        if case let .kernelCall(op, args) = program.plans[0].instructions[2] {
            program.plans[0].instructions[2] = .kernelCall(opIndex: op, args: Array(args.dropLast()))
        }
        #expect(throws: RuntimeError.self) { try Interpreter(program) }
    }

    @Test func writingIntoAConstantOrMismatchedShapesFailCleanly() throws {
        var program = try fixture("tiny_cnn.pte")
        // relu's out argument replaced by a constant tensor (value 0, the conv weight).
        if case let .kernelCall(op, args) = program.plans[0].instructions[2] {
            program.plans[0].instructions[2] = .kernelCall(opIndex: op, args: [args[0], 0, 0])
        }
        let interpreter = try Interpreter(program)
        #expect(throws: RuntimeError.self) { try interpreter.run([try Tensor(zeros: [1, 3, 16, 16])]) }
    }
}

@Suite struct NPYTests {
    @Test func roundTripsEveryType() throws {
        for t in [try Tensor([Float(1.5), -2, 3], shape: [3]), try Tensor([Int64(1), -2, 3, 4], shape: [2, 2]),
                  try Tensor([true, false], shape: [2]), try Tensor([Double(0.25)], shape: []), try Tensor([Int32](), shape: [0, 3])] {
            let bytes = try NPY.encode(t)
            #expect(bytes.count > 64 && (bytes.count - t.withView { $0.byteCount }) % 64 == 0)
            let back = try NPY.decode(bytes)
            #expect(back.shape == t.shape && back.dtype == t.dtype)
            #expect(back.withView { Array(UnsafeRawBufferPointer(start: $0.base, count: $0.byteCount)) }
                == t.withView { Array(UnsafeRawBufferPointer(start: $0.base, count: $0.byteCount)) })
        }
    }

    @Test func rejectsDamagedFiles() throws {
        let good = try NPY.encode(try Tensor([Float(1), 2, 3, 4], shape: [2, 2]))
        for n in 0 ..< good.count { #expect(throws: (any Error).self) { try NPY.decode(Array(good.prefix(n))) } }
        var big = good
        if let r = String(decoding: good, as: UTF8.self).range(of: "'<f4'") {
            let at = String(decoding: good, as: UTF8.self).utf8.distance(from: String(decoding: good, as: UTF8.self).utf8.startIndex, to: r.lowerBound.samePosition(in: String(decoding: good, as: UTF8.self).utf8)!)
            big[at + 1] = UInt8(ascii: ">")
        }
        #expect(throws: (any Error).self) { try NPY.decode(big) }
    }
}
