import ArgumentParser
import EdgeConformance
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
            print(try ProgramFile.inspect(input, json: json), terminator: "")
        } catch {
            throw fail(error)
        }
    }
}

/// A message for the user, printed as is.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
