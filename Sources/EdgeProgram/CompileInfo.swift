import Foundation

/// How a program was made — the compiler, its version and the options that shape the output —
/// recorded in the program so `edgec inspect` can say it.
///
/// ExecuTorch's Program schema has no metadata field, so the record is one entry of the
/// program's `named_data` under ``key``: a small JSON object (keys sorted, no paths beyond the
/// model's file name, so the same model and options give the same bytes). The runtime only
/// resolves named data a delegate asks for by key, so the entry costs its bytes and nothing else;
/// ExecuTorch 1.5.1 loads and runs such programs (checked by Conformance/interop_check.py).
public struct CompileInfo: ProgramRecord, Sendable, Hashable {
    /// The `named_data` key of the record.
    public static let key = "edgec.compile_info"

    /// Keys under this prefix are edgec's records of how the program was made (this one, the
    /// quantizer's report), not model data: no kernel or delegate reads them.
    public static let recordPrefix = "edgec."

    /// Whether the `named_data` entry `key` is one of edgec's records rather than model data.
    public static func isRecord(_ key: String) -> Bool { key.hasPrefix(recordPrefix) }

    /// `edgec <version>`.
    public var compiler: String
    /// The model's file name (no folder).
    public var model: String?
    /// The options that decided the program, as `edgec compile` spells them (`--backend arm-cpu`, `-O2`, ...).
    public var options: [String]

    public init(compiler: String, model: String?, options: [String]) {
        self.compiler = compiler
        self.model = model
        self.options = options
    }

    /// The record of `program`, or nil when it has none (or it is not valid JSON of this shape).
    public static func of(_ program: Program) -> CompileInfo? { try? decoded(from: program) ?? nil }

    /// One line: `edgec 0.1.0 compiled tiny_cnn.onnx with --backend arm-cpu -O2`.
    public var text: String {
        "\(compiler) compiled \(model ?? "a module")" + (options.isEmpty ? "" : " with " + options.joined(separator: " "))
    }
}

/// One of edgec's records in a program's `named_data`: a Codable value stored under its ``key``
/// as JSON with sorted keys (the same record gives the same bytes).
public protocol ProgramRecord: Codable {
    /// The `named_data` key (under ``CompileInfo/recordPrefix``).
    static var key: String { get }
}

extension ProgramRecord {
    /// The entry's bytes.
    public var namedData: NamedData {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return NamedData(key: Self.key, data: [UInt8]((try? encoder.encode(self)) ?? Data()))
    }

    /// The record in `program`: nil when it has no entry under ``key``; throws when the entry
    /// is not JSON of this shape.
    public static func decoded(from program: Program) throws -> Self? {
        guard let entry = program.namedData.first(where: { $0.key == key }) else { return nil }
        return try JSONDecoder().decode(Self.self, from: Data(entry.data))
    }
}
