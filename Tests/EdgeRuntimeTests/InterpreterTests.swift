import EdgeKernels
import EdgeProgram
@testable import EdgeRuntime
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
        // A kernel call with one argument missing is rejected at load, against the kernel's schema.
        guard case let .kernelCall(op, args) = program.plans[0].instructions[2] else { Issue.record("instruction 2 is not a kernel call"); return }
        #expect(program.plans[0].operators[Int(op)].qualifiedName == "aten::relu.out")
        program.plans[0].instructions[2] = .kernelCall(opIndex: op, args: Array(args.dropLast()))
        let error = #expect(throws: RuntimeError.self) { try Interpreter(program) }
        #expect(error?.message == "instruction 2 (kernel aten::relu.out): aten::relu.out takes 3 arguments, got 2")
        // An argument of the wrong kind too: relu's input replaced by the method's first Int value.
        let int = try #require(program.plans[0].values.firstIndex { if case .int = $0 { return true }; return false })
        program.plans[0].instructions[2] = .kernelCall(opIndex: op, args: [Int32(int)] + args.dropFirst())
        let kind = #expect(throws: RuntimeError.self) { try Interpreter(program) }
        #expect(kind?.message == "instruction 2 (kernel aten::relu.out): aten::relu.out argument self (%\(int)) must be Tensor, got Int")
    }

    @Test func writingIntoAConstantIsALoadError() throws {
        // Outs are bound at load (with every other argument), so a constant out is found there.
        var program = try fixture("tiny_cnn.pte")
        // relu's out argument replaced by a constant tensor (value 0, the conv weight).
        if case let .kernelCall(op, args) = program.plans[0].instructions[2] {
            var bad = args
            bad[ATenKernel.relu.schema.position(of: "out")!] = 0
            bad[bad.count - 1] = 0  // the returned value
            program.plans[0].instructions[2] = .kernelCall(opIndex: op, args: bad)
        }
        let error = #expect(throws: RuntimeError.self) { try Interpreter(program) }
        #expect(error?.message == "instruction 2 (kernel aten::relu.out): aten::relu.out out \"out\" (%0) is a constant but is written as an out tensor")
    }

    @Test func everySchemaKernelHasOneImplementationThatBindsByName() throws {
        #expect(duplicateKeys(Kernels.all) { $0.kernel }.isEmpty, "a kernel is implemented twice")
        #expect(Set(Kernels.table.keys) == Set(ATenKernel.allCases), "kernels without an implementation, or implementations outside the schema")
        // Bind each kernel to a call of its schema's kinds: every name the implementation reads
        // must be a schema argument of the kind it reads (errors about the values are fine here).
        for kernel in ATenKernel.allCases {
            let program = Self.program(calling: kernel)
            do { _ = try Interpreter(program) } catch {
                let schemaError = error.message.contains("has no argument \"") || error.message.contains("but the schema declares")
                #expect(!schemaError, "\(kernel): \(error.message)")
            }
        }
    }

    /// A one-instruction program calling `kernel` with one value of each schema argument's kind
    /// (tensors f32[1, 1, 2, 2] in the arena, ints 1, int lists [2, 2], optionals mostly Null).
    static func program(calling kernel: ATenKernel) -> Program {
        let schema = kernel.schema
        var values: [EValue] = []
        func add(_ v: EValue) -> Int32 {
            values.append(v)
            return Int32(values.count - 1)
        }
        var slots = 0
        func tensor() -> Int32 {
            slots += 1
            return add(.tensor(TensorValue(scalarType: .float, sizes: [1, 1, 2, 2], allocation: Allocation(memoryID: 1, offset: UInt64(16 * (slots - 1))))))
        }
        var args: [Int32] = []
        for p in schema.parameters {
            switch p.kind {
            case .tensor: args.append(tensor())
            case .tensorList: let t = tensor(); args.append(add(.tensorList([t])))
            case .int: args.append(add(.int(1)))
            case .intList, .optionalIntList: let a = add(.int(2)), b = add(.int(2)); args.append(add(.intList([a, b])))
            case .bool: args.append(add(.bool(false)))
            case .float: args.append(add(.double(1e-5)))
            case .scalar: args.append(add(.int(1)))
            case .string: args.append(add(.string("none")))
            case .optionalTensor, .optionalInt, .optionalFloatList, .optionalScalar, .optionalString, .optionalScalarType, .optionalMemoryFormat:
                args.append(add(.null))
            }
        }
        let outs = schema.outs.map { args[schema.position(of: $0.name)!] }
        args.append(schema.returnsOut ? outs[0] : add(.tensorList(outs.flatMap { o -> [Int32] in
            if case .tensorList(let items) = values[Int(o)] { return items }
            return [o]
        })))
        let dot = schema.name.lastIndex(of: ".")!
        let plan = ExecutionPlan(name: "forward", values: values, inputs: [], outputs: [], operators: [
            Operator(name: String(schema.name[..<dot]), overload: String(schema.name[schema.name.index(after: dot)...])),
        ], instructions: [.kernelCall(opIndex: 0, args: args)], nonConstBufferSizes: [0, Int64(16 * max(slots, 1))], ioNames: nil)
        return Program(plans: [plan], constantBuffers: [[]])
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

    @Test func roundTripsUnsignedTypesExactly() throws {
        let u64 = try Tensor([UInt64.max, UInt64(Int64.max) + 1, 0], shape: [3])
        let u32 = try Tensor([UInt32.max, 7], shape: [1, 2])
        let u16 = try Tensor(converting: [65535, 1], dtype: .u16, shape: [2])
        for (t, descr) in [(u64, "<u8"), (u32, "<u4"), (u16, "<u2")] {
            let bytes = try NPY.encode(t)
            #expect(String(decoding: bytes, as: UTF8.self).contains("'descr': '\(descr)'"))
            let back = try NPY.decode(bytes)
            #expect(back == t)
        }
        #expect(try NPY.decode(try NPY.encode(u64)).uint64s() == [UInt64.max, UInt64(Int64.max) + 1, 0])
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
