import ArgumentParser
import Foundation
import QuireCore
import QuireService

struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Submit commands as JSON lines; print one result line per command.",
        discussion: """
            Each line is one command, e.g. {"type":"session.update","session_id":"…","progress":40,"command_id":"c-7"}. \
            Types: session.create (file or paper, name, allow_duplicate), session.access, session.update (step, progress, \
            questions_imported, metadata, expected_version), session.complete, session.delete (reason). Every line gets \
            {"command_id":…,"ok":true,"session":{…}} or {"command_id":…,"ok":false,"error":{"code":…,"message":…,"exit_code":N}}, \
            written as that command commits. The exit code is the first failure's (0 when all succeeded).
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "A file of JSON lines, or - (the default) for standard input.") var file: String = "-"

    func run() throws {
        let service = try options.openService()
        let input: FileHandle
        if file == "-" {
            input = .standardInput
        } else {
            guard let handle = FileHandle(forReadingAtPath: file) else { throw QuireError.invalidInput("There is no readable file \(file).") }
            input = handle
        }
        var firstFailure: Int32 = 0
        var lineNumber = 0
        let reader = LineReader(input, name: file == "-" ? "standard input" : file)
        for line in reader {
            lineNumber += 1
            if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }) { continue }
            var commandID: String?
            do throws(QuireError) {
                let command = try JSONCommand(line: Data(line), readFile: { path throws(QuireError) in try Files.read(path) })
                commandID = command.commandID ?? Identifier.newUUID()
                let outcome = try service.handle(command.request, as: options.actorName, commandID: commandID)
                Console.jsonLine(CommandResult(outcome))
            } catch {
                if firstFailure == 0 { firstFailure = error.exitCode }
                // A line that is JSON but not a valid command still names its command_id in the answer.
                if commandID == nil, let value = try? JSONValue.parse(Data(line), what: "line"),
                   case .string(let id)? = value.objectValue?["command_id"] {
                    commandID = id
                }
                let prefix = commandID == nil ? "Line \(lineNumber): " : ""
                Console.jsonLine(CommandResult(commandID: commandID, error: error, prefix: prefix))
            }
        }
        if let failure = reader.failure {
            Console.error(failure.message)
            throw ExitCode(firstFailure != 0 ? firstFailure : failure.exitCode)
        }
        if firstFailure != 0 { throw ExitCode(firstFailure) }
    }
}

