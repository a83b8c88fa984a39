import EdgeProgram

extension ProfileReport {
    /// The profile an ExecuTorch runtime recorded for `graph`'s program: instruction events
    /// (`OPERATOR_CALL`, `DELEGATE_CALL`) are mapped to instructions by their instruction id and
    /// named by the program's stacktrace, `Method::execute` gives the total, events from inside a
    /// delegate are listed with the delegate call they ran in. `tickNanoseconds` converts the
    /// runtime's ticks (1 on ExecuTorch's POSIX platform layer, whose ticks are nanoseconds).
    ///
    /// An event naming an instruction the program does not have, or a kernel other than the
    /// instruction's (`native_call_<op>`), means the ETDump is from another program: an error.
    public static func fromETDump(_ dump: ETDump, graph: ProgramGraph, tickNanoseconds: Double = 1,
                                  arenaBytes: Int, constantBytes: Int) throws(ETDumpError) -> ProfileReport {
        let executions = dump.executions
        guard !executions.isEmpty else {
            throw ETDumpError("the ETDump has \(dump.runs.count) run\(dump.runs.count == 1 ? "" : "s") but none executed the method (no \(ETDump.methodExecute) event); was event tracing enabled?")
        }
        let count = graph.steps.count
        var times = [[Double]](repeating: [], count: count)
        var totals: [Double] = []
        var delegate: [String: (instruction: Int?, times: [Double])] = [:]
        var delegateOrder: [String] = []
        for (r, run) in executions.enumerated() {
            var perRun = [Double?](repeating: nil, count: count)
            var calls: [(k: Int, start: UInt64, end: UInt64)] = []
            for e in run.events where !e.isDelegateInternal {
                guard let d = e.duration else {
                    throw ETDumpError("execution \(r): event \"\(e.name)\" ends (\(e.endTime)) before it starts (\(e.startTime))")
                }
                if e.name == ETDump.methodExecute { totals.append(Double(d) * tickNanoseconds); continue }
                guard e.instructionID >= 0, e.name == ETDump.operatorCall || e.name == ETDump.delegateCall || e.name.hasPrefix("native_call_") else { continue }
                let k = Int(e.instructionID)
                guard k < count, e.chainIndex == 0 else {
                    throw ETDumpError("execution \(r): event \"\(e.name)\" names chain \(e.chainIndex) instruction \(k), but the program has one chain of \(count) instructions (is the ETDump from another program?)")
                }
                if e.name.hasPrefix("native_call_") {
                    let kernel = String(e.name.dropFirst("native_call_".count))
                    let unit = graph.steps[k].unit
                    guard case .kernel(let name) = unit, name == kernel || name.hasSuffix("::" + kernel) else {
                        throw ETDumpError("execution \(r): instruction \(k) ran kernel \(kernel) in the ETDump, but the program's instruction \(k) is \(unit.name) (is the ETDump from another program?)")
                    }
                    continue
                }
                perRun[k] = (perRun[k] ?? 0) + Double(d) * tickNanoseconds
                if e.name == ETDump.delegateCall { calls.append((k, e.startTime, e.endTime)) }
            }
            for (k, t) in perRun.enumerated() { if let t { times[k].append(t) } }
            for e in run.events where e.isDelegateInternal {
                guard let d = e.duration else { continue }
                let name = e.delegateDebugIDString.map { e.name.isEmpty ? $0 : "\(e.name) (\($0))" }
                    ?? (e.name.isEmpty ? "delegate event \(e.delegateDebugIDInt)" : "\(e.name) #\(e.delegateDebugIDInt)")
                let inside = calls.first { $0.start <= e.startTime && e.endTime <= $0.end }?.k
                if delegate[name] == nil { delegateOrder.append(name); delegate[name] = (inside, []) }
                delegate[name]?.times.append(Double(d) * tickNanoseconds)
            }
        }
        var notes = ["times from the device's own ETDump: \(executions.count) execution\(executions.count == 1 ? "" : "s") of \(dump.runs.count) recorded runs; 1 tick = \(tickNanoseconds) ns"]
        let missing = times.indices.filter { times[$0].isEmpty }
        if !missing.isEmpty {
            notes.append("\(missing.count) of \(count) instructions have no event (profiling filtered?): " + missing.prefix(8).map(String.init).joined(separator: ", "))
        }
        var report = ProfileReport(origin: "ETDump (ExecuTorch runtime)", graph: graph, instructionTimes: times, totalTimes: totals,
                                   warmupRuns: 0, arenaBytes: arenaBytes, constantBytes: constantBytes, notes: notes)
        report.delegateEvents = delegateOrder.map { ($0, delegate[$0]!.instruction, delegate[$0]!.times) }
        return report
    }
}
