/// edgec's version, printed by `edgec --version` and recorded in outputs.
public enum EdgecVersion {
    public static let string = "0.1.0"
}
