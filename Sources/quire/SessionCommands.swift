import ArgumentParser
import Foundation
import QuireCore
import QuireService

extension ImportStep: ExpressibleByArgument {}

struct SessionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session", abstract: "Work with your import sessions.",
        subcommands: [Create.self, List.self, Show.self, Resume.self, Update.self, Complete.self, Delete.self])

    /// Prints a command's session and its warnings.
    static func report(_ outcome: Outcome, _ options: GlobalOptions, sentence: (SessionView) -> String) {
        for warning in outcome.warnings { Console.warning(warning.message) }
        guard let session = outcome.session else { return }
        if options.json { Console.json(session) } else { Console.out(sentence(session)) }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start importing a paper file.")
        @OptionGroup var options: GlobalOptions
        @Option(help: ArgumentHelp("The paper, a JSON object with a questions array.", valueName: "paper.json")) var file: String
        @Option(help: "A name for the session (default: from the paper, else the file name).") var name: String?
        @Flag(help: "Import the file even if one of your sessions already holds it.") var allowDuplicate = false
        @Option(help: ArgumentHelp("An idempotency key: the same id again returns the first result.", valueName: "id")) var commandId: String?

        func run() throws {
            try QuireCLI.run {
                let data = try Files.read(file)
                let outcome = try options.openService().handle(
                    .createSession(name: name, paper: .bytes(fileName: file, data: data), allowDuplicate: allowDuplicate),
                    as: options.actorName, commandID: commandId)
                SessionCommand.report(outcome, options) { s in
                    "Created session \(s.id) \"\(s.name)\" (\(s.questionCount) question\(s.questionCount == 1 ? "" : "s"))."
                }
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Your sessions, and the legacy ones every admin sees.")
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try QuireCLI.run {
                let sessions = try options.openService().sessions(as: options.actorName)
                if options.json { Console.json(sessions) } else { Console.out(Render.sessions(sessions)) }
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open one of your sessions (recorded as an access).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The session id.") var id: String
        @Option(help: ArgumentHelp("An idempotency key.", valueName: "id")) var commandId: String?

        func run() throws {
            try QuireCLI.run {
                let outcome = try options.openService().show(SessionID(id), as: options.actorName, commandID: commandId)
                SessionCommand.report(outcome, options) { Render.session($0) }
            }
        }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open your most recently used in-progress session.")
        @OptionGroup var options: GlobalOptions

        func run() throws {
            try QuireCLI.run {
                let outcome = try options.openService().resume(as: options.actorName)
                SessionCommand.report(outcome, options) { Render.session($0) }
            }
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record progress on an in-progress session.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The session id.") var id: String
        @Option(help: "upload, structure, metadata, questions or review.") var step: String?
        @Option(help: "0 to 100.") var progress: Int?
        @Option(help: "How many questions are imported so far.") var questionsImported: Int?
        @Option(name: .customLong("meta"), help: ArgumentHelp("Set a metadata key (repeatable); KEY= removes it.", valueName: "key=value"))
        var meta: [String] = []
        @Option(help: "Apply only if the session is still at this version.") var expectVersion: Int?
        @Option(help: ArgumentHelp("An idempotency key.", valueName: "id")) var commandId: String?

        func run() throws {
            try QuireCLI.run {
                var stepValue: ImportStep?
                if let step {
                    guard let s = ImportStep(rawValue: step) else { throw JSONCommand.unknownStep(step) }
                    stepValue = s
                }
                var metadata: [String: JSONValue]?
                for pair in meta {
                    guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
                        throw QuireError.usage("--meta takes KEY=VALUE, not '\(pair)'.")
                    }
                    let value = String(pair[pair.index(after: eq)...])
                    metadata = metadata ?? [:]
                    metadata![String(pair[..<eq])] = value.isEmpty ? .null : .string(value)
                }
                let command = UpdateSession(sessionID: SessionID(id), step: stepValue, progress: progress,
                                            questionsImported: questionsImported, metadata: metadata, expectedVersion: expectVersion)
                let outcome = try options.openService().handle(.command(.updateSession(command)), as: options.actorName, commandID: commandId)
                SessionCommand.report(outcome, options) { s in
                    "Session \(s.id): step \(s.step), \(s.progress)%, \(s.questionsImported)/\(s.questionCount) questions (version \(s.version))."
                }
            }
        }
    }

    struct Complete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Finish an in-progress session.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The session id.") var id: String
        @Option(help: "The final number of questions imported (default: the count so far).") var questionsImported: Int?
        @Option(help: "Apply only if the session is still at this version.") var expectVersion: Int?
        @Option(help: ArgumentHelp("An idempotency key.", valueName: "id")) var commandId: String?

        func run() throws {
            try QuireCLI.run {
                let command = CompleteSession(sessionID: SessionID(id), questionsImported: questionsImported, expectedVersion: expectVersion)
                let outcome = try options.openService().handle(.command(.completeSession(command)), as: options.actorName, commandID: commandId)
                SessionCommand.report(outcome, options) { s in
                    "Completed session \(s.id) with \(s.questionsImported) of \(s.questionCount) questions imported."
                }
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Discard a session (yours, or a legacy one).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The session id.") var id: String
        @Option(help: "Why, for the audit trail.") var reason: String?
        @Option(help: ArgumentHelp("An idempotency key.", valueName: "id")) var commandId: String?

        func run() throws {
            try QuireCLI.run {
                let outcome = try options.openService().handle(.command(.deleteSession(DeleteSession(sessionID: SessionID(id), reason: reason))),
                                                               as: options.actorName, commandID: commandId)
                SessionCommand.report(outcome, options) { s in "Deleted session \(s.id) \"\(s.name)\"." }
            }
        }
    }
}

/// Reading input files with one-sentence errors.
enum Files {
    static func read(_ path: String) throws(QuireError) -> Data {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .invalidInput("There is no file \(path).")
        }
        guard !isDirectory.boolValue else { throw .invalidInput("\(path) is a directory, not a file.") }
        guard let data = FileManager.default.contents(atPath: path) else { throw .invalidInput("\(path) cannot be read.") }
        return data
    }
}
