import FlatBuffers
import Testing

@Suite struct RoundTripTests {
    @Test func everyFeatureRoundTrips() throws {
        let bytes = encode(.sample)
        let verified = try Verifier().verify(bytes, root: Schemas.root, fileIdentifier: "ET12")
        #expect(verified.fileIdentifier == "ET12")
        #expect(decodeRoot(verified.root) == Root.sample)
        #expect(bytes.count % 8 == 0, "size is a multiple of minAlign")
    }

    @Test func outputIsDeterministic() {
        #expect(encode(.sample) == encode(.sample))
    }

    @Test func emptyAndDefaultRoot() throws {
        let bytes = encode(Root())
        let verified = try Verifier().verify(bytes, root: Schemas.root, fileIdentifier: "ET12")
        #expect(decodeRoot(verified.root) == Root())
        #expect(!verified.root.has(0), "default scalar is omitted")
    }

    @Test func forceDefaultsWritesDefaults() throws {
        let bytes = encode(Root(), forceDefaults: true)
        let root = try Verifier().verify(bytes, root: Schemas.root).root
        #expect(root.has(0) && root.has(1) && root.has(18))
        #expect(root.scalar(0, default: UInt32(99)) == 1)
        #expect(decodeRoot(root) == Root())
    }

    @Test func sizePrefixedRoundTrips() throws {
        let bytes = encode(.sample, sizePrefixed: true)
        let prefix = ByteBuffer(bytes: bytes).read(UInt32.self, at: 0)
        #expect(Int(prefix) == bytes.count - 4)
        let verified = try Verifier().verify(bytes, root: Schemas.root, fileIdentifier: "ET12", sizePrefixed: true)
        #expect(verified.fileIdentifier == "ET12")
        #expect(decodeRoot(verified.root) == Root.sample)
        #expect(throws: FlatBufferError.self) { try Verifier().verify(bytes, root: Schemas.root, fileIdentifier: "ET12") }
    }

    @Test func allScalarWidths() throws {
        var b = FlatBufferBuilder()
        b.startTable()
        b.addField(slot: 0, UInt8.max, default: 0)
        b.addField(slot: 1, Int8.min, default: 0)
        b.addField(slot: 2, UInt16.max, default: 0)
        b.addField(slot: 3, Int16.min, default: 0)
        b.addField(slot: 4, UInt32.max, default: 0)
        b.addField(slot: 5, Int32.min, default: 0)
        b.addField(slot: 6, UInt64.max, default: 0)
        b.addField(slot: 7, Int64.min, default: 0)
        b.addField(slot: 8, Float(-1.25), default: 0)
        b.addField(slot: 9, Double.pi, default: 0)
        b.addField(slot: 10, true, default: false)
        b.addField(slot: 11, Int32(0), default: nil)  // optional scalar: written although zero
        let bytes = b.finish(b.endTable())
        let sizes = [1, 1, 2, 2, 4, 4, 8, 8, 4, 8, 1, 4]
        let schema = TableSchema("S", sizes.enumerated().map { .init("f\($0.offset)", slot: $0.offset, .scalar(size: $0.element)) })
        let t = try Verifier().verify(bytes, root: schema).root
        #expect(t.scalar(0, default: UInt8(0)) == .max)
        #expect(t.scalar(1, default: Int8(0)) == .min)
        #expect(t.scalar(2, default: UInt16(0)) == .max)
        #expect(t.scalar(3, default: Int16(0)) == .min)
        #expect(t.scalar(4, default: UInt32(0)) == .max)
        #expect(t.scalar(5, default: Int32(0)) == .min)
        #expect(t.scalar(6, default: UInt64(0)) == .max)
        #expect(t.scalar(7, default: Int64(0)) == .min)
        #expect(t.scalar(8, default: Float(0)) == -1.25)
        #expect(t.scalar(9, default: Double(0)) == .pi)
        #expect(t.scalar(10, default: false))
        #expect(t.scalar(11, as: Int32.self) == 0)
        #expect(t.scalar(12, as: Int32.self) == nil, "slot beyond the vtable reads as absent")
        for slot in 0 ..< 12 {
            let position = t.position + t.offset(forSlot: slot)!
            #expect(position % sizes[slot] == 0, "slot \(slot) is naturally aligned")
        }
    }

