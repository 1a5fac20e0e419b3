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
            questions_imported, metadata, expected_version), session.complete, session.delete (reason), session.reopen, \
            session.transfer (to, reason), session.offer (to), session.accept, session.decline, session.share (with, role), \
            session.unshare (with). Every line gets \
            {"command_id":…,"ok":true,"session":{…}} or {"command_id":…,"ok":false,"error":{"code":…,"message":…,"exit_code":N}}, \
            written as that command commits. The exit code is the first failure's (0 when all succeeded).

            Group commit: the lines already waiting when a transaction starts (up to 500, 8 MiB) are decided and \
            appended in that one transaction, a savepoint each — a refused line does not fail its neighbours — and \
            their results are printed once it has committed, so every "ok": true is durable. A lone line is never \
            delayed. Piping a file in is therefore much faster than one quire call per line; --no-group-commit \
            gives each line its own transaction.
            """)

    @OptionGroup var options: GlobalOptions
    @Argument(help: "A file of JSON lines, or - (the default) for standard input.") var file: String = "-"
    @Flag(help: "One transaction per line instead of group commit (for comparison).") var noGroupCommit = false

    /// Group commit's bounds: the lines already waiting when a transaction starts go into it, up to
    /// this many and this many bytes (a single larger line still goes, alone).
    static let maxBatchLines = 500
    static let maxBatchBytes = 8 << 20

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
        // Group commit: wait for one line, then take every line already waiting (never waiting for
        // more: a lone line is not delayed), decide and append them in one transaction with a
        // savepoint each, and answer each only after that transaction has committed, so every
        // "ok": true is as durable as with one transaction per line.
        while let first = reader.next() {
            var lines = [first]
            var bytes = first.count
            while !noGroupCommit, lines.count < Self.maxBatchLines, bytes < Self.maxBatchBytes, let more = reader.nextIfReady() {
                lines.append(more)
                bytes += more.count
            }
            var results = [CommandResult?](repeating: nil, count: lines.count)
            var submissions: [(index: Int, submission: QuireService.Submission)] = []
            for (i, line) in lines.enumerated() {
                lineNumber += 1
                if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }) { continue }
                do throws(QuireError) {
                    let command = try JSONCommand(line: Data(line), readFile: { path throws(QuireError) in try Files.read(path) })
                    let id = command.commandID ?? Identifier.newUUID()
                    submissions.append((i, QuireService.Submission(command.request, as: options.actorName, commandID: id)))
                } catch {
                    // A line that is JSON but not a valid command still names its command_id in the answer.
                    var commandID: String?
                    if let value = try? JSONValue.parse(Data(line), what: "line"), case .string(let id)? = value.objectValue?["command_id"] {
                        commandID = id
                    }
                    results[i] = CommandResult(commandID: commandID, error: error, prefix: commandID == nil ? "Line \(lineNumber): " : "")
                }
            }
            let outcomes = submissions.count == 1
                ? [Result { () throws(QuireError) in try service.handle(submissions[0].submission.request, as: options.actorName,
                                                                         commandID: submissions[0].submission.commandID) }]
                : service.handleBatch(submissions.map(\.submission))
            for ((index, submission), outcome) in zip(submissions, outcomes) {
                switch outcome {
                case .success(let done): results[index] = CommandResult(done)
                case .failure(let error): results[index] = CommandResult(commandID: submission.commandID, error: error, prefix: "")
                }
            }
            for result in results {
                guard let result else { continue }
                if firstFailure == 0, let code = result.error?.exitCode { firstFailure = code }
                Console.jsonLine(result)
            }
        }
        if let failure = reader.failure {
            Console.error(failure.message)
            throw ExitCode(firstFailure != 0 ? firstFailure : failure.exitCode)
        }
        if firstFailure != 0 { throw ExitCode(firstFailure) }
    }
}
