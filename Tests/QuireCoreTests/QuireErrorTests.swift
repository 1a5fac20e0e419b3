import Testing
@testable import QuireCore

@Suite("Errors and exit codes")
struct QuireErrorTests {
    /// `sysexits.h`: what a script calling `quire` sees.
    static let exitCodes: [QuireError.Code: Int32] = [
        .usage: 64,
        .invalidInput: 65, .duplicate: 65, .notInProgress: 65, .tooLarge: 65, .commandIDReused: 65,
        .notFound: 66,
        .unknownUser: 67,
        .conflict: 75,
        .forbidden: 77,
        .unavailable: 75,
        .internal: 1,
    ]

    @Test(arguments: QuireError.Code.allCases)
    func eachCodeHasItsExitCode(_ code: QuireError.Code) throws {
        let expected = try #require(Self.exitCodes[code], "no exit code expected for \(code)")
        #expect(QuireError(code, "x").exitCode == expected)
    }

    @Test func everyCodeIsInTheTable() {
        #expect(Set(QuireError.Code.allCases) == Set(Self.exitCodes.keys))
    }

    @Test func codesAreSpelledInSnakeCase() {
        #expect(QuireError.Code.allCases.map(\.rawValue) == [
            "usage", "invalid_input", "too_large", "duplicate", "not_in_progress", "command_id_reused",
            "not_found", "unknown_user", "conflict", "forbidden", "unavailable", "internal",
        ])
    }

    @Test func aConflictCarriesBothVersions() {
        let error = QuireError.conflict(stream: "session-s-1", expected: 3, actual: 5)
        #expect(error.code == .conflict)
        #expect(error.expectedVersion == 3)
        #expect(error.actualVersion == 5)
        // In the user's words: the session's id, not its stream's name.
        #expect(error.message.hasPrefix("Session s-1 was changed by another writer"))
        #expect(!error.message.contains("session-s-1"))
        #expect(!error.staleCopy)
    }

    @Test func aMissingSessionsMessageNamesOnlyTheID() {
        let error = QuireError.sessionNotFound(SessionID("abc123"))
        #expect(error.code == .notFound)
        #expect(error.description == "No session abc123 is visible to you.")
    }
}
