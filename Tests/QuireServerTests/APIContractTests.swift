import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import QuireCore
import QuireServer
import QuireService
import Testing

@Suite("OpenAPI, CORS and configuration")
struct APIContractTests {
    /// Every registered `/v1` route as `METHOD /v1/sessions/{id}`.
    static func registeredRoutes(_ f: ServerFixture) async throws -> Set<String> {
        let router = try await buildRouter(service: f.service, configuration: f.configuration())
        return Set(router.routes.compactMap { route -> String? in
            let path = "/" + route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                .joined(separator: "/")
            return path.hasPrefix("/v1/") ? "\(route.method.rawValue) \(path)" : nil
        })
    }

    @Test func theDescriptionHasExactlyTheRoutesThatExist() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let registered = try await Self.registeredRoutes(f)
        #expect(registered.count == 27)
        try await app.test(.router) { client in
            let r = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(r.status == .ok)
            let doc = r.json
            #expect(doc["openapi"]?.stringValue == "3.1.0")
            var described = Set<String>()
            for (path, item) in doc["paths"]?.objectValue ?? [:] {
                for (method, operation) in item.objectValue ?? [:] {
                    described.insert("\(method.uppercased()) \(path)")
                    // Every operation names its success and its 401, with a schema for each JSON body.
                    let responses = operation["responses"]?.objectValue ?? [:]
                    #expect(responses.keys.contains { $0.hasPrefix("2") }, "\(method) \(path)")
                    // Public operations (the checkpoint and proofs: hashes only) say so with an empty security.
                    let isPublic = operation["security"]?.arrayValue?.isEmpty == true
                    #expect(responses["401"] != nil || isPublic, "\(method) \(path)")
                }
            }
            #expect(described == registered, "only described: \(described.subtracting(registered)); only registered: \(registered.subtracting(described))")
            // Every $ref points at a schema that exists.
            let schemas = Set(doc["components"]?["schemas"]?.objectValue?.keys.map { $0 } ?? [])
            let text = String(buffer: r.body)
            let refs = text.components(separatedBy: "#/components/schemas/").dropFirst().map { String($0.prefix { $0 != "\"" }) }
            #expect(!refs.isEmpty && refs.allSatisfy(schemas.contains), "\(Set(refs).subtracting(schemas))")
        }
    }

    @Test func corsAnswersListedOriginsWithExactlyTheRoutesMethods() async throws {
        let f = try await ServerFixture()
        let origin = "https://app.school.example"
        let app = try await f.application(corsOrigins: [origin])
        let alice = try await f.auth(ServerFixture.alice)
        try await app.test(.router) { client in
            let preflight: HTTPFields = [.origin: origin, .accessControlRequestMethod: "PATCH",
                                         .accessControlRequestHeaders: "authorization, if-match, content-type"]
            let one = try await client.execute(uri: "/v1/sessions/abc", method: .options, headers: preflight)
            #expect(one.status == .noContent)
            #expect(one.headers[.accessControlAllowOrigin] == origin)
            #expect(one.headers[.accessControlAllowMethods] == "GET, PATCH, DELETE")
            #expect(one.headers[.accessControlAllowHeaders] == "Authorization, Content-Type, If-Match, Last-Event-ID")
            let list = try await client.execute(uri: "/v1/sessions", method: .options, headers: preflight)
            #expect(list.headers[.accessControlAllowMethods] == "POST, GET")
            let resume = try await client.execute(uri: "/v1/sessions/resume", method: .options, headers: preflight)
            #expect(resume.headers[.accessControlAllowMethods] == "GET")

            // The real request: the origin allowed, ETag and Quire-* readable.
            var headers = alice
            headers[.origin] = origin
            let created = try await client.execute(uri: "/v1/sessions", method: .post, headers: headers, body: ServerFixture.paper())
            #expect(created.headers[.accessControlAllowOrigin] == origin)
            #expect(created.headers[.accessControlExposeHeaders]?.contains("ETag") == true)
            #expect(created.headers[.accessControlExposeHeaders]?.contains("Quire-Command-Id") == true)
            #expect(created.headers[HTTPField.Name("Quire-Command-Id")!] != nil)
            // Errors too, so the app can read the message.
            var noToken: HTTPFields = [.origin: origin]
            noToken[.contentType] = "application/json"
            let refused = try await client.execute(uri: "/v1/sessions", method: .get, headers: noToken)
            #expect(refused.status == .unauthorized && refused.headers[.accessControlAllowOrigin] == origin)

            // Any other origin: no CORS header at all.
            var other = preflight
            other[.origin] = "https://evil.example"
            let foreign = try await client.execute(uri: "/v1/sessions/abc", method: .options, headers: other)
            #expect(foreign.headers[.accessControlAllowOrigin] == nil && foreign.headers[.accessControlAllowMethods] == nil)
            headers[.origin] = "https://evil.example"
            let plain = try await client.execute(uri: "/v1/sessions", method: .get, headers: headers)
            #expect(plain.status == .ok && plain.headers[.accessControlAllowOrigin] == nil)
        }
        // None by default.
        let closed = try await f.application()
        try await closed.test(.router) { client in
            let r = try await client.execute(uri: "/v1/sessions", method: .options,
                                             headers: [.origin: origin, .accessControlRequestMethod: "GET"])
            #expect(r.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test func aBadConfigurationIsRefusedBeforeServing() async throws {
        let f = try await ServerFixture()
        var short = f.configuration()
        short.jwtSecret = "too-short"
        #expect(throws: QuireError.self) { try short.validate() }
        var port = f.configuration()
        port.port = 70_000
        #expect(throws: QuireError.self) { try port.validate() }
        var origin = f.configuration()
        origin.corsOrigins = ["app.school.example/path"]
        #expect(throws: QuireError.self) { try origin.validate() }
        var streams = f.configuration()
        streams.maxStreamsPerUser = 0
        #expect(throws: QuireError.self) { try streams.validate() }
        try f.configuration(corsOrigins: ["https://app.school.example", "http://localhost:3000"]).validate()
        await #expect(throws: QuireError.self) { _ = try await buildApplication(service: f.service, configuration: port) }
    }

    /// Found by schemathesis: a huge stale_hours overflowed the cutoff and killed the server.
    @Test func anOutOfRangeStaleHoursIsA400NotACrash() async throws {
        let f = try await ServerFixture()
        let app = try await f.application()
        let ops = try await f.auth(ServerFixture.ops)
        try await app.test(.router) { client in
            let r = try await client.execute(uri: "/v1/monitor?stale_hours=3.9e307", method: .get, headers: ops)
            #expect(r.status == .badRequest)
            #expect(r.errorMessage.contains("stale_hours"))
            #expect(try await client.execute(uri: "/v1/monitor?stale_hours=1000000", method: .get, headers: ops).status == .ok)
        }
    }
}
