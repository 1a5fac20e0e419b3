import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTKit
import NIOCore
import QuireBackends
import QuireCore
import QuireServer
import QuireService
import QuireStorage
import QuireTestSupport

/// A service on a fresh database file with a system admin (ops) and admins, and the HTTP
/// application around it.
struct ServerFixture {
    static let secret = "quire-test-secret-0123456789abcdef0123456789abcdef0123456789abcdef0123"
    let service: QuireService
    let tokens: TokenAuthority
    let ids: [String: UserID]
    static let ops = "ops@x.test", alice = "alice@x.test", bob = "bob@x.test"

    init(paperLimit: Int = 64 * 1024, admins: [String] = [ServerFixture.alice, ServerFixture.bob]) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("quire-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        service = try QuireService.open(location: PostgresTestServer.database(orSQLiteFile: dir.appendingPathComponent("q.sqlite").path),
                                        options: .init(create: true),
                                        paperLimit: paperLimit)
        var ids: [String: UserID] = [:]
        ids[Self.ops] = try service.handle(.command(.registerUser(RegisterUser(email: Self.ops, role: .systemAdmin))), as: .system).user
            .map { UserID($0.id) }
        for email in admins {
            ids[email] = try service.handle(.command(.registerUser(RegisterUser(email: email, role: .admin))), as: .named(Self.ops)).user
                .map { UserID($0.id) }
        }
        self.ids = ids
        tokens = try await TokenAuthority(secret: Self.secret)
    }

    func configuration(groupCommit: Bool = true, heartbeat: Duration = .seconds(1), corsOrigins: [String] = [],
                       demoSignIns: [DemoSignIn] = [], maxStreamsPerUser: Int = 8,
                       readTimeout: Duration = .seconds(30)) -> QuireServerConfiguration {
        QuireServerConfiguration(host: "127.0.0.1", port: 0, jwtSecret: Self.secret, groupCommit: groupCommit,
                                 streamPollInterval: .milliseconds(200), streamHeartbeat: heartbeat, logLevel: .error,
                                 corsOrigins: corsOrigins, demoSignIns: demoSignIns, maxStreamsPerUser: maxStreamsPerUser,
                                 readTimeout: readTimeout)
    }

    func application(groupCommit: Bool = true, heartbeat: Duration = .seconds(1), corsOrigins: [String] = [],
                     demoSignIns: [DemoSignIn] = [], maxStreamsPerUser: Int = 8,
                     readTimeout: Duration = .seconds(30)) async throws -> some ApplicationProtocol {
        try await buildApplication(
            service: service,
            configuration: configuration(groupCommit: groupCommit, heartbeat: heartbeat, corsOrigins: corsOrigins,
                                         demoSignIns: demoSignIns, maxStreamsPerUser: maxStreamsPerUser, readTimeout: readTimeout))
    }

    func token(_ email: String) async throws -> String {
        try await tokens.issue(for: ids[email]!, ttl: 3600)
    }

    func auth(_ email: String) async throws -> HTTPFields {
        [.authorization: "Bearer " + (try await token(email))]
    }

    func eventCount() throws -> Int64 { try service.lastPosition() }

    /// The whole log, as a system admin reads it.
    func events() throws -> [EventView] { try service.events(after: 0, limit: 1_000_000, as: .named(Self.ops)).events }

    static func paper(_ code: String = "9709/12", questions: Int = 4) -> ByteBuffer {
        let qs = (1...questions).map { "{\"number\":\($0),\"text\":\"Q\($0)\"}" }.joined(separator: ",")
        return ByteBuffer(string: "{\"paper\":{\"code\":\"\(code)\",\"subject\":\"Maths\"},\"questions\":[\(qs)]}")
    }

    static func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
}

extension TestResponse {
    var json: JSONValue {
        (try? JSONValue.parse(Data(body.readableBytesView), what: "The response")) ?? .string(String(buffer: body))
    }
    var errorCode: String? { json["error"]?["code"]?.stringValue }
    var errorMessage: String { json["error"]?["message"]?.stringValue ?? "" }
}

extension JSONValue {
    subscript(key: String) -> JSONValue? { objectValue?[key] }
    subscript(index: Int) -> JSONValue? {
        guard let a = arrayValue, a.indices.contains(index) else { return nil }
        return a[index]
    }
    var count: Int { arrayValue?.count ?? 0 }
}

/// Base64url without padding, as JWTs spell their parts.
func base64URL(_ text: String) -> String {
    Data(text.utf8).base64EncodedString()
        .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
}

/// A token that has a subject and a signature but no `exp`.
struct ClaimsWithoutExpiry: JWTPayload {
    var sub: SubjectClaim
    func verify(using algorithm: some JWTAlgorithm) throws {}
}
