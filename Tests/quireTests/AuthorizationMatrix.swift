/// Who may do what to a session: every command × actor × session state, and what happens.
///
/// The rules are DESIGN §1 ("Ownership", "Only registered, active users act", "a deleted one is
/// gone for every command except audit and replay") and §4 (exit codes); `history` follows the
/// README: the owner and system admins (deleted sessions too), and any admin for a legacy one.
/// `AuthorizationMatrixTests` runs every row through the built binary, each on its own session.
///
/// Columns:
/// - command: `session show`, `session update --progress 10`, `session complete`, `session delete`, `history`
/// - actor:   owner (the admin who created it; for a legacy session, which nobody owns, an admin),
///            otherAdmin, systemAdmin (not the owner), unknownUser (`--as` a name nobody has),
///            noUser (no `--as`, no `QUIRE_USER`), deactivated (a deactivated admin)
/// - state:   inProgress, completed, deleted (by its owner), legacy (imported without created_by, in progress)
/// - exit:    the exit code (sysexits.h: 65 rule said no, 66 no such session or not yours, 67 no or unknown user)
/// - event:   .denied = exactly one `access.denied` is appended for the attempt (reason not_owner);
///            .silent = none (and a refused command appends nothing at all)
let authorizationMatrix: [AuthorizationCase] = [
    //     command     actor          state         exit event
    // ── inProgress ──────────────────────────────────────────────────
    .init(.show,      .owner,        .inProgress,  0,   .silent),
    .init(.show,      .otherAdmin,   .inProgress,  66,  .denied),
    .init(.show,      .systemAdmin,  .inProgress,  66,  .denied),
    .init(.show,      .unknownUser,  .inProgress,  67,  .silent),
    .init(.show,      .noUser,       .inProgress,  67,  .silent),
    .init(.show,      .deactivated,  .inProgress,  67,  .silent),
    .init(.update,    .owner,        .inProgress,  0,   .silent),
    .init(.update,    .otherAdmin,   .inProgress,  66,  .denied),
    .init(.update,    .systemAdmin,  .inProgress,  66,  .denied),
    .init(.update,    .unknownUser,  .inProgress,  67,  .silent),
    .init(.update,    .noUser,       .inProgress,  67,  .silent),
    .init(.update,    .deactivated,  .inProgress,  67,  .silent),
    .init(.complete,  .owner,        .inProgress,  0,   .silent),
    .init(.complete,  .otherAdmin,   .inProgress,  66,  .denied),
    .init(.complete,  .systemAdmin,  .inProgress,  66,  .denied),
    .init(.complete,  .unknownUser,  .inProgress,  67,  .silent),
    .init(.complete,  .noUser,       .inProgress,  67,  .silent),
    .init(.complete,  .deactivated,  .inProgress,  67,  .silent),
    .init(.delete,    .owner,        .inProgress,  0,   .silent),
    .init(.delete,    .otherAdmin,   .inProgress,  66,  .denied),
    .init(.delete,    .systemAdmin,  .inProgress,  66,  .denied),
    .init(.delete,    .unknownUser,  .inProgress,  67,  .silent),
    .init(.delete,    .noUser,       .inProgress,  67,  .silent),
    .init(.delete,    .deactivated,  .inProgress,  67,  .silent),
    .init(.history,   .owner,        .inProgress,  0,   .silent),
    .init(.history,   .otherAdmin,   .inProgress,  66,  .denied),
    .init(.history,   .systemAdmin,  .inProgress,  0,   .silent),
    .init(.history,   .unknownUser,  .inProgress,  67,  .silent),
    .init(.history,   .noUser,       .inProgress,  67,  .silent),
    .init(.history,   .deactivated,  .inProgress,  67,  .silent),
    // ── completed ───────────────────────────────────────────────────
    .init(.show,      .owner,        .completed,   0,   .silent),
    .init(.show,      .otherAdmin,   .completed,   66,  .denied),
    .init(.show,      .systemAdmin,  .completed,   66,  .denied),
    .init(.show,      .unknownUser,  .completed,   67,  .silent),
    .init(.show,      .noUser,       .completed,   67,  .silent),
    .init(.show,      .deactivated,  .completed,   67,  .silent),
    .init(.update,    .owner,        .completed,   65,  .silent),
    .init(.update,    .otherAdmin,   .completed,   66,  .denied),
    .init(.update,    .systemAdmin,  .completed,   66,  .denied),
    .init(.update,    .unknownUser,  .completed,   67,  .silent),
    .init(.update,    .noUser,       .completed,   67,  .silent),
    .init(.update,    .deactivated,  .completed,   67,  .silent),
    .init(.complete,  .owner,        .completed,   65,  .silent),
    .init(.complete,  .otherAdmin,   .completed,   66,  .denied),
    .init(.complete,  .systemAdmin,  .completed,   66,  .denied),
    .init(.complete,  .unknownUser,  .completed,   67,  .silent),
    .init(.complete,  .noUser,       .completed,   67,  .silent),
    .init(.complete,  .deactivated,  .completed,   67,  .silent),
    .init(.delete,    .owner,        .completed,   0,   .silent),
    .init(.delete,    .otherAdmin,   .completed,   66,  .denied),
    .init(.delete,    .systemAdmin,  .completed,   66,  .denied),
    .init(.delete,    .unknownUser,  .completed,   67,  .silent),
    .init(.delete,    .noUser,       .completed,   67,  .silent),
    .init(.delete,    .deactivated,  .completed,   67,  .silent),
    .init(.history,   .owner,        .completed,   0,   .silent),
    .init(.history,   .otherAdmin,   .completed,   66,  .denied),
    .init(.history,   .systemAdmin,  .completed,   0,   .silent),
    .init(.history,   .unknownUser,  .completed,   67,  .silent),
    .init(.history,   .noUser,       .completed,   67,  .silent),
    .init(.history,   .deactivated,  .completed,   67,  .silent),
    // ── deleted ─────────────────────────────────────────────────────
    .init(.show,      .owner,        .deleted,     66,  .silent),
    .init(.show,      .otherAdmin,   .deleted,     66,  .denied),
    .init(.show,      .systemAdmin,  .deleted,     66,  .denied),
    .init(.show,      .unknownUser,  .deleted,     67,  .silent),
    .init(.show,      .noUser,       .deleted,     67,  .silent),
    .init(.show,      .deactivated,  .deleted,     67,  .silent),
    .init(.update,    .owner,        .deleted,     66,  .silent),
    .init(.update,    .otherAdmin,   .deleted,     66,  .denied),
    .init(.update,    .systemAdmin,  .deleted,     66,  .denied),
    .init(.update,    .unknownUser,  .deleted,     67,  .silent),
    .init(.update,    .noUser,       .deleted,     67,  .silent),
    .init(.update,    .deactivated,  .deleted,     67,  .silent),
    .init(.complete,  .owner,        .deleted,     66,  .silent),
    .init(.complete,  .otherAdmin,   .deleted,     66,  .denied),
    .init(.complete,  .systemAdmin,  .deleted,     66,  .denied),
    .init(.complete,  .unknownUser,  .deleted,     67,  .silent),
    .init(.complete,  .noUser,       .deleted,     67,  .silent),
    .init(.complete,  .deactivated,  .deleted,     67,  .silent),
    .init(.delete,    .owner,        .deleted,     66,  .silent),
    .init(.delete,    .otherAdmin,   .deleted,     66,  .denied),
    .init(.delete,    .systemAdmin,  .deleted,     66,  .denied),
    .init(.delete,    .unknownUser,  .deleted,     67,  .silent),
    .init(.delete,    .noUser,       .deleted,     67,  .silent),
    .init(.delete,    .deactivated,  .deleted,     67,  .silent),
    .init(.history,   .owner,        .deleted,     0,   .silent),
    .init(.history,   .otherAdmin,   .deleted,     66,  .denied),
    .init(.history,   .systemAdmin,  .deleted,     0,   .silent),
    .init(.history,   .unknownUser,  .deleted,     67,  .silent),
    .init(.history,   .noUser,       .deleted,     67,  .silent),
    .init(.history,   .deactivated,  .deleted,     67,  .silent),
    // ── legacy ──────────────────────────────────────────────────────
    .init(.show,      .owner,        .legacy,      0,   .silent),
    .init(.show,      .otherAdmin,   .legacy,      0,   .silent),
    .init(.show,      .systemAdmin,  .legacy,      0,   .silent),
    .init(.show,      .unknownUser,  .legacy,      67,  .silent),
    .init(.show,      .noUser,       .legacy,      67,  .silent),
    .init(.show,      .deactivated,  .legacy,      67,  .silent),
    .init(.update,    .owner,        .legacy,      65,  .silent),
    .init(.update,    .otherAdmin,   .legacy,      65,  .silent),
    .init(.update,    .systemAdmin,  .legacy,      65,  .silent),
    .init(.update,    .unknownUser,  .legacy,      67,  .silent),
    .init(.update,    .noUser,       .legacy,      67,  .silent),
    .init(.update,    .deactivated,  .legacy,      67,  .silent),
    .init(.complete,  .owner,        .legacy,      65,  .silent),
    .init(.complete,  .otherAdmin,   .legacy,      65,  .silent),
    .init(.complete,  .systemAdmin,  .legacy,      65,  .silent),
    .init(.complete,  .unknownUser,  .legacy,      67,  .silent),
    .init(.complete,  .noUser,       .legacy,      67,  .silent),
    .init(.complete,  .deactivated,  .legacy,      67,  .silent),
    .init(.delete,    .owner,        .legacy,      0,   .silent),
    .init(.delete,    .otherAdmin,   .legacy,      0,   .silent),
    .init(.delete,    .systemAdmin,  .legacy,      0,   .silent),
    .init(.delete,    .unknownUser,  .legacy,      67,  .silent),
    .init(.delete,    .noUser,       .legacy,      67,  .silent),
    .init(.delete,    .deactivated,  .legacy,      67,  .silent),
    .init(.history,   .owner,        .legacy,      0,   .silent),
    .init(.history,   .otherAdmin,   .legacy,      0,   .silent),
    .init(.history,   .systemAdmin,  .legacy,      0,   .silent),
    .init(.history,   .unknownUser,  .legacy,      67,  .silent),
    .init(.history,   .noUser,       .legacy,      67,  .silent),
    .init(.history,   .deactivated,  .legacy,      67,  .silent),
]

