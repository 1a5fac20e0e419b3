import ArgumentParser
import Foundation
import QuireCore

/// `quire`: exam-paper import sessions kept as an immutable, verifiable event log.
@main
struct Quire: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quire",
        abstract: "Exam-paper import sessions kept as an immutable, verifiable event log.",
        discussion: """
            Every command takes --db PATH (default $QUIRE_DB, else ./quire.sqlite); those that act for someone take \
            --as USER (email or id; default $QUIRE_USER) and --json.
            Exit codes: 0 ok, 64 usage, 65 invalid input or a rule said no, 66 no such session, \
            67 no or unknown user, 75 conflict (retry), 77 role not allowed, 1 anything else.
            """,
        subcommands: [
            Init.self, UserCommand.self, SessionCommand.self, Submit.self, Legacy.self, Monitor.self, SweepCommand.self, SettingsCommand.self, CleanupCommand.self, Audit.self,
            History.self, Replay.self, Explain.self, Export.self, Import.self, Rebuild.self, Verify.self,
            Serve.self, TokenCommand.self, Demo.self, KeyCommand.self, CheckpointCommand.self, Prove.self, Consistency.self, Witness.self,
        ]
    )

    /// The one place where errors become what the user sees: a `QuireError` is one sentence on
    /// stderr and its `sysexits.h` code; a usage error from the argument parser is one sentence
    /// and the hint naming the command's `--help` (exit 64); help and `ExitCode` pass through.
    static func main() async {
        do {
            var command = try await asyncParseAsRoot(nil)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as QuireError {
            Console.error(error.message)
            Foundation.exit(error.exitCode)
        } catch {
            if exitCode(for: error) == .validationFailure {
                let (sentence, hint) = usageMessage(for: error)
                Console.error(sentence)
                if let hint { FileHandle.standardError.write(Data((hint + "\n").utf8)) }
                Foundation.exit(ExitCode.validationFailure.rawValue)
            }
            exit(withError: error)
        }
    }

    /// The parser's message as one sentence, and its "See 'quire … --help'" line.
    static func usageMessage(for error: any Error) -> (String, String?) {
        let lines = message(for: error).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        var sentence = lines.filter { !$0.isEmpty }.map { $0.hasPrefix("Error: ") ? String($0.dropFirst(7)) : $0 }.joined(separator: " ")
        if let last = sentence.last, !".?!".contains(last) { sentence += "." }
        let hint = fullMessage(for: error, columns: 200).split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix("See '") && $0.contains("--help'") }
        return (sentence, hint)
    }
}
