import Foundation
import QuireCore

/// The synthetic log the rebuild and query benchmarks run on: `users` users, `sessions`
/// sessions, five events each (created, updated, accessed, updated, then completed for three in
/// four sessions and accessed for the rest), so 1,000,000 events hold 200,000 sessions of which
/// 50,000 are active.
struct SyntheticLog {
    let users: Int
    let sessions: Int
    let start = Timestamp(milliseconds: 1_764_000_000_000)

    static func sized(events: Int) -> SyntheticLog {
        let sessions = max(events / 5, 10)
        return SyntheticLog(users: max(sessions / 20, 2), sessions: sessions)
    }

    func userID(_ i: Int) -> UserID { UserID(String(format: "00000000-0000-4000-8000-%012d", i)) }
    func sessionID(_ i: Int) -> SessionID { SessionID(String(format: "10000000-0000-4000-8000-%012d", i)) }
    func owner(ofSession i: Int) -> Int { i % users }

    /// User registrations first (one system admin, the rest admins).
    func userEvents() -> [Event] {
        (0..<users).map { i in
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
