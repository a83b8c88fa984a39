import ArgumentParser
import EdgeProgram
import Foundation

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show what a .pte program holds: plan, values, instructions, operators, memory plan, segments.",
        discussion: "The file is verified first; a damaged or hostile file is reported, never trusted."
    )

    @Argument(help: ArgumentHelp("The .pte file to read.", valueName: "model.pte"))
    var input: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        do {
            let loaded = try loadProgram(input)
            print(json ? ProgramSummary.json(loaded) : ProgramSummary.text(loaded), terminator: "")
        } catch {
            throw fail(error)
        }
    }
}

/// Reads and verifies a `.pte` file, naming the file in any error.
func loadProgram(_ path: String) throws -> LoadedProgram {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
        throw CLIError("error: cannot read \(path): \(error.localizedDescription)")
    }
    do { return try ProgramReader.read([UInt8](data)) } catch {
        throw CLIError("\(path): error: \(error.message)")
    }
}

/// A message for the user, printed as is.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
