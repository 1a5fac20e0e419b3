import Foundation
import QuireCore

/// One command written as JSON, as `submit` reads them (one per line) and `POST /v1/commands`
/// takes them: `{"type": "session.update", "session_id": "…", "progress": 40, "command_id": "…"}`.
public struct JSONCommand: Sendable, Equatable {
    public var request: Request
    public var commandID: String?

    /// Where a `session.create` line's `file` path may be read from; `nil` forbids paths (HTTP).
    public typealias FileReader = (String) throws(QuireError) -> Data

    static let common: Set<String> = ["type", "command_id"]

    /// The `type`s a command line may have; `switch`es over it have no `default`, so a new type
    /// is a compile error until it is read.
    enum Kind: String, CaseIterable {
        case create = "session.create", access = "session.access", update = "session.update"
        case complete = "session.complete", delete = "session.delete", reopen = "session.reopen"
        case transfer = "session.transfer", offer = "session.offer", accept = "session.accept", decline = "session.decline"
        case share = "session.share", unshare = "session.unshare"

        /// The fields a command of this kind may carry besides `type` and `command_id`.
        var fields: Set<String> {
            switch self {
            case .create: ["file", "paper", "file_name", "name", "allow_duplicate"]
            case .access: ["session_id"]
            case .update: ["session_id", "step", "progress", "questions_imported", "metadata", "expected_version"]
            case .complete: ["session_id", "questions_imported", "expected_version"]
            case .delete: ["session_id", "reason", "expected_version"]
            case .reopen: ["session_id", "expected_version"]
            case .transfer: ["session_id", "to", "reason", "allow_duplicate"]
            case .offer: ["session_id", "to"]
            case .accept: ["session_id", "allow_duplicate"]
            case .decline: ["session_id"]
            case .share: ["session_id", "with", "role"]
            case .unshare: ["session_id", "with"]
            }
        }
    }

    /// Parses one line. Throws `invalidInput` naming the field that is missing, unknown or of the wrong type.
    public init(line: Data, readFile: FileReader?) throws(QuireError) {
        let value = try JSONValue.parse(line, what: "The command")
        try self.init(value: value, readFile: readFile)
    }

