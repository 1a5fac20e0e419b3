import Foundation
import Testing

/// `quire serve` as a process (issue 12 item 12): it stops at once on SIGTERM or SIGINT, also
/// with an event stream and an idle keep-alive connection open, and says that it stopped.
@Suite struct ServeTests {
    static let secret = String(repeating: "k", count: 40)

    /// A plain TCP connection to the server that sends one request and keeps the socket open.
    final class Connection {
        let fd: Int32
        init?(port: UInt16, request: String) {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return nil }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { close(fd); return nil }
            let bytes = Array(request.utf8)
            guard write(fd, bytes, bytes.count) == bytes.count else { close(fd); return nil }
        }
        /// Reads until `text` has arrived (or 10 s pass).
        func read(until text: String) -> String {
            var received = [UInt8]()
            let deadline = Date().addingTimeInterval(10)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while Date() < deadline, !String(decoding: received, as: UTF8.self).contains(text) {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&pfd, 1, 200) > 0 else { continue }
                let n = Foundation.read(fd, &buffer, buffer.count)
                if n <= 0 { break }
                received += buffer[..<n]
            }
            return String(decoding: received, as: UTF8.self)
        }
        deinit { close(fd) }
    }

    func startServer(_ box: Sandbox, port: UInt16, extra: [String] = []) throws -> (Process, URL) {
        let err = box.directory.appendingPathComponent("serve-\(port).err")
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = try QuireBinary.require()
        process.arguments = ["serve", "--port", String(port)] + extra
        process.environment = box.environment(["QUIRE_JWT_SECRET": Self.secret])
        process.currentDirectoryURL = box.directory
        process.standardOutput = FileHandle.nullDevice
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let text = try? String(contentsOf: err, encoding: .utf8), text.contains("listening") { return (process, err) }
            guard process.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return (process, err)
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func serveStopsAtOnceAndSaysSo(stop: Int32) throws {
        let box = try Sandbox()
        try box.setUp()
        let token = try box.ok(["token", "issue", "--user", Sandbox.ops], env: ["QUIRE_JWT_SECRET": Self.secret])
            .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let port = UInt16.random(in: 20_000...40_000)
        let (server, err) = try startServer(box, port: port)
        try #require(server.isRunning, "serve did not start: \((try? String(contentsOf: err, encoding: .utf8)) ?? "")")

        // An open event stream and an idle keep-alive connection.
        let stream = try #require(Connection(port: port, request:
            "GET /v1/events/stream HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n\r\n"))
        #expect(stream.read(until: "event: user.registered").contains("id: 1"), "the stream sent the log")
        let idle = try #require(Connection(port: port, request: "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"))
        #expect(idle.read(until: "\"status\"").contains("200 OK"))

        let start = Date()
        kill(server.processIdentifier, stop)
        server.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        #expect(server.terminationReason == .exit && server.terminationStatus == 0, "\(stderr)")
        #expect(seconds < 1.0, "serve took \(seconds) s to stop")
        #expect(stderr.hasSuffix("quire: stopped serving \(box.database)\n"), "\(stderr)")
    }

    /// Issue 17: `serve --expire-after` sweeps by itself, while a cron `quire sweep` on the same
    /// file finds nothing left to expire.
    @Test func serveSweepsStaleSessionsByItself() throws {
        let box = try Sandbox()
        try box.setUp()
        let id = try box.createSession(try box.write("p.json", paperJSON(code: "9709/12")), as: "a@x.test")
        let port = UInt16.random(in: 20_000...40_000)
        let (server, err) = try startServer(box, port: port, extra: ["--expire-after", "1s", "--sweep-every", "1s"])
        try #require(server.isRunning, "serve did not start: \((try? String(contentsOf: err, encoding: .utf8)) ?? "")")
        defer { kill(server.processIdentifier, SIGTERM); server.waitUntilExit() }
        let deadline = Date().addingTimeInterval(15)
        var status: String?
        while Date() < deadline {
            status = try box.sessions(as: "a@x.test").first { $0["id"] as? String == id }?["status"] as? String
            if status == "expired" { break }
            Thread.sleep(forTimeInterval: 0.25)
        }
        #expect(status == "expired")
        let expiries = try box.auditRows().filter { $0["type"] as? String == "session.expired" }
        #expect(expiries.count == 1)
        #expect(expiries.first?["actor_id"] as? String == "system")
    }
}
