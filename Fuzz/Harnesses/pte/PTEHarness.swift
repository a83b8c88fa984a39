// A `.pte` program: the verified reader, then the interpreter's load of method "forward" (plan,
// values, memory plan, kernel binding), as `edgec run --max-memory 512M` / `edgec inspect` do.
import EdgeProgram
import EdgeRuntime
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let start, count > 0 else { return 0 }
    let bytes = [UInt8](UnsafeBufferPointer(start: start, count: count))
    guard let loaded = try? ProgramReader.read(bytes) else { return 0 }
    _ = ProgramSummary.text(loaded)
    _ = ProgramSummary.json(loaded)
    for plan in loaded.program.plans { _ = try? Interpreter(loaded.program, method: plan.name, maxMemory: Fuzz.memoryLimit) }
    return 0
}

@_cdecl("fuzz_pte_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    Fuzz.main(argc, argv, fuzzOneInput)
}
