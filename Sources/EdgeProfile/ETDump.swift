import FlatBuffers

// ExecuTorch's ETDump: the profiling record its runtime writes when event tracing is on
// (`executorch/devtools/etdump/etdump_schema_flatcc.fbs`, file identifier `ED00`, written by
// flatcc with a 4-byte size prefix). edgec reads the profiling part: runs (`RunData`) and their
// profile events. The buffer is verified against the schema below before any field is read,
// so a truncated or hostile file is an error naming the field, never a crash.

/// One timed event of a run (`ProfileEvent`): an instruction (`OPERATOR_CALL`, `DELEGATE_CALL`),
/// the kernel inside it (`native_call_<op>`), a delegate's own event, or the whole method
/// (`Method::execute`).
public struct ETDumpProfileEvent: Sendable, Hashable {
    public var name: String
    public var chainIndex: Int32
    /// The runtime instruction id, -1 when the event is not an instruction's.
    public var instructionID: Int32
    /// A delegate's debug identifier (int form), -1 when absent.
    public var delegateDebugIDInt: Int32
    /// A delegate's debug identifier (string form).
    public var delegateDebugIDString: String?
    /// Start and end in the runtime's ticks (nanoseconds on ExecuTorch's POSIX platform layer).
    public var startTime: UInt64
    public var endTime: UInt64

    public init(name: String, chainIndex: Int32 = 0, instructionID: Int32 = -1, delegateDebugIDInt: Int32 = -1,
                delegateDebugIDString: String? = nil, startTime: UInt64, endTime: UInt64) {
        self.name = name
        self.chainIndex = chainIndex
        self.instructionID = instructionID
        self.delegateDebugIDInt = delegateDebugIDInt
        self.delegateDebugIDString = delegateDebugIDString
        self.startTime = startTime
        self.endTime = endTime
    }

    /// Whether the event comes from inside a delegate (it carries a delegate debug id).
    public var isDelegateInternal: Bool { delegateDebugIDInt >= 0 || delegateDebugIDString != nil }

    /// `endTime - startTime`, or nil when the event ends before it starts.
    public var duration: UInt64? { endTime >= startTime ? endTime - startTime : nil }
}

/// One run of an ETDump (`RunData`): ExecuTorch records one for loading (`Default`) and one per `execute`.
public struct ETDumpRun: Sendable, Hashable {
    public var name: String
    public var bundledInputIndex: Int32
    public var events: [ETDumpProfileEvent]
    /// Events that are not profile events (allocation or debug events), counted only.
    public var otherEvents: Int
}

/// A verified ETDump file.
public struct ETDump: Sendable, Hashable {
    public var version: UInt32
    public var runs: [ETDumpRun]

    /// The event names ExecuTorch's runtime gives an instruction and a whole method.
    public static let operatorCall = "OPERATOR_CALL", delegateCall = "DELEGATE_CALL", methodExecute = "Method::execute"

    /// Reads and verifies an ETDump buffer (size-prefixed, identifier `ED00`).
    public static func read(_ bytes: [UInt8]) throws(ETDumpError) -> ETDump {
        guard bytes.count >= 12 else { throw ETDumpError("\(bytes.count) bytes is too short for an ETDump (a size prefix, a root offset and the \"ED00\" identifier)") }
        let verified: VerifiedBuffer
        do {
            verified = try Verifier().verify(bytes, root: ETDumpSchema.etdump, fileIdentifier: "ED00", sizePrefixed: true)
        } catch {
            throw ETDumpError("not a valid ETDump: \(error)")
        }
        let root = verified.root
        var runs: [ETDumpRun] = []
        if let list = root.vector(Slot.ETDump.runData) {
            for r in 0 ..< list.count {
                let run = list.table(at: r)
                var events: [ETDumpProfileEvent] = []
                var other = 0
                if let ev = run.vector(Slot.RunData.events) {
                    for e in 0 ..< ev.count {
                        guard let p = ev.table(at: e).table(Slot.Event.profileEvent) else { other += 1; continue }
                        events.append(ETDumpProfileEvent(
                            name: p.string(Slot.Profile.name) ?? "",
                            chainIndex: p.scalar(Slot.Profile.chainIndex, default: Int32(0)),
                            instructionID: p.scalar(Slot.Profile.instructionID, default: Int32(-1)),
                            delegateDebugIDInt: p.scalar(Slot.Profile.delegateDebugIDInt, default: Int32(-1)),
                            delegateDebugIDString: p.string(Slot.Profile.delegateDebugIDString),
                            startTime: p.scalar(Slot.Profile.startTime, default: UInt64(0)),
                            endTime: p.scalar(Slot.Profile.endTime, default: UInt64(0))))
                    }
                }
                runs.append(ETDumpRun(name: run.string(Slot.RunData.name) ?? "",
                                      bundledInputIndex: run.scalar(Slot.RunData.bundledInputIndex, default: Int32(-1)),
                                      events: events, otherEvents: other))
            }
        }
        return ETDump(version: root.scalar(Slot.ETDump.version, default: UInt32(0)), runs: runs)
    }

