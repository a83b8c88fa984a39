import EdgeBackends
import EdgeCompiler
import EdgeIR
import Testing

/// The backend registry is the one list of backends: names are unique, lookups find exactly
/// the registered ones, and an unknown name is an error that lists them all.
@Suite struct BackendRegistryTests {
    @Test func namesAreUniqueAndNonEmpty() {
        let names = BackendRegistry.names
        #expect(!names.isEmpty)
        var seen: Set<String> = []
        for name in names {
            #expect(seen.insert(name).inserted, "backend '\(name)' is registered twice")
            #expect(!name.isEmpty && name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }, "backend name '\(name)' is not kebab-case")
        }
        for backend in BackendRegistry.all {
            #expect(!backend.summary.isEmpty, "backend \(backend.name) has no summary")
            #expect(BackendRegistry.lookup(backend.name)?.name == backend.name)
        }
        #expect(BackendRegistry.defaultBackend.name == PortableBackend.name)
    }

    @Test func unknownNameListsTheRegisteredBackends() throws {
        #expect(BackendRegistry.lookup("nope") == nil)
        let error = #expect(throws: UnknownBackendError.self) { try BackendRegistry.named("nope") }
        let text = try #require(error).description
        #expect(text.contains("unknown backend 'nope'"))
        for name in BackendRegistry.names { #expect(text.contains(name), "\(text) does not list \(name)") }
    }

    @Test func compilerRejectsAnUnknownBackend() throws {
        let module = try IRFile.parse("func @main(%x: f32[2]) -> (f32[2]) {\n  %y = edge.relu(%x) : f32[2]\n  return %y\n}\n", fileName: "t.eir")
        #expect(throws: UnknownBackendError.self) { try ProgramCompiler(backend: "nope").compile(module) }
    }

    /// The portable backend's declared target is what its lowering table covers.
    @Test func portableTargetIsItsLoweringTable() {
        let target = PortableBackend().target
        #expect(target.supportedOps == Set(PortableBackend.supportedOps))
        #expect(!target.fusesActivations)
    }
}
