import Foundation
import Testing

@testable import EdgeIR
@testable import EdgePasses

@Suite struct PassManagerTests {
    static let chain = """
    func @main(%x: f32[4]) -> f32[4] {
      %a = edge.relu(%x) : f32[4]
      %b = edge.clamp(%a) {max = 6.0} : f32[4]
      %c = edge.add(%b, %b) : f32[4]
      %live = edge.relu(%x) : f32[4]
      return %live
    }
    """

    @Test func dceRemovesDeadChainsInOneRun() throws {
        let module = try IRFile.parse(Self.chain, fileName: "chain.eir")
        let report = try PassManager(passes: [DeadCodeElimination.pass]).run(module)
        #expect(module.functions[0].body.operations.map(\.name) == ["edge.relu", "return"])
        #expect(report.entries.first?.changes == 3)
        try Verifier.verify(module)
    }

    @Test func dceKeepsLiveAndTerminatorOps() throws {
        let module = try IRFile.parse("func @main(%x: f32[4]) -> f32[4] {\n  %a = edge.relu(%x) : f32[4]\n  return %a\n}", fileName: "live.eir")
        let report = try PassManager(passes: [DeadCodeElimination.pass]).run(module)
        #expect(report.entries.first?.changes == 0)
        #expect(module.functions[0].body.operations.count == 2)
    }

    @Test func pipelineParsing() throws {
        #expect(try PassManager.parsePipeline("dce, dce").map(\.name) == ["dce", "dce"])
        #expect(try PassManager.parsePipeline("").isEmpty)
        #expect { try PassManager.parsePipeline("dce,fold") } throws: { "\($0)".contains("unknown pass 'fold'; known passes: dce") }
        #expect { try PassManager.parsePipeline("dce,,dce") } throws: { "\($0)".contains("empty pass name") }
    }

    @Test func instrumentationDumpsAreValidIR() throws {
        let module = try IRFile.parse(Self.chain, fileName: "chain.eir")
        var inst = PassInstrumentation()
        inst.printBefore = ["dce"]
        inst.printAfterChange = true
        var dumps: [String] = []
        try PassManager(passes: [DeadCodeElimination.pass, DeadCodeElimination.pass], instrumentation: inst) { dumps.append($0) }.run(module)
        // Before each of the two runs, and after only the first (the second changes nothing).
        #expect(dumps.count == 3)
        #expect(dumps[0].hasPrefix("// -----// IR Dump Before dce"))
        #expect(dumps[1].hasPrefix("// -----// IR Dump After dce"))
        #expect(dumps[2].hasPrefix("// -----// IR Dump Before dce"))
        for d in dumps { _ = try IRFile.parse(d, fileName: "dump.eir") }
        #expect(dumps[0].contains("edge.clamp"))
        #expect(!dumps[1].contains("edge.clamp"))
    }

    @Test func verifyEachNamesThePassThatBrokeTheIR() throws {
        let breaker = Pass(name: "drop-return", summary: "test pass that removes the terminator") { module, context in
            let f = module.functions[0]
            context.rewriter(for: f).erase(f.body.terminator!)
        }
        let module = try IRFile.parse(Self.chain, fileName: "chain.eir")
        var inst = PassInstrumentation()
        inst.verifyEach = true
        #expect { try PassManager(passes: [DeadCodeElimination.pass, breaker], instrumentation: inst).run(module) } throws: {
            let text = "\($0)"
            return text.contains("after pass 'drop-return'") && text.contains("must be 'return'")
        }
    }

    @Test func timingTableListsEveryPass() throws {
        let module = try IRFile.parse(Self.chain, fileName: "chain.eir")
        let report = try PassManager(passes: [DeadCodeElimination.pass, DeadCodeElimination.pass]).run(module)
        let table = report.timingTable()
        #expect(table.contains("time (ms)") && table.contains("share"))
        #expect(table.split(separator: "\n").filter { $0.hasPrefix("  dce") }.count == 2)
        #expect(table.contains("total"))
    }

    @Test func rewriterTracksChanges() throws {
        let module = try IRFile.parse(Self.chain, fileName: "chain.eir")
        let f = module.functions[0]
        let r = Rewriter(function: f)
        let ops = f.body.operations
        r.replaceAllUses(of: ops[3].result, with: ops[0].result)  // return %a instead of %live
        #expect(r.changeCount == 1)
        #expect(!ops[3].result.hasUses)
        r.erase(ops[3])
        r.setAttribute("max", .float(3), on: ops[1])
        #expect(r.changeCount == 3)
        try Verifier.verify(module)
        #expect(f.returnedValues[0] === ops[0].result)
        #expect(ops[0].result.users.count == 2)
    }
}
