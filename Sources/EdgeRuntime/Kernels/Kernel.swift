import EdgeKernels
import EdgeProgram

/// One interpreter kernel: the ATen kernel it implements and how it binds a call. `bind` reads
/// the call's arguments by schema name once, at load, and returns what each run executes.
struct Kernel: Sendable {
    typealias Run = () throws -> Void

    let kernel: ATenKernel
    let bind: @Sendable (Arguments) throws -> Run

    init(_ kernel: ATenKernel, _ bind: @escaping @Sendable (Arguments) throws -> Run) {
        self.kernel = kernel
        self.bind = bind
    }
}

/// The ATen out-variant kernels the interpreter implements, gathered from the concept files
/// in this folder; a kernel implemented twice stops the program naming it.
enum Kernels {
    static let all: [Kernel] = elementwise + activation + unaryMath + comparison + convolution + pooling + normalization
        + reduction + linearAlgebra + layout + indexing + extended

    static let table: [ATenKernel: Kernel] = uniqueTable(all, what: "interpreter kernel for") { $0.kernel }

    /// A 1- or 2-value list as a pair (a single value is used for both).
    static func pair(_ v: [Int], _ what: String) throws -> (Int, Int) {
        switch v.count {
        case 1: return (v[0], v[0])
        case 2: return (v[0], v[1])
        default: throw RuntimeError("\(what) must have 1 or 2 values, got \(v)")
        }
    }
}
