import EdgeProfile
import EdgeProgram
import Testing

@Suite struct ProgramAnalysisTests {
    @Test func dataflowOfTheFixture() throws {
        let plan = try #require(try Fixture.program().plan(named: "forward"))
        let graph = ProgramGraph(plan)
        #expect(graph.steps.count == 10)
        // conv → relu → max_pool: each step reads the previous one's result.
        #expect(graph.steps[0].unit == .kernel("aten::convolution.out"))
        #expect(graph.steps[1].reads.compactMap { graph.producer[$0] } == [0])
        #expect(graph.steps[2].writes.count == 2)  // values and indices
        #expect(graph.outputShapes(9) == "f32[1,10]")
        #expect(graph.nodeLabel(0) == "/conv1/Conv")
    }

    @Test func memoryLayoutMatchesThePlannersBound() throws {
        let plan = try #require(try Fixture.program().plan(named: "forward"))
        let layout = MemoryLayout(ProgramGraph(plan))
        // `edgec compile --stats` for this program: arena 131072, lower bound 131072.
        #expect(layout.arenaBytes == 131_072)
        #expect(layout.lowerBound == 131_072)
        // No two buffers live at the same step share a byte.
        for (i, a) in layout.buffers.enumerated() {
            #expect(a.offset + a.size <= layout.arenaBytes)
            for b in layout.buffers[(i + 1)...] where a.firstUse <= b.lastUse && b.firstUse <= a.lastUse {
                #expect(a.offset + a.size <= b.offset || b.offset + b.size <= a.offset, "buffers %\(a.values) and %\(b.values) overlap")
            }
        }
    }

    @Test func macsFromTheProgram() throws {
        let program = try Fixture.program()
        let cost = try #require(StaticCost.of(program: program, programBytes: 1000))
        // conv1: 16x32x32 outputs x 3x3x3 products; fc: 10 outputs x 32.
        #expect(cost.layers[0].macs == 16 * 32 * 32 * 27)
        #expect(cost.layers[9].macs == 10 * 32)
        #expect(cost.layers[1].macs == 0)
        #expect(cost.totalMACs == 2_212_160)
        #expect(cost.totalParameterBytes == cost.constantBytes)
        #expect(cost.text().contains("peak working set"))
    }

    @Test func formatting() {
        #expect(Format.bytes(999) == "999 B")
        #expect(Format.bytes(64_000_000) == "64.00 MB")
        #expect(Stats.median([3, 1, 2]) == 2)
        #expect(Stats.median([4, 1, 2, 3]) == 2.5)
    }
}

@Suite struct ProgramGraphRuleTests {
    /// relu writes %1; %2 is a view of %1 (same slot, no writer: a reshape the lowering
    /// aliased); neg reads the view and writes %3. The view is a read whose producer is relu.
    @Test func viewsAreReadsOfTheirBase() {
        func t(_ sizes: [Int32], _ offset: UInt64) -> EValue { .tensor(TensorValue(scalarType: .float, sizes: sizes, allocation: Allocation(memoryID: 1, offset: offset))) }
        let plan = ExecutionPlan(values: [t([1, 4], 0), t([1, 4], 16), t([4], 16), t([4], 32)], inputs: [0], outputs: [3],
                                 operators: [Operator(name: "aten::relu", overload: "out"), Operator(name: "aten::neg", overload: "out")],
                                 instructions: [.kernelCall(opIndex: 0, args: [0, 1, 1]), .kernelCall(opIndex: 1, args: [2, 3, 3])],
                                 nonConstBufferSizes: [0, 48])
        let graph = ProgramGraph(plan)
        #expect(graph.steps[1].reads == [2])
        #expect(graph.steps[1].writes == [3])
        #expect(graph.producer[2] == 0)
        // %1 and its view are one buffer, live over both steps.
        let layout = MemoryLayout(graph)
        #expect(layout.buffers.first { $0.offset == 16 }?.values == [1, 2])
        #expect(layout.buffers.first { $0.offset == 16 }?.lastUse == 1)
    }
}
