import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import QuireCore
import QuireServer
import QuireService
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Clients that send too much, too slowly, or open too many streams, on a live loopback port.
@Suite("HTTP service under hostile clients", .serialized)
struct HostileClientTests {
    /// What a blocking client saw: the answer's bytes, whether the server then closed the
    /// connection, and how long it all took.
    struct Exchange {
        var answer: String
        var closed: Bool
        var seconds: Double
    }

    /// Connects, writes `head`, then `body` in `chunk`-byte writes with `pause` between them, the
    /// way a blocking client does (Python's urllib writes the whole body before it reads); then
    /// reads until the server closes or `timeout` passes.
    static func exchange(port: Int, head: String, body: [UInt8], chunk: Int = 65_536, pause: Double = 0,
                         timeout: Int = 20) async throws -> Exchange {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try exchangeNow(port: port, head: head, body: body, chunk: chunk, pause: pause, timeout: timeout) })
            }
        }
    }

    static func exchangeNow(port: Int, head: String, body: [UInt8], chunk: Int, pause: Double, timeout: Int) throws -> Exchange {
        let start = Date()
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RawHTTP.SocketError(what: "socket") }
        defer { close(fd) }
        var t = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw RawHTTP.SocketError(what: "connect") }
        let headBytes = Array(head.utf8)
        _ = send(fd, headBytes, headBytes.count, Int32(MSG_NOSIGNAL))
        var offset = 0
        while offset < body.count {
            let n = body[offset..<min(body.count, offset + chunk)].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }  // the server closed, or our send timed out
            offset += n
            if pause > 0 { Thread.sleep(forTimeInterval: pause) }
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var closed = false
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n == 0 { closed = true; break }
            if n < 0 { closed = errno == ECONNRESET; break }  // timed out: still open
            received += buffer[0..<n]
        }
        return Exchange(answer: String(decoding: received, as: UTF8.self), closed: closed, seconds: Date().timeIntervalSince(start))
    }

    /// Python's urllib with a body over the limit and `Connection: close`: it writes all of it,
    /// then reads. The server answers 413 at once, drains the rest, and closes.
    @Test(arguments: [true, false])
    func aBodyOverTheLimitFromAClientThatSendsItAllGetsA413AtOnce(declared: Bool) async throws {
        let f = try await ServerFixture(paperLimit: 64 * 1024)
        let app = try await f.application()
        let token = try await f.token(ServerFixture.alice)
        let body = [UInt8](repeating: UInt8(ascii: " "), count: 4 << 20)  // 4 MiB: far more than the socket buffers
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let framing = declared ? "Content-Length: \(body.count)\r\n" : "Transfer-Encoding: chunked\r\n"
            let head = "POST /v1/sessions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\nConnection: close\r\n"
                + "Content-Type: application/json\r\n" + framing + "\r\n"
            let payload: [UInt8] = declared ? body : Array("\(String(body.count, radix: 16))\r\n".utf8) + body + Array("\r\n0\r\n\r\n".utf8)
            let seen = try await Self.exchange(port: port, head: head, body: payload)
            #expect(seen.answer.hasPrefix("HTTP/1.1 413"), "\(seen.answer.prefix(200))")
            #expect(seen.answer.contains("too_large"))
            #expect(seen.closed)
            #expect(seen.seconds < 10, "took \(seen.seconds) s")
        }
    }

    /// A body far over even what is drained: answered, then the connection is closed.
    @Test func aHugeDeclaredBodyIsAnsweredAndTheConnectionClosed() async throws {
        let f = try await ServerFixture(paperLimit: 4096)
        let app = try await f.application()
        let token = try await f.token(ServerFixture.alice)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let head = "POST /v1/sessions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(1 << 30)\r\n\r\n"
            // 40 MiB sent of a declared 1 GiB: more than the server drains.
            let seen = try await Self.exchange(port: port, head: head, body: [UInt8](repeating: 0x20, count: 40 << 20), chunk: 1 << 20)
            #expect(seen.answer.hasPrefix("HTTP/1.1 413") || seen.answer.isEmpty, "\(seen.answer.prefix(200))")
            #expect(seen.closed)
            #expect(seen.seconds < 15, "took \(seen.seconds) s")
        }
    }

    @Test func aHeadTrickledAByteAtATimeIsCutOff() async throws {
        let f = try await ServerFixture()
        let app = try await f.application(readTimeout: .seconds(1))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            // The head never completes: 0.2 s per byte, 60 bytes would take 12 s.
            let head = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: " + String(repeating: "a", count: 40) + "\r\n\r\n"
            let seen = try await Self.exchange(port: port, head: "", body: Array(head.utf8), chunk: 1, pause: 0.2)
            #expect(seen.closed)
            #expect(seen.seconds < 6, "took \(seen.seconds) s")
            #expect(!seen.answer.contains("200 OK"))
        }
    }

    @Test func aBodyTrickledAByteAtATimeIsA408() async throws {
        let f = try await ServerFixture()
        let app = try await f.application(readTimeout: .seconds(1))
        let token = try await f.token(ServerFixture.alice)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let body = Array(String(buffer: ServerFixture.paper()).utf8)
            let head = "POST /v1/sessions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
            let seen = try await Self.exchange(port: port, head: head, body: Array(body.prefix(40)), chunk: 1, pause: 0.1)
            #expect(seen.answer.hasPrefix("HTTP/1.1 408"), "\(seen.answer.prefix(200))")
            #expect(seen.closed)
            #expect(seen.seconds < 8, "took \(seen.seconds) s")
            #expect(try f.service.sessions(as: .named(ServerFixture.alice)).isEmpty)
        }
    }

    /// Opens `GET /v1/events/stream` on a socket of its own and returns it with the status line.
    static func openStream(port: Int, token: String) throws -> (fd: Int32, status: String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var t = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); throw RawHTTP.SocketError(what: "connect") }
        let head = Array("GET /v1/events/stream HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n\r\n".utf8)
        _ = send(fd, head, head.count, Int32(MSG_NOSIGNAL))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: received, as: UTF8.self).contains("\r\n") {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        let text = String(decoding: received, as: UTF8.self)
        return (fd, text.components(separatedBy: "\r\n").first ?? "")
    }

    @Test func eventStreamsPerUserAreBoundedAndFreedWhenTheClientGoes() async throws {
        let f = try await ServerFixture()
        let app = try await f.application(heartbeat: .seconds(30), maxStreamsPerUser: 2)
        let token = try await f.token(ServerFixture.alice), other = try await f.token(ServerFixture.bob)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            let one = try Self.openStream(port: port, token: token), two = try Self.openStream(port: port, token: token)
            defer { close(two.fd) }
            #expect(one.status.hasSuffix("200 OK") && two.status.hasSuffix("200 OK"), "\(one.status) \(two.status)")
            let three = try Self.openStream(port: port, token: token)
            close(three.fd)
            #expect(three.status.contains("429"), "\(three.status)")
            // Another user is not affected.
            let bobs = try Self.openStream(port: port, token: other)
            close(bobs.fd)
            #expect(bobs.status.hasSuffix("200 OK"))
            // A client that goes away gives its stream back at once, not at its next heartbeat.
            let again = try Self.openStream(port: port, token: token)
            close(again.fd)
            #expect(again.status.contains("429"))
            close(one.fd)
            var reopened = ""
            for _ in 0..<30 where !reopened.hasSuffix("200 OK") {
                try await Task.sleep(for: .milliseconds(100))
                let attempt = try Self.openStream(port: port, token: token)
                close(attempt.fd)
                reopened = attempt.status
            }
            #expect(reopened.hasSuffix("200 OK"), "\(reopened)")
        }
    }
}
