import EdgeBackends
import EdgeCompiler
import EdgeIR
import EdgeKernels
import EdgeProgram
import EdgeRuntime
import Foundation
import Testing

/// Source locations reach the `.pte`: each instruction's frame list names the node it was
/// lowered from, and the interpreter names that node when the instruction fails.
@Suite struct SourceLocationTests {
    static let text = """
        func @main(%x: f32[2,3] {name = "x"}, %y: f32[2,3] {name = "y"}) -> (f32[2,3] {name = "out"}) {
          %s = edge.add(%x, %y) : f32[2,3] loc("Add_7")
          %r = edge.relu(%s) : f32[2,3] loc(fused["relu_1", "model.py":12:8])
          return %r
        }

        """

    @Test func everyInstructionNamesItsNode() throws {
        let compiled = try ProgramCompiler(optimization: .o0).compile(try IRFile.parse(Self.text, fileName: "t.eir"))
        let plan = try ProgramReader.read(compiled.bytes).program.plans[0]
        let frames = try #require(plan.stacktrace)
        #expect(frames.count == plan.instructions.count)
        #expect(frames.map(\.items) == [[Frame(name: "Add_7")], [Frame(filename: "model.py", lineno: 12, name: "relu_1")]])
        #expect(plan.describeInstruction(0) == "instruction 0 (kernel aten::add.out at node \"Add_7\")")
    }

    /// Every instruction of a real model carries one of the model's node names.
    @Test func exampleInstructionsCarryTheirNodes() throws {
        let path = repoRoot.appendingPathComponent("Grammar/examples/tiny_cnn.eir").path
        let module = try IRFile.read(path: path)
        let nodes = Set(module.mainFunction!.body.operations.compactMap(\.location.nodeName))
        let plan = try ProgramReader.read(try ProgramCompiler().compile(module).bytes).program.plans[0]
        let frames = try #require(plan.stacktrace)
        #expect(frames.count == plan.instructions.count)
        for (k, list) in frames.enumerated() {
            let name = try #require(list.items.first?.name, "instruction \(k) has no node")
            #expect(nodes.contains(name), "instruction \(k): \(name) is not a node of the model")
        }
    }

    @Test func locationsBecomeFrames() {
        #expect(Location.unknown.frames == FrameList())
        #expect(Location.name("Conv_0").frames == FrameList([Frame(name: "Conv_0")]))
        #expect(Location.file("m.py", line: 3, column: 1).frames == FrameList([Frame(filename: "m.py", lineno: 3)]))
        #expect(Location.fused([.name("a"), .file("m.py", line: 3, column: 1), .name("b")]).frames
                == FrameList([Frame(filename: "m.py", lineno: 3, name: "a"), Frame(name: "b")]))
        // An op folded from two torch nodes keeps each node with its own line.
        #expect(Location.fused([.fused([.name("conv"), .file("m.py", line: 3, column: 1)]), .fused([.name("bn"), .file("m.py", line: 4, column: 1)])]).frames
                == FrameList([Frame(filename: "m.py", lineno: 3, name: "conv"), Frame(filename: "m.py", lineno: 4, name: "bn")]))
    }

    /// A kernel that fails at run time names the node: the program is compiled, then its relu
    /// out tensor is given the wrong shape (same bytes, so the reader accepts it), as a
    /// hand-damaged or miscompiled `.pte` would have.
    @Test func runtimeKernelFailureNamesTheNode() throws {
        let compiled = try ProgramCompiler(optimization: .o0).compile(try IRFile.parse(Self.text, fileName: "t.eir"))
        var program = compiled.program
        var plan = program.plans[0]
        guard case let .kernelCall(op, args) = plan.instructions[1], plan.operators[Int(op)].qualifiedName == "aten::relu.out",
              case .tensor(var out) = plan.values[Int(args[1])] else {
            Issue.record("instruction 1 is not relu.out: \(plan.instructions)"); return
        }
        out.sizes = [3, 2]
        plan.values[Int(args[1])] = .tensor(out)
        program.plans[0] = plan
        let loaded = try ProgramReader.read(ProgramWriter.serialize(program))
        let interpreter = try Interpreter(loaded.program)
        let x = try wave([2, 3]), y = try wave([2, 3], phase: 1)
        #expect { try interpreter.run([x, y]) } throws: { error in
            let message = "\(error)"
            return message.hasPrefix("instruction 1 (kernel aten::relu.out at node \"relu_1\" (model.py:12)): ")
        }
    }

    /// The same module compiles to the same bytes.
    @Test func outputIsDeterministic() throws {
        let path = repoRoot.appendingPathComponent("Grammar/examples/transformer_block.eir").path
        let a = try ProgramCompiler(inputShapes: ["tokens": [2, 16, 32]]).compile(try IRFile.read(path: path)).bytes
        let b = try ProgramCompiler(inputShapes: ["tokens": [2, 16, 32]]).compile(try IRFile.read(path: path)).bytes
        #expect(a == b)
    }
}
