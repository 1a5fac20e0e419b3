import ArgumentParser
import Foundation
import QuireCore
import QuireService

extension ImportStep: ExpressibleByArgument {}

struct SessionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session", abstract: "Work with your import sessions.",
        subcommands: [Create.self, List.self, Show.self, Resume.self, Update.self, Complete.self, Delete.self, Reopen.self, Transfer.self,
                      Offer.self, Offers.self, Accept.self, Decline.self, Share.self, Unshare.self])

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
            let data = try Files.read(file)
            let outcome = try options.openService().handle(
                .createSession(name: name, paper: .bytes(fileName: file, data: data), allowDuplicate: allowDuplicate),
                as: options.actorName, commandID: commandId)
            SessionCommand.report(outcome, options, sentence: Render.created)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Your sessions, and the legacy ones every admin sees.")
        @OptionGroup var options: GlobalOptions

        func run() throws {
            let sessions = try options.openService().sessions(as: options.actorName)
            if options.json { Console.json(sessions) } else { Console.out(Render.sessions(sessions)) }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open one of your sessions (recorded as an access).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The session id, or a unique prefix of it (at least 8 characters).") var id: String
        @Option(help: ArgumentHelp("An idempotency key.", valueName: "id")) var commandId: String?

        func run() throws {
            let service = try options.openService()
            let outcome = try service.show(try service.resolveSession(id, as: options.actorName), as: options.actorName, commandID: commandId)
            SessionCommand.report(outcome, options) { Render.session($0) }
        }
    }

    struct Resume: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open your most recently used in-progress session.")
        @OptionGroup var options: GlobalOptions

        func run() throws {
            let outcome = try options.openService().resume(as: options.actorName)
            SessionCommand.report(outcome, options) { Render.session($0) }
        }
    }

    struct Update: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record progress on an in-progress session.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The session id, or a unique prefix of it (at least 8 characters).") var id: String
        @Option(help: "upload, structure, metadata, questions or review.") var step: String?
        @Option(help: "0 to 100.") var progress: Int?
        @Option(help: "How many questions are imported so far.") var questionsImported: Int?
        @Option(name: .customLong("meta"), help: ArgumentHelp("Set a metadata key (repeatable); KEY= removes it.", valueName: "key=value"))
        var meta: [String] = []
        @Option(help: "Apply only if the session is still at this version.") var expectVersion: Int?
        @Option(help: ArgumentHelp("An idempotency key.", valueName: "id")) var commandId: String?

        func run() throws {
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
            let service = try options.openService()
            let command = UpdateSession(sessionID: try service.resolveSession(id, as: options.actorName), step: stepValue, progress: progress,
                                        questionsImported: questionsImported, metadata: metadata, expectedVersion: expectVersion)
            let outcome = try service.handle(.command(.updateSession(command)), as: options.actorName, commandID: commandId)
            SessionCommand.report(outcome, options, sentence: Render.updated)
        }
    }

    struct Complete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Finish an in-progress session.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The session id, or a unique prefix of it (at least 8 characters).") var id: String
        @Option(help: "The final number of questions imported (default: the count so far).") var questionsImported: Int?
        @Option(help: "Apply only if the session is still at this version.") var expectVersion: Int?
        @Option(help: ArgumentHelp("An idempotency key.", valueName: "id")) var commandId: String?

        func run() throws {
            let service = try options.openService()
            let command = CompleteSession(sessionID: try service.resolveSession(id, as: options.actorName),
                                          questionsImported: questionsImported, expectedVersion: expectVersion)
            let outcome = try service.handle(.command(.completeSession(command)), as: options.actorName, commandID: commandId)
            SessionCommand.report(outcome, options, sentence: Render.completed)
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Discard a session (yours, or a legacy one).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The session id, or a unique prefix of it (at least 8 characters).") var id: String
        @Option(help: "Why, for the audit trail.") var reason: String?
        @Option(help: ArgumentHelp("An idempotency key.", valueName: "id")) var commandId: String?

        func run() throws {
            let service = try options.openService()
            let target = try service.resolveSession(id, as: options.actorName)
            let outcome = try service.handle(.command(.deleteSession(DeleteSession(sessionID: target, reason: reason))),
                                                           as: options.actorName, commandID: commandId)
            SessionCommand.report(outcome, options, sentence: Render.deleted)
        }
    }

    struct Transfer: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a session (anyone's, or a legacy one) to another active user (system admins).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The session id, or a unique prefix of it (at least 8 characters).") var id: String
        @Option(help: ArgumentHelp("The new owner, by email or id.", valueName: "user")) var to: String
        @Option(help: "Why, for the audit trail.") var reason: String?
        @Flag(help: "Transfer even if the new owner already has a session of the same file.") var allowDuplicate = false
        @Option(help: ArgumentHelp("An idempotency key.", valueName: "id")) var commandId: String?

        func run() throws {
            let service = try options.openService()
            let command = TransferSession(sessionID: try service.resolveSession(id, as: options.actorName), to: to, reason: reason,
                                          allowDuplicate: allowDuplicate)
            let outcome = try service.handle(.command(.transferSession(command)), as: options.actorName, commandID: commandId)
            SessionCommand.report(outcome, options, sentence: Render.transferred)
        }
    }

    struct Share: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Share your session with a colleague: an editor shows, updates and completes it; a viewer shows it.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The session id, or a unique prefix of it (at least 8 characters).") var id: String
        @Option(name: .customLong("with"), help: ArgumentHelp("The collaborator, by email or id.", valueName: "user")) var user: String
        @Option(help: "editor (the default) or viewer.") var role = "editor"
        @Option(help: ArgumentHelp("An idempotency key.", valueName: "id")) var commandId: String?

        func run() throws {
            guard let role = CollaboratorRole(rawValue: role) else { throw QuireError.usage("--role takes editor or viewer, not '\(role)'.") }
            let service = try options.openService()
            let command = ShareSession(sessionID: try service.resolveSession(id, as: options.actorName), with: user, role: role)
            let outcome = try service.handle(.command(.shareSession(command)), as: options.actorName, commandID: commandId)
            SessionCommand.report(outcome, options) { s in "Shared session \(s.id) \"\(s.name)\" with \(user) as \(role.rawValue)." }
        }
    }

    struct Unshare: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop sharing your session with a colleague, at once.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The session id, or a unique prefix of it (at least 8 characters).") var id: String
        @Option(name: .customLong("with"), help: ArgumentHelp("The collaborator, by email or id.", valueName: "user")) var user: String
        @Option(help: ArgumentHelp("An idempotency key.", valueName: "id")) var commandId: String?

        func run() throws {
            let service = try options.openService()
            let command = UnshareSession(sessionID: try service.resolveSession(id, as: options.actorName), with: user)
            let outcome = try service.handle(.command(.unshareSession(command)), as: options.actorName, commandID: commandId)
            SessionCommand.report(outcome, options) { s in "Session \(s.id) \"\(s.name)\" is no longer shared with \(user)." }
        }
    }

    struct Offer: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Offer your session to another user, who has 7 days to accept it.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The session id, or a unique prefix of it (at least 8 characters).") var id: String
        @Option(help: ArgumentHelp("Who to offer it to, by email or id.", valueName: "user")) var to: String
        @Option(help: ArgumentHelp("An idempotency key.", valueName: "id")) var commandId: String?

        func run() throws {
            let service = try options.openService()
            let command = OfferSession(sessionID: try service.resolveSession(id, as: options.actorName), to: to)
            let outcome = try service.handle(.command(.offerSession(command)), as: options.actorName, commandID: commandId)
            SessionCommand.report(outcome, options) { s in
                "Offered session \(s.id) \"\(s.name)\" to \(to) until \(s.offerExpiresAt?.description ?? "?"); it stays yours until they accept."
            }
        }
    }

    struct Offers: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Sessions offered to you and not yet answered.")
        @OptionGroup var options: GlobalOptions

        func run() throws {
            let offers = try options.openService().offers(as: options.actorName)
            if options.json { Console.json(offers); return }
            guard !offers.isEmpty else { Console.out("No sessions are offered to you."); return }
            Console.out(Console.table(["ID", "NAME", "FROM", "STATUS", "UNTIL"], offers.map { s in
                [s.id, Render.clip(s.name, 32), s.ownerEmail ?? "-", s.status, s.offerExpiresAt.map(Render.short) ?? "-"]
            }))
        }
    }

    struct Accept: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accept a session offered to you: it becomes yours.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The session id offered to you.") var id: String
        @Flag(help: "Accept even if one of your sessions already holds the same file.") var allowDuplicate = false
        @Option(help: ArgumentHelp("An idempotency key.", valueName: "id")) var commandId: String?

        func run() throws {
            let outcome = try options.openService().handle(
                .command(.acceptOffer(AcceptOffer(sessionID: SessionID(id), allowDuplicate: allowDuplicate))),
                as: options.actorName, commandID: commandId)
            SessionCommand.report(outcome, options) { s in "Accepted session \(s.id) \"\(s.name)\": it is yours now." }
        }
    }

    struct Decline: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decline a session offered to you: it stays its owner's.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The session id offered to you.") var id: String
        @Option(help: ArgumentHelp("An idempotency key.", valueName: "id")) var commandId: String?

        func run() throws {
            let outcome = try options.openService().handle(.command(.declineOffer(SessionID(id))), as: options.actorName,
                                                           commandID: commandId)
            if options.json, let s = outcome.session { Console.json(s); return }
            Console.out("Declined the offer of session \(id).")
        }
    }

    struct Reopen: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put one of your expired sessions back in progress.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The session id, or a unique prefix of it (at least 8 characters).") var id: String
        @Option(help: "Apply only if the session is still at this version.") var expectVersion: Int?
        @Option(help: ArgumentHelp("An idempotency key.", valueName: "id")) var commandId: String?

        func run() throws {
            let service = try options.openService()
            let command = ReopenSession(sessionID: try service.resolveSession(id, as: options.actorName), expectedVersion: expectVersion)
            let outcome = try service.handle(.command(.reopenSession(command)), as: options.actorName, commandID: commandId)
            SessionCommand.report(outcome, options, sentence: Render.reopened)
        }
    }
}
