import EdgeBackends
import EdgeIR
import EdgeKernels
import EdgeProgram
import EdgeRuntime
import Foundation
import Testing

/// Compiles a one-function program, checks that every kernel it calls is one the lowering rules
/// of its ops declare (so docs/lowering.md is honest) and that the arena has no live overlap,
/// runs it in the interpreter (through a serialized .pte) and returns the outputs.
func compileAndRun(_ text: String, _ inputs: [Tensor]) throws -> [Tensor] {
    let compiled = try compileText(text)
    let plan = compiled.program.plans[0]
    let module = try IRFile.parse(text, fileName: "test.eir")
    var declared: Set<String> = ["aten::clone.out"]
    for op in module.mainFunction!.body.operations { declared.formUnion(PortableBackend.kernels(for: op.name) ?? []) }
    for op in plan.operators { #expect(declared.contains(op.qualifiedName), "\(op.qualifiedName) is not declared by the rules used") }
    try checkNoLiveOverlap(plan)
    return try runCompiled(compiled, inputs)
}

func doubles(_ t: Tensor) -> [Double] { t.doubles() }

func expectNear(_ got: Tensor, _ expected: [Double], shape: [Int]? = nil, tolerance: Double = 1e-5,
                sourceLocation: SourceLocation = #_sourceLocation) {
    if let shape { #expect(got.shape == shape, sourceLocation: sourceLocation) }
    let g = got.doubles()
    #expect(g.count == expected.count, sourceLocation: sourceLocation)
    for (i, (a, e)) in zip(g, expected).enumerated() where !(abs(a - e) <= tolerance * max(1, abs(e))) && !(a.isNaN && e.isNaN) {
        Issue.record("element \(i): got \(a), expected \(e)", sourceLocation: sourceLocation)
        return
    }
}

/// The lowering and interpreter of every op beyond the CNN set, each against values computed
/// here independently (formulas in Double, or by hand).
@Suite struct OpLoweringTests {
    static let xs: [Float] = [-3, -1.5, -0.5, 0, 0.25, 0.5, 2, 4]

    static func gaussErf(_ x: Double) -> Double {
        // erf by its Maclaurin series (|x| <= 4 here; enough terms for 1e-12).
        var sum = 0.0, term = x
        for n in 0 ..< 200 {
            sum += term / Double(2 * n + 1)
            term *= -x * x / Double(n + 1)
        }
        return 2 / Double.pi.squareRoot() * sum
    }

    static let unaryCases: [(String, String, @Sendable (Double) -> Double)] = [
        ("sigmoid", "", { 1 / (1 + Foundation.exp(-$0)) }),
        ("tanh", "", { Foundation.tanh($0) }),
        ("hardswish", "", { $0 * min(max($0 + 3, 0), 6) / 6 }),
        ("hardsigmoid", "", { min(max($0 + 3, 0), 6) / 6 }),
        ("gelu", "", { 0.5 * $0 * (1 + gaussErf($0 / 2.0.squareRoot())) }),
        ("gelu", "{approximate = \"tanh\"}", { 0.5 * $0 * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) }),
        ("leaky_relu", "{negative_slope = 0.2}", { $0 > 0 ? $0 : 0.2 * $0 }),
        ("elu", "{alpha = 0.5}", { $0 > 0 ? $0 : 0.5 * (Foundation.exp($0) - 1) }),
        ("exp", "", { Foundation.exp($0) }),
        ("erf", "", { gaussErf($0) }),
        ("sin", "", { Foundation.sin($0) }),
        ("cos", "", { Foundation.cos($0) }),
        ("floor", "", { $0.rounded(.down) }),
        ("ceil", "", { $0.rounded(.up) }),
        ("neg", "", { -$0 }),
        ("abs", "", { abs($0) }),
    ]

    @Test(arguments: unaryCases.indices)
    func unaryOps(_ k: Int) throws {
        let (name, attrs, f) = Self.unaryCases[k]
        let text = """
        func @main(%x: f32[2,4]) -> f32[2,4] {
          %y = edge.\(name)(%x) \(attrs) : f32[2,4] loc("Node")
          return %y
        }
        """
        let y = try compileAndRun(text, [try Tensor(Self.xs, shape: [2, 4])])
        expectNear(y[0], Self.xs.map { f(Double($0)) }, shape: [2, 4])
    }

    @Test func positiveDomainOps() throws {
        let text = """
        func @main(%x: f32[5]) -> (f32[5], f32[5], f32[5], f32[5]) {
          %l = edge.log(%x) : f32[5]
          %s = edge.sqrt(%x) : f32[5]
          %r = edge.rsqrt(%x) : f32[5]
          %c = edge.reciprocal(%x) : f32[5]
          return %l, %s, %r, %c
        }
        """
        let v: [Float] = [0.25, 1, 2, 9, 100]
        let y = try compileAndRun(text, [try Tensor(v)])
        expectNear(y[0], v.map { Foundation.log(Double($0)) })
        expectNear(y[1], v.map { Double($0).squareRoot() })
        expectNear(y[2], v.map { 1 / Double($0).squareRoot() })
        expectNear(y[3], v.map { 1 / Double($0) })
    }

    @Test func integerNegAbsAndDoubleMath() throws {
        let text = """
        func @main(%i: i32[4], %d: f64[3]) -> (i32[4], i32[4], f64[3]) {
          %n = edge.neg(%i) : i32[4]
          %a = edge.abs(%i) : i32[4]
          %s = edge.sigmoid(%d) : f64[3]
          return %n, %a, %s
        }
        """
        let y = try compileAndRun(text, [try Tensor([Int32(-7), 0, 5, Int32.min]), try Tensor([Double(-2), 0, 3])])
        #expect(y[0].int32s() == [7, 0, -5, Int32.min])
        #expect(y[1].int32s() == [7, 0, 5, Int32.min])
        expectNear(y[2], [-2.0, 0, 3].map { 1 / (1 + Foundation.exp(-$0)) }, tolerance: 1e-15)
    }

    @Test func hardActivationsDecomposeIntoRegisteredKernels() throws {
        let compiled = try compileText("""
        func @main(%x: f32[4]) -> f32[4] {
          %y = edge.hardswish(%x) : f32[4]
          return %y
        }
        """)
        #expect(compiled.program.plans[0].operators.map(\.qualifiedName) == ["aten::add.Scalar_out", "aten::clamp.out", "aten::mul.out", "aten::div.Scalar_out"])
    }

    @Test func binaryComparisonLogicalAndWhere() throws {
        let text = """
        func @main(%a: f32[2,3], %b: f32[3]) -> (f32[2,3], f32[2,3], f32[2,3], bool[2,3], bool[2,3], bool[2,3], bool[2,3], bool[2,3], bool[2,3], bool[2,3], bool[2,3], bool[2,3], f32[2,3]) {
          %pow = edge.pow(%a, %b) : f32[2,3]
          %max = edge.maximum(%a, %b) : f32[2,3]
          %min = edge.minimum(%a, %b) : f32[2,3]
          %eq = edge.eq(%a, %b) : bool[2,3]
          %lt = edge.lt(%a, %b) : bool[2,3]
          %le = edge.le(%a, %b) : bool[2,3]
          %gt = edge.gt(%a, %b) : bool[2,3]
          %ge = edge.ge(%a, %b) : bool[2,3]
          %and = edge.logical_and(%lt, %ge) : bool[2,3]
          %or = edge.logical_or(%lt, %eq) : bool[2,3]
          %xor = edge.logical_xor(%le, %ge) : bool[2,3]
          %not = edge.logical_not(%lt) : bool[2,3]
          %w = edge.where(%gt, %a, %b) : f32[2,3]
          return %pow, %max, %min, %eq, %lt, %le, %gt, %ge, %and, %or, %xor, %not, %w
        }
        """
        let a: [Float] = [1, 2, 3, 4, 0.5, 2], b: [Float] = [2, 2, 0.5]
        let y = try compileAndRun(text, [try Tensor(a, shape: [2, 3]), try Tensor(b)])
        let pairs = a.indices.map { (Double(a[$0]), Double(b[$0 % 3])) }
        expectNear(y[0], pairs.map { Foundation.pow($0.0, $0.1) })
        expectNear(y[1], pairs.map { max($0.0, $0.1) })
        expectNear(y[2], pairs.map { min($0.0, $0.1) })
        #expect(y[3].bools() == pairs.map { $0.0 == $0.1 })
        #expect(y[4].bools() == pairs.map { $0.0 < $0.1 })
        #expect(y[5].bools() == pairs.map { $0.0 <= $0.1 })
        #expect(y[6].bools() == pairs.map { $0.0 > $0.1 })
        #expect(y[7].bools() == pairs.map { $0.0 >= $0.1 })
        #expect(y[8].bools() == pairs.map { $0.0 < $0.1 && $0.0 >= $0.1 })
        #expect(y[9].bools() == pairs.map { $0.0 <= $0.1 })
        #expect(y[10].bools() == pairs.map { ($0.0 <= $0.1) != ($0.0 >= $0.1) })
        #expect(y[11].bools() == pairs.map { !($0.0 < $0.1) })
        expectNear(y[12], pairs.map { $0.0 > $0.1 ? $0.0 : $0.1 })
    }

    @Test func castFullAndIntegerComparisons() throws {
        let text = """
        func @main(%x: f32[4], %i: i64[4]) -> (i32[4], bool[4], f32[4], i64[2,2], bool[3], f32[4], bool[4], i64[4]) {
          %c = edge.cast(%x) {dtype = "i32"} : i32[4]
          %b = edge.cast(%x) {dtype = "bool"} : bool[4]
          %same = edge.cast(%x) {dtype = "f32"} : f32[4]
          %f = edge.full {shape = [2, 2], value = -3.0, dtype = "i64"} : i64[2,2]
          %t = edge.full {shape = [3], value = 1.0, dtype = "bool"} : bool[3]
          %z = edge.full {shape = [4], value = 0.5} : f32[4]
          %sum = edge.add(%z, %x) : f32[4]
          %two = edge.constant {value = dense<2>} : i64[]
          %gt = edge.gt(%i, %two) : bool[4]
          %m = edge.maximum(%i, %two) : i64[4]
          return %c, %b, %same, %f, %t, %sum, %gt, %m
        }
        """
        let y = try compileAndRun(text, [try Tensor([Float(-2.7), 0, 0.5, 3.9]), try Tensor([Int64(1), 2, 3, -4])])
        #expect(y[0].int32s() == [-2, 0, 0, 3])
        #expect(y[1].bools() == [true, false, true, true])
        #expect(y[2].floats() == [-2.7, 0, 0.5, 3.9])
        #expect(y[3].int64s() == [-3, -3, -3, -3] && y[3].shape == [2, 2])
        #expect(y[4].bools() == [true, true, true])
        #expect(y[5].floats() == [-2.2, 0.5, 1, 4.4])
        #expect(y[6].bools() == [false, false, true, false])
        #expect(y[7].int64s() == [2, 2, 3, 2])
    }

    @Test func reductions() throws {
        let text = """
        func @main(%x: f32[2,3,4], %i: i32[2,3]) -> (f32[2,1,4], f32[], f32[4], f32[2,3], i64[2,4], i64[2,1,4], i32[2], i32[3]) {
          %s = edge.sum(%x) {axes = [1], keepdim = true} : f32[2,1,4]
          %all = edge.sum(%x) : f32[]
          %mx = edge.amax(%x) {axes = [0, 1]} : f32[4]
          %mn = edge.amin(%x) {axes = [-1]} : f32[2,3]
          %am = edge.argmax(%x) {dim = 1} : i64[2,4]
          %an = edge.argmin(%x) {dim = -2, keepdim = true} : i64[2,1,4]
          %is = edge.sum(%i) {axes = [1]} : i32[2]
          %im = edge.amax(%i) {axes = [0]} : i32[3]
          return %s, %all, %mx, %mn, %am, %an, %is, %im
        }
        """
        let v: [Float] = (0 ..< 24).map { Float(($0 * 7) % 24) - 11.5 }
        let iv: [Int32] = [3, -1, 4, 1, -5, 9]
        let y = try compileAndRun(text, [try Tensor(v, shape: [2, 3, 4]), try Tensor(iv, shape: [2, 3])])
        func at(_ a: Int, _ b: Int, _ c: Int) -> Double { Double(v[a * 12 + b * 4 + c]) }
        expectNear(y[0], (0 ..< 2).flatMap { a in (0 ..< 4).map { c in (0 ..< 3).map { at(a, $0, c) }.reduce(0, +) } }, shape: [2, 1, 4])
        expectNear(y[1], [v.map(Double.init).reduce(0, +)], shape: [])
        expectNear(y[2], (0 ..< 4).map { c in (0 ..< 6).map { at($0 / 3, $0 % 3, c) }.max()! })
        expectNear(y[3], (0 ..< 6).map { r in (0 ..< 4).map { at(r / 3, r % 3, $0) }.min()! })
        let argmax = (0 ..< 2).flatMap { a in (0 ..< 4).map { c in Int64((0 ..< 3).max { at(a, $0, c) < at(a, $1, c) }!) } }
        let argmin = (0 ..< 2).flatMap { a in (0 ..< 4).map { c in Int64((0 ..< 3).min { at(a, $0, c) < at(a, $1, c) }!) } }
        #expect(y[4].int64s() == argmax)
        #expect(y[5].int64s() == argmin && y[5].shape == [2, 1, 4])
        #expect(y[6].int32s() == [6, 5])
        #expect(y[7].int32s() == [3, -1, 9])
    }

    @Test func slicingGatherSplitAndTiling() throws {
        let text = """
        func @main(%x: f32[3,4]) -> (f32[3,2], f32[1,4], f32[3,3], f32[3,1], f32[3,3], f32[2,3,4], f32[6,8], f32[4], f32[1,3,1,4], f32[3,4], f32[3,0]) {
          %s = edge.slice(%x) {dim = 1, start = 1, step = 2} : f32[3,2]
          %n = edge.slice(%x) {dim = 0, start = -1, end = 100} : f32[1,4]
          %idx = edge.constant {value = dense<[3, 0, 3]>} : i64[3]
          %g = edge.index_select(%x, %idx) {dim = 1} : f32[3,3]
          %a, %b = edge.split(%x) {dim = -1, sizes = [1, 3]} : f32[3,1], f32[3,3]
          %x3 = edge.unsqueeze(%x) {dim = 0} : f32[1,3,4]
          %e = edge.expand(%x3) {shape = [2, -1, 4]} : f32[2,3,4]
          %r = edge.repeat(%x) {repeats = [2, 2]} : f32[6,8]
          %row = edge.slice(%x) {dim = 0, start = 2, end = 3} : f32[1,4]
          %sq = edge.squeeze(%row) {dims = [0]} : f32[4]
          %u = edge.unsqueeze(%x3) {dim = -2} : f32[1,3,1,4]
          %i32 = edge.constant {value = dense<[-1, 0, 1]>} : i32[3]
          %g0 = edge.index_select(%x, %i32) {dim = 0} : f32[3,4]
          %empty = edge.slice(%x) {dim = 1, start = 3, end = 1} : f32[3,0]
          return %s, %n, %g, %a, %b, %e, %r, %sq, %u, %g0, %empty
        }
        """
        let v = (0 ..< 12).map(Float.init)
        let y = try compileAndRun(text, [try Tensor(v, shape: [3, 4])])
        #expect(y[0].floats() == [1, 3, 5, 7, 9, 11])
        #expect(y[1].floats() == [8, 9, 10, 11])
        #expect(y[2].floats() == [3, 0, 3, 7, 4, 7, 11, 8, 11])
        #expect(y[3].floats() == [0, 4, 8])
        #expect(y[4].floats() == [1, 2, 3, 5, 6, 7, 9, 10, 11])
        #expect(y[5].floats() == v + v)
        let tiled: [Float] = (0 ..< 48).map { (k: Int) -> Float in Float((k / 8 % 3) * 4 + k % 4) }
        #expect(y[6].floats() == tiled)
        #expect(y[7].floats() == [8, 9, 10, 11])
        #expect(y[8].floats() == v && y[8].shape == [1, 3, 1, 4])
        #expect(y[9].floats() == [8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7])
        #expect(y[10].shape == [3, 0])
    }

    @Test func outOfRangeConstantIndicesAreCompileErrors() throws {
        let text = """
        func @main(%x: f32[3,4]) -> f32[3,2] {
          %idx = edge.constant {value = dense<[0, -5]>} : i64[2]
          %g = edge.index_select(%x, %idx) {dim = 1} : f32[3,2] loc("Gather_3")
          return %g
        }
        """
        do {
            _ = try compileText(text)
            Issue.record("compiled an out-of-range constant index")
        } catch let error as LoweringError {
            #expect(error.description.contains("edge.index_select at \"Gather_3\" (index -5 is out of range for dim 1 of size 4)"))
        }
    }

    @Test func embeddingAndLogSoftmax() throws {
        let text = """
        func @main(%w: f32[4,2], %i: i32[2,2], %x: f32[2,3]) -> (f32[2,2,2], f32[3,2], f32[2,3]) {
          %e = edge.embedding(%w, %i) : f32[2,2,2]
          %c = edge.constant {value = dense<[3, -4, 1]>} : i64[3]
          %k = edge.embedding(%w, %c) : f32[3,2]
          %l = edge.log_softmax(%x) {axis = 1} : f32[2,3]
          return %e, %k, %l
        }
        """
        let w: [Float] = [0, 1, 10, 11, 20, 21, 30, 31], x: [Float] = [1, 2, 3, -1, 0, 5]
        let y = try compileAndRun(text, [try Tensor(w, shape: [4, 2]), try Tensor([Int32(2), 0, 3, 3], shape: [2, 2]), try Tensor(x, shape: [2, 3])])
        #expect(y[0].floats() == [20, 21, 0, 1, 30, 31, 30, 31] && y[0].shape == [2, 2, 2])
        #expect(y[1].floats() == [30, 31, 0, 1, 10, 11])
        let rows = [x[0 ..< 3], x[3 ..< 6]].map { r in r.map { Double($0) - Foundation.log(r.map { Foundation.exp(Double($0)) }.reduce(0, +)) } }
        expectNear(y[2], rows[0] + rows[1])
    }

    @Test func returnedViewsOfInputsAreCopied() throws {
        let text = """
        func @main(%x: f32[3]) -> (f32[1,3], f32[3], f32[3]) {
          %u = edge.unsqueeze(%x) {dim = 0} : f32[1,3]
          %c = edge.cast(%x) {dtype = "f32"} : f32[3]
          %e = edge.expand(%x) {shape = [3]} : f32[3]
          return %u, %c, %e
        }
        """
        let compiled = try compileText(text)
        let plan = compiled.program.plans[0]
        #expect(plan.operators.map(\.qualifiedName) == ["aten::clone.out"])
        #expect(plan.instructions.count == 3)
        let y = try compileAndRun(text, [try Tensor([Float(1), 2, 3])])
        #expect(y.map { $0.floats() } == [[1, 2, 3], [1, 2, 3], [1, 2, 3]])
    }

    @Test func padModes() throws {
        let text = """
        func @main(%x: f32[1,2,3], %i: i64[2,3]) -> (f32[1,2,6], f32[1,2,6], f32[1,4,4], f32[1,1,2], f32[1,2,3], i64[2,5], f32[1,2,1]) {
          %r = edge.pad(%x) {pad = [2, 1], mode = "reflect"} : f32[1,2,6]
          %e = edge.pad(%x) {pad = [2, 1], mode = "replicate"} : f32[1,2,6]
          %c = edge.pad(%x) {pad = [1, 0, 1, 1], value = -1.0} : f32[1,4,4]
          %k = edge.pad(%x) {pad = [-1, 0, 0, -1]} : f32[1,1,2]
          %z = edge.pad(%x) {pad = [0, 0, 0, 0, 0, 0]} : f32[1,2,3]
          %ip = edge.pad(%i) {pad = [1, 1], value = 7.0} : i64[2,5]
          %kp = edge.pad(%x) {pad = [-1, -1]} : f32[1,2,1]
          return %r, %e, %c, %k, %z, %ip, %kp
        }
        """
        let y = try compileAndRun(text, [try Tensor([Float(1), 2, 3, 4, 5, 6], shape: [1, 2, 3]), try Tensor([Int64(1), 2, 3, 4, 5, 6], shape: [2, 3])])
        #expect(y[0].floats() == [3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5])
        #expect(y[1].floats() == [1, 1, 1, 2, 3, 3, 4, 4, 4, 5, 6, 6])
        #expect(y[2].floats() == [-1, -1, -1, -1, -1, 1, 2, 3, -1, 4, 5, 6, -1, -1, -1, -1])
        #expect(y[3].floats() == [2, 3])
        #expect(y[4].floats() == [1, 2, 3, 4, 5, 6])
        #expect(y[5].int64s() == [7, 1, 2, 3, 7, 7, 4, 5, 6, 7])
        #expect(y[6].floats() == [2, 5])
    }

    @Test func reflectPaddingOfFourDimsIsACompileError() throws {
        let text = """
        func @main(%x: f32[2,2,2,2,3]) -> f32[2,2,2,4,3] {
          %y = edge.pad(%x) {pad = [0, 0, 1, 0, 0, 0, 0, 0, 1, 0], mode = "reflect"} : f32[3,2,2,4,3] loc("BigPad")
          return %y
        }
        """
        #expect(throws: (any Error).self) { try compileText(text) }
        let fixed = """
        func @main(%x: f32[2,2,2,2,3]) -> f32[3,2,2,3,3] {
          %y = edge.pad(%x) {pad = [0, 0, 1, 0, 0, 0, 0, 0, 1, 0], mode = "reflect"} : f32[3,2,2,3,3] loc("BigPad")
          return %y
        }
        """
        do {
            _ = try compileText(fixed)
            Issue.record("compiled reflect padding of 4 dims")
        } catch let error as LoweringError {
            #expect(error.description.contains("edge.pad at \"BigPad\""))
            #expect(error.description.contains("at most 3"))
        }
    }

    @Test func unsupportedElementTypesAreCompileErrorsNamingTheNode() throws {
        let text = """
        func @main(%i: i32[4], %h: f16[4], %b: bool[4]) -> (i32[4], f16[4], bool[4]) {
          %p = edge.pow(%i, %i) : i32[4] loc("PowInt")
          %s = edge.hardswish(%h) : f16[4] loc("HardSwishHalf")
          %m = edge.maximum(%b, %b) : bool[4] loc("MaxBool")
          return %p, %s, %m
        }
        """
        do {
            _ = try compileText(text)
            Issue.record("compiled unsupported element types")
        } catch let error as LoweringError {
            #expect(error.failures.count == 3)
            for node in ["PowInt", "HardSwishHalf", "MaxBool"] { #expect(error.description.contains("\"\(node)\"")) }
            #expect(error.description.contains("element type i32 is not supported"))
        }
    }

    @Test func layerAndGroupNorm() throws {
        let text = """
        func @main(%x: f32[2,4,3]) -> (f32[2,4,3], f32[2,4,3], f32[2,4,3]) {
          %w = edge.constant {value = dense<[1.0, 2.0, -1.0]>} : f32[3]
          %b = edge.constant {value = dense<[0.0, 0.5, 1.0]>} : f32[3]
          %ln = edge.layer_norm(%x, %w, %b) {normalized_shape = [3], epsilon = 0.001} : f32[2,4,3]
          %ln2 = edge.layer_norm(%x) {normalized_shape = [4, 3]} : f32[2,4,3]
          %gw = edge.constant {value = dense<[1.0, 2.0, 3.0, 4.0]>} : f32[4]
          %gn = edge.group_norm(%x, %gw) {groups = 2} : f32[2,4,3]
          return %ln, %ln2, %gn
        }
        """
        let v: [Float] = (0 ..< 24).map { sin(Float($0) * 1.3) * 3 }
        let y = try compileAndRun(text, [try Tensor(v, shape: [2, 4, 3])])
        func normalize(_ xs: [Double], _ eps: Double) -> [Double] {
            let m = xs.reduce(0, +) / Double(xs.count)
            let variance = xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(xs.count)
            return xs.map { ($0 - m) / (variance + eps).squareRoot() }
        }
        let d = v.map(Double.init)
        let w = [1.0, 2, -1], b = [0.0, 0.5, 1]
        let ln = (0 ..< 8).flatMap { r in normalize(Array(d[(r * 3) ..< (r * 3 + 3)]), 1e-3).enumerated().map { $0.element * w[$0.offset] + b[$0.offset] } }
        expectNear(y[0], ln, tolerance: 1e-5)
        expectNear(y[1], (0 ..< 2).flatMap { normalize(Array(d[($0 * 12) ..< ($0 * 12 + 12)]), 1e-5) }, tolerance: 1e-5)
        let gw = [1.0, 2, 3, 4]
        let gn = (0 ..< 4).flatMap { r in normalize(Array(d[(r * 6) ..< (r * 6 + 6)]), 1e-5).enumerated().map { $0.element * gw[(r % 2) * 2 + $0.offset / 3] } }
        expectNear(y[2], gn, tolerance: 1e-5)
    }

    @Test func transposedConvolutionMatchesTheDefinition() throws {
        let text = """
        func @main(%x: f32[1,4,3,3], %w: f32[4,3,3,2]) -> f32[1,6,6,6] {
          %b = edge.constant {value = dense<[0.5, -1.0, 0.0, 1.0, 2.0, 3.0]>} : f32[6]
          %y = edge.conv_transpose2d(%x, %w, %b) {stride = [2, 2], padding = [1, 0], output_padding = [1, 0], groups = 2} : f32[1,6,6,6]
          return %y
        }
        """
        let xv = (0 ..< 36).map { Float($0 % 7) - 3 }, wv = (0 ..< 72).map { Float($0 % 5) * 0.5 - 1 }
        let y = try compileAndRun(text, [try Tensor(xv, shape: [1, 4, 3, 3]), try Tensor(wv, shape: [4, 3, 3, 2])])
        // out[o, i, j] = b[o] + Σ x[c, h, w] · W[c, o', a, e] over i = 2h - 1 + a, j = 2w + e, c in o's group.
        var expected = [Double](repeating: 0, count: 6 * 6 * 6)
        let bias = [0.5, -1.0, 0, 1, 2, 3]
        for o in 0 ..< 6 { for k in 0 ..< 36 { expected[o * 36 + k] = bias[o] } }
        for c in 0 ..< 4 { for h in 0 ..< 3 { for w in 0 ..< 3 { for oc in 0 ..< 3 { for a in 0 ..< 3 { for e in 0 ..< 2 {
            let i = 2 * h - 1 + a, j = 2 * w + e
            guard i >= 0, i < 6, j < 6 else { continue }
            let o = (c / 2) * 3 + oc
            expected[o * 36 + i * 6 + j] += Double(xv[c * 9 + h * 3 + w]) * Double(wv[((c * 3 + oc) * 3 + a) * 2 + e])
        } } } } } }
        expectNear(y[0], expected, shape: [1, 6, 6, 6])
    }

    @Test func resizing() throws {
        let text = """
        func @main(%x: f32[1,1,2,3]) -> (f32[1,1,4,6], f32[1,1,3,4], f32[1,1,3,5], f32[1,1,3,5]) {
          %n = edge.upsample_nearest2d(%x) {size = [4, 6]} : f32[1,1,4,6]
          %n2 = edge.upsample_nearest2d(%x) {size = [3, 4]} : f32[1,1,3,4]
          %b = edge.upsample_bilinear2d(%x) {size = [3, 5]} : f32[1,1,3,5]
          %ba = edge.upsample_bilinear2d(%x) {size = [3, 5], align_corners = true} : f32[1,1,3,5]
          return %n, %n2, %b, %ba
        }
        """
        let v: [Float] = [0, 1, 2, 10, 20, 40]
        let y = try compileAndRun(text, [try Tensor(v, shape: [1, 1, 2, 3])])
        #expect(y[0].floats() == [0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2, 10, 10, 20, 20, 40, 40, 10, 10, 20, 20, 40, 40])
        // 2 -> 3 rows: floor(i * 2/3) = 0, 0, 1; 3 -> 4 columns: floor(j * 3/4) = 0, 0, 1, 2.
        #expect(y[1].floats() == [0, 0, 1, 2, 0, 0, 1, 2, 10, 10, 20, 40])
        func bilinear(_ alignCorners: Bool) -> [Double] {
            func src(_ i: Int, _ input: Int, _ output: Int) -> Double {
                alignCorners ? Double(i) * Double(input - 1) / Double(output - 1) : max((Double(i) + 0.5) * Double(input) / Double(output) - 0.5, 0)
            }
            func sample(_ r: Double, _ c: Double) -> Double {
                let r0 = min(Int(r), 1), c0 = min(Int(c), 2)
                let r1 = min(r0 + 1, 1), c1 = min(c0 + 1, 2)
                let (fr, fc) = (r - Double(r0), c - Double(c0))
                func at(_ i: Int, _ j: Int) -> Double { Double(v[i * 3 + j]) }
                return (1 - fr) * ((1 - fc) * at(r0, c0) + fc * at(r0, c1)) + fr * ((1 - fc) * at(r1, c0) + fc * at(r1, c1))
            }
            return (0 ..< 3).flatMap { i in (0 ..< 5).map { j in sample(src(i, 2, 3), src(j, 3, 5)) } }
        }
        expectNear(y[2], bilinear(false))
        expectNear(y[3], bilinear(true))
    }
}
