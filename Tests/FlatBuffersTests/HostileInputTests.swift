// Hostile input: the verifier must return (error or success) on any bytes, and a buffer it
// accepts must be fully readable through the reader. A crash here fails the whole test run.
import FlatBuffers
import Testing

@Suite struct HostileInputTests {
    /// Small limits keep pathological DAG-shaped inputs fast.
    static let verifier = Verifier(maxDepth: 64, maxTables: 10_000, maxOffsets: 100_000)

    /// Verifies `bytes`; when accepted, reads every described field. Returns whether it was accepted.
    @discardableResult
    static func probe(_ bytes: [UInt8], identifier: String? = "ET12") -> Bool {
        guard let verified = try? verifier.verify(bytes, root: Schemas.root, fileIdentifier: identifier) else { return false }
        _ = walk(verified.root, Schemas.root)
        return true
    }

    /// A field may extend past the table size its vtable declares, as long as it lies in the
    /// buffer (flatbuffers' C++ `Verifier::VerifyField`; ExecuTorch writes such `Int` tables);
    /// one that reaches past the buffer's end is still rejected.
    @Test func fieldsPastTheDeclaredTableSizeAreReadWhenInTheBuffer() throws {
        var bytes = encode(.sample)
        let root = try Self.verifier.verify(bytes, root: Schemas.root).root
        let vtable = root.position - Int(Int32(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: root.position, as: Int32.self) }))
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: UInt16(4).littleEndian, toByteOffset: vtable + 2, as: UInt16.self) }  // table size 4
        let shrunk = try Self.verifier.verify(bytes, root: Schemas.root).root
        #expect(decodeRoot(shrunk) == Root.sample)
        // The same field moved past the end of the buffer.
        let slot = try #require((0 ..< 40).first { root.offset(forSlot: $0) != nil })
        let entry = vtable + 4 + 2 * slot
        let far = UInt16(min(bytes.count - root.position + 4, Int(UInt16.max)))
        bytes.withUnsafeMutableBytes { $0.storeBytes(of: far.littleEndian, toByteOffset: entry, as: UInt16.self) }
        #expect(throws: FlatBufferError.self) { try Self.verifier.verify(bytes, root: Schemas.root) }
    }

    @Test func everyTruncationIsRejected() {
        let bytes = encode(.sample)
        #expect(Self.probe(bytes))
        // Only cutting trailing alignment padding (the first object written is padded) may stay valid.
        for n in (0 ..< bytes.count).filter({ Self.probe(Array(bytes[..<$0])) }) {
            #expect(bytes[n...].allSatisfy { $0 == 0 } && bytes.count - n < 8, "truncation to \(n) bytes accepted")
            let root = try? Self.verifier.verify(Array(bytes[..<n]), root: Schemas.root).root
            #expect(root.map(decodeRoot) == Root.sample)
        }
        let prefixed = encode(.sample, sizePrefixed: true)
        for n in 0 ..< prefixed.count {
            #expect((try? Self.verifier.verify(Array(prefixed[..<n]), root: Schemas.root, sizePrefixed: true)) == nil)
        }
    }

    @Test func everySingleBitFlipIsSafe() {
        var small = Root.sample
        small.data = [1, 2, 3]
        let bytes = encode(small)
        var accepted = 0
        for bit in 0 ..< bytes.count * 8 {
            var flipped = bytes
            flipped[bit / 8] ^= 1 << UInt8(bit % 8)
            if Self.probe(flipped) { accepted += 1 }
        }
        #expect(accepted < bytes.count * 8, "some flips must be detected")
    }

    @Test func randomBuffersWithPlausibleHeaders() {
        var rng = SplitMix64(state: 0x5EED)
        var accepted = 0
        for _ in 0 ..< 2000 {
            let size = Int.random(in: 16 ... 512, using: &rng) & ~3
            var bytes = (0 ..< size).map { _ in UInt8.random(in: 0 ... 255, using: &rng) }
            // Small values make plausible offsets, vtable sizes and lengths more likely.
            for i in bytes.indices where Bool.random(using: &rng) { bytes[i] &= 0x1F }
            func store<T: FixedWidthInteger>(_ value: T, at offset: Int) {
                guard offset >= 0 && offset + MemoryLayout<T>.size <= bytes.count else { return }
                bytes.withUnsafeMutableBytes { $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self) }
            }
            let root = Int.random(in: 2 ..< size / 4, using: &rng) * 4
            store(UInt32(root), at: 0)
            bytes.replaceSubrange(4 ..< 8, with: Array("ET12".utf8))
            if Int.random(in: 0 ..< 4, using: &rng) != 0 {
                // A plausible root table: an in-range vtable whose entries land inside the table.
                let vtable = Int.random(in: 4 ..< size / 2, using: &rng) * 2
                let slots = Int.random(in: 0 ... 20, using: &rng)
                let tableSize = Int.random(in: 4 ... 64, using: &rng)
                store(Int32(root - vtable), at: root)
                store(UInt16(4 + 2 * slots), at: vtable)
                store(UInt16(tableSize), at: vtable + 2)
                for slot in 0 ..< slots {
                    let entry = Bool.random(using: &rng) ? 0 : Int.random(in: 4 ..< max(tableSize, 5), using: &rng)
                    store(UInt16(entry), at: vtable + 4 + 2 * slot)
                }
            }
            if Self.probe(bytes) { accepted += 1 }
            Self.probe(bytes, identifier: nil)
        }
        #expect(accepted > 0, "some plausible buffers should verify, so the reader gets exercised")
    }

    @Test func randomMutationsOfAValidBuffer() {
        var rng = SplitMix64(state: 42)
        let bytes = encode(.sample)
        var accepted = 0
        for _ in 0 ..< 2000 {
            var mutated = bytes
            for _ in 0 ..< Int.random(in: 1 ... 8, using: &rng) {
                let i = Int.random(in: 0 ..< mutated.count, using: &rng)
                mutated[i] = Bool.random(using: &rng) ? UInt8.random(in: 0 ... 255, using: &rng) : mutated[i] &+ UInt8.random(in: 1 ... 8, using: &rng)
            }
            if Self.probe(mutated) { accepted += 1 }
        }
        #expect(accepted < 2000)
    }

    @Test func sharedSubtreesHitTheTableLimit() throws {
        // Every vector element points at the same node, which again points at a shared node: 50^4 paths.
        var b = FlatBufferBuilder()
        var shared = Offset.null
        for _ in 0 ..< 4 {
            let children = shared.isNull ? Offset.null : b.createVector(offsets: Array(repeating: shared, count: 50))
            b.startTable()
            b.addOffset(slot: 1, children)
            shared = b.endTable()
        }
        let bytes = b.finish(shared)
        #expect(bytes.count < 1000)
        #expect {
            try Self.verifier.verify(bytes, root: Schemas.node)
        } throws: { error in
            if case .tableLimitExceeded = error as? FlatBufferError { return true }
            return false
        }
    }
}