    @Test func vectorsOfScalarsAllTypes() throws {
        var b = FlatBufferBuilder()
        let i16 = b.createVector([Int16(-1), 2, 3])
        let u64 = b.createVector([UInt64.max, 0, 42])
        let f64 = b.createVector([1.5, -0.25])
        let bools = b.createVector([true, false, true])
        let empty = b.createVector([Int32]())
        b.startTable()
        for (slot, o) in [i16, u64, f64, bools, empty].enumerated() { b.addOffset(slot: slot, o) }
        let bytes = b.finish(b.endTable())
        let schema = TableSchema("V", [
            .init("i16", slot: 0, .vectorOfScalars(size: 2)), .init("u64", slot: 1, .vectorOfScalars(size: 8)),
            .init("f64", slot: 2, .vectorOfScalars(size: 8)), .init("bools", slot: 3, .vectorOfScalars(size: 1)),
            .init("empty", slot: 4, .vectorOfScalars(size: 4)),
        ])
        let t = try Verifier().verify(bytes, root: schema).root
        #expect(t.vector(0)?.scalars() == [Int16(-1), 2, 3])
        #expect(t.vector(1)?.scalars() == [UInt64.max, 0, 42])
        #expect(t.vector(2)?.scalars() == [1.5, -0.25])
        #expect(t.vector(3)?.scalars() == [true, false, true])
        #expect(t.vector(4)?.count == 0)
        #expect(t.vector(1)!.position % 8 == 0)
    }

    @Test func identicalVTablesAreShared() throws {
        func build(_ n: Int, distinct: Bool) -> [UInt8] {
            var b = FlatBufferBuilder()
            let tables = (0 ..< n).map { i -> Offset in
                b.startTable()
                b.addField(slot: distinct ? i : 0, Int32(i + 100), default: 0)
                b.addField(slot: (distinct ? i : 0) + 1, Int32(i), default: nil)
                return b.endTable()
            }
            let v = b.createVector(offsets: tables)
            b.startTable()
            b.addOffset(slot: 0, v)
            return b.finish(b.endTable())
        }
        let item = TableSchema("Item", [.init("value", slot: 0, .scalar(size: 4))])
        let list = TableSchema("List", [.init("items", slot: 0, .vectorOfTables { item })])
        let shared = build(100, distinct: false)
        let items = try Verifier().verify(shared, root: list).root.vector(0)!
        #expect(Set((0 ..< items.count).map { items.table(at: $0).vtablePosition }).count == 1)
        #expect((0 ..< items.count).map { items.table(at: $0).scalar(0, default: Int32(0)) } == (100 ..< 200).map(Int32.init))
        // 100 tables of 12 bytes (soffset + 2 × int32) + one 8-byte vtable + a 404-byte vector + root table and header.
        #expect(shared.count <= 100 * 12 + 8 + 404 + 32, "got \(shared.count) bytes")
        let distinct = build(20, distinct: true)
        #expect(distinct.count >= build(20, distinct: false).count + 19 * 8, "distinct layouts need their own vtables")
    }

    @Test func forceAlignedVectorsAreAligned() throws {
        for junk in 0 ..< 20 {
            for length in [0, 1, 3, 16, 17, 33] {
                var b = FlatBufferBuilder(initialCapacity: 1)
                let s = b.createString(String(repeating: "x", count: junk))
                let data = b.createVector(bytes: (0 ..< length).map { UInt8($0 & 0xFF) }, alignment: 16)
                let words = b.createVector((0 ..< junk).map { UInt16($0) }, alignment: 32)
                b.startTable()
                b.addOffset(slot: 0, s)
                b.addOffset(slot: 1, data)
                b.addOffset(slot: 2, words)
                b.addField(slot: 3, UInt8(1), default: 0)
                let bytes = b.finish(b.endTable(), fileIdentifier: "ET12")
                let schema = TableSchema("A", [
                    .init("s", slot: 0, .string), .init("data", slot: 1, .vectorOfScalars(size: 1, alignment: 16)),
                    .init("words", slot: 2, .vectorOfScalars(size: 2, alignment: 32)), .init("b", slot: 3, .scalar(size: 1)),
                ])
                let t = try Verifier().verify(bytes, root: schema, fileIdentifier: "ET12").root
                #expect(t.vector(1)!.position % 16 == 0)
                #expect(t.vector(2)!.position % 32 == 0)
                #expect(Array(t.vector(1)!.bytes) == (0 ..< length).map { UInt8($0 & 0xFF) })
                #expect(bytes.count % 32 == 0)
            }
        }
    }

