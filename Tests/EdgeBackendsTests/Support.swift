import EdgeBackends
import EdgeCompiler
import EdgeIR
import EdgeKernels
import EdgePasses
import EdgeProgram
import EdgeRuntime
import Foundation
import Testing

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Compiles an example under Grammar/examples (at -O2 unless told otherwise).
func compileExample(_ name: String, shapes: [String: [Int]] = [:], optimization: OptimizationLevel = .o2) throws -> CompiledProgram {
    let module = try IRFile.read(path: repoRoot.appendingPathComponent("Grammar/examples/\(name).eir").path)
    return try ProgramCompiler(inputShapes: shapes, optimization: optimization).compile(module)
}

/// Compiles `.eir` text.
func compileText(_ text: String, shapes: [String: [Int]] = [:]) throws -> CompiledProgram {
    try ProgramCompiler(inputShapes: shapes).compile(try IRFile.parse(text, fileName: "test.eir"))
}

/// Serializes, reads back and runs a compiled program (the full path a device takes).
func runCompiled(_ compiled: CompiledProgram, _ inputs: [Tensor]) throws -> [Tensor] {
    let loaded = try ProgramReader.read(ProgramWriter.serialize(compiled.program))
    return try Interpreter(loaded.program).run(inputs)
}

/// Deterministic test data: `sin(0.37 i + phase)`.
func wave(_ shape: [Int], phase: Float = 0) throws -> Tensor {
    let n = shape.reduce(1, *)
    return try Tensor((0 ..< n).map { sin(Float($0) * 0.37 + phase) }, shape: shape)
}

func floats(_ t: Tensor) -> [Float] { t.withView { Array($0.buffer(as: Float.self)) } }

func maxError(_ a: Tensor, _ b: Tensor) -> Float {
    guard a.shape == b.shape else { return .infinity }
    return zip(floats(a), floats(b)).map { abs($0 - $1) }.max() ?? 0
}

/// Every planned tensor pair whose bytes overlap while both are live must be views of one
/// storage (same offset): an independent check of the plan as written in the program.
func checkNoLiveOverlap(_ plan: ExecutionPlan) throws {
    var first: [Int: Int] = [:], last: [Int: Int] = [:]
    func use(_ v: Int32, _ step: Int) {
        if case .tensorList(let items) = plan.values[Int(v)] { items.forEach { use($0, step) }; return }
        guard plan.values[Int(v)].tensor?.allocation != nil else { return }
        first[Int(v)] = min(first[Int(v)] ?? step, step)
        last[Int(v)] = max(last[Int(v)] ?? step, step)
    }
    for v in plan.inputs { use(v, 0) }
    for (s, i) in plan.instructions.enumerated() { i.valueIndices.forEach { use($0, s) } }
    for v in plan.outputs { use(v, max(plan.instructions.count - 1, 0)) }
    let live = first.keys.sorted()
    for (k, a) in live.enumerated() {
        for b in live[(k + 1)...] {
            let ta = plan.values[a].tensor!, tb = plan.values[b].tensor!
            let (oa, ob) = (Int(ta.allocation!.offset), Int(tb.allocation!.offset))
            let bytesOverlap = oa < ob + tb.byteCount! && ob < oa + ta.byteCount! && ta.byteCount! > 0 && tb.byteCount! > 0
            let timeOverlap = first[a]! <= last[b]! && first[b]! <= last[a]!
            if bytesOverlap && timeOverlap && oa != ob {
                Issue.record("values %\(a) and %\(b) overlap in the arena while both are live")
            }
        }
    }
}
