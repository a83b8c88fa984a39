import Foundation

/// How the sizes of a bounded program follow its one bounded size `s` (`edgec compile
/// --input-shape x=1..8,3,32,32`): every dynamic dim of a tensor value is `a·s + b`.
///
/// ExecuTorch needs none of it: its tensors are `DYNAMIC_BOUND` (sizes = the upper bound) and
/// its kernels resize their outs. edgec's interpreter binds every call to fixed tensor views,
/// so it reads this record (the `named_data` entry ``key``, JSON with sorted keys) to give each
/// value its sizes for the `s` the inputs carry.
public struct BoundedShapes: ProgramRecord, Sendable, Hashable {
    /// The `named_data` key of the record (an edgec record, see ``CompileInfo/recordPrefix``).
    public static let key = "edgec.bounded_shapes"

    /// One dynamic dim: value `value`'s dim `dim` has size `scale·s + offset`.
    public struct DynamicDim: Sendable, Hashable, Codable {
        public var value: Int
        public var dim: Int
        public var scale: Int
        public var offset: Int

        public init(value: Int, dim: Int, scale: Int, offset: Int) {
            self.value = value
            self.dim = dim
            self.scale = scale
            self.offset = offset
        }

        public func size(_ s: Int) -> Int { scale * s + offset }
    }

    /// The IR symbol of the bounded size (for messages).
    public var symbol: String
    /// The range of `s`; memory is planned for `max`.
    public var min: Int
    public var max: Int
    /// Every dynamic dim, by value index then dim.
    public var dims: [DynamicDim]

    public init(symbol: String, min: Int, max: Int, dims: [DynamicDim]) {
        self.symbol = symbol
        self.min = min
        self.max = max
        self.dims = dims
    }

    /// The record of `program`: nil when it has none; an entry that is not a valid record is an error.
    public static func of(_ program: Program) throws(ProgramRecordError) -> BoundedShapes? {
        let record: BoundedShapes?
        do { record = try decoded(from: program) } catch { throw ProgramRecordError("named data \(key) is not a valid bounded-shape record") }
        guard let record else { return nil }
        guard record.min >= 0, record.min <= record.max else { throw ProgramRecordError("named data \(key) is not a valid bounded-shape record") }
        return record
    }
}

/// An edgec record in a program's named data that cannot be read.
public struct ProgramRecordError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
