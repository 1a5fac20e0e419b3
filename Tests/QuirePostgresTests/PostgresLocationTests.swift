import Testing
import QuireCore
@testable import QuirePostgres

@Suite("PostgreSQL URLs")
struct PostgresLocationTests {
    @Test func readsEveryPart() throws {
        let l = try PostgresLocation("postgresql://ops:s%40cret@db.example.org:6543/school?schema=exams&sslmode=require", environment: [:])
        #expect(l.host == "db.example.org")
        #expect(l.port == 6543)
        #expect(l.user == "ops")
        #expect(l.password == "s@cret")
        #expect(l.database == "school")
        #expect(l.schema == "exams")
        #expect(l.tls == .require)
        #expect(!l.description.contains("cret"), "the password never reaches a log line or an error sentence")
    }

    @Test func defaultsToTheQuireSchemaAndPort5432() throws {
        let l = try PostgresLocation("postgres://quire@localhost/quire", environment: ["PGPASSWORD": "pw"])
        #expect(l.port == 5432)
        #expect(l.schema == "quire")
        #expect(l.password == "pw")
        #expect(l.tls == .prefer)
    }

    @Test(arguments: [
        ("postgresql://host", "names no database"),
        ("postgresql:///db", "is not a PostgreSQL URL"),
        ("postgresql://h/db?schema=Bad-Name", "is not a plain lowercase PostgreSQL name"),
        ("postgresql://h/db?sslmode=maybe", "is not one of disable, prefer, require, verify-full"),
        ("postgresql://h/db?pool=3", "is not a setting quire reads"),
    ])
    func refusesWithOneSentence(_ url: String, _ says: String) {
        #expect {
            _ = try PostgresLocation(url, environment: [:])
        } throws: { error in
            guard let error = error as? QuireError else { return false }
            return error.code == .usage && error.message.contains(says)
        }
    }
}
