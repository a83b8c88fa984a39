import EdgeKernels
import EdgeRuntime
import Foundation

/// What `edgec run` does with a program's outputs: write each as `<dir>/<name>.npy`, or
/// summarize it in one line; and the latency line of `--repeat`.
public enum ProgramOutputs {
    /// Writes each output to `<dir>/<name>.npy` (characters unsafe in file names become `_`), atomically.
    public static func write(_ outputs: [Tensor], names: [String], to dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, tensor) in zip(names, outputs) {
            let safe = String(name.map { $0.isLetter || $0.isNumber || "._-".contains($0) ? $0 : "_" })
            try AtomicWrite.write(Data(try NPY.encode(tensor)), to: URL(fileURLWithPath: dir).appendingPathComponent(safe + ".npy").path)
        }
    }

    /// `name: f32[1, 4] min … max … mean … [values]`: up to 16 values in full (a small
    /// classifier's scores), else the first 8.
    public static func summary(_ name: String, _ t: Tensor) -> String {
        var s = "\(name): \(t.dtype)\(t.shape)"
        if t.dtype == .f32 {
            let values: [Float] = t.withView { Array($0.buffer(as: Float.self)) }
            if let lo = values.min(), let hi = values.max() {
                s += String(format: " min %.6g max %.6g mean %.6g", lo, hi, values.reduce(0, +) / Float(values.count))
                let shown = values.count <= 16 ? values.count : 8
                s += " [" + values.prefix(shown).map { String(format: "%.6g", $0) }.joined(separator: ", ") + (values.count > shown ? ", ..." : "") + "]"
            }
        }
        return s
    }

    /// Runs `interpreter` `count` times on `inputs`; the wall time of each run in milliseconds.
    public static func time(_ interpreter: Interpreter, _ inputs: [Tensor], count: Int) throws(RuntimeError) -> [Double] {
        var times: [Double] = []
        for _ in 0 ..< count {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = try interpreter.run(inputs)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        return times
    }

    /// `time: median 12.345 ms, min 12.000 ms, max 13.000 ms over 20 runs (load excluded)`.
    public static func timingLine(_ milliseconds: [Double]) -> String {
        let sorted = milliseconds.sorted()
        let n = sorted.count
        guard n > 0 else { return "time: no runs" }
        let median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        return String(format: "time: median %.3f ms, min %.3f ms, max %.3f ms over %d runs (load excluded)", median, sorted[0], sorted[n - 1], n)
    }
}