    @Test func misalignedForceAlignIsRejected() {
        var rejected = 0
        for junk in 0 ..< 16 {
            var b = FlatBufferBuilder()
            let data = b.createVector(bytes: [1, 2, 3], alignment: 1)
            let pad = b.createVector(bytes: [UInt8](repeating: 0, count: junk))
            b.startTable()
            b.addOffset(slot: 1, data)
            b.addOffset(slot: 2, pad)
            let bytes = b.finish(b.endTable())
            do throws(FlatBufferError) {
                _ = try Verifier().verify(bytes, root: Schemas.tensor)
            } catch {
                guard case .misaligned(let path, _, _, 16) = error else { Issue.record("unexpected \(error)"); continue }
                #expect(path == "data")
                rejected += 1
            }
            #expect(throws: Never.self) { try Verifier(checkAlignment: false).verify(bytes, root: Schemas.tensor) }
        }
        #expect(rejected > 0)
    }

    @Test func nestedVectorsAndDeepRecursion() throws {
        var node = Node(name: "leaf")
        for i in 0 ..< 100 { node = Node(name: "n\(i)", children: [node, Node(name: "s\(i)")], payload: .str("\(i)")) }
        var root = Root()
        root.tree = node
        let bytes = encode(root)
        // Root is depth 1, tree depth 2, so the 65th table is tree + 63 × children[0].
        let path = "tree" + String(repeating: ".children[0]", count: 63)
        #expect(throws: FlatBufferError.depthLimitExceeded(path: path, limit: 64)) {
            try Verifier().verify(bytes, root: Schemas.root)
        }
        let verified = try Verifier(maxDepth: 200).verify(bytes, root: Schemas.root)
        #expect(decodeRoot(verified.root) == root)
    }

    @Test func tableAndOffsetLimits() {
        let bytes = encode(.sample)
        #expect(throws: FlatBufferError.tableLimitExceeded(path: "leaves[1]", limit: 2)) {
            try Verifier(maxTables: 2).verify(bytes, root: Schemas.root)
        }
        #expect(throws: FlatBufferError.self) { try Verifier(maxOffsets: 5).verify(bytes, root: Schemas.root) }
    }

    @Test func errorsNameTheFieldPath() throws {
        var bytes = encode(.sample)
        let root = try Verifier().verify(bytes, root: Schemas.root).root
        // Overwrite the terminator of tree.children[1].children[0].payload.s ("hi").
        let str = root.table(11)!.vector(1)!.table(at: 1).vector(1)!.table(at: 0).union(2)!.table
        let strField = str.position + str.offset(forSlot: 0)!
        let stringPosition = strField + Int(ByteBuffer(bytes: bytes).read(UInt32.self, at: strField))
        bytes[stringPosition + 4 + 2] = UInt8(ascii: "!")
        do throws(FlatBufferError) {
            _ = try Verifier().verify(bytes, root: Schemas.root)
            Issue.record("corruption not detected")
        } catch {
            #expect(error == .stringNotTerminated(path: "tree.children[1].children[0].payload.s", offset: stringPosition))
            #expect(error.description.hasPrefix("tree.children[1].children[0].payload.s: string at 0x"))
        }
        // Point the root offset past the end.
        var bad = encode(.sample)
        let pastEnd = UInt32(bad.count + 12)
        bad.withUnsafeMutableBytes { $0.storeBytes(of: pastEnd.littleEndian, toByteOffset: 0, as: UInt32.self) }
        #expect(throws: FlatBufferError.self) { try Verifier().verify(bad, root: Schemas.root) }
        do throws(FlatBufferError) { _ = try Verifier().verify(bad, root: Schemas.root) } catch {
            #expect(error.description == "<root>: uoffset target offset 0x\(String(bad.count + 12, radix: 16)) (1 bytes) past end of buffer (size 0x\(String(bad.count, radix: 16)))")
        }
    }

    @Test func identifierUnionAndRequiredChecks() throws {
        let bytes = encode(.sample)
        #expect(throws: FlatBufferError.fileIdentifierMismatch(expected: "ET13", found: "ET12")) {
            try Verifier().verify(bytes, root: Schemas.root, fileIdentifier: "ET13")
        }
        #expect(throws: FlatBufferError.bufferTooSmall(size: 3, minimum: 4)) { try Verifier().verify([1, 2, 3], root: Schemas.root) }

        var b = FlatBufferBuilder()
        let s = b.createString("x")
        b.startTable()
        b.addOffset(slot: 0, s)
        let value = b.endTable()
        b.startTable()
        b.addUnion(slot: 2, type: 9, value: value)
        let node = b.finish(b.endTable())
        #expect(throws: FlatBufferError.unknownUnionType(path: "payload", type: 9)) { try Verifier().verify(node, root: Schemas.node) }

        var required = Schemas.node
        required.fields[0].required = true
        #expect(throws: FlatBufferError.missingRequiredField(path: "name")) { try Verifier().verify(node, root: required) }
    }
}

