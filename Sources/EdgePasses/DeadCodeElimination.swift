import EdgeIR

/// `dce`: removes pure operations whose results are never used.
///
/// Visits each body from the end, so a chain of dead ops disappears in one sweep.
public enum DeadCodeElimination {
    public static let pass = Pass.perFunction(
        name: "dce",
        summary: "Remove operations without side effects whose results are unused"
    ) { function, rewriter in
        var op = function.body.operations.last
        while let current = op {
            op = current.previousInBlock
            if current.definition.traits.contains(.pure), current.results.allSatisfy({ !$0.hasUses }) {
                rewriter.erase(current)
            }
        }
    }
}
