import EdgeIR
import EdgeProgram

extension Location {
    /// The `.pte` frames of this location, for the chain's `stacktrace`. A node name and a
    /// source position side by side make one frame (a torch.export node is
    /// `fused["relu_1", "model.py":12:8]` → `{name: relu_1, filename: model.py, lineno: 12}`);
    /// further names and positions at the same level get a frame each, and each nested fused
    /// location (an op folded from several nodes) gives its own frames, in order. An unknown
    /// location has no frames.
    public var frames: FrameList { FrameList(Self.frames(self)) }

    private static func frames(_ location: Location) -> [Frame] {
        var names: [String] = [], files: [(String, Int)] = [], nested: [Frame] = []
        switch location {
        case .unknown: return []
        case .name(let n): names = [n]
        case let .file(f, line, _): files = [(f, line)]
        case .fused(let parts):
            for part in parts {
                switch part {
                case .unknown: break
                case .name(let n): names.append(n)
                case let .file(f, line, _): files.append((f, line))
                case .fused: nested += frames(part)
                }
            }
        }
        var out: [Frame] = []
        if !names.isEmpty || !files.isEmpty {
            out.append(Frame(filename: files.first?.0, lineno: files.first.map { Int32(clamping: $0.1) } ?? 0, name: names.first))
            out += names.dropFirst().map { Frame(name: $0) }
            out += files.dropFirst().map { Frame(filename: $0.0, lineno: Int32(clamping: $0.1)) }
        }
        return out + nested
    }
}
