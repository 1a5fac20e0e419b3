import Foundation
import QuireCore

/// A command as it arrives from the CLI, `submit` or HTTP, before quire has read its paper file.
public enum Request: Sendable, Equatable {
    /// `session.create`: the paper arrives as bytes (a file, an HTTP body) or already parsed (a `submit` line).
    case createSession(name: String?, paper: PaperInput, allowDuplicate: Bool)
    /// Every other command is already in domain terms.
    case command(Command)

    public var name: String {
        switch self {
        case .createSession: "session.create"
        case .command(let c): c.name
        }
    }
}

/// A paper file's content as given.
public enum PaperInput: Sendable, Equatable {
    case bytes(fileName: String, data: Data)
    case parsed(fileName: String, value: JSONValue)
    /// An HTTP body sent without `?file_name=`: the session is called `paper.json`, and an error
    /// names "the request body", which is what the client sent.
    case body(Data)

    public var fileName: String {
        switch self {
        case .bytes(let name, _), .parsed(let name, _): name
        case .body: "paper.json"
        }
    }

    /// What an error about the paper calls it.
    var what: String {
        switch self {
        case .bytes(let name, _), .parsed(let name, _): name
        case .body: "The request body"
        }
    }
}

/// Who acts: a user named by email or id, nobody, or quire itself (`init`).
public enum ActorName: Sendable, Equatable {
    case none
    case named(String)
    case system

    /// From `--as` / `$QUIRE_USER`: an empty value means nobody.
    public init(_ raw: String?) {
        if let raw, !raw.trimmingCharacters(in: .whitespaces).isEmpty {
            self = .named(raw.trimmingCharacters(in: .whitespaces))
        } else {
            self = .none
        }
    }
}

/// The result of a command that was accepted, as the CLI prints it and `submit` and HTTP return it.
public struct Outcome: Sendable, Equatable, Codable {
    public var commandID: String
    /// The session the command created or touched, as it is now.
    public var session: SessionView?
    /// The user the command registered or changed.
    public var user: UserView?
    public var warnings: [Warning]
    /// Positions of the events it appended.
    public var positions: [Int64]
    /// True when this is the stored outcome of an earlier submission of the same `command_id`.
    public var replayed: Bool

    enum CodingKeys: String, CodingKey {
        case commandID = "command_id", session, user, warnings, positions, replayed
    }
}
