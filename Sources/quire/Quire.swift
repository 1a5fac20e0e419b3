import ArgumentParser

/// `quire`: exam-paper import sessions kept as an immutable, verifiable event log.
@main
struct Quire: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quire",
        abstract: "Exam-paper import sessions kept as an immutable, verifiable event log.",
        discussion: """
            Every command takes --db PATH (default $QUIRE_DB, else ./quire.sqlite), --as USER \
            (email or id; default $QUIRE_USER) and --json.
            Exit codes: 0 ok, 64 usage, 65 invalid input or a rule said no, 66 no such session, \
            67 no or unknown user, 75 conflict (retry), 77 role not allowed, 1 anything else.
            """,
        subcommands: [
            Init.self, UserCommand.self, SessionCommand.self, Submit.self, Legacy.self, Monitor.self, Audit.self,
            History.self, Replay.self, Explain.self, Export.self, Import.self, Rebuild.self, Verify.self,
            Serve.self, TokenCommand.self, Demo.self, KeyCommand.self, CheckpointCommand.self, Prove.self, Consistency.self, Witness.self,
        ]
    )
}
