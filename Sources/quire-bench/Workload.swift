import Foundation
import QuireCore

/// The synthetic log the rebuild and query benchmarks run on: `sessions` sessions, five events
/// each (created, updated, accessed, updated, then completed for three in four sessions and
/// accessed for the rest), owned twenty to a user, plus one system admin (user 0). So 1,000,000
/// events hold 200,000 sessions of 10,000 admins, 50,000 of them active; and every admin has the
/// same twenty sessions and hundred events whatever the log's size, so that queries measured at
/// two sizes differ only by the size of the log.
struct SyntheticLog {
    static let sessionsPerUser = 20
    let sessions: Int
    let start = Timestamp(milliseconds: 1_764_000_000_000)

    static func sized(events: Int) -> SyntheticLog { SyntheticLog(sessions: max(events / 5, sessionsPerUser)) }

    /// Users 0 (the system admin) to `users - 1`.
    var users: Int { 1 + (sessions + Self.sessionsPerUser - 1) / Self.sessionsPerUser }
    var events: Int { users + 5 * sessions }

    func userID(_ i: Int) -> UserID { UserID(String(format: "00000000-0000-4000-8000-%012d", i)) }
    func sessionID(_ i: Int) -> SessionID { SessionID(String(format: "10000000-0000-4000-8000-%012d", i)) }
    func owner(ofSession i: Int) -> Int { 1 + i / Self.sessionsPerUser }

    /// The registrations of users `range` (user 0 is the system admin, the rest admins).
    func userEvents(_ range: Range<Int>) -> [Event] {
        range.map { i in
            .userRegistered(UserRegistered(userID: userID(i), email: "user\(i)@bench.example", role: i == 0 ? .systemAdmin : .admin))
        }
    }

    /// The five events of session `i`, each with the actor who did it.
    func sessionEvents(_ i: Int) -> [Event] {
        let id = sessionID(i)
        let code = "\(9700 + i % 50)/\(i % 40)"
        let created = Event.sessionCreated(SessionCreated(
            sessionID: id, ownerID: userID(owner(ofSession: i)), name: "Paper \(code) \(2000 + i % 25)",
            fileName: "paper-\(i).json", jsonHash: String(format: "%064x", i), questionCount: 10,
            paper: ["code": .string(code), "subject": .string("Mathematics"), "year": .number(Double(2000 + i % 25))],
            blob: String(format: "%064x", i + 1)))
        let last: Event = i % 4 == 0
            ? .sessionAccessed(SessionAccessed(sessionID: id))
            : .sessionCompleted(SessionCompleted(sessionID: id, questionsImported: 10))
        return [
            created,
            .sessionUpdated(SessionUpdated(sessionID: id, step: .structure, progress: 30, questionsImported: 3)),
            .sessionAccessed(SessionAccessed(sessionID: id)),
            .sessionUpdated(SessionUpdated(sessionID: id, step: .questions, progress: 80, questionsImported: 8,
                                           metadata: ["reviewer": .string("r\(i % 7)")])),
            last,
        ]
    }

    /// A 10-question paper file, unique per `i`.
    static func paper(_ i: Int) -> Data {
        let questions = (1...10).map { q in
            "{\"number\":\(q),\"text\":\"Question \(q) of paper \(i): find the value of x.\",\"marks\":\(q % 4 + 1),\"answer\":\"\(q * 7)\"}"
        }.joined(separator: ",")
        return Data("{\"paper\":{\"code\":\"B\(i)/1\",\"subject\":\"Mathematics\",\"year\":2024},\"questions\":[\(questions)]}".utf8)
    }
}
