/// Element types of ExecuTorch tensors, with the numbering of `scalar_type.fbs` (ExecuTorch 1.5.1).
public enum PTEScalarType: Int8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case byte = 0, char = 1, short = 2, int = 3, long = 4, half = 5, float = 6, double = 7
    case bool = 11, qint8 = 12, quint8 = 13, qint32 = 14, bfloat16 = 15
    case uint16 = 27, uint32 = 28, uint64 = 29

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .byte, .char, .bool, .qint8, .quint8: return 1
        case .short, .half, .bfloat16, .uint16: return 2
        case .int, .float, .qint32, .uint32: return 4
        case .long, .double, .uint64: return 8
        }
    }

    /// The name used in `scalar_type.fbs` (`FLOAT`, `LONG`, ...).
    public var description: String {
        switch self {
        case .byte: return "BYTE"
        case .char: return "CHAR"
        case .short: return "SHORT"
        case .int: return "INT"
        case .long: return "LONG"
        case .half: return "HALF"
        case .float: return "FLOAT"
        case .double: return "DOUBLE"
        case .bool: return "BOOL"
        case .qint8: return "QINT8"
        case .quint8: return "QUINT8"
        case .qint32: return "QINT32"
        case .bfloat16: return "BFLOAT16"
        case .uint16: return "UINT16"
        case .uint32: return "UINT32"
        case .uint64: return "UINT64"
        }
    }
}