    public init(value: JSONValue, readFile: FileReader?) throws(QuireError) {
        guard case .object(let fields) = value else {
            throw .invalidInput("A command must be a JSON object, not \(value.typeName).")
        }
        let f = Fields(fields)
        let type = try f.string("type", required: true)!
        guard let kind = Kind(rawValue: type) else {
            throw .invalidInput("Unknown command type '\(type)'; use one of \(Kind.allCases.map(\.rawValue).sorted().joined(separator: ", ")).")
        }
        let allowed = kind.fields
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) && !Self.common.contains($0) }) {
            throw .invalidInput("Unknown field '\(unknown)' in a \(type) command.")
        }
        commandID = try f.string("command_id")
        func sessionID() throws(QuireError) -> SessionID { SessionID(try f.string("session_id", required: true)!) }
        switch kind {
        case .create:
            let name = try f.string("name")
            let allowDuplicate = try f.bool("allow_duplicate") ?? false
            if let path = try f.string("file") {
                guard fields["paper"] == nil else { throw .invalidInput("Give either 'file' or 'paper', not both.") }
                guard let readFile else { throw .invalidInput("Field 'file' is not accepted here; send the paper itself in 'paper'.") }
                let data = try readFile(path)
                request = .createSession(name: name, paper: .bytes(fileName: try f.string("file_name") ?? path, data: data),
                                         allowDuplicate: allowDuplicate)
            } else if let paper = fields["paper"] {
                let fileName = try f.string("file_name") ?? "paper.json"
                request = .createSession(name: name, paper: .parsed(fileName: fileName, value: paper), allowDuplicate: allowDuplicate)
            } else {
                throw .invalidInput("A session.create command needs 'file' (a path) or 'paper' (the JSON object).")
            }
        case .access:
            request = .command(.accessSession(try sessionID()))
        case .update:
            let stepName = try f.string("step")
            var step: ImportStep?
            if let stepName {
                guard let s = ImportStep(rawValue: stepName) else { throw Self.unknownStep(stepName) }
                step = s
            }
            let metadata = try f.object("metadata")
            request = .command(.updateSession(UpdateSession(
                sessionID: try sessionID(), step: step, progress: try f.int("progress"),
                questionsImported: try f.int("questions_imported"), metadata: metadata,
                expectedVersion: try f.int("expected_version"))))
        case .complete:
            request = .command(.completeSession(CompleteSession(
                sessionID: try sessionID(), questionsImported: try f.int("questions_imported"),
                expectedVersion: try f.int("expected_version"))))
        case .delete:
            request = .command(.deleteSession(DeleteSession(
                sessionID: try sessionID(), reason: try f.string("reason"), expectedVersion: try f.int("expected_version"))))
        case .reopen:
            request = .command(.reopenSession(ReopenSession(sessionID: try sessionID(), expectedVersion: try f.int("expected_version"))))
        case .transfer:
            request = .command(.transferSession(TransferSession(
                sessionID: try sessionID(), to: try f.string("to", required: true)!, reason: try f.string("reason"),
                allowDuplicate: try f.bool("allow_duplicate") ?? false)))
        case .offer:
            request = .command(.offerSession(OfferSession(sessionID: try sessionID(), to: try f.string("to", required: true)!)))
        case .accept:
            request = .command(.acceptOffer(AcceptOffer(sessionID: try sessionID(), allowDuplicate: try f.bool("allow_duplicate") ?? false)))
        case .decline:
            request = .command(.declineOffer(try sessionID()))
        case .share:
            let roleName = try f.string("role") ?? "editor"
            guard let role = CollaboratorRole(rawValue: roleName) else {
                throw .invalidInput("Unknown role '\(roleName)'; use editor or viewer.")
            }
            request = .command(.shareSession(ShareSession(sessionID: try sessionID(), with: try f.string("with", required: true)!, role: role)))
        case .unshare:
            request = .command(.unshareSession(UnshareSession(sessionID: try sessionID(), with: try f.string("with", required: true)!)))
        }
    }

    public static func unknownStep(_ name: String) -> QuireError {
        .invalidInput("Unknown step '\(name)'; use one of \(ImportStep.allCases.map(\.rawValue).joined(separator: ", ")).")
    }

    /// Typed access to a JSON object's fields with one-sentence errors.
    struct Fields {
        let fields: [String: JSONValue]
        init(_ fields: [String: JSONValue]) { self.fields = fields }

        func string(_ key: String, required: Bool = false) throws(QuireError) -> String? {
            switch fields[key] {
            case nil, .null?:
                if required { throw .invalidInput("Field '\(key)' is missing.") }
                return nil
            case .string(let s)?: return s
            case let other?: throw .invalidInput("Field '\(key)' must be a string, not \(other.typeName).")
            }
        }

        func int(_ key: String) throws(QuireError) -> Int? {
            switch fields[key] {
            case nil, .null?: return nil
            case let value?:
                guard let n = value.intValue else {
                    throw .invalidInput("Field '\(key)' must be a whole number, not \(value.typeName == "a number" ? "a fraction or a huge number" : value.typeName).")
                }
                return n
            }
        }

        func bool(_ key: String) throws(QuireError) -> Bool? {
            switch fields[key] {
            case nil, .null?: return nil
            case .bool(let b)?: return b
            case let other?: throw .invalidInput("Field '\(key)' must be true or false, not \(other.typeName).")
            }
        }

        func object(_ key: String) throws(QuireError) -> [String: JSONValue]? {
            switch fields[key] {
            case nil, .null?: return nil
            case .object(let o)?: return o
            case let other?: throw .invalidInput("Field '\(key)' must be a JSON object, not \(other.typeName).")
            }
        }
    }
}