    /// The runs that executed the method (those with a `Method::execute` event).
    public var executions: [ETDumpRun] { runs.filter { $0.events.contains { $0.name == Self.methodExecute } } }
}

/// Why an ETDump cannot be read or used.
public struct ETDumpError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Vtable slots, in the field order of etdump_schema_flatcc.fbs.
private enum Slot {
    enum ETDump { static let version = 0, runData = 1 }
    enum RunData { static let name = 0, bundledInputIndex = 1, allocators = 2, events = 3 }
    enum Event { static let profileEvent = 0, allocationEvent = 1, debugEvent = 2 }
    enum Profile { static let name = 0, chainIndex = 1, instructionID = 2, delegateDebugIDInt = 3, delegateDebugIDString = 4,
                   delegateDebugMetadata = 5, startTime = 6, endTime = 7 }
    enum Allocation { static let allocatorID = 0, allocationSize = 1 }
    enum Debug { static let chainIndex = 0, instructionID = 1, debugEntry = 2, delegateDebugIDInt = 3, delegateDebugIDString = 4, name = 5 }
}

/// What the verifier checks: every table and field the reader touches (the debug event's
/// value tree is not read and not descended into; its table offset is still checked).
private enum ETDumpSchema {
    static let profileEvent = TableSchema("ProfileEvent", [
        .init("name", slot: Slot.Profile.name, .string),
        .init("chain_index", slot: Slot.Profile.chainIndex, .scalar(size: 4)),
        .init("instruction_id", slot: Slot.Profile.instructionID, .scalar(size: 4)),
        .init("delegate_debug_id_int", slot: Slot.Profile.delegateDebugIDInt, .scalar(size: 4)),
        .init("delegate_debug_id_str", slot: Slot.Profile.delegateDebugIDString, .string),
        .init("delegate_debug_metadata", slot: Slot.Profile.delegateDebugMetadata, .vectorOfScalars(size: 1)),
        .init("start_time", slot: Slot.Profile.startTime, .scalar(size: 8)),
        .init("end_time", slot: Slot.Profile.endTime, .scalar(size: 8)),
    ])
    static let allocationEvent = TableSchema("AllocationEvent", [
        .init("allocator_id", slot: Slot.Allocation.allocatorID, .scalar(size: 4)),
        .init("allocation_size", slot: Slot.Allocation.allocationSize, .scalar(size: 8)),
    ])
    static let debugEvent = TableSchema("DebugEvent", [
        .init("chain_index", slot: Slot.Debug.chainIndex, .scalar(size: 8)),
        .init("instruction_id", slot: Slot.Debug.instructionID, .scalar(size: 4)),
        .init("delegate_debug_id_int", slot: Slot.Debug.delegateDebugIDInt, .scalar(size: 4)),
        .init("delegate_debug_id_str", slot: Slot.Debug.delegateDebugIDString, .string),
        .init("name", slot: Slot.Debug.name, .string),
    ])
    static let event = TableSchema("Event", [
        .init("profile_event", slot: Slot.Event.profileEvent, .table { profileEvent }),
        .init("allocation_event", slot: Slot.Event.allocationEvent, .table { allocationEvent }),
        .init("debug_event", slot: Slot.Event.debugEvent, .table { debugEvent }),
    ])
    static let allocator = TableSchema("Allocator", [.init("name", slot: 0, .string)])
    static let runData = TableSchema("RunData", [
        .init("name", slot: Slot.RunData.name, .string),
        .init("bundled_input_index", slot: Slot.RunData.bundledInputIndex, .scalar(size: 4)),
        .init("allocators", slot: Slot.RunData.allocators, .vectorOfTables { allocator }),
        .init("events", slot: Slot.RunData.events, .vectorOfTables { event }),
    ])
    static let etdump = TableSchema("ETDump", [
        .init("version", slot: Slot.ETDump.version, .scalar(size: 4)),
        .init("run_data", slot: Slot.ETDump.runData, .vectorOfTables { runData }),
    ])
}
