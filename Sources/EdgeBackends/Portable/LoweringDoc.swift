import EdgeIR
import EdgeProgram

extension PortableBackend {
    /// The markdown of docs/lowering.md, generated from the lowering rules and the kernel schemas.
    public static func loweringMarkdown() -> String {
        var out = """
        # Portable lowering

        How each Edge IR op becomes ATen out-variant kernel calls that ExecuTorch's portable kernel
        library registers (see [pte.md](pte.md) for the argument-list convention). Generated from the
        rules in `Sources/EdgeBackends/Portable/Rules/` and the kernel schemas in
        `Sources/EdgeProgram/KernelSchema/` by `edgec list-ops --lowering`; do not edit by hand:
        `swift test` fails when this file is stale (regenerate with
        `swift run edgec list-ops --lowering > docs/lowering.md`).

        The unsigned types u16, u32 and u64 are written as ExecuTorch's UInt16 / UInt32 / UInt64
        (scalar types 27–29) and run on edgec's interpreter; ExecuTorch 1.5.1's portable kernels
        do not implement them, so such a program fails there at run time with an error status
        (InvalidArgument from most kernels), not a crash.

        | Edge IR | ATen kernels | notes |
        | --- | --- | --- |

        """
        for name in OpRegistry.all.map(\.name) where name != "return" {
            if name == Ops.delegateCall.name {
                out += "| `\(name)` | — | a `DelegateCall` instruction of the callee's payload (from a backend with a delegate: arm-cpu); the portable backend alone reports it by node |\n"
                continue
            }
            guard let rule = PortableLowering.rules[name] else {
                out += "| `\(name)` | — | no lowering: a compile error naming the node |\n"
                continue
            }
            let kernels = rule.kernels.isEmpty ? "—" : rule.kernels.map { "`\($0)`" }.joined(separator: ", ")
            out += "| `\(name)` | \(kernels) | \(rule.note.replacingOccurrences(of: "|", with: "\\|")) |\n"
        }
        out += "| returned input or constant | `aten::clone.out` | into a planned output |\n"
        out += "| view of a planned tensor in a bounded program (`--input-shape x=1..8,...`) | `aten::view_copy.out`, `aten::unsqueeze_copy.out`, `aten::squeeze_copy.dims_out` | a copy whose out ExecuTorch resizes (a view would keep the bound's sizes); unit dims only: unsqueeze / squeeze |\n"
        out += """

        ## Kernel schemas

        The argument list of every kernel above, declared once (`ATenKernel`) and used by both the
        lowering (calls are built by argument name; a left-out argument takes its default) and the
        interpreter (which binds by name at load and rejects a call that does not fit). A call's
        `args` are the arguments in this order, then the out tensor(s) after `*`, then the returned
        value: the out itself, or a TensorList of the outs.

        ```

        """
        for kernel in PortableLowering.kernels.sorted(by: { $0.rawValue < $1.rawValue }) { out += "\(kernel.schema)\n" }
        out += "```\n"
        return out
    }
}