/// The role-restricted commands: an admin (not a system admin) gets 77 and an `access.denied`
/// event with reason `role` naming the command (DESIGN §1: "Only a system_admin sees the
/// monitor, registers users, imports legacy rows …").
let roleMatrix: [RoleCase] = [
    //     arguments (the file argument is created by the test)       denied command
    .init(["monitor"],                                                "monitor"),
    .init(["user", "add", "new@x.test"],                              "user.register"),
    .init(["user", "list"],                                           "user.list"),
    .init(["legacy", "import", RoleCase.legacyFile],                  "legacy.import"),
    .init(["export"],                                                 "export"),
    .init(["settings", "set", "expire_after", "14d"],                 "settings.set"),
    .init(["session", "transfer", "00000000-0000-4000-8000-000000000000", "--to", "b@x.test"], "session.transfer"),
]

struct AuthorizationCase: CustomStringConvertible, Sendable {
    enum Command: String, Sendable { case show, update, complete, delete, history }
    enum Actor: String, Sendable { case owner, otherAdmin, systemAdmin, unknownUser, noUser, deactivated }
    enum State: String, Sendable { case inProgress, completed, deleted, legacy }
    enum Event: String, Sendable { case denied, silent }

    var command: Command
    var actor: Actor
    var state: State
    var exit: Int32
    var event: Event

    init(_ command: Command, _ actor: Actor, _ state: State, _ exit: Int32, _ event: Event) {
        self.command = command
        self.actor = actor
        self.state = state
        self.exit = exit
        self.event = event
    }

    var description: String { "\(command) by \(actor) on \(state)" }
}

struct RoleCase: CustomStringConvertible, Sendable {
    static let legacyFile = "LEGACY_FILE"
    var arguments: [String]
    var deniedCommand: String
    init(_ arguments: [String], _ deniedCommand: String) {
        self.arguments = arguments
        self.deniedCommand = deniedCommand
    }
    var description: String { arguments.joined(separator: " ") }
}
