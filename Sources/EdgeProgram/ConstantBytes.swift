/// How many bytes of constant data (weights) a program carries, wherever they are stored: the
/// outer constant segment, the named data (ExecuTorch's form for delegate weights, SHA-256 keys)
/// and the constants inside delegate payloads (edgec's arm-cpu payloads keep their weights in the
/// payload's own constant region). `--stats`, `edgec profile` and `edgec report` count them with
/// this one definition.
extension Program {
    /// Bytes of the constants `delegate` reads: the constants inside its payload and, by key, the
    /// named data it refers to (with each entry's size). A payload edgec cannot read (another
    /// backend, or malformed) counts 0.
    public static func delegateConstants(_ delegate: BackendDelegate) -> (inPayload: Int, named: [(key: String, bytes: Int)]) {
        guard delegate.id == BackendDelegate.xnnpackID, let g = try? XNNPayloadReader.read(delegate.processed) else { return (0, []) }
        var inPayload = 0
        var named: [(String, Int)] = []
        for entry in g.constantData.dropFirst() {
            if let key = entry.namedKey { named.append((key, Int(clamping: entry.size))) } else { inPayload += Int(clamping: entry.size) }
        }
        return (inPayload, named)
    }

    /// Every constant byte of the program, each stored byte counted once: the constant buffers,
    /// every named-data entry but edgec's records (``CompileInfo/isRecord(_:)``: not model data), and
    /// the payload constants of each distinct delegate payload.
    public var constantByteCount: Int {
        var total = constantBuffers.reduce(0) { $0 + $1.count }
            + namedData.reduce(0) { $0 + (CompileInfo.isRecord($1.key) ? 0 : $1.data.count) }
        // Distinct payloads by size, then bytes (hashing multi-megabyte payloads byte by byte is slow).
        var seen: [Int: [[UInt8]]] = [:]
        for plan in plans {
            for d in plan.delegates {
                let p = d.processed
                if seen[p.count]?.contains(p) == true { continue }
                seen[p.count, default: []].append(p)
                total += Self.delegateConstants(d).inPayload
            }
        }
        return total
    }
}
